#include "network/peers.hpp"

namespace talentsim::detail {

void PeerCounts::build(const Network& net, const std::vector<std::int32_t>& employer) {
  const std::size_t n = net.vertices();
  entries_.assign(n == 0 ? 0
                         : net.row_offset(static_cast<std::int32_t>(n - 1)) +
                               net.degree(static_cast<std::int32_t>(n - 1)),
                  Entry{-1, 0});
  size_.assign(n, 0);
  for (std::size_t r = 0; r < n; ++r) {
    const auto f = employer[r];
    if (f >= 0) add(net, static_cast<std::int32_t>(r), f);
  }
}

void PeerCounts::add(const Network& net, std::int32_t r, std::int32_t f) noexcept {
  for (const std::uint32_t q : net.neighbours(r)) {
    Entry* row = entries_.data() + net.row_offset(static_cast<std::int32_t>(q));
    std::uint32_t& n = size_[q];
    std::uint32_t k = 0;
    while (k < n && row[k].firm != f) ++k;
    if (k == n) {
      row[k] = {f, 0};
      ++n;
    }
    ++row[k].count;
  }
}

void PeerCounts::remove(const Network& net, std::int32_t r, std::int32_t f) noexcept {
  for (const std::uint32_t q : net.neighbours(r)) {
    Entry* row = entries_.data() + net.row_offset(static_cast<std::int32_t>(q));
    std::uint32_t& n = size_[q];
    std::uint32_t k = 0;
    while (k < n && row[k].firm != f) ++k;
    if (k == n) continue;  // cannot happen while the counts are in step
    if (--row[k].count == 0) row[k] = row[--n];
  }
}

}  // namespace talentsim::detail
