// Phase 6: hard budgets. A firm whose payroll exceeds its comp budget (its
// cash fell, or an event cut its income) lays off the employees it values
// least relative to their pay until it is within budget.

#include <algorithm>

#include "market/valuation.hpp"

namespace talentsim::detail {

void enforce_budgets(Simulation::World& w) {
  if (!w.sc.market.budgets) return;
  const double h = w.contract_years();
  for (std::size_t f = 0; f < w.F.size(); ++f) {
    if (!w.F.active[f] || w.F.payroll[f] <= w.comp_budget(f) * (1 + 1e-12)) continue;
    struct Staff {
      double surplus;
      std::int32_t r;
    };
    std::vector<Staff> staff;
    for (std::int32_t r : w.F.employees[f]) {
      const auto ri = static_cast<std::size_t>(r);
      staff.push_back({incumbent_loss(w, f, w.delta(f, r)) - w.R.annual_value(ri, h), r});
    }
    std::sort(staff.begin(), staff.end(), [](const Staff& a, const Staff& b) {
      return a.surplus < b.surplus || (a.surplus == b.surplus && a.r < b.r);
    });
    for (const Staff& s : staff) {
      if (w.F.payroll[f] <= w.comp_budget(f) * (1 + 1e-12)) break;
      w.leave_firm(s.r, true);
      w.record(EventKind::layoff, s.r, static_cast<std::int32_t>(f), NO_FIRM);
    }
  }
}

}  // namespace talentsim::detail
