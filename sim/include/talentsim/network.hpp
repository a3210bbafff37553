#pragma once
//! The collaboration network: an undirected graph over researcher ids, stored
//! as a Boost compressed sparse row graph with both directions of each tie.

#include <boost/graph/compressed_sparse_row_graph.hpp>

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace talentsim {

class Network {
 public:
  using Graph =
      boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                         boost::no_property, std::uint32_t, std::uint64_t>;

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
    if (r < 0 || static_cast<std::size_t>(r) >= vertices_) return;
    auto [it, end] = boost::adjacent_vertices(static_cast<std::uint32_t>(r), graph_);
    for (; it != end; ++it) fn(static_cast<std::int32_t>(*it));
  }
  std::size_t degree(std::int32_t r) const {
    if (r < 0 || static_cast<std::size_t>(r) >= vertices_) return 0;
    return boost::out_degree(static_cast<std::uint32_t>(r), graph_);
  }
  //! The k-th neighbour of r (0 <= k < degree(r)).
  std::int32_t neighbour(std::int32_t r, std::size_t k) const;
  //! Neighbours of r, contiguous (its compressed-sparse-row slice).
  std::span<const std::uint32_t> neighbours(std::int32_t r) const noexcept {
    if (r < 0 || static_cast<std::size_t>(r) >= vertices_) return {};
    const auto i = static_cast<std::size_t>(r);
    const auto& rows = graph_.m_forward.m_rowstart;
    return {graph_.m_forward.m_column.data() + rows[i], rows[i + 1] - rows[i]};
  }
  //! Address of r's row offsets, for prefetching; null when r has no row.
  const void* row_address(std::int32_t r) const noexcept {
    if (r < 0 || static_cast<std::size_t>(r) >= vertices_) return nullptr;
    return graph_.m_forward.m_rowstart.data() + static_cast<std::size_t>(r);
  }

 private:
  std::size_t vertices_ = 0;
  Graph graph_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ties_;
};

}  // namespace talentsim
