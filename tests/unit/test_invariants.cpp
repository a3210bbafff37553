// Invariants checked after every step (Simulation::check_invariants) over
// randomly generated scenarios: every present researcher at exactly one firm
// or seeking, headcounts, payroll and talent consistent, no firm over its
// comp budget or in debt, and each firm's cash accounting identity.

#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "talentsim/errors.hpp"
#include "talentsim/simulation.hpp"

using namespace talentsim;

namespace {

std::string random_scenario(unsigned seed) {
  std::mt19937 g(seed);
  const auto U = [&](double a, double b) {
    return std::uniform_real_distribution<double>(a, b)(g);
  };
  const auto I = [&](int a, int b) { return std::uniform_int_distribution<int>(a, b)(g); };
  std::ostringstream s;
  const int firms = I(2, 6);
  int employed = 0;
  s << "format_version = 1\nname = \"random" << seed << "\"\nfields = [\"a\", \"b\", \"c\"]\n";
  s << "[run]\nsteps = 30\nseed = " << seed << "\n";
  s << "[[countries]]\nname = \"X\"\nvisa_friction = " << U(0, 1)
    << "\nretention_subsidy = " << U(0, 1e5) << "\ngraduates_per_year = " << U(0, 200) << "\n";
  s << "[[countries]]\nname = \"Y\"\nvisa_friction = " << U(0, 1)
    << "\ngraduates_per_year = " << U(0, 200) << "\n";
  s << "[defaults.startup]\ncash = { dist = \"lognormal\", mu = 15.0, sigma = 1.5 }\n";
  for (int f = 0; f < firms; ++f) {
    const int head = I(f == 0 ? 1 : 0, 40);
    employed += head;
    const char* kinds[] = {"bigtech", "lab", "startup", "academia"};
    s << "[[firms]]\nname = \"F" << f << "\"\nkind = \"" << kinds[I(0, 3)] << "\"\ncountry = \""
      << (I(0, 1) ? "X" : "Y") << "\"\nheadcount = " << head << "\ncash = " << U(1e5, 1e9)
      << "\nincome = " << U(0, 5e8) << "\ncomp_budget_share = " << U(0.05, 1)
      << "\ncompute = " << U(0, 1e5) << "\nai_value = " << U(1e6, 1e10)
      << "\nattention = " << I(0, 60) << "\noutreach = " << I(0, 3)
      << "\nbid_markup = " << U(0, 0.3) << "\nsigning_share = " << U(0, 0.4)
      << "\nequity_share = " << U(0, 0.5) << "\nequity_haircut = " << U(0, 1)
      << "\ncounter_offers = " << (I(0, 1) ? "true" : "false") << "\nmission = " << U(-1, 1)
      << "\npay_level = " << U(5e4, 1e6) << "\nmin_cash_reserve = " << U(0, 1e6)
      << "\nmax_hires_per_step = " << I(0, 3) << "\ndenial_weight = " << U(0, 1)
      << "\nneeds = { a = " << U(0, 2) << ", c = " << U(0, 2) << " }\n";
    if (f > 0) s << "rivals = [\"F0\"]\n";
  }
  s << "[[firm_groups]]\nname = \"S\"\ncount = " << I(1, 10)
    << "\nkind = \"startup\"\ncountry = { dist = \"categorical\", shares = { X = 0.5, Y = 0.5 } }"
    << "\nheadcount = { dist = \"uniform\", low = 0, high = 8 }\n";
  employed += 80;
  s << "[population]\ncount = " << employed + I(0, 100) << "\n"
    << "skill = { dist = \"pareto\", scale = 0.5, shape = " << U(1.2, 3) << " }\n"
    << "origin = { dist = \"categorical\", shares = { X = 0.3, Y = 0.7 } }\n"
    << "reservation = { dist = \"lognormal\", mu = 11.0, sigma = 0.5 }\n"
    << "[population.preferences]\nw_money = { dist = \"uniform\", low = 0.0, high = 2.0 }\n"
    << "w_mission = { dist = \"uniform\", low = 0.0, high = 1.0 }\nswitch_cost = " << U(0, 0.5)
    << "\n[[pinned]]\nlabel = \"star\"\nfirm = \"F0\"\nfield = \"a\"\norigin = \"Y\"\nskill = "
       "20.0\n"
    << "extra_ties = 5\n";
  s << "[network]\ncross_firm_ties = " << U(0, 3) << "\nteam_density = " << U(0.2, 1) << "\n";
  s << "[market]\nauction_rounds = " << I(1, 8) << "\ntaste_noise = " << U(0, 0.5)
    << "\nknowledge_loss = " << U(0, 0.5) << "\noutreach_bonus = " << U(0, 1) << "\n";
  s << "[flows]\nretirement_rate = " << U(0, 0.2) << "\nlayoff_rate = " << U(0, 0.2) << "\n";
  s << "[founders]\nmin_skill = " << U(1, 5) << "\nrate_per_year = " << U(0, 0.5)
    << "\nfunding_per_skill = " << U(1e5, 1e7) << "\nmax_new_firms = " << I(0, 5) << "\n";
  s << "[[timeline]]\nstep = " << I(1, 30) << "\nfirm = \"F0\"\nadd = { cash = " << -U(0, 2e9)
    << " }\nscale = { ai_value = " << U(0, 5) << " }\n";
  s << "[[timeline]]\nstep = " << I(1, 30)
    << "\ncountry = \"Y\"\nset = { visa_friction = " << U(0, 2) << " }\n";
  return s.str();
}

}  // namespace

TEST(Invariants, HoldAfterEveryStepOfRandomScenarios) {
  std::int64_t total_moves = 0, total_events = 0;
  for (unsigned seed = 1; seed <= 16; ++seed) {
    SCOPED_TRACE("random scenario " + std::to_string(seed));
    const std::string text = random_scenario(seed);
    Scenario sc;
    try {
      sc = load_scenario_text(text, "random.toml");
    } catch (const user_error& e) {
      FAIL() << e.what() << "\n" << text;
    }
    Simulation sim(std::move(sc), {true});
    std::int64_t moves = 0;
    try {
      while (!sim.finished()) {
        sim.step();
        moves += sim.metrics().moves;
        total_events += static_cast<std::int64_t>(sim.events().size());
      }
    } catch (const internal_error& e) {
      FAIL() << e.what() << "\n" << text;
    }
    total_moves += moves;
  }
  // The scenarios are busy: the checks ran over real market activity.
  EXPECT_GT(total_moves, 100);
  EXPECT_GT(total_events, 1000);
}
