// Phase 6: hard budgets. A firm whose payroll exceeds its comp budget (its
// cash fell, or an event cut its income) lays off the employees it values
// least relative to their pay until it is within budget.

#include <algorithm>
#include <functional>

#include "engine/phases.hpp"
#include "market/valuation.hpp"
#include "util/parallel.hpp"

namespace talentsim::detail {

void enforce_budgets(State& s, BudgetScratch& scratch, StepLog& log) {
  if (!s.sc.market.budgets) return;
  const auto over = [&](std::size_t f) { return s.F.payroll[f] > s.comp_budget(f) * (1 + 1e-12); };
  auto& firms = scratch.firms;
  firms.clear();
  for (std::size_t f = 0; f < s.F.size(); ++f) {
    if (s.F.active[f] && over(f)) firms.push_back(static_cast<std::int32_t>(f));
  }
  if (firms.empty()) return;
  if (scratch.staff.size() < firms.size()) scratch.staff.resize(firms.size());
  if (scratch.laid_off.size() < firms.size()) scratch.laid_off.resize(firms.size());
  scratch.output.firm.resize(s.F.size());
  // Each firm ranks its staff by surplus (value of keeping minus pay) and
  // lays off from the least until it is within budget, firms in parallel: a
  // firm's half of a layoff (State::detach) changes only its own talent,
  // payroll, list and employees, and its budget test reads only its own.
  parallel_for(firms.size(), [&](std::size_t i) {
    const auto f = static_cast<std::size_t>(firms[i]);
    auto& staff = scratch.staff[i];
    staff.clear();
    scratch.output.refresh(s, f);  // talent and compute stay put while ranking
    // The employees' delta and package from the firm's own rows (the same
    // values as s.delta(f, r) and R.annual_value, kept since they joined).
    const auto& list = s.F.employees[f];
    const auto& rows = s.staff[f];
    for (std::size_t j = 0; j < list.size(); ++j) {
      staff.push_back({incumbent_loss(scratch.output, f, rows[j].delta) - rows[j].value, list[j]});
    }
    // A min-heap: only as many are popped as the layoffs need.
    std::make_heap(staff.begin(), staff.end(), std::greater<>());
    auto& laid_off = scratch.laid_off[i];
    laid_off.clear();
    while (!staff.empty() && over(f)) {
      std::pop_heap(staff.begin(), staff.end(), std::greater<>());
      const std::int32_t r = staff.back().r;
      staff.pop_back();
      const auto ri = static_cast<std::size_t>(r);
      laid_off.push_back({r, s.detach(f, static_cast<std::size_t>(s.R.slot[ri]), true).value});
    }
  });
  // The rest of each layoff (State::release), firm after firm in the order
  // above, and its event.
  for (std::size_t i = 0; i < firms.size(); ++i) {
    const std::int32_t f = firms[i];
    for (const auto& [r, value] : scratch.laid_off[i]) {
      s.release(r, f, value);
      log.record(s, EventKind::layoff, r, f, NO_FIRM);
    }
  }
}

}  // namespace talentsim::detail
