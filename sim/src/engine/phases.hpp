#pragma once
// The phases of one step and what each reads and writes. The state is
// engine/state.hpp; everything else a phase touches is one of the small
// structs below, owned by Simulation and passed explicitly, so a signature
// says which phase touches what (docs/architecture.md draws it).
//
//   phase                    reads                 writes
//   apply_timeline_events    -                     State, Ledger
//   apply_exogenous_flows    -                     State, StepLog
//   scout_candidates         State                 Candidates
//   run_auction_rounds       State, Candidates     AuctionScratch, OfferBook
//   settle_moves             -                     OfferBook (cleared), State, Ledger, StepLog
//   run_posted_wage_market   -                     State, StepLog
//   produce_and_account      -                     State, Ledger
//   raise_funding            -                     State, Ledger
//   resolve_exits            -                     State, Ledger, StepLog
//   found_spinouts           -                     State, Ledger, StepLog
//   enforce_budgets          -                     State, BudgetScratch, StepLog
//   compute_metrics          StepLog               State (the tracker's cache), StepMetrics

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "engine/state.hpp"
#include "random/rng.hpp"

namespace talentsim {
struct PhaseTimes;
}

namespace talentsim::detail {

//! The cash ledger of the current step, per firm. Every change of a firm's
//! cash goes through the four operations below, so that the accounting
//! check holds by construction:
//! cash_end = cash_start + operating - signing_paid + other.
struct Ledger {
  std::vector<double> cash_start;  //!< USD at the start of the step
  std::vector<double> operating;   //!< (income - payroll - opex - capex)/52 this step
  std::vector<double> other;       //!< events, acquisition payments, exits

  //! Starts a step (or follows a restored state): every firm's cash so far.
  void open(const FirmTable& F);
  //! A firm added during the step with `cash`.
  void open_firm(double cash) {
    cash_start.push_back(cash);
    operating.push_back(0);
    other.push_back(0);
  }
  //! The step's operating flow (production and accounting), USD.
  void book_operating(FirmTable& F, std::size_t f, double flow) noexcept {
    F.cash[f] += flow;
    operating[f] = flow;
  }
  //! A signing bonus paid now, USD.
  void pay_signing(FirmTable& F, std::size_t f, double amount) noexcept {
    F.cash[f] -= amount;
    F.signing_paid[f] += amount;
  }
  //! Money in (+) or out (-) for another reason: an acquisition's payment.
  void book_other(FirmTable& F, std::size_t f, double amount) noexcept {
    F.cash[f] += amount;
    other[f] += amount;
  }
  //! Cash set to a value (a timeline event, a write-off at exit); the
  //! difference is booked as other.
  void set_cash(FirmTable& F, std::size_t f, double value) noexcept {
    other[f] += value - F.cash[f];
    F.cash[f] = value;
  }
};

//! What happened in the current step: researcher events and firm exits.
struct StepLog {
  std::vector<Event> events;
  std::int64_t exits_acquired = 0;  //!< firms acquired this step
  std::int64_t exits_bankrupt = 0;  //!< firms bankrupt this step

  void clear() noexcept {
    events.clear();
    exits_acquired = exits_bankrupt = 0;
  }
  //! The event of r's move with r's package as it is now (after the move).
  static Event event(const State& s, EventKind kind, std::int32_t r, std::int32_t from,
                     std::int32_t to, std::uint8_t outreach = 0) noexcept;
  //! Appends event(s, kind, r, from, to, outreach).
  void record(const State& s, EventKind kind, std::int32_t r, std::int32_t from, std::int32_t to,
              std::uint8_t outreach = 0) {
    events.push_back(event(s, kind, r, from, to, outreach));
  }
};

//! An offer inside one step's market.
struct Offer {
  std::int32_t researcher = 0;
  std::int32_t firm = 0;
  std::uint32_t slot = 0;  //!< the researcher's slot among the step's candidates
  double value = 0;        //!< annual value a, USD/yr
  double expected = 0;     //!< researcher's utility of it without the taste shock
  double utility = 0;      //!< researcher's utility of it, taste shock included
  std::uint8_t outreach = 0;
};

//! What a valuation reads of each firm, valid while the firm's talent,
//! compute, parameters and reference output stay put (the market phase; a
//! firm's layoff ranking, refreshed per firm before it): output at the
//! firm's current talent and C^(1 - alpha), with which a valuation costs
//! one pow() instead of four, bit-identical to production() (same
//! operations in the same order); and the rest in the same 64-byte record,
//! so that a pair valued in researcher order (firms at random) costs one
//! line of the firm instead of four scattered ones (docs/performance.md,
//! item 30).
struct OutputCache {
  struct alignas(64) Terms {
    double tfp = 0;            //!< FirmParams::tfp
    double alpha = 0;          //!< FirmParams::alpha
    double compute_term = 0;   //!< C^(1 - alpha); 0 when C <= 0
    double now = 0;            //!< output at the firm's current talent
    double talent = 0;         //!< FirmTable::talent
    double ai_value = 0;       //!< FirmParams::ai_value
    double y_ref = 0;          //!< FirmTable::y_ref
    double denial_weight = 0;  //!< FirmParams::denial_weight
  };
  std::vector<Terms> firm;  //!< per firm
  //! Fills the terms of every firm of s (in parallel).
  void refresh(const State& s);
  //! Fills firm f's only (`firm` sized to the firms first).
  void refresh(const State& s, std::size_t f);
  //! s.output(f, talent), from the cached terms.
  double output(std::size_t f, double talent) const noexcept;
};
//! What a researcher's non-money utility and the money of its current
//! package read of a firm (the compute per head term, the mission, the
//! equity haircut, the country), gathered once a step in one small
//! record per firm: the pairs are valued in researcher order, so the firms
//! come at random, and FirmParams (288 bytes a firm) stops fitting the
//! cache at 10M researchers (110,000 firms; docs/performance.md, item 30).
struct FirmAppeal {
  double log_per_head = 0;   //!< log_compute_per_head()
  double mission = 0;        //!< FirmParams::mission
  double equity_kept = 0;    //!< 1 - FirmParams::equity_haircut
  std::int32_t country = 0;  //!< FirmTable::country
};
//! What the auction rounds need of a candidate that does not change during
//! the market phase, gathered once by scouting (in researcher order) so that
//! a firm's rounds read its own array instead of the researcher tables.
struct CandidateRow {
  double floor = 0;        //!< reservation value: no package pays less, USD/yr
  double cost = 0;         //!< switching cost an offer must beat staying by (0 for a job seeker)
  double w_money = 0;      //!< weight of money in utility
  double subsidy = 0;      //!< retention subsidy the candidate gets at this firm, USD/yr
  double rest = 0;         //!< non-money utility at the firm (without the outreach bonus)
  std::uint32_t slot = 0;  //!< the candidate's slot: index into Candidates::who
};

//! Scouting's result: per firm, the candidates it may bid for this step.
//! Buffers are kept between steps (no allocation once warm).
struct Candidates {
  std::vector<std::vector<std::int32_t>> ids;    //!< scouted researcher ids, ascending
  std::vector<std::vector<double>> wtp;          //!< willingness to pay, aligned with ids
  std::vector<std::vector<std::uint8_t>> flags;  //!< 1 = personal outreach
  //! The kept candidates' fixed terms, flat, firm after firm: firm f's
  //! are [row_offset[f], row_offset[f + 1]), aligned with ids[f]. Flat, so
  //! that scouting's researcher-order pass finds a kept pair's row from a
  //! small per-firm offset, not a firm's vector header and then its block,
  //! and writes one record, not two (docs/performance.md, item 34).
  std::vector<CandidateRow> row;
  std::vector<std::size_t> row_offset;  //!< per firm: its first row (size firms + 1)
  //! Firm f's rows, aligned with ids[f].
  std::span<const CandidateRow> rows(std::size_t f) const noexcept {
    return {row.data() + row_offset[f], row_offset[f + 1] - row_offset[f]};
  }
  std::vector<std::vector<std::size_t>> order;        //!< scouting's scratch for outreach ranking
  std::vector<std::vector<std::int32_t>> applicants;  //!< job seekers who applied, per firm
  std::vector<std::vector<std::int32_t>> seat_firms;  //!< per country: firms with open seats
  std::vector<std::vector<double>> seat_cumulative;   //!< per country: their cumulative seats
  // Scouting's scratch for evaluating every (firm, candidate) pair of the
  // step in researcher order (docs/performance.md): the pairs are laid out
  // flat, firm after firm (`offset`), and `keys` sorts them by researcher.
  std::vector<double> cap;                  //!< per firm: most an offer may be worth; NaN = none
  std::vector<std::size_t> offset;          //!< per firm: first pair (size firms + 1)
  std::vector<std::uint64_t> keys;          //!< researcher << 32 | pair, ascending
  std::vector<std::uint64_t> keys_scratch;  //!< the radix sort's second buffer
  std::vector<std::int32_t> pair_firm;      //!< per pair: the firm
  std::vector<std::uint32_t> pair_pos;      //!< per pair: its place in researcher order (keys)
  //! What scouting works out for a pair, kept in researcher order (the
  //! order of `keys`) so that its researcher-order passes read and write
  //! them as a stream; a firm reaches its pairs' through pair_pos.
  struct PairValue {
    double wtp = 0;          //!< willingness to pay; NaN = no candidate
    double floor = 0;        //!< the smallest package the candidate takes
    std::int32_t firm = 0;   //!< the firm
    std::int32_t dest = -1;  //!< index among the firm's kept; -1 = cut
  };
  std::vector<PairValue> sorted;                //!< per pair, in researcher order
  std::vector<std::vector<std::uint32_t>> src;  //!< per firm: place in `sorted` of each kept
  std::vector<std::uint32_t> chunk_base;        //!< scouting's scratch: first slot per chunk
  OutputCache output;                           //!< firms' production terms of this step
  std::vector<FirmAppeal> appeal;               //!< per firm: firm_appeal()
  //! Per firm: 1 when it is active and makes counter-offers (what the
  //! rounds' counter-offers test of each touched employee's employer,
  //! instead of a scattered FirmParams; docs/performance.md, item 31).
  std::vector<std::uint8_t> counters;
  // Per slot: every researcher some firm kept, in ascending id order (the
  // auction keeps its per-candidate state by slot).
  std::vector<std::int32_t> who;       //!< slot -> researcher
  std::vector<std::int32_t> employer;  //!< slot -> its employer (NO_FIRM for a job seeker)
  std::vector<double> stay_cost;       //!< slot -> switching cost (0 for a job seeker)
  std::vector<double> stay_rest;       //!< non-money utility of staying (0 for a job seeker)
  std::vector<double> stay_u;          //!< expected utility of staying with the current package
  //! One slot per firm (spin-outs add firms).
  void fit(std::size_t firms);
};

//! One move of the step's settlement: researcher r takes a package at firm
//! `to` (a hire from the job seekers or a poach, by where r works), or,
//! kind retention, stays at its employer `to` with a re-cut package.
struct Move {
  std::int32_t r = 0;
  std::int32_t to = 0;
  double salary = 0, signing = 0, equity = 0;  //!< the package, as join_firm takes it
  double paid = 0;                             //!< signing bonus paid from `to`'s cash now, USD
  EventKind kind = EventKind::hire;            //!< hire, poach or retention
  std::uint8_t outreach = 0;                   //!< 1 = personal outreach (a retention records 0)
};

//! apply_moves()'s working memory, kept between steps.
struct MoveScratch {
  //! Per move: where r worked and its slot there (its place among the job
  //! seekers for a hire), what its old package was worth, and its slot at
  //! `to` once it joined.
  struct Where {
    std::int32_t from = NO_FIRM;
    std::int32_t from_slot = -1;
    std::int32_t to_slot = -1;
    double left_value = 0;
  };
  std::vector<Where> where;
  std::vector<std::uint32_t> firm_events;  //!< per firm: its events' count, then their start
  std::vector<std::int32_t> firms;         //!< firms with events, ascending
  std::vector<std::uint32_t> events;       //!< move << 1 | joins, grouped by firm, in move order
  std::vector<std::size_t> made;           //!< settle_moves(): moves made per chunk of slots
};

//! Applies `moves` (each researcher at most once) with the same result,
//! bit for bit, as leave_firm and join_firm, the signing bonus paid and
//! the event recorded one move after the other, in the order given; but
//! each firm's side of the moves runs on one thread, firms in parallel,
//! beside one serial pass over what all moves share (the job seekers' list,
//! the tracker, the neighbour counts' queue) (docs/performance.md).
void apply_moves(State& s, const std::vector<Move>& moves, MoveScratch& scratch, Ledger& ledger,
                 StepLog& log);

//! The auction's result: every offer of the step, the one each researcher
//! holds and the counter-offers of incumbents, by slot (the researcher's
//! index among the step's candidates, Candidates::who). settle_moves()
//! consumes it.
struct OfferBook {
  std::vector<Offer> offers;               //!< every offer made this step
  std::vector<std::int32_t> who;           //!< slot -> researcher (a copy of Candidates::who)
  std::vector<std::int32_t> held;          //!< slot -> held offer, or -1
  std::vector<double> stay_raise;          //!< slot -> countered annual value, or 0
  std::vector<std::uint32_t> touched;      //!< slots of researchers who received offers
  std::vector<std::uint8_t> touched_mark;  //!< slot -> in `touched`
  std::vector<Move> moves;                 //!< settle_moves(): the moves, ascending researchers
  MoveScratch move_scratch;                //!< settle_moves(): apply_moves()'s memory
  //! Empty, for the step's candidates.
  void open(const std::vector<std::int32_t>& candidates);
};

//! An incumbent's possible counter-offer to an employee holding an outside offer.
struct CounterCase {
  std::int32_t firm = 0;
  std::int32_t researcher = 0;
  std::uint32_t slot = 0;     //!< the researcher's slot
  std::int32_t dropped = -1;  //!< the outside offer the raise made it give up, or -1
  double raise = 0;           //!< countered annual value, 0 = no counter
};

//! A candidate a firm could offer to in this round, with the firm's surplus.
struct OfferChoice {
  double profit = 0;  //!< willingness to pay minus the offer, USD/yr
  std::size_t j = 0;  //!< index into the firm's candidates
  double value = 0;   //!< annual value of the offer, USD/yr
};

//! The auction rounds' own working memory, kept between steps.
struct AuctionScratch {
  std::vector<std::int32_t> pending, rejected, choice, pending_sorted;
  std::vector<std::uint64_t> pending_keys, pending_keys_scratch;  //!< decide()'s radix sort
  std::vector<std::size_t> starts;
  std::vector<CounterCase> cases;
  std::vector<double> stay_u;      //!< slot -> expected utility of staying (with a counter's raise)
  std::vector<double> stay_taste;  //!< slot -> taste shock for staying; NaN = not drawn yet
  //! slot -> the held offer its employer's last counter-offer case was
  //! settled against (-1: none, or a budget stopped it): counter_offers()
  //! does not make the same case again.
  std::vector<std::int32_t> settled;
  // Per firm.
  std::vector<std::vector<double>> last;               //!< per candidate: last value offered, or 0
  std::vector<double> committed;                       //!< annual value of live offers
  std::vector<double> committed_signing;               //!< signing of live offers, USD
  std::vector<std::int32_t> live_offers;               //!< number of live offers
  std::vector<std::uint8_t> needs_fill;                //!< act in the next round
  std::vector<std::vector<Offer>> fill_buffers;        //!< offers made this round
  std::vector<std::vector<OfferChoice>> fill_choices;  //!< scratch of fill()
  //! Sized to the firms, per-step fields reset.
  void open(std::size_t firms);
};

//! An employee ranked for budget layoffs: least surplus goes first.
struct StaffSurplus {
  double surplus = 0;  //!< value of keeping minus annual pay, USD/yr
  std::int32_t r = 0;
  bool operator>(const StaffSurplus& o) const noexcept {
    return surplus > o.surplus || (surplus == o.surplus && r > o.r);
  }
};

//! Working memory of enforce_budgets().
struct BudgetScratch {
  OutputCache output;                            //!< production terms of the firms over budget
  std::vector<std::int32_t> firms;               //!< firms over budget
  std::vector<std::vector<StaffSurplus>> staff;  //!< per firm over budget, a min-heap
  //! Per firm over budget: whom it laid off, in order, and the annual value
  //! of each one's package.
  std::vector<std::vector<std::pair<std::int32_t, double>>> laid_off;
};

// ---- the phases of one step, in order (MODEL.md "The market, one step")
void apply_timeline_events(State& s, Ledger& ledger);
void apply_exogenous_flows(State& s, StepLog& log);
// `times`, when given, gets the phases' parts (PhaseTimes::scouting_*,
// rounds_*) added.
void scout_candidates(const State& s, Candidates& out, PhaseTimes* times = nullptr);
void run_auction_rounds(const State& s, const Candidates& cand, AuctionScratch& scratch,
                        OfferBook& out, PhaseTimes* times = nullptr);
void settle_moves(OfferBook& book, State& s, Ledger& ledger, StepLog& log);
void run_posted_wage_market(State& s, StepLog& log);
void produce_and_account(State& s, Ledger& ledger);
void raise_funding(State& s, Ledger& ledger);
void resolve_exits(State& s, Ledger& ledger, StepLog& log);
void found_spinouts(State& s, Ledger& ledger, StepLog& log);
void enforce_budgets(State& s, BudgetScratch& scratch, StepLog& log);
void compute_metrics(State& s, const StepLog& log, StepMetrics& out);

// ---- building the initial state
void build_population(State& s);
void build_network(State& s);
//! Graduates the countries send over the run (their yearly numbers times the
//! run's years): setup reserves room for them, the memory estimate counts them.
double expected_graduates(const Scenario& sc) noexcept;
//! Ties expected within the initial firms' teams (a team is never larger than
//! its firm; a team size without a finite mean is as large as the firm):
//! setup reserves room for them, the memory estimate counts them.
double expected_team_ties(const Scenario& sc) noexcept;
//! Appends a researcher (a job seeker) and registers it with the sampler,
//! the founder pool and the metrics; returns its id.
std::int32_t add_researcher(State& s, double skill, int field, int origin, std::int32_t entered);
//! Draws r's preference weights, switching cost and reservation value.
void draw_preferences(State& s, std::int32_t r, CounterRng& rng);

}  // namespace talentsim::detail
