// Phase 3: each firm scouts candidates (referrals through its employees'
// network ties, the rest visibility-weighted from everyone) and values them.

#include <algorithm>
#include <cmath>
#include <numeric>

#include "market/valuation.hpp"
#include "util/parallel.hpp"

namespace talentsim::detail {

void scout_candidates(Simulation::World& w) {
  const std::size_t nf = w.F.size();
  parallel_for(nf, [&](std::size_t f) {
    auto& cand = w.candidates[f];
    auto& wtp = w.candidate_wtp[f];
    auto& last = w.candidate_last[f];
    auto& flags = w.candidate_flags[f];
    auto& rest = w.candidate_rest[f];
    cand.clear();
    rest.clear();
    wtp.clear();
    last.clear();
    flags.clear();
    const FirmParams& p = w.F.params[f];
    if (!w.F.active[f] || p.attention <= 0) return;
    CounterRng rng(w.sc.run.seed, Stream::scouting, static_cast<std::uint64_t>(w.step), f);
    const auto attention = static_cast<std::size_t>(p.attention);
    const auto referrals =
        static_cast<std::size_t>(std::llround(p.referral_share * static_cast<double>(attention)));
    const auto& staff = w.F.employees[f];
    for (std::size_t k = 0; k < referrals && !staff.empty(); ++k) {
      const auto e =
          staff[std::min(staff.size() - 1, static_cast<std::size_t>(
                                               rng.uniform() * static_cast<double>(staff.size())))];
      const std::size_t degree = w.net.degree(e);
      const double u = rng.uniform();
      if (degree == 0) continue;
      cand.push_back(w.net.neighbour(
          e, std::min(degree - 1, static_cast<std::size_t>(u * static_cast<double>(degree)))));
    }
    for (std::size_t k = referrals; k < attention; ++k) {
      const double u1 = rng.uniform(), u2 = rng.uniform(), u3 = rng.uniform(), u4 = rng.uniform();
      const std::int32_t r = w.sampler.sample(u1, u2, u3, u4);
      if (r >= 0) cand.push_back(r);
    }
    std::sort(cand.begin(), cand.end());
    cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
    const auto self = static_cast<std::int32_t>(f);
    std::size_t kept = 0;
    for (std::int32_t r : cand) {
      const std::int32_t e = w.R.employer[static_cast<std::size_t>(r)];
      if (e == NOT_PRESENT || e == self) continue;
      const double v = willingness_to_pay(w, f, r);
      if (!(v > 0)) continue;
      cand[kept++] = r;
      wtp.push_back(v);
      // Non-money utility at f does not change during the market phase.
      rest.push_back(nonmoney_utility(w, r, f, false));
    }
    cand.resize(kept);
    last.assign(kept, 0.0);
    flags.assign(kept, 0);
    // Personal outreach goes with the highest-valued candidates.
    const auto outreach = std::min<std::size_t>(kept, static_cast<std::size_t>(p.outreach));
    if (outreach > 0) {
      std::vector<std::size_t> order(kept);
      std::iota(order.begin(), order.end(), 0);
      std::partial_sort(order.begin(), order.begin() + static_cast<long>(outreach), order.end(),
                        [&](std::size_t a, std::size_t b) {
                          return wtp[a] > wtp[b] || (wtp[a] == wtp[b] && cand[a] < cand[b]);
                        });
      for (std::size_t i = 0; i < outreach; ++i) flags[order[i]] = 1;
    }
  });
}

}  // namespace talentsim::detail
