// Phase 7: production, money and compute, per firm and in parallel.

#include <algorithm>

#include "market/valuation.hpp"
#include "util/parallel.hpp"

namespace talentsim::detail {

void produce_and_account(Simulation::World& w) {
  constexpr double WEEKS = STEPS_PER_YEAR;
  parallel_for(w.F.size(), [&](std::size_t f) {
    if (!w.F.active[f]) return;
    const FirmParams& p = w.F.params[f];
    const double c = w.F.compute[f];
    w.F.progress[f] += w.output(f, w.F.talent[f]);
    const double flow = (p.income - w.F.payroll[f] - p.opex_per_gpu * c - p.capex) / WEEKS;
    w.book_operating(f, flow);
    w.F.compute[f] =
        std::max(0.0, c + p.capex / (WEEKS * p.gpu_cost) - p.compute_depreciation * c / WEEKS);
  });
}

}  // namespace talentsim::detail
