// Phase 10: metrics of the step. Everything here is O(firms + countries +
// events + histogram bins): whole-population quantities come from the
// MetricsTracker, which is updated at every change instead of recomputed.

#include <algorithm>
#include <functional>

#include "engine/phases.hpp"

namespace talentsim::detail {

void compute_metrics(State& s, const StepLog& log, StepMetrics& out) {
  StepMetrics& m = out;
  m = StepMetrics{};
  // Concentration of talent across active firms.
  double total = 0;
  for (std::size_t f = 0; f < s.F.size(); ++f) {
    if (s.F.active[f]) total += s.F.talent[f];
  }
  if (total > 0) {
    for (std::size_t f = 0; f < s.F.size(); ++f) {
      if (!s.F.active[f]) continue;
      const double share = s.F.talent[f] / total;
      m.talent_hhi += share * share;
    }
  }
  // Share of the top-1% researchers present held by the three firms with most.
  std::int32_t top[3] = {0, 0, 0};
  for (std::size_t f = 0; f < s.F.size(); ++f) {
    const std::int32_t c = s.F.star_count[f];
    if (c > top[2]) {
      top[2] = c;
      std::sort(top, top + 3, std::greater<>());
    }
  }
  m.top1pct_share_top3 = s.stars_present > 0 ? static_cast<double>(top[0] + top[1] + top[2]) /
                                                   static_cast<double>(s.stars_present)
                                             : 0;
  // Pay over employed researchers.
  const auto& pay = s.tracker.pay();
  m.pay_median = pay.quantile(0.5);
  m.pay_p99 = pay.quantile(0.99);
  m.pay_gini = pay.gini();
  m.pay_max = s.tracker.max_pay([&](std::int32_t r) {
    const auto ri = static_cast<std::size_t>(r);
    return s.R.employer[ri] >= 0 ? s.R.annual_value(ri, s.contract_years()) : -1.0;
  });
  // Flows from this step's events.
  for (const Event& e : log.events) {
    switch (e.kind) {
      case EventKind::hire:
        ++m.hires_from_pool;
        break;
      case EventKind::poach:
        ++m.poaches;
        break;
      case EventKind::retention:
        ++m.retentions;
        break;
      case EventKind::spinout:
        ++m.spinouts;
        break;
      default:
        break;
    }
  }
  m.moves = m.hires_from_pool + m.poaches;
  m.bankruptcies = log.exits_bankrupt;
  m.acquisitions = log.exits_acquired;
  double best = -1, second = -1;
  std::int32_t leader = -1;
  for (std::size_t f = 0; f < s.F.size(); ++f) {
    if (s.F.kind[f] == FirmKind::startup && s.F.active[f]) ++m.active_startups;
    const double p = s.F.progress[f];
    if (p > best) {
      second = best;
      best = p;
      leader = static_cast<std::int32_t>(f);
    } else if (p > second) {
      second = p;
    }
  }
  m.progress_leader = leader;
  m.progress_gap = leader >= 0 ? best - std::max(0.0, second) : 0;
  // Geography.
  const std::size_t nc = s.C.size();
  m.origin_count.assign(nc, 0);
  m.employed_home.assign(nc, 0);
  m.employed_abroad.assign(nc, 0);
  m.brain_drain_share.assign(nc, 0);
  m.employed_in.assign(nc, 0);
  const auto& emp = s.tracker.employed();
  for (std::size_t o = 0; o < nc; ++o) {
    m.origin_count[o] = static_cast<double>(s.tracker.present()[o]);
    for (std::size_t c = 0; c < nc; ++c) {
      const auto n = static_cast<double>(emp[o * nc + c]);
      (o == c ? m.employed_home[o] : m.employed_abroad[o]) += n;
      m.employed_in[c] += n;
    }
    const double employed = m.employed_home[o] + m.employed_abroad[o];
    m.brain_drain_share[o] = employed > 0 ? m.employed_abroad[o] / employed : 0;
  }
}

}  // namespace talentsim::detail
