// talentsim calibrate: the front end of the calibration toolkit, which is
// Python (analysis/talentsim/calibration.py: emulators need scikit-learn,
// MCMC needs emcee). It runs `/usr/bin/python3 -m talentsim calibrate` with
// the package of this source tree and this binary, in place of this process,
// so arguments, output and exit status are Python's (docs/uncertainty.md).

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "cli/cli.hpp"
#include "talentsim/errors.hpp"

#ifndef TALENTSIM_ANALYSIS_DIR
#error "TALENTSIM_ANALYSIS_DIR must name the analysis/ folder of the source tree"
#endif

namespace talentsim::cli {

int cmd_calibrate(const Command&, const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  const std::string analysis = TALENTSIM_ANALYSIS_DIR;
  const char* python = "/usr/bin/python3";
  std::error_code ec;
  if (!fs::exists(fs::path(analysis) / "talentsim" / "calibration.py", ec)) {
    throw user_error("talentsim calibrate: the talentsim Python package is not at " + analysis +
                     " (the source tree this binary was built from); run "
                     "'python3 -m talentsim calibrate' with the package on PYTHONPATH");
  }
  if (!fs::exists(python, ec)) {
    throw user_error("talentsim calibrate: needs /usr/bin/python3 (run 'make' to install it)");
  }
  const char* old = std::getenv("PYTHONPATH");
  const std::string path = old != nullptr && *old != '\0' ? analysis + ":" + old : analysis;
  ::setenv("PYTHONPATH", path.c_str(), 1);
  // The runs use this very binary unless the caller chose one.
  if (std::getenv("TALENTSIM_BINARY") == nullptr) {
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) ::setenv("TALENTSIM_BINARY", self.c_str(), 1);
  }
  std::vector<std::string> argv_s = {"python3", "-m", "talentsim", "calibrate"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(python, argv.data());
  throw io_error(std::string("talentsim calibrate: cannot start ") + python + ": " +
                 std::strerror(errno));
}

}  // namespace talentsim::cli
