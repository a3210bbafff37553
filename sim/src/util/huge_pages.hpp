#pragma once
// Transparent huge pages for the large tables. Where the kernel's THP mode
// is "madvise" (the default of many distributions, and of this project's
// machines), a table of hundreds of MB is faulted in 4 KiB at a time unless
// it asks for huge pages; at 1M researchers setup took some 220,000 page
// faults, half its time on a virtual machine (docs/performance.md).

#include <cstddef>
#include <vector>

namespace talentsim::detail {

//! Asks the kernel to back the 2 MiB-aligned part of [data, data + bytes)
//! with transparent huge pages. Does nothing below 2 MiB or where the
//! system has no such advice; never fails (the advice is only a hint).
void advise_huge_pages(const void* data, std::size_t bytes) noexcept;

//! v.reserve(n), the capacity advised before anything touches it (advice
//! on pages already touched changes nothing until the kernel collapses them).
template <class T, class Alloc>
void reserve_huge(std::vector<T, Alloc>& v, std::size_t n) {
  v.reserve(n);
  advise_huge_pages(v.data(), v.capacity() * sizeof(T));
}

}  // namespace talentsim::detail
