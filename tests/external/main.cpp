// Ten lines that embed talentsim: load the small built-in market, run
// three steps with an observer, print what it saw.
#include <talentsim/run.hpp>

#include <iostream>

struct Moves : talentsim::Observer {
  long total = 0;
  void after_step(const talentsim::Simulation& sim) override { total += sim.metrics().moves; }
};

int main() {
  for (const auto& e : talentsim::embedded_scenarios()) {
    if (e.name != "example_small") continue;
    talentsim::Simulation sim(talentsim::load_scenario_text(e.text, "example_small"));
    Moves moves;
    talentsim::run_steps(sim, 3, {&moves});
    std::cout << "steps " << sim.step_index() << " moves " << moves.total << "\n";
    return sim.step_index() == 3 && moves.total > 0 ? 0 : 1;
  }
  return 1;
}
