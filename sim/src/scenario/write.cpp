// to_toml(): the resolved scenario with every key explicit.

#include <sstream>

#include "scenario/load_detail.hpp"
#include "talentsim/version.hpp"
#include "util/toml_write.hpp"

namespace talentsim {
namespace {

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

void put_number(toml::table& t, std::string_view key, double value, bool integer) {
  if (integer) {
    t.insert_or_assign(key, static_cast<std::int64_t>(value));
  } else {
    t.insert_or_assign(key, value);
  }
}

void put_dist(toml::table& t, std::string_view key, const Distribution& d, bool integer = false) {
  if (const auto* c = std::get_if<Constant>(&d.family());
      c != nullptr && std::isinf(d.min()) && std::isinf(d.max())) {
    put_number(t, key, c->value, integer);
    return;
  }
  toml::table out;
  out.insert("dist", d.name());
  std::visit(overloaded{[&](const Constant& x) { out.insert("value", x.value); },
                        [&](const Uniform& x) {
                          out.insert("low", x.low);
                          out.insert("high", x.high);
                        },
                        [&](const Normal& x) {
                          out.insert("mean", x.mean);
                          out.insert("sd", x.sd);
                        },
                        [&](const LogNormal& x) {
                          out.insert("mu", x.mu);
                          out.insert("sigma", x.sigma);
                          if (x.tail_shape > 0) {
                            out.insert("tail_above", x.tail_above);
                            out.insert("tail_shape", x.tail_shape);
                          }
                        },
                        [&](const Pareto& x) {
                          out.insert("scale", x.scale);
                          out.insert("shape", x.shape);
                        },
                        [&](const Categorical& x) {
                          toml::array values, shares;
                          for (double v : x.values) values.push_back(v);
                          for (double s : x.shares) shares.push_back(s);
                          out.insert("values", std::move(values));
                          out.insert("shares", std::move(shares));
                        }},
             d.family());
  if (!std::isinf(d.min())) out.insert("min", d.min());
  if (!std::isinf(d.max())) out.insert("max", d.max());
  t.insert_or_assign(key, std::move(out));
}

void put_shares(toml::table& t, std::string_view key, const std::vector<double>& shares,
                const std::vector<std::string>& labels) {
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (shares[i] == 1.0) {
      t.insert_or_assign(key, labels[i]);
      return;
    }
  }
  toml::table s;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (shares[i] != 0.0) s.insert(labels[i], shares[i]);
  }
  t.insert_or_assign(key, toml::table{{"dist", "categorical"}, {"shares", std::move(s)}});
}

std::vector<std::string> country_names(const Scenario& s) {
  std::vector<std::string> names;
  for (const Country& c : s.countries) names.push_back(c.name);
  return names;
}

// A firm parameter layer. With `parent` (the layer it inherits from;
// TomlForm::layered), only what differs from the parent is written, so the
// text reloads to the same values and an override of a defaults key later
// still reaches every firm that inherits it (sweeps apply their points to
// the resolved base). A key a firm set to its inherited value follows the
// default then: the layers do not record which keys were written.
toml::table firm_spec_table(const FirmSpec& spec, const Scenario& s, bool with_kind,
                            const FirmSpec* parent = nullptr) {
  toml::table t;
  if (with_kind) t.insert("kind", std::string(to_string(spec.kind)));
  if (!spec.country_shares.empty() &&
      (parent == nullptr || spec.country_shares != parent->country_shares)) {
    put_shares(t, "country", spec.country_shares, country_names(s));
  }
  const auto& reals = firm_real_params();
  for (std::size_t i = 0; i < reals.size(); ++i) {
    if (parent == nullptr || !(spec.reals[i] == parent->reals[i])) {
      put_dist(t, reals[i], spec.reals[i]);
    }
  }
  const auto& ints = firm_int_params();
  for (std::size_t i = 0; i < ints.size(); ++i) {
    if (parent == nullptr || !(spec.ints[i] == parent->ints[i])) {
      put_dist(t, ints[i], spec.ints[i], true);
    }
  }
  if (parent == nullptr || spec.counter_offers != parent->counter_offers) {
    t.insert("counter_offers", spec.counter_offers);
  }
  if (parent == nullptr || spec.needs != parent->needs) {
    toml::table needs;
    for (std::size_t i = 0; i < s.fields.size(); ++i) needs.insert(s.fields[i], spec.needs[i]);
    t.insert("needs", std::move(needs));
  }
  if (parent == nullptr || spec.rivals != parent->rivals) {
    toml::array rivals;
    for (const std::string& r : spec.rivals) rivals.push_back(r);
    t.insert("rivals", std::move(rivals));
  }
  return t;
}

}  // namespace

std::string to_toml(const Scenario& s, TomlForm form) {
  const bool layered = form == TomlForm::layered;
  toml::table doc;
  doc.insert("format_version", SCENARIO_FORMAT_VERSION);
  doc.insert("name", s.name);
  doc.insert("description", s.description);
  toml::array fields;
  for (const auto& f : s.fields) fields.push_back(f);
  doc.insert("fields", std::move(fields));

  doc.insert("run", toml::table{{"steps", s.run.steps},
                                {"seed", static_cast<std::int64_t>(s.run.seed)},
                                {"start_date", s.run.start_date}});
  doc.insert("output", toml::table{{"path", s.output.path},
                                   {"snapshot_every", s.output.snapshot_every},
                                   {"compression", s.output.compression},
                                   {"network", s.output.network}});

  toml::array countries;
  for (const Country& c : s.countries) {
    toml::table t{{"name", c.name},
                  {"visa_friction", c.visa_friction},
                  {"retention_subsidy", c.retention_subsidy},
                  {"home_pull", c.home_pull},
                  {"graduates_per_year", c.graduates_per_year}};
    put_dist(t, "graduate_skill", c.graduate_skill);
    if (!c.study_shares.empty()) put_shares(t, "study_at", c.study_shares, country_names(s));
    countries.push_back(std::move(t));
  }
  doc.insert("countries", std::move(countries));

  toml::table defaults;
  defaults.insert("firm", firm_spec_table(s.defaults.base, s, true));
  for (std::size_t k = 0; k < FIRM_KIND_COUNT; ++k) {
    defaults.insert(
        to_string(static_cast<FirmKind>(k)),
        firm_spec_table(s.defaults.by_kind[k], s, false, layered ? &s.defaults.base : nullptr));
  }
  doc.insert("defaults", std::move(defaults));

  toml::array firms;
  const auto kind_layer = [&](const FirmSpec& spec) -> const FirmSpec* {
    return layered ? &s.defaults.by_kind[static_cast<std::size_t>(spec.kind)] : nullptr;
  };
  for (const NamedFirm& f : s.named_firms) {
    toml::table t = firm_spec_table(f.spec, s, true, kind_layer(f.spec));
    t.insert("name", f.name);
    firms.push_back(std::move(t));
  }
  if (!firms.empty()) doc.insert("firms", std::move(firms));
  toml::array groups;
  for (const FirmGroup& g : s.firm_groups) {
    toml::table t = firm_spec_table(g.spec, s, true, kind_layer(g.spec));
    t.insert("name", g.name);
    t.insert("count", g.count);
    groups.push_back(std::move(t));
  }
  if (!groups.empty()) doc.insert("firm_groups", std::move(groups));

  const Population& p = s.population;
  toml::table pop{{"count", p.count},
                  {"pay_skill_elasticity", p.pay_skill_elasticity},
                  {"reservation_skill_elasticity", p.reservation_skill_elasticity},
                  {"study_where_working", p.study_where_working}};
  put_dist(pop, "skill", p.skill);
  put_shares(pop, "field", p.field_shares, s.fields);
  put_shares(pop, "origin", p.origin_shares, country_names(s));
  toml::table origin_at;
  for (std::size_t c = 0; c < p.origin_at.size(); ++c) {
    if (!p.origin_at[c].empty())
      put_shares(origin_at, s.countries[c].name, p.origin_at[c], country_names(s));
  }
  if (!origin_at.empty()) pop.insert("origin_at", std::move(origin_at));
  put_dist(pop, "reservation", p.reservation);
  toml::table prefs;
  put_dist(prefs, "w_money", p.preferences.w_money);
  put_dist(prefs, "w_compute", p.preferences.w_compute);
  put_dist(prefs, "w_mission", p.preferences.w_mission);
  put_dist(prefs, "w_peers", p.preferences.w_peers);
  put_dist(prefs, "w_home", p.preferences.w_home);
  put_dist(prefs, "switch_cost", p.preferences.switch_cost);
  pop.insert("preferences", std::move(prefs));
  doc.insert("population", std::move(pop));

  toml::array pinned;
  for (const PinnedResearcher& r : s.pinned) {
    toml::table t{{"label", r.label},
                  {"firm", r.firm >= 0 ? s.firms[static_cast<std::size_t>(r.firm)].name : ""},
                  {"field", s.fields[static_cast<std::size_t>(r.field)]},
                  {"origin", s.countries[static_cast<std::size_t>(r.origin)].name},
                  {"count", r.count},
                  {"extra_ties", r.extra_ties}};
    const auto opt = [&](std::string_view key, const std::optional<double>& v) {
      if (v) t.insert(key, *v);
    };
    opt("skill", r.skill);
    opt("skill_quantile", r.skill_quantile);
    opt("annual_value", r.annual_value);
    opt("w_money", r.w_money);
    opt("w_compute", r.w_compute);
    opt("w_mission", r.w_mission);
    opt("w_peers", r.w_peers);
    opt("w_home", r.w_home);
    opt("switch_cost", r.switch_cost);
    pinned.push_back(std::move(t));
  }
  if (!pinned.empty()) doc.insert("pinned", std::move(pinned));

  toml::table net{{"source", std::string(to_string(s.network.source))},
                  {"edge_list", s.network.edge_list},
                  {"team_density", s.network.team_density},
                  {"cross_firm_ties", s.network.cross_firm_ties}};
  put_dist(net, "team_size", s.network.team_size);
  doc.insert("network", std::move(net));

  const MarketParams& m = s.market;
  toml::table pw{{"offer_rate_employed", m.posted_wage.offer_rate_employed},
                 {"offer_rate_seeker", m.posted_wage.offer_rate_seeker},
                 {"separation_rate", m.posted_wage.separation_rate}};
  put_dist(pw, "wage", m.posted_wage.wage);
  doc.insert("market", toml::table{{"protocol", std::string(to_string(m.protocol))},
                                   {"auction_rounds", m.auction_rounds},
                                   {"bid_increment", m.bid_increment},
                                   {"bid_increment_usd", m.bid_increment_usd},
                                   {"taste_noise", m.taste_noise},
                                   {"contract_years", m.contract_years},
                                   {"knowledge_loss", m.knowledge_loss},
                                   {"outreach_bonus", m.outreach_bonus},
                                   {"talent_floor", m.talent_floor},
                                   {"visibility_exponent", m.visibility_exponent},
                                   {"applications", m.applications},
                                   {"application_noise", m.application_noise},
                                   {"study_pull", m.study_pull},
                                   {"budgets", m.budgets},
                                   {"posted_wage", std::move(pw)}});
  doc.insert("flows", toml::table{{"retirement_rate", s.flows.retirement_rate},
                                  {"layoff_rate", s.flows.layoff_rate},
                                  {"outside_rate", s.flows.outside_rate}});
  doc.insert("founders", toml::table{{"min_skill", s.founders.min_skill},
                                     {"rate_per_year", s.founders.rate_per_year},
                                     {"funding_per_skill", s.founders.funding_per_skill},
                                     {"vc_pool_per_year", s.founders.vc_pool_per_year},
                                     {"max_new_firms", s.founders.max_new_firms}});

  toml::array timeline;
  for (const TimelineEvent& e : s.timeline) {
    toml::table t{{"step", e.step}, {"label", e.label}};
    if (e.firm >= 0) t.insert("firm", s.firms[static_cast<std::size_t>(e.firm)].name);
    if (e.country >= 0) t.insert("country", s.countries[static_cast<std::size_t>(e.country)].name);
    for (const ParamChange& c : e.changes) {
      const std::string op(to_string(c.op));
      if (!t.contains(op)) t.insert(op, toml::table{});
      toml::table& ops = *t.get_as<toml::table>(op);
      if (c.param == "counter_offers") {
        ops.insert(c.param, c.value != 0.0);
      } else {
        // Scale factors stay real even for integer parameters.
        put_number(ops, c.param, c.value,
                   c.op != EventOp::scale && detail::int_param_index(c.param) >= 0);
      }
    }
    timeline.push_back(std::move(t));
  }
  if (!timeline.empty()) doc.insert("timeline", std::move(timeline));

  std::ostringstream out;
  out << "# Resolved scenario written by talentsim " << version() << " (" << git_commit()
      << "): every key explicit.\n";
  out << detail::toml_document(doc);
  return out.str();
}

}  // namespace talentsim
