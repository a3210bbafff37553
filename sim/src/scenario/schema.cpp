#include "scenario/schema.hpp"
#include "talentsim/version.hpp"

#include <cmath>
#include <cstdio>

namespace talentsim::detail {
namespace {

constexpr double INF = std::numeric_limits<double>::infinity();

constexpr Range any() {
  return {};
}
constexpr Range ge(double lo) {
  return {lo, INF, false, false};
}
constexpr Range gt(double lo) {
  return {lo, INF, true, false};
}
constexpr Range closed(double lo, double hi) {
  return {lo, hi, false, false};
}
constexpr Range open(double lo, double hi) {
  return {lo, hi, true, true};
}

constexpr bool REQ = true;
constexpr bool OPT = false;

using enum KeyType;

// Money units are USD; rates are per year unless stated. Ranges are checked
// by the loader; cross-key rules (shares summing to 1, references) live in
// the loader and are described in docs/scenarios.md.
std::vector<KeySpec> make_schema() {
  return {
      // ---- top level ----------------------------------------------------
      {"", "format_version", integer, "", "", REQ,
       closed(SCENARIO_FORMAT_VERSION, SCENARIO_FORMAT_VERSION), "",
       "Scenario format version; this build reads 1."},
      {"", "name", string, "", "", REQ, any(), "letters, digits, `_`, `-`, `.`",
       "Short identifier, used for default output names."},
      {"", "description", string, "", "\"\"", OPT, any(), "", "Free text."},
      {"", "fields", string_list, "", "", REQ, any(), "unique names",
       "Research fields (e.g. multimodal, rl_alignment); order defines field indices."},
      {"", "run", table, "", "", OPT, any(), "", "Run settings."},
      {"", "output", table, "", "", OPT, any(), "", "Output settings."},
      {"", "countries", tables, "", "", REQ, any(), "", "Countries and their policies."},
      {"", "defaults", table, "", "", OPT, any(), "",
       "Firm parameter defaults: `defaults.firm` for all firms, `defaults.<kind>` per kind."},
      {"", "firms", tables, "", "", OPT, any(), "", "Named firms."},
      {"", "firm_groups", tables, "", "", OPT, any(), "", "Generated groups of firms."},
      {"", "population", table, "", "", REQ, any(), "", "Researcher population generator."},
      {"", "pinned", tables, "", "", OPT, any(), "", "Researchers placed by hand."},
      {"", "network", table, "", "", OPT, any(), "", "Collaboration network."},
      {"", "market", table, "", "", OPT, any(), "", "Market mechanism."},
      {"", "flows", table, "", "", OPT, any(), "", "Retirements and layoffs."},
      {"", "founders", table, "", "", OPT, any(), "", "Spin-outs."},
      {"", "timeline", tables, "", "", OPT, any(), "",
       "Events that change firm or country parameters at a step."},

      // ---- run ------------------------------------------------------------
      {"run", "steps", integer, "weeks", "104", OPT, closed(1, 1e6), "",
       "Number of weekly steps to simulate."},
      {"run", "seed", integer, "", "1", OPT, ge(0), "", "Master seed of every random stream."},
      {"run", "start_date", string, "", "\"\"", OPT, any(), "ISO date `YYYY-MM-DD` or empty",
       "Calendar date of week 0 (a label for plots)."},

      // ---- output ---------------------------------------------------------
      {"output", "path", string, "", "\"\"", OPT, any(), "",
       "Output file; empty means `runs/<name>.h5`. `run -o` overrides it."},
      {"output", "snapshot_every", integer, "weeks", "13", OPT, closed(1, 1e6), "",
       "Steps between snapshots of every researcher's employer and pay."},
      {"output", "compression", integer, "", "4", OPT, closed(0, 9), "", "gzip level."},
      {"output", "network", boolean, "", "true", OPT, any(), "",
       "Write the initial collaboration network."},

      // ---- countries[] ----------------------------------------------------
      {"countries[]", "name", string, "", "", REQ, any(), "unique", "Country name."},
      {"countries[]", "visa_friction", real, "utility", "0.0", OPT, ge(0), "",
       "Utility cost for a non-national to work here."},
      {"countries[]", "retention_subsidy", real, "USD/yr", "0.0", OPT, ge(0), "",
       "Paid to nationals who work at home."},
      {"countries[]", "home_pull", real, "utility", "0.0", OPT, closed(-5, 5), "",
       "Added to `w_home` for researchers of this origin when they work (or apply) at home: "
       "home bias by origin. Fixed for the run."},
      {"countries[]", "graduates_per_year", real, "researchers/yr", "0.0", OPT, ge(0), "",
       "New researchers of this origin entering as job seekers (Poisson per step)."},
      {"countries[]", "graduate_skill", dist, "", "", OPT, gt(0), "",
       "Skill of this country's graduates; default `population.skill`."},
      {"countries[]", "study_at", label_dist, "", "", OPT, any(), "categorical over countries",
       "Where researchers of this origin did their graduate studies; job seekers apply with "
       "`market.study_pull` toward it. Default: the origin itself."},

      // ---- defaults -------------------------------------------------------
      {"defaults", "firm", table, "", "", OPT, any(), "", "Defaults for every firm."},
      {"defaults", "bigtech", table, "", "", OPT, any(), "", "Defaults for kind bigtech."},
      {"defaults", "lab", table, "", "", OPT, any(), "", "Defaults for kind lab."},
      {"defaults", "startup", table, "", "", OPT, any(), "",
       "Defaults for kind startup (also the template of spin-outs)."},
      {"defaults", "academia", table, "", "", OPT, any(), "", "Defaults for kind academia."},
      {"defaults", "state", table, "", "", OPT, any(), "", "Defaults for kind state."},

      // ---- firm parameters (defaults.*, firms[], firm_groups[]) -----------
      {"firm", "kind", string, "", "\"startup\"", OPT, any(),
       "bigtech, lab, startup, academia, state", "Kind of firm; academia and state never fail."},
      {"firm", "country", label_dist, "", "", OPT, any(), "a country name",
       "Where the firm is; a categorical distribution draws it for each firm."},
      {"firm", "cash", dist, "USD", "1.0e9", OPT, ge(0), "", "Cash at step 0."},
      {"firm", "income", dist, "USD/yr", "0.0", OPT, ge(0), "", "Income available for AI."},
      {"firm", "comp_budget_share", dist, "", "0.5", OPT, closed(0, 1), "",
       "Share of `income + cash/runway_years` that may go to total compensation."},
      {"firm", "min_cash_reserve", dist, "USD", "0.0", OPT, ge(0), "",
       "Cash that signing bonuses may not touch."},
      {"firm", "runway_years", dist, "years", "3.0", OPT, gt(0), "",
       "Years over which cash is spread in the comp budget."},
      {"firm", "compute", dist, "GPU", "1000.0", OPT, ge(0), "", "GPU-equivalents at step 0."},
      {"firm", "capex", dist, "USD/yr", "0.0", OPT, ge(0), "", "Spending on new compute."},
      {"firm", "gpu_cost", dist, "USD/GPU", "30000.0", OPT, gt(0), "",
       "Price of one GPU-equivalent."},
      {"firm", "compute_depreciation", dist, "1/yr", "0.2", OPT, closed(0, 1), "",
       "Share of compute lost per year."},
      {"firm", "opex_per_gpu", dist, "USD/yr/GPU", "2000.0", OPT, ge(0), "",
       "Running cost of compute."},
      {"firm", "tfp", dist, "", "1.0", OPT, gt(0), "", "Total factor productivity A."},
      {"firm", "alpha", dist, "", "0.5", OPT, open(0, 1), "",
       "Talent elasticity of output, 0 < alpha < 1."},
      {"firm", "ai_value", dist, "USD/yr", "1.0e8", OPT, ge(0), "",
       "What the firm believes its AI output at step 0 is worth a year."},
      {"firm", "referral_share", dist, "", "0.3", OPT, closed(0, 1), "",
       "Share of scouting through the collaboration network."},
      {"firm", "bid_markup", dist, "", "0.05", OPT, ge(0), "",
       "First-offer premium over the minimum that moves a candidate."},
      {"firm", "signing_share", dist, "", "0.1", OPT, closed(0, 1), "",
       "Share of a package's annual value paid as signing bonus."},
      {"firm", "equity_share", dist, "", "0.3", OPT, closed(0, 1), "",
       "Share paid in equity; `signing_share + equity_share <= 1`."},
      {"firm", "equity_haircut", dist, "", "0.2", OPT, closed(0, 1), "",
       "How much researchers discount this firm's equity."},
      {"firm", "denial_weight", dist, "", "0.0", OPT, ge(0), "",
       "gamma: value of a rival's loss relative to its own gain."},
      {"firm", "exit_talent_share", dist, "", "0.0", OPT, closed(0, 1), "",
       "A startup whose talent falls below this share of its peak folds (acquired or "
       "bankrupt, like a firm out of cash); 0 = only running out of cash or losing every "
       "employee ends a startup."},
      {"firm", "headcount_plan", dist, "", "0.0", OPT, closed(0, 1e3), "",
       "Headcount the firm plans, as a multiple of its headcount when it entered (1 = keep it); "
       "it hires only into open seats. 0 (and no plan_seats) = no plan: only money limits hiring."},
      {"firm", "plan_growth", dist, "1/yr", "0.0", OPT, closed(-1, 10), "",
       "Growth of the planned headcount per year (compounded from entry)."},
      {"firm", "plan_seats", dist, "researchers", "0.0", OPT, closed(0, 1e8), "",
       "Seats planned on top of headcount_plan (rounded), e.g. a new lab's; > 0 turns the plan "
       "on."},
      {"firm", "raise_below_years", dist, "yr", "0.0", OPT, closed(0, 100), "",
       "The firm raises a funding round from the venture pool when its cash covers less than "
       "this many years of its burn; 0 = never raises."},
      {"firm", "round_years", dist, "yr", "2.0", OPT, closed(0, 100), "",
       "Size of a funding round, in years of the firm's burn."},
      {"firm", "raise_talent_share", dist, "", "0.5", OPT, closed(0, 1), "",
       "A round needs talent at least this share of the firm's peak talent (investors back a "
       "team, not a shell)."},
      {"firm", "attrition", dist, "1/yr", "0.0", OPT, closed(0, 1), "",
       "Hazard that an employee leaves the market from this firm (moves out of research or "
       "out of the tier), on top of flows.retirement_rate; a `retirement` event."},
      {"firm", "mission", dist, "utility", "0.0", OPT, any(), "", "Non-pecuniary attractiveness."},
      {"firm", "skill_scale", dist, "", "1.0", OPT, gt(0), "",
       "Multiplies the population's skill draws for this firm's initial employees."},
      {"firm", "pay_level", dist, "USD/yr", "300000.0", OPT, gt(0), "",
       "Initial annual value of a researcher of skill 1 (scaled by skill^elasticity)."},
      {"firm", "attention", dist, "researchers/step", "10", OPT, closed(0, 1e6), "",
       "Candidates scouted per step."},
      {"firm", "outreach", dist, "offers/step", "0", OPT, closed(0, 1e6), "",
       "Offers per step that carry personal outreach."},
      {"firm", "headcount", dist, "researchers", "0", OPT, closed(0, 1e8), "",
       "Researchers employed at step 0 (pinned researchers count toward it)."},
      {"firm", "enter_step", dist, "step", "0", OPT, ge(0), "",
       "First step at which the firm is active (a later entrant)."},
      {"firm", "max_hires_per_step", dist, "researchers", "0", OPT, closed(0, 1e8), "",
       "Most hires per step; 0 = unlimited (1 gives unit demand)."},
      {"firm", "counter_offers", boolean, "", "true", OPT, any(), "",
       "Whether it raises an employee's package to match an outside offer."},
      {"firm", "needs", table, "", "", OPT, any(), "field = weight >= 0",
       "Weight of each field in effective talent; unlisted fields keep the inherited weight "
       "(1.0 by default)."},
      {"firm", "rivals", string_list, "", "[]", OPT, any(), "firm or group names",
       "Firms whose losses it values (rival denial)."},

      // ---- firms[] / firm_groups[] ---------------------------------------
      {"firms[]", "name", string, "", "", REQ, any(), "unique", "Firm name."},
      {"firm_groups[]", "name", string, "", "", REQ, any(), "unique",
       "Group name; its firms are named `<name> 1`, `<name> 2`, ..."},
      {"firm_groups[]", "count", integer, "firms", "", REQ, closed(1, 1e7), "",
       "Number of firms generated."},

      // ---- population -----------------------------------------------------
      {"population", "count", integer, "researchers", "", REQ, closed(1, 1e9), "",
       "Researchers at step 0: employees of all firms plus job seekers."},
      {"population", "skill", dist, "", "{ dist = \"lognormal\", mu = 0.0, sigma = 1.0 }", OPT,
       gt(0), "", "Skill s > 0 (heavy-tailed: lognormal or pareto)."},
      {"population", "field", label_dist, "", "", OPT, any(), "categorical over fields",
       "Field mix; default equal shares."},
      {"population", "origin", label_dist, "", "", REQ, any(), "categorical over countries",
       "Origin mix of job seekers, and of employees where `origin_at` says nothing."},
      {"population", "origin_at", table, "", "", OPT, any(), "country = categorical over countries",
       "Origin mix of the employees of firms located in each country."},
      {"population", "reservation", dist, "USD/yr", "100000.0", OPT, gt(0), "",
       "Annual value a job seeker gets outside the modelled firms."},
      {"population", "pay_skill_elasticity", real, "", "1.0", OPT, closed(0, 3), "",
       "Initial pay = firm `pay_level` * skill^elasticity."},
      {"population", "reservation_skill_elasticity", real, "", "0.0", OPT, closed(0, 3), "",
       "A researcher's reservation value is the `reservation` draw times skill^elasticity: "
       "better researchers have better outside options."},
      {"population", "study_where_working", boolean, "", "false", OPT, any(), "",
       "Week-0 employees studied in the country where they work (job seekers and graduates "
       "draw it from their origin's `countries[].study_at`)."},
      {"population", "preferences", table, "", "", OPT, any(), "", "Preference weights."},

      {"population.preferences", "w_money", dist, "", "1.0", OPT, ge(0), "",
       "Weight of ln(annual value)."},
      {"population.preferences", "w_compute", dist, "", "0.1", OPT, ge(0), "",
       "Weight of ln(1 + compute per head)."},
      {"population.preferences", "w_mission", dist, "", "0.2", OPT, ge(0), "",
       "Weight of the firm's mission; also scales the spin-out hazard."},
      {"population.preferences", "w_peers", dist, "", "0.1", OPT, ge(0), "",
       "Weight of ln(1 + collaborators at the firm)."},
      {"population.preferences", "w_home", dist, "", "0.3", OPT, ge(0), "",
       "Utility of working in the origin country."},
      {"population.preferences", "switch_cost", dist, "utility", "0.1", OPT, ge(0), "",
       "How much an offer must beat staying by."},

      // ---- pinned[] -------------------------------------------------------
      {"pinned[]", "label", string, "", "", REQ, any(), "unique",
       "Role label (e.g. \"OpenAI multimodal lead\"), not a real name."},
      {"pinned[]", "firm", string, "", "\"\"", OPT, any(), "a firm name or empty",
       "Employer at step 0; empty = job seeker."},
      {"pinned[]", "field", string, "", "", REQ, any(), "a field name", "Research field."},
      {"pinned[]", "origin", string, "", "", REQ, any(), "a country name", "Origin country."},
      {"pinned[]", "skill", real, "", "", OPT, gt(0), "", "Skill (give this or skill_quantile)."},
      {"pinned[]", "skill_quantile", real, "", "", OPT, closed(0, 1), "below 1",
       "Skill drawn from population.skill above this quantile (e.g. 0.999: one of the top "
       "0.1%), a draw of the researcher's own generator; not scaled by the firm's "
       "skill_scale."},
      {"pinned[]", "count", integer, "researchers", "1", OPT, closed(1, 1e6), "",
       "Copies, labelled `<label> #1`, ... when above 1."},
      {"pinned[]", "annual_value", real, "USD/yr", "", OPT, gt(0), "",
       "Initial annual value; default the firm's pay rule."},
      {"pinned[]", "extra_ties", integer, "ties", "0", OPT, closed(0, 1e6), "",
       "Extra random network ties (makes the researcher central)."},
      {"pinned[]", "w_money", real, "", "", OPT, ge(0), "", "Overrides the population draw."},
      {"pinned[]", "w_compute", real, "", "", OPT, ge(0), "", "Overrides the population draw."},
      {"pinned[]", "w_mission", real, "", "", OPT, ge(0), "", "Overrides the population draw."},
      {"pinned[]", "w_peers", real, "", "", OPT, ge(0), "", "Overrides the population draw."},
      {"pinned[]", "w_home", real, "", "", OPT, ge(0), "", "Overrides the population draw."},
      {"pinned[]", "switch_cost", real, "utility", "", OPT, ge(0), "",
       "Overrides the population draw."},

      // ---- network --------------------------------------------------------
      {"network", "source", string, "", "\"generated\"", OPT, any(), "generated, edge_list",
       "Generate the network or read it from a file."},
      {"network", "edge_list", string, "", "\"\"", OPT, any(), "path",
       "CSV of researcher index pairs (relative to the scenario file); for `edge_list`."},
      {"network", "team_size", dist, "researchers", "8.0", OPT, ge(1), "",
       "Size of the teams a firm's employees are split into."},
      {"network", "team_density", real, "", "1.0", OPT, closed(0, 1), "",
       "Probability of a tie between two members of a team."},
      {"network", "cross_firm_ties", real, "ties/researcher", "1.0", OPT, closed(0, 1000), "",
       "Mean random ties per researcher to people outside the firm."},

      // ---- market ---------------------------------------------------------
      {"market", "protocol", string, "", "\"auction\"", OPT, any(), "auction, posted_wage",
       "Ascending auction with counter-offers, or Burdett-Mortensen posted wages."},
      {"market", "auction_rounds", integer, "rounds", "4", OPT, closed(1, 1e6), "",
       "Most ascending rounds per step (stops early when nothing changes)."},
      {"market", "bid_increment", real, "", "0.05", OPT, closed(0, 10), "",
       "Raise over the offer to beat, as a fraction."},
      {"market", "bid_increment_usd", real, "USD/yr", "0.0", OPT, ge(0), "",
       "Smallest raise in USD/yr (an absolute epsilon)."},
      {"market", "taste_noise", real, "utility", "0.1", OPT, ge(0), "",
       "Scale of the Gumbel taste shock."},
      {"market", "contract_years", real, "years", "4.0", OPT, closed(0.25, 50), "",
       "H: horizon over which signing and equity are annualised."},
      {"market", "knowledge_loss", real, "", "0.1", OPT, closed(0, 1), "",
       "Share of progress lost per share of talent that leaves."},
      {"market", "outreach_bonus", real, "utility", "0.5", OPT, ge(0), "",
       "Utility of an offer with personal outreach."},
      {"market", "talent_floor", real, "", "1.0", OPT, gt(0), "",
       "Floor of T in a firm's reference output (firms that start empty)."},
      {"market", "applications", real, "1/step", "0.0", OPT, closed(0, 1000), "",
       "Applications each job seeker sends per step to firms with open seats of a headcount "
       "plan (a fraction: one more with that probability); each makes the seeker a candidate "
       "of that firm."},
      {"market", "study_pull", real, "utility", "0.0", OPT, ge(0), "",
       "Where seekers apply: utility of the country where they studied (advisers, networks, "
       "student visas), added to the location utility."},
      {"market", "application_noise", real, "utility", "1.0", OPT, gt(0), "",
       "Where seekers apply: a country with weight open seats x exp(location utility / this) "
       "(w_home plus the origin's home_pull at home, minus visa friction abroad), then a firm "
       "by its open seats."},
      {"market", "visibility_exponent", real, "", "1.0", OPT, closed(0, 10), "",
       "Scouting weight skill^exponent."},
      {"market", "budgets", boolean, "", "true", OPT, any(), "",
       "Hard comp and cash budgets (false for the assignment-game validation)."},
      {"market", "posted_wage", table, "", "", OPT, any(), "",
       "Parameters of the posted-wage protocol."},

      {"market.posted_wage", "offer_rate_employed", real, "1/step", "0.05", OPT, closed(0, 1), "",
       "lambda1: chance per step that an employed researcher gets an offer."},
      {"market.posted_wage", "offer_rate_seeker", real, "1/step", "0.2", OPT, closed(0, 1), "",
       "lambda0: chance per step that a job seeker gets an offer."},
      {"market.posted_wage", "separation_rate", real, "1/step", "0.01", OPT, closed(0, 1), "",
       "delta: chance per step that an employed researcher separates."},
      {"market.posted_wage", "wage", dist, "USD/yr",
       "{ dist = \"uniform\", low = 100000.0, high = 200000.0 }", OPT, gt(0), "",
       "F: distribution of the wages firms post."},

      // ---- flows ----------------------------------------------------------
      {"flows", "retirement_rate", real, "1/yr", "0.02", OPT, closed(0, 1), "",
       "Hazard of leaving the market."},
      {"flows", "layoff_rate", real, "1/yr", "0.02", OPT, closed(0, 1), "",
       "Hazard of an exogenous layoff to job seeking."},
      {"flows", "outside_rate", real, "1/yr", "0.0", OPT, closed(0, 52), "",
       "Hazard at which a job seeker takes a job outside the market (its outside option, "
       "worth its reservation value) and leaves; an `outside` event."},

      // ---- founders -------------------------------------------------------
      {"founders", "min_skill", real, "", "5.0", OPT, gt(0), "",
       "Skill needed to found a startup."},
      {"founders", "rate_per_year", real, "1/yr", "0.0", OPT, closed(0, 1), "",
       "Founding hazard per unit of w_mission; 0 disables spin-outs."},
      {"founders", "funding_per_skill", real, "USD", "1.0e7", OPT, ge(0), "",
       "Venture cash per unit of the founder's skill."},
      {"founders", "vc_pool_per_year", real, "USD/yr", "1.0e9", OPT, ge(0), "",
       "Venture cash available per year."},
      {"founders", "max_new_firms", integer, "firms", "100", OPT, closed(0, 1e7), "",
       "Capacity reserved for spun-out firms."},

      // ---- timeline[] -----------------------------------------------------
      {"timeline[]", "step", integer, "step", "", REQ, ge(1), "1 .. run.steps",
       "Step at whose start the event applies."},
      {"timeline[]", "label", string, "", "\"\"", OPT, any(), "", "Shown in plots and events."},
      {"timeline[]", "firm", string, "", "", OPT, any(), "a firm name",
       "Target firm (exactly one of firm, country)."},
      {"timeline[]", "country", string, "", "", OPT, any(), "a country name", "Target country."},
      {"timeline[]", "set", table, "", "", OPT, any(), "parameter = value",
       "Parameters to set (numbers; `counter_offers` takes a boolean)."},
      {"timeline[]", "add", table, "", "", OPT, any(), "parameter = number",
       "Numbers to add (e.g. a funding round to `cash`)."},
      {"timeline[]", "scale", table, "", "", OPT, any(), "parameter = factor >= 0",
       "Factors to multiply by."},

      // ---- distribution tables -------------------------------------------
      {"distribution", "dist", string, "", "", REQ, any(),
       "constant, uniform, normal, lognormal, pareto, categorical", "Family."},
      {"distribution", "value", real, "", "", OPT, any(), "", "constant: the value."},
      {"distribution", "low", real, "", "", OPT, any(), "", "uniform: lower bound."},
      {"distribution", "high", real, "", "", OPT, any(), "", "uniform: upper bound (> low)."},
      {"distribution", "mean", real, "", "", OPT, any(), "", "normal: mean."},
      {"distribution", "sd", real, "", "", OPT, gt(0), "", "normal: standard deviation."},
      {"distribution", "mu", real, "", "", OPT, any(), "", "lognormal: mean of ln X."},
      {"distribution", "sigma", real, "", "", OPT, gt(0), "", "lognormal: sd of ln X."},
      {"distribution", "tail_above", real, "", "", OPT, gt(0), "",
       "lognormal: draws above this value are mapped, in order, onto a Pareto tail "
       "(with tail_shape)."},
      {"distribution", "tail_shape", real, "", "", OPT, closed(0.5, 20), "",
       "lognormal: the Pareto tail's index above tail_above (smaller = heavier)."},
      {"distribution", "scale", real, "", "", OPT, gt(0), "", "pareto: minimum x_m."},
      {"distribution", "shape", real, "", "", OPT, gt(0), "", "pareto: tail index."},
      {"distribution", "shares", table, "", "", OPT, any(), "label = share, or array",
       "categorical: shares (sum to 1 within 1e-6)."},
      {"distribution", "values", real, "", "", OPT, any(), "array of numbers",
       "categorical over numbers: the values (with `shares` as an array)."},
      {"distribution", "min", real, "", "", OPT, any(), "", "Clamp draws below at min."},
      {"distribution", "max", real, "", "", OPT, any(), "", "Clamp draws above at max."},
  };
}

std::string format_number(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[32];
  if (std::abs(x) >= 1e6 && x == std::floor(x)) {
    std::snprintf(buf, sizeof buf, "%.0e", x);
  } else {
    std::snprintf(buf, sizeof buf, "%g", x);
  }
  return buf;
}

std::string escape_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else
      out += c;
  }
  return out;
}

}  // namespace

bool Range::contains(double x) const noexcept {
  if (std::isnan(x)) return false;
  if (lo_open ? !(x > lo) : !(x >= lo)) return false;
  if (hi_open ? !(x < hi) : !(x <= hi)) return false;
  return true;
}

std::string Range::describe() const {
  const bool has_lo = std::isfinite(lo);
  const bool has_hi = std::isfinite(hi);
  if (!has_lo && !has_hi) return "any";
  if (has_lo && !has_hi) return (lo_open ? "> " : ">= ") + format_number(lo);
  if (!has_lo) return (hi_open ? "< " : "<= ") + format_number(hi);
  if (lo == hi) return format_number(lo);
  return std::string(lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) +
         (hi_open ? ")" : "]");
}

const std::vector<KeySpec>& scenario_schema() {
  static const std::vector<KeySpec> schema = make_schema();
  return schema;
}

const KeySpec* find_key(const Schema& schema, std::string_view table, std::string_view key) {
  for (const KeySpec& spec : schema) {
    if (spec.table == table && spec.key == key) return &spec;
  }
  return nullptr;
}

const KeySpec* find_key(std::string_view table, std::string_view key) {
  return find_key(scenario_schema(), table, key);
}

std::vector<std::string_view> keys_of(const Schema& schema, std::string_view table) {
  std::vector<std::string_view> keys;
  for (const KeySpec& spec : schema) {
    if (spec.table == table) keys.push_back(spec.key);
  }
  return keys;
}

std::string_view type_name(KeyType type) {
  switch (type) {
    case KeyType::integer:
      return "integer";
    case KeyType::real:
      return "number";
    case KeyType::boolean:
      return "boolean";
    case KeyType::string:
      return "string";
    case KeyType::string_list:
      return "array of strings";
    case KeyType::array:
      return "array";
    case KeyType::dist:
      return "number or distribution";
    case KeyType::label_dist:
      return "string or categorical";
    case KeyType::table:
      return "table";
    case KeyType::tables:
      return "array of tables";
  }
  return "?";
}

std::string schema_markdown() {
  return schema_markdown(scenario_schema());
}

std::string schema_markdown(const Schema& schema) {
  std::string out;
  std::string_view current = "\x01";
  for (const KeySpec& spec : schema) {
    if (spec.table != current) {
      current = spec.table;
      out += "\n### `";
      out += current.empty() ? std::string_view("(top level)") : current;
      out += "`\n\n| key | type | unit | default | range / allowed | meaning |\n";
      out += "|---|---|---|---|---|---|\n";
    }
    std::string def = spec.required               ? "required"
                      : spec.default_toml.empty() ? "—"
                                                  : "`" + std::string(spec.default_toml) + "`";
    std::string range;
    const bool numeric =
        spec.type == KeyType::integer || spec.type == KeyType::real || spec.type == KeyType::dist;
    if (numeric) range = spec.range.describe();
    if (!spec.allowed.empty()) {
      if (!range.empty() && range != "any")
        range += "; ";
      else
        range.clear();
      range += spec.allowed;
    }
    if (range.empty()) range = "—";
    out += "| `" + std::string(spec.key) + "` | " + std::string(type_name(spec.type)) + " | " +
           (spec.unit.empty() ? "—" : std::string(spec.unit)) + " | " + escape_cell(def) + " | " +
           escape_cell(range) + " | " + escape_cell(spec.meaning) + " |\n";
  }
  return out;
}

}  // namespace talentsim::detail
