#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#if defined(__linux__) && defined(__GLIBC__)
#include <gnu/libc-version.h>
#include <malloc.h>
#include <sys/auxv.h>
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

// Transparent huge pages for the heap (docs/performance.md, item 23). Where
// the kernel gives them only to memory that asks (`madvise` mode), glibc's
// malloc (2.35 and later) asks when its tunable glibc.malloc.hugetlb=1 is
// set, which it reads only at start-up: so the program starts itself again,
// once, with the tunable added to GLIBC_TUNABLES. Nothing is done when the
// tunable is already there (set by the user), after the restart (marked by
// TALENTSIM_HUGE_PAGES_RESTARTED, which glibc never strips, so a restart can
// never repeat), when TALENTSIM_HUGE_PAGES is 0/off/no/false, for a
// privileged (setuid, capabilities) process, whose tunables glibc drops,
// under a sanitizer (its own malloc) or valgrind (which would not follow the
// restart), with an older glibc, where the kernel's mode is not `madvise`,
// or where the restart fails (the run goes on as it is). Results never
// depend on it.
void restart_with_huge_pages([[maybe_unused]] char** argv) {
#if defined(__linux__) && defined(__GLIBC__) && !defined(TALENTSIM_SANITIZED)
  if (const char* off = std::getenv("TALENTSIM_HUGE_PAGES"); off != nullptr) {
    for (const char* no : {"0", "off", "no", "false"}) {
      if (std::strcmp(off, no) == 0) return;
    }
  }
  if (std::getenv("TALENTSIM_HUGE_PAGES_RESTARTED") != nullptr) return;
  if (::getauxval(AT_SECURE) != 0) return;
  if (const char* preload = std::getenv("LD_PRELOAD");
      preload != nullptr && std::strstr(preload, "vgpreload") != nullptr) {
    return;
  }
  int major = 0, minor = 0;
  if (std::sscanf(::gnu_get_libc_version(), "%d.%d", &major, &minor) != 2 ||
      major * 1000 + minor < 2035) {
    return;
  }
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.hugetlb") != nullptr) return;
  std::string mode;
  std::getline(std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled"), mode);
  if (mode.find("[madvise]") == std::string::npos) return;
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof exe) return;  // none, or cut short
  exe[n] = '\0';
  const std::string old = tunables != nullptr ? tunables : "";
  const std::string value =
      old.empty() ? "glibc.malloc.hugetlb=1" : old + ":glibc.malloc.hugetlb=1";
  if (::setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0 ||
      ::setenv("TALENTSIM_HUGE_PAGES_RESTARTED", "1", 1) != 0) {
    return;
  }
  ::execv(exe, argv);
  // Not restarted: the environment as it was, and on without huge pages.
  if (tunables != nullptr) {
    ::setenv("GLIBC_TUNABLES", old.c_str(), 1);
  } else {
    ::unsetenv("GLIBC_TUNABLES");
  }
  ::unsetenv("TALENTSIM_HUGE_PAGES_RESTARTED");
#endif
}

// The heap is kept, not handed back to the kernel between steps
// (docs/performance.md, item 25). With glibc's defaults, a step's large
// scratch vectors were mmapped and unmapped, and the top of the heap trimmed,
// every step, so their pages were faulted in and zeroed again each time
// (about 10 us a fault on a VM; 2 MiB zeroed per huge page). Here freed
// memory stays with malloc for the next step: no trimming, allocations up to
// 32 MiB (glibc's largest mmap threshold) from the heap, and the heap grown
// 64 MiB at a time. A run's peak is its working set anyway. A setting the
// user gave in GLIBC_TUNABLES is left to glibc. Results never depend on it.
void keep_heap() {
#if defined(__linux__) && defined(__GLIBC__) && !defined(TALENTSIM_SANITIZED)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const auto user_set = [&](const char* name) {
    return tunables != nullptr && std::strstr(tunables, name) != nullptr;
  };
  if (!user_set("glibc.malloc.mmap_threshold")) ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  if (!user_set("glibc.malloc.trim_threshold")) ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
  if (!user_set("glibc.malloc.top_pad")) ::mallopt(M_TOP_PAD, 64 << 20);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  restart_with_huge_pages(argv);
  keep_heap();
  return talentsim::cli::main(argc, argv);
}
