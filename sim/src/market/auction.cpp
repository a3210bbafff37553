// Phase 4: ascending rounds. Researchers tentatively hold their best offer;
// incumbents counter; outbid firms raise or turn to other candidates; until
// nothing changes or the round limit is reached.

#include <tbb/parallel_sort.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "market/valuation.hpp"
#include "util/parallel.hpp"

namespace talentsim::detail {
namespace {

using World = Simulation::World;
constexpr double INF = std::numeric_limits<double>::infinity();

// Expected utility of staying, kept per candidate in w.stay_u (see
// cache_stay_utilities and counter_offers, the only places it changes).
double stay_expected(const World& w, std::int32_t r) {
  return w.stay_u[static_cast<std::size_t>(r)];
}

void update_stay_expected(World& w, std::int32_t r) {
  const auto i = static_cast<std::size_t>(r);
  w.stay_u[i] = stay_money_utility(w, r, w.stay_raise[i]) + w.stay_rest[i];
}

// Firm f offers to every candidate worth it, best surplus first, within its
// budget, its cash for signing bonuses and its hiring limit.
void fill(World& w, std::size_t f) {
  auto& out = w.fill_buffers[f];
  out.clear();
  if (!w.F.active[f]) return;
  const FirmParams& p = w.F.params[f];
  const auto& cand = w.candidates[f];
  const auto& wtp = w.candidate_wtp[f];
  auto& last = w.candidate_last[f];
  const auto& flags = w.candidate_flags[f];
  const auto& rest = w.candidate_rest[f];
  const double bonus = w.sc.market.outreach_bonus;
  auto& choices = w.fill_choices[f];
  choices.clear();
  constexpr std::size_t AHEAD = 8;  // candidates' rows are scattered: load them early
  for (std::size_t j = 0; j < cand.size(); ++j) {
    if (j + AHEAD < cand.size()) {
      const auto q = static_cast<std::size_t>(cand[j + AHEAD]);
      __builtin_prefetch(w.held.data() + q);
      __builtin_prefetch(w.stay_u.data() + q);
      __builtin_prefetch(w.stay_raise.data() + q);
      __builtin_prefetch(w.R.switch_cost.data() + q);
      __builtin_prefetch(w.R.w_money.data() + q);
      __builtin_prefetch(w.R.origin.data() + q);
      __builtin_prefetch(w.R.reservation.data() + q);
    }
    const std::int32_t r = cand[j];
    const auto ri = static_cast<std::size_t>(r);
    const std::int32_t h = w.held[ri];
    if (h >= 0 && w.offers[static_cast<std::size_t>(h)].firm == static_cast<std::int32_t>(f)) {
      continue;
    }
    double target = stay_expected(w, r) + w.R.switch_cost[ri];
    bool contested = w.stay_raise[ri] > 0;
    if (h >= 0) {
      const double u = w.offers[static_cast<std::size_t>(h)].expected;
      if (u > target) {
        target = u;
        contested = true;
      }
    }
    double a = value_given_rest(w, r, f, target, rest[j] + (flags[j] != 0 ? bonus : 0.0));
    if (!std::isfinite(a)) continue;
    // No package pays less than the researcher's outside option, even when a
    // home-country subsidy would make less acceptable.
    a = std::max(a, w.R.reservation[ri]);
    a = contested ? raised(w, a) : a * (1.0 + p.bid_markup);
    if (last[j] > 0) a = std::max(a, raised(w, last[j]));
    if (!(a <= wtp[j])) continue;
    choices.push_back({wtp[j] - a, j, a});
  }
  std::sort(choices.begin(), choices.end(), [&](const OfferChoice& a, const OfferChoice& b) {
    return a.profit > b.profit || (a.profit == b.profit && cand[a.j] < cand[b.j]);
  });
  const bool budgets = w.sc.market.budgets;
  std::int64_t capacity = p.max_hires_per_step > 0 ? p.max_hires_per_step - w.live_offers[f]
                                                   : std::numeric_limits<std::int64_t>::max();
  double budget = budgets ? w.comp_budget(f) - w.F.payroll[f] - w.committed[f] : INF;
  double cash = budgets ? w.F.cash[f] - p.min_cash_reserve - w.committed_signing[f] : INF;
  const double h = w.contract_years();
  for (const OfferChoice& c : choices) {
    if (capacity <= 0) break;
    const double signing = c.value * p.signing_share * h;
    if (c.value > budget || signing > cash) continue;  // a cheaper candidate may still fit
    budget -= c.value;
    cash -= signing;
    --capacity;
    const std::int32_t r = cand[c.j];
    Offer o;
    o.researcher = r;
    o.firm = static_cast<std::int32_t>(f);
    o.value = c.value;
    o.outreach = flags[c.j];
    o.expected = money_utility(w, r, f, c.value) + rest[c.j] + (o.outreach != 0 ? bonus : 0.0);
    o.utility = o.expected + taste_shock(w, r, static_cast<std::int32_t>(f));
    out.push_back(o);
    last[c.j] = c.value;
    w.committed[f] += c.value;
    w.committed_signing[f] += signing;
    ++w.live_offers[f];
  }
  w.F.offers_made[f] += static_cast<std::int32_t>(out.size());
}

// Runs fill() for every firm (`all`) or those flagged in needs_fill and
// appends their offers in firm order; `pending` gets the ids of the new offers.
void make_offers(World& w, bool all, std::vector<std::int32_t>& pending) {
  const std::size_t nf = w.F.size();
  parallel_for(nf, [&](std::size_t f) {
    if (all || w.needs_fill[f]) {
      fill(w, f);
    } else {
      w.fill_buffers[f].clear();
    }
  });
  pending.clear();
  for (std::size_t f = 0; f < nf; ++f) {
    w.needs_fill[f] = 0;
    for (const Offer& o : w.fill_buffers[f]) {
      pending.push_back(static_cast<std::int32_t>(w.offers.size()));
      w.offers.push_back(o);
    }
  }
}

double stay_threshold(const World& w, std::int32_t r) {
  const auto i = static_cast<std::size_t>(r);
  return stay_expected(w, r) + taste_shock(w, r, -1) + w.R.switch_cost[i];
}

// Researchers with new offers keep the best one if it beats staying by their
// switching cost; every other offer is rejected.
void decide(World& w, std::vector<std::int32_t>& pending, std::vector<std::int32_t>& rejected) {
  // Keys are unique (one offer per firm and researcher per round), so the
  // parallel sort's order is the one order there is.
  tbb::parallel_sort(pending.begin(), pending.end(), [&](std::int32_t a, std::int32_t b) {
    const Offer& x = w.offers[static_cast<std::size_t>(a)];
    const Offer& y = w.offers[static_cast<std::size_t>(b)];
    return x.researcher < y.researcher || (x.researcher == y.researcher && x.firm < y.firm);
  });
  auto& starts = w.auction.starts;
  starts.clear();
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (i == 0 || w.offers[static_cast<std::size_t>(pending[i])].researcher !=
                      w.offers[static_cast<std::size_t>(pending[i - 1])].researcher) {
      starts.push_back(i);
    }
  }
  starts.push_back(pending.size());
  const std::size_t groups = starts.size() - 1;
  auto& choice = w.auction.choice;
  choice.assign(groups, -1);
  parallel_for(groups, [&](std::size_t g) {
    const std::int32_t r = w.offers[static_cast<std::size_t>(pending[starts[g]])].researcher;
    std::int32_t best = w.held[static_cast<std::size_t>(r)];
    double best_u = best >= 0 ? w.offers[static_cast<std::size_t>(best)].utility : -INF;
    for (std::size_t i = starts[g]; i < starts[g + 1]; ++i) {
      const Offer& o = w.offers[static_cast<std::size_t>(pending[i])];
      const bool better =
          o.utility > best_u || (o.utility == best_u && best >= 0 &&
                                 o.firm < w.offers[static_cast<std::size_t>(best)].firm);
      if (better) {
        best = pending[i];
        best_u = o.utility;
      }
    }
    // An offer moves r when it beats staying by at least the switching cost.
    if (best >= 0 && !(best_u >= stay_threshold(w, r))) best = -1;
    choice[g] = best;
  });
  for (std::size_t g = 0; g < groups; ++g) {
    const std::int32_t r = w.offers[static_cast<std::size_t>(pending[starts[g]])].researcher;
    const auto ri = static_cast<std::size_t>(r);
    for (std::size_t i = starts[g]; i < starts[g + 1]; ++i) {
      if (pending[i] != choice[g]) rejected.push_back(pending[i]);
    }
    if (w.held[ri] >= 0 && w.held[ri] != choice[g]) rejected.push_back(w.held[ri]);
    if (!w.touched_mark[ri]) {
      w.touched_mark[ri] = 1;
      w.touched.push_back(r);
    }
    w.held[ri] = choice[g];
  }
}

// Incumbents that counter raise the package of employees who hold an outside
// offer, up to their retention ceiling and budget. Returns whether any did.
bool counter_offers(World& w, std::vector<std::int32_t>& rejected) {
  using Case = CounterCase;
  auto& cases = w.auction.cases;
  cases.clear();
  for (std::int32_t r : w.touched) {
    const auto ri = static_cast<std::size_t>(r);
    const std::int32_t e = w.R.employer[ri];
    if (w.held[ri] < 0 || e < 0) continue;
    const auto ei = static_cast<std::size_t>(e);
    if (!w.F.params[ei].counter_offers || !w.F.active[ei]) continue;
    cases.push_back({e, r, 0.0});
  }
  if (cases.empty()) return false;
  // Equal keys are identical cases, so any correct sort gives the same result.
  tbb::parallel_sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) {
    return a.firm < b.firm || (a.firm == b.firm && a.researcher < b.researcher);
  });
  cases.erase(std::unique(cases.begin(), cases.end(),
                          [](const Case& a, const Case& b) {
                            return a.firm == b.firm && a.researcher == b.researcher;
                          }),
              cases.end());
  auto& starts = w.auction.starts;
  starts.clear();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (i == 0 || cases[i].firm != cases[i - 1].firm) starts.push_back(i);
  }
  starts.push_back(cases.size());
  const bool budgets = w.sc.market.budgets;
  parallel_for(starts.size() - 1, [&](std::size_t g) {
    const auto e = static_cast<std::size_t>(cases[starts[g]].firm);
    for (std::size_t i = starts[g]; i < starts[g + 1]; ++i) {
      const std::int32_t r = cases[i].researcher;
      const auto ri = static_cast<std::size_t>(r);
      const Offer& outside = w.offers[static_cast<std::size_t>(w.held[ri])];
      const double target = outside.expected - w.R.switch_cost[ri];
      double a = value_given_rest(w, r, e, target, w.stay_rest[ri]);
      if (!std::isfinite(a)) continue;
      a = raised(w, a);
      const double current =
          w.stay_raise[ri] > 0 ? w.stay_raise[ri] : w.R.annual_value(ri, w.contract_years());
      if (a <= current || a > retention_ceiling(w, r)) continue;
      const double extra = a - current;
      if (budgets && extra > w.comp_budget(e) - w.F.payroll[e] - w.committed[e]) continue;
      const FirmParams& p = w.F.params[e];
      const double new_signing = a * p.signing_share * w.contract_years();
      const double signing = std::max(0.0, new_signing - w.R.signing[ri]);
      if (budgets && signing > w.F.cash[e] - p.min_cash_reserve - w.committed_signing[e]) continue;
      w.committed[e] += extra;
      w.committed_signing[e] += signing;
      cases[i].raise = a;
    }
  });
  bool any = false;
  for (const Case& c : cases) {
    if (c.raise <= 0) continue;
    any = true;
    const auto ri = static_cast<std::size_t>(c.researcher);
    w.stay_raise[ri] = c.raise;
    update_stay_expected(w, c.researcher);
    const Offer& outside = w.offers[static_cast<std::size_t>(w.held[ri])];
    if (!(outside.utility >= stay_threshold(w, c.researcher))) {
      rejected.push_back(w.held[ri]);
      w.held[ri] = -1;
    }
  }
  return any;
}

// Rejected offers free their firm's budget; the firm acts again next round.
void release(World& w, std::vector<std::int32_t>& rejected) {
  const double h = w.contract_years();
  for (std::int32_t id : rejected) {
    const Offer& o = w.offers[static_cast<std::size_t>(id)];
    const auto f = static_cast<std::size_t>(o.firm);
    w.committed[f] -= o.value;
    w.committed_signing[f] -= o.value * w.F.params[f].signing_share * h;
    --w.live_offers[f];
    w.needs_fill[f] = 1;
  }
  rejected.clear();
}

// Non-money utility of staying, for every candidate of the step, computed
// once (in parallel, each researcher its own slot) instead of at each use.
void cache_stay_utilities(World& w) {
  if (w.stay_rest.size() < w.R.size()) w.stay_rest.resize(w.R.size(), 0.0);
  if (w.stay_u.size() < w.R.size()) w.stay_u.resize(w.R.size(), 0.0);
  auto& all = w.auction.all;
  all.clear();
  for (const auto& cand : w.candidates) all.insert(all.end(), cand.begin(), cand.end());
  tbb::parallel_sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  constexpr std::size_t CHUNK = 2048;
  parallel_for((all.size() + CHUNK - 1) / CHUNK, [&](std::size_t c) {
    const std::size_t begin = c * CHUNK, n = std::min(CHUNK, all.size() - begin);
    for_each_prefetched(w, {all.data() + begin, n}, [&](std::size_t, std::int32_t r) {
      const std::int32_t e = w.R.employer[static_cast<std::size_t>(r)];
      w.stay_rest[static_cast<std::size_t>(r)] =
          e >= 0 ? nonmoney_utility(w, r, static_cast<std::size_t>(e), false) : 0.0;
      update_stay_expected(w, r);
    });
  });
}

}  // namespace

void run_auction_rounds(Simulation::World& w) {
  cache_stay_utilities(w);
  auto& rejected = w.auction.rejected;
  auto& pending = w.auction.pending;
  rejected.clear();
  make_offers(w, true, pending);
  for (std::int64_t round = 0;; ++round) {
    decide(w, pending, rejected);
    counter_offers(w, rejected);
    release(w, rejected);
    if (round + 1 >= w.sc.market.auction_rounds) break;
    make_offers(w, false, pending);
    if (pending.empty()) break;
  }
}

}  // namespace talentsim::detail
