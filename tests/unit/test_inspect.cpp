// talentsim inspect on a fresh run, and its refusals: a foreign HDF5 file, a
// text file, a truncated run and a run from a newer schema all give exit 2
// and one line.

#include <gtest/gtest.h>
#include <hdf5.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

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
  for (const char* part : {"talentsim output, schema 1, complete", "example_small", "seed 7",
                           "top firms by talent", "biggest moves", "talent_hhi", "pay_median"}) {
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
  EXPECT_NE(r.err.find("not a talentsim output file"), std::string::npos) << r.err;
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

TEST(Inspect, RefusesANewerSchema) {
  const std::string p = (dir() / "future.h5").string();
  fs::copy_file(fresh_run(), p, fs::copy_options::overwrite_existing);
  const hid_t f = H5Fopen(p.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  const hid_t a = H5Aopen(f, "schema_version", H5P_DEFAULT);
  const std::int64_t v = 2;
  H5Awrite(a, H5T_NATIVE_INT64, &v);
  H5Aclose(a);
  H5Fclose(f);
  const Result r = run("inspect '" + p + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("output schema 2 by a newer talentsim"), std::string::npos) << r.err;
}
