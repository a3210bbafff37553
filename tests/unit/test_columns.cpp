// The firm table's columns are declared once (engine/firm_columns.hpp); every
// consumer must agree with that list: adding a firm gives every column an
// entry, checkpoints restore every saved column exactly, the output has a
// /firms/series dataset for every output column (with its units) and no
// other, and per-step counters start each step at zero.

#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <type_traits>

#include "engine/firm_columns.hpp"
#include "engine/world.hpp"
#include "talentsim/output.hpp"
#include "talentsim/simulation.hpp"

namespace fs = std::filesystem;
using namespace talentsim;

namespace {

const std::string SRC = TALENTSIM_SOURCE_DIR;

Scenario small(std::int64_t steps) {
  return load_scenario(SRC + "/scenarios/example_small.toml",
                       {{"run.steps", std::to_string(steps)}, {"founders.rate_per_year", "1.0"}});
}

herr_t collect(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::set<std::string>*>(data)->insert(name);
  return 0;
}

}  // namespace

TEST(Columns, EveryColumnHasAnEntryPerFirmIncludingSpinouts) {
  Simulation sim(small(30));
  for (int k = 0; k < 30; ++k) sim.step();
  const FirmTable& F = sim.firms();
  EXPECT_GT(F.size(), sim.scenario().firms.size()) << "the run should have spin-outs";
  detail::firm_columns(F, [&](const char* name, const char*, const auto& column, unsigned) {
    EXPECT_EQ(column.size(), F.size()) << name;
  });
}

TEST(Columns, CheckpointsRestoreEverySavedColumnExactly) {
  Simulation a(small(20));
  for (int k = 0; k < 12; ++k) a.step();
  const std::vector<char> state = a.save_state();
  Simulation b(small(20));
  b.restore_state(state.data(), state.size(), "test");
  const FirmTable& A = a.firms();
  const FirmTable& B = b.firms();
  int saved = 0;
  detail::firm_columns(A, [&](const char* name, const char*, const auto& column, unsigned roles) {
    if (!(roles & detail::SAVED)) return;
    ++saved;
    bool found = false;
    detail::firm_columns(B, [&](const char* other, const char*, const auto& restored, unsigned) {
      if constexpr (std::is_same_v<decltype(column), decltype(restored)>) {
        if (std::string(name) == other) {
          EXPECT_TRUE(column == restored) << name;
          found = true;
        }
      }
    });
    EXPECT_TRUE(found) << name;
  });
  EXPECT_GE(saved, 10);
}

TEST(Columns, OutputHasASeriesForEveryOutputColumnAndNoOther) {
  const fs::path out =
      fs::temp_directory_path() / ("columns_" + std::to_string(::getpid()) + ".h5");
  fs::remove(out);
  Simulation sim(small(3));
  {
    OutputWriter writer(out.string(), sim);
    while (!sim.finished()) {
      sim.step();
      writer.write_step(sim);
    }
    writer.finish(sim);
  }
  std::set<std::string> expected = {"headcount"};
  std::map<std::string, std::string> units = {{"headcount", detail::HEADCOUNT_UNITS}};
  detail::firm_columns(sim.firms(), [&](const char* name, const char* u, const auto&, unsigned r) {
    if (r & detail::OUTPUT) {
      expected.insert(name);
      units[name] = u;
    }
  });
  const hid_t f = H5Fopen(out.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  std::set<std::string> found;
  const hid_t g = H5Gopen2(f, "firms/series", H5P_DEFAULT);
  H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &found);
  EXPECT_EQ(found, expected);
  for (const std::string& name : found) {
    const hid_t ds = H5Dopen2(g, name.c_str(), H5P_DEFAULT);
    const hid_t a = H5Aopen(ds, "units", H5P_DEFAULT);
    const hid_t t = H5Aget_type(a);
    std::string text(H5Tget_size(t), '\0');
    H5Aread(a, t, text.data());
    text.resize(text.find('\0') == std::string::npos ? text.size() : text.find('\0'));
    EXPECT_EQ(text, units[name]) << name;
    H5Tclose(t);
    H5Aclose(a);
    H5Dclose(ds);
  }
  H5Gclose(g);
  H5Fclose(f);
  fs::remove(out);
}

TEST(Columns, PerStepCountersStartEachStepAtZero) {
  Simulation sim(small(10));
  for (int k = 0; k < 5; ++k) sim.step();
  auto& w = detail::testing::state(sim);
  // Dirty every per-step counter; the next step must begin from zero, so
  // what it reports is its own activity only (hires = its hire events).
  detail::firm_columns(w.F, [](const char*, const char*, auto& column, unsigned roles) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    if constexpr (std::is_arithmetic_v<T>) {
      if (roles & detail::PER_STEP) std::fill(column.begin(), column.end(), T(1000));
    }
  });
  sim.step();
  std::int64_t hires = 0;
  for (const Event& e : sim.events()) {
    hires += (e.kind == EventKind::hire || e.kind == EventKind::poach) ? 1 : 0;
  }
  std::int64_t counted = 0;
  for (std::size_t f = 0; f < sim.firms().size(); ++f) counted += sim.firms().hires[f];
  EXPECT_EQ(counted, hires);
}

TEST(Columns, ResearcherColumnsAgreeWithTheirList) {
  Simulation a(small(20));
  for (int k = 0; k < 12; ++k) a.step();  // graduates arrive: the table grows
  const ResearcherTable& R = a.researchers();
  EXPECT_GT(R.size(), static_cast<std::size_t>(a.scenario().population.count));
  detail::researcher_columns(R, [&](const char* name, const char*, const auto& column, unsigned) {
    EXPECT_EQ(column.size(), R.size()) << name;
  });
  const std::vector<char> state = a.save_state();
  Simulation b(small(20));
  b.restore_state(state.data(), state.size(), "test");
  const ResearcherTable& B = b.researchers();
  detail::researcher_columns(
      R, [&](const char* name, const char*, const auto& column, unsigned roles) {
        if (!(roles & detail::SAVED)) return;
        detail::researcher_columns(
            B, [&](const char* other, const char*, const auto& restored, unsigned) {
              if constexpr (std::is_same_v<decltype(column), decltype(restored)>) {
                if (std::string(name) == other) {
                  EXPECT_TRUE(column == restored) << name;
                }
              }
            });
      });
}
