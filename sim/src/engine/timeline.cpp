// Phase 1: timeline events scheduled for this step, and firms whose
// enter_step has come.

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/phases.hpp"
#include "scenario/load_detail.hpp"
#include "talentsim/errors.hpp"

namespace talentsim::detail {
namespace {

double apply_op(EventOp op, double current, double value) {
  return apply_change(op, current, value);
}

void change_firm(State& s, Ledger& ledger, std::size_t f, const ParamChange& c) {
  FirmParams& p = s.F.params[f];
  // cash and compute are state as well as parameters: events act on the state.
  // Their values at this step are known only now: an event must not make
  // them infinite (the loader checked every other parameter it changes).
  const auto finite = [&](double x) {
    if (!std::isfinite(x)) {
      throw user_error("timeline: an event at step " + std::to_string(s.step) + " makes " +
                       s.firm_names[f] + "'s " + c.param +
                       " overflow to infinity; use smaller values in the event");
    }
    return x;
  };
  if (c.param == "cash") {
    ledger.set_cash(s.F, f, finite(apply_op(c.op, s.F.cash[f], c.value)));
    s.F.funded_cash[f] = s.F.cash[f];  // a funding event starts a funding cycle
  } else if (c.param == "compute") {
    s.F.compute[f] = finite(std::max(0.0, apply_op(c.op, s.F.compute[f], c.value)));
  } else if (c.param == "counter_offers") {
    p.counter_offers = c.value != 0;
  } else if (const int i = real_param_index(c.param); i >= 0) {
    double& x = p.*firm_real_member(i);
    x = apply_op(c.op, x, c.value);
  } else if (const int k = int_param_index(c.param); k >= 0) {
    std::int64_t& x = p.*firm_int_member(k);
    x = std::max<std::int64_t>(0, std::llround(apply_op(c.op, static_cast<double>(x), c.value)));
  }
}

}  // namespace

void apply_timeline_events(State& s, Ledger& ledger) {
  for (const TimelineEvent& e : s.sc.timeline) {
    if (e.step != s.step) continue;
    for (const ParamChange& c : e.changes) {
      if (e.firm >= 0) {
        change_firm(s, ledger, static_cast<std::size_t>(e.firm), c);
      } else {
        const auto ci = static_cast<std::size_t>(e.country);
        double* x = c.param == "visa_friction"       ? &s.C.visa_friction[ci]
                    : c.param == "retention_subsidy" ? &s.C.retention_subsidy[ci]
                                                     : &s.C.graduates_per_year[ci];
        *x = std::max(0.0, apply_op(c.op, *x, c.value));
      }
    }
  }
  // Late entrants become active; their value per unit of output is fixed now.
  while (!s.entries.empty() && s.entries.back().first <= s.step) {
    const auto f = static_cast<std::size_t>(s.entries.back().second);
    s.entries.pop_back();
    s.F.active[f] = 1;
    s.set_reference_output(f);
  }
}

}  // namespace talentsim::detail
