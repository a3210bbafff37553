#include "io/verify.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "talentsim/errors.hpp"
#include "talentsim/output.hpp"
#include "talentsim/simulation.hpp"

namespace talentsim::detail {
namespace {

std::vector<hsize_t> shape(hid_t root, const std::string& name) {
  if (!h5::exists(root, name)) throw io_error("/" + name + " is missing");
  return h5::dataset_shape(root, name);
}

[[noreturn]] void bad_shape(const std::string& name, const std::vector<hsize_t>& got,
                            const std::string& expected) {
  std::string text = "[";
  for (std::size_t i = 0; i < got.size(); ++i) text += (i ? ", " : "") + std::to_string(got[i]);
  throw io_error("/" + name + " has shape " + text + "], expected " + expected);
}

void expect_shape(hid_t root, const std::string& name, const std::vector<hsize_t>& want,
                  const std::string& expected) {
  const auto got = shape(root, name);
  if (got != want) bad_shape(name, got, expected);
}

template <class T>
void expect_range(const std::vector<T>& v, const std::string& name, std::int64_t lo,
                  std::int64_t hi, const std::string& meaning) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto x = static_cast<std::int64_t>(v[i]);
    if (x < lo || x > hi) {
      throw io_error("/" + name + " holds " + std::to_string(x) + " at [" + std::to_string(i) +
                     "], outside " + std::to_string(lo) + ".." + std::to_string(hi) + " (" +
                     meaning + ")");
    }
  }
}

struct Names {
  std::vector<std::string> datasets;
};

herr_t collect(hid_t, const char* name, const H5O_info_t* info, void* data) {
  if (info->type == H5O_TYPE_DATASET) static_cast<Names*>(data)->datasets.emplace_back(name);
  return 0;
}

void read_through(hid_t root, const std::string& name) {
  h5::Handle ds = h5::open_dataset(root, name);
  h5::Handle ftype(h5::check_id(H5Dget_type(ds.id()), "type of " + name), H5Tclose);
  if (H5Tget_class(ftype.id()) == H5T_STRING) {
    (void)h5::read_strings(root, name);
    return;
  }
  h5::Handle mtype(h5::check_id(H5Tget_native_type(ftype.id(), H5T_DIR_ASCEND), "native type"),
                   H5Tclose);
  const std::size_t size = H5Tget_size(mtype.id());
  h5::Handle space(h5::check_id(H5Dget_space(ds.id()), "dataspace of " + name), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 0 || rank > 8) throw io_error("/" + name + " has a bad rank");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  h5::check(H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr), "extent of " + name);
  if (rank == 0 || std::find(dims.begin(), dims.end(), 0) != dims.end()) {
    if (rank == 0) {
      std::vector<char> one(size);
      h5::check(H5Dread(ds.id(), mtype.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, one.data()),
                "reading " + name);
    }
    return;
  }
  hsize_t row = size;
  for (int d = 1; d < rank; ++d) row *= dims[static_cast<std::size_t>(d)];
  const hsize_t block = std::max<hsize_t>(1, (hsize_t{64} << 20) / std::max<hsize_t>(1, row));
  std::vector<char> buf;
  for (hsize_t r0 = 0; r0 < dims[0]; r0 += block) {
    std::vector<hsize_t> start(dims.size(), 0), count = dims;
    start[0] = r0;
    count[0] = std::min(block, dims[0] - r0);
    buf.resize(static_cast<std::size_t>(count[0] * row));
    h5::check(H5Sselect_hyperslab(space.id(), H5S_SELECT_SET, start.data(), nullptr, count.data(),
                                  nullptr),
              "selecting " + name);
    h5::Handle mem(h5::check_id(H5Screate_simple(rank, count.data(), nullptr), "memory space"),
                   H5Sclose);
    h5::check(H5Dread(ds.id(), mtype.id(), mem.id(), space.id(), H5P_DEFAULT, buf.data()),
              "reading " + name + " (the data does not decode: damaged)");
  }
}

}  // namespace

std::string hdf5_format_of(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw user_error(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw user_error(path + ": is a directory");
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw user_error(path + ": not a regular file (a device, FIFO or socket)");
  }
  h5::quiet_errors();
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    throw user_error(path +
                     ": not an HDF5 file, so not a talentsim file (or it is truncated before "
                     "its header)");
  }
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file)
    throw user_error(path + ": cannot be opened as HDF5: the file is truncated or damaged");
  try {
    if (!h5::has_attribute(file.id(), "format")) return "";
    return h5::read_string_attribute(file.id(), "format");
  } catch (const io_error&) {
    return "";
  }
}

h5::Handle open_talentsim_file(const std::string& path, const std::string& format,
                               std::int64_t max_schema, std::int64_t* schema_out) {
  const std::string found = hdf5_format_of(path);
  if (found.empty()) {
    throw user_error(path + ": not a talentsim file (it has no format = \"" + format +
                     "\" attribute)");
  }
  if (found != format) {
    throw user_error(
        path + ": not a " +
        (format == OUTPUT_FORMAT ? std::string("talentsim output") : "\"" + format + "\"") +
        " file (format is \"" + found + "\")");
  }
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file)
    throw user_error(path + ": cannot be opened as HDF5: the file is truncated or damaged");
  std::int64_t schema = 0;
  try {
    schema = h5::read_int_attribute(file.id(), "schema_version");
  } catch (const io_error&) {
    throw user_error(path + ": talentsim file without an integer schema_version");
  }
  if (schema > max_schema) {
    throw user_error(path + ": written with schema " + std::to_string(schema) +
                     " by a newer talentsim; this build reads schemas 1.." +
                     std::to_string(max_schema) + " (upgrade talentsim)");
  }
  if (schema < 1) throw user_error(path + ": invalid schema_version " + std::to_string(schema));
  if (schema_out != nullptr) *schema_out = schema;
  return file;
}

void read_every_dataset(hid_t root) {
  Names names;
  h5::check(H5Ovisit2(root, H5_INDEX_NAME, H5_ITER_INC, collect, &names, H5O_INFO_BASIC),
            "listing the datasets");
  for (const std::string& name : names.datasets) read_through(root, name);
}

void verify_run_file(hid_t root) {
  for (const char* attr : {"scenario", "talentsim_version", "git_commit", "created"}) {
    (void)h5::read_string_attribute(root, attr);
  }
  for (const char* attr : {"complete", "steps", "seed", "steps_per_year"}) {
    (void)h5::read_int_attribute(root, attr);
  }
  const hsize_t rows = shape(root, "metrics/talent_hhi").at(0);
  if (rows == 0) throw io_error("no steps recorded (/metrics/talent_hhi is empty)");
  const std::string n_rows = std::to_string(rows);
  for (const std::string& m : metric_names()) {
    expect_shape(root, "metrics/" + m, {rows}, "[" + n_rows + "] (one row per step)");
  }
  const auto firm_names = h5::read_strings(root, "firms/name");
  const hsize_t F = firm_names.size();
  const std::string nf = std::to_string(F);
  for (const char* v : {"cash", "compute", "headcount", "payroll", "talent", "progress", "hires",
                        "departures", "offers_made", "offers_accepted", "active"}) {
    expect_shape(root, std::string("firms/series/") + v, {rows, F},
                 "[" + n_rows + ", " + nf + "] (steps x /firms/name)");
  }
  expect_shape(root, "firms/kind", {F}, "[" + nf + "] (as /firms/name)");
  expect_shape(root, "firms/country", {F}, "[" + nf + "] (as /firms/name)");
  const hsize_t C = shape(root, "countries/name").at(0);
  const std::string nc = std::to_string(C);
  for (const std::string& m : country_metric_names()) {
    expect_shape(root, "metrics/by_country/" + m, {rows, C},
                 "[" + n_rows + ", " + nc + "] (steps x /countries/name)");
  }
  const hsize_t R = shape(root, "researchers/skill").at(0);
  const std::string nr = std::to_string(R);
  for (const char* v : {"field", "origin", "entered_step"}) {
    expect_shape(root, std::string("researchers/") + v, {R}, "[" + nr + "] (as skill)");
  }
  const hsize_t S = shape(root, "researchers/snapshots/step").at(0);
  for (const char* v : {"employer", "annual_value"}) {
    expect_shape(root, std::string("researchers/snapshots/") + v, {S, R},
                 "[" + std::to_string(S) + ", " + nr + "] (snapshots x researchers)");
  }
  const hsize_t E = shape(root, "events/step").at(0);
  for (const char* v : {"researcher", "from_firm", "to_firm", "kind", "salary", "signing", "equity",
                        "annual_value", "outreach"}) {
    expect_shape(root, std::string("events/") + v, {E},
                 "[" + std::to_string(E) + "] (every /events column as long as /events/step)");
  }

  const auto max_index = [](hsize_t n) { return static_cast<std::int64_t>(n) - 1; };
  const auto last_step = max_index(rows);
  expect_range(h5::read_all<std::int32_t>(root, "events/step"), "events/step", 0, last_step,
               "a recorded step");
  expect_range(h5::read_all<std::int32_t>(root, "events/researcher"), "events/researcher", 0,
               max_index(R), "researcher index");
  expect_range(h5::read_all<std::int32_t>(root, "events/from_firm"), "events/from_firm", -1,
               max_index(F), "firm index or -1");
  expect_range(h5::read_all<std::int32_t>(root, "events/to_firm"), "events/to_firm", -1,
               max_index(F), "firm index or -1");
  expect_range(h5::read_all<std::int8_t>(root, "events/kind"), "events/kind", 0,
               static_cast<std::int64_t>(EVENT_KIND_COUNT) - 1, "event kind code");
  expect_range(h5::read_all<std::int32_t>(root, "firms/country"), "firms/country", -1, max_index(C),
               "country index or -1");
  expect_range(h5::read_all<std::int32_t>(root, "researchers/origin"), "researchers/origin", 0,
               max_index(C), "country index");
  if (h5::exists(root, "fields/name")) {
    const hsize_t fields = shape(root, "fields/name").at(0);
    expect_range(h5::read_all<std::int32_t>(root, "researchers/field"), "researchers/field", 0,
                 max_index(fields), "field index");
  }
  expect_range(h5::read_all<std::int32_t>(root, "researchers/snapshots/step"),
               "researchers/snapshots/step", 0, last_step, "a recorded step");
  for (hsize_t s = 0; s < S; ++s) {
    expect_range(h5::read_row<std::int32_t>(root, "researchers/snapshots/employer", s),
                 "researchers/snapshots/employer", NOT_PRESENT, max_index(F),
                 "firm index, -1 job seeker, -2 not present");
  }
  // Schema 3: where each researcher studied; the exit of each firm.
  if (h5::exists(root, "researchers/study")) {
    expect_shape(root, "researchers/study", {R}, "[" + nr + "] (as skill)");
    expect_range(h5::read_all<std::int32_t>(root, "researchers/study"), "researchers/study", 0,
                 max_index(C), "country index");
  }
  if (h5::read_int_attribute(root, "schema_version") >= 3 || h5::exists(root, "firms/exit_step")) {
    for (const char* v : {"exit_step", "exit_buyer", "exit_reason", "exit_price", "exit_staff"}) {
      expect_shape(root, std::string("firms/") + v, {F}, "[" + nf + "] (as /firms/name)");
    }
    expect_range(h5::read_all<std::int32_t>(root, "firms/exit_step"), "firms/exit_step", -1,
                 last_step, "a recorded step or -1");
    expect_range(h5::read_all<std::int32_t>(root, "firms/exit_buyer"), "firms/exit_buyer", -1,
                 max_index(F), "firm index or -1");
    expect_range(h5::read_all<std::int8_t>(root, "firms/exit_reason"), "firms/exit_reason", 0,
                 static_cast<std::int64_t>(EXIT_REASON_COUNT) - 1, "exit reason code");
    expect_range(h5::read_all<std::int32_t>(root, "firms/exit_staff"), "firms/exit_staff", 0,
                 static_cast<std::int64_t>(R), "a number of researchers");
  }
  if (h5::exists(root, "network/edges")) {
    const auto edges = shape(root, "network/edges");
    if (edges.size() != 2 || edges[1] != 2) bad_shape("network/edges", edges, "[ties, 2]");
    expect_range(h5::read_all<std::int32_t>(root, "network/edges"), "network/edges", 0,
                 max_index(R), "researcher index");
  }
  read_every_dataset(root);
}

}  // namespace talentsim::detail
