#pragma once
// Where each researcher's network neighbours work: per researcher a short
// list of (firm, neighbours employed there), kept in step with every move
// (State::join_firm / leave_firm, and the batches of apply_moves() and the
// budget layoffs, which queue in the same order), so that the peers term of utility reads
// one row of the researcher's own instead of the employer of each of its
// neighbours, scattered over the researcher table (docs/performance.md).
//
// A move is queued (O(1)); flush() applies the queue: the (neighbour, move)
// updates are distributed, by a stable counting sort, into buckets of
// consecutive neighbours (small enough for their rows to stay in cache),
// and each bucket applies its updates in move order on one thread, buckets
// in parallel. Every row sees its updates in the order the moves happened.
// count() must not be called with moves queued: the engine flushes before
// the market (the only phase that reads the counts) and at the end of
// every step.

#include <cstdint>
#include <vector>

#include "talentsim/network.hpp"

namespace talentsim::detail {

class PeerCounts {
 public:
  //! Counts every researcher's neighbours by employer (firms only, f >= 0).
  void build(const Network& net, const std::vector<std::int32_t>& employer);
  //! Researcher r joined firm f: one more colleague at f for each neighbour (queued).
  void add(std::int32_t r, std::int32_t f) { queue_.push_back({r, f, +1}); }
  //! Researcher r left firm f (queued).
  void remove(std::int32_t r, std::int32_t f) { queue_.push_back({r, f, -1}); }
  //! Applies the queued moves to the neighbours' rows.
  void flush(const Network& net);
  //! Whether moves are queued (count() would be stale).
  bool pending() const noexcept { return !queue_.empty(); }
  //! Neighbours of r employed at firm f (f >= 0).
  int count(const Network& net, std::int32_t r, std::int32_t f) const noexcept {
    if (static_cast<std::size_t>(r) >= net.vertices()) return 0;
    const std::size_t begin = net.row_offset(r);
    const Entry* row = entries_.data() + begin;
    const std::uint32_t n = size_[static_cast<std::size_t>(r)];
    for (std::uint32_t k = 0; k < n; ++k) {
      if (row[k].firm == f) return row[k].count;
    }
    return 0;
  }
  //! Address of r's row, for prefetching; null when r has no row.
  const void* row_address(const Network& net, std::int32_t r) const noexcept {
    if (static_cast<std::size_t>(r) >= net.vertices()) return nullptr;
    return entries_.data() + net.row_offset(r);
  }

 private:
  struct Entry {
    std::int32_t firm;
    std::int32_t count;
  };
  struct Move {
    std::int32_t researcher, firm, delta;
  };
  struct Update {
    std::uint32_t neighbour;
    std::int32_t firm, delta;
  };
  void apply(const Network& net, std::uint32_t q, std::int32_t f, std::int32_t delta) noexcept;
  std::vector<Move> queue_;
  std::vector<Update> updates_;
  // flush()'s counting sort: updates per (chunk of moves, bucket), then
  // where each (chunk, bucket) writes; bucket b's updates start at
  // bucket_start_[b].
  std::vector<std::size_t> slots_, bucket_start_;
  // Row r holds size_[r] entries from net.row_offset(r); its capacity is
  // r's degree (a researcher's neighbours work at most at that many firms).
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> size_;
};

}  // namespace talentsim::detail
