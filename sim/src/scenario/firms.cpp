// Firm parameters: layered defaults, named firms, generated groups, and the
// realisation of the initial firm table.

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <unordered_map>

#include "random/rng.hpp"
#include "scenario/load_detail.hpp"
#include "talentsim/errors.hpp"
#include "util/suggest.hpp"

namespace talentsim {
namespace {

struct RealParam {
  std::string_view name;
  double FirmParams::*member;
};
struct IntParam {
  std::string_view name;
  std::int64_t FirmParams::*member;
};

constexpr std::array REAL_PARAMS = {
    RealParam{"cash", &FirmParams::cash},
    RealParam{"income", &FirmParams::income},
    RealParam{"comp_budget_share", &FirmParams::comp_budget_share},
    RealParam{"min_cash_reserve", &FirmParams::min_cash_reserve},
    RealParam{"runway_years", &FirmParams::runway_years},
    RealParam{"compute", &FirmParams::compute},
    RealParam{"capex", &FirmParams::capex},
    RealParam{"gpu_cost", &FirmParams::gpu_cost},
    RealParam{"compute_depreciation", &FirmParams::compute_depreciation},
    RealParam{"opex_per_gpu", &FirmParams::opex_per_gpu},
    RealParam{"tfp", &FirmParams::tfp},
    RealParam{"alpha", &FirmParams::alpha},
    RealParam{"ai_value", &FirmParams::ai_value},
    RealParam{"referral_share", &FirmParams::referral_share},
    RealParam{"bid_markup", &FirmParams::bid_markup},
    RealParam{"signing_share", &FirmParams::signing_share},
    RealParam{"equity_share", &FirmParams::equity_share},
    RealParam{"equity_haircut", &FirmParams::equity_haircut},
    RealParam{"denial_weight", &FirmParams::denial_weight},
    RealParam{"mission", &FirmParams::mission},
    RealParam{"skill_scale", &FirmParams::skill_scale},
    RealParam{"pay_level", &FirmParams::pay_level},
    // Added after the first release: drawn after the integer parameters (see
    // realise_params), so existing scenarios keep their values.
    RealParam{"exit_talent_share", &FirmParams::exit_talent_share},
    RealParam{"headcount_plan", &FirmParams::headcount_plan},
    RealParam{"plan_growth", &FirmParams::plan_growth},
    RealParam{"plan_seats", &FirmParams::plan_seats},
    RealParam{"raise_below_years", &FirmParams::raise_below_years},
    RealParam{"round_years", &FirmParams::round_years},
    RealParam{"raise_talent_share", &FirmParams::raise_talent_share},
    RealParam{"attrition", &FirmParams::attrition},
};
//! How many of the last REAL_PARAMS are drawn after the integer parameters.
constexpr std::size_t LATE_REALS = 8;

constexpr std::array INT_PARAMS = {
    IntParam{"attention", &FirmParams::attention},
    IntParam{"outreach", &FirmParams::outreach},
    IntParam{"headcount", &FirmParams::headcount},
    IntParam{"enter_step", &FirmParams::enter_step},
    IntParam{"max_hires_per_step", &FirmParams::max_hires_per_step},
};

constexpr std::array<std::string_view, FIRM_KIND_COUNT> KIND_NAMES = {"bigtech", "lab", "startup",
                                                                      "academia", "state"};

}  // namespace

std::string_view to_string(FirmKind kind) noexcept {
  return KIND_NAMES[static_cast<std::size_t>(kind)];
}

const std::vector<std::string_view>& firm_real_params() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& p : REAL_PARAMS) out.push_back(p.name);
    return out;
  }();
  return names;
}

const std::vector<std::string_view>& firm_int_params() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& p : INT_PARAMS) out.push_back(p.name);
    return out;
  }();
  return names;
}

namespace detail {
namespace {

const toml::table& empty_table() {
  static const toml::table empty;
  return empty;
}

// Reads the keys present in `r` over `base`. `kind_fixed`: the layer belongs
// to one kind (defaults.<kind>), so `kind` may not be set in it.
FirmSpec read_layer(Reader& r, const FirmSpec& base, const FirmContext& ctx, bool kind_fixed) {
  FirmSpec spec = base;
  if (r.has("kind")) {
    if (kind_fixed) r.fail("kind", "'kind' cannot be set inside defaults.<kind>");
    spec.kind = parse_kind(r, "kind");
  }
  if (const toml::node* n = r.node("country")) {
    spec.country_shares =
        parse_label_shares(*n, r.file(), r.key_path("country"), ctx.countries, "country");
  }
  for (std::size_t i = 0; i < REAL_PARAMS.size(); ++i) {
    if (r.has(REAL_PARAMS[i].name)) spec.reals[i] = r.dist(REAL_PARAMS[i].name);
  }
  for (std::size_t i = 0; i < INT_PARAMS.size(); ++i) {
    const std::string_view name = INT_PARAMS[i].name;
    if (!r.has(name)) continue;
    Distribution d = r.dist(name);
    if (const auto* c = std::get_if<Constant>(&d.family()); c && c->value != std::floor(c->value)) {
      r.fail(name, "must be a whole number, got " + format_number(c->value));
    }
    spec.ints[i] = std::move(d);
  }
  if (r.has("counter_offers")) spec.counter_offers = r.boolean("counter_offers");
  if (const toml::table* needs = r.subtable("needs")) {
    std::vector<std::string_view> names(ctx.fields.begin(), ctx.fields.end());
    for (const auto& [k, v] : *needs) {
      const std::string key = join_key(r.key_path("needs"), k.str());
      const auto it = std::find(ctx.fields.begin(), ctx.fields.end(), k.str());
      if (it == ctx.fields.end()) {
        fail_at(&v, r.file(), key,
                "unknown field '" + std::string(k.str()) + "'" + did_you_mean(k.str(), names));
      }
      const double w = as_number(v, r.file(), key);
      if (w < 0) fail_at(&v, r.file(), key, "must be >= 0, got " + format_number(w));
      spec.needs[static_cast<std::size_t>(it - ctx.fields.begin())] = w;
    }
  }
  if (r.has("rivals")) {
    spec.rivals = r.string_list("rivals");
    std::vector<std::string_view> names(ctx.firm_names.begin(), ctx.firm_names.end());
    names.insert(names.end(), ctx.group_names.begin(), ctx.group_names.end());
    const toml::node* self = r.table().get("name");
    for (const std::string& rival : spec.rivals) {
      if (self != nullptr && self->is_string() && self->as_string()->get() == rival &&
          std::find(ctx.firm_names.begin(), ctx.firm_names.end(), rival) != ctx.firm_names.end()) {
        r.fail("rivals", "a firm cannot be its own rival ('" + rival + "')");
      }
      if (std::find(names.begin(), names.end(), rival) == names.end()) {
        r.fail("rivals", "unknown firm or group '" + rival + "'" + did_you_mean(rival, names));
      }
    }
  }
  return spec;
}

FirmSpec builtin_spec(const FirmContext& ctx) {
  FirmSpec spec;
  Reader r(empty_table(), "defaults.firm", {"firm"}, ctx.file);
  spec.kind = FirmKind::startup;
  for (const auto& p : REAL_PARAMS) spec.reals.push_back(r.dist(p.name));
  for (const auto& p : INT_PARAMS) spec.ints.push_back(r.dist(p.name));
  spec.counter_offers = r.boolean("counter_offers");
  spec.needs.assign(ctx.fields.size(), 1.0);
  return spec;
}

// Every firm a spec can produce must pay at most its whole package as
// signing plus equity; checked on the largest possible draws, so the verdict
// does not depend on the seed.
void check_package(Reader& r, const FirmSpec& spec) {
  const auto signing = static_cast<std::size_t>(real_param_index("signing_share"));
  const auto equity = static_cast<std::size_t>(real_param_index("equity_share"));
  const double most = spec.reals[signing].support_high() + spec.reals[equity].support_high();
  if (most > 1.0 + 1e-12) {
    const std::string_view key = r.has("equity_share")    ? "equity_share"
                                 : r.has("signing_share") ? "signing_share"
                                                          : "";
    r.fail(key, "signing_share + equity_share must be <= 1, got up to " + format_number(most));
  }
}

std::int64_t realise_int(const Distribution& d, CounterRng& rng) {
  return static_cast<std::int64_t>(std::llround(d.sample(rng)));
}

}  // namespace

int real_param_index(std::string_view name) {
  for (std::size_t i = 0; i < REAL_PARAMS.size(); ++i) {
    if (REAL_PARAMS[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int int_param_index(std::string_view name) {
  for (std::size_t i = 0; i < INT_PARAMS.size(); ++i) {
    if (INT_PARAMS[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

double FirmParams::*firm_real_member(int index) {
  return REAL_PARAMS[static_cast<std::size_t>(index)].member;
}

std::int64_t FirmParams::*firm_int_member(int index) {
  return INT_PARAMS[static_cast<std::size_t>(index)].member;
}

FirmKind parse_kind(Reader& r, std::string_view key) {
  const std::string kind = r.string(key);
  for (std::size_t i = 0; i < KIND_NAMES.size(); ++i) {
    if (KIND_NAMES[i] == kind) return static_cast<FirmKind>(i);
  }
  std::vector<std::string_view> names(KIND_NAMES.begin(), KIND_NAMES.end());
  r.fail(key, "unknown firm kind '" + kind + "'; allowed: bigtech, lab, startup, academia, state" +
                  did_you_mean(kind, names));
}

FirmParams realise_params(const FirmSpec& spec, std::uint64_t seed, std::uint64_t a,
                          std::uint64_t b) {
  FirmParams params;
  // One generator per firm; parameters draw in a fixed order with a fixed
  // number of uniforms each, so a firm's values depend only on (seed, a, b).
  // Parameters added later draw last, so adding one never changes the values
  // an existing scenario gets for the others.
  CounterRng rng(seed, Stream::firm_expansion, a, b);
  const std::size_t early = REAL_PARAMS.size() - LATE_REALS;
  for (std::size_t i = 0; i < early; ++i) {
    params.*REAL_PARAMS[i].member = spec.reals[i].sample(rng);
  }
  for (std::size_t i = 0; i < INT_PARAMS.size(); ++i) {
    params.*INT_PARAMS[i].member = realise_int(spec.ints[i], rng);
  }
  for (std::size_t i = early; i < REAL_PARAMS.size(); ++i) {
    params.*REAL_PARAMS[i].member = spec.reals[i].sample(rng);
  }
  params.counter_offers = spec.counter_offers;
  return params;
}

FirmDefaults read_firm_defaults(const toml::table* defaults, const FirmContext& ctx,
                                const std::string& file) {
  FirmDefaults out;
  const FirmSpec builtin = builtin_spec(ctx);
  const toml::table& table = defaults != nullptr ? *defaults : empty_table();
  Reader d(table, "defaults", {"defaults"}, file);
  if (const toml::table* t = d.subtable("firm")) {
    Reader r(*t, "defaults.firm", {"firm"}, file);
    out.base = read_layer(r, builtin, ctx, false);
    r.finish();
  } else {
    out.base = builtin;
  }
  for (std::size_t k = 0; k < FIRM_KIND_COUNT; ++k) {
    FirmSpec layer = out.base;
    if (const toml::table* t = d.subtable(KIND_NAMES[k])) {
      Reader r(*t, join_key("defaults", KIND_NAMES[k]), {"firm"}, file);
      layer = read_layer(r, out.base, ctx, true);
      r.finish();
    }
    layer.kind = static_cast<FirmKind>(k);
    out.by_kind.push_back(std::move(layer));
  }
  d.finish();
  return out;
}

void read_firms(Reader& root, Scenario& s, const FirmContext& ctx) {
  std::set<std::string> names;
  const auto check_unique = [&](Reader& r, const std::string& name) {
    if (name.empty()) r.fail("name", "must not be empty");
    if (!names.insert(name).second) r.fail("name", "duplicate firm or group name '" + name + "'");
  };
  // The kind decides which defaults layer applies, so read it first.
  const auto layer_for = [&](Reader& r) -> const FirmSpec& {
    const FirmKind kind = r.has("kind") ? parse_kind(r, "kind") : s.defaults.base.kind;
    return s.defaults.by_kind[static_cast<std::size_t>(kind)];
  };
  std::vector<const toml::table*> named_tables = root.tables("firms");
  std::vector<const toml::table*> group_tables = root.tables("firm_groups");

  for (std::size_t i = 0; i < named_tables.size(); ++i) {
    Reader r(*named_tables[i], join_key("firms", std::to_string(i)), {"firms[]", "firm"}, ctx.file);
    NamedFirm firm;
    firm.name = r.string("name");
    check_unique(r, firm.name);
    Reader named(*named_tables[i], join_key("firms", firm.name), {"firms[]", "firm"}, ctx.file);
    (void)named.string("name");
    firm.spec = read_layer(named, layer_for(named), ctx, false);
    check_package(named, firm.spec);
    if (firm.spec.country_shares.empty()) {
      named.fail("", "firm '" + firm.name + "' has no country (set 'country' here or in defaults)");
    }
    named.finish();
    s.named_firms.push_back(std::move(firm));
  }
  for (std::size_t i = 0; i < group_tables.size(); ++i) {
    Reader r(*group_tables[i], join_key("firm_groups", std::to_string(i)),
             {"firm_groups[]", "firm"}, ctx.file);
    FirmGroup group;
    group.name = r.string("name");
    check_unique(r, group.name);
    Reader g(*group_tables[i], join_key("firm_groups", group.name), {"firm_groups[]", "firm"},
             ctx.file);
    (void)g.string("name");
    group.count = g.integer("count");
    group.spec = read_layer(g, layer_for(g), ctx, false);
    check_package(g, group.spec);
    if (group.spec.country_shares.empty()) {
      g.fail("", "group '" + group.name + "' has no country (set 'country' here or in defaults)");
    }
    g.finish();
    s.firm_groups.push_back(std::move(group));
  }

  // Realise the firm table: named firms first, then each group in order.
  const std::uint64_t seed = s.run.seed;
  const auto realise = [&](const std::string& name, const std::string& group, const FirmSpec& spec,
                           std::uint64_t a, std::uint64_t b) {
    Firm firm;
    firm.name = name;
    firm.group = group;
    firm.kind = spec.kind;
    firm.params = realise_params(spec, seed, a, b);
    Distribution country(Categorical{{}, {}, spec.country_shares});
    CounterRng rng(seed, Stream::firm_expansion, a, b, 1);
    firm.country = static_cast<std::int32_t>(country.sample_index(rng));
    firm.needs = spec.needs;
    s.firms.push_back(std::move(firm));
  };
  for (std::size_t i = 0; i < s.named_firms.size(); ++i) {
    realise(s.named_firms[i].name, "", s.named_firms[i].spec, 0, i);
  }
  for (std::size_t g = 0; g < s.firm_groups.size(); ++g) {
    const FirmGroup& group = s.firm_groups[g];
    for (std::int64_t k = 0; k < group.count; ++k) {
      const std::string name = group.name + " " + std::to_string(k + 1);
      if (names.count(name) != 0) {
        fail_at(group_tables[g], ctx.file, join_key("firm_groups", group.name),
                "generated firm name '" + name + "' collides with another firm");
      }
      realise(name, group.name, group.spec, g + 1, static_cast<std::uint64_t>(k));
    }
  }
  if (s.firms.size() + static_cast<std::size_t>(s.founders.max_new_firms) > 2'000'000'000ull) {
    root.fail("firm_groups", "too many firms (the firm table is limited to 2e9 entries)");
  }

  // Resolve rivals (a group name stands for all of its firms).
  std::unordered_map<std::string, std::vector<std::int32_t>> members;
  for (std::size_t j = 0; j < s.firms.size(); ++j) {
    const auto index = static_cast<std::int32_t>(j);
    members[s.firms[j].name].push_back(index);
    if (!s.firms[j].group.empty()) members[s.firms[j].group].push_back(index);
  }
  const auto resolve = [&](Firm& firm, const FirmSpec& spec, std::int32_t self) {
    for (const std::string& rival : spec.rivals) {
      for (std::int32_t j : members[rival])
        if (j != self) firm.rivals.push_back(j);
    }
    std::sort(firm.rivals.begin(), firm.rivals.end());
    firm.rivals.erase(std::unique(firm.rivals.begin(), firm.rivals.end()), firm.rivals.end());
  };
  std::size_t next = 0;
  for (const NamedFirm& nf : s.named_firms) {
    resolve(s.firms[next], nf.spec, static_cast<std::int32_t>(next));
    ++next;
  }
  for (const FirmGroup& fg : s.firm_groups) {
    for (std::int64_t k = 0; k < fg.count; ++k, ++next) {
      resolve(s.firms[next], fg.spec, static_cast<std::int32_t>(next));
    }
  }
}

}  // namespace detail
}  // namespace talentsim
