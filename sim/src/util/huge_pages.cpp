#include "util/huge_pages.hpp"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace talentsim::detail {

void advise_huge_pages(const void* data, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t HUGE = std::uintptr_t{2} << 20;
  if (data == nullptr || bytes < HUGE) return;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + HUGE - 1) & ~(HUGE - 1);
  const std::uintptr_t last = (begin + bytes) & ~(HUGE - 1);
  if (last <= first) return;
  // A hint: an error (no THP in this kernel, a range madvise refuses)
  // leaves the pages as they were.
  (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace talentsim::detail
