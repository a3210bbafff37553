#pragma once
//! The collaboration network: an undirected graph over researcher ids, in
//! compressed sparse row form with both directions of each tie, each row in
//! ascending order (built by a counting sort over the sorted ties; the unit
//! tests check it against Boost.Graph's compressed_sparse_row_graph).

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace talentsim {

class Network {
 public:
  Network() = default;
  //! Builds from undirected ties (a, b), a != b; duplicates are merged.
  Network(std::size_t vertices, std::vector<std::pair<std::uint32_t, std::uint32_t>> ties);

  //! Researchers present at build time; later entrants have no ties.
  std::size_t vertices() const noexcept { return vertices_; }
  //! Undirected ties.
  std::size_t ties() const noexcept { return ties_.size(); }
  //! The undirected ties, each once with a < b, sorted.
  const std::vector<std::pair<std::uint32_t, std::uint32_t>>& tie_list() const noexcept {
    return ties_;
  }

  //! Calls fn(neighbour) for each neighbour of r.
  template <class Fn>
  void for_each_neighbour(std::int32_t r, Fn&& fn) const {
    for (const std::uint32_t q : neighbours(r)) fn(static_cast<std::int32_t>(q));
  }
  std::size_t degree(std::int32_t r) const noexcept { return neighbours(r).size(); }
  //! The k-th neighbour of r (0 <= k < degree(r)).
  std::int32_t neighbour(std::int32_t r, std::size_t k) const noexcept {
    return static_cast<std::int32_t>(neighbours(r)[k]);
  }
  //! Neighbours of r, contiguous (its compressed-sparse-row slice), sorted.
  std::span<const std::uint32_t> neighbours(std::int32_t r) const noexcept {
    if (r < 0 || static_cast<std::size_t>(r) >= vertices_) return {};
    const auto i = static_cast<std::size_t>(r);
    return {column_.data() + rowstart_[i], rowstart_[i + 1] - rowstart_[i]};
  }
  //! Where r's row starts in the neighbour array (r < vertices()); arrays
  //! aligned with it give each researcher a slot per tie.
  std::size_t row_offset(std::int32_t r) const noexcept {
    return static_cast<std::size_t>(rowstart_[static_cast<std::size_t>(r)]);
  }
  //! Address of r's row offsets, for prefetching; null when r has no row.
  const void* row_address(std::int32_t r) const noexcept {
    if (r < 0 || static_cast<std::size_t>(r) >= vertices_) return nullptr;
    return rowstart_.data() + static_cast<std::size_t>(r);
  }

 private:
  std::size_t vertices_ = 0;
  std::vector<std::uint64_t> rowstart_;  // vertices_ + 1 offsets into column_
  std::vector<std::uint32_t> column_;    // neighbours, row by row
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ties_;
};

}  // namespace talentsim
