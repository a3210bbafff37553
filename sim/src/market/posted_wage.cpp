// The posted-wage protocol (Burdett-Mortensen), the first validation mode:
// firms post fixed wages drawn from F; no budgets, no bidding. Each step, in
// this order, job seekers (as of the start of the step) get an offer from a
// uniformly random firm with probability lambda0 and take it; each employed
// researcher separates with probability delta (and cannot search until the
// next step) or, if not, gets an offer with probability lambda1 and moves if
// it pays more. Utility is the wage alone. In steady state
// u = delta/(delta+lambda0), G(w) = delta F(w) / (delta + (1-delta) lambda1 (1-F(w))).

#include <cmath>
#include <vector>

#include "engine/phases.hpp"

namespace talentsim::detail {

void run_posted_wage_market(State& s, StepLog& log) {
  const PostedWageParams& pw = s.sc.market.posted_wage;
  const std::size_t n = s.R.size();
  std::vector<std::int32_t> active;
  for (std::size_t f = 0; f < s.F.size(); ++f) {
    if (s.F.active[f]) active.push_back(static_cast<std::int32_t>(f));
  }
  if (active.empty()) return;
  const auto pick_firm = [&](CounterRng& rng) {
    const auto k = static_cast<std::size_t>(rng.uniform() * static_cast<double>(active.size()));
    return active[std::min(k, active.size() - 1)];
  };
  const auto take = [&](std::int32_t r, std::int32_t f) {
    const std::int32_t from = s.R.employer[static_cast<std::size_t>(r)];
    s.leave_firm(r, false);
    s.join_firm(r, f, s.F.params[static_cast<std::size_t>(f)].pay_level, 0, 0);
    ++s.F.offers_accepted[static_cast<std::size_t>(f)];
    log.record(s, from >= 0 ? EventKind::poach : EventKind::hire, r, from, f);
  };
  // Status at the start of the step decides who searches as a job seeker.
  std::vector<std::uint8_t> seeker(n, 0);
  for (std::size_t r = 0; r < n; ++r) seeker[r] = s.R.employer[r] == NO_FIRM;
  for (std::size_t r = 0; r < n; ++r) {
    if (s.R.employer[r] == NOT_PRESENT) continue;
    CounterRng rng(s.sc.run.seed, Stream::posted_wage, static_cast<std::uint64_t>(s.step), r);
    const double u = rng.uniform();
    const auto ri = static_cast<std::int32_t>(r);
    if (seeker[r]) {
      if (u < pw.offer_rate_seeker) {
        const std::int32_t f = pick_firm(rng);
        ++s.F.offers_made[static_cast<std::size_t>(f)];
        take(ri, f);
      }
    } else if (u < pw.separation_rate) {
      const std::int32_t from = s.R.employer[r];
      s.leave_firm(ri, false);
      log.record(s, EventKind::layoff, ri, from, NO_FIRM);
    } else if (rng.uniform() < pw.offer_rate_employed) {
      const std::int32_t f = pick_firm(rng);
      ++s.F.offers_made[static_cast<std::size_t>(f)];
      if (s.F.params[static_cast<std::size_t>(f)].pay_level > s.R.salary[r]) take(ri, f);
    }
  }
}

}  // namespace talentsim::detail
