// Phase 3: each firm scouts candidates (referrals through its employees'
// network ties, the rest visibility-weighted from everyone) and values them.

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/phases.hpp"
#include "market/valuation.hpp"
#include "util/parallel.hpp"

namespace talentsim::detail {

namespace {

// Job seekers apply to open seats: each sends `market.applications` (the
// fraction as a probability of one more). An application goes to a country
// with probability proportional to its open seats times
// exp(location utility / market.application_noise), where the location
// utility is the seeker's w_home plus its origin's home_pull at home and minus the country's visa
// friction abroad, and then to a firm of that country in proportion to its
// open seats. Each seeker has a generator of its own (step, researcher), so
// the result does not depend on the order of the seekers' list.
void collect_applications(const State& s, Candidates& out) {
  const double per_seeker = s.sc.market.applications;
  const std::size_t nf = s.F.size(), nc = s.C.size();
  for (auto& list : out.applicants) list.clear();
  if (!(per_seeker > 0) || s.seekers.empty()) return;
  // Open seats by country: firm ids and cumulative seats.
  auto& firms = out.seat_firms;
  auto& cumulative = out.seat_cumulative;
  firms.resize(nc);
  cumulative.resize(nc);
  for (std::size_t c = 0; c < nc; ++c) {  // cleared, capacity kept between steps
    firms[c].clear();
    cumulative[c].clear();
  }
  std::vector<double> seats(nc, 0.0);
  for (std::size_t f = 0; f < nf; ++f) {
    const std::int64_t planned = s.planned_headcount(f);
    if (!s.F.active[f] || s.F.params[f].attention <= 0 || planned <= s.F.headcount(f)) continue;
    const auto c = static_cast<std::size_t>(s.F.country[f]);
    seats[c] += static_cast<double>(planned - s.F.headcount(f));
    firms[c].push_back(static_cast<std::int32_t>(f));
    cumulative[c].push_back(seats[c]);
  }
  const double noise = s.sc.market.application_noise;
  const auto whole = static_cast<std::int64_t>(per_seeker);
  const double fraction = per_seeker - static_cast<double>(whole);
  bool any_seat = false;
  for (std::size_t c = 0; c < nc; ++c) any_seat |= seats[c] > 0;
  if (!any_seat) return;
  std::vector<double> utility(nc), weight(nc);
  for (const std::int32_t r : s.seekers) {
    const auto ri = static_cast<std::size_t>(r);
    // Weights relative to the best country with seats (no overflow of exp).
    double best = -std::numeric_limits<double>::infinity();
    for (std::size_t c = 0; c < nc; ++c) {
      const bool home = static_cast<std::size_t>(s.R.origin[ri]) == c;
      const bool studied = static_cast<std::size_t>(s.R.study[ri]) == c;
      utility[c] = (home ? s.R.w_home[ri] + s.C.home_pull[c] : -s.C.visa_friction[c]) +
                   (studied ? s.sc.market.study_pull : 0.0);
      if (seats[c] > 0) best = std::max(best, utility[c]);
    }
    double total = 0;
    std::size_t last = 0;  // the last country with seats: where rounding lands
    for (std::size_t c = 0; c < nc; ++c) {
      if (seats[c] > 0) {
        total += seats[c] * std::exp((utility[c] - best) / noise);
        last = c;
      }
      weight[c] = total;
    }
    CounterRng rng(s.sc.run.seed, Stream::applications, static_cast<std::uint64_t>(s.step),
                   static_cast<std::uint64_t>(r));
    const std::int64_t n = whole + (rng.uniform() < fraction ? 1 : 0);
    for (std::int64_t k = 0; k < n; ++k) {
      const double u1 = rng.uniform() * total, u2 = rng.uniform();
      auto c = static_cast<std::size_t>(std::upper_bound(weight.begin(), weight.end(), u1) -
                                        weight.begin());
      if (c >= nc || !(seats[c] > 0)) c = last;
      const auto& cum = cumulative[c];
      const auto j = std::min<std::size_t>(
          cum.size() - 1,
          static_cast<std::size_t>(std::upper_bound(cum.begin(), cum.end(), u2 * cum.back()) -
                                   cum.begin()));
      out.applicants[static_cast<std::size_t>(firms[c][j])].push_back(r);
    }
  }
}

}  // namespace

void scout_candidates(const State& s, Candidates& out) {
  const std::size_t nf = s.F.size();
  out.fit(nf);
  collect_applications(s, out);
  parallel_for(nf, [&](std::size_t f) {
    auto& cand = out.ids[f];
    auto& wtp = out.wtp[f];
    auto& flags = out.flags[f];
    auto& rest = out.rest[f];
    cand.clear();
    rest.clear();
    wtp.clear();
    flags.clear();
    const FirmParams& p = s.F.params[f];
    if (!s.F.active[f] || p.attention <= 0) return;
    // A firm whose headcount plan has no open seat makes no offers this step
    // (seats open only when people leave, after the market): an exact cut.
    const std::int64_t planned = s.planned_headcount(f);
    if (planned >= 0 && planned <= s.F.headcount(f)) return;
    // The most any offer of f can be worth this step: its budget room and the
    // cash for the signing part only shrink during the market phase. A firm
    // that cannot afford the smallest package makes no offers and needs no
    // candidates; a candidate whose floor (reservation) is above both this
    // cap and the firm's valuation can never get one. Both cuts are exact.
    double cap = std::numeric_limits<double>::infinity();
    if (s.sc.market.budgets) {
      cap = s.comp_budget(f) - s.F.payroll[f];
      const double per_value = p.signing_share * s.contract_years();
      if (per_value > 0) cap = std::min(cap, (s.F.cash[f] - p.min_cash_reserve) / per_value);
      cap += 1.0 + 1e-9 * std::abs(cap);  // rounding slack: the cut stays conservative
    }
    if (!(cap >= MIN_ANNUAL_VALUE)) return;
    CounterRng rng(s.sc.run.seed, Stream::scouting, static_cast<std::uint64_t>(s.step), f);
    const auto attention = static_cast<std::size_t>(p.attention);
    const auto referrals =
        static_cast<std::size_t>(std::llround(p.referral_share * static_cast<double>(attention)));
    const auto& staff = s.F.employees[f];
    for (std::size_t k = 0; k < referrals && !staff.empty(); ++k) {
      const auto e =
          staff[std::min(staff.size() - 1, static_cast<std::size_t>(
                                               rng.uniform() * static_cast<double>(staff.size())))];
      const std::size_t degree = s.net.degree(e);
      const double u = rng.uniform();
      if (degree == 0) continue;
      cand.push_back(s.net.neighbour(
          e, std::min(degree - 1, static_cast<std::size_t>(u * static_cast<double>(degree)))));
    }
    for (std::size_t k = referrals; k < attention; ++k) {
      const double u1 = rng.uniform(), u2 = rng.uniform(), u3 = rng.uniform(), u4 = rng.uniform();
      const std::int32_t r = s.sampler.sample(u1, u2, u3, u4);
      if (r >= 0) cand.push_back(r);
    }
    cand.insert(cand.end(), out.applicants[f].begin(), out.applicants[f].end());
    std::sort(cand.begin(), cand.end());
    cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
    const auto self = static_cast<std::int32_t>(f);
    std::size_t kept = 0;
    for_each_prefetched(s, cand, [&](std::size_t, std::int32_t r) {
      const std::int32_t e = s.R.employer[static_cast<std::size_t>(r)];
      if (e == NOT_PRESENT || e == self) return;
      const double v = willingness_to_pay(s, f, r);
      if (!(v > 0)) return;
      cand[kept++] = r;
      wtp.push_back(v);
    });
    cand.resize(kept);
    flags.assign(kept, 0);
    // Personal outreach goes with the highest-valued candidates (before the
    // cut below, which never removes anyone who could get an offer).
    const auto outreach = std::min<std::size_t>(kept, static_cast<std::size_t>(p.outreach));
    if (outreach > 0) {
      auto& order = out.order[f];
      order.resize(kept);
      std::iota(order.begin(), order.end(), 0);
      std::partial_sort(order.begin(), order.begin() + static_cast<long>(outreach), order.end(),
                        [&](std::size_t a, std::size_t b) {
                          return wtp[a] > wtp[b] || (wtp[a] == wtp[b] && cand[a] < cand[b]);
                        });
      for (std::size_t i = 0; i < outreach; ++i) flags[order[i]] = 1;
    }
    std::size_t useful = 0;
    for (std::size_t j = 0; j < kept; ++j) {
      const auto r = static_cast<std::size_t>(cand[j]);
      if (std::min(wtp[j], cap) < std::max(MIN_ANNUAL_VALUE, s.R.reservation[r])) continue;
      cand[useful] = cand[j];
      wtp[useful] = wtp[j];
      flags[useful] = flags[j];
      ++useful;
    }
    cand.resize(useful);
    wtp.resize(useful);
    flags.resize(useful);
    // Non-money utility at f does not change during the market phase.
    for_each_prefetched(s, cand, [&](std::size_t, std::int32_t r) {
      rest.push_back(nonmoney_utility(s, r, f, false));
    });
  });
}

}  // namespace talentsim::detail
