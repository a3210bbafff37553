// Phase 7, first part: funding rounds. The venture pool grows by
// founders.vc_pool_per_year/52 a week (capped at one year's worth); then, in
// firm id order, a firm that can fail and whose cash covers less than its
// raise_below_years of its planned burn raises round_years of burn from the
// pool, if its team still holds (talent at least raise_talent_share of its
// peak) and the pool has the money. Spin-outs (phase 8) draw on what is left.

#include <algorithm>

#include "engine/phases.hpp"

namespace talentsim::detail {

void raise_funding(State& s, Ledger& ledger) {
  const FounderParams& fp = s.sc.founders;
  s.vc_pool = std::min(fp.vc_pool_per_year, s.vc_pool + fp.vc_pool_per_year / STEPS_PER_YEAR);
  for (std::size_t f = 0; f < s.F.size(); ++f) {
    const FirmParams& p = s.F.params[f];
    if (!s.F.active[f] || !(p.raise_below_years > 0)) continue;
    if (s.F.kind[f] == FirmKind::academia || s.F.kind[f] == FirmKind::state) continue;
    if (!s.needs_round(f)) continue;
    if (!(s.F.talent[f] > 0) || s.F.talent[f] < p.raise_talent_share * s.F.talent_peak[f]) continue;
    const double amount = p.round_years * std::max(s.burn(f), s.planned_burn(f));
    // The pool holds at most a year's venture money, and a round that
    // would not clear a deficit is not made (the firm exits instead).
    if (!(amount > 0) || amount > s.vc_pool || s.F.cash[f] + amount < 0) continue;
    s.vc_pool -= amount;
    ledger.book_other(s.F, f, amount);
    s.F.raised[f] += amount;
    s.F.funded_cash[f] = s.F.cash[f];
  }
}

}  // namespace talentsim::detail
