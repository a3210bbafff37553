#pragma once
//! A scenario: everything a run needs, loaded from TOML, fully validated and
//! immutable. See docs/scenarios.md for every key.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "talentsim/distribution.hpp"
#include "talentsim/version.hpp"

namespace talentsim {

//! Weeks per year: one step is one week.
inline constexpr int STEPS_PER_YEAR = 52;

enum class FirmKind : std::uint8_t { bigtech, lab, startup, academia, state };
inline constexpr std::size_t FIRM_KIND_COUNT = 5;
std::string_view to_string(FirmKind kind) noexcept;

enum class Protocol : std::uint8_t { auction, posted_wage };
std::string_view to_string(Protocol protocol) noexcept;

enum class NetworkSource : std::uint8_t { generated, edge_list };
std::string_view to_string(NetworkSource source) noexcept;

struct RunSettings {
  std::int64_t steps = 0;  //!< number of weekly steps simulated
  std::uint64_t seed = 0;  //!< master seed of every random stream
  std::string start_date;  //!< ISO date of week 0 (label only), may be empty
  bool operator==(const RunSettings&) const = default;
};

struct OutputSettings {
  std::string path;                 //!< default output file (`run -o` overrides)
  std::int64_t snapshot_every = 0;  //!< steps between researcher snapshots
  std::int64_t compression = 0;     //!< gzip level 0..9
  bool network = true;              //!< write the initial network edge list
  bool operator==(const OutputSettings&) const = default;
};

struct Country {
  std::string name;
  double visa_friction = 0;          //!< utility cost for a non-national working here
  double retention_subsidy = 0;      //!< USD/yr paid to nationals working at home
  double home_pull = 0;              //!< utility of working at home, added to w_home
  double graduates_per_year = 0;     //!< new researchers of this origin per year
  Distribution graduate_skill;       //!< skill of this country's graduates
  std::vector<double> study_shares;  //!< where its researchers studied, per country; empty = home
  bool operator==(const Country&) const = default;
};

//! Numeric firm parameters as realised numbers (one firm).
struct FirmParams {
  double cash = 0;                      //!< USD
  double income = 0;                    //!< USD/yr available for AI
  double comp_budget_share = 0;         //!< of income + cash/runway_years
  double min_cash_reserve = 0;          //!< USD
  double runway_years = 0;              //!< years
  double compute = 0;                   //!< GPU-equivalents
  double capex = 0;                     //!< USD/yr on new compute
  double gpu_cost = 0;                  //!< USD per GPU-equivalent
  double compute_depreciation = 0;      //!< fraction per year
  double opex_per_gpu = 0;              //!< USD/yr per GPU-equivalent
  double tfp = 0;                       //!< total factor productivity A
  double alpha = 0;                     //!< talent elasticity, 0 < alpha < 1
  double ai_value = 0;                  //!< USD/yr the firm believes its AI output is worth
  double referral_share = 0;            //!< share of scouting through the network
  double bid_markup = 0;                //!< first-offer premium over the minimum
  double signing_share = 0;             //!< share of a package paid as signing bonus
  double equity_share = 0;              //!< share of a package paid in equity
  double equity_haircut = 0;            //!< researchers' discount on this firm's equity
  double denial_weight = 0;             //!< gamma: value of a rival's loss
  double exit_talent_share = 0;         //!< startup folds below this share of its peak talent
  double headcount_plan = 0;            //!< planned headcount / headcount at entry; 0 = no plan
  double plan_growth = 0;               //!< growth of the planned headcount, per year
  double plan_seats = 0;                //!< seats planned on top (an entrant's new lab)
  double raise_below_years = 0;         //!< raises a round below this runway (years); 0 = never
  double round_years = 0;               //!< a round's size, in years of the firm's burn
  double raise_talent_share = 0;        //!< a round needs this share of the peak talent
  double attrition = 0;                 //!< employees' hazard of leaving the market, 1/yr
  double mission = 0;                   //!< non-pecuniary attractiveness (utility)
  double skill_scale = 1;               //!< multiplier of initial employees' skill draws
  double pay_level = 0;                 //!< USD/yr initial annual value at skill 1
  std::int64_t attention = 0;           //!< candidates scouted per step
  std::int64_t outreach = 0;            //!< personal outreach offers per step
  std::int64_t headcount = 0;           //!< researchers employed at step 0
  std::int64_t enter_step = 0;          //!< first step the firm is active
  std::int64_t max_hires_per_step = 0;  //!< 0 = unlimited
  bool counter_offers = true;           //!< makes retention counter-offers
  bool operator==(const FirmParams&) const = default;
};

//! A firm parameter layer as written: every numeric parameter may be random.
//! Named firms, firm groups and the defaults tables are all FirmSpecs.
struct FirmSpec {
  FirmKind kind = FirmKind::startup;
  std::vector<double> country_shares;  //!< share per country; empty = not set yet
  std::vector<Distribution> reals;     //!< indexed like firm_real_params()
  std::vector<Distribution> ints;      //!< indexed like firm_int_params()
  bool counter_offers = true;
  std::vector<double> needs;        //!< weight per field
  std::vector<std::string> rivals;  //!< firm or group names
  bool operator==(const FirmSpec&) const = default;
};

//! A realised firm of the initial firm table.
struct Firm {
  std::string name;
  std::string group;  //!< generating group, empty for a named firm
  FirmKind kind = FirmKind::startup;
  std::int32_t country = 0;
  FirmParams params;
  std::vector<double> needs;         //!< weight per field
  std::vector<std::int32_t> rivals;  //!< firm indices
  bool operator==(const Firm&) const = default;
};

struct NamedFirm {
  std::string name;
  FirmSpec spec;
  bool operator==(const NamedFirm&) const = default;
};

struct FirmGroup {
  std::string name;  //!< firms are named "<name> 1", "<name> 2", ...
  std::int64_t count = 0;
  FirmSpec spec;
  bool operator==(const FirmGroup&) const = default;
};

struct Preferences {
  Distribution w_money, w_compute, w_mission, w_peers, w_home;
  Distribution switch_cost;  //!< utility a move must beat staying by
  bool operator==(const Preferences&) const = default;
};

struct Population {
  std::int64_t count = 0;             //!< researchers at step 0
  Distribution skill;                 //!< s > 0
  std::vector<double> field_shares;   //!< per field
  std::vector<double> origin_shares;  //!< per country (job seekers, default)
  //! Origin mix of employees by the country of their firm; empty vector where
  //! the scenario gives none (origin_shares applies).
  std::vector<std::vector<double>> origin_at;
  Preferences preferences;
  Distribution reservation;                 //!< USD/yr outside option
  double pay_skill_elasticity = 1;          //!< initial pay = pay_level * skill^e
  double reservation_skill_elasticity = 0;  //!< reservation = draw * skill^e
  bool study_where_working = false;         //!< week-0 employees studied where they work
  bool operator==(const Population&) const = default;
};

//! Researchers placed by hand (e.g. a core team), labelled by role.
struct PinnedResearcher {
  std::string label;
  std::int32_t firm = -1;  //!< -1 = job seeker
  std::int32_t field = 0;
  std::int32_t origin = 0;
  std::optional<double> skill;           //!< a value, or
  std::optional<double> skill_quantile;  //!< a draw from population.skill above this quantile
  std::int64_t count = 1;                //!< identical copies "label #k" when > 1
  std::optional<double> annual_value;    //!< USD/yr, else the firm's pay rule
  std::int64_t extra_ties = 0;           //!< random cross-firm ties added
  std::optional<double> w_money, w_compute, w_mission, w_peers, w_home, switch_cost;
  bool operator==(const PinnedResearcher&) const = default;
};

struct NetworkSpec {
  NetworkSource source = NetworkSource::generated;
  std::string edge_list;       //!< path (resolved against the scenario's folder)
  Distribution team_size;      //!< researchers per team inside a firm
  double team_density = 1;     //!< probability of each within-team tie
  double cross_firm_ties = 0;  //!< mean random ties per researcher to other firms
  bool operator==(const NetworkSpec&) const = default;
};

struct PostedWageParams {
  double offer_rate_employed = 0;  //!< lambda1 per step
  double offer_rate_seeker = 0;    //!< lambda0 per step
  double separation_rate = 0;      //!< delta per step
  Distribution wage;               //!< F, USD/yr
  bool operator==(const PostedWageParams&) const = default;
};

struct MarketParams {
  Protocol protocol = Protocol::auction;
  std::int64_t auction_rounds = 4;
  double bid_increment = 0.05;     //!< fraction over the offer to beat
  double bid_increment_usd = 0;    //!< USD/yr floor of each raise
  double taste_noise = 0;          //!< Gumbel scale of epsilon
  double contract_years = 4;       //!< H
  double knowledge_loss = 0;       //!< progress lost per departing share of talent
  double outreach_bonus = 0;       //!< utility of personal outreach
  double talent_floor = 1;         //!< T floor for the reference output
  double visibility_exponent = 1;  //!< scouting weight skill^x
  double applications = 0;         //!< applications per job seeker per step (to open seats)
  double application_noise = 1;    //!< utility scale of where seekers apply
  double study_pull = 0;           //!< utility of applying where one studied
  bool budgets = true;             //!< hard comp and cash budgets
  PostedWageParams posted_wage;
  bool operator==(const MarketParams&) const = default;
};

struct FlowParams {
  double retirement_rate = 0;  //!< per year
  double layoff_rate = 0;      //!< per year
  double outside_rate = 0;     //!< per year: job seekers taking a job outside the market
  bool operator==(const FlowParams&) const = default;
};

struct FounderParams {
  double min_skill = 0;
  double rate_per_year = 0;      //!< hazard per year, times w_mission
  double funding_per_skill = 0;  //!< USD of venture cash per unit of skill
  double vc_pool_per_year = 0;   //!< USD/yr of venture cash available
  std::int64_t max_new_firms = 0;
  bool operator==(const FounderParams&) const = default;
};

enum class EventOp : std::uint8_t { set, add, scale };
std::string_view to_string(EventOp op) noexcept;

struct ParamChange {
  EventOp op = EventOp::set;
  std::string param;  //!< a firm or country parameter name
  double value = 0;
  bool operator==(const ParamChange&) const = default;
};

struct TimelineEvent {
  std::int64_t step = 0;
  std::string label;
  std::int32_t firm = -1;     //!< target firm, or -1
  std::int32_t country = -1;  //!< target country, or -1
  std::vector<ParamChange> changes;
  bool operator==(const TimelineEvent&) const = default;
};

//! Firm parameter defaults as layers: `defaults.firm` then `defaults.<kind>`.
struct FirmDefaults {
  FirmSpec base;                  //!< built-in defaults + defaults.firm
  std::vector<FirmSpec> by_kind;  //!< base + defaults.<kind>, per FirmKind
  bool operator==(const FirmDefaults&) const = default;
};

struct Scenario {
  std::string source;  //!< file the scenario came from ("<embedded:...>" for built-ins)
  std::string name;
  std::string description;
  RunSettings run;
  OutputSettings output;
  std::vector<std::string> fields;
  std::vector<Country> countries;
  FirmDefaults defaults;
  std::vector<NamedFirm> named_firms;
  std::vector<FirmGroup> firm_groups;
  std::vector<Firm> firms;  //!< named firms, then each group's firms, realised
  Population population;
  std::vector<PinnedResearcher> pinned;
  NetworkSpec network;
  MarketParams market;
  FlowParams flows;
  FounderParams founders;
  std::vector<TimelineEvent> timeline;  //!< sorted by step, stable
  //! What the loader wants the user to know without it being an error (for
  //! example timeline events that a shortened run leaves out); not content.
  std::vector<std::string> notes;

  std::int32_t country_index(std::string_view name) const noexcept;  //!< -1 if absent
  std::int32_t firm_index(std::string_view name) const noexcept;     //!< -1 if absent
  std::int32_t field_index(std::string_view name) const noexcept;    //!< -1 if absent
  //! Total researchers placed in firms at step 0.
  std::int64_t initial_employed() const noexcept;
};

//! Equality ignoring `source` (used to check round trips).
bool same_content(const Scenario& a, const Scenario& b);

//! One `--set key.path=value` override.
struct Override {
  std::string path;
  std::string value;
};
//! Parses "key.path=value"; throws user_error when there is no '='.
Override parse_override(std::string_view text);
//! An override that sets `path` to the string `value` (quoted for TOML).
Override string_override(std::string path, std::string_view value);

//! Loads, applies overrides, validates and resolves a scenario file. Throws
//! scenario_error (a user_error) on any mistake.
Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides = {});
//! The same from TOML text; `source` names it in messages; relative paths in
//! it resolve against `base_dir`.
Scenario load_scenario_text(std::string_view text, const std::string& source,
                            const std::vector<Override>& overrides = {},
                            const std::string& base_dir = ".");

//! How to_toml() writes the firm parameter layers.
enum class TomlForm {
  full,     //!< every key of every firm, group and kind explicit (output files, --print)
  layered,  //!< firms, groups and defaults.<kind> list only what differs from the layer
            //!< they inherit, so an override of a defaults key later reaches every firm
            //!< that inherits it (a sweep's DIR/base.toml, to which points apply)
};
//! The resolved scenario as TOML; it reloads to the same Scenario without
//! any defaults file. Stored in every output file (TomlForm::full).
std::string to_toml(const Scenario& scenario, TomlForm form = TomlForm::full);

//! Names and TOML text of the scenarios compiled into the binary.
struct EmbeddedScenario {
  std::string_view name;
  std::string_view text;
};
const std::vector<EmbeddedScenario>& embedded_scenarios();
//! The scenario `run` uses when none is given.
const EmbeddedScenario& default_scenario();

//! Names of the real- and integer-valued firm parameters, in FirmSpec order.
const std::vector<std::string_view>& firm_real_params();
const std::vector<std::string_view>& firm_int_params();

}  // namespace talentsim
