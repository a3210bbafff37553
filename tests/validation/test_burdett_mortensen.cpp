// Validation 1: the posted-wage protocol against Burdett-Mortensen's steady
// state in discrete time (CALIBRATION.md "Theory anchors"):
//   u = delta / (delta + lambda0)
//   G(w) = delta F(w) / (delta + (1 - delta) lambda1 (1 - F(w)))
// where F is the distribution of posted wages (here the empirical one over
// the firms, since offers come from a uniformly random firm).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "talentsim/simulation.hpp"

using namespace talentsim;

namespace {

constexpr double DELTA = 0.02, LAMBDA0 = 0.2, LAMBDA1 = 0.1;
constexpr int N = 20000, FIRMS = 40, BURN_IN = 300, MEASURE = 200;

std::string scenario() {
  return R"(format_version = 1
name = "bm"
fields = ["ml"]
[run]
steps = )" +
         std::to_string(BURN_IN + MEASURE) +
         R"(
seed = 5
[[countries]]
name = "X"
[defaults.firm]
country = "X"
cash = 1.0e15
income = 1.0e15
[[firm_groups]]
name = "F"
count = )" +
         std::to_string(FIRMS) +
         R"(
headcount = 250
[population]
count = )" +
         std::to_string(N) +
         R"(
origin = "X"
[market]
protocol = "posted_wage"
[market.posted_wage]
offer_rate_employed = )" +
         std::to_string(LAMBDA1) + "\noffer_rate_seeker = " + std::to_string(LAMBDA0) +
         "\nseparation_rate = " + std::to_string(DELTA) + R"(
wage = { dist = "uniform", low = 100000.0, high = 200000.0 }
[flows]
retirement_rate = 0.0
layoff_rate = 0.0
)";
}

}  // namespace

TEST(BurdettMortensen, UnemploymentAndWageDistributionMatchTheClosedForm) {
  Simulation sim(load_scenario_text(scenario(), "bm.toml"));
  std::vector<double> wages;
  for (std::size_t f = 0; f < sim.firms().size(); ++f)
    wages.push_back(sim.firms().params[f].pay_level);
  std::sort(wages.begin(), wages.end());
  const auto F = [&](double w) {
    return static_cast<double>(std::upper_bound(wages.begin(), wages.end(), w) - wages.begin()) /
           static_cast<double>(wages.size());
  };
  double u_sum = 0;
  std::vector<double> g_sum(wages.size(), 0.0);
  for (int t = 0; t < BURN_IN + MEASURE; ++t) {
    sim.step();
    if (t < BURN_IN) continue;
    const auto& R = sim.researchers();
    std::vector<double> employed_wages;
    std::size_t seekers = 0;
    for (std::size_t r = 0; r < R.size(); ++r) {
      if (R.employer[r] == NO_FIRM)
        ++seekers;
      else if (R.employer[r] >= 0)
        employed_wages.push_back(R.salary[r]);
    }
    u_sum += static_cast<double>(seekers) / static_cast<double>(R.size());
    std::sort(employed_wages.begin(), employed_wages.end());
    for (std::size_t k = 0; k < wages.size(); ++k) {
      g_sum[k] += static_cast<double>(
                      std::upper_bound(employed_wages.begin(), employed_wages.end(), wages[k]) -
                      employed_wages.begin()) /
                  static_cast<double>(employed_wages.size());
    }
  }
  // Tolerances: with N = 20000 the standard error of one step's u is
  // sqrt(u(1-u)/N) = 0.002; averaging 200 correlated steps (correlation
  // time ~ 1/(delta+lambda0) = 4.5 steps) leaves about 0.0005. Allow 0.006,
  // over ten standard errors, for the finite burn-in.
  const double u = u_sum / MEASURE;
  EXPECT_NEAR(u, DELTA / (DELTA + LAMBDA0), 0.006);
  // G at each posted wage: one step's CDF has standard error below
  // 0.5/sqrt(N(1-u)) = 0.004; the average over steps is tighter, but wages
  // relax slowly (time scale 1/delta = 50 steps). Allow 0.02 and check the
  // largest gap (a Kolmogorov-Smirnov distance on the firms' wage grid).
  double worst = 0;
  for (std::size_t k = 0; k < wages.size(); ++k) {
    const double fw = F(wages[k]);
    const double g = DELTA * fw / (DELTA + (1 - DELTA) * LAMBDA1 * (1 - fw));
    worst = std::max(worst, std::abs(g_sum[k] / MEASURE - g));
  }
  EXPECT_LT(worst, 0.02);
  std::printf("Burdett-Mortensen: u = %.4f (closed form %.4f), largest |G - G*| = %.4f\n", u,
              DELTA / (DELTA + LAMBDA0), worst);
}
