#include <gtest/gtest.h>

#include <filesystem>

#include "talentsim/errors.hpp"
#include "talentsim/scenario.hpp"

namespace fs = std::filesystem;
using namespace talentsim;

namespace {

const std::string SRC = TALENTSIM_SOURCE_DIR;
const std::string EXAMPLE = SRC + "/scenarios/example_small.toml";

// A minimal valid scenario; tests append or override what they need.
std::string minimal(const std::string& extra = "") {
  return R"(format_version = 1
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
)" + extra;
}

Scenario load(const std::string& text, const std::vector<Override>& o = {}) {
  return load_scenario_text(text, "test.toml", o);
}

}  // namespace

TEST(Scenario, LoadsTheExample) {
  const Scenario s = load_scenario(EXAMPLE);
  EXPECT_EQ(s.name, "example_small");
  EXPECT_EQ(s.run.steps, 52);
  EXPECT_EQ(s.run.seed, 7u);
  ASSERT_EQ(s.fields.size(), 4u);
  EXPECT_EQ(s.countries.size(), 3u);
  EXPECT_EQ(s.named_firms.size(), 3u);
  EXPECT_EQ(s.firms.size(), 3u + 20u + 6u);
  EXPECT_EQ(s.firms[3].name, "Startup 1");
  EXPECT_EQ(s.firms.back().name, "University 6");
  EXPECT_EQ(s.population.count, 2000);
  ASSERT_EQ(s.timeline.size(), 2u);
  EXPECT_EQ(s.timeline[0].step, 20);
}

TEST(Scenario, DefaultsLayerByKindThenFirm) {
  const Scenario s = load_scenario(EXAMPLE);
  const Firm& giant = s.firms[static_cast<std::size_t>(s.firm_index("Giant A"))];
  // defaults.bigtech sets cash and pay_level; defaults.firm sets attention.
  EXPECT_EQ(giant.params.cash, 5.0e10);
  EXPECT_EQ(giant.params.pay_level, 600000.0);
  EXPECT_EQ(giant.params.attention, 20);
  EXPECT_EQ(giant.params.compute, 400000.0);  // its own value
  EXPECT_EQ(giant.params.alpha, 0.5);         // built-in default
  const Firm& lab = s.firms[static_cast<std::size_t>(s.firm_index("Lab B"))];
  EXPECT_EQ(lab.needs[1], 1.5);  // rl_alignment
  EXPECT_EQ(lab.needs[0], 1.0);  // inherited
  const Firm& uni = s.firms[static_cast<std::size_t>(s.firm_index("University 1"))];
  EXPECT_EQ(uni.kind, FirmKind::academia);
  EXPECT_FALSE(uni.params.counter_offers);
  EXPECT_EQ(uni.params.mission, 1.0);
  EXPECT_EQ(uni.params.headcount, 40);
}

TEST(Scenario, RivalsResolveToFirmIndices) {
  const Scenario s = load_scenario(EXAMPLE);
  const Firm& giant = s.firms[static_cast<std::size_t>(s.firm_index("Giant A"))];
  ASSERT_EQ(giant.rivals.size(), 1u);
  EXPECT_EQ(giant.rivals[0], s.firm_index("Lab B"));
}

TEST(Scenario, GroupRivalsExpandToEveryMember) {
  const Scenario s = load(minimal(R"(rivals = ["G"]
[[firm_groups]]
name = "G"
count = 3
country = "CN"
)"));
  EXPECT_EQ(s.firms[0].rivals, (std::vector<std::int32_t>{1, 2, 3}));
}

TEST(Scenario, GroupDrawsAreDeterministicAndDependOnTheSeed) {
  const Scenario a = load_scenario(EXAMPLE);
  const Scenario b = load_scenario(EXAMPLE);
  const Scenario c = load_scenario(EXAMPLE, {{"run.seed", "8"}});
  ASSERT_EQ(a.firms.size(), c.firms.size());
  EXPECT_EQ(a.firms, b.firms);
  bool differs = false;
  for (std::size_t i = 0; i < a.firms.size(); ++i) {
    differs = differs || a.firms[i].params.cash != c.firms[i].params.cash;
  }
  EXPECT_TRUE(differs);
  // Startups draw cash from a lognormal: not all equal.
  const auto idx = static_cast<std::size_t>(a.firm_index("Startup 1"));
  EXPECT_NE(a.firms[idx].params.cash, a.firms[idx + 1].params.cash);
  // Uniform headcount 5..25, rounded.
  for (std::size_t i = idx; i < idx + 20; ++i) {
    EXPECT_GE(a.firms[i].params.headcount, 5);
    EXPECT_LE(a.firms[i].params.headcount, 25);
  }
}

TEST(Scenario, LabelSharesAlignWithCountries) {
  const Scenario s = load_scenario(EXAMPLE);
  EXPECT_EQ(s.population.origin_shares, (std::vector<double>{0.3, 0.5, 0.2}));
  ASSERT_EQ(s.population.origin_at.size(), 3u);
  EXPECT_EQ(s.population.origin_at[0], (std::vector<double>{0.45, 0.4, 0.15}));
  EXPECT_TRUE(s.population.origin_at[2].empty());  // EU: falls back to origin
}

TEST(Scenario, CountryGraduateSkillDefaultsToPopulationSkill) {
  const Scenario s = load_scenario(EXAMPLE);
  EXPECT_EQ(s.countries[0].graduate_skill, s.population.skill);
}

TEST(Overrides, SetANestedNumber) {
  const Scenario s = load_scenario(EXAMPLE, {{"market.taste_noise", "0.3"}});
  EXPECT_EQ(s.market.taste_noise, 0.3);
}

TEST(Overrides, CreateAMissingTable) {
  const Scenario s = load(minimal(), {{"flows.layoff_rate", "0.1"}});
  EXPECT_EQ(s.flows.layoff_rate, 0.1);
}

TEST(Overrides, FirmByNameIncludingQuotedNames) {
  const Scenario s = load_scenario(EXAMPLE, {{"firms.\"Giant A\".cash", "1e6"},
                                             {"firms.Lab B.ai_value", "7e10"},
                                             {"countries.CN.visa_friction", "0.9"}});
  EXPECT_EQ(s.firms[static_cast<std::size_t>(s.firm_index("Giant A"))].params.cash, 1e6);
  EXPECT_EQ(s.firms[static_cast<std::size_t>(s.firm_index("Lab B"))].params.ai_value, 7e10);
  EXPECT_EQ(s.countries[1].visa_friction, 0.9);
}

TEST(Overrides, ByIndexAndBareString) {
  const Scenario s = load_scenario(EXAMPLE, {{"timeline.0.step", "21"}, {"output.path", "x/y.h5"}});
  EXPECT_EQ(s.timeline[0].step, 21);
  EXPECT_EQ(s.output.path, "x/y.h5");
}

TEST(Overrides, GoThroughValidation) {
  try {
    load_scenario(EXAMPLE, {{"market.taste_noise", "-1"}});
    FAIL() << "expected scenario_error";
  } catch (const scenario_error& e) {
    EXPECT_EQ(e.key(), "market.taste_noise");
    EXPECT_NE(std::string(e.what()).find("--set market.taste_noise=-1"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("must be >= 0"), std::string::npos);
  }
}

TEST(Overrides, UnknownKeyIsRejectedWithSuggestion) {
  try {
    load_scenario(EXAMPLE, {{"market.taste_nois", "0.2"}});
    FAIL() << "expected scenario_error";
  } catch (const scenario_error& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'taste_noise'"), std::string::npos);
  }
}

TEST(Overrides, UnknownFirmIsRejectedWithSuggestion) {
  try {
    load_scenario(EXAMPLE, {{"firms.Giant X.cash", "1"}});
    FAIL() << "expected scenario_error";
  } catch (const scenario_error& e) {
    EXPECT_NE(std::string(e.what()).find("no entry named 'Giant X'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("did you mean"), std::string::npos);
  }
}

TEST(Overrides, ParseRejectsMissingEquals) {
  EXPECT_THROW(parse_override("market.taste_noise"), user_error);
  const Override o = parse_override(" run.steps = 10 ");
  EXPECT_EQ(o.path, "run.steps");
  EXPECT_EQ(o.value, "10");
}

TEST(RoundTrip, ResolvedTomlReloadsToTheSameScenario) {
  for (const auto& entry : fs::directory_iterator(SRC + "/scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    SCOPED_TRACE(entry.path().string());
    const Scenario a = load_scenario(entry.path().string());
    const std::string text = to_toml(a);
    const Scenario b = load_scenario_text(text, "resolved.toml");
    EXPECT_TRUE(same_content(a, b));
    // And printing is a fixed point.
    EXPECT_EQ(to_toml(b), text);
  }
}

TEST(RoundTrip, OverridesAreInTheResolvedText) {
  const Scenario a = load_scenario(EXAMPLE, {{"market.taste_noise", "0.25"}});
  const Scenario b = load_scenario_text(to_toml(a), "resolved.toml");
  EXPECT_EQ(b.market.taste_noise, 0.25);
}

TEST(RoundTrip, ADefaultsOverrideOfTheResolvedTextActsAsOnTheOriginal) {
  // Sweeps apply their points to the resolved base (DIR/base.toml): an
  // override of a defaults key must reach every firm that inherits it.
  const std::pair<const char*, const char*> cases[] = {{"defaults.firm.exit_talent_share", "0.42"},
                                                       {"defaults.startup.mission", "0.42"},
                                                       {"defaults.firm.attention", "7"}};
  for (const auto& [key, value] : cases) {
    SCOPED_TRACE(key);
    const std::vector<Override> o = {{key, value}};
    const Scenario original = load_scenario(EXAMPLE, o);
    const Scenario resolved =
        load_scenario_text(to_toml(load_scenario(EXAMPLE), TomlForm::layered), "resolved.toml", o);
    ASSERT_EQ(original.firms.size(), resolved.firms.size());
    for (std::size_t f = 0; f < original.firms.size(); ++f) {
      EXPECT_EQ(original.firms[f].params, resolved.firms[f].params) << original.firms[f].name;
    }
  }
}

TEST(Scenarios, EveryShippedScenarioValidates) {
  int count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(SRC + "/scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    // scenarios/calibration/ holds calibration files (docs/uncertainty.md),
    // which the Python tests load.
    if (entry.path().parent_path().filename() == "calibration") continue;
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW(load_scenario(entry.path().string()));
    ++count;
  }
  EXPECT_GE(count, 2);
}

TEST(Scenarios, EmbeddedScenariosValidateAndDefaultIsTheStory) {
  EXPECT_EQ(default_scenario().name, "meta_superintelligence_2025");
  for (const EmbeddedScenario& e : embedded_scenarios()) {
    SCOPED_TRACE(std::string(e.name));
    EXPECT_NO_THROW(load_scenario_text(e.text, std::string(e.name)));
  }
}

TEST(Scenario, TimelineIsSortedByStepStably) {
  const Scenario s = load(minimal(R"(
[[timeline]]
step = 5
label = "second"
firm = "F"
set = { cash = 1.0 }
[[timeline]]
step = 2
label = "first"
country = "CN"
scale = { retention_subsidy = 2.0 }
[[timeline]]
step = 5
label = "third"
firm = "F"
add = { cash = 2.0 }
set = { counter_offers = false }
)"));
  ASSERT_EQ(s.timeline.size(), 3u);
  EXPECT_EQ(s.timeline[0].label, "first");
  EXPECT_EQ(s.timeline[1].label, "second");
  EXPECT_EQ(s.timeline[2].label, "third");
  EXPECT_EQ(s.timeline[0].country, 1);
  EXPECT_EQ(s.timeline[2].changes.size(), 2u);
}

TEST(Scenario, PinnedCountTowardTheirFirm) {
  const Scenario s = load(minimal(R"(
[[pinned]]
label = "core"
firm = "F"
field = "b"
origin = "CN"
skill = 20.0
count = 3
annual_value = 2.0e6
)"));
  ASSERT_EQ(s.pinned.size(), 1u);
  EXPECT_EQ(s.pinned[0].firm, 0);
  EXPECT_EQ(s.pinned[0].field, 1);
  EXPECT_EQ(s.pinned[0].origin, 1);
  EXPECT_EQ(*s.pinned[0].annual_value, 2.0e6);
  EXPECT_FALSE(s.pinned[0].w_money.has_value());
}
