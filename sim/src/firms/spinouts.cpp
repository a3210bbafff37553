// Phase 9: spin-outs. Researchers above founders.min_skill found a startup
// with hazard rate_per_year * w_mission, funded from a venture pool that
// refills each week; the new firm takes the startup defaults.

#include <cmath>
#include <string>

#include "market/valuation.hpp"
#include "scenario/load_detail.hpp"

namespace talentsim::detail {

void found_spinouts(Simulation::World& w) {
  const FounderParams& fp = w.sc.founders;
  if (fp.rate_per_year <= 0) return;
  w.vc_pool = std::min(fp.vc_pool_per_year, w.vc_pool + fp.vc_pool_per_year / STEPS_PER_YEAR);
  const FirmSpec& tmpl = w.sc.defaults.by_kind[static_cast<std::size_t>(FirmKind::startup)];
  for (std::int32_t r : w.founder_pool) {
    if (w.new_firms >= fp.max_new_firms) break;
    const auto ri = static_cast<std::size_t>(r);
    const std::int32_t e = w.R.employer[ri];
    if (e == NOT_PRESENT) continue;
    const double hazard = fp.rate_per_year * w.R.w_mission[ri] / STEPS_PER_YEAR;
    if (hazard <= 0) continue;
    CounterRng rng(w.sc.run.seed, Stream::spinouts, static_cast<std::uint64_t>(w.step), ri);
    if (!(rng.uniform() < -std::expm1(-hazard))) continue;
    const double funding = fp.funding_per_skill * w.R.skill[ri];
    if (funding > w.vc_pool) continue;
    w.vc_pool -= funding;

    Firm firm;
    firm.name = "Spinout " + std::to_string(w.new_firms + 1);
    firm.group = "spinouts";
    firm.kind = FirmKind::startup;
    firm.params =
        realise_params(tmpl, w.sc.run.seed, 1ull << 32, static_cast<std::uint64_t>(w.new_firms));
    firm.params.cash = funding;
    firm.params.headcount = 0;
    firm.params.enter_step = w.step;
    firm.country = e >= 0 ? w.F.country[static_cast<std::size_t>(e)] : w.R.origin[ri];
    firm.needs = tmpl.needs;
    const std::int32_t f = w.add_firm(firm);
    ++w.new_firms;

    const double annual =
        firm.params.pay_level * std::pow(w.R.skill[ri], w.sc.population.pay_skill_elasticity);
    const double h = w.contract_years();
    w.leave_firm(r, true);
    // A founder takes no signing bonus from the firm it founds.
    w.join_firm(r, f, annual * (1.0 - firm.params.equity_share), 0.0,
                annual * firm.params.equity_share * h);
    w.set_reference_output(static_cast<std::size_t>(f));
    w.record(EventKind::spinout, r, e, f);
  }
}

}  // namespace talentsim::detail
