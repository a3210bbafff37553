// The dynamic state of a run, for checkpoints. A Simulation is first built
// from the same scenario (which rebuilds the initial population and the
// network exactly), then every field that the steps change is overwritten.
// Floating-point accumulators (payroll, talent, progress, the pay histogram)
// are saved bit for bit, so a resumed run continues exactly.

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "engine/firm_columns.hpp"
#include "engine/world.hpp"
#include "scenario/load_detail.hpp"
#include "scenario/schema.hpp"
#include "util/binary_io.hpp"

namespace talentsim {
namespace {

using detail::BinaryReader;
using detail::BinaryWriter;

void strings(BinaryWriter& out, const std::vector<std::string>& v) {
  out.value<std::uint64_t>(v.size());
  for (const auto& s : v) out.string(s);
}

std::vector<std::string> strings(BinaryReader& in) {
  const auto n = in.value<std::uint64_t>();
  std::vector<std::string> v;
  for (std::uint64_t i = 0; i < n; ++i) v.push_back(in.string());
  return v;
}

// Every table, size and index of a restored state, checked before the engine
// uses any of it: a checkpoint edited by hand (its checksum recomputed) can
// hold anything, and the engine trusts its state (an index out of range
// would be a crash, a huge parameter an allocation without end).
void check_restored(const detail::State& w, const std::string& what) {
  const Scenario& sc = w.sc;
  const ResearcherTable& R = w.R;
  const FirmTable& F = w.F;
  const std::size_t n = R.skill.size(), nf = F.params.size();
  const std::size_t countries = sc.countries.size(), fields = sc.fields.size();
  const auto bad = [&](const std::string& part) {
    throw user_error(what + ": damaged checkpoint (" + part + ")");
  };
  if (w.step < 0 || w.step > sc.run.steps) bad("step");
  // Researchers: one entry per researcher in every column, indices in range.
  detail::researcher_columns(R, [&](const char* name, const char*, const auto& column,
                                    unsigned roles) {
    if (!(roles & detail::SAVED)) return;
    if (column.size() != n) bad(std::string("researcher table (") + name + ")");
    if constexpr (std::is_floating_point_v<typename std::decay_t<decltype(column)>::value_type>) {
      if (!std::all_of(column.begin(), column.end(), [](double x) { return std::isfinite(x); })) {
        bad(std::string("a researcher's ") + name + " is not a finite number");
      }
    }
  });
  if (n < static_cast<std::size_t>(sc.population.count)) bad("researcher table");
  for (std::size_t r = 0; r < n; ++r) {
    if (!(R.skill[r] > 0) || !std::isfinite(R.skill[r])) bad("a skill is not a positive number");
    if (R.field[r] >= fields) bad("a researcher's field index is out of range");
    if (R.origin[r] < 0 || static_cast<std::size_t>(R.origin[r]) >= countries || R.study[r] < 0 ||
        static_cast<std::size_t>(R.study[r]) >= countries) {
      bad("a researcher's country index is out of range");
    }
    const std::int32_t e = R.employer[r];
    if (e < NOT_PRESENT || (e >= 0 && static_cast<std::size_t>(e) >= nf)) bad("employers");
  }
  // Firms: the scenario's firms plus at most max_new_firms spin-outs.
  if (nf < sc.firms.size() ||
      nf > sc.firms.size() + static_cast<std::size_t>(sc.founders.max_new_firms)) {
    bad("firm table");
  }
  detail::firm_columns(F, [&](const char* name, const char*, const auto& column, unsigned roles) {
    if (!(roles & detail::SAVED)) return;
    if (column.size() != nf) bad(std::string("firm table (") + name + ")");
    if constexpr (std::is_floating_point_v<typename std::decay_t<decltype(column)>::value_type>) {
      if (!std::all_of(column.begin(), column.end(), [](double x) { return std::isfinite(x); })) {
        bad(std::string("a firm's ") + name + " is not a finite number");
      }
    }
  });
  if (w.firm_names.size() != nf) bad("firm table (names)");
  const auto& reals = firm_real_params();
  const auto& ints = firm_int_params();
  for (std::size_t f = 0; f < nf; ++f) {
    if (static_cast<std::size_t>(F.kind[f]) >= FIRM_KIND_COUNT) bad("a firm kind is unknown");
    if (F.country[f] < 0 || static_cast<std::size_t>(F.country[f]) >= countries) {
      bad("a firm's country index is out of range");
    }
    if (F.needs[f].size() != fields) bad("a firm's needs");
    for (const std::int32_t x : F.rivals[f]) {
      if (x < 0 || static_cast<std::size_t>(x) >= nf) bad("a firm's rival index is out of range");
    }
    if (F.exit_step[f] < -1 || F.exit_step[f] > w.step || F.exit_buyer[f] < NO_FIRM ||
        (F.exit_buyer[f] >= 0 && static_cast<std::size_t>(F.exit_buyer[f]) >= nf) ||
        F.exit_reason[f] >= EXIT_REASON_COUNT || F.exit_staff[f] < 0 || F.exit_price[f] < 0 ||
        (F.exit_step[f] >= 0) != (F.exit_reason[f] != 0)) {
      bad("a firm's exit record");
    }
    // Parameters within the ranges a scenario may give them.
    const FirmParams& p = F.params[f];
    for (std::size_t i = 0; i < reals.size(); ++i) {
      const double x = p.*detail::firm_real_member(static_cast<int>(i));
      const detail::KeySpec* spec = detail::find_key("firm", reals[i]);
      if (!std::isfinite(x) || (spec != nullptr && !spec->range.contains(x))) {
        bad("firm parameter " + std::string(reals[i]) + " out of range");
      }
    }
    for (std::size_t i = 0; i < ints.size(); ++i) {
      const auto x = static_cast<double>(p.*detail::firm_int_member(static_cast<int>(i)));
      const detail::KeySpec* spec = detail::find_key("firm", ints[i]);
      if (spec != nullptr && !spec->range.contains(x)) {
        bad("firm parameter " + std::string(ints[i]) + " out of range");
      }
    }
    // Each employee's row points back at its place in the firm.
    const auto& staff = F.employees[f];
    for (std::size_t k = 0; k < staff.size(); ++k) {
      const std::int32_t r = staff[k];
      if (r < 0 || static_cast<std::size_t>(r) >= n ||
          R.employer[static_cast<std::size_t>(r)] != static_cast<std::int32_t>(f) ||
          R.slot[static_cast<std::size_t>(r)] != static_cast<std::int32_t>(k)) {
        bad("employee lists");
      }
    }
  }
  for (std::size_t r = 0; r < n; ++r) {
    const std::int32_t e = R.employer[r];
    if (e >= 0 && (R.slot[r] < 0 || static_cast<std::size_t>(R.slot[r]) >=
                                        F.employees[static_cast<std::size_t>(e)].size())) {
      bad("employers");
    }
  }
  // The job seekers' list holds every job seeker once, at its slot.
  std::size_t seeking = 0;
  for (std::size_t r = 0; r < n; ++r) seeking += R.employer[r] == NO_FIRM ? 1 : 0;
  if (w.seekers.size() != seeking) bad("job seekers");
  for (std::size_t k = 0; k < w.seekers.size(); ++k) {
    const std::int32_t r = w.seekers[k];
    if (r < 0 || static_cast<std::size_t>(r) >= n ||
        R.employer[static_cast<std::size_t>(r)] != NO_FIRM ||
        R.slot[static_cast<std::size_t>(r)] != static_cast<std::int32_t>(k)) {
      bad("job seekers");
    }
  }
  for (const auto* v : {&w.C.visa_friction, &w.C.retention_subsidy, &w.C.graduates_per_year}) {
    if (v->size() != countries) bad("country table");
    if (!std::all_of(v->begin(), v->end(), [](double x) { return std::isfinite(x) && x >= 0; })) {
      bad("a country value is out of range");
    }
  }
  for (const std::int32_t r : w.founder_pool) {
    if (r < 0 || static_cast<std::size_t>(r) >= n) bad("founder pool");
  }
  for (const auto& [step, f] : w.entries) {
    if (f < 0 || static_cast<std::size_t>(f) >= nf) bad("firm entries");
  }
  if (w.new_firms < 0 || w.new_firms > sc.founders.max_new_firms ||
      static_cast<std::size_t>(w.new_firms) + sc.firms.size() != nf) {
    bad("spin-out count");
  }
  if (w.n_present < 0 || w.n_employed < 0 || w.n_employed > w.n_present ||
      static_cast<std::size_t>(w.n_present) > n || !std::isfinite(w.vc_pool) ||
      !std::isfinite(w.star_threshold)) {
    bad("counters");
  }
  if (!w.tracker.consistent(n, countries)) bad("metrics tracker");
}

// A checkpoint column: numbers and small records as raw vectors, lists of
// lists (needs, rivals, employees) nested.
template <class T>
void save_column(BinaryWriter& out, const std::vector<T>& v) {
  out.vector(v);
}
template <class T>
void save_column(BinaryWriter& out, const std::vector<std::vector<T>>& v) {
  out.nested(v);
}
template <class T>
void load_column(BinaryReader& in, std::vector<T>& v) {
  v = in.vector<T>();
}
template <class T>
void load_column(BinaryReader& in, std::vector<std::vector<T>>& v) {
  v = in.nested<T>();
}

}  // namespace

std::vector<char> Simulation::save_state() const {
  const detail::State& w = world_->state;
  BinaryWriter out;
  out.value<std::int32_t>(w.step);
  const ResearcherTable& R = w.R;
  detail::researcher_columns(R, [&](const char*, const char*, const auto& column, unsigned roles) {
    if (roles & detail::SAVED) save_column(out, column);
  });
  const FirmTable& F = w.F;
  detail::firm_columns(F, [&](const char*, const char*, const auto& column, unsigned roles) {
    if (roles & detail::SAVED) save_column(out, column);
  });
  out.vector(w.C.visa_friction);
  out.vector(w.C.retention_subsidy);
  out.vector(w.C.graduates_per_year);
  out.value(w.vc_pool);
  out.value(w.new_firms);
  out.value(w.n_present);
  out.value(w.n_employed);
  out.value(w.star_threshold);
  out.value(w.stars_present);
  out.vector(w.founder_pool);
  out.vector(w.seekers);
  out.vector(w.entries);
  strings(out, w.firm_names);
  w.tracker.save(out);
  return std::move(out.buffer());
}

void Simulation::restore_state(const char* data, std::size_t size, const std::string& what) {
  World& world = *world_;
  detail::State& w = world.state;
  BinaryReader in(data, size, what);
  w.step = in.value<std::int32_t>();
  ResearcherTable& R = w.R;
  detail::researcher_columns(R, [&](const char*, const char*, auto& column, unsigned roles) {
    if (roles & detail::SAVED) load_column(in, column);
  });
  FirmTable& F = w.F;
  detail::firm_columns(F, [&](const char*, const char*, auto& column, unsigned roles) {
    if (roles & detail::SAVED) load_column(in, column);
  });
  w.C.visa_friction = in.vector<double>();
  w.C.retention_subsidy = in.vector<double>();
  w.C.graduates_per_year = in.vector<double>();
  w.vc_pool = in.value<double>();
  w.new_firms = in.value<std::int64_t>();
  w.n_present = in.value<std::int64_t>();
  w.n_employed = in.value<std::int64_t>();
  w.star_threshold = in.value<double>();
  w.stars_present = in.value<std::int64_t>();
  w.founder_pool = in.vector<std::int32_t>();
  w.seekers = in.vector<std::int32_t>();
  w.entries = in.vector<std::pair<std::int64_t, std::int32_t>>();
  w.firm_names = strings(in);
  w.tracker.load(in);
  if (in.position() != size) throw user_error(what + ": damaged checkpoint (trailing data)");

  check_restored(w, what);
  const std::size_t n = R.skill.size(), nf = F.params.size();

  // Per-step firm columns follow the (possibly longer) firm table; the
  // phases' own buffers size themselves to the tables at each step.
  detail::firm_columns(F, [&](const char*, const char*, auto& column, unsigned roles) {
    if (!(roles & detail::SAVED)) column.resize(nf);
  });
  world.ledger.open(F);
  // The neighbours' employers and the sampler follow the researcher table.
  // The sampler is rebuilt from scratch: the one the constructor built for
  // the initial population would keep a block's table as built for fewer
  // ids when every id added to it since has weight zero again, and draw
  // differently from the run that was saved (whose blocks were rebuilt as
  // ids were added).
  w.peers.build(w.net, R.employer);
  w.rebuild_needs();
  w.rebuild_staff_rows();
  w.sampler = detail::VisibilitySampler{};
  for (std::size_t r = 0; r < n; ++r) {
    w.sampler.set_weight(r, R.employer[r] == NOT_PRESENT
                                ? 0.0
                                : std::pow(R.skill[r], w.sc.market.visibility_exponent));
  }
  w.sampler.refresh();
  world.log.clear();
  detail::compute_metrics(w, world.log, world.metrics);
}

}  // namespace talentsim
