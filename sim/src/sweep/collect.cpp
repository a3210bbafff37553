// sweep collect: one HDF5 file with a dataset per collected output, one
// dimension per sweep dimension plus seed (and step, country). Each run is
// opened once and written into its slot; missing or failed points stay NaN
// and are listed.

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>

#include "io/hdf5.hpp"
#include "sweep/sweep.hpp"
#include "talentsim/errors.hpp"
#include "talentsim/output.hpp"
#include "talentsim/version.hpp"
#include "util/files.hpp"
#include "util/format.hpp"

namespace talentsim::detail {
namespace {

namespace fs = std::filesystem;
constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

bool numeric(const std::string& s, double& x) {
  char* end = nullptr;
  x = std::strtod(s.c_str(), &end);
  return end != s.c_str() && *end == '\0';
}

void write_coord(hid_t group, const std::string& name, const std::vector<std::string>& values,
                 const std::string& dim) {
  std::vector<double> nums;
  bool all_numeric = true;
  for (const auto& v : values) {
    double x = 0;
    if (!numeric(v, x)) all_numeric = false;
    nums.push_back(x);
  }
  if (all_numeric) {
    h5::write_vector(group, name, nums, 0);
  } else {
    std::vector<std::string> text;
    for (const auto& v : values) {
      text.push_back(
          v.size() >= 2 && v.front() == '"' && v.back() == '"' ? v.substr(1, v.size() - 2) : v);
    }
    h5::write_strings(group, name, text);
  }
  h5::Handle ds = h5::open_dataset(group, name);
  h5::write_attribute(ds.id(), "dim", dim);
  ds.close();
}

}  // namespace

std::size_t collect_sweep(const SweepPlan& plan, const SweepDir& dir) {
  // The shape of every run follows from the base scenario and the sweep.
  std::int64_t steps = 0;
  std::vector<std::string> countries;
  {
    std::int64_t most = 0;
    bool steps_swept = false;
    for (const SweepDim& d : plan.dims)
      for (const auto& path : d.paths) steps_swept = steps_swept || path == "run.steps";
    const std::size_t stride = steps_swept ? plan.seeds.size() : plan.points();
    for (std::size_t p = 0; p < plan.points(); p += std::max<std::size_t>(1, stride)) {
      const Scenario sc =
          load_scenario_text(plan.base_text, dir.base(), plan.overrides_of(p), plan.base_dir);
      most = std::max(most, sc.run.steps);
      if (countries.empty()) {
        for (const Country& c : sc.countries) countries.push_back(c.name);
      }
    }
    steps = most;
  }
  const auto metrics = plan.collect.metrics.empty() ? metric_names() : plan.collect.metrics;
  const auto by_country =
      plan.collect.by_country.empty() ? country_metric_names() : plan.collect.by_country;
  const bool final_only = plan.collect.final_only;
  const hsize_t S = final_only ? 1 : static_cast<hsize_t>(steps + 1);
  const hsize_t C = countries.size();

  std::vector<hsize_t> shape;
  std::vector<std::string> dim_names;
  for (const SweepDim& d : plan.dims) {
    shape.push_back(d.size());
    dim_names.push_back(d.name);
  }
  shape.push_back(plan.seeds.size());
  dim_names.push_back("seed");
  if (!final_only) dim_names.push_back("step");

  // Written under a locked temporary name (a second collect of the same
  // sweep fails instead of writing over it), renamed when complete; on any
  // failure the temporary is removed and an existing sweep.h5 is kept.
  const std::string tmp = dir.collected() + ".tmp";
  struct Cleanup {
    detail::LockedFile lock;
    bool done = false;
    ~Cleanup() {
      if (!done) lock.remove();
    }
  } cleanup{detail::LockedFile(tmp)};
  cleanup.lock.overwrite({});
  h5::Handle file = h5::create_file(tmp);
  if (!cleanup.lock.same_as(h5::file_descriptor(file.id()))) {
    throw io_error(tmp + " was replaced while it was being opened; run collect again");
  }
  const hid_t root = file.id();
  h5::write_attribute(root, "format", std::string(SWEEP_FORMAT));
  h5::write_attribute(root, "schema_version", SWEEP_SCHEMA_VERSION);
  h5::write_attribute(root, "talentsim_version", std::string(version()));
  h5::write_attribute(root, "git_commit", std::string(git_commit()));
  h5::write_attribute(root, "name", plan.name);
  h5::write_attribute(root, "created", detail::iso_now());
  h5::write_attribute(root, "dims", dim_names);

  h5::Handle coords = h5::create_group(root, "coords");
  for (const SweepDim& d : plan.dims) {
    if (d.paths.size() == 1 && d.name == d.paths[0]) {
      std::vector<std::string> v;
      for (const auto& row : d.values) v.push_back(row[0]);
      write_coord(coords.id(), d.name, v, d.name);
    } else {
      std::vector<std::string> index;
      for (std::size_t i = 0; i < d.size(); ++i) index.push_back(std::to_string(i));
      write_coord(coords.id(), d.name, index, d.name);
      for (std::size_t k = 0; k < d.paths.size(); ++k) {
        std::vector<std::string> v;
        for (const auto& row : d.values) v.push_back(row[k]);
        write_coord(coords.id(), d.paths[k], v, d.name);
      }
    }
  }
  {
    const auto index_coord = [&](const std::string& name, std::vector<std::int64_t> values) {
      h5::write_vector(coords.id(), name, values, 0);
      h5::write_attribute(h5::open_dataset(coords.id(), name).id(), "dim", name);
    };
    index_coord("seed", {plan.seeds.begin(), plan.seeds.end()});
    if (!final_only) {
      std::vector<std::int64_t> step_values(S);
      for (hsize_t s = 0; s < S; ++s) step_values[s] = static_cast<std::int64_t>(s);
      index_coord("step", step_values);
    }
    h5::write_strings(coords.id(), "country", countries);
  }

  const auto make = [&](hid_t group, const std::string& name, bool per_country) {
    std::vector<hsize_t> dims = shape, chunk(shape.size(), 1);
    dims.push_back(S);
    chunk.push_back(S);
    if (per_country) {
      dims.push_back(C);
      chunk.push_back(std::max<hsize_t>(1, C));
    }
    h5::Handle ds = h5::create_dataset<double>(group, name, dims, chunk, 4, NaN);
    std::vector<std::string> names = dim_names;
    if (final_only) names.push_back("step");
    if (per_country) names.push_back("country");
    h5::write_attribute(ds.id(), "dims", names);
    return ds;
  };
  h5::Handle mgroup = h5::create_group(root, "metrics");
  h5::Handle cgroup = h5::create_group(root, "by_country");
  std::vector<h5::Handle> mds, cds;
  for (const auto& m : metrics) mds.push_back(make(mgroup.id(), m, false));
  for (const auto& m : by_country) cds.push_back(make(cgroup.id(), m, true));

  std::vector<std::int32_t> status(plan.points(), 0);
  std::vector<std::string> source(plan.points()), commits(plan.points());
  std::vector<std::int64_t> missing;
  for (std::size_t p = 0; p < plan.points(); ++p) {
    const std::string run = dir.run(p);
    source[p] = run;
    if (!is_complete_output(run)) {
      status[p] = fs::exists(run) ? 2 : 1;
      missing.push_back(static_cast<std::int64_t>(p));
      continue;
    }
    h5::Handle in = h5::open_file(run);
    commits[p] = h5::read_string_attribute(in.id(), "git_commit");
    const auto coordinates = plan.coordinates(p);
    std::vector<hsize_t> start(coordinates.begin(), coordinates.end());
    std::vector<hsize_t> count(start.size(), 1);
    for (std::size_t i = 0; i < metrics.size(); ++i) {
      std::vector<double> series = h5::read_all<double>(in.id(), "metrics/" + metrics[i]);
      if (final_only) series = {series.back()};
      series.resize(S, NaN);
      auto st = start, ct = count;
      st.push_back(0);
      ct.push_back(S);
      h5::write_block(mds[i].id(), series.data(), st, ct);
    }
    for (std::size_t i = 0; i < by_country.size(); ++i) {
      std::vector<double> table =
          h5::read_all<double>(in.id(), "metrics/by_country/" + by_country[i]);
      if (final_only) table.erase(table.begin(), table.end() - static_cast<long>(C));
      table.resize(S * C, NaN);
      auto st = start, ct = count;
      st.push_back(0);
      st.push_back(0);
      ct.push_back(S);
      ct.push_back(C);
      h5::write_block(cds[i].id(), table.data(), st, ct);
    }
  }
  h5::Handle pts = h5::create_group(root, "points");
  h5::write_vector(pts.id(), "status", status, 0);
  h5::write_attribute(
      h5::open_dataset(pts.id(), "status").id(), "codes",
      std::vector<std::string>{"0 collected", "1 missing", "2 failed or incomplete"});
  h5::write_strings(pts.id(), "output", source);
  h5::write_strings(pts.id(), "git_commit", commits);
  h5::write_vector(pts.id(), "missing", missing, 0);
  h5::write_attribute(root, "missing", static_cast<std::int64_t>(missing.size()));
  for (auto& d : mds) d.close();
  for (auto& d : cds) d.close();
  pts.close();
  mgroup.close();
  cgroup.close();
  coords.close();
  h5::check(H5Fflush(file.id(), H5F_SCOPE_GLOBAL), "flushing " + tmp);
  file.close();
  cleanup.lock.sync();
  if (::rename(tmp.c_str(), dir.collected().c_str()) != 0) {
    throw io_error("cannot write " + dir.collected() + ": " + detail::errno_text(errno));
  }
  detail::sync_directory(dir.collected());
  cleanup.done = true;
  return missing.size();
}

}  // namespace talentsim::detail
