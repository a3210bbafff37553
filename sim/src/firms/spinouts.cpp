// Phase 9: spin-outs. Researchers above founders.min_skill found a startup
// with hazard rate_per_year * w_mission, funded from a venture pool that
// refills each week; the new firm takes the startup defaults.

#include <cmath>
#include <string>
#include <vector>

#include "engine/phases.hpp"
#include "market/valuation.hpp"
#include "scenario/load_detail.hpp"
#include "util/parallel.hpp"

namespace talentsim::detail {

void found_spinouts(State& s, Ledger& ledger, StepLog& log) {
  const FounderParams& fp = s.sc.founders;
  if (fp.rate_per_year <= 0) return;  // the pool grew in raise_funding
  const FirmSpec& tmpl = s.sc.defaults.by_kind[static_cast<std::size_t>(FirmKind::startup)];
  if (s.new_firms >= fp.max_new_firms) return;
  // Whose draw says "found" is decided for the whole pool first, in
  // parallel: it is a function of (seed, step, researcher) and the
  // researcher's w_mission alone, which founding does not change. The pool
  // is then walked in its order as before, skipping only those whose draw
  // said no (tens of thousands a step at 1M, for a handful of founders).
  const auto& pool = s.founder_pool;
  const auto draws_yes = [&](std::size_t ri) {
    const double hazard = fp.rate_per_year * s.R.w_mission[ri] / STEPS_PER_YEAR;
    if (hazard <= 0) return false;
    CounterRng rng(s.sc.run.seed, Stream::spinouts, static_cast<std::uint64_t>(s.step), ri);
    return rng.uniform() < -std::expm1(-hazard);
  };
  std::vector<std::uint8_t> yes(pool.size());
  parallel_for(
      pool.size(),
      [&](std::size_t i) { yes[i] = draws_yes(static_cast<std::size_t>(pool[i])) ? 1 : 0; }, 1024);
  for (std::size_t i = 0; i < pool.size(); ++i) {
    if (yes[i] == 0) continue;
    if (s.new_firms >= fp.max_new_firms) break;
    const std::int32_t r = pool[i];
    const auto ri = static_cast<std::size_t>(r);
    const std::int32_t e = s.R.employer[ri];
    if (e == NOT_PRESENT) continue;
    const double funding = fp.funding_per_skill * s.R.skill[ri];
    if (funding > s.vc_pool) continue;
    s.vc_pool -= funding;

    Firm firm;
    firm.name = "Spinout " + std::to_string(s.new_firms + 1);
    firm.group = "spinouts";
    firm.kind = FirmKind::startup;
    firm.params =
        realise_params(tmpl, s.sc.run.seed, 1ull << 32, static_cast<std::uint64_t>(s.new_firms));
    firm.params.cash = funding;
    firm.params.headcount = 1;  // the founder (the base of a headcount plan)
    firm.params.enter_step = s.step;
    firm.country = e >= 0 ? s.F.country[static_cast<std::size_t>(e)] : s.R.origin[ri];
    firm.needs = tmpl.needs;
    const std::int32_t f = s.add_firm(firm);
    ledger.open_firm(firm.params.cash);
    ++s.new_firms;

    const double annual =
        firm.params.pay_level * std::pow(s.R.skill[ri], s.sc.population.pay_skill_elasticity);
    const double h = s.contract_years();
    s.leave_firm(r, true);
    // A founder takes no signing bonus from the firm it founds.
    s.join_firm(r, f, annual * (1.0 - firm.params.equity_share), 0.0,
                annual * firm.params.equity_share * h);
    s.set_reference_output(static_cast<std::size_t>(f));
    s.F.talent_peak[static_cast<std::size_t>(f)] = s.F.talent[static_cast<std::size_t>(f)];
    log.record(s, EventKind::spinout, r, e, f);
  }
}

}  // namespace talentsim::detail
