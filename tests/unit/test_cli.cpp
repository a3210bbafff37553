// The talentsim binary as a user meets it: exit statuses, one-line errors,
// --help for every command, --version, and the bad-scenario corpus.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "talentsim/version.hpp"

namespace fs = std::filesystem;

namespace {

const std::string SRC = TALENTSIM_SOURCE_DIR;
const std::string BIN = TALENTSIM_BINARY;

struct Result {
  int status = -1;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Result run(const std::string& args) {
  const fs::path dir = fs::temp_directory_path() / ("talentsim_cli_" + std::to_string(::getpid()));
  // Emptied once per process: an earlier process with the same pid left files.
  static const bool emptied = (fs::remove_all(dir), true);
  (void)emptied;
  fs::create_directories(dir);
  const std::string cmd = "'" + BIN + "' " + args + " > '" + (dir / "out").string() + "' 2> '" +
                          (dir / "err").string() + "' < /dev/null";
  const int raw = std::system(cmd.c_str());
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  r.out = slurp(dir / "out");
  r.err = slurp(dir / "err");
  return r;
}

int lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST(Cli, VersionPrintsVersionAndCommit) {
  const Result r = run("--version");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find(std::string("talentsim ") + std::string(talentsim::version())),
            std::string::npos);
  EXPECT_NE(r.out.find("commit " + std::string(talentsim::git_commit())), std::string::npos);
  EXPECT_NE(talentsim::git_commit(), "");
}

TEST(Cli, EveryCommandHasHelp) {
  for (const std::string cmd : {"run", "validate", "inspect", "sweep plan", "sweep run-local",
                                "sweep run-task", "sweep status", "sweep collect"}) {
    SCOPED_TRACE(cmd);
    const Result r = run(cmd + " --help");
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.out.find("Usage: talentsim " + cmd), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--help"), std::string::npos);
  }
  EXPECT_EQ(run("--help").status, 0);
  EXPECT_EQ(run("sweep --help").status, 0);
}

TEST(Cli, UnknownCommandAndOptionAreBadInput) {
  Result r = run("validat x.toml");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("did you mean 'validate'"), std::string::npos) << r.err;
  EXPECT_EQ(lines(r.err), 1);
  r = run("validate --bogus");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(lines(r.err), 1);
  r = run("sweep");
  EXPECT_EQ(r.status, 2);
  r = run("");
  EXPECT_EQ(r.status, 2);
}

TEST(Cli, ValidateReportsAValidScenario) {
  const Result r = run("validate '" + SRC + "/scenarios/example_small.toml'");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("valid"), std::string::npos);
  EXPECT_NE(r.out.find("29 firms"), std::string::npos) << r.out;
}

TEST(Cli, ValidateWithoutFileChecksTheEmbeddedDefault) {
  const Result r = run("validate");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("meta_superintelligence_2025"), std::string::npos);
}

TEST(Cli, ValidateSetAndPrint) {
  const Result r = run("validate '" + SRC +
                       "/scenarios/example_small.toml' --set market.taste_noise=0.4 --print");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("taste_noise = 0.4"), std::string::npos);
  const Result bad = run("validate '" + SRC + "/scenarios/example_small.toml' --set market.x=1");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--set market.x=1"), std::string::npos) << bad.err;
  EXPECT_EQ(run("validate --set nokey").status, 2);
}

TEST(Cli, MissingScenarioFileIsBadInput) {
  const Result r = run("validate /nonexistent/file.toml");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cannot open"), std::string::npos);
}

TEST(Cli, CheckpointOptionsAreChecked) {
  Result r = run("run --resume /nonexistent/x.ckpt");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cannot read the checkpoint"), std::string::npos) << r.err;
  r = run("run --checkpoint-every 0");
  EXPECT_EQ(r.status, 2);
  r = run("run --resume x.ckpt --seed 3");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cannot change it"), std::string::npos) << r.err;
}

TEST(Cli, SweepCommandsRefuseADirectoryThatIsNotASweep) {
  for (const std::string cmd : {"status", "collect", "run-local", "run-task"}) {
    const Result r =
        run("sweep " + cmd + " /nonexistent/sweep" + (cmd == "run-task" ? " --task-id 0" : ""));
    EXPECT_EQ(r.status, 2) << cmd << ": " << r.err;
    EXPECT_NE(r.err.find("not a sweep directory"), std::string::npos) << r.err;
  }
}

TEST(Cli, BadScenarioCorpusGivesStatus2AndTheExpectedLine) {
  const std::regex expect_re("^# expect: (.+)$");
  int count = 0;
  for (const auto& entry : fs::directory_iterator(SRC + "/tests/data/bad_scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    SCOPED_TRACE(entry.path().filename().string());
    std::ifstream in(entry.path());
    std::string first;
    std::getline(in, first);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(first, m, expect_re)) << "first line must be '# expect: ...'";
    const Result r = run("validate '" + entry.path().string() + "'");
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find(m[1].str()), std::string::npos) << r.err;
    // file:line: location
    const std::regex loc(
        std::regex_replace(entry.path().string(), std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
        ":[0-9]+:");
    EXPECT_TRUE(std::regex_search(r.err, loc)) << r.err;
    ++count;
  }
  EXPECT_GE(count, 20);
}

TEST(Cli, ProfileAccountsForTheRunsWallTime) {
  const fs::path out =
      fs::temp_directory_path() / ("talentsim_prof_" + std::to_string(::getpid()) + ".h5");
  fs::remove(out);  // left by an earlier process with the same pid
  const Result r =
      run("run '" + SRC + "/scenarios/example_small.toml' -q --steps 30 --profile -o '" +
          out.string() + "'");
  fs::remove(out);
  ASSERT_EQ(r.status, 0) << r.err;
  std::map<std::string, double> share;
  std::istringstream in(r.out.substr(r.out.find("  profile ")));
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string name, pct;
    double seconds = -1;
    row >> name >> seconds >> pct;
    ASSERT_GE(seconds, 0) << line;
    share[name] = std::stod(pct);
  }
  for (const char* phase :
       {"setup",         "timeline",       "flows",          "neighbours",       "scouting",
        "scouting.draw", "scouting.pairs", "scouting.value", "scouting.utility", "rounds",
        "rounds.open",   "rounds.offers",  "rounds.decide",  "rounds.counter",   "settle",
        "production",    "exits",          "spinouts",       "budgets",          "metrics",
        "output",        "checkpoints",    "other"}) {
    EXPECT_TRUE(share.count(phase)) << phase << " missing from\n" << r.out;
  }
  // The phases partition the wall time ("other" is the remainder), up to
  // rounding; the parts ("scouting.draw", ...) are inside their phase.
  double total = 0;
  std::map<std::string, double> parts;
  for (const auto& [name, pct] : share) {
    const auto dot = name.find('.');
    if (dot == std::string::npos) {
      total += pct;
    } else {
      parts[name.substr(0, dot)] += pct;
    }
  }
  EXPECT_NEAR(total, 100.0, 1.0) << r.out;
  EXPECT_GT(share["scouting"] + share["rounds"], 0.0);
  for (const auto& [phase, pct] : parts) {
    EXPECT_GT(pct, 0.0) << phase;
    EXPECT_LE(pct, share[phase] + 0.2) << phase << ": parts exceed the phase\n" << r.out;
  }
}
