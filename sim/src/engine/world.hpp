#pragma once
// Simulation's private aggregate: the state and the per-phase structs of
// engine/phases.hpp. Only Simulation's own members (simulation.cpp,
// state_io.cpp, intervention.cpp) see it whole; each phase gets the parts
// its signature names.

#include "engine/phases.hpp"

namespace talentsim {

struct Simulation::World {
  explicit World(Scenario sc) : state(std::move(sc)) {}

  detail::State state;  //!< what a checkpoint saves
  detail::Ledger ledger;
  detail::StepLog log;
  detail::Candidates candidates;
  detail::AuctionScratch auction;
  detail::OfferBook book;
  detail::BudgetScratch budgets;
  StepMetrics metrics;
  PhaseTimes times;
  bool check = false;
};

//! The engine's state of a Simulation (defined in simulation.cpp).
Simulation::World& detail_world(Simulation& sim) noexcept;

namespace detail::testing {
//! White-box access for tests: the engine's state.
inline State& state(Simulation& sim) noexcept {
  return detail_world(sim).state;
}
inline const State& state(const Simulation& sim) noexcept {
  return detail_world(const_cast<Simulation&>(sim)).state;
}
}  // namespace detail::testing

}  // namespace talentsim
