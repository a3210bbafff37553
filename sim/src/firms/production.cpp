// Phase 7: production, money and compute, per firm and in parallel.

#include <algorithm>

#include "engine/phases.hpp"
#include "market/valuation.hpp"
#include "util/parallel.hpp"

namespace talentsim::detail {

void produce_and_account(State& s, Ledger& ledger) {
  constexpr double WEEKS = STEPS_PER_YEAR;
  parallel_for(s.F.size(), [&](std::size_t f) {
    if (!s.F.active[f]) return;
    const FirmParams& p = s.F.params[f];
    const double c = s.F.compute[f];
    s.F.progress[f] += s.output(f, s.F.talent[f]);
    const double flow = (p.income - s.F.payroll[f] - p.opex_per_gpu * c - p.capex) / WEEKS;
    ledger.book_operating(s.F, f, flow);
    s.F.compute[f] =
        std::max(0.0, c + p.capex / (WEEKS * p.gpu_cost) - p.compute_depreciation * c / WEEKS);
  });
}

}  // namespace talentsim::detail
