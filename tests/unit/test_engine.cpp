// Mechanisms of the step on tiny worlds with hand-computed expectations.

#include <gtest/gtest.h>

#include <tbb/global_control.h>

#include <boost/graph/compressed_sparse_row_graph.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "engine/world.hpp"
#include "market/valuation.hpp"
#include "moves_one_by_one.hpp"
#include "random/rng.hpp"
#include "talentsim/network.hpp"
#include "talentsim/scenario.hpp"
#include "talentsim/simulation.hpp"
#include "util/binary_io.hpp"
#include "util/radix_sort.hpp"

using namespace talentsim;
using detail::incumbent_loss;
using detail::marginal_value;

namespace {

// One country, one field; firms and researchers given by the caller. With
// tfp 1, alpha 0.5, compute 100 and a single researcher of skill 1, a firm's
// reference output is 1^0.5 * 100^0.5 = 10 per step.
std::string world(const std::string& firms, const std::string& extra = "", int population = 10,
                  const std::string& market = "") {
  return R"(format_version = 1
name = "tiny"
fields = ["ml"]
[run]
steps = 10
seed = 1
[[countries]]
name = "US"
[defaults.firm]
country = "US"
tfp = 1.0
alpha = 0.5
compute = 100.0
compute_depreciation = 0.0
opex_per_gpu = 0.0
gpu_cost = 1.0
ai_value = 1.0e6
cash = 1.0e9
income = 1.0e9
comp_budget_share = 1.0
signing_share = 0.0
equity_share = 0.0
equity_haircut = 0.0
bid_markup = 0.0
referral_share = 0.0
attention = 50
[population]
count = )" +
         std::to_string(population) + R"(
origin = "US"
skill = 1.0
reservation = 1000.0
[population.preferences]
w_money = 1.0
w_compute = 0.0
w_mission = 0.0
w_peers = 0.0
w_home = 0.0
switch_cost = 0.0
[network]
cross_firm_ties = 0.0
[market]
taste_noise = 0.0
knowledge_loss = 0.0
)" + market +
         R"(
[flows]
retirement_rate = 0.0
layoff_rate = 0.0
)" + firms +
         extra;
}

Simulation make(const std::string& text) {
  return Simulation(load_scenario_text(text, "tiny.toml"), {true});
}

std::size_t count_events(const Simulation& sim, EventKind kind) {
  std::size_t n = 0;
  for (const Event& e : sim.events()) n += e.kind == kind;
  return n;
}

}  // namespace

TEST(Production, CobbDouglas) {
  EXPECT_DOUBLE_EQ(detail::production(2.0, 0.5, 4.0, 9.0), 2.0 * 2.0 * 3.0);
  EXPECT_EQ(detail::production(1.0, 0.5, 0.0, 9.0), 0.0);
  EXPECT_EQ(detail::production(1.0, 0.5, 4.0, 0.0), 0.0);
}

TEST(Valuation, MarginalValueAndIncumbentLoss) {
  Simulation sim = make(world(R"(
[[firms]]
name = "A"
headcount = 1
[[firms]]
name = "B"
)"));
  const auto& w = detail::testing::state(sim);
  // A: T = 1, C = 100, Y_ref = 10. Adding 3: Y(4) = 20, so MV = 1e6 * 10 / 10.
  EXPECT_DOUBLE_EQ(w.F.y_ref[0], 10.0);
  EXPECT_NEAR(marginal_value(w, 0, 3.0), 1.0e6, 1e-6);
  // Losing its only researcher: Y(1) - Y(0) = 10, L = 1e6.
  EXPECT_NEAR(incumbent_loss(w, 0, 1.0), 1.0e6, 1e-6);
  // B starts empty: Y_ref uses the talent floor 1, so adding 1 is worth ai_value.
  EXPECT_NEAR(marginal_value(w, 1, 1.0), 1.0e6, 1e-6);
}

TEST(Valuation, RivalDenialAddsGammaTimesTheIncumbentLoss) {
  Simulation sim = make(world(R"(
[[firms]]
name = "A"
headcount = 1
[[firms]]
name = "B"
rivals = ["A"]
denial_weight = 0.5
[[firms]]
name = "C"
)"));
  const auto& w = detail::testing::state(sim);
  const std::int32_t r = w.F.employees[0][0];
  // MV_B(r) = 1e6 (empty firm, floor 1), L_A(r) = 1e6, gamma = 0.5.
  EXPECT_NEAR(detail::willingness_to_pay(w, 1, r), 1.5e6, 1e-6);
  // C does not name A as a rival: no denial value.
  EXPECT_NEAR(detail::willingness_to_pay(w, 2, r), 1.0e6, 1e-6);
  EXPECT_NEAR(detail::retention_ceiling(w, r), 1.0e6, 1e-6);
}

TEST(Valuation, MinimumOfferThatMovesAJobSeeker) {
  Simulation sim = make(world(R"(
[[firms]]
name = "A"
)",
                              R"(
[[pinned]]
label = "seeker"
field = "ml"
origin = "US"
skill = 1.0
switch_cost = 0.5
)"));
  const auto& w = detail::testing::state(sim);
  const std::int32_t r = 0;
  ASSERT_EQ(w.R.employer[0], NO_FIRM);
  // Money-only utility: ln(a) >= ln(reservation) + switch_cost.
  const double target = detail::stay_utility(w, r, 0) + w.R.switch_cost[0];
  EXPECT_NEAR(detail::value_for_utility(w, r, 0, target, false), 1000.0 * std::exp(0.5), 1e-6);
}

TEST(Valuation, EquityHaircutAndHomeSubsidyEnterEffectiveMoney) {
  Simulation sim = make(world(R"(
[[firms]]
name = "A"
equity_share = 0.5
equity_haircut = 0.4
)",
                              "", 1));
  auto& w = detail::testing::state(sim);
  w.C.retention_subsidy[0] = 5000;
  // a * (1 - 0.4 * 0.5) + 5000 (same country as origin).
  EXPECT_NEAR(detail::effective_money(w, 0, 0, 100000.0), 85000.0, 1e-9);
}

TEST(Valuation, AnOriginsHomePullAddsToUtilityAtHomeOnly) {
  // countries[].home_pull is added to w_home for researchers of that origin
  // at a firm of their origin; abroad, the visa friction applies unchanged.
  const auto text = [](const std::string& pull) {
    std::string t = world(R"(
[[firms]]
name = "A"
[[firms]]
name = "B"
country = "CN"
)",
                          "", 1);
    t.replace(t.find("name = \"US\""), 11,
              "name = \"US\"\nhome_pull = " + pull +
                  "\n[[countries]]\nname = \"CN\"\n"
                  "visa_friction = 0.25");
    t.replace(t.find("w_home = 0.0"), 12, "w_home = 0.1");
    return t;
  };
  Simulation none = make(text("0.0")), some = make(text("0.7")), less = make(text("-0.3"));
  const auto& a = detail::testing::state(none);
  const auto& b = detail::testing::state(some);
  const auto& c = detail::testing::state(less);
  EXPECT_NEAR(detail::nonmoney_utility(b, 0, 0, false) - detail::nonmoney_utility(a, 0, 0, false),
              0.7, 1e-12);
  EXPECT_NEAR(detail::nonmoney_utility(c, 0, 0, false) - detail::nonmoney_utility(a, 0, 0, false),
              -0.3, 1e-12);
  EXPECT_EQ(detail::nonmoney_utility(b, 0, 1, false), detail::nonmoney_utility(a, 0, 1, false));
  // Home against abroad: w_home + home_pull against minus the visa friction.
  EXPECT_NEAR(detail::nonmoney_utility(b, 0, 0, false) - detail::nonmoney_utility(b, 0, 1, false),
              0.1 + 0.7 + 0.25, 1e-9);
}

TEST(Market, JobSeekerIsHiredAtTheMinimumOffer) {
  Simulation sim = make(world(R"(
[[firms]]
name = "A"
)",
                              "", 1));
  sim.step();
  ASSERT_EQ(count_events(sim, EventKind::hire), 1u);
  // No markup, no competition: the reservation value exactly.
  EXPECT_NEAR(sim.events()[0].annual_value, 1000.0, 1e-6);
  EXPECT_EQ(sim.researchers().employer[0], 0);
}

TEST(Market, AJobSeekerHasNoSwitchingCostToPay) {
  // A switching cost is the cost of leaving a job; a job seeker leaves none,
  // so the minimum offer is still the reservation value.
  std::string text = world(R"(
[[firms]]
name = "A"
)",
                           "", 1);
  text.replace(text.find("switch_cost = 0.0"), 17, "switch_cost = 0.5");
  Simulation sim = make(text);
  sim.step();
  ASSERT_EQ(count_events(sim, EventKind::hire), 1u);
  EXPECT_NEAR(sim.events()[0].annual_value, 1000.0, 1e-6);
}

TEST(Market, ReservationValuesScaleWithSkillByTheirElasticity) {
  std::string text = world("[[firms]]\nname = \"A\"\nattention = 0\n", "", 1);
  text.replace(text.find("skill = 1.0"), 11, "skill = 4.0");
  text.replace(text.find("reservation = 1000.0"), 20,
               "reservation = 1000.0\nreservation_skill_elasticity = 0.5");
  Simulation sim = make(text);
  EXPECT_NEAR(detail::testing::state(sim).R.reservation[0], 2000.0, 1e-9);
}

namespace {
// Ten job seekers; A plans 5 more seats but scouts only one candidate a week.
std::string applicants(const std::string& market) {
  return world(R"(
[[firms]]
name = "A"
attention = 1
plan_seats = 5.0
)",
               "", 10, market);
}
}  // namespace

TEST(Market, JobSeekersApplyToOpenSeats) {
  Simulation scouted = make(applicants(""));
  scouted.step();
  EXPECT_LE(scouted.firms().headcount(0), 1);
  // With applications every seeker is a candidate of the only firm with
  // open seats, which fills its 5 seats in the first week.
  Simulation applied = make(applicants("applications = 1.0\n"));
  applied.step();
  EXPECT_EQ(applied.firms().headcount(0), 5);
}

TEST(Market, JobSeekersApplyMostlyAtHome) {
  // Two countries with 20 open seats each; 20 seekers from US with a strong
  // pull of home apply (almost) only to the US firm; each firm scouts one
  // candidate a week, so the firm abroad hires at most that one.
  std::string text = world(R"(
[[firms]]
name = "Home"
attention = 1
plan_seats = 20.0
[[firms]]
name = "Abroad"
country = "CA"
attention = 1
plan_seats = 20.0
)",
                           "", 20, "applications = 2.0\napplication_noise = 0.01\n");
  const std::string us = "[[countries]]\nname = \"US\"\n";
  text.replace(text.find(us), us.size(), us + "[[countries]]\nname = \"CA\"\n");
  text.replace(text.find("w_home = 0.0"), 12, "w_home = 1.0");
  Simulation sim = make(text);
  sim.step();
  EXPECT_GE(sim.firms().headcount(0), 19);
  EXPECT_LE(sim.firms().headcount(1), 1);
}

namespace {
// Researcher 0 works at A for 100k; B (a much smaller prize) bids for it.
std::string contest(bool counter) {
  return world(R"(
[[firms]]
name = "A"
headcount = 1
counter_offers = )" +
                   std::string(counter ? "true" : "false") + R"(
ai_value = 1.0e9
pay_level = 100000.0
attention = 0
[[firms]]
name = "B"
ai_value = 2.0e5
pay_level = 100000.0
)",
               "", 1);
}
}  // namespace

TEST(Market, CounterOfferKeepsTheResearcher) {
  Simulation sim = make(contest(true));
  sim.step();
  // B's ceiling is 2e5; A's is L_A = 1e9 and it counters above B's best.
  EXPECT_EQ(sim.researchers().employer[0], 0);
  ASSERT_EQ(count_events(sim, EventKind::retention), 1u);
  EXPECT_GT(sim.researchers().salary[0], 100000.0);
  EXPECT_EQ(count_events(sim, EventKind::poach), 0u);
}

TEST(Market, WithoutCounterOffersTheResearcherIsPoached) {
  Simulation sim = make(contest(false));
  sim.step();
  EXPECT_EQ(sim.researchers().employer[0], 1);
  ASSERT_EQ(count_events(sim, EventKind::poach), 1u);
  EXPECT_GT(sim.events()[0].annual_value, 100000.0);
  EXPECT_LE(sim.events()[0].annual_value, 2.0e5);
}

TEST(Market, BudgetStopsABid) {
  // B values the seeker at 1e6 but may spend only 0.5 * (0 + 900/3) = 150/yr.
  Simulation sim = make(world(R"(
[[firms]]
name = "B"
income = 0.0
cash = 900.0
runway_years = 3.0
comp_budget_share = 0.5
)",
                              "", 1));
  sim.step();
  EXPECT_EQ(sim.researchers().employer[0], NO_FIRM);
  EXPECT_EQ(sim.firms().offers_made[0], 0);
  // With the budget lifted, the same firm hires.
  Simulation free = make(world(R"(
[[firms]]
name = "B"
income = 0.0
cash = 900.0
)",
                               "", 1, "budgets = false\n"));
  free.step();
  EXPECT_EQ(free.researchers().employer[0], 0);
}

TEST(Exit, InsolventStartupIsAcquiredByTheFirmThatValuesItsTeam) {
  Simulation sim = make(world(R"(
[[firms]]
name = "Buyer"
kind = "bigtech"
ai_value = 1.0e9
attention = 0
[[firms]]
name = "Startup"
kind = "startup"
cash = 1000.0
income = 0.0
headcount = 3
pay_level = 1.0e6
attention = 0
comp_budget_share = 1.0
)",
                              "", 3));
  sim.step();
  // Startup pays 3e6/yr: cash 1000 - 3e6/52 < 0; the buyer values its team of
  // 3 at 1e9 * (Y(3) - Y(0)) / Y_ref = 1e9 * sqrt(3) far above the deficit.
  EXPECT_EQ(sim.metrics().acquisitions, 1);
  EXPECT_EQ(count_events(sim, EventKind::acquisition), 3u);
  EXPECT_EQ(sim.firms().headcount(0), 3);
  EXPECT_FALSE(sim.firms().active[1]);
  // The buyer pays the deficit: 3e6/52 - 1000 after the startup's week of payroll.
  const double deficit = 3.0e6 / 52.0 - 1000.0;
  EXPECT_NEAR(sim.firms().cash[0], 1.0e9 + 1.0e9 / 52.0 - deficit, 1e-3);
}

TEST(Exit, TheBuyerPaysTheSecondHighestBidAndTheExitIsRecorded) {
  Simulation sim = make(world(R"(
[[firms]]
name = "Buyer"
kind = "bigtech"
ai_value = 1.0e7
attention = 0
[[firms]]
name = "Rival"
kind = "bigtech"
ai_value = 5.0e6
attention = 0
[[firms]]
name = "Startup"
kind = "startup"
cash = 1000.0
income = 0.0
headcount = 3
pay_level = 1.0e6
attention = 0
comp_budget_share = 1.0
)",
                              "", 3));
  sim.step();
  const auto& w = detail::testing::state(sim);
  ASSERT_EQ(sim.metrics().acquisitions, 1);
  EXPECT_EQ(sim.firms().headcount(0), 3);
  // The rival's bid: the team's value to it over the contract, net of the
  // team's pay (3 x 1e6/yr); the rival's state did not change in the step.
  const double years = sim.scenario().market.contract_years;
  const double rival_bid = years * (marginal_value(w, 1, 3.0) - 3.0e6);
  const double deficit = 3.0e6 / 52.0 - 1000.0;
  ASSERT_GT(rival_bid, deficit);
  EXPECT_NEAR(sim.firms().cash[0], 1.0e9 + 1.0e9 / 52.0 - rival_bid, 1e-3);
  EXPECT_LT(rival_bid, years * (marginal_value(w, 0, 3.0) - 3.0e6));
  const FirmTable& F = sim.firms();
  EXPECT_EQ(F.exit_step[2], 1);
  EXPECT_EQ(F.exit_buyer[2], 0);
  EXPECT_EQ(F.exit_reason[2], static_cast<std::uint8_t>(ExitReason::cash));
  EXPECT_NEAR(F.exit_price[2], rival_bid, 1e-3);
  EXPECT_EQ(F.exit_staff[2], 3);
  EXPECT_EQ(F.exit_step[0], -1);
  EXPECT_EQ(F.exit_buyer[0], NO_FIRM);
}

TEST(Exit, AStartupWhoseTeamIsGoneFoldsAndItsCashGoesBack) {
  // The startup's only researcher is hired away by A (which values her far
  // more); the next exit phase finds the startup empty.
  Simulation sim = make(world(R"(
[[firms]]
name = "A"
kind = "bigtech"
ai_value = 1.0e12
[[firms]]
name = "Startup"
kind = "startup"
cash = 1.0e8
income = 0.0
headcount = 1
pay_level = 1.0e5
attention = 0
counter_offers = false
)",
                              "", 1));
  sim.step();
  ASSERT_EQ(sim.researchers().employer[0], 0);
  if (sim.firms().active[1]) sim.step();
  const FirmTable& F = sim.firms();
  EXPECT_FALSE(F.active[1]);
  EXPECT_EQ(F.exit_reason[1], static_cast<std::uint8_t>(ExitReason::team));
  EXPECT_EQ(F.exit_buyer[1], NO_FIRM);
  EXPECT_EQ(F.exit_staff[1], 0);
  EXPECT_EQ(F.exit_price[1], 0.0);
  EXPECT_EQ(F.cash[1], 0.0);
  EXPECT_EQ(sim.metrics().bankruptcies, 1);
}

TEST(Exit, InsolventStartupNobodyWantsGoesBankrupt) {
  Simulation sim = make(world(R"(
[[firms]]
name = "Other"
kind = "bigtech"
ai_value = 1.0
attention = 0
[[firms]]
name = "Startup"
kind = "startup"
cash = 1000.0
income = 0.0
headcount = 3
pay_level = 1.0e6
attention = 0
)",
                              "", 3));
  sim.step();
  EXPECT_EQ(sim.metrics().bankruptcies, 1);
  EXPECT_EQ(count_events(sim, EventKind::bankruptcy), 3u);
  for (int r = 0; r < 3; ++r)
    EXPECT_EQ(sim.researchers().employer[static_cast<std::size_t>(r)], NO_FIRM);
}

TEST(Exit, UniversitiesDoNotFail) {
  Simulation sim = make(world(R"(
[[firms]]
name = "Uni"
kind = "academia"
cash = 0.0
income = 0.0
headcount = 2
pay_level = 1.0e6
attention = 0
)",
                              "", 2, "budgets = false\n"));
  sim.step();
  EXPECT_LT(sim.firms().cash[0], 0);
  EXPECT_TRUE(sim.firms().active[0]);
  EXPECT_EQ(sim.metrics().bankruptcies, 0);
}

TEST(Plan, AFirmHiresOnlyIntoOpenSeats) {
  // A values every job seeker far above the price; with a plan of its own
  // headcount (2) and 3 seats on top it hires exactly 3 of the 8 seekers.
  const std::string firm = R"(
[[firms]]
name = "A"
ai_value = 1.0e12
headcount = 2
pay_level = 1.0e5
)";
  Simulation free = make(world(firm, "", 10));
  free.step();
  EXPECT_EQ(free.firms().headcount(0), 10);
  Simulation planned = make(world(firm + "headcount_plan = 1.0\nplan_seats = 3.0\n", "", 10));
  const auto& w = detail::testing::state(planned);
  EXPECT_EQ(w.planned_headcount(0), 5);
  for (int i = 0; i < 3; ++i) planned.step();
  EXPECT_EQ(planned.firms().headcount(0), 5);
  // The plan grows with plan_growth: 2 x 4 after a year at 300%/yr.
  std::string year = world(firm + "headcount_plan = 1.0\nplan_growth = 3.0\n", "", 10);
  year.replace(year.find("steps = 10"), 10, "steps = 60");
  Simulation growing = make(year);
  for (int i = 0; i < 52; ++i) growing.step();
  EXPECT_EQ(detail::testing::state(growing).planned_headcount(0), 8);
  EXPECT_EQ(growing.firms().headcount(0), 8);
}

TEST(Funding, AStartupShortOfRunwayRaisesARoundIfItsTeamHolds) {
  // Burn: payroll 2e6/yr with no income; cash 1e6 < 1 year of burn, so it
  // raises 2 years of burn (4e6) from the venture pool (1e9/yr, 1/52 of it
  // by the first week).
  const std::string text = world(R"(
[[firms]]
name = "Startup"
kind = "startup"
cash = 1.0e6
income = 0.0
headcount = 2
pay_level = 1.0e6
attention = 0
raise_below_years = 1.0
round_years = 2.0
)",
                                 R"(
[founders]
vc_pool_per_year = 1.0e9
)",
                                 2, "budgets = false\n");
  Simulation sim = make(text);
  sim.step();
  EXPECT_NEAR(sim.firms().raised[0], 4.0e6, 1e-6);
  EXPECT_NEAR(sim.firms().cash[0], 1.0e6 - 2.0e6 / 52.0 + 4.0e6, 1e-6);
  EXPECT_NEAR(detail::testing::state(sim).vc_pool, 1.0e9 / 52.0 - 4.0e6, 1e-3);
  sim.step();
  EXPECT_EQ(sim.firms().raised[0], 0.0);  // 5e6 of cash is 2.5 years of burn
  // Too small a pool: no round, and the startup runs out of cash (without
  // hard budgets, which would first lay its team off).
  std::string poor_text = text;
  poor_text.replace(poor_text.find("vc_pool_per_year = 1.0e9"), 24, "vc_pool_per_year = 1.0e6");
  poor_text.replace(poor_text.find("cash = 1.0e6"), 12, "cash = 1.0e5");
  Simulation poor = make(poor_text);
  for (int i = 0; i < 10 && poor.firms().active[0]; ++i) poor.step();
  EXPECT_FALSE(poor.firms().active[0]);
  EXPECT_EQ(poor.firms().exit_reason[0], static_cast<std::uint8_t>(ExitReason::cash));
}

TEST(Flows, AttritionTakesEmployeesOfItsFirmOutOfTheMarket) {
  // 0.52/yr: each employee leaves with probability 1 - exp(-0.01) a week, so
  // about 9.95 of 1,000 a week; B has no attrition and no retirement here.
  Simulation sim = make(world(R"(
[[firms]]
name = "A"
headcount = 1000
attention = 0
attrition = 0.52
[[firms]]
name = "B"
headcount = 1000
attention = 0
)",
                              "", 2000));
  std::size_t left = 0;
  for (int i = 0; i < 10; ++i) {
    sim.step();
    for (const Event& e : sim.events()) {
      if (e.kind != EventKind::retirement) continue;
      EXPECT_EQ(e.from_firm, 0);
      ++left;
    }
  }
  EXPECT_GT(left, 60u);  // mean 99.5, sd 9.9
  EXPECT_LT(left, 140u);
  EXPECT_EQ(sim.firms().headcount(0), 1000 - static_cast<std::int32_t>(left));
  EXPECT_EQ(sim.firms().headcount(1), 1000);
}

TEST(Flows, JobSeekersTakeOutsideJobsAndLeaveTheMarket) {
  // 1,000 employees of A (which makes no offers) and 1,000 job seekers;
  // outside_rate 0.52/yr: each seeker leaves with probability
  // 1 - exp(-0.01) a week, about 9.95 a week at first. Employees never do.
  std::string text = world(R"(
[[firms]]
name = "A"
headcount = 1000
attention = 0
)",
                           "", 2000);
  text.replace(text.find("layoff_rate = 0.0"), 17, "layoff_rate = 0.0\noutside_rate = 0.52");
  Simulation sim = make(text);
  std::size_t left = 0;
  for (int i = 0; i < 10; ++i) {
    sim.step();
    for (const Event& e : sim.events()) {
      ASSERT_NE(e.kind, EventKind::retirement);
      if (e.kind != EventKind::outside) continue;
      EXPECT_EQ(e.from_firm, NO_FIRM);
      EXPECT_EQ(e.to_firm, NO_FIRM);
      EXPECT_EQ(sim.researchers().employer[static_cast<std::size_t>(e.researcher)], NOT_PRESENT);
      ++left;
    }
  }
  EXPECT_GT(left, 60u);  // mean ~97, sd ~9.7
  EXPECT_LT(left, 140u);
  EXPECT_EQ(sim.firms().headcount(0), 1000);
  EXPECT_EQ(detail::testing::state(sim).seekers.size(), 1000 - left);
}

TEST(Pinned, ASkillQuantileDrawsFromTheTopOfThePopulation) {
  // Pinned by rank, not by value: skill drawn from population.skill above
  // its 0.999 quantile, differently for each seed, the others unchanged.
  const auto text = [](int seed) {
    std::string t = world(R"(
[[firms]]
name = "A"
headcount = 50
attention = 0
[[pinned]]
label = "lead"
firm = "A"
field = "ml"
origin = "US"
skill_quantile = 0.999
)",
                          "", 100);
    t.replace(t.find("skill = 1.0"), 11,
              "skill = { dist = \"lognormal\", mu = 0.0, sigma = 0.8, tail_above = 3.0, "
              "tail_shape = 2.5 }");
    t.replace(t.find("seed = 1"), 8, "seed = " + std::to_string(seed));
    return t;
  };
  const Distribution skill(LogNormal{0.0, 0.8, 3.0, 2.5});
  Simulation a = make(text(1)), b = make(text(2));
  const double q = skill.quantile(0.999);
  EXPECT_GE(a.researchers().skill[0], q);  // pinned researchers come first
  EXPECT_GE(b.researchers().skill[0], q);
  EXPECT_NE(a.researchers().skill[0], b.researchers().skill[0]);
  // The same draw as the scenario's own writer reads back.
  const Scenario round = load_scenario_text(to_toml(a.scenario()), "round.toml");
  EXPECT_EQ(round.pinned[0].skill_quantile, 0.999);
  EXPECT_FALSE(round.pinned[0].skill.has_value());
}

TEST(Spinout, AFounderLeavesToAFundedStartup) {
  std::string text = world(R"(
[[firms]]
name = "A"
headcount = 20
attention = 0
)",
                           R"(
[founders]
min_skill = 0.5
rate_per_year = 1.0
funding_per_skill = 1.0e6
vc_pool_per_year = 1.0e9
max_new_firms = 5
)",
                           20);
  text.replace(text.find("w_mission = 0.0"), 15, "w_mission = 1.0");
  Simulation sim = make(text);
  std::size_t spinouts = 0;
  for (int s = 0; s < 10 && spinouts == 0; ++s) {
    sim.step();
    for (const Event& e : sim.events()) {
      if (e.kind != EventKind::spinout) continue;
      ++spinouts;
      const auto f = static_cast<std::size_t>(e.to_firm);
      EXPECT_EQ(e.from_firm, 0);
      EXPECT_GE(f, 1u);
      EXPECT_EQ(sim.firms().kind[f], FirmKind::startup);
      EXPECT_EQ(sim.researchers().employer[static_cast<std::size_t>(e.researcher)], e.to_firm);
      EXPECT_EQ(sim.firm_names()[f], "Spinout " + std::to_string(f));
    }
  }
  // Hazard 1/52 per week for 20 researchers: P(no spin-out in 10 weeks) < 3%.
  EXPECT_GT(spinouts, 0u);
}

TEST(PeerCounts, FollowEveryMoveAndAgreeWithTheNeighboursEmployers) {
  // A random network of 300 researchers over 7 firms; random moves through
  // the same join/leave calls the engine makes (queued, then flushed);
  // after each batch every (researcher, firm) count equals the count over
  // its neighbours.
  const std::size_t n = 300;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ties;
  detail::CounterRng rng(7, detail::Stream::network, 0);
  for (int k = 0; k < 1500; ++k) {
    const auto a = static_cast<std::uint32_t>(rng.uniform() * n);
    const auto b = static_cast<std::uint32_t>(rng.uniform() * n);
    if (a != b) ties.emplace_back(a, b);
  }
  const Network net(n, ties);
  std::vector<std::int32_t> employer(n);
  for (auto& e : employer) e = static_cast<std::int32_t>(rng.uniform() * 9) - 2;  // -2..6
  detail::PeerCounts peers;
  peers.build(net, employer);
  const auto check = [&] {
    for (std::size_t r = 0; r < n; ++r) {
      for (std::int32_t f = 0; f < 7; ++f) {
        int expected = 0;
        for (const std::uint32_t q : net.neighbours(static_cast<std::int32_t>(r))) {
          expected += employer[q] == f;
        }
        ASSERT_EQ(peers.count(net, static_cast<std::int32_t>(r), f), expected) << r << " " << f;
      }
    }
  };
  check();
  for (int batch = 0; batch < 20; ++batch) {
    for (int k = 0; k < 40; ++k) {
      const auto r = static_cast<std::int32_t>(rng.uniform() * n);
      auto& e = employer[static_cast<std::size_t>(r)];
      if (e >= 0) peers.remove(r, e);
      e = static_cast<std::int32_t>(rng.uniform() * 9) - 2;
      if (e >= 0) peers.add(r, e);
    }
    EXPECT_TRUE(peers.pending());
    peers.flush(net);  // the queued moves, applied neighbour by neighbour in parallel
    EXPECT_FALSE(peers.pending());
    check();
  }
  // Researchers beyond the network (later graduates) have no colleagues.
  EXPECT_EQ(peers.count(net, static_cast<std::int32_t>(n + 5), 0), 0);
}

TEST(Scouting, CandidatesAreKeptPerFirmInIdOrderWithTheirFixedTerms) {
  // Scouting evaluates the step's (firm, candidate) pairs in researcher
  // order and scatters them back: each firm's kept candidates stay in
  // ascending id order, aligned with their valuation, non-money utility and
  // fixed terms, each equal to what the valuation functions give directly.
  Simulation sim(
      load_scenario(std::string(TALENTSIM_SOURCE_DIR) + "/scenarios/bench/global_10k.toml"));
  sim.step();
  auto& s = detail::testing::state(sim);
  detail::Candidates cand;
  detail::scout_candidates(s, cand);
  std::size_t pairs = 0;
  for (std::size_t f = 0; f < s.F.size(); ++f) {
    const auto& ids = cand.ids[f];
    ASSERT_EQ(cand.wtp[f].size(), ids.size());
    // The flat rows: firm after firm, aligned with the firm's ids.
    ASSERT_EQ(cand.row_offset[f], pairs);
    const auto row = cand.rows(f);
    ASSERT_EQ(row.size(), ids.size());
    ASSERT_TRUE(std::is_sorted(ids.begin(), ids.end()));
    for (std::size_t j = 0; j < ids.size(); ++j) {
      const std::int32_t r = ids[j];
      const auto ri = static_cast<std::size_t>(r);
      EXPECT_EQ(cand.wtp[f][j], detail::willingness_to_pay(s, f, r));
      EXPECT_EQ(row[j].rest, detail::nonmoney_utility(s, r, f, false));
      EXPECT_EQ(row[j].floor, s.R.reservation[ri]);
      EXPECT_EQ(row[j].w_money, s.R.w_money[ri]);
      EXPECT_EQ(row[j].cost, s.R.employer[ri] >= 0 ? s.R.switch_cost[ri] : 0.0);
      EXPECT_EQ(row[j].subsidy, detail::home_subsidy(s, r, f));
      ++pairs;
    }
  }
  EXPECT_GT(pairs, 1000u);
  EXPECT_EQ(cand.row_offset[s.F.size()], pairs);
  EXPECT_EQ(cand.row.size(), pairs);
  // Each kept researcher's staying utility, with its current package.
  ASSERT_EQ(cand.stay_u.size(), cand.who.size());
  for (std::size_t c = 0; c < cand.who.size(); ++c) {
    EXPECT_EQ(cand.stay_u[c], detail::stay_utility(s, cand.who[c], 0.0)) << cand.who[c];
  }
}

TEST(Checkpoint, TheRestoredSamplerDrawsAsTheRunningOne) {
  // 100 employees in the first sampler block; graduates enter into the same
  // block and take outside jobs at once, so at the checkpoint every
  // graduate's weight is back to zero. The running sampler's block covers
  // every id it has held; a restore must rebuild it the same way (it used
  // to keep the block as built for the first 100 ids, so its draws differed).
  std::string text = world("[[firms]]\nname = \"A\"\nheadcount = 100\nattention = 0\n", "", 100);
  text.replace(text.find("name = \"US\""), 11, "name = \"US\"\ngraduates_per_year = 20.0");
  text.replace(text.find("layoff_rate = 0.0"), 17, "layoff_rate = 0.0\noutside_rate = 52.0");
  text.replace(text.find("steps = 10"), 10, "steps = 400");
  Simulation a = make(text);
  // Step until some graduates have come and every one of them has gone.
  while (!(a.researchers().size() > 100 && detail::testing::state(a).n_present == 100)) {
    ASSERT_LT(a.step_index(), 400);
    a.step();
  }
  const std::vector<char> state = a.save_state();
  Simulation b = make(text);
  b.restore_state(state.data(), state.size(), "test");
  const auto& sa = detail::testing::state(a).sampler;
  const auto& sb = detail::testing::state(b).sampler;
  detail::CounterRng rng(3, detail::Stream::scouting, 0);
  for (int k = 0; k < 2000; ++k) {
    const double u1 = rng.uniform(), u2 = rng.uniform(), u3 = rng.uniform(), u4 = rng.uniform();
    ASSERT_EQ(sa.sample(u1, u2, u3, u4), sb.sample(u1, u2, u3, u4)) << k;
  }
}

// delta() reads the firms' needs from a flat copy (State::needs, appended by
// add_firm, rebuilt at a restore) and the valuations read a firm's terms
// from the step's OutputCache: in the story world (firms with their own
// needs, rivals and denial weights) both agree with F.needs and with the
// valuations computed from the tables, for the initial firms, for the
// spin-outs founded during the run and after a checkpoint is restored.
TEST(State, FirmsNeedsAndCachedTermsAgreeWithTheTables) {
  const std::string path =
      std::string(TALENTSIM_SOURCE_DIR) + "/scenarios/meta_superintelligence_2025.toml";
  Simulation a(load_scenario(path));
  const std::size_t initial = a.firms().size();
  while (a.firms().size() == initial) {
    ASSERT_LT(a.step_index(), 100) << "no spin-out to check";
    a.step();
  }
  const auto check = [](const detail::State& s) {
    bool varied = false, denial = false;
    detail::OutputCache cache;
    cache.refresh(s);
    for (std::size_t f = 0; f < s.F.size(); ++f) {
      varied |= s.F.needs[f] != s.F.needs[0];
      for (std::size_t r = 0; r < s.R.size(); r += 7) {
        const auto ri = static_cast<std::int32_t>(r);
        ASSERT_EQ(s.delta(f, ri), s.R.skill[r] * s.F.needs[f][s.R.field[r]]) << f << " " << r;
        if (!s.present(ri) || !s.F.active[f]) continue;
        const std::int32_t e = s.R.employer[r];
        denial |= e >= 0 && s.F.params[f].denial_weight > 0 &&
                  std::binary_search(s.F.rivals[f].begin(), s.F.rivals[f].end(), e);
        ASSERT_EQ(detail::willingness_to_pay(s, cache, f, ri),
                  detail::willingness_to_pay(s, f, ri));
        if (e >= 0) {
          const auto ei = static_cast<std::size_t>(e);
          ASSERT_EQ(detail::incumbent_loss(cache, ei, s.delta(ei, ri)),
                    detail::incumbent_loss(s, ei, s.delta(ei, ri)));
        }
      }
    }
    EXPECT_TRUE(varied);  // otherwise a wrong firm's needs would pass
    EXPECT_TRUE(denial);  // a rival's employee valued with the denial term
    // Scouting's per-firm records (FirmAppeal): the kept candidates'
    // non-money utility and every kept researcher's staying utility.
    detail::Candidates cand;
    detail::scout_candidates(s, cand);
    std::size_t kept = 0;
    for (std::size_t f = 0; f < s.F.size(); ++f) {
      for (std::size_t j = 0; j < cand.ids[f].size(); ++j, ++kept) {
        ASSERT_EQ(cand.rows(f)[j].rest, detail::nonmoney_utility(s, cand.ids[f][j], f, false));
      }
    }
    EXPECT_GT(kept, 0u);
    for (std::size_t c = 0; c < cand.who.size(); ++c) {
      ASSERT_EQ(cand.stay_u[c], detail::stay_utility(s, cand.who[c], 0.0)) << cand.who[c];
    }
  };
  check(detail::testing::state(a));
  const std::vector<char> saved = a.save_state();
  Simulation b(load_scenario(path));
  b.restore_state(saved.data(), saved.size(), "test");
  ASSERT_EQ(b.firms().size(), a.firms().size());
  check(detail::testing::state(b));
}

// The network's rows, built by a counting sort over the sorted ties, are
// those of Boost.Graph's compressed sparse row graph of the same ties in
// both directions (duplicates and reversed duplicates merged), each row
// ascending; vertices without ties have empty rows.
TEST(Network, RowsAgreeWithBoostGraph) {
  constexpr std::uint32_t N = 300;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ties;
  detail::CounterRng rng(7, detail::Stream::network, 0);
  for (int k = 0; k < 2000; ++k) {
    const auto a = static_cast<std::uint32_t>(rng.uniform() * (N - 20));  // 20 without ties
    auto b = static_cast<std::uint32_t>(rng.uniform() * (N - 20));
    if (a == b) continue;
    ties.emplace_back(a, b);
    if (k % 7 == 0) ties.emplace_back(b, a);  // the same tie again, reversed
  }
  const Network net(N, ties);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> directed;
  for (const auto& [a, b] : ties) {
    directed.emplace_back(a, b);
    directed.emplace_back(b, a);
  }
  std::sort(directed.begin(), directed.end());
  directed.erase(std::unique(directed.begin(), directed.end()), directed.end());
  using Graph =
      boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                         boost::no_property, std::uint32_t, std::uint64_t>;
  const Graph reference(boost::edges_are_sorted, directed.begin(), directed.end(), N);
  EXPECT_EQ(net.ties() * 2, directed.size());
  for (std::uint32_t v = 0; v < N; ++v) {
    const auto [it, end] = boost::adjacent_vertices(v, reference);
    const std::vector<std::uint32_t> expected(it, end);
    const auto row = net.neighbours(static_cast<std::int32_t>(v));
    ASSERT_EQ(std::vector<std::uint32_t>(row.begin(), row.end()), expected) << v;
    if (v >= N - 20) {
      EXPECT_TRUE(row.empty());
    }
  }
}

// Setup reserves the tie list for its expected size; a team size of infinite
// mean (a Pareto of shape below 1) with no ties inside teams must not turn
// that estimate into a NaN (an undefined cast, a failed reservation).
TEST(Network, TeamSizeOfInfiniteMeanBuilds) {
  for (const char* density : {"0.0", "0.5"}) {
    std::string text = world(R"(
[[firms]]
name = "A"
headcount = 40
)",
                             "", 60);
    const std::string net = "[network]\ncross_firm_ties = 0.0";
    text.replace(text.find(net), net.size(),
                 net + "\nteam_density = " + density +
                     "\nteam_size = { dist = \"pareto\", scale = 1.0, shape = 0.9 }");
    Simulation sim = make(text);
    sim.step();
    const auto& w = detail::testing::state(sim);
    EXPECT_EQ(w.net.vertices(), 60u);
    if (std::string(density) == "0.0") {
      EXPECT_TRUE(w.net.tie_list().empty());
    }
  }
}

// The stable radix sort by high word (scouting's pair order, decide()'s
// offer order): the order of std::stable_sort on the high word, for empty,
// single and large inputs, many equal ids (stability) and ids that need
// three 11-bit digits.
TEST(RadixSort, SameOrderAsAStableSortByHighWord) {
  talentsim::detail::CounterRng rng(7, talentsim::detail::Stream::scouting, 0, 0);
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{1000}, std::size_t{65536},
                              std::size_t{300001}}) {
    for (const std::uint64_t ids : {std::uint64_t{50}, std::uint64_t{1} << 30}) {
      std::vector<std::uint64_t> keys(n), scratch;
      for (std::size_t k = 0; k < n; ++k) {
        const auto id = static_cast<std::uint64_t>(rng.uniform() * static_cast<double>(ids));
        keys[k] = id << 32 | (rng() & 0xffffffffu);  // low words in no order
      }
      auto expected = keys;
      std::stable_sort(expected.begin(), expected.end(),
                       [](std::uint64_t a, std::uint64_t b) { return a >> 32 < b >> 32; });
      talentsim::detail::sort_by_high_word(keys, scratch);
      EXPECT_EQ(keys, expected) << n << " keys, ids below " << ids;
    }
  }
}

// apply_moves() splits a batch of moves into each firm's half (firms in
// parallel) and one serial half for what all moves share. Its result must
// be the state that leave_firm/join_firm give one move after the other, bit
// for bit: the employee lists in the same order, every slot, talent,
// payroll, progress and cash, the job seekers' list, the tracker, the
// neighbour counts and the events, at 1 and 4 threads. 1,000 moves (a
// researcher in 2.5) in a world of 2,500 researchers and 13 firms, as it is
// built, in a random order: most go to a few firms (the cube of a uniform
// picks the firm), so each list sees people leave and join in turn, and the
// job seekers are hired in an order unlike their list's. (Small, so that
// it stays quick under ThreadSanitizer: 2 s there.)
TEST(Settle, ABatchOfMovesEqualsTheMovesOneByOne) {
  const Scenario sc = load_scenario_text(R"(format_version = 1
name = "settle"
fields = ["a", "b"]
[run]
steps = 10
seed = 3
[[countries]]
name = "X"
[[countries]]
name = "Y"
[[firms]]
name = "Big"
kind = "lab"
country = "X"
headcount = 600
[[firm_groups]]
name = "S"
count = 12
kind = "startup"
country = { dist = "categorical", shares = { X = 0.5, Y = 0.5 } }
headcount = { dist = "uniform", low = 10, high = 200 }
[population]
count = 2500
skill = { dist = "pareto", scale = 0.5, shape = 1.5 }
origin = { dist = "categorical", shares = { X = 0.4, Y = 0.6 } }
[network]
cross_firm_ties = 2.0
)",
                                         "settle.toml");
  // Every world is built before the first is changed (ThreadSanitizer, again).
  std::vector<std::unique_ptr<Simulation>> worlds;
  for (int k = 0; k < 4; ++k) worlds.push_back(std::make_unique<Simulation>(sc));
  std::size_t next = 0;
  for (const int threads : {1, 4}) {
    SCOPED_TRACE(std::to_string(threads) + " threads");
    Simulation& one = *worlds[next++];
    Simulation& batch = *worlds[next++];
    auto& a = detail::testing::state(one);
    auto& b = detail::testing::state(batch);
    for (detail::State* s : {&a, &b}) {  // so that a poach's knowledge loss shows
      s->sc.market.knowledge_loss = 0.2;
      for (std::size_t f = 0; f < s->F.size(); ++f) s->F.progress[f] = 1.0 + static_cast<double>(f);
    }
    // Random moves: each researcher at most once, in a random order.
    std::vector<std::int32_t> active;
    for (std::size_t f = 0; f < a.F.size(); ++f) {
      if (a.F.active[f]) active.push_back(static_cast<std::int32_t>(f));
    }
    detail::CounterRng rng(11, detail::Stream::scouting, static_cast<std::uint64_t>(threads));
    std::vector<std::uint8_t> taken(a.R.size(), 0);
    std::vector<detail::Move> moves;
    std::size_t poaches = 0, hires = 0, retentions = 0;
    while (moves.size() < 1000) {
      const auto r = static_cast<std::int32_t>(rng.uniform() * static_cast<double>(a.R.size()));
      const auto ri = static_cast<std::size_t>(r);
      if (taken[ri] || !a.present(r)) continue;
      taken[ri] = 1;
      detail::Move mv;
      mv.r = r;
      const double value = 5e4 + 1e6 * rng.uniform();
      mv.salary = 0.7 * value;
      mv.signing = 0.2 * value * a.contract_years();
      mv.equity = 0.1 * value * a.contract_years();
      mv.paid = rng.uniform() < 0.5 ? mv.signing : 0.3 * mv.signing;
      mv.outreach = rng.uniform() < 0.1 ? 1 : 0;  // a retention's is not recorded
      const std::int32_t from = a.R.employer[ri];
      // A few firms take most moves, so each firm's list sees many.
      const auto pick = [&] {
        const double u = rng.uniform();
        return active[static_cast<std::size_t>(u * u * u * static_cast<double>(active.size()))];
      };
      if (from >= 0 && rng.uniform() < 0.2) {
        mv.to = from;
        mv.kind = EventKind::retention;
        ++retentions;
      } else {
        mv.to = pick();
        if (mv.to == from) continue;
        mv.kind = from >= 0 ? EventKind::poach : EventKind::hire;
        ++(from >= 0 ? poaches : hires);
      }
      moves.push_back(mv);
    }
    ASSERT_GT(poaches, 300u);
    ASSERT_GT(hires, 100u);
    ASSERT_GT(retentions, 100u);
    auto& world_a = detail_world(one);
    auto& world_b = detail_world(batch);
    world_a.log.clear();
    world_b.log.clear();
    detail::testing::apply_moves_one_by_one(a, moves, world_a.ledger, world_a.log);
    {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                static_cast<std::size_t>(threads));
      detail::MoveScratch scratch;
      detail::apply_moves(b, moves, scratch, world_b.ledger, world_b.log);
    }
    const auto same = [](const auto& x, const auto& y, auto... columns) {
      ([&] { EXPECT_EQ(x.*columns, y.*columns); }(), ...);
    };
    same(a.R, b.R, &ResearcherTable::employer, &ResearcherTable::slot, &ResearcherTable::salary,
         &ResearcherTable::signing, &ResearcherTable::equity, &ResearcherTable::hired_step);
    same(a.F, b.F, &FirmTable::employees, &FirmTable::talent, &FirmTable::payroll,
         &FirmTable::progress, &FirmTable::cash, &FirmTable::signing_paid, &FirmTable::star_count,
         &FirmTable::departures, &FirmTable::hires, &FirmTable::offers_accepted);
    for (std::size_t f = 0; f < a.F.size(); ++f) {
      ASSERT_EQ(a.staff[f].size(), b.staff[f].size());
      for (std::size_t j = 0; j < a.staff[f].size(); ++j) {
        EXPECT_EQ(a.staff[f][j].delta, b.staff[f][j].delta);
        EXPECT_EQ(a.staff[f][j].value, b.staff[f][j].value);
      }
    }
    EXPECT_EQ(a.seekers, b.seekers);
    EXPECT_EQ(a.n_employed, b.n_employed);
    // The tracker: its histogram's bytes, then its max-heap entry by entry
    // (value, researcher: 12 bytes of each 16, the rest is padding), then
    // its counts.
    detail::BinaryWriter pay_a, pay_b, tracker_a, tracker_b;
    a.tracker.pay().save(pay_a);
    b.tracker.pay().save(pay_b);
    EXPECT_EQ(pay_a.buffer(), pay_b.buffer());
    a.tracker.save(tracker_a);
    b.tracker.save(tracker_b);
    const auto heap = [&](const std::vector<char>& bytes) {
      std::vector<std::pair<double, std::int32_t>> entries;
      std::size_t at = pay_a.buffer().size();
      std::uint64_t n = 0;
      std::memcpy(&n, bytes.data() + at, sizeof n);
      at += sizeof n;
      for (std::uint64_t k = 0; k < n; ++k, at += 16) {
        std::pair<double, std::int32_t> e;
        std::memcpy(&e.first, bytes.data() + at, sizeof e.first);
        std::memcpy(&e.second, bytes.data() + at + 8, sizeof e.second);
        entries.push_back(e);
      }
      return entries;
    };
    EXPECT_EQ(heap(tracker_a.buffer()), heap(tracker_b.buffer()));
    EXPECT_EQ(a.tracker.employed(), b.tracker.employed());
    EXPECT_EQ(a.tracker.present(), b.tracker.present());
    EXPECT_EQ(world_a.log.events, world_b.log.events);
    EXPECT_EQ(world_a.log.events.size(), moves.size());
    // The neighbour counts' queues agree: applied, every count is the same.
    a.peers.flush(a.net);
    b.peers.flush(b.net);
    for (std::size_t r = 0; r < a.net.vertices(); ++r) {
      for (std::size_t f = 0; f < a.F.size(); ++f) {
        const auto ri = static_cast<std::int32_t>(r);
        const auto fi = static_cast<std::int32_t>(f);
        ASSERT_EQ(a.peers.count(a.net, ri, fi), b.peers.count(b.net, ri, fi)) << r << " " << f;
      }
    }
  }
}
