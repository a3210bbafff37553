#pragma once
// The engine's state: what a checkpoint saves (the resolved scenario, the
// researcher, firm and country tables, the network, the counters and the
// metrics tracker) plus one index derived from it (the visibility sampler,
// rebuilt when a checkpoint is restored). Phases read it as `const State&`
// and only those that change the market take `State&` (engine/phases.hpp).

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "market/sampler.hpp"
#include "metrics/tracker.hpp"
#include "network/peers.hpp"
#include "talentsim/simulation.hpp"

namespace talentsim::detail {

struct State {
  explicit State(Scenario s) : sc(std::move(s)) {}

  Scenario sc;  //!< the resolved scenario; Simulation::set() appends to its timeline
  ResearcherTable R;
  FirmTable F;
  CountryTable C;
  Network net;
  PeerCounts peers;       //!< where each researcher's neighbours work (derived: net + employers)
  std::int32_t step = 0;  //!< steps done
  double vc_pool = 0;     //!< USD available to spin-outs
  std::int64_t new_firms = 0;              //!< spin-outs founded so far
  std::vector<std::string> firm_names;     //!< every firm, spin-outs included
  std::int64_t n_present = 0;              //!< researchers in the market
  std::int64_t n_employed = 0;             //!< of which employed
  double star_threshold = 0;               //!< skill of the top 1% at step 0
  std::int64_t stars_present = 0;          //!< researchers present with skill >= star_threshold
  MetricsTracker tracker;                  //!< whole-population metrics, updated at every change
  std::vector<std::int32_t> founder_pool;  //!< researchers with skill >= founders.min_skill
  //! What an employee brought to its firm, aligned with F.employees (same
  //! order; written by attach, read and swap-removed by detach): the
  //! budget ranking reads the firm's own contiguous rows instead of five
  //! researcher columns at random.
  struct StaffRow {
    double delta = 0;  //!< delta(f, r): skill times the firm's need for the field
    double value = 0;  //!< R.annual_value(r): the package, fixed while employed
  };
  std::vector<std::vector<StaffRow>> staff;  //!< derived: rebuilt at restore
  //! F.needs flat, firm after firm (sc.fields.size() weights each), which
  //! delta() reads: one load at a place computed from (f, field) instead of
  //! a firm's vector header and then its own heap block, two dependent
  //! misses once the firms outgrow the cache (docs/performance.md, item 30).
  //! Derived: appended by add_firm, rebuilt at restore (rebuild_needs).
  std::vector<double> needs;
  //! Every job seeker present (order: arrival, swap-removed); a job seeker's
  //! R.slot is its position here, as an employee's is in its firm's list.
  std::vector<std::int32_t> seekers;
  std::vector<std::pair<std::int64_t, std::int32_t>> entries;  //!< (enter_step, firm), latest first
  VisibilitySampler sampler;  //!< derived: visibility weights of R (rebuilt at restore)

  //! Rebuilds `needs` from F.needs.
  void rebuild_needs();
  //! Rebuilds `staff` from the employee lists and the researchers' packages
  //! (after rebuild_needs()).
  void rebuild_staff_rows();

  // ---- read-only helpers
  double contract_years() const noexcept { return sc.market.contract_years; }
  //! Annual comp budget: share of income + cash/runway (USD/yr).
  double comp_budget(std::size_t f) const noexcept;
  //! Annual burn: payroll + opex + capex - income (USD/yr, negative = surplus).
  double burn(std::size_t f) const noexcept;
  //! The burn a firm that raises rounds plans for its funding cycle: its
  //! comp budget at its funded cash, plus opex and capex, minus income.
  double planned_burn(std::size_t f) const noexcept;
  //! True when a firm that raises rounds has less cash than
  //! raise_below_years of its planned burn (docs/model.md, "Funding rounds").
  bool needs_round(std::size_t f) const noexcept;
  //! Planned headcount of firm f now, or -1 when it has no plan
  //! (docs/model.md, "Headcount plans").
  std::int64_t planned_headcount(std::size_t f) const noexcept;
  //! Adds r to / removes r from the job seekers (O(1)).
  void add_seeker(std::int32_t r);
  void remove_seeker(std::int32_t r);
  //! Output per step of firm f at talent T with its current compute.
  double output(std::size_t f, double talent) const noexcept;
  //! Researcher r's contribution to f's talent: skill * needs.
  double delta(std::size_t f, std::int32_t r) const noexcept {
    const auto ri = static_cast<std::size_t>(r);
    return R.skill[ri] * needs[f * sc.fields.size() + static_cast<std::size_t>(R.field[ri])];
  }
  bool present(std::int32_t r) const noexcept {
    return R.employer[static_cast<std::size_t>(r)] != NOT_PRESENT;
  }

  // ---- moves: with the firm's staff list, talent, payroll, star count,
  // the tracker, the job seekers and the neighbour counts kept in step.
  // Every change of an employer goes through these, or through the
  // batches built from their halves (apply_moves() in settling, the layoffs
  // of enforce_budgets()), which end in the same state.
  //! Removes r from its firm (knowledge loss applies when `disrupt`).
  void leave_firm(std::int32_t r, bool disrupt);
  //! Adds r to firm f with the given package.
  void join_firm(std::int32_t r, std::int32_t f, double salary, double signing, double equity);
  //! The firm's half of leave_firm, which touches firm f and its own
  //! employees only: the employee at `slot` of f's list leaves (knowledge
  //! loss when `disrupt`, talent, payroll, star count, departures, the list
  //! and its rows swap-removed). The employee moved into the hole is told
  //! to `moved(id, slot)`, which keeps its slot. Returns what the leaver
  //! brought. Firms' halves of different firms may run in parallel.
  template <class Moved>
  StaffRow detach(std::size_t f, std::size_t slot, bool disrupt, Moved&& moved);
  //! detach() whose moved employee keeps its slot in R.slot.
  StaffRow detach(std::size_t f, std::size_t slot, bool disrupt) {
    return detach(f, slot, disrupt, [this](std::int32_t moved, std::size_t at) {
      R.slot[static_cast<std::size_t>(moved)] = static_cast<std::int32_t>(at);
    });
  }
  //! The firm's half of join_firm: r joins the end of f's list with a
  //! package of annual value `value` (talent, payroll, star count, hires,
  //! the list and its rows). Returns r's slot.
  std::size_t attach(std::size_t f, std::int32_t r, double value);
  //! The rest of leave_firm once firm f's half is done: r, whose package
  //! was worth `value` a year, becomes a job seeker (tracker, neighbour
  //! counts' queue, its columns, the job seekers' list).
  void release(std::int32_t r, std::int32_t f, double value);
  //! Adds a firm (initial or spun out) to the firm table and returns its id.
  std::int32_t add_firm(const Firm& firm);
  //! Fixes a firm's reference output from its current talent and compute.
  void set_reference_output(std::size_t f);
};

template <class Moved>
State::StaffRow State::detach(std::size_t f, std::size_t slot, bool disrupt, Moved&& moved) {
  auto& list = F.employees[f];
  auto& rows = staff[f];
  const std::int32_t r = list[slot];
  // What r brought: delta(f, r) and its package's annual value, as its row
  // has kept them since it joined.
  const StaffRow row = rows[slot];
  if (disrupt && F.talent[f] > 0) {
    F.progress[f] -=
        sc.market.knowledge_loss * std::min(1.0, row.delta / F.talent[f]) * F.progress[f];
  }
  F.talent[f] = std::max(0.0, F.talent[f] - row.delta);
  F.payroll[f] -= row.value;
  if (list.size() == 1) {
    F.payroll[f] = 0;  // no rounding residue in an empty firm
    F.talent[f] = 0;
  }
  if (R.skill[static_cast<std::size_t>(r)] >= star_threshold) --F.star_count[f];
  // Swap-remove from the employee list (and its rows), keeping slots consistent.
  const std::int32_t last = list.back();
  list[slot] = last;
  rows[slot] = rows.back();
  moved(last, slot);
  list.pop_back();
  rows.pop_back();
  ++F.departures[f];
  return row;
}

}  // namespace talentsim::detail
