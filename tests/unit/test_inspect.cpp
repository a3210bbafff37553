// talentsim inspect on a fresh run, and its refusals: a foreign HDF5 file, a
// text file, a truncated run, a run from a newer schema, flipped bits and
// edited tables all give exit 2 and one line, never a crash.

#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/world.hpp"
#include "talentsim/output.hpp"
#include "talentsim/simulation.hpp"
#include "talentsim/version.hpp"

namespace fs = std::filesystem;

namespace {

const std::string SRC = TALENTSIM_SOURCE_DIR;
const std::string BIN = TALENTSIM_BINARY;

struct Result {
  int status = -1;
  std::string out, err;
};

fs::path dir() {
  const fs::path d =
      fs::temp_directory_path() / ("talentsim_inspect_" + std::to_string(::getpid()));
  // Emptied once per process: an earlier process with the same pid left files.
  static const bool emptied = (fs::remove_all(d), true);
  (void)emptied;
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Result run(const std::string& args) {
  const std::string cmd = "'" + BIN + "' " + args + " > '" + (dir() / "out").string() + "' 2> '" +
                          (dir() / "err").string() + "'";
  const int raw = std::system(cmd.c_str());
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = slurp(dir() / "out");
  r.err = slurp(dir() / "err");
  return r;
}

const std::string& fresh_run() {
  static const std::string path = [] {
    const std::string p = (dir() / "run.h5").string();
    fs::remove(p);  // left by an earlier process with the same pid
    const Result r = run("run '" + SRC + "/scenarios/example_small.toml' --quiet -o '" + p + "'");
    EXPECT_EQ(r.status, 0) << r.err;
    return p;
  }();
  return path;
}

int lines(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace

TEST(Inspect, DescribesAFreshRun) {
  const Result r = run("inspect '" + fresh_run() + "'");
  EXPECT_EQ(r.status, 0) << r.err;
  const std::string header =
      "talentsim output, schema " + std::to_string(talentsim::OUTPUT_SCHEMA_VERSION) + ", complete";
  for (const std::string& part : {header, std::string("example_small"), std::string("seed 7"),
                                  std::string("top firms by talent"), std::string("biggest moves"),
                                  std::string("talent_hhi"), std::string("pay_median")}) {
    EXPECT_NE(r.out.find(part), std::string::npos) << part << "\n" << r.out;
  }
}

TEST(Inspect, RefusesAForeignHdf5File) {
  const std::string p = (dir() / "foreign.h5").string();
  const hid_t f = H5Fcreate(p.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5Fclose(f);
  const Result r = run("inspect '" + p + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("not a talentsim file"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err), 1);
}

TEST(Inspect, RefusesATextFileAndAMissingFile) {
  const std::string p = (dir() / "notes.h5").string();
  std::ofstream(p) << "not hdf5\n";
  Result r = run("inspect '" + p + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("not an HDF5 file"), std::string::npos) << r.err;
  r = run("inspect '" + (dir() / "absent.h5").string() + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no such file"), std::string::npos) << r.err;
}

TEST(Inspect, RefusesTruncatedRuns) {
  const auto size = fs::file_size(fresh_run());
  for (double fraction : {0.05, 0.5, 0.9, 0.99}) {
    SCOPED_TRACE(fraction);
    const std::string p = (dir() / "truncated.h5").string();
    fs::copy_file(fresh_run(), p, fs::copy_options::overwrite_existing);
    fs::resize_file(p, static_cast<std::uintmax_t>(fraction * static_cast<double>(size)));
    const Result r = run("inspect '" + p + "'");
    EXPECT_EQ(r.status, 2) << r.err << r.out;
    EXPECT_EQ(lines(r.err), 1) << r.err;
  }
}

// A copy of the fresh run edited with `edit` (the HDF5 C API, as a user
// with h5py would), then inspected.
template <class Edit>
Result inspect_edited(const std::string& name, Edit edit) {
  const std::string p = (dir() / (name + ".h5")).string();
  fs::copy_file(fresh_run(), p, fs::copy_options::overwrite_existing);
  const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  EXPECT_GE(f, 0);
  edit(f);
  H5Fclose(f);
  return run("inspect '" + p + "'");
}

void overwrite_ints(hid_t f, const char* name, std::int64_t value, int at = 0) {
  const hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
  const hid_t space = H5Dget_space(ds);
  const hsize_t start = static_cast<hsize_t>(at), count = 1;
  H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nullptr, &count, nullptr);
  const hid_t mem = H5Screate_simple(1, &count, nullptr);
  EXPECT_GE(H5Dwrite(ds, H5T_NATIVE_INT64, mem, space, H5P_DEFAULT, &value), 0);
  H5Sclose(mem);
  H5Sclose(space);
  H5Dclose(ds);
}

void shrink(hid_t f, const char* name, hsize_t size) {
  const hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
  EXPECT_GE(H5Dset_extent(ds, &size), 0);
  H5Dclose(ds);
}

TEST(Inspect, RefusesEditedTablesWithOneLine) {
  struct Case {
    const char* name;
    const char* fragment;
    void (*edit)(hid_t);
  };
  const Case cases[] = {
      {"event_firm", "/events/to_firm holds 100000",
       [](hid_t f) { overwrite_ints(f, "events/to_firm", 100000, 3); }},
      {"event_researcher", "/events/researcher holds -5",
       [](hid_t f) { overwrite_ints(f, "events/researcher", -5, 1); }},
      {"event_kind", "/events/kind holds 42",
       [](hid_t f) { overwrite_ints(f, "events/kind", 42, 0); }},
      {"event_column_short", "/events/salary has shape",
       [](hid_t f) { shrink(f, "events/salary", 3); }},
      {"firm_country", "/firms/country holds 2000000000",
       [](hid_t f) { overwrite_ints(f, "firms/country", 2000000000, 0); }},
      {"origin", "/researchers/origin holds 77",
       [](hid_t f) { overwrite_ints(f, "researchers/origin", 77, 5); }},
      {"schema_float", "integer schema_version",
       [](hid_t f) {
         H5Adelete(f, "schema_version");
         const hid_t space = H5Screate(H5S_SCALAR);
         const hid_t a =
             H5Acreate2(f, "schema_version", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT);
         const double v = 1.9;
         H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
         H5Aclose(a);
         H5Sclose(space);
       }},
      {"firm_names_short", "/firms/series/cash has shape",
       [](hid_t f) {
         // /firms/name shorter than the series: a new, shorter string dataset.
         H5Ldelete(f, "firms/name", H5P_DEFAULT);
         const hsize_t n = 2;
         const hid_t space = H5Screate_simple(1, &n, nullptr);
         const hid_t type = H5Tcopy(H5T_C_S1);
         H5Tset_size(type, 4);
         const hid_t ds =
             H5Dcreate2(f, "firms/name", type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
         H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, "ab\0\0cd\0\0");
         H5Dclose(ds);
         H5Tclose(type);
         H5Sclose(space);
       }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Result r = inspect_edited(c.name, c.edit);
    EXPECT_EQ(r.status, 2) << r.err << r.out;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(c.fragment), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST(Inspect, FlippedBitsNeverCrashAndDamagedChunksAreFound) {
  std::ifstream in(fresh_run(), std::ios::binary);
  const std::string original((std::istreambuf_iterator<char>(in)), {});
  const std::string p = (dir() / "flipped.h5").string();
  // Deterministic positions over the whole file, a few bits each.
  int refused = 0;
  for (int k = 0; k < 60; ++k) {
    std::string bytes = original;
    for (int j = 0; j < 4; ++j) {
      const std::size_t at =
          (static_cast<std::size_t>(k) * 7919u + static_cast<std::size_t>(j) * 104729u) %
          bytes.size();
      bytes[at] = static_cast<char>(bytes[at] ^ (1 << ((k + j) % 8)));
    }
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
    const Result r = run("inspect '" + p + "'");
    ASSERT_TRUE(r.status == 0 || r.status == 2) << "status " << r.status << " at flip " << k;
    if (r.status == 2) {
      EXPECT_EQ(lines(r.err), 1) << r.err;
      ++refused;
    }
  }
  EXPECT_GT(refused, 30);
  // A byte inside a compressed chunk: the data no longer decodes.
  {
    const hid_t f = H5Fopen(fresh_run().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t ds = H5Dopen2(f, "researchers/snapshots/annual_value", H5P_DEFAULT);
    haddr_t addr = 0;
    hsize_t size = 0, offset[2] = {0, 0};
    unsigned mask = 0;
    const hid_t space = H5Dget_space(ds);
    ASSERT_GE(H5Dget_chunk_info(ds, space, 1, offset, &mask, &addr, &size), 0);
    H5Sclose(space);
    H5Dclose(ds);
    H5Fclose(f);
    std::string bytes = original;
    bytes[addr + size / 2] = static_cast<char>(bytes[addr + size / 2] ^ 0x5a);
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
    const Result r = run("inspect '" + p + "'");
    EXPECT_EQ(r.status, 2) << r.out;
    EXPECT_NE(r.err.find("annual_value"), std::string::npos) << r.err;
  }
}

TEST(Inspect, RefusesANewerSchema) {
  const std::string p = (dir() / "future.h5").string();
  fs::copy_file(fresh_run(), p, fs::copy_options::overwrite_existing);
  const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t a = H5Aopen(f, "schema_version", H5P_DEFAULT);
  const std::int64_t v = talentsim::OUTPUT_SCHEMA_VERSION + 1;
  H5Awrite(a, H5T_NATIVE_INT64, &v);
  H5Aclose(a);
  H5Fclose(f);
  const Result r = run("inspect '" + p + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("schema " + std::to_string(v) + " by a newer talentsim"), std::string::npos)
      << r.err;
}

// A value that is not a finite number is never written silently: the file
// says so (root attributes), the writer reports it, inspect still works.
TEST(Output, NonFiniteValuesAreCountedAndStored) {
  using namespace talentsim;
  SimulationOptions options;
  options.check_invariants = false;  // the NaN below breaks the cash accounting on purpose
  Simulation sim(load_scenario(SRC + "/scenarios/example_small.toml", {{"run.steps", "3"}}),
                 options);
  const std::string p = (dir() / "nonfinite.h5").string();
  fs::remove(p);
  {
    OutputWriter writer(p, sim);
    EXPECT_EQ(writer.nonfinite_summary(), "");
    detail::testing::state(sim).F.cash[1] = std::nan("");
    while (!sim.finished()) {
      sim.step();
      detail::testing::state(sim).F.cash[1] = std::nan("");
      writer.write_step(sim);
    }
    EXPECT_NE(writer.nonfinite_summary().find("/firms/series/cash"), std::string::npos)
        << writer.nonfinite_summary();
    writer.finish(sim);
  }
  const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  std::int64_t count = 0;
  const hid_t a = H5Aopen(f, "nonfinite_values", H5P_DEFAULT);
  ASSERT_GE(a, 0);
  H5Aread(a, H5T_NATIVE_INT64, &count);
  H5Aclose(a);
  H5Fclose(f);
  EXPECT_EQ(count, 3);
}
