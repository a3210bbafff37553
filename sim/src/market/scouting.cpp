// Phase 3: each firm scouts candidates (referrals through its employees'
// network ties, the rest visibility-weighted from everyone) and values them.

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "engine/phases.hpp"
#include "market/valuation.hpp"
#include "talentsim/simulation.hpp"
#include "util/parallel.hpp"
#include "util/phase_clock.hpp"
#include "util/radix_sort.hpp"

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

// Calls fn(k) for every k in [0, n), in chunks of consecutive k run in
// parallel (each k writes only its own slots).
template <class Fn>
void for_chunks(std::size_t n, Fn&& fn) {
  constexpr std::size_t CHUNK = 4096;
  parallel_for((n + CHUNK - 1) / CHUNK, [&](std::size_t c) {
    const std::size_t end = std::min(n, (c + 1) * CHUNK);
    for (std::size_t k = c * CHUNK; k < end; ++k) fn(k);
  });
}

}  // namespace

void scout_candidates(const State& s, Candidates& out, PhaseTimes* times) {
  PhaseClock clock;
  const auto part = [&](double PhaseTimes::*member) {
    clock(times != nullptr ? &(times->*member) : nullptr);
  };
  const std::size_t nf = s.F.size();
  out.fit(nf);
  collect_applications(s, out);
  constexpr double NONE = std::numeric_limits<double>::quiet_NaN();
  out.cap.assign(nf, NONE);
  // 1. Each firm draws its candidates (ascending ids, no repeats). Firms are
  // taken in blocks of DRAW_BLOCK: each firm's uniforms come from its own
  // generator in the order one firm at a time takes them (its referrals'
  // two each, then its visibility draws' four each), and each draw is a
  // function of its uniforms alone, so the same researchers are drawn; but
  // the scattered loads of a referral (an employee, where its network row
  // starts, a neighbour) and the sampler's slots are fetched for the whole
  // block in passes, each prefetching what the next reads, instead of a
  // firm's handful at a time.
  constexpr std::size_t DRAW_BLOCK = 32;
  struct FirmDraws {
    std::size_t f;
    std::size_t referrals_end;  // end of its referrals in the block's arrays
    std::size_t draws_end;      // end of its visibility draws
  };
  parallel_for((nf + DRAW_BLOCK - 1) / DRAW_BLOCK, [&](std::size_t block) {
    thread_local std::vector<FirmDraws> firms;
    thread_local std::vector<double> ref_u, vis_u;
    thread_local std::vector<std::int32_t> referrer, drawn;
    thread_local std::vector<const std::uint32_t*> referred;
    firms.clear();
    ref_u.clear();
    vis_u.clear();
    for (std::size_t f = block * DRAW_BLOCK; f < std::min(nf, (block + 1) * DRAW_BLOCK); ++f) {
      out.ids[f].clear();
      out.wtp[f].clear();
      out.flags[f].clear();
      const FirmParams& p = s.F.params[f];
      if (!s.F.active[f] || p.attention <= 0) continue;
      // A firm whose headcount plan has no open seat makes no offers this
      // step (seats open only when people leave, after the market): an
      // exact cut.
      const std::int64_t planned = s.planned_headcount(f);
      if (planned >= 0 && planned <= s.F.headcount(f)) continue;
      // The most any offer of f can be worth this step: its budget room and
      // the cash for the signing part only shrink during the market phase. A
      // firm that cannot afford the smallest package makes no offers and
      // needs no candidates; a candidate whose floor (reservation) is above
      // both this cap and the firm's valuation can never get one. Both cuts
      // are exact.
      double cap = std::numeric_limits<double>::infinity();
      if (s.sc.market.budgets) {
        cap = s.comp_budget(f) - s.F.payroll[f];
        const double per_value = p.signing_share * s.contract_years();
        if (per_value > 0) cap = std::min(cap, (s.F.cash[f] - p.min_cash_reserve) / per_value);
        cap += 1.0 + 1e-9 * std::abs(cap);  // rounding slack: the cut stays conservative
      }
      if (!(cap >= MIN_ANNUAL_VALUE)) continue;
      out.cap[f] = cap;
      CounterRng rng(s.sc.run.seed, Stream::scouting, static_cast<std::uint64_t>(s.step), f);
      const auto attention = static_cast<std::size_t>(p.attention);
      const auto referrals =
          static_cast<std::size_t>(std::llround(p.referral_share * static_cast<double>(attention)));
      // Referrals: an employee, then one of its network neighbours, two
      // uniforms each; then the visibility draws, four uniforms each.
      const auto& staff = s.F.employees[f];
      const std::size_t asked = staff.empty() ? 0 : referrals;
      for (std::size_t k = 0; k < 2 * asked; ++k) ref_u.push_back(rng.uniform());
      const std::size_t draws = attention > referrals ? attention - referrals : 0;
      for (std::size_t k = 0; k < 4 * draws; ++k) vis_u.push_back(rng.uniform());
      firms.push_back({f, ref_u.size() / 2, vis_u.size() / 4});
    }
    // The referrals of the block: the employees (their network rows
    // prefetched), then the neighbour each one names (prefetched).
    const std::size_t asked = ref_u.size() / 2;
    referrer.resize(asked);
    for (std::size_t k = 0, i = 0; k < asked; ++k) {
      while (k >= firms[i].referrals_end) ++i;  // the firm of referral k
      const auto& staff = s.F.employees[firms[i].f];
      referrer[k] =
          staff[std::min(staff.size() - 1, static_cast<std::size_t>(
                                               ref_u[2 * k] * static_cast<double>(staff.size())))];
      if (const void* row = s.net.row_address(referrer[k])) __builtin_prefetch(row);
    }
    referred.resize(asked);
    for (std::size_t k = 0; k < asked; ++k) {
      const auto row = s.net.neighbours(referrer[k]);
      referred[k] = nullptr;
      if (row.empty()) continue;
      referred[k] =
          row.data() +
          std::min(row.size() - 1,
                   static_cast<std::size_t>(ref_u[2 * k + 1] * static_cast<double>(row.size())));
      __builtin_prefetch(referred[k]);
    }
    // The visibility draws of the block, as one batch (sample_n: the same
    // ids as one at a time).
    drawn.resize(vis_u.size() / 4);
    s.sampler.sample_n(vis_u.data(), drawn.size(), drawn.data());
    std::size_t ref_at = 0, draw_at = 0;
    for (const FirmDraws& d : firms) {
      auto& cand = out.ids[d.f];
      for (; ref_at < d.referrals_end; ++ref_at) {
        if (referred[ref_at] != nullptr)
          cand.push_back(static_cast<std::int32_t>(*referred[ref_at]));
      }
      for (; draw_at < d.draws_end; ++draw_at) {
        if (drawn[draw_at] >= 0) cand.push_back(drawn[draw_at]);
      }
      cand.insert(cand.end(), out.applicants[d.f].begin(), out.applicants[d.f].end());
      std::sort(cand.begin(), cand.end());
      cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
    }
  });
  part(&PhaseTimes::scouting_draw);
  // 2. The pairs of the step, flat, and their order by researcher. The
  // values below are pure functions of the state (which the market phase
  // does not change), so the order they are computed in changes nothing;
  // in researcher order the researchers' rows are read as a stream, not at
  // random, and a researcher scouted by several firms is read once.
  out.offset.resize(nf + 1);
  out.offset[0] = 0;
  for (std::size_t f = 0; f < nf; ++f) out.offset[f + 1] = out.offset[f] + out.ids[f].size();
  const std::size_t n = out.offset[nf];
  if (n >= (std::size_t{1} << 32)) throw std::length_error("scouting: too many candidate pairs");
  out.keys.resize(n);
  out.pair_firm.resize(n);
  out.pair_pos.resize(n);
  out.sorted.resize(n);
  parallel_for(nf, [&](std::size_t f) {
    const auto& cand = out.ids[f];
    for (std::size_t j = 0; j < cand.size(); ++j) {
      const std::size_t k = out.offset[f] + j;
      out.keys[k] = static_cast<std::uint64_t>(cand[j]) << 32 | k;
      out.pair_firm[k] = static_cast<std::int32_t>(f);
    }
  });
  sort_by_high_word(out.keys, out.keys_scratch);  // keys were made in pair order
  part(&PhaseTimes::scouting_pairs);
  out.output.refresh(s);
  out.appeal.resize(nf);
  out.counters.resize(nf);
  parallel_for(nf, [&](std::size_t f) {
    out.appeal[f] = firm_appeal(s, f);
    out.counters[f] = s.F.params[f].counter_offers && s.F.active[f] ? 1 : 0;
  });
  // 3. Willingness to pay and the candidate's floor, in researcher order,
  // written in that order (and each pair's place in it, for its firm).
  const std::size_t fields = s.sc.fields.size();
  for_chunks(n, [&](std::size_t i) {
    // The pairs' firms come at random: fetch the pair's firm 2 * AHEAD on,
    // then AHEAD on what a valuation reads of that firm (its cached terms,
    // its need for the researcher's field) and the pair's place.
    constexpr std::size_t AHEAD = 8;
    if (i + 2 * AHEAD < n)
      __builtin_prefetch(&out.pair_firm[out.keys[i + 2 * AHEAD] & 0xffffffffu]);
    if (i + AHEAD < n) {
      const auto k2 = static_cast<std::size_t>(out.keys[i + AHEAD] & 0xffffffffu);
      const auto f2 = static_cast<std::size_t>(out.pair_firm[k2]);
      const auto r2 = static_cast<std::size_t>(out.keys[i + AHEAD] >> 32);
      __builtin_prefetch(&out.output.firm[f2]);
      __builtin_prefetch(&s.needs[f2 * fields + static_cast<std::size_t>(s.R.field[r2])]);
      __builtin_prefetch(&out.pair_pos[k2], 1);
    }
    const auto k = static_cast<std::size_t>(out.keys[i] & 0xffffffffu);
    const auto r = static_cast<std::int32_t>(out.keys[i] >> 32);
    const std::int32_t f = out.pair_firm[k];
    const std::int32_t e = s.R.employer[static_cast<std::size_t>(r)];
    out.pair_pos[k] = static_cast<std::uint32_t>(i);
    Candidates::PairValue& v = out.sorted[i];
    v.firm = f;
    v.dest = -1;
    v.wtp = e == NOT_PRESENT || e == f
                ? NONE
                : willingness_to_pay(s, out.output, static_cast<std::size_t>(f), r);
    v.floor = std::max(MIN_ANNUAL_VALUE, s.R.reservation[static_cast<std::size_t>(r)]);
  });
  // 4. Each firm keeps the candidates it values, marks its outreach and cuts
  // those who could never get an offer; its rows go after the previous
  // firms' (row_offset).
  out.row_offset.assign(nf + 1, 0);
  parallel_for(nf, [&](std::size_t f) {
    auto& cand = out.ids[f];
    auto& wtp = out.wtp[f];
    auto& flags = out.flags[f];
    auto& src = out.src[f];
    src.clear();
    if (cand.empty()) return;
    const FirmParams& p = s.F.params[f];
    std::size_t kept = 0;
    // The pairs' places in researcher order are scattered: fetch AHEAD on.
    constexpr std::size_t AHEAD = 16;
    const std::uint32_t* pos = out.pair_pos.data() + out.offset[f];
    for (std::size_t j = 0; j < cand.size(); ++j) {
      if (j + AHEAD < cand.size()) __builtin_prefetch(&out.sorted[pos[j + AHEAD]]);
      const std::uint32_t i = pos[j];
      const double v = out.sorted[i].wtp;
      if (!(v > 0)) continue;
      cand[kept++] = cand[j];
      wtp.push_back(v);
      src.push_back(i);
    }
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
    const double cap = out.cap[f];
    std::size_t useful = 0;
    for (std::size_t j = 0; j < kept; ++j) {
      if (j + AHEAD < kept) __builtin_prefetch(&out.sorted[src[j + AHEAD]]);
      if (std::min(wtp[j], cap) < out.sorted[src[j]].floor) continue;
      out.sorted[src[j]].dest = static_cast<std::int32_t>(useful);
      cand[useful] = cand[j];
      wtp[useful] = wtp[j];
      flags[useful] = flags[j];
      ++useful;
    }
    cand.resize(useful);
    wtp.resize(useful);
    flags.resize(useful);
    out.row_offset[f + 1] = useful;
  });
  for (std::size_t f = 0; f < nf; ++f) out.row_offset[f + 1] += out.row_offset[f];
  out.row.resize(out.row_offset[nf]);
  part(&PhaseTimes::scouting_value);
  // 5. Non-money utility and fixed terms of the kept pairs (they do not
  // change during the market phase), in researcher order. Each researcher
  // kept by some firm gets a slot: its rank among them (`who` lists them
  // in ascending id order); the auction keeps its per-candidate state by
  // slot, in arrays the size of the step's candidates instead of the
  // population's. A researcher's staying utility (at its employer, with its
  // current package) is computed here too, while its rows are in cache.
  // Chunks: first count the researchers whose first kept pair falls in each
  // chunk, then number them in parallel from each chunk's base.
  constexpr std::size_t CHUNK = 4096;
  const std::size_t chunks = (n + CHUNK - 1) / CHUNK;
  const auto first_kept = [&](std::size_t i) {
    // Pair i is kept and no earlier pair of its researcher is.
    if (out.sorted[i].dest < 0) return false;
    const std::uint64_t r = out.keys[i] >> 32;
    for (std::size_t b = i; b-- > 0 && out.keys[b] >> 32 == r;) {
      if (out.sorted[b].dest >= 0) return false;
    }
    return true;
  };
  out.chunk_base.assign(chunks + 1, 0);
  parallel_for(chunks, [&](std::size_t c) {
    std::uint32_t count = 0;
    for (std::size_t i = c * CHUNK; i < std::min(n, (c + 1) * CHUNK); ++i) count += first_kept(i);
    out.chunk_base[c + 1] = count;
  });
  for (std::size_t c = 0; c < chunks; ++c) out.chunk_base[c + 1] += out.chunk_base[c];
  const std::size_t kept_researchers = out.chunk_base[chunks];
  out.who.resize(kept_researchers);
  out.employer.resize(kept_researchers);
  out.stay_cost.resize(kept_researchers);
  out.stay_rest.resize(kept_researchers);
  out.stay_u.resize(kept_researchers);
  parallel_for(chunks, [&](std::size_t c) {
    std::uint32_t next = out.chunk_base[c];  // the slot of the next researcher kept
    const std::size_t end = std::min(n, (c + 1) * CHUNK);
    // The neighbour-count rows of the kept researchers are sparse in the
    // table (the prefetcher does not follow them): fetch them AHEAD on.
    // So are the firms of the kept pairs: their appeal and where their
    // rows start 2 * AHEAD on, then the row this pair writes.
    constexpr std::size_t AHEAD = 8;
    for (std::size_t i = c * CHUNK; i < end; ++i) {
      if (i + AHEAD < end) {
        const auto q = static_cast<std::int32_t>(out.keys[i + AHEAD] >> 32);
        __builtin_prefetch(s.peers.row_address(s.net, q));
        if (const std::int32_t d2 = out.sorted[i + AHEAD].dest; d2 >= 0) {
          const auto f2 = static_cast<std::size_t>(out.sorted[i + AHEAD].firm);
          __builtin_prefetch(out.row.data() + out.row_offset[f2] + d2, 1);
        }
      }
      if (i + 2 * AHEAD < end && out.sorted[i + 2 * AHEAD].dest >= 0) {
        const auto f2 = static_cast<std::size_t>(out.sorted[i + 2 * AHEAD].firm);
        __builtin_prefetch(&out.appeal[f2]);
        __builtin_prefetch(&out.row_offset[f2]);
      }
      const std::int32_t d = out.sorted[i].dest;
      if (d < 0) continue;
      const auto r = static_cast<std::int32_t>(out.keys[i] >> 32);
      const auto ri = static_cast<std::size_t>(r);
      // The utility an offer must beat staying by: an employee's switching
      // cost (garden leave, forfeited equity, a team left behind); a job
      // seeker leaves no job, so none (docs/model.md, "Moves"). Computed
      // here for every pair, not read back from the slot: a researcher's
      // first kept pair may lie in the previous chunk, another task's.
      const std::int32_t e = s.R.employer[ri];
      const double cost = e >= 0 ? s.R.switch_cost[ri] : 0.0;
      if (first_kept(i)) {
        out.who[next] = r;
        out.employer[next] = e;
        out.stay_cost[next] = cost;
        const auto ei = static_cast<std::size_t>(e);
        out.stay_rest[next] = e >= 0 ? nonmoney_utility_given(s, r, ei, out.appeal[ei]) : 0.0;
        out.stay_u[next] = (e >= 0 ? stay_money_utility_given(s, r, out.appeal[ei])
                                   : stay_money_utility(s, r, 0.0)) +
                           out.stay_rest[next];
        ++next;
      }
      const auto f = static_cast<std::size_t>(out.sorted[i].firm);
      const auto j = static_cast<std::size_t>(d);
      CandidateRow& row = out.row[out.row_offset[f] + j];
      row.rest = nonmoney_utility_given(s, r, f, out.appeal[f]);
      row.floor = s.R.reservation[ri];
      row.cost = cost;
      row.w_money = s.R.w_money[ri];
      row.subsidy = home_subsidy_in(s, r, out.appeal[f].country);
      row.slot = next - 1;
    }
  });
  part(&PhaseTimes::scouting_utility);
}

}  // namespace talentsim::detail
