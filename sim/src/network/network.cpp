#include "talentsim/network.hpp"

#include <boost/graph/compressed_sparse_row_graph.hpp>

#include <algorithm>

namespace talentsim {

Network::Network(std::size_t vertices, std::vector<std::pair<std::uint32_t, std::uint32_t>> ties)
    : vertices_(vertices) {
  for (auto& [a, b] : ties) {
    if (a > b) std::swap(a, b);
  }
  std::sort(ties.begin(), ties.end());
  ties.erase(std::unique(ties.begin(), ties.end()), ties.end());
  {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> directed;
    directed.reserve(ties.size() * 2);
    for (const auto& [a, b] : ties) {
      directed.emplace_back(a, b);
      directed.emplace_back(b, a);
    }
    std::sort(directed.begin(), directed.end());
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
