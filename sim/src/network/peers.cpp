#include "network/peers.hpp"

#include <algorithm>

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
  // Each row from its own neighbours' employers, rows in parallel (the
  // neighbours ascending: the order the rows would see the moves in).
  parallel_for(
      n,
      [&](std::size_t r) {
        const auto q = static_cast<std::uint32_t>(r);
        for (const std::uint32_t p : net.neighbours(static_cast<std::int32_t>(r))) {
          if (p < employer.size() && employer[p] >= 0) apply(net, q, employer[p], +1);
        }
      },
      1024);
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
  // Buckets of 2^SPAN consecutive neighbours (their rows, ~10 entries each,
  // stay in cache while a bucket is applied) and chunks of consecutive
  // moves; the (chunk, bucket) counts give a stable counting sort, so each
  // bucket holds its updates in move order.
  constexpr unsigned SPAN = 12;
  constexpr std::size_t CHUNK = 1024;
  const std::size_t buckets = (net.vertices() >> SPAN) + 1;
  const std::size_t chunks = (queue_.size() + CHUNK - 1) / CHUNK;
  slots_.assign(chunks * buckets, 0);
  // The movers' rows are scattered: their offsets are fetched FAR moves
  // ahead, their neighbour lists NEAR moves ahead (constants below).
  constexpr std::size_t FAR = 16, NEAR = 8;
  const auto each_update = [&](std::size_t c, auto&& fn) {
    const std::size_t end = std::min(queue_.size(), (c + 1) * CHUNK);
    for (std::size_t i = c * CHUNK; i < end; ++i) {
      if (i + FAR < end) __builtin_prefetch(net.row_address(queue_[i + FAR].researcher));
      if (i + NEAR < end) __builtin_prefetch(net.neighbours(queue_[i + NEAR].researcher).data());
      for (const std::uint32_t q : net.neighbours(queue_[i].researcher)) fn(q, queue_[i]);
    }
  };
  parallel_for(chunks, [&](std::size_t c) {
    std::size_t* count = slots_.data() + c * buckets;
    each_update(c, [&](std::uint32_t q, const Move&) { ++count[q >> SPAN]; });
  });
  bucket_start_.resize(buckets + 1);
  std::size_t total = 0;
  for (std::size_t b = 0; b < buckets; ++b) {
    bucket_start_[b] = total;
    for (std::size_t c = 0; c < chunks; ++c) {
      const std::size_t n = slots_[c * buckets + b];
      slots_[c * buckets + b] = total;
      total += n;
    }
  }
  bucket_start_[buckets] = total;
  updates_.resize(total);
  parallel_for(chunks, [&](std::size_t c) {
    std::size_t* next = slots_.data() + c * buckets;
    each_update(c, [&](std::uint32_t q, const Move& m) {
      updates_[next[q >> SPAN]++] = {q, m.firm, m.delta};
    });
  });
  queue_.clear();
  // A bucket's rows are mostly touched once a step at 1M (some 800 updates
  // over 4,096 rows), so each update waits for its row offset, size and
  // entries: fetch the first two FAR updates ahead and, once the offset is
  // in cache, the entries NEAR updates ahead.
  parallel_for(buckets, [&](std::size_t b) {
    const std::size_t lo = bucket_start_[b], hi = bucket_start_[b + 1];
    for (std::size_t i = lo; i < hi; ++i) {
      if (i + FAR < hi) {
        const auto q = static_cast<std::int32_t>(updates_[i + FAR].neighbour);
        __builtin_prefetch(net.row_address(q));
        __builtin_prefetch(&size_[static_cast<std::size_t>(q)]);
      }
      if (i + NEAR < hi) {
        const auto q = static_cast<std::int32_t>(updates_[i + NEAR].neighbour);
        __builtin_prefetch(entries_.data() + net.row_offset(q), 1);
      }
      apply(net, updates_[i].neighbour, updates_[i].firm, updates_[i].delta);
    }
  });
}

}  // namespace talentsim::detail
