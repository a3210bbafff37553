#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#if defined(__linux__) && defined(__GLIBC__)
#include <unistd.h>
#endif

#include "cli/cli.hpp"

namespace {

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TALENTSIM_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TALENTSIM_SANITIZED 1
#endif

// Transparent huge pages for the heap (docs/performance.md, "Huge pages for
// the heap"). Where the kernel gives them only to memory that asks
// (`madvise` mode), glibc's malloc asks when its tunable
// glibc.malloc.hugetlb=1 is set, which it reads only at start-up: so the
// program starts itself again, once, with the tunable added to
// GLIBC_TUNABLES. Nothing is done when the tunable is already there (set by
// the user, or by this function before the restart), when
// TALENTSIM_HUGE_PAGES=0, under a sanitizer (its own malloc), where the
// kernel's mode is not `madvise`, or where the restart fails (the run goes
// on as it is). Results never depend on it.
void restart_with_huge_pages([[maybe_unused]] char** argv) {
#if defined(__linux__) && defined(__GLIBC__) && !defined(TALENTSIM_SANITIZED)
  if (const char* off = std::getenv("TALENTSIM_HUGE_PAGES"); off != nullptr && off[0] == '0') {
    return;
  }
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.hugetlb") != nullptr) return;
  std::string mode;
  std::getline(std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled"), mode);
  if (mode.find("[madvise]") == std::string::npos) return;
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return;
  exe[n] = '\0';
  const std::string old = tunables != nullptr ? tunables : "";
  const std::string value =
      old.empty() ? "glibc.malloc.hugetlb=1" : old + ":glibc.malloc.hugetlb=1";
  if (::setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
  ::execv(exe, argv);
  // Not restarted: the environment as it was, and on without huge pages.
  if (tunables != nullptr) {
    ::setenv("GLIBC_TUNABLES", old.c_str(), 1);
  } else {
    ::unsetenv("GLIBC_TUNABLES");
  }
#endif
}

}  // namespace

int main(int argc, char** argv) {
  restart_with_huge_pages(argv);
  return talentsim::cli::main(argc, argv);
}
