#include "talentsim/network.hpp"

#include <tbb/parallel_sort.h>

#include <boost/graph/compressed_sparse_row_graph.hpp>

#include <algorithm>
#include <cstdint>

namespace talentsim {

Network::Network(std::size_t vertices, std::vector<std::pair<std::uint32_t, std::uint32_t>> ties)
    : vertices_(vertices) {
  // Each tie once, as (smaller, larger) packed in a 64-bit key, sorted (in
  // parallel: equal keys are the same tie, so the order is the one there is).
  {
    std::vector<std::uint64_t> keys(ties.size());
    for (std::size_t i = 0; i < ties.size(); ++i) {
      const auto [a, b] = std::minmax(ties[i].first, ties[i].second);
      keys[i] = static_cast<std::uint64_t>(a) << 32 | b;
    }
    tbb::parallel_sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    ties.resize(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      ties[i] = {static_cast<std::uint32_t>(keys[i] >> 32), static_cast<std::uint32_t>(keys[i])};
    }
  }
  {
    // Both directions, in (source, target) order without a second sort: a
    // counting sort by source over the sorted ties puts, in each row, the
    // smaller neighbours (ties (a, v), ascending a) before the larger ones
    // (ties (v, b), ascending b).
    std::vector<std::size_t> next(vertices + 1, 0);
    for (const auto& [a, b] : ties) {
      ++next[a + 1];
      ++next[b + 1];
    }
    for (std::size_t v = 0; v < vertices; ++v) next[v + 1] += next[v];
    std::vector<std::pair<std::uint32_t, std::uint32_t>> directed(ties.size() * 2);
    for (const auto& [a, b] : ties) {
      directed[next[a]++] = {a, b};
      directed[next[b]++] = {b, a};
    }
    next = {};
    using Graph =
        boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                           boost::no_property, std::uint32_t, std::uint64_t>;
    const Graph graph(boost::edges_are_sorted, directed.begin(), directed.end(),
                      static_cast<std::uint32_t>(vertices));
    directed = {};
    // The graph's rows, read through its public interface, become ours.
    rowstart_.assign(vertices + 1, 0);
    column_.reserve(2 * ties.size());
    for (std::uint32_t v = 0; v < vertices; ++v) {
      auto [it, end] = boost::adjacent_vertices(v, graph);
      for (; it != end; ++it) column_.push_back(static_cast<std::uint32_t>(*it));
      rowstart_[v + 1] = column_.size();
    }
  }
  ties_ = std::move(ties);
}

}  // namespace talentsim
