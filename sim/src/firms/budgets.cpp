// Phase 6: hard budgets. A firm whose payroll exceeds its comp budget (its
// cash fell, or an event cut its income) lays off the employees it values
// least relative to their pay until it is within budget.

#include <algorithm>
#include <functional>

#include "market/valuation.hpp"
#include "util/parallel.hpp"

namespace talentsim::detail {

void enforce_budgets(Simulation::World& w) {
  if (!w.sc.market.budgets) return;
  const double h = w.contract_years();
  const auto over = [&](std::size_t f) { return w.F.payroll[f] > w.comp_budget(f) * (1 + 1e-12); };
  auto& firms = w.over_budget;
  firms.clear();
  for (std::size_t f = 0; f < w.F.size(); ++f) {
    if (w.F.active[f] && over(f)) firms.push_back(static_cast<std::int32_t>(f));
  }
  if (firms.empty()) return;
  if (w.budget_staff.size() < firms.size()) w.budget_staff.resize(firms.size());
  // Each firm's staff ranked by surplus (value of keeping minus pay), in
  // parallel: a firm's layoffs change only its own talent and payroll.
  parallel_for(firms.size(), [&](std::size_t i) {
    const auto f = static_cast<std::size_t>(firms[i]);
    auto& staff = w.budget_staff[i];
    staff.clear();
    for (std::int32_t r : w.F.employees[f]) {
      const auto ri = static_cast<std::size_t>(r);
      staff.push_back({incumbent_loss(w, f, w.delta(f, r)) - w.R.annual_value(ri, h), r});
    }
    // A min-heap: only as many are popped as the layoffs need.
    std::make_heap(staff.begin(), staff.end(), std::greater<>());
  });
  for (std::size_t i = 0; i < firms.size(); ++i) {
    const auto f = static_cast<std::size_t>(firms[i]);
    auto& staff = w.budget_staff[i];
    while (!staff.empty() && over(f)) {
      std::pop_heap(staff.begin(), staff.end(), std::greater<>());
      const std::int32_t r = staff.back().r;
      staff.pop_back();
      w.leave_firm(r, true);
      w.record(EventKind::layoff, r, static_cast<std::int32_t>(f), NO_FIRM);
    }
  }
}

}  // namespace talentsim::detail
