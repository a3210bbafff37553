// Phase 8: a firm whose cash is below zero, or a startup that has lost more
// of its talent than its exit_talent_share allows (its team poached away),
// is offered for acquisition to the active firm that values its team most
// (and at least at the deficit, with the cash to pay it); otherwise it goes
// bankrupt. Academia and state institutions do not fail.

#include <algorithm>
#include <vector>

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

void resolve_exits(Simulation::World& w) {
  const std::size_t nf = w.F.size();
  const std::size_t fields = w.sc.fields.size();
  std::vector<double> team(fields);
  // A startup folds when its talent is below its share of the highest talent
  // it had at the end of an earlier step.
  const auto folds = [&](std::size_t f) {
    const double share = w.F.params[f].exit_talent_share;
    return w.F.kind[f] == FirmKind::startup && share > 0 && w.F.talent_peak[f] > 0 &&
           w.F.talent[f] < share * w.F.talent_peak[f];
  };
  for (std::size_t f = 0; f < nf; ++f) {
    if (!w.F.active[f] || !can_fail(w.F.kind[f])) continue;
    if (w.F.cash[f] >= 0 && !folds(f)) continue;
    const double deficit = std::max(0.0, -w.F.cash[f]);
    std::fill(team.begin(), team.end(), 0.0);
    for (std::int32_t r : w.F.employees[f]) {
      team[w.R.field[static_cast<std::size_t>(r)]] += w.R.skill[static_cast<std::size_t>(r)];
    }
    std::int32_t buyer = -1;
    double best = 0;
    if (!w.F.employees[f].empty()) {
      for (std::size_t b = 0; b < nf; ++b) {
        if (b == f || !w.F.active[b] || !can_acquire(w.F.kind[b])) continue;
        if (w.F.cash[b] - w.F.params[b].min_cash_reserve < deficit) continue;
        double added = 0;
        for (std::size_t k = 0; k < fields; ++k) added += w.F.needs[b][k] * team[k];
        const double value = marginal_value(w, b, added);
        if (value >= deficit && value > best) {
          best = value;
          buyer = static_cast<std::int32_t>(b);
        }
      }
    }
    const auto id = static_cast<std::int32_t>(f);
    std::vector<std::int32_t> staff = w.F.employees[f];
    std::sort(staff.begin(), staff.end());
    if (buyer >= 0) {
      const auto b = static_cast<std::size_t>(buyer);
      w.book_other(b, -deficit);
      w.F.compute[b] += w.F.compute[f];
      for (std::int32_t r : staff) {
        const auto ri = static_cast<std::size_t>(r);
        const double salary = w.R.salary[ri], signing = w.R.signing[ri], equity = w.R.equity[ri];
        w.leave_firm(r, false);
        w.join_firm(r, buyer, salary, signing, equity);
        w.record(EventKind::acquisition, r, id, buyer);
      }
    } else {
      for (std::int32_t r : staff) {
        w.leave_firm(r, false);
        w.record(EventKind::bankruptcy, r, id, NO_FIRM);
      }
    }
    // A deficit is written off (bankruptcy) or paid by the buyer; cash left
    // in a folding startup goes back to its investors.
    w.set_cash(f, 0);
    w.F.compute[f] = 0;
    w.F.active[f] = 0;
    // Exits with no staff leave no researcher event; count them here.
    if (buyer >= 0)
      ++w.exits_acquired;
    else
      ++w.exits_bankrupt;
  }
  for (std::size_t f = 0; f < nf; ++f) {
    if (w.F.active[f]) w.F.talent_peak[f] = std::max(w.F.talent_peak[f], w.F.talent[f]);
  }
}

}  // namespace talentsim::detail
