#pragma once
// The engine's private state: the tables, the network, bookkeeping that
// keeps per-step work proportional to activity, and reusable scratch buffers.

#include <cstdint>
#include <vector>

#include "market/sampler.hpp"
#include "metrics/tracker.hpp"
#include "random/rng.hpp"
#include "talentsim/simulation.hpp"

namespace talentsim {

//! An offer inside one step's market.
struct Offer {
  std::int32_t researcher = 0;
  std::int32_t firm = 0;
  double value = 0;     //!< annual value a, USD/yr
  double expected = 0;  //!< researcher's utility of it without the taste shock
  double utility = 0;   //!< researcher's utility of it, taste shock included
  std::uint8_t outreach = 0;
};

//! An employee ranked for budget layoffs: least surplus goes first.
struct StaffSurplus {
  double surplus = 0;  //!< value of keeping minus annual pay, USD/yr
  std::int32_t r = 0;
  bool operator>(const StaffSurplus& o) const noexcept {
    return surplus > o.surplus || (surplus == o.surplus && r > o.r);
  }
};

//! An incumbent's possible counter-offer to an employee holding an outside offer.
struct CounterCase {
  std::int32_t firm = 0;
  std::int32_t researcher = 0;
  double raise = 0;  //!< countered annual value, 0 = no counter
};

//! Buffers of the auction rounds, kept between steps (no allocation once warm).
struct AuctionScratch {
  std::vector<std::int32_t> pending, rejected, choice, all;
  std::vector<std::size_t> starts;
  std::vector<CounterCase> cases;
};

//! A candidate a firm could offer to in this round, with the firm's surplus.
struct OfferChoice {
  double profit = 0;  //!< willingness to pay minus the offer, USD/yr
  std::size_t j = 0;  //!< index into the firm's candidates
  double value = 0;   //!< annual value of the offer, USD/yr
};

struct Simulation::World {
  explicit World(Scenario s) : sc(std::move(s)) {}

  Scenario sc;
  ResearcherTable R;
  FirmTable F;
  CountryTable C;
  Network net;
  std::int32_t step = 0;                //!< steps done
  double vc_pool = 0;                   //!< USD available to spin-outs
  std::int64_t new_firms = 0;           //!< spin-outs founded so far
  std::int64_t exits_acquired = 0;      //!< firms acquired this step
  std::int64_t exits_bankrupt = 0;      //!< firms bankrupt this step
  std::vector<std::string> firm_names;  //!< every firm, spin-outs included
  std::int64_t n_present = 0;           //!< researchers in the market
  std::int64_t n_employed = 0;          //!< of which employed
  double star_threshold = 0;            //!< skill of the top 1% at step 0
  std::int64_t stars_present = 0;       //!< researchers present with skill >= star_threshold
  bool check = false;

  detail::VisibilitySampler sampler;
  detail::MetricsTracker tracker;
  std::vector<std::int32_t> founder_pool;  //!< researchers with skill >= founders.min_skill

  std::vector<Event> events;
  StepMetrics metrics;
  PhaseTimes times;

  // ---- the cash ledger of the current step, per firm. Every change of a
  // firm's cash goes through the four operations below, so that the
  // accounting check holds by construction:
  // cash_end = cash_start + operating - signing_paid + other
  std::vector<double> cash_start;  //!< USD at the start of the step
  std::vector<double> operating;   //!< (income - payroll - opex - capex)/52 this step
  std::vector<double> cash_other;  //!< events, acquisition payments, exits

  //! The step's operating flow (production and accounting), USD.
  void book_operating(std::size_t f, double flow) noexcept {
    F.cash[f] += flow;
    operating[f] = flow;
  }
  //! A signing bonus paid now, USD.
  void pay_signing(std::size_t f, double amount) noexcept {
    F.cash[f] -= amount;
    F.signing_paid[f] += amount;
  }
  //! Money in (+) or out (-) for another reason: an acquisition's payment.
  void book_other(std::size_t f, double amount) noexcept {
    F.cash[f] += amount;
    cash_other[f] += amount;
  }
  //! Cash set to a value (a timeline event, a write-off at exit); the
  //! difference is booked as other.
  void set_cash(std::size_t f, double value) noexcept {
    cash_other[f] += value - F.cash[f];
    F.cash[f] = value;
  }

  // ---- per-step market scratch (kept between steps to avoid reallocations)
  std::vector<Offer> offers;               //!< every offer made this step
  std::vector<std::int32_t> held;          //!< researcher -> held offer, or -1
  std::vector<double> stay_raise;          //!< researcher -> countered annual value, or 0
  std::vector<std::int32_t> touched;       //!< researchers who received offers
  std::vector<std::uint8_t> touched_mark;  //!< researcher -> in `touched`
  std::vector<std::vector<std::int32_t>> candidates;       //!< per firm: scouted researcher ids
  std::vector<std::vector<double>> candidate_wtp;          //!< per firm, aligned with candidates
  std::vector<std::vector<double>> candidate_last;         //!< per firm: last value offered, or 0
  std::vector<std::vector<std::uint8_t>> candidate_flags;  //!< per firm: 1 = outreach
  std::vector<std::vector<double>> candidate_rest;         //!< per firm: non-money utility there
  std::vector<double> stay_rest;  //!< researcher -> non-money utility of staying (candidates only)
  std::vector<double> stay_u;     //!< researcher -> expected utility of staying (candidates only)
  std::vector<double> committed;  //!< per firm: annual value of live offers
  std::vector<double> committed_signing;                //!< per firm: signing of live offers, USD
  std::vector<std::int32_t> live_offers;                //!< per firm: number of live offers
  std::vector<std::uint8_t> needs_fill;                 //!< per firm: act in the next round
  std::vector<std::vector<Offer>> fill_buffers;         //!< per firm: offers made this round
  std::vector<std::vector<std::size_t>> scout_order;    //!< per firm: scratch for outreach ranking
  std::vector<std::vector<OfferChoice>> fill_choices;   //!< per firm: scratch of fill()
  std::vector<std::int32_t> over_budget;                //!< scratch of enforce_budgets()
  AuctionScratch auction;                               //!< scratch of the auction rounds
  std::vector<std::vector<StaffSurplus>> budget_staff;  //!< scratch of enforce_budgets()
  std::vector<std::pair<std::int64_t, std::int32_t>> entries;  //!< (enter_step, firm), sorted

  // ---- helpers shared by the phases
  double contract_years() const noexcept { return sc.market.contract_years; }
  //! Annual comp budget: share of income + cash/runway (USD/yr).
  double comp_budget(std::size_t f) const noexcept;
  //! Output per step of firm f at talent T with its current compute.
  double output(std::size_t f, double talent) const noexcept;
  //! Researcher r's contribution to f's talent: skill * needs.
  double delta(std::size_t f, std::int32_t r) const noexcept {
    return R.skill[static_cast<std::size_t>(r)] * F.needs[f][R.field[static_cast<std::size_t>(r)]];
  }
  bool present(std::int32_t r) const noexcept {
    return R.employer[static_cast<std::size_t>(r)] != NOT_PRESENT;
  }

  // ---- moves, used by every phase that changes an employer
  //! Removes r from its firm (knowledge loss applies when `disrupt`).
  void leave_firm(std::int32_t r, bool disrupt);
  //! Adds r to firm f with the given package.
  void join_firm(std::int32_t r, std::int32_t f, double salary, double signing, double equity);
  void record(EventKind kind, std::int32_t r, std::int32_t from, std::int32_t to,
              std::uint8_t outreach = 0);
  //! Adds a firm (initial or spun out) and returns its id.
  std::int32_t add_firm(const Firm& firm);
  //! Fixes a firm's reference output from its current talent and compute.
  void set_reference_output(std::size_t f);
};

//! The engine's state of a Simulation (defined in simulation.cpp).
Simulation::World& detail_world(Simulation& sim) noexcept;

namespace detail {

namespace testing {
//! White-box access for tests: the engine's whole state.
inline Simulation::World& world(Simulation& sim) noexcept {
  return detail_world(sim);
}
inline const Simulation::World& world(const Simulation& sim) noexcept {
  return detail_world(const_cast<Simulation&>(sim));
}
}  // namespace testing

// The phases of one step, in order (MODEL.md "The market, one step").
void apply_timeline_events(Simulation::World& w);
void apply_exogenous_flows(Simulation::World& w);
void scout_candidates(Simulation::World& w);
void run_auction_rounds(Simulation::World& w);
void settle_moves(Simulation::World& w);
void enforce_budgets(Simulation::World& w);
void run_posted_wage_market(Simulation::World& w);
void produce_and_account(Simulation::World& w);
void resolve_exits(Simulation::World& w);
void found_spinouts(Simulation::World& w);
void compute_metrics(Simulation::World& w);

// Building the initial state.
void build_population(Simulation::World& w);
void build_network(Simulation::World& w);
//! Appends a researcher (a job seeker) and registers it with the sampler,
//! the founder pool and the metrics; returns its id.
std::int32_t add_researcher(Simulation::World& w, double skill, int field, int origin,
                            std::int32_t entered);
//! Draws r's preference weights, switching cost and reservation value.
void draw_preferences(Simulation::World& w, std::int32_t r, CounterRng& rng);

}  // namespace detail
}  // namespace talentsim
