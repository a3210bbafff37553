#pragma once
// A stable least-significant-digit radix sort of 64-bit keys by their high
// 32 bits: keys with equal high words keep their order. For keys built as
// (id << 32 | position) in position order it gives the same order as a full
// sort, in O(n) per 11-bit digit, and only as many digits as the largest id
// needs (two up to 4M ids).

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace talentsim::detail {

inline void sort_by_high_word(std::vector<std::uint64_t>& keys,
                              std::vector<std::uint64_t>& scratch) {
  if (keys.size() < 2) return;
  std::uint64_t largest = 0;
  for (const std::uint64_t k : keys) largest = std::max(largest, k >> 32);
  constexpr unsigned DIGIT = 11;
  constexpr std::uint64_t MASK = (std::uint64_t{1} << DIGIT) - 1;
  scratch.resize(keys.size());
  const auto bits = static_cast<unsigned>(std::bit_width(largest));
  for (unsigned shift = 32; shift < 32 + bits; shift += DIGIT) {
    std::array<std::size_t, MASK + 1> start{};
    for (const std::uint64_t k : keys) ++start[(k >> shift) & MASK];
    std::size_t total = 0;
    for (std::size_t& c : start) {
      const std::size_t n = c;
      c = total;
      total += n;
    }
    for (const std::uint64_t k : keys) scratch[start[(k >> shift) & MASK]++] = k;
    keys.swap(scratch);
  }
}

}  // namespace talentsim::detail
