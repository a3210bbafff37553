// Phase 1: timeline events scheduled for this step, and firms whose
// enter_step has come.

#include <algorithm>
#include <cmath>
#include <string>

#include "engine/world.hpp"
#include "scenario/load_detail.hpp"
#include "talentsim/errors.hpp"

namespace talentsim::detail {
namespace {

double apply_op(EventOp op, double current, double value) {
  return apply_change(op, current, value);
}

void change_firm(Simulation::World& w, std::size_t f, const ParamChange& c) {
  FirmParams& p = w.F.params[f];
  // cash and compute are state as well as parameters: events act on the state.
  // Their values at this step are known only now: an event must not make
  // them infinite (the loader checked every other parameter it changes).
  const auto finite = [&](double x) {
    if (!std::isfinite(x)) {
      throw user_error("timeline: an event at step " + std::to_string(w.step) + " makes " +
                       w.firm_names[f] + "'s " + c.param +
                       " overflow to infinity; use smaller values in the event");
    }
    return x;
  };
  if (c.param == "cash") {
    w.set_cash(f, finite(apply_op(c.op, w.F.cash[f], c.value)));
  } else if (c.param == "compute") {
    w.F.compute[f] = finite(std::max(0.0, apply_op(c.op, w.F.compute[f], c.value)));
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

void apply_timeline_events(Simulation::World& w) {
  for (const TimelineEvent& e : w.sc.timeline) {
    if (e.step != w.step) continue;
    for (const ParamChange& c : e.changes) {
      if (e.firm >= 0) {
        change_firm(w, static_cast<std::size_t>(e.firm), c);
      } else {
        const auto ci = static_cast<std::size_t>(e.country);
        double* x = c.param == "visa_friction"       ? &w.C.visa_friction[ci]
                    : c.param == "retention_subsidy" ? &w.C.retention_subsidy[ci]
                                                     : &w.C.graduates_per_year[ci];
        *x = std::max(0.0, apply_op(c.op, *x, c.value));
      }
    }
  }
  // Late entrants become active; their value per unit of output is fixed now.
  while (!w.entries.empty() && w.entries.back().first <= w.step) {
    const auto f = static_cast<std::size_t>(w.entries.back().second);
    w.entries.pop_back();
    w.F.active[f] = 1;
    w.set_reference_output(f);
  }
}

}  // namespace talentsim::detail
