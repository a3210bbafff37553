// Phase 4: ascending rounds. Researchers tentatively hold their best offer;
// incumbents counter; outbid firms raise or turn to other candidates; until
// nothing changes or the round limit is reached.

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/phases.hpp"
#include "market/valuation.hpp"
#include "talentsim/simulation.hpp"
#include "util/parallel.hpp"
#include "util/phase_clock.hpp"
#include "util/radix_sort.hpp"

namespace talentsim::detail {
namespace {

constexpr double INF = std::numeric_limits<double>::infinity();

// What the rounds work on: the state and the candidates (read only), their
// own scratch and the offer book they fill.
struct Rounds {
  const State& s;
  const Candidates& cand;
  AuctionScratch& a;
  OfferBook& book;
};

// Expected utility of staying, kept per candidate slot in x.a.stay_u
// (scouting computes it with the current package; counter_offers, the only
// place it changes, with the raise).
double stay_expected(const Rounds& x, std::uint32_t c) {
  return x.a.stay_u[c];
}

void update_stay_expected(Rounds& x, std::int32_t r, std::uint32_t c) {
  x.a.stay_u[c] = stay_money_utility(x.s, r, x.book.stay_raise[c]) + x.cand.stay_rest[c];
}

// Firm f offers to every candidate worth it, best surplus first, within its
// budget, its cash for signing bonuses and its hiring limit.
void fill(Rounds& x, std::size_t f) {
  auto& out = x.a.fill_buffers[f];
  out.clear();
  if (!x.s.F.active[f]) return;
  const FirmParams& p = x.s.F.params[f];
  const auto& cand = x.cand.ids[f];
  const auto& wtp = x.cand.wtp[f];
  auto& last = x.a.last[f];
  const auto& flags = x.cand.flags[f];
  const auto row = x.cand.rows(f);
  const double bonus = x.s.sc.market.outreach_bonus;
  auto& choices = x.a.fill_choices[f];
  choices.clear();
  for (std::size_t j = 0; j < cand.size(); ++j) {
    const CandidateRow& c = row[j];
    const std::int32_t h = x.book.held[c.slot];
    if (h >= 0 && x.book.offers[static_cast<std::size_t>(h)].firm == static_cast<std::int32_t>(f)) {
      continue;
    }
    double target = stay_expected(x, c.slot) + c.cost;
    bool contested = x.book.stay_raise[c.slot] > 0;
    if (h >= 0) {
      const double u = x.book.offers[static_cast<std::size_t>(h)].expected;
      if (u > target) {
        target = u;
        contested = true;
      }
    }
    double a = value_given(p, c.w_money, c.subsidy, target, c.rest + (flags[j] != 0 ? bonus : 0.0));
    if (!std::isfinite(a)) continue;
    // No package pays less than the researcher's outside option, even when a
    // home-country subsidy would make less acceptable.
    a = std::max(a, c.floor);
    a = contested ? raised(x.s, a) : a * (1.0 + p.bid_markup);
    if (last[j] > 0) a = std::max(a, raised(x.s, last[j]));
    if (!(a <= wtp[j])) continue;
    choices.push_back({wtp[j] - a, j, a});
  }
  std::sort(choices.begin(), choices.end(), [&](const OfferChoice& a, const OfferChoice& b) {
    return a.profit > b.profit || (a.profit == b.profit && cand[a.j] < cand[b.j]);
  });
  const bool budgets = x.s.sc.market.budgets;
  std::int64_t capacity = p.max_hires_per_step > 0 ? p.max_hires_per_step - x.a.live_offers[f]
                                                   : std::numeric_limits<std::int64_t>::max();
  // A firm with a headcount plan offers only for its open seats.
  const std::int64_t planned = x.s.planned_headcount(f);
  if (planned >= 0) {
    capacity = std::min(capacity, planned - x.s.F.headcount(f) - x.a.live_offers[f]);
  }
  double budget = budgets ? x.s.comp_budget(f) - x.s.F.payroll[f] - x.a.committed[f] : INF;
  double cash = budgets ? x.s.F.cash[f] - p.min_cash_reserve - x.a.committed_signing[f] : INF;
  const double h = x.s.contract_years();
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
    o.slot = row[c.j].slot;
    o.value = c.value;
    o.outreach = flags[c.j];
    // The money term from the candidate's row (its w_money and home subsidy
    // at f, as money_utility() would read them at scattered places).
    o.expected = money_utility_given(p, row[c.j].w_money, row[c.j].subsidy, c.value) +
                 row[c.j].rest + (o.outreach != 0 ? bonus : 0.0);
    o.utility = o.expected + taste_shock(x.s, r, static_cast<std::int32_t>(f));
    out.push_back(o);
    last[c.j] = c.value;
    x.a.committed[f] += c.value;
    x.a.committed_signing[f] += signing;
    ++x.a.live_offers[f];
  }
}

// Runs fill() for every firm (`all`) or those flagged in needs_fill and
// appends their offers in firm order; `pending` gets the ids of the new offers.
// Firms are taken in blocks of FILL_BLOCK: what fill() reads of each
// candidate's slot (the held offer, the staying utility, the counter raise)
// lies scattered over the step's slots, so it is fetched for the whole block
// first, with many loads in flight, instead of one small firm's at a time.
void make_offers(Rounds& x, bool all, std::vector<std::int32_t>& pending) {
  const std::size_t nf = x.s.F.size();
  constexpr std::size_t FILL_BLOCK = 32;
  parallel_for((nf + FILL_BLOCK - 1) / FILL_BLOCK, [&](std::size_t block) {
    const std::size_t first = block * FILL_BLOCK, last = std::min(nf, first + FILL_BLOCK);
    // The firms of the block that make offers this round.
    const auto fills = [&](std::size_t f) {
      return (all || x.a.needs_fill[f]) && x.s.F.active[f] != 0;
    };
    const auto lines = [](const auto& v) {  // a firm's vector, one fetch per 64 bytes
      constexpr std::size_t PER_LINE = 64 / sizeof(v[0]);
      for (std::size_t k = 0; k < v.size(); k += PER_LINE) __builtin_prefetch(v.data() + k);
    };
    for (std::size_t f = first; f < last; ++f) {
      if (!fills(f)) continue;
      for (const CandidateRow& c : x.cand.rows(f)) {
        __builtin_prefetch(x.book.held.data() + c.slot);
        __builtin_prefetch(x.a.stay_u.data() + c.slot);
        __builtin_prefetch(x.book.stay_raise.data() + c.slot);
      }
      // The firm's own arrays, each a block of its own in the heap.
      lines(x.cand.wtp[f]);
      lines(x.cand.flags[f]);
      lines(x.a.last[f]);
      lines(x.cand.ids[f]);
    }
    // Then the offers the candidates hold (their firm and expected utility),
    // now that the held slots are on their way.
    for (std::size_t f = first; f < last; ++f) {
      if (!fills(f)) continue;
      for (const CandidateRow& c : x.cand.rows(f)) {
        if (const std::int32_t h = x.book.held[c.slot]; h >= 0) {
          __builtin_prefetch(x.book.offers.data() + h);
        }
      }
    }
    for (std::size_t f = first; f < last; ++f) {
      if (fills(f)) {
        fill(x, f);
      } else {
        x.a.fill_buffers[f].clear();
      }
    }
  });
  pending.clear();
  for (std::size_t f = 0; f < nf; ++f) {
    x.a.needs_fill[f] = 0;
    for (const Offer& o : x.a.fill_buffers[f]) {
      pending.push_back(static_cast<std::int32_t>(x.book.offers.size()));
      x.book.offers.push_back(o);
    }
  }
}

// What an offer must reach for r (in slot c) to move: the staying utility,
// r's taste shock for staying and its switching cost. The shock is drawn
// once a step per slot, when first needed (decide() and counter_offers()
// each run a slot in one task), and the cost comes from scouting's per-slot
// copy, instead of a Philox block and two researcher columns every round.
double stay_threshold(Rounds& x, std::int32_t r, std::uint32_t c) {
  double& taste = x.a.stay_taste[c];
  if (std::isnan(taste)) taste = taste_shock(x.s, r, -1);
  return stay_expected(x, c) + taste + x.cand.stay_cost[c];
}

// Researchers with new offers keep the best one if it beats staying by their
// switching cost; every other offer is rejected.
void decide(Rounds& x, std::vector<std::int32_t>& pending, std::vector<std::int32_t>& rejected) {
  // Ordered by (researcher, firm). The keys are unique (one offer per firm
  // and researcher per round) and make_offers() lists the new offers firm by
  // firm in ascending order, so a stable radix sort on the researcher alone
  // (util/radix_sort.hpp: keys researcher << 32 | position) gives that order.
  auto& keys = x.a.pending_keys;
  keys.resize(pending.size());
  for (std::size_t i = 0; i < pending.size(); ++i) {
    const Offer& o = x.book.offers[static_cast<std::size_t>(pending[i])];
    keys[i] = static_cast<std::uint64_t>(o.researcher) << 32 | i;
  }
  sort_by_high_word(keys, x.a.pending_keys_scratch);
  auto& sorted = x.a.pending_sorted;
  sorted.resize(pending.size());
  for (std::size_t i = 0; i < pending.size(); ++i) sorted[i] = pending[keys[i] & 0xffffffffu];
  pending.swap(sorted);
  auto& starts = x.a.starts;
  starts.clear();
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (i == 0 || x.book.offers[static_cast<std::size_t>(pending[i])].researcher !=
                      x.book.offers[static_cast<std::size_t>(pending[i - 1])].researcher) {
      starts.push_back(i);
    }
  }
  starts.push_back(pending.size());
  const std::size_t groups = starts.size() - 1;
  auto& choice = x.a.choice;
  choice.assign(groups, -1);
  parallel_for(groups, [&](std::size_t g) {
    const Offer& first = x.book.offers[static_cast<std::size_t>(pending[starts[g]])];
    const std::int32_t r = first.researcher;
    const std::uint32_t slot = first.slot;
    std::int32_t best = x.book.held[slot];
    double best_u = best >= 0 ? x.book.offers[static_cast<std::size_t>(best)].utility : -INF;
    for (std::size_t i = starts[g]; i < starts[g + 1]; ++i) {
      const Offer& o = x.book.offers[static_cast<std::size_t>(pending[i])];
      const bool better =
          o.utility > best_u || (o.utility == best_u && best >= 0 &&
                                 o.firm < x.book.offers[static_cast<std::size_t>(best)].firm);
      if (better) {
        best = pending[i];
        best_u = o.utility;
      }
    }
    // An offer moves r when it beats staying by at least the switching cost.
    if (best >= 0 && !(best_u >= stay_threshold(x, r, slot))) best = -1;
    choice[g] = best;
  });
  for (std::size_t g = 0; g < groups; ++g) {
    const std::uint32_t c = x.book.offers[static_cast<std::size_t>(pending[starts[g]])].slot;
    for (std::size_t i = starts[g]; i < starts[g + 1]; ++i) {
      if (pending[i] != choice[g]) rejected.push_back(pending[i]);
    }
    if (x.book.held[c] >= 0 && x.book.held[c] != choice[g]) rejected.push_back(x.book.held[c]);
    if (!x.book.touched_mark[c]) {
      x.book.touched_mark[c] = 1;
      x.book.touched.push_back(c);
    }
    x.book.held[c] = choice[g];
  }
}

// Incumbents that counter raise the package of employees who hold an outside
// offer, up to their retention ceiling and budget. Returns whether any did.
bool counter_offers(Rounds& x, std::vector<std::int32_t>& rejected) {
  using Case = CounterCase;
  auto& cases = x.a.cases;
  cases.clear();
  // The employer by slot and its counter-offer flag by firm come from
  // scouting (the state does not change during the market phase). A case
  // whose employee still holds the offer its last case was settled against
  // gives the same answer again (no raise: the same target, rest and
  // ceiling give the same value, which the raise then applied already
  // matches), so it is not made; a case a budget stopped is made again, as
  // the firm's room changes between rounds.
  for (const std::uint32_t c : x.book.touched) {
    const std::int32_t e = x.cand.employer[c];
    if (x.book.held[c] < 0 || e < 0 || !x.cand.counters[static_cast<std::size_t>(e)]) continue;
    if (x.a.settled[c] == x.book.held[c]) continue;
    cases.push_back({e, x.book.who[c], c, -1, 0.0});
  }
  if (cases.empty()) return false;
  // Equal keys are identical cases, so any correct sort gives the same result.
  parallel_sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) {
    return a.firm < b.firm || (a.firm == b.firm && a.researcher < b.researcher);
  });
  cases.erase(std::unique(cases.begin(), cases.end(),
                          [](const Case& a, const Case& b) {
                            return a.firm == b.firm && a.researcher == b.researcher;
                          }),
              cases.end());
  auto& starts = x.a.starts;
  starts.clear();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    if (i == 0 || cases[i].firm != cases[i - 1].firm) starts.push_back(i);
  }
  starts.push_back(cases.size());
  const bool budgets = x.s.sc.market.budgets;
  parallel_for(starts.size() - 1, [&](std::size_t g) {
    const auto e = static_cast<std::size_t>(cases[starts[g]].firm);
    for (std::size_t i = starts[g]; i < starts[g + 1]; ++i) {
      const std::int32_t r = cases[i].researcher;
      const auto ri = static_cast<std::size_t>(r);
      const std::uint32_t c = cases[i].slot;
      x.a.settled[c] = x.book.held[c];  // unless a budget stops it, below
      const Offer& outside = x.book.offers[static_cast<std::size_t>(x.book.held[c])];
      const double target = outside.expected - x.cand.stay_cost[c];  // an employee's switch_cost
      double a = value_given_rest(x.s, r, e, target, x.cand.stay_rest[c]);
      if (!std::isfinite(a)) continue;
      a = raised(x.s, a);
      const double current = x.book.stay_raise[c] > 0
                                 ? x.book.stay_raise[c]
                                 : x.s.R.annual_value(ri, x.s.contract_years());
      // The retention ceiling (retention_ceiling(): the incumbent's loss),
      // from the step's production terms: bit-identical, one pow.
      if (a <= current || a > incumbent_loss(x.cand.output, e, x.s.delta(e, r))) continue;
      const double extra = a - current;
      if (budgets && extra > x.s.comp_budget(e) - x.s.F.payroll[e] - x.a.committed[e]) {
        x.a.settled[c] = -1;
        continue;
      }
      const FirmParams& p = x.s.F.params[e];
      const double new_signing = a * p.signing_share * x.s.contract_years();
      const double signing = std::max(0.0, new_signing - x.s.R.signing[ri]);
      if (budgets && signing > x.s.F.cash[e] - p.min_cash_reserve - x.a.committed_signing[e]) {
        x.a.settled[c] = -1;
        continue;
      }
      x.a.committed[e] += extra;
      x.a.committed_signing[e] += signing;
      cases[i].raise = a;
      // The raise applies now: only this case reads or writes slot c.
      x.book.stay_raise[c] = a;
      update_stay_expected(x, r, c);
      if (!(outside.utility >= stay_threshold(x, r, c))) {
        cases[i].dropped = x.book.held[c];
        x.book.held[c] = -1;
      }
    }
  });
  bool any = false;
  for (const Case& c : cases) {
    any = any || c.raise > 0;
    if (c.dropped >= 0) rejected.push_back(c.dropped);
  }
  return any;
}

// Rejected offers free their firm's budget; the firm acts again next round.
void release(Rounds& x, std::vector<std::int32_t>& rejected) {
  const double h = x.s.contract_years();
  for (std::int32_t id : rejected) {
    const Offer& o = x.book.offers[static_cast<std::size_t>(id)];
    const auto f = static_cast<std::size_t>(o.firm);
    x.a.committed[f] -= o.value;
    x.a.committed_signing[f] -= o.value * x.s.F.params[f].signing_share * h;
    --x.a.live_offers[f];
    x.a.needs_fill[f] = 1;
  }
  rejected.clear();
}

}  // namespace

void run_auction_rounds(const State& s, const Candidates& cand, AuctionScratch& scratch,
                        OfferBook& out, PhaseTimes* times) {
  PhaseClock clock;
  const auto part = [&](double PhaseTimes::*member) {
    clock(times != nullptr ? &(times->*member) : nullptr);
  };
  const std::size_t nf = s.F.size();
  scratch.open(nf);
  for (std::size_t f = 0; f < nf; ++f) scratch.last[f].assign(cand.ids[f].size(), 0.0);
  out.open(cand.who);
  scratch.stay_u = cand.stay_u;  // scouting's, with the current packages
  scratch.stay_taste.assign(cand.who.size(), std::numeric_limits<double>::quiet_NaN());
  scratch.settled.assign(cand.who.size(), -1);
  Rounds x{s, cand, scratch, out};
  part(&PhaseTimes::rounds_open);
  auto& rejected = x.a.rejected;
  auto& pending = x.a.pending;
  rejected.clear();
  make_offers(x, true, pending);
  part(&PhaseTimes::rounds_offers);
  for (std::int64_t round = 0;; ++round) {
    decide(x, pending, rejected);
    part(&PhaseTimes::rounds_decide);
    counter_offers(x, rejected);
    release(x, rejected);
    part(&PhaseTimes::rounds_counter);
    if (round + 1 >= x.s.sc.market.auction_rounds) break;
    make_offers(x, false, pending);
    part(&PhaseTimes::rounds_offers);
    if (pending.empty()) break;
  }
}

}  // namespace talentsim::detail
