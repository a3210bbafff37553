// The initial collaboration network: teams inside each firm, random ties
// across firms, a clique among each firm's pinned researchers plus their
// extra ties; or an edge list read from a CSV file.

#include <boost/random/bernoulli_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include "engine/phases.hpp"
#include "talentsim/errors.hpp"

namespace talentsim::detail {
namespace {

using Ties = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

Ties read_edge_list(const std::string& path, std::size_t researchers) {
  std::ifstream in(path);
  if (!in) throw user_error(path + ": cannot read the edge list");
  Ties ties;
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos || line[start] == '#') continue;
    std::replace(line.begin(), line.end(), ',', ' ');
    std::istringstream fields(line);
    long long a = -1, b = -1;
    std::string rest;
    if (!(fields >> a >> b) || (fields >> rest)) {
      // A header is a first line of names: one that starts with a number
      // ("1,2,3") is a malformed row, not a header.
      const char c = line[start];
      const bool names = !(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+');
      if (ties.empty() && number == 1 && names) continue;
      throw user_error(path + ":" + std::to_string(number) +
                       ": expected two researcher indices 'a,b'");
    }
    if (a < 0 || b < 0 || static_cast<std::size_t>(a) >= researchers ||
        static_cast<std::size_t>(b) >= researchers) {
      throw user_error(path + ":" + std::to_string(number) + ": researcher index out of range 0.." +
                       std::to_string(researchers - 1));
    }
    if (a == b)
      throw user_error(path + ":" + std::to_string(number) + ": a tie needs two researchers");
    ties.emplace_back(static_cast<std::uint32_t>(a), static_cast<std::uint32_t>(b));
  }
  return ties;
}

}  // namespace

double expected_team_ties(const Scenario& sc) noexcept {
  const double team = sc.network.team_size.mean();
  double ties = 0;
  for (const Firm& f : sc.firms) {
    const auto h = static_cast<double>(f.params.headcount);
    const double t = std::isfinite(team) ? std::clamp(team, 1.0, std::max(1.0, h)) : h;
    ties += h * (t - 1) / 2 * sc.network.team_density;
  }
  return ties;
}

void build_network(State& s) {
  const Scenario& sc = s.sc;
  const std::size_t n = s.R.size();
  if (sc.network.source == NetworkSource::edge_list) {
    s.net = Network(n, read_edge_list(sc.network.edge_list, n));
    return;
  }
  Ties ties;
  {
    // Room for the expected ties (the teams' cliques, the random ones), so
    // that a list of millions does not grow by copies; at most 32 a
    // researcher (a denser network grows the list as before).
    const auto researchers = static_cast<double>(n);
    const double expected =
        1.25 * (expected_team_ties(sc) + researchers * sc.network.cross_firm_ties / 2);
    ties.reserve(static_cast<std::size_t>(std::clamp(expected, 0.0, 32 * researchers)));
  }
  const std::uint64_t seed = sc.run.seed;
  // Teams: consecutive blocks of each firm's employee list.
  for (std::size_t f = 0; f < s.F.size(); ++f) {
    const auto& staff = s.F.employees[f];
    std::size_t start = 0, team = 0;
    while (start < staff.size()) {
      CounterRng rng(seed, Stream::network, f, team);
      const auto size =
          static_cast<std::size_t>(std::max(1.0, std::round(sc.network.team_size.sample(rng))));
      const std::size_t end = std::min(staff.size(), start + size);
      boost::random::bernoulli_distribution<double> tie(sc.network.team_density);
      for (std::size_t i = start; i < end; ++i) {
        for (std::size_t j = i + 1; j < end; ++j) {
          if (sc.network.team_density >= 1.0 || tie(rng)) {
            ties.emplace_back(static_cast<std::uint32_t>(staff[i]),
                              static_cast<std::uint32_t>(staff[j]));
          }
        }
      }
      start = end;
      ++team;
    }
  }
  // Random ties across firms: each researcher starts Poisson(mean/2) ties,
  // so the mean number per researcher is `cross_firm_ties`.
  const auto random_ties = [&](std::size_t r, std::uint64_t count, CounterRng& rng) {
    for (std::uint64_t k = 0; k < count; ++k) {
      const auto q = static_cast<std::size_t>(rng.uniform() * static_cast<double>(n));
      if (q == r || q >= n) continue;
      if (s.R.employer[q] >= 0 && s.R.employer[q] == s.R.employer[r]) continue;
      ties.emplace_back(static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(q));
    }
  };
  if (sc.network.cross_firm_ties > 0 && n > 1) {
    boost::random::poisson_distribution<std::uint64_t, double> count(sc.network.cross_firm_ties /
                                                                     2.0);
    for (std::size_t r = 0; r < n; ++r) {
      CounterRng rng(seed, Stream::network, 1ull << 40, r);
      random_ties(r, count(rng), rng);
    }
  }
  // Pinned researchers: a clique per firm (a core team) plus extra ties.
  // They occupy the first slots of their firm's initial employee list.
  std::size_t first = 0;
  for (std::size_t f = 0; f < sc.firms.size(); ++f) {
    std::vector<std::size_t> pinned;
    std::size_t at = first;
    for (const PinnedResearcher& p : sc.pinned) {
      if (p.firm != static_cast<std::int32_t>(f)) continue;
      for (std::int64_t k = 0; k < p.count; ++k, ++at) {
        pinned.push_back(at);
        CounterRng rng(seed, Stream::network, 2ull << 40, at);
        random_ties(at, static_cast<std::uint64_t>(p.extra_ties), rng);
      }
    }
    for (std::size_t i = 0; i < pinned.size(); ++i) {
      for (std::size_t j = i + 1; j < pinned.size(); ++j) {
        ties.emplace_back(static_cast<std::uint32_t>(pinned[i]),
                          static_cast<std::uint32_t>(pinned[j]));
      }
    }
    first += static_cast<std::size_t>(sc.firms[f].params.headcount);
  }
  s.net = Network(n, std::move(ties));
}

}  // namespace talentsim::detail
