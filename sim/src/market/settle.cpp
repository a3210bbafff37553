// Phase 5: acceptance. Every held offer moves its researcher, in ascending
// researcher order; a researcher kept by a counter-offer gets the raised
// package. Signing bonuses are paid from cash now. The offer book is
// consumed: it is opened again, empty, for the next step's candidates.

#include <algorithm>

#include "engine/phases.hpp"
#include "talentsim/errors.hpp"
#include "util/parallel.hpp"

namespace talentsim::detail {

namespace {

// While apply_moves() runs, a researcher who moves between two places (two
// firms, or from the job seekers to a firm) has R.slot = -(move + 2): each
// of the two threads that keep its slot (its old firm's or the job seekers'
// pass, and its new firm's) writes a field of its own in MoveScratch::where,
// and R.slot gets the new slot at the end.
constexpr std::int32_t FIRST_CODE = -2;

std::int32_t code_of(std::size_t m) noexcept {
  return FIRST_CODE - static_cast<std::int32_t>(m);
}

std::size_t move_of(std::int32_t code) noexcept {
  return static_cast<std::size_t>(FIRST_CODE - code);
}

}  // namespace

void apply_moves(State& s, const std::vector<Move>& moves, MoveScratch& x, Ledger& ledger,
                 StepLog& log) {
  const std::size_t n = moves.size(), nf = s.F.size();
  if (n == 0) return;
  const double h = s.contract_years();
  auto& where = x.where;
  where.resize(n);
  // 1. Where each researcher is now, and its new package (each move reads
  // and writes its own researcher's columns only; the later passes read
  // none of the package's).
  parallel_for(
      n,
      [&](std::size_t m) {
        const Move& mv = moves[m];
        const auto ri = static_cast<std::size_t>(mv.r);
        MoveScratch::Where& w = where[m];
        w.from = s.R.employer[ri];
        w.from_slot = s.R.slot[ri];
        w.to_slot = -1;
        const bool stays = mv.kind == EventKind::retention;
        if (w.from == NOT_PRESENT || mv.to < 0 || static_cast<std::size_t>(mv.to) >= nf ||
            stays != (w.from == mv.to)) {
          throw internal_error("apply_moves: a move that leave_firm/join_firm would not make");
        }
        w.left_value =
            w.from >= 0
                ? s.staff[static_cast<std::size_t>(w.from)][static_cast<std::size_t>(w.from_slot)]
                      .value
                : 0;
        if (!stays) s.R.slot[ri] = code_of(m);
        s.R.salary[ri] = mv.salary;
        s.R.signing[ri] = mv.signing;
        s.R.equity[ri] = mv.equity;
        s.R.hired_step[ri] = s.step;
      },
      256);
  // 2. Each firm's events (a leave, a join) in move order: a counting sort
  // by firm. After it, firm f's are events[at[f], at[f + 1]).
  auto& at = x.firm_events;
  at.assign(nf + 1, 0);
  for (std::size_t m = 0; m < n; ++m) {
    if (where[m].from >= 0) ++at[static_cast<std::size_t>(where[m].from)];
    ++at[static_cast<std::size_t>(moves[m].to)];
  }
  x.firms.clear();
  std::uint32_t total = 0;
  for (std::size_t f = 0; f < nf; ++f) {
    if (at[f] > 0) x.firms.push_back(static_cast<std::int32_t>(f));
    total += at[f];
    at[f] = total;  // the end of f's events; the backward fill below leaves its start
  }
  at[nf] = total;
  x.events.resize(total);
  for (std::size_t m = n; m-- > 0;) {
    x.events[--at[static_cast<std::size_t>(moves[m].to)]] = static_cast<std::uint32_t>(m << 1 | 1);
    if (where[m].from >= 0) {
      x.events[--at[static_cast<std::size_t>(where[m].from)]] = static_cast<std::uint32_t>(m << 1);
    }
  }
  // 3. The firms' halves, firms in parallel, beside the shared half.
  const auto firm_half = [&](std::size_t i) {
    const auto f = static_cast<std::size_t>(x.firms[i]);
    // The employee moved into a leaver's hole keeps its slot: in R.slot, or
    // for a mover in `where` (at its old firm or its new one).
    const auto moved = [&](std::int32_t y, std::size_t slot) {
      std::int32_t& code = s.R.slot[static_cast<std::size_t>(y)];
      if (code > FIRST_CODE) {
        code = static_cast<std::int32_t>(slot);
        return;
      }
      const std::size_t k = move_of(code);
      (static_cast<std::size_t>(moves[k].to) == f ? where[k].to_slot : where[k].from_slot) =
          static_cast<std::int32_t>(slot);
    };
    for (std::uint32_t e = at[f]; e < at[f + 1]; ++e) {
      const std::size_t m = x.events[e] >> 1;
      const Move& mv = moves[m];
      const auto ri = static_cast<std::size_t>(mv.r);
      const bool stays = mv.kind == EventKind::retention;
      if ((x.events[e] & 1) == 0) {
        const std::int32_t code = s.R.slot[ri];
        const std::int32_t slot = code > FIRST_CODE ? code : where[m].from_slot;
        s.detach(f, static_cast<std::size_t>(slot), !stays, moved);
        if (stays) --s.F.departures[f];
      } else {
        const auto slot = static_cast<std::int32_t>(s.attach(f, mv.r, s.R.annual_value(ri, h)));
        (stays ? s.R.slot[ri] : where[m].to_slot) = slot;
        if (stays) {
          --s.F.hires[f];
        } else {
          ++s.F.offers_accepted[f];
        }
        ledger.pay_signing(s.F, f, mv.paid);
      }
    }
  };
  // The shared half, in move order: the tracker, the neighbour counts'
  // queue and the job seekers' list (a poach's leave adds r at the end of
  // the list and its join takes it off again: no change).
  const auto shared_half = [&] {
    std::int64_t hired = 0;
    for (std::size_t m = 0; m < n; ++m) {
      const Move& mv = moves[m];
      const MoveScratch::Where& w = where[m];
      const std::int16_t origin = s.R.origin[static_cast<std::size_t>(mv.r)];
      if (w.from >= 0) {
        s.tracker.unemploy(origin, s.F.country[static_cast<std::size_t>(w.from)], w.left_value);
        s.peers.remove(mv.r, w.from);
      } else {
        const auto slot = static_cast<std::size_t>(w.from_slot);
        const std::int32_t last = s.seekers.back();
        s.seekers[slot] = last;
        std::int32_t& code = s.R.slot[static_cast<std::size_t>(last)];
        if (code > FIRST_CODE) {
          code = static_cast<std::int32_t>(slot);
        } else {
          where[move_of(code)].from_slot = static_cast<std::int32_t>(slot);
        }
        s.seekers.pop_back();
        ++hired;
      }
      s.peers.add(mv.r, mv.to);
      s.tracker.employ(mv.r, origin, s.F.country[static_cast<std::size_t>(mv.to)],
                       s.R.annual_value(static_cast<std::size_t>(mv.r), h));
    }
    s.n_employed += hired;
  };
  parallel_invoke(shared_half, [&] { parallel_for(x.firms.size(), firm_half); });
  // 4. The researchers' employers and slots, and the events, in parallel.
  const std::size_t base = log.events.size();
  log.events.resize(base + n);
  parallel_for(
      n,
      [&](std::size_t m) {
        const Move& mv = moves[m];
        const auto ri = static_cast<std::size_t>(mv.r);
        s.R.employer[ri] = mv.to;
        if (mv.kind != EventKind::retention) s.R.slot[ri] = where[m].to_slot;
        // A retention records outreach 0, as the one-by-one settlement did.
        log.events[base + m] = StepLog::event(s, mv.kind, mv.r, where[m].from, mv.to,
                                              mv.kind == EventKind::retention ? 0 : mv.outreach);
      },
      256);
}

void settle_moves(OfferBook& book, State& s, Ledger& ledger, StepLog& log) {
  for (const Offer& o : book.offers) ++s.F.offers_made[static_cast<std::size_t>(o.firm)];
  parallel_sort(book.touched.begin(), book.touched.end());
  const double h = s.contract_years();
  // The moves, in ascending researcher order (slots are): a held offer
  // moves its researcher; a counter-offer's raise keeps one.
  const auto move_of_slot = [&](std::uint32_t c, Move& mv) {
    const std::int32_t r = book.who[c];
    const auto ri = static_cast<std::size_t>(r);
    const std::int32_t held = book.held[c];
    const std::int32_t from = s.R.employer[ri];
    if (held >= 0) {
      const Offer& o = book.offers[static_cast<std::size_t>(held)];
      const FirmParams& p = s.F.params[static_cast<std::size_t>(o.firm)];
      const double signing = o.value * p.signing_share * h;
      mv = {r,
            o.firm,
            o.value * (1.0 - p.signing_share - p.equity_share),
            signing,
            o.value * p.equity_share * h,
            signing,
            from >= 0 ? EventKind::poach : EventKind::hire,
            o.outreach};
      return true;
    }
    if (book.stay_raise[c] > 0 && from >= 0) {
      // Kept by a counter-offer: the whole package is re-cut at the new
      // value. The signing bonus of the current contract was paid when it
      // started; the counter's new signing part is paid now, on top.
      const double value = book.stay_raise[c];
      const FirmParams& p = s.F.params[static_cast<std::size_t>(from)];
      const double signing = value * p.signing_share * h;
      mv = {r,
            from,
            value * (1.0 - p.signing_share - p.equity_share),
            signing,
            value * p.equity_share * h,
            std::max(0.0, signing - s.R.signing[ri]),
            EventKind::retention,
            0};
      return true;
    }
    return false;
  };
  // In chunks, in parallel: each chunk's moves at the start of its own
  // range, then moved down behind the previous chunk's.
  constexpr std::size_t CHUNK = 1024;
  const std::size_t touched = book.touched.size(), chunks = (touched + CHUNK - 1) / CHUNK;
  auto& moves = book.moves;
  moves.resize(touched);
  auto& made = book.move_scratch.made;
  made.assign(chunks, 0);
  parallel_for(chunks, [&](std::size_t k) {
    for (std::size_t i = k * CHUNK; i < std::min(touched, (k + 1) * CHUNK); ++i) {
      if (move_of_slot(book.touched[i], moves[k * CHUNK + made[k]])) ++made[k];
    }
  });
  std::size_t end = 0;
  for (std::size_t k = 0; k < chunks; ++k) {
    if (end != k * CHUNK) {  // std::copy's output may not start inside its input
      const auto first = moves.begin() + static_cast<std::ptrdiff_t>(k * CHUNK);
      std::copy(first, first + static_cast<std::ptrdiff_t>(made[k]),
                moves.begin() + static_cast<std::ptrdiff_t>(end));
    }
    end += made[k];
  }
  moves.resize(end);
  apply_moves(s, moves, book.move_scratch, ledger, log);
  book.touched.clear();
}

}  // namespace talentsim::detail
