// One case per kind of scenario mistake: the error must name the key path,
// the line (and the file), and say what is wrong.

#include <gtest/gtest.h>

#include "talentsim/errors.hpp"
#include "talentsim/scenario.hpp"

using namespace talentsim;

namespace {

// Line numbers in the cases below count from this header (15 lines).
const std::string HEAD = R"(format_version = 1
name = "mini"
fields = ["a", "b"]
[[countries]]
name = "US"
[[countries]]
name = "CN"
[population]
count = 100
origin = { dist = "categorical", shares = { US = 0.5, CN = 0.5 } }
[[firms]]
name = "F"
country = "US"
headcount = 10
mission = 0.0
)";

struct Case {
  const char* what;
  std::string text;      // appended to HEAD unless `whole`
  bool whole;            // text is the whole file
  std::uint32_t line;    // expected line (0: not checked)
  std::string key;       // expected key path
  std::string fragment;  // expected in the message
};

std::vector<Case> cases() {
  return {
      {"syntax", "x = [1, 2", false, 16, "", "TOML syntax error"},
      {"unknown top-level key", "fieldz = 1\n" + HEAD, true, 1, "fieldz", "did you mean 'fields'"},
      {"unknown firm key", "atention = 3", false, 16, "firms.F.atention",
       "did you mean 'attention'"},
      {"wrong type", "[market]\ntaste_noise = \"high\"", false, 17, "market.taste_noise",
       "expected a number, got a string"},
      {"not an integer", "[run]\nsteps = 10.5", false, 17, "run.steps", "expected an integer"},
      {"negative count", "[run]\nsteps = -3", false, 17, "run.steps", "must be [1, 1e+06]"},
      {"share outside [0,1]", "referral_share = 1.5", false, 16, "firms.F.referral_share",
       "must be [0, 1]"},
      {"alpha outside (0,1)", "alpha = 1.0", false, 16, "firms.F.alpha", "must be (0, 1)"},
      {"sigma not positive", "cash = { dist = \"lognormal\", mu = 1.0, sigma = 0.0 }", false, 16,
       "firms.F.cash.sigma", "must be > 0"},
      {"distribution below range", "cash = { dist = \"normal\", mean = 1.0, sd = 5.0 }", false, 16,
       "firms.F.cash", "clamp it with min/max"},
      {"shares do not sum to 1",
       "[flows]\n[population.preferences]\nw_money = 1.0\n[network]\n[[firm_groups]]\nname = "
       "\"G\"\ncount = 2\ncountry = { dist = \"categorical\", shares = { US = 0.5, CN = 0.6 } }",
       false, 23, "firm_groups.G.country.shares", "must sum to 1"},
      {"unknown distribution", "cash = { dist = \"gamma\", k = 1 }", false, 16, "firms.F.cash.dist",
       "unknown distribution 'gamma'"},
      {"parameter of another family", "cash = { dist = \"lognormal\", mu = 1.0, sd = 1.0 }", false,
       16, "firms.F.cash.sd", "does not apply to a lognormal"},
      {"unknown country", "[[firms]]\nname = \"G\"\ncountry = \"UK\"", false, 18, "firms.G.country",
       "unknown country 'UK'"},
      {"unknown field", "needs = { c = 1.0 }", false, 16, "firms.F.needs.c", "unknown field 'c'"},
      {"unknown rival", "[[firms]]\nname = \"G\"\ncountry = \"US\"\nrivals = [\"Fx\"]", false, 19,
       "firms.G.rivals", "unknown firm or group 'Fx' (did you mean 'F'?)"},
      {"duplicate firm", "[[firms]]\nname = \"F\"\ncountry = \"US\"", false, 17, "firms.1.name",
       "duplicate firm or group name 'F'"},
      {"timeline step outside run", "[[timeline]]\nstep = 500\nfirm = \"F\"\nset = { cash = 1.0 }",
       false, 17, "timeline.0.step", "outside the run"},
      {"timeline unknown firm", "[[timeline]]\nstep = 5\nfirm = \"G\"\nset = { cash = 1.0 }", false,
       18, "timeline.0.firm", "unknown firm 'G'"},
      {"timeline unknown parameter", "[[timeline]]\nstep = 5\nfirm = \"F\"\nset = { cahs = 1.0 }",
       false, 19, "timeline.0.set.cahs", "did you mean 'cash'"},
      {"pinned unknown firm",
       "[[pinned]]\nlabel = \"x\"\nfirm = \"Q\"\nfield = \"a\"\norigin = \"US\"\nskill = 2.0",
       false, 18, "pinned.x.firm", "unknown firm 'Q'"},
      {"headcount exceeds population", "[[firms]]\nname = \"G\"\ncountry = \"US\"\nheadcount = 95",
       false, 9, "population.count", "plus pinned job seekers (0) exceed population.count (100)"},
      {"nan", "cash = nan", false, 16, "firms.F.cash", "finite"},
      {"signing plus equity above 1", "signing_share = 0.6\nequity_share = 0.6", false, 17,
       "firms.F.equity_share", "signing_share + equity_share must be <= 1, got up to 1.2"},
      {"pinned exceed headcount",
       "[[pinned]]\nlabel = \"x\"\nfirm = \"F\"\nfield = \"a\"\norigin = \"US\"\nskill = 2.0\n"
       "count = 11",
       false, 22, "pinned.x.count", "11 pinned researchers at 'F' exceed its headcount 10"},
      {"pinned skill and quantile",
       "[[pinned]]\nlabel = \"x\"\nfirm = \"F\"\nfield = \"a\"\norigin = \"US\"\nskill = 2.0\n"
       "skill_quantile = 0.9",
       false, 22, "pinned.x.skill_quantile", "give exactly one of skill and skill_quantile"},
      {"pinned quantile of one",
       "[[pinned]]\nlabel = \"x\"\nfirm = \"F\"\nfield = \"a\"\norigin = \"US\"\n"
       "skill_quantile = 1.0",
       false, 21, "pinned.x.skill_quantile", "must be below 1"},
      {"impossible date", "[run]\nstart_date = \"2025-02-29\"", false, 17, "run.start_date",
       "expected an ISO date"},
      {"own rival", "rivals = [\"F\"]", false, 16, "firms.F.rivals", "cannot be its own rival"},
  };
}

}  // namespace

TEST(ScenarioErrors, EachMistakeNamesKeyLineAndProblem) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.what);
    const std::string text = c.whole ? c.text : HEAD + c.text + "\n";
    try {
      load_scenario_text(text, "case.toml");
      ADD_FAILURE() << "no error for: " << c.what;
    } catch (const scenario_error& e) {
      const std::string what = e.what();
      EXPECT_EQ(e.file(), "case.toml");
      if (c.line != 0) {
        EXPECT_EQ(e.line(), c.line) << what;
      }
      EXPECT_EQ(e.key(), c.key) << what;
      EXPECT_NE(what.find(c.fragment), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
      if (c.line != 0) {
        EXPECT_EQ(what.rfind("case.toml:" + std::to_string(c.line) + ":", 0), 0u) << what;
      }
    }
  }
}

TEST(ScenarioErrors, FutureFormatVersion) {
  try {
    load_scenario_text("format_version = 2\nfuture_key = 1\n", "v2.toml");
    FAIL();
  } catch (const scenario_error& e) {
    EXPECT_EQ(e.line(), 1u);
    EXPECT_EQ(e.key(), "format_version");
    EXPECT_NE(std::string(e.what()).find("format_version 2 is not supported"), std::string::npos);
  }
}

TEST(ScenarioErrors, MissingRequiredKey) {
  try {
    load_scenario_text("format_version = 1\nname = \"x\"\nfields = [\"a\"]\n", "m.toml");
    FAIL();
  } catch (const scenario_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing required"), std::string::npos) << e.what();
    EXPECT_EQ(e.key(), "countries");
  }
}

TEST(ScenarioErrors, MissingFile) {
  try {
    load_scenario("/nonexistent/dir/scenario.toml");
    FAIL();
  } catch (const scenario_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos);
  }
}

TEST(ScenarioErrors, NonUtf8IsASyntaxError) {
  EXPECT_THROW(load_scenario_text(HEAD + "description = \"\xff\xfe\"\n", "u.toml"), scenario_error);
}

TEST(ScenarioErrors, ErrorsAreUserErrors) {
  EXPECT_THROW(load_scenario_text("x", "u.toml"), user_error);
}
