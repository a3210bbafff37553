// Phase 8: a firm whose cash is below zero, or a startup that has lost more
// of its talent than its exit_talent_share allows (its team poached away),
// is offered for acquisition to the active firm that values its team most
// (and at least at the deficit, with the cash to pay it); otherwise it goes
// bankrupt. Academia and state institutions do not fail.

#include <algorithm>
#include <vector>

#include "engine/phases.hpp"
#include "market/valuation.hpp"

namespace talentsim::detail {
namespace {

bool can_fail(FirmKind k) {
  return k != FirmKind::academia && k != FirmKind::state;
}
bool can_acquire(FirmKind k) {
  return k != FirmKind::academia && k != FirmKind::state;
}

}  // namespace

void resolve_exits(State& s, Ledger& ledger, StepLog& log) {
  const std::size_t nf = s.F.size();
  const std::size_t fields = s.sc.fields.size();
  std::vector<double> team(fields);
  // A startup folds when its talent is below its share of the highest talent
  // it had at the end of an earlier step.
  const auto folds = [&](std::size_t f) {
    const double share = s.F.params[f].exit_talent_share;
    return s.F.kind[f] == FirmKind::startup && share > 0 && s.F.talent_peak[f] > 0 &&
           s.F.talent[f] < share * s.F.talent_peak[f];
  };
  for (std::size_t f = 0; f < nf; ++f) {
    if (!s.F.active[f] || !can_fail(s.F.kind[f])) continue;
    if (s.F.cash[f] >= 0 && !folds(f)) continue;
    const double deficit = std::max(0.0, -s.F.cash[f]);
    std::fill(team.begin(), team.end(), 0.0);
    for (std::int32_t r : s.F.employees[f]) {
      team[s.R.field[static_cast<std::size_t>(r)]] += s.R.skill[static_cast<std::size_t>(r)];
    }
    std::int32_t buyer = -1;
    double best = 0;
    if (!s.F.employees[f].empty()) {
      for (std::size_t b = 0; b < nf; ++b) {
        if (b == f || !s.F.active[b] || !can_acquire(s.F.kind[b])) continue;
        if (s.F.cash[b] - s.F.params[b].min_cash_reserve < deficit) continue;
        double added = 0;
        for (std::size_t k = 0; k < fields; ++k) added += s.F.needs[b][k] * team[k];
        const double value = marginal_value(s, b, added);
        if (value >= deficit && value > best) {
          best = value;
          buyer = static_cast<std::int32_t>(b);
        }
      }
    }
    const auto id = static_cast<std::int32_t>(f);
    std::vector<std::int32_t> staff = s.F.employees[f];
    std::sort(staff.begin(), staff.end());
    if (buyer >= 0) {
      const auto b = static_cast<std::size_t>(buyer);
      ledger.book_other(s.F, b, -deficit);
      s.F.compute[b] += s.F.compute[f];
      for (std::int32_t r : staff) {
        const auto ri = static_cast<std::size_t>(r);
        const double salary = s.R.salary[ri], signing = s.R.signing[ri], equity = s.R.equity[ri];
        s.leave_firm(r, false);
        s.join_firm(r, buyer, salary, signing, equity);
        log.record(s, EventKind::acquisition, r, id, buyer);
      }
    } else {
      for (std::int32_t r : staff) {
        s.leave_firm(r, false);
        log.record(s, EventKind::bankruptcy, r, id, NO_FIRM);
      }
    }
    // A deficit is written off (bankruptcy) or paid by the buyer; cash left
    // in a folding startup goes back to its investors.
    ledger.set_cash(s.F, f, 0);
    s.F.compute[f] = 0;
    s.F.active[f] = 0;
    // Exits with no staff leave no researcher event; count them here.
    if (buyer >= 0)
      ++log.exits_acquired;
    else
      ++log.exits_bankrupt;
  }
  for (std::size_t f = 0; f < nf; ++f) {
    if (s.F.active[f]) s.F.talent_peak[f] = std::max(s.F.talent_peak[f], s.F.talent[f]);
  }
}

}  // namespace talentsim::detail
