// The default scenario does the project's main job: firm-to-firm poaching,
// counter-offers and exits occur, and the late entrant's hiring spike follows
// its timeline event (found from the scenario, not hard-coded).

#include <gtest/gtest.h>

#include "talentsim/simulation.hpp"

using namespace talentsim;

TEST(Story, DefaultScenarioShowsPoachingCountersExitsAndTheEntrantsSpike) {
  const EmbeddedScenario& e = default_scenario();
  Simulation sim(load_scenario_text(e.text, std::string(e.name)));
  const Scenario& sc = sim.scenario();
  // The late entrant's launch: the first event that raises a firm's ai_value.
  std::int64_t launch = -1;
  std::int32_t entrant = -1;
  for (const TimelineEvent& ev : sc.timeline) {
    for (const ParamChange& c : ev.changes) {
      if (launch < 0 && ev.firm >= 0 && c.param == "ai_value") {
        launch = ev.step;
        entrant = ev.firm;
      }
    }
  }
  ASSERT_GE(launch, 5);
  std::int64_t poaches = 0, retentions = 0, exits = 0, before = 0, after = 0;
  while (!sim.finished()) {
    sim.step();
    const StepMetrics& m = sim.metrics();
    poaches += m.poaches;
    retentions += m.retentions;
    exits += m.bankruptcies + m.acquisitions;
    const std::int64_t s = sim.step_index();
    const std::int32_t hires = sim.firms().hires[static_cast<std::size_t>(entrant)];
    if (s >= launch - 4 && s < launch) before += hires;
    if (s >= launch && s < launch + 4) after += hires;
  }
  EXPECT_GT(poaches, 0);
  EXPECT_GT(retentions, 0);
  EXPECT_GT(exits, 0);
  EXPECT_GT(after, 2 * before + 10)
      << "hires in the 4 weeks before " << before << ", after " << after;
}
