// Simulation::set: a parameter changed between steps (from a notebook), in
// the --set notation and with its checks, applied exactly as a timeline
// event at the next step would be, and recorded as one in the scenario, so
// that the run's stored scenario reproduces it.

#include <algorithm>

#include "engine/world.hpp"
#include "scenario/load_detail.hpp"
#include "talentsim/errors.hpp"

namespace talentsim {
namespace {

// The scenario without what a change between steps may touch: firm and
// country parameters (and the timeline, which records such changes).
Scenario without_parameters(Scenario s) {
  s.source.clear();
  s.notes.clear();
  s.countries.clear();
  s.defaults = {};
  s.named_firms.clear();
  s.firm_groups.clear();
  s.firms.clear();
  s.timeline.clear();
  s.pinned.clear();  // names firms by index, unchanged by a parameter
  return s;
}

}  // namespace

void Simulation::set(const std::string& path, const std::string& value) {
  detail::State& w = world_->state;
  const std::string where = "--set " + path + "=" + value;
  if (finished()) throw user_error(where + ": the run has ended; nothing is left to change");
  const std::string text = to_toml(w.sc);
  const Scenario before = load_scenario_text(text, "the running scenario");
  const Scenario after = load_scenario_text(text, "the running scenario", {{path, value}});
  if (!same_content(without_parameters(before), without_parameters(after)) ||
      before.pinned != after.pinned || before.firms.size() != after.firms.size() ||
      before.countries.size() != after.countries.size()) {
    throw user_error(where +
                     ": only firm and country parameters can change during a run (as timeline "
                     "events change them); start a new run to change anything else");
  }
  // One event per firm or country whose parameters differ, at the next step.
  const std::int64_t at = w.step + 1;
  std::vector<TimelineEvent> events;
  const auto& reals = firm_real_params();
  const auto& ints = firm_int_params();
  for (std::size_t f = 0; f < before.firms.size(); ++f) {
    const FirmParams& a = before.firms[f].params;
    const FirmParams& b = after.firms[f].params;
    TimelineEvent e;
    e.step = at;
    e.label = "set " + path + " = " + value + " (between steps)";
    e.firm = static_cast<std::int32_t>(f);
    for (std::size_t i = 0; i < reals.size(); ++i) {
      const double x = a.*detail::firm_real_member(static_cast<int>(i));
      const double y = b.*detail::firm_real_member(static_cast<int>(i));
      if (x != y) e.changes.push_back({EventOp::set, std::string(reals[i]), y});
    }
    for (std::size_t i = 0; i < ints.size(); ++i) {
      const auto x = a.*detail::firm_int_member(static_cast<int>(i));
      const auto y = b.*detail::firm_int_member(static_cast<int>(i));
      if (x == y) continue;
      if (ints[i] == "headcount" || ints[i] == "enter_step") {
        throw user_error(where + ": " + std::string(ints[i]) +
                         " is fixed at the start of a run; it cannot change during it");
      }
      e.changes.push_back({EventOp::set, std::string(ints[i]), static_cast<double>(y)});
    }
    if (a.counter_offers != b.counter_offers) {
      e.changes.push_back({EventOp::set, "counter_offers", b.counter_offers ? 1.0 : 0.0});
    }
    if (before.firms[f].country != after.firms[f].country) {
      throw user_error(where + ": a firm's country is fixed at the start of a run");
    }
    if (!e.changes.empty()) events.push_back(std::move(e));
  }
  for (std::size_t c = 0; c < before.countries.size(); ++c) {
    const Country& a = before.countries[c];
    const Country& b = after.countries[c];
    TimelineEvent e;
    e.step = at;
    e.label = "set " + path + " = " + value + " (between steps)";
    e.country = static_cast<std::int32_t>(c);
    if (a.visa_friction != b.visa_friction)
      e.changes.push_back({EventOp::set, "visa_friction", b.visa_friction});
    if (a.retention_subsidy != b.retention_subsidy)
      e.changes.push_back({EventOp::set, "retention_subsidy", b.retention_subsidy});
    if (a.graduates_per_year != b.graduates_per_year)
      e.changes.push_back({EventOp::set, "graduates_per_year", b.graduates_per_year});
    if (!(a.graduate_skill == b.graduate_skill)) {
      throw user_error(where + ": graduate_skill is fixed at the start of a run");
    }
    if (a.home_pull != b.home_pull) {
      throw user_error(where + ": home_pull is fixed at the start of a run");
    }
    if (a.study_shares != b.study_shares) {
      throw user_error(where + ": study_at is fixed at the start of a run");
    }
    if (!e.changes.empty()) events.push_back(std::move(e));
  }
  if (events.empty()) return;  // the value it already had
  // After the events already due at that step, as an event written last in
  // the file would be; then checked with the loader, as a file event is.
  Scenario next = w.sc;
  auto pos = std::find_if(next.timeline.begin(), next.timeline.end(),
                          [&](const TimelineEvent& e) { return e.step > at; });
  next.timeline.insert(pos, events.begin(), events.end());
  try {
    (void)load_scenario_text(to_toml(next), "the running scenario");
  } catch (const scenario_error& e) {
    throw user_error(where + ": " + (e.key().empty() ? "" : e.key() + ": ") + e.message());
  }
  w.sc.timeline = std::move(next.timeline);
}

}  // namespace talentsim
