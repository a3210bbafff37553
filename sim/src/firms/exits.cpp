// Phase 8: a firm whose cash is below zero, or a startup whose team is gone
// (nobody left, or less talent than its exit_talent_share of its peak), is
// sold to the firm that bids most for its team, at the second-highest bid
// and at least its debts; otherwise it goes bankrupt. Academia and state
// institutions do not fail. Each exit is recorded in the firm's exit
// columns (/firms/exit_* in the output).

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
  const double horizon = s.sc.market.contract_years;
  std::vector<double> team(fields);
  // A startup's team is gone when nobody is left, or when its talent is
  // below its exit_talent_share of the highest talent it had at the end of
  // an earlier step.
  const auto team_gone = [&](std::size_t f) {
    if (s.F.kind[f] != FirmKind::startup || !(s.F.talent_peak[f] > 0)) return false;
    const double share = s.F.params[f].exit_talent_share;
    return s.F.employees[f].empty() || (share > 0 && s.F.talent[f] < share * s.F.talent_peak[f]);
  };
  // Cash a buyer can spend on a team paid `team_pay` a year: above its
  // reserve and, with hard budgets, leaving enough cash that its comp budget
  // (docs/model.md, "Ascending rounds") still covers its payroll with the team.
  const auto spendable = [&](std::size_t b, double team_pay) {
    const FirmParams& p = s.F.params[b];
    double keep = p.min_cash_reserve;
    if (s.sc.market.budgets) {
      const double need = s.F.payroll[b] + team_pay;
      if (!(p.comp_budget_share > 0)) return need > 0 ? -1.0 : s.F.cash[b] - keep;
      keep = std::max(keep, p.runway_years * std::max(0.0, need / p.comp_budget_share - p.income));
    }
    return s.F.cash[b] - keep;
  };
  for (std::size_t f = 0; f < nf; ++f) {
    if (!s.F.active[f] || !can_fail(s.F.kind[f])) continue;
    ExitReason reason = ExitReason::none;
    if (s.F.cash[f] < 0) {
      reason = ExitReason::cash;
    } else if (team_gone(f)) {
      reason = ExitReason::team;
    } else {
      continue;
    }
    // The firm is sold to the buyer that values its team most, at the
    // second-highest bid (an English auction among buyers) but never below
    // the debts, which the sale must clear. A buyer's bid is the team's value
    // to it over the contract horizon net of the team's pay, capped by the
    // cash it can spend: above its reserve and what its budget needs to pay
    // the team.
    const double reserve = std::max(0.0, -s.F.cash[f]);
    std::fill(team.begin(), team.end(), 0.0);
    for (std::int32_t r : s.F.employees[f]) {
      team[s.R.field[static_cast<std::size_t>(r)]] += s.R.skill[static_cast<std::size_t>(r)];
    }
    std::int32_t buyer = -1;
    double best = -1, second = 0;
    if (!s.F.employees[f].empty()) {
      for (std::size_t b = 0; b < nf; ++b) {
        if (b == f || !s.F.active[b] || !can_acquire(s.F.kind[b])) continue;
        double added = 0;
        for (std::size_t k = 0; k < fields; ++k) added += s.F.needs[b][k] * team[k];
        const double value = horizon * (marginal_value(s, b, added) - s.F.payroll[f]);
        const double bid = std::min(value, spendable(b, s.F.payroll[f]));
        if (!(bid >= reserve)) continue;
        if (bid > best) {
          second = std::max(second, best);
          best = bid;
          buyer = static_cast<std::int32_t>(b);
        } else {
          second = std::max(second, bid);
        }
      }
    }
    const double price = buyer >= 0 ? std::max(reserve, second) : 0.0;
    const auto id = static_cast<std::int32_t>(f);
    std::vector<std::int32_t> staff = s.F.employees[f];
    std::sort(staff.begin(), staff.end());
    if (buyer >= 0) {
      const auto b = static_cast<std::size_t>(buyer);
      ledger.book_other(s.F, b, -price);
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
    // The price clears the debts and the rest goes to the investors; a
    // bankrupt firm's debts are written off, and cash left in a startup
    // whose team is gone goes back to its investors.
    ledger.set_cash(s.F, f, 0);
    s.F.compute[f] = 0;
    s.F.active[f] = 0;
    s.F.exit_step[f] = s.step;
    s.F.exit_buyer[f] = buyer;
    s.F.exit_reason[f] = static_cast<std::uint8_t>(reason);
    s.F.exit_price[f] = price;
    s.F.exit_staff[f] = static_cast<std::int32_t>(staff.size());
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
