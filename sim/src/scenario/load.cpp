// load_scenario(): file -> parsed TOML -> overrides -> validated Scenario.

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>
#include <unordered_set>

#include "scenario/load_detail.hpp"
#include "talentsim/errors.hpp"
#include "util/suggest.hpp"

namespace talentsim {
namespace detail {
namespace {

constexpr std::uintmax_t MAX_SCENARIO_BYTES = 16u << 20;

const toml::table& empty_table() {
  static const toml::table empty;
  return empty;
}

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
  });
}

bool valid_date(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (d[i] < '0' || d[i] > '9') return false;
  const int year = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
  const int month = (d[5] - '0') * 10 + (d[6] - '0');
  const int day = (d[8] - '0') * 10 + (d[9] - '0');
  if (month < 1 || month > 12 || day < 1) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  constexpr int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return day <= DAYS[month - 1] + (month == 2 && leap ? 1 : 0);
}

template <class E, std::size_t N>
E parse_enum(Reader& r, std::string_view key, const std::array<std::string_view, N>& names) {
  const std::string value = r.string(key);
  for (std::size_t i = 0; i < N; ++i)
    if (names[i] == value) return static_cast<E>(i);
  std::string list;
  for (auto n : names) list += (list.empty() ? "" : ", ") + std::string(n);
  r.fail(key, "unknown value '" + value + "'; allowed: " + list +
                  did_you_mean(value, std::vector<std::string_view>(names.begin(), names.end())));
}

constexpr std::array<std::string_view, 2> PROTOCOLS = {"auction", "posted_wage"};
constexpr std::array<std::string_view, 2> NETWORK_SOURCES = {"generated", "edge_list"};
constexpr std::array<std::string_view, 3> COUNTRY_PARAMS = {"visa_friction", "retention_subsidy",
                                                            "graduates_per_year"};

std::vector<std::string> read_unique_names(Reader& root, std::string_view key,
                                           std::string_view what,
                                           std::vector<const toml::table*> tables,
                                           std::string_view name_key) {
  std::vector<std::string> names;
  std::unordered_set<std::string> seen;  // loading stays linear in the number of entries
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const toml::node* n = tables[i]->get(name_key);
    if (n == nullptr) {
      fail_at(tables[i], root.file(), join_key(join_key(key, std::to_string(i)), name_key),
              "missing required key 'name'");
    }
    const auto* s = n->as_string();
    const auto path = [&] { return join_key(join_key(key, std::to_string(i)), name_key); };
    if (s == nullptr) fail_at(n, root.file(), path(), "expected a string");
    if (s->get().empty()) fail_at(n, root.file(), path(), "must not be empty");
    if (!seen.insert(s->get()).second) {
      fail_at(n, root.file(), path(),
              "duplicate " + std::string(what) + " name '" + s->get() + "'");
    }
    names.push_back(s->get());
  }
  return names;
}

void read_population(Reader& root, Scenario& s) {
  const toml::table* t = root.subtable("population");
  Reader r(*t, "population", {"population"}, root.file());
  Population& p = s.population;
  p.count = r.integer("count");
  p.skill = r.dist("skill");
  if (const toml::node* n = r.node("field")) {
    p.field_shares = parse_label_shares(*n, r.file(), r.key_path("field"), s.fields, "field");
  } else {
    p.field_shares.assign(s.fields.size(), 1.0 / static_cast<double>(s.fields.size()));
  }
  std::vector<std::string> countries;
  for (const Country& c : s.countries) countries.push_back(c.name);
  p.origin_shares = parse_label_shares(*r.node_or_default("origin"), r.file(), r.key_path("origin"),
                                       countries, "country");
  p.origin_at.assign(countries.size(), {});
  if (const toml::table* at = r.subtable("origin_at")) {
    std::vector<std::string_view> names(countries.begin(), countries.end());
    for (const auto& [k, v] : *at) {
      const std::string key = join_key(r.key_path("origin_at"), k.str());
      const auto it = std::find(countries.begin(), countries.end(), k.str());
      if (it == countries.end()) {
        fail_at(&v, r.file(), key,
                "unknown country '" + std::string(k.str()) + "'" + did_you_mean(k.str(), names));
      }
      p.origin_at[static_cast<std::size_t>(it - countries.begin())] =
          parse_label_shares(v, r.file(), key, countries, "country");
    }
  }
  p.reservation = r.dist("reservation");
  p.pay_skill_elasticity = r.real("pay_skill_elasticity");
  p.reservation_skill_elasticity = r.real("reservation_skill_elasticity");
  p.study_where_working = r.boolean("study_where_working");
  const toml::table* prefs = r.subtable("preferences");
  Reader pr(prefs ? *prefs : empty_table(), "population.preferences", {"population.preferences"},
            r.file());
  Preferences& w = p.preferences;
  w.w_money = pr.dist("w_money");
  w.w_compute = pr.dist("w_compute");
  w.w_mission = pr.dist("w_mission");
  w.w_peers = pr.dist("w_peers");
  w.w_home = pr.dist("w_home");
  w.switch_cost = pr.dist("switch_cost");
  pr.finish();
  r.finish();
}

void read_countries(Reader& root, Scenario& s, const std::vector<const toml::table*>& tables) {
  // Every name first: study_at refers to countries listed later too.
  std::vector<std::string> names;
  for (const toml::table* t : tables) names.push_back(t->get("name")->as_string()->get());
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const std::string name = tables[i]->get("name")->as_string()->get();
    Reader r(*tables[i], join_key("countries", name), {"countries[]"}, root.file());
    Country c;
    c.name = r.string("name");
    c.visa_friction = r.real("visa_friction");
    c.retention_subsidy = r.real("retention_subsidy");
    c.home_pull = r.real("home_pull");
    c.graduates_per_year = r.real("graduates_per_year");
    c.graduate_skill = r.has("graduate_skill") ? r.dist("graduate_skill") : Distribution();
    if (const toml::node* n = r.node("study_at")) {
      c.study_shares = parse_label_shares(*n, r.file(), r.key_path("study_at"), names, "country");
    }
    r.finish();
    s.countries.push_back(std::move(c));
  }
}

void read_pinned(Reader& root, Scenario& s) {
  std::set<std::string> labels;
  std::vector<std::int64_t> pinned_at(s.firms.size(), 0);
  const auto tables = root.tables("pinned");
  for (std::size_t i = 0; i < tables.size(); ++i) {
    Reader r0(*tables[i], join_key("pinned", std::to_string(i)), {"pinned[]"}, root.file());
    const std::string label = r0.string("label");
    Reader r(*tables[i], join_key("pinned", label), {"pinned[]"}, root.file());
    PinnedResearcher p;
    p.label = r.string("label");
    if (p.label.empty()) r.fail("label", "must not be empty");
    if (!labels.insert(p.label).second) r.fail("label", "duplicate label '" + p.label + "'");
    const std::string firm = r.string("firm");
    if (!firm.empty()) {
      p.firm = s.firm_index(firm);
      if (p.firm < 0) {
        std::vector<std::string_view> names;
        for (const Firm& f : s.firms) names.push_back(f.name);
        r.fail("firm", "unknown firm '" + firm + "'" + did_you_mean(firm, names));
      }
    }
    const std::string field = r.string("field");
    p.field = s.field_index(field);
    if (p.field < 0) {
      r.fail("field", "unknown field '" + field + "'" +
                          did_you_mean(field, std::vector<std::string_view>(s.fields.begin(),
                                                                            s.fields.end())));
    }
    const std::string origin = r.string("origin");
    p.origin = s.country_index(origin);
    if (p.origin < 0) {
      std::vector<std::string_view> names;
      for (const Country& c : s.countries) names.push_back(c.name);
      r.fail("origin", "unknown country '" + origin + "'" + did_you_mean(origin, names));
    }
    p.skill = r.optional_real("skill");
    p.skill_quantile = r.optional_real("skill_quantile");
    if (p.skill.has_value() == p.skill_quantile.has_value()) {
      r.fail(p.skill ? "skill_quantile" : "skill", "give exactly one of skill and skill_quantile");
    }
    if (p.skill_quantile && !(*p.skill_quantile < 1)) {
      r.fail("skill_quantile", "must be below 1, got " + format_number(*p.skill_quantile));
    }
    p.count = r.integer("count");
    if (p.firm >= 0) {
      const auto f = static_cast<std::size_t>(p.firm);
      pinned_at[f] += p.count;
      if (pinned_at[f] > s.firms[f].params.headcount) {
        r.fail(r.has("count") ? "count" : "firm",
               std::to_string(pinned_at[f]) + " pinned researchers at '" + s.firms[f].name +
                   "' exceed its headcount " + std::to_string(s.firms[f].params.headcount));
      }
    }
    p.annual_value = r.optional_real("annual_value");
    p.extra_ties = r.integer("extra_ties");
    p.w_money = r.optional_real("w_money");
    p.w_compute = r.optional_real("w_compute");
    p.w_mission = r.optional_real("w_mission");
    p.w_peers = r.optional_real("w_peers");
    p.w_home = r.optional_real("w_home");
    p.switch_cost = r.optional_real("switch_cost");
    r.finish();
    s.pinned.push_back(std::move(p));
  }
}

void read_network(Reader& root, Scenario& s, const std::string& base_dir) {
  const toml::table* t = root.subtable("network");
  Reader r(t ? *t : empty_table(), "network", {"network"}, root.file());
  NetworkSpec& n = s.network;
  n.source = parse_enum<NetworkSource>(r, "source", NETWORK_SOURCES);
  n.edge_list = r.string("edge_list");
  n.team_size = r.dist("team_size");
  n.team_density = r.real("team_density");
  n.cross_firm_ties = r.real("cross_firm_ties");
  if (n.source == NetworkSource::edge_list) {
    if (n.edge_list.empty())
      r.fail("edge_list", "source = \"edge_list\" needs 'edge_list' (a path)");
    std::filesystem::path path(n.edge_list);
    if (path.is_relative()) path = std::filesystem::path(base_dir) / path;
    // Absolute, so that the resolved scenario (stored in outputs and
    // checkpoints) names the same file from any working directory.
    path = std::filesystem::absolute(path).lexically_normal();
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status)) {
      r.fail("edge_list", "cannot read edge list file '" + path.string() + "'");
    }
    if (!std::filesystem::is_regular_file(status)) {
      r.fail("edge_list", "the edge list '" + path.string() + "' is not a regular file (" +
                              (std::filesystem::is_directory(status) ? "a directory"
                                                                     : "a device, FIFO or socket") +
                              ")");
    }
    if (std::ifstream probe(path); !probe) {
      r.fail("edge_list", "cannot read edge list file '" + path.string() + "'");
    }
    n.edge_list = path.string();
  } else if (!n.edge_list.empty()) {
    r.fail("edge_list", "'edge_list' is only used with source = \"edge_list\"");
  }
  r.finish();
}

void read_market(Reader& root, Scenario& s) {
  const toml::table* t = root.subtable("market");
  Reader r(t ? *t : empty_table(), "market", {"market"}, root.file());
  MarketParams& m = s.market;
  m.protocol = parse_enum<Protocol>(r, "protocol", PROTOCOLS);
  m.auction_rounds = r.integer("auction_rounds");
  m.bid_increment = r.real("bid_increment");
  m.bid_increment_usd = r.real("bid_increment_usd");
  if (m.bid_increment == 0 && m.bid_increment_usd == 0) {
    r.fail("bid_increment",
           "bid_increment and bid_increment_usd cannot both be 0 (the auction "
           "would not ascend)");
  }
  m.taste_noise = r.real("taste_noise");
  m.contract_years = r.real("contract_years");
  m.knowledge_loss = r.real("knowledge_loss");
  m.outreach_bonus = r.real("outreach_bonus");
  m.talent_floor = r.real("talent_floor");
  m.visibility_exponent = r.real("visibility_exponent");
  m.applications = r.real("applications");
  m.application_noise = r.real("application_noise");
  m.study_pull = r.real("study_pull");
  m.budgets = r.boolean("budgets");
  const toml::table* pw = r.subtable("posted_wage");
  Reader p(pw ? *pw : empty_table(), "market.posted_wage", {"market.posted_wage"}, root.file());
  m.posted_wage.offer_rate_employed = p.real("offer_rate_employed");
  m.posted_wage.offer_rate_seeker = p.real("offer_rate_seeker");
  m.posted_wage.separation_rate = p.real("separation_rate");
  m.posted_wage.wage = p.dist("wage");
  p.finish();
  r.finish();
}

void read_flows_and_founders(Reader& root, Scenario& s) {
  const toml::table* f = root.subtable("flows");
  Reader r(f ? *f : empty_table(), "flows", {"flows"}, root.file());
  s.flows.retirement_rate = r.real("retirement_rate");
  s.flows.layoff_rate = r.real("layoff_rate");
  s.flows.outside_rate = r.real("outside_rate");
  r.finish();
  const toml::table* fo = root.subtable("founders");
  Reader q(fo ? *fo : empty_table(), "founders", {"founders"}, root.file());
  s.founders.min_skill = q.real("min_skill");
  s.founders.rate_per_year = q.real("rate_per_year");
  s.founders.funding_per_skill = q.real("funding_per_skill");
  s.founders.vc_pool_per_year = q.real("vc_pool_per_year");
  s.founders.max_new_firms = q.integer("max_new_firms");
  q.finish();
}

void read_changes(Reader& r, std::string_view op_key, EventOp op, bool firm_target,
                  std::vector<ParamChange>& out) {
  const toml::table* t = r.subtable(op_key);
  if (t == nullptr) return;
  std::vector<std::string_view> allowed;
  if (firm_target) {
    for (auto n : firm_real_params()) allowed.push_back(n);
    for (auto n : firm_int_params())
      if (n != "headcount" && n != "enter_step") allowed.push_back(n);
    allowed.push_back("counter_offers");
  } else {
    allowed.assign(COUNTRY_PARAMS.begin(), COUNTRY_PARAMS.end());
  }
  for (const auto& [k, v] : *t) {
    const std::string name(k.str());
    const std::string key = join_key(r.key_path(op_key), name);
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      fail_at(&v, r.file(), key,
              "'" + name + "' is not a " + (firm_target ? "firm" : "country") +
                  " parameter a timeline event can change" + did_you_mean(name, allowed));
    }
    ParamChange change{op, name, 0.0};
    if (name == "counter_offers") {
      if (op != EventOp::set || !v.is_boolean()) {
        fail_at(&v, r.file(), key, "counter_offers can only be set, to true or false");
      }
      change.value = v.as_boolean()->get() ? 1.0 : 0.0;
    } else {
      change.value = as_number(v, r.file(), key);
      const std::string_view table = firm_target ? "firm" : "countries[]";
      const KeySpec* spec = find_key(table, name);
      if (op == EventOp::set && spec != nullptr && !spec->range.contains(change.value)) {
        fail_at(&v, r.file(), key,
                "must be " + spec->range.describe() + ", got " + format_number(change.value));
      }
      if (op != EventOp::scale && int_param_index(name) >= 0 &&
          change.value != std::floor(change.value)) {
        fail_at(&v, r.file(), key, "must be a whole number, got " + format_number(change.value));
      }
      if (op == EventOp::scale && change.value < 0) {
        fail_at(&v, r.file(), key, "a scale factor must be >= 0");
      }
    }
    out.push_back(std::move(change));
  }
}

// What the events do, in the order they happen: every parameter an event
// changes must stay within the range the scenario could give it directly
// (a `scale tfp 0`, an `add` that pushes alpha past 1), and a firm's
// signing_share + equity_share at most 1. Firm cash and compute are state
// that the run changes; the engine checks those when the event applies.
void check_timeline_effects(const Scenario& s, const std::vector<const toml::table*>& tables,
                            const std::vector<std::size_t>& kept, const std::string& file) {
  std::vector<std::size_t> order(s.timeline.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return s.timeline[a].step < s.timeline[b].step;
  });
  std::vector<FirmParams> firms;
  for (const Firm& f : s.firms) firms.push_back(f.params);
  std::vector<std::array<double, 3>> countries;
  for (const Country& c : s.countries) {
    countries.push_back({c.visa_friction, c.retention_subsidy, c.graduates_per_year});
  }
  const auto signing = real_param_index("signing_share");
  const auto equity = real_param_index("equity_share");
  for (const std::size_t k : order) {
    const TimelineEvent& e = s.timeline[k];
    const toml::table& table = *tables[kept[k]];
    const std::string at = join_key("timeline", std::to_string(kept[k]));
    const std::string target =
        e.firm >= 0 ? "firm '" + s.firms[static_cast<std::size_t>(e.firm)].name + "'"
                    : "country '" + s.countries[static_cast<std::size_t>(e.country)].name + "'";
    const auto fail = [&](const ParamChange& c, double x, const std::string& allowed,
                          const std::string& what = "") {
      const std::string op(to_string(c.op));
      const toml::node* node = table.at_path(op + "." + c.param).node();
      fail_at(node != nullptr ? node : &table, file, join_key(join_key(at, op), c.param),
              "at step " + std::to_string(e.step) + " this makes " +
                  (what.empty() ? c.param : what) + " of " + target + " " + format_number(x) +
                  ", but it must be " + allowed);
    };
    for (const ParamChange& c : e.changes) {
      if (c.param == "cash" || c.param == "compute" || c.param == "counter_offers") continue;
      if (e.firm >= 0) {
        FirmParams& p = firms[static_cast<std::size_t>(e.firm)];
        const KeySpec* spec = find_key("firm", c.param);
        if (const int i = real_param_index(c.param); i >= 0) {
          double& x = p.*firm_real_member(i);
          x = apply_change(c.op, x, c.value);
          if (!std::isfinite(x) || std::abs(x) > MAX_MAGNITUDE)
            fail(c, x, "at most 1e18 in magnitude");
          if (spec != nullptr && !spec->range.contains(x)) fail(c, x, spec->range.describe());
        } else if (const int i = int_param_index(c.param); i >= 0) {
          std::int64_t& x = p.*firm_int_member(i);
          const double y =
              std::max(0.0, std::round(apply_change(c.op, static_cast<double>(x), c.value)));
          if (spec != nullptr && !spec->range.contains(y)) fail(c, y, spec->range.describe());
          x = static_cast<std::int64_t>(y);
        }
        const double both = p.*firm_real_member(signing) + p.*firm_real_member(equity);
        if (both > 1) fail(c, both, "<= 1", "signing_share + equity_share");
      } else {
        const auto it = std::find(COUNTRY_PARAMS.begin(), COUNTRY_PARAMS.end(), c.param);
        double& x = countries[static_cast<std::size_t>(e.country)]
                             [static_cast<std::size_t>(it - COUNTRY_PARAMS.begin())];
        x = std::max(0.0, apply_change(c.op, x, c.value));
        const KeySpec* spec = find_key("countries[]", c.param);
        if (!std::isfinite(x) || x > MAX_MAGNITUDE) fail(c, x, "at most 1e18");
        if (spec != nullptr && !spec->range.contains(x)) fail(c, x, spec->range.describe());
      }
    }
  }
}

// `declared_steps`: run.steps as the file itself gives it (before --set and
// --steps). An event after the end of a run that was shortened from the
// command line simply does not happen (a note says so); an event after the
// end of the file's own run is a mistake in the file.
void read_timeline(Reader& root, Scenario& s, std::int64_t declared_steps) {
  const auto tables = root.tables("timeline");
  std::vector<std::string> left_out;
  std::vector<std::size_t> kept;  // index in the file of each event in s.timeline
  for (std::size_t i = 0; i < tables.size(); ++i) {
    Reader r(*tables[i], join_key("timeline", std::to_string(i)), {"timeline[]"}, root.file());
    TimelineEvent e;
    e.step = r.integer("step");
    if (e.step > std::max(s.run.steps, declared_steps)) {
      r.fail("step", "step " + std::to_string(e.step) + " is outside the run (1.." +
                         std::to_string(s.run.steps) + ")");
    }
    e.label = r.string("label");
    const bool has_firm = r.has("firm"), has_country = r.has("country");
    if (has_firm == has_country) {
      r.fail(has_firm ? "country" : "",
             "a timeline event needs exactly one of 'firm' or 'country'");
    }
    if (has_firm) {
      const std::string firm = r.string("firm");
      e.firm = s.firm_index(firm);
      if (e.firm < 0) {
        std::vector<std::string_view> names;
        for (const Firm& f : s.firms) names.push_back(f.name);
        r.fail("firm", "unknown firm '" + firm + "'" + did_you_mean(firm, names));
      }
    } else {
      const std::string country = r.string("country");
      e.country = s.country_index(country);
      if (e.country < 0) {
        std::vector<std::string_view> names;
        for (const Country& c : s.countries) names.push_back(c.name);
        r.fail("country", "unknown country '" + country + "'" + did_you_mean(country, names));
      }
    }
    read_changes(r, "set", EventOp::set, has_firm, e.changes);
    read_changes(r, "add", EventOp::add, has_firm, e.changes);
    read_changes(r, "scale", EventOp::scale, has_firm, e.changes);
    if (e.changes.empty()) r.fail("", "a timeline event needs at least one of set, add, scale");
    r.finish();
    if (e.step > s.run.steps) {
      left_out.push_back((e.label.empty() ? r.path() : "'" + e.label + "'") + " at step " +
                         std::to_string(e.step));
      continue;
    }
    s.timeline.push_back(std::move(e));
    kept.push_back(i);
  }
  check_timeline_effects(s, tables, kept, root.file());
  if (!left_out.empty()) {
    std::string list;
    for (const auto& x : left_out) list += (list.empty() ? "" : ", ") + x;
    s.notes.push_back(std::to_string(left_out.size()) + " timeline event" +
                      (left_out.size() == 1 ? "" : "s") + " after step " +
                      std::to_string(s.run.steps) + ", the end of this shortened run, will not " +
                      "happen: " + list);
  }
  std::stable_sort(s.timeline.begin(), s.timeline.end(),
                   [](const TimelineEvent& a, const TimelineEvent& b) { return a.step < b.step; });
}

void check_headcounts(const toml::table& doc, const Scenario& s, const std::string& file) {
  std::int64_t employed = 0, pinned_seekers = 0;
  for (const Firm& f : s.firms) employed += f.params.headcount;
  for (const PinnedResearcher& p : s.pinned) pinned_seekers += p.firm < 0 ? p.count : 0;
  for (std::size_t f = 0; f < s.firms.size(); ++f) {
    const FirmParams& p = s.firms[f].params;
    if (p.enter_step > 0 && p.headcount > 0) {
      const std::string& group = s.firms[f].group;
      const std::string path =
          group.empty() ? join_key("firms", s.firms[f].name) : join_key("firm_groups", group);
      fail_at(doc.at_path(group.empty() ? "firms" : "firm_groups").node(), file, path,
              "firm '" + s.firms[f].name + "' enters at step " + std::to_string(p.enter_step) +
                  " but has headcount " + std::to_string(p.headcount) +
                  "; a late entrant starts with no employees (headcount = 0)");
    }
  }
  if (employed + pinned_seekers > s.population.count) {
    const toml::node* at = doc.at_path("population.count").node();
    fail_at(at, file, "population.count",
            "firm headcounts (" + std::to_string(employed) + ") plus pinned job seekers (" +
                std::to_string(pinned_seekers) + ") exceed population.count (" +
                std::to_string(s.population.count) + ")");
  }
}

}  // namespace

Scenario read_document(toml::table& doc, const std::string& source, const std::string& base_dir,
                       std::int64_t declared_steps);

Scenario load_document(toml::table& doc, const std::string& source,
                       const std::vector<Override>& overrides, const std::string& base_dir) {
  // format_version first: a newer file should fail on its version, not on
  // keys this build does not know.
  const toml::node* version = doc.get("format_version");
  if (version == nullptr) {
    fail_at(&doc, source, "format_version",
            "missing 'format_version' (this build reads format_version = " +
                std::to_string(SCENARIO_FORMAT_VERSION) + ")");
  }
  if (!version->is_integer() || version->as_integer()->get() != SCENARIO_FORMAT_VERSION) {
    if (!version->is_integer()) {
      fail_at(version, source, "format_version",
              "expected an integer (this build reads format_version = " +
                  std::to_string(SCENARIO_FORMAT_VERSION) + ")");
    }
    fail_at(version, source, "format_version",
            "format_version " + std::to_string(version->as_integer()->get()) +
                " is not supported; this build reads " + std::to_string(SCENARIO_FORMAT_VERSION));
  }
  // run.steps as the file gives it, before the overrides.
  std::int64_t declared_steps = 0;
  if (const toml::node* n = doc.at_path("run.steps").node(); n != nullptr && n->is_integer()) {
    declared_steps = n->as_integer()->get();
  } else if (const KeySpec* spec = find_key("run", "steps")) {
    declared_steps =
        toml::parse("v = " + std::string(spec->default_toml))["v"].value_or(std::int64_t{0});
  }
  const std::vector<std::string> overridden = apply_overrides(doc, overrides);
  try {
    return read_document(doc, source, base_dir, declared_steps);
  } catch (const scenario_error& e) {
    // A mistake in a value that came from --set is reported against it; when
    // a key is set twice, against the last one (the value that was used).
    for (std::size_t i = overridden.size(); i-- > 0;) {
      const std::string& k = overridden[i];
      if (e.key() == k || e.key().starts_with(k + ".")) {
        throw scenario_error("--set " + overrides[i].path + "=" + overrides[i].value, 0, 0, e.key(),
                             e.message());
      }
    }
    throw;
  }
}

Scenario read_document(toml::table& doc, const std::string& source, const std::string& base_dir,
                       std::int64_t declared_steps) {
  Scenario s;
  s.source = source;
  Reader root(doc, "", {""}, source);
  (void)root.integer("format_version");
  s.name = root.string("name");
  if (!valid_name(s.name)) {
    root.fail("name", "must be letters, digits, '_', '-' or '.', got '" + s.name + "'");
  }
  s.description = root.string("description");

  const toml::table* run = root.subtable("run");
  Reader rr(run ? *run : empty_table(), "run", {"run"}, source);
  s.run.steps = rr.integer("steps");
  s.run.seed = static_cast<std::uint64_t>(rr.integer("seed"));
  s.run.start_date = rr.string("start_date");
  if (!s.run.start_date.empty() && !valid_date(s.run.start_date)) {
    rr.fail("start_date", "expected an ISO date YYYY-MM-DD, got '" + s.run.start_date + "'");
  }
  rr.finish();

  const toml::table* output = root.subtable("output");
  Reader ro(output ? *output : empty_table(), "output", {"output"}, source);
  s.output.path = ro.string("path");
  if (s.output.path.empty()) s.output.path = "runs/" + s.name + ".h5";
  s.output.snapshot_every = ro.integer("snapshot_every");
  s.output.compression = ro.integer("compression");
  s.output.network = ro.boolean("network");
  ro.finish();

  s.fields = root.string_list("fields");
  if (s.fields.empty()) root.fail("fields", "needs at least one field");
  for (std::size_t i = 0; i < s.fields.size(); ++i) {
    if (s.fields[i].empty()) root.fail("fields", "field names must not be empty");
    for (std::size_t j = 0; j < i; ++j) {
      if (s.fields[i] == s.fields[j]) root.fail("fields", "duplicate field '" + s.fields[i] + "'");
    }
  }

  const auto country_tables = root.tables("countries");
  if (country_tables.empty()) root.fail("countries", "needs at least one country");
  const std::vector<std::string> countries =
      read_unique_names(root, "countries", "country", country_tables, "name");
  read_countries(root, s, country_tables);

  FirmContext ctx;
  ctx.file = source;
  ctx.fields = s.fields;
  ctx.countries = countries;
  for (const toml::table* t : [&] {
         const toml::node* n = doc.get("firms");
         std::vector<const toml::table*> v;
         if (n && n->is_array())
           for (const auto& x : *n->as_array())
             if (x.is_table()) v.push_back(x.as_table());
         return v;
       }()) {
    if (const toml::node* n = t->get("name"); n && n->is_string())
      ctx.firm_names.push_back(n->as_string()->get());
  }
  if (const toml::node* n = doc.get("firm_groups"); n && n->is_array()) {
    for (const auto& x : *n->as_array()) {
      if (!x.is_table()) continue;
      if (const toml::node* nm = x.as_table()->get("name"); nm && nm->is_string())
        ctx.group_names.push_back(nm->as_string()->get());
    }
  }
  read_flows_and_founders(root, s);
  s.defaults = read_firm_defaults(root.subtable("defaults"), ctx, source);
  read_firms(root, s, ctx);
  if (s.firms.empty()) root.fail("firms", "needs at least one firm ([[firms]] or [[firm_groups]])");

  read_population(root, s);
  for (Country& c : s.countries) {
    if (c.graduate_skill == Distribution()) c.graduate_skill = s.population.skill;
  }
  read_pinned(root, s);
  check_headcounts(doc, s, source);
  read_network(root, s, base_dir);
  read_market(root, s);
  read_timeline(root, s, declared_steps);
  root.finish();
  return s;
}

}  // namespace detail

Scenario load_scenario_text(std::string_view text, const std::string& source,
                            const std::vector<Override>& overrides, const std::string& base_dir) {
  if (text.size() > detail::MAX_SCENARIO_BYTES) {
    throw scenario_error(source, 0, 0, "",
                         "scenario is larger than 16 MiB; generate firms and researchers with "
                         "[[firm_groups]] and [population] instead of listing them");
  }
  toml::table doc;
  try {
    doc = toml::parse(text, std::string_view(source));
  } catch (const toml::parse_error& e) {
    throw scenario_error(source, e.source().begin.line, e.source().begin.column, "",
                         "TOML syntax error: " + std::string(e.description()));
  }
  return detail::load_document(doc, source, overrides, base_dir);
}

Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw scenario_error(path, 0, 0, "", "is a directory, not a scenario file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw scenario_error(path, 0, 0, "", "cannot open scenario file");
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > detail::MAX_SCENARIO_BYTES) {
    throw scenario_error(path, 0, 0, "",
                         "scenario is larger than 16 MiB; generate firms and researchers with "
                         "[[firm_groups]] and [population] instead of listing them");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw scenario_error(path, 0, 0, "", "error while reading the scenario file");
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  return load_scenario_text(buffer.str(), path, overrides, base_dir.empty() ? "." : base_dir);
}

}  // namespace talentsim
