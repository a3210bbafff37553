#include "talentsim/network.hpp"

#include <algorithm>
#include <cstdint>

#include "util/parallel.hpp"

namespace talentsim {
namespace {
constexpr std::size_t CHUNK = 1 << 16;  // ties per parallel task
}  // namespace

Network::Network(std::size_t vertices, std::vector<std::pair<std::uint32_t, std::uint32_t>> ties)
    : vertices_(vertices) {
  // Each tie once, as (smaller, larger) packed in a 64-bit key, sorted (in
  // parallel: equal keys are the same tie, so the order is the one there is).
  {
    std::vector<std::uint64_t> keys(ties.size());
    detail::parallel_for((ties.size() + CHUNK - 1) / CHUNK, [&](std::size_t c) {
      const std::size_t end = std::min(ties.size(), (c + 1) * CHUNK);
      for (std::size_t i = c * CHUNK; i < end; ++i) {
        const auto [a, b] = std::minmax(ties[i].first, ties[i].second);
        keys[i] = static_cast<std::uint64_t>(a) << 32 | b;
      }
    });
    detail::parallel_sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    ties.resize(keys.size());
    detail::parallel_for((keys.size() + CHUNK - 1) / CHUNK, [&](std::size_t c) {
      const std::size_t end = std::min(keys.size(), (c + 1) * CHUNK);
      for (std::size_t i = c * CHUNK; i < end; ++i) {
        ties[i] = {static_cast<std::uint32_t>(keys[i] >> 32), static_cast<std::uint32_t>(keys[i])};
      }
    });
  }
  // The rows, both directions, by a counting sort by source over the sorted
  // ties: in each row the smaller neighbours (ties (a, v), ascending a) come
  // before the larger ones (ties (v, b), ascending b), which is ascending
  // order, without a second sort.
  rowstart_.assign(vertices + 1, 0);
  for (const auto& [a, b] : ties) {
    ++rowstart_[a + 1];
    ++rowstart_[b + 1];
  }
  for (std::size_t v = 0; v < vertices; ++v) rowstart_[v + 1] += rowstart_[v];
  {
    std::vector<std::uint64_t> next(rowstart_.begin(), rowstart_.end() - 1);
    column_.resize(2 * ties.size());
    for (const auto& [a, b] : ties) {
      column_[next[a]++] = b;
      column_[next[b]++] = a;
    }
  }
  ties_ = std::move(ties);
}

}  // namespace talentsim
