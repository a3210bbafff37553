#include "network/peers.hpp"

#include <tbb/parallel_sort.h>

#include <stdexcept>

#include "util/parallel.hpp"

namespace talentsim::detail {

void PeerCounts::build(const Network& net, const std::vector<std::int32_t>& employer) {
  const std::size_t n = net.vertices();
  entries_.assign(n == 0 ? 0
                         : net.row_offset(static_cast<std::int32_t>(n - 1)) +
                               net.degree(static_cast<std::int32_t>(n - 1)),
                  Entry{-1, 0});
  size_.assign(n, 0);
  queue_.clear();
  for (std::size_t r = 0; r < n; ++r) {
    const auto f = employer[r];
    if (f < 0) continue;
    for (const std::uint32_t q : net.neighbours(static_cast<std::int32_t>(r))) apply(net, q, f, +1);
  }
}

void PeerCounts::apply(const Network& net, std::uint32_t q, std::int32_t f,
                       std::int32_t delta) noexcept {
  Entry* row = entries_.data() + net.row_offset(static_cast<std::int32_t>(q));
  std::uint32_t& n = size_[q];
  std::uint32_t k = 0;
  while (k < n && row[k].firm != f) ++k;
  if (k == n) {
    if (delta < 0) return;  // cannot happen while the counts are in step
    row[k] = {f, 0};
    ++n;
  }
  row[k].count += delta;
  if (row[k].count == 0) row[k] = row[--n];
}

void PeerCounts::flush(const Network& net) {
  if (queue_.empty()) return;
  if (queue_.size() >= (std::size_t{1} << 32)) throw std::length_error("PeerCounts: queue");
  updates_.clear();
  for (std::size_t i = 0; i < queue_.size(); ++i) {
    const Move& m = queue_[i];
    for (const std::uint32_t q : net.neighbours(m.researcher)) {
      updates_.push_back({static_cast<std::uint64_t>(q) << 32 | i, m.firm, m.delta});
    }
  }
  queue_.clear();
  // Keys are unique, so the order (by neighbour, then by move) is the one
  // order there is: each row sees its updates as the moves happened.
  tbb::parallel_sort(updates_.begin(), updates_.end(),
                     [](const Update& a, const Update& b) { return a.key < b.key; });
  starts_.clear();
  for (std::size_t i = 0; i < updates_.size(); ++i) {
    if (i == 0 || updates_[i].key >> 32 != updates_[i - 1].key >> 32) starts_.push_back(i);
  }
  starts_.push_back(updates_.size());
  parallel_for(
      starts_.size() - 1,
      [&](std::size_t g) {
        const auto q = static_cast<std::uint32_t>(updates_[starts_[g]].key >> 32);
        for (std::size_t i = starts_[g]; i < starts_[g + 1]; ++i) {
          apply(net, q, updates_[i].firm, updates_[i].delta);
        }
      },
      256);
}

}  // namespace talentsim::detail
