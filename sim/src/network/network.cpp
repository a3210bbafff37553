#include "talentsim/network.hpp"

#include <algorithm>

namespace talentsim {

Network::Network(std::size_t vertices, std::vector<std::pair<std::uint32_t, std::uint32_t>> ties)
    : vertices_(vertices) {
  for (auto& [a, b] : ties) {
    if (a > b) std::swap(a, b);
  }
  std::sort(ties.begin(), ties.end());
  ties.erase(std::unique(ties.begin(), ties.end()), ties.end());
  std::vector<std::pair<std::uint32_t, std::uint32_t>> directed;
  directed.reserve(ties.size() * 2);
  for (const auto& [a, b] : ties) {
    directed.emplace_back(a, b);
    directed.emplace_back(b, a);
  }
  std::sort(directed.begin(), directed.end());
  graph_ = Graph(boost::edges_are_sorted, directed.begin(), directed.end(),
                 static_cast<std::uint32_t>(vertices));
  ties_ = std::move(ties);
}

std::int32_t Network::neighbour(std::int32_t r, std::size_t k) const {
  const auto begin = graph_.m_forward.m_rowstart[static_cast<std::size_t>(r)];
  return static_cast<std::int32_t>(graph_.m_forward.m_column[begin + k]);
}

}  // namespace talentsim
