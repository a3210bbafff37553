// Validation 2: the assignment game (Shapley-Shubik; Demange-Gale-Sotomayor;
// Bertsekas). Unit-demand firms, money-only utility, no budgets, no noise,
// rounds to convergence with an absolute increment epsilon: the auction's
// assignment is within n * epsilon of the optimum found by an independent
// exact solver (exhaustive search over assignments); and a single contested
// researcher goes for max(second-highest value, reservation).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <sstream>

#include "engine/world.hpp"
#include "market/valuation.hpp"
#include "talentsim/simulation.hpp"

using namespace talentsim;

namespace {

constexpr double EPS = 1000.0;  // USD/yr

// n firms, m researchers (all job seekers), fields k; values differ through
// each firm's ai_value and needs and each researcher's skill and field.
std::string instance(unsigned seed, int n, int m, double reservation, std::vector<double>& ai,
                     std::vector<std::vector<double>>& needs) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> value(1e5, 1e7), need(0.2, 3.0);
  const int k = 3;
  std::ostringstream s;
  s << R"(format_version = 1
name = "assignment"
fields = ["a", "b", "c"]
[run]
steps = 1
seed = )"
    << seed << R"(
[[countries]]
name = "X"
[defaults.firm]
country = "X"
tfp = 1.0
alpha = 0.5
compute = 1.0
gpu_cost = 1.0
opex_per_gpu = 0.0
compute_depreciation = 0.0
bid_markup = 0.0
referral_share = 0.0
attention = 400
max_hires_per_step = 1
equity_share = 0.0
signing_share = 0.0
)";
  ai.clear();
  needs.clear();
  for (int f = 0; f < n; ++f) {
    ai.push_back(value(g));
    needs.push_back({need(g), need(g), need(g)});
    s << "[[firms]]\nname = \"F" << f << "\"\nai_value = " << ai.back()
      << "\nneeds = { a = " << needs.back()[0] << ", b = " << needs.back()[1]
      << ", c = " << needs.back()[2] << " }\n";
  }
  s << "[population]\ncount = " << m << "\norigin = \"X\"\n"
    << "skill = { dist = \"uniform\", low = 0.5, high = 4.0 }\n"
    << "field = { dist = \"categorical\", shares = { a = 0.34, b = 0.33, c = 0.33 } }\n"
    << "reservation = " << reservation << "\n"
    << "[population.preferences]\nw_money = 1.0\nw_compute = 0.0\nw_mission = 0.0\n"
    << "w_peers = 0.0\nw_home = 0.0\nswitch_cost = 0.0\n"
    << "[network]\ncross_firm_ties = 0.0\n"
    << "[market]\nbudgets = false\ntaste_noise = 0.0\nbid_increment = 0.0\nbid_increment_usd = "
    << EPS << "\nauction_rounds = 1000000\nvisibility_exponent = 0.0\n"
    << "[flows]\nretirement_rate = 0.0\nlayoff_rate = 0.0\n";
  (void)k;
  return s.str();
}

// Value of researcher r to firm f: MV of an empty firm = ai * (delta/floor)^alpha.
double value_of(const Simulation& sim, std::size_t f, std::size_t r) {
  return detail::marginal_value(detail::testing::state(sim), f,
                                detail::testing::state(sim).delta(f, static_cast<std::int32_t>(r)));
}

// Best total value over every assignment of researchers to firms (each firm
// at most one researcher, each researcher at most one firm), by search.
double optimum(const std::vector<std::vector<double>>& v, std::size_t f, std::vector<bool>& used) {
  if (f == v.size()) return 0;
  double best = optimum(v, f + 1, used);  // firm f hires nobody
  for (std::size_t r = 0; r < v[f].size(); ++r) {
    if (used[r] || v[f][r] <= 0) continue;
    used[r] = true;
    best = std::max(best, v[f][r] + optimum(v, f + 1, used));
    used[r] = false;
  }
  return best;
}

}  // namespace

TEST(AssignmentGame, AuctionIsWithinNEpsilonOfTheOptimum) {
  int exact = 0, hired_total = 0;
  for (unsigned seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("instance " + std::to_string(seed));
    std::mt19937 g(seed * 7919u);
    const int n = std::uniform_int_distribution<int>(2, 6)(g);
    const int m = std::uniform_int_distribution<int>(2, 7)(g);
    std::vector<double> ai;
    std::vector<std::vector<double>> needs;
    Simulation sim(load_scenario_text(instance(seed, n, m, 1000.0, ai, needs), "a.toml"));
    std::vector<std::vector<double>> v(static_cast<std::size_t>(n),
                                       std::vector<double>(static_cast<std::size_t>(m)));
    for (int f = 0; f < n; ++f)
      for (int r = 0; r < m; ++r)
        v[static_cast<std::size_t>(f)][static_cast<std::size_t>(r)] =
            value_of(sim, static_cast<std::size_t>(f), static_cast<std::size_t>(r)) - 1000.0;
    std::vector<bool> used(static_cast<std::size_t>(m), false);
    const double best = optimum(v, 0, used);
    sim.step();
    double total = 0;
    int hires = 0;
    for (const Event& e : sim.events()) {
      if (e.kind != EventKind::hire) continue;
      total += v[static_cast<std::size_t>(e.to_firm)][static_cast<std::size_t>(e.researcher)];
      ++hires;
    }
    EXPECT_LE(hires, std::min(n, m));
    EXPECT_GE(total, best - n * EPS) << "auction " << total << " optimum " << best;
    EXPECT_LE(total, best + 1e-6);
    exact += std::abs(total - best) < 1e-6;
    hired_total += hires;
  }
  std::printf("assignment game: %d of 60 instances exactly optimal, %d hires in all\n", exact,
              hired_total);
  EXPECT_GT(hired_total, 100);
  // Most instances come out exactly optimal, not just within the bound.
  EXPECT_GT(exact, 40);
}

TEST(AssignmentGame, SingleContestedResearcherGoesForTheSecondHighestValue) {
  for (double reservation : {1000.0, 2.0e6, 5.0e7}) {
    SCOPED_TRACE("reservation " + std::to_string(reservation));
    std::vector<double> ai;
    std::vector<std::vector<double>> needs;
    Simulation sim(load_scenario_text(instance(99, 3, 1, reservation, ai, needs), "s.toml"));
    std::vector<double> values;
    for (std::size_t f = 0; f < 3; ++f) values.push_back(value_of(sim, f, 0));
    std::vector<double> sorted = values;
    std::sort(sorted.rbegin(), sorted.rend());
    sim.step();
    const Event* hire = nullptr;
    for (const Event& e : sim.events())
      if (e.kind == EventKind::hire) hire = &e;
    if (reservation > sorted[0]) {
      EXPECT_EQ(hire, nullptr);  // nobody can afford the outside option
      continue;
    }
    ASSERT_NE(hire, nullptr);
    EXPECT_EQ(values[static_cast<std::size_t>(hire->to_firm)], sorted[0]);
    const double price = std::max(sorted[1], reservation);
    EXPECT_GE(hire->annual_value, price - EPS);
    EXPECT_LE(hire->annual_value, price + 2 * EPS);
  }
}
