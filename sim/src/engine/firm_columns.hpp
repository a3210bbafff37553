#pragma once
// The columns of the firm and researcher tables, each declared once. Adding
// a firm or a researcher, checkpoints (save, restore, size checks), the
// per-step reset and the output all walk these lists, so a new column is
// one line here plus the code that uses it (tests/unit/test_columns.cpp
// checks that every consumer agrees with the lists).

#include <type_traits>
#include <vector>

#include "talentsim/state.hpp"

namespace talentsim::detail {

//! What a column is for.
enum ColumnRole : unsigned {
  SAVED = 1,     //!< in checkpoints (state that steps carry forward)
  OUTPUT = 2,    //!< written to /firms/series/<name> every step
  PER_STEP = 4,  //!< a counter of the current step, zeroed when a step starts
  STATIC = 8,    //!< written once, at the end, to /firms/<name> (one value per firm)
};

//! Calls visit(name, units, column, roles) for every column of the firm
//! table, in a fixed order (checkpoints store SAVED columns in this order).
template <class Table, class Visit>
void firm_columns(Table& F, Visit&& visit) {
  visit("params", "", F.params, SAVED);
  visit("kind", "", F.kind, SAVED);
  visit("country", "", F.country, SAVED);
  visit("needs", "", F.needs, SAVED);
  visit("rivals", "", F.rivals, SAVED);
  visit("employees", "", F.employees, SAVED);
  visit("cash", "USD", F.cash, SAVED | OUTPUT);
  visit("compute", "GPU", F.compute, SAVED | OUTPUT);
  visit("payroll", "USD/yr", F.payroll, SAVED | OUTPUT);
  visit("talent", "skill", F.talent, SAVED | OUTPUT);
  visit("talent_peak", "skill", F.talent_peak, SAVED);
  visit("progress", "output", F.progress, SAVED | OUTPUT);
  visit("y_ref", "output", F.y_ref, SAVED);
  visit("active", "flag", F.active, SAVED | OUTPUT);
  visit("star_count", "researchers", F.star_count, SAVED);
  visit("funded_cash", "USD", F.funded_cash, SAVED);
  visit("exit_step", "step", F.exit_step, SAVED | STATIC);
  visit("exit_buyer", "", F.exit_buyer, SAVED | STATIC);
  visit("exit_reason", "", F.exit_reason, SAVED | STATIC);
  visit("exit_price", "USD", F.exit_price, SAVED | STATIC);
  visit("exit_staff", "researchers", F.exit_staff, SAVED | STATIC);
  visit("hires", "researchers", F.hires, OUTPUT | PER_STEP);
  visit("departures", "researchers", F.departures, OUTPUT | PER_STEP);
  visit("offers_made", "offers", F.offers_made, OUTPUT | PER_STEP);
  visit("offers_accepted", "offers", F.offers_accepted, OUTPUT | PER_STEP);
  visit("signing_paid", "USD", F.signing_paid, OUTPUT | PER_STEP);
  visit("raised", "USD", F.raised, OUTPUT | PER_STEP);
}

//! Calls visit(name, units, column, roles) for every column of the
//! researcher table, in a fixed order (checkpoints store SAVED columns in
//! this order). OUTPUT columns are written once, to /researchers/<name>;
//! units "" means the dataset has no units attribute.
template <class Table, class Visit>
void researcher_columns(Table& R, Visit&& visit) {
  visit("skill", "", R.skill, SAVED | OUTPUT);
  visit("field", "", R.field, SAVED | OUTPUT);
  visit("origin", "", R.origin, SAVED | OUTPUT);
  visit("study", "", R.study, SAVED | OUTPUT);
  visit("entered_step", "step", R.entered_step, SAVED | OUTPUT);
  visit("w_money", "", R.w_money, SAVED);
  visit("w_compute", "", R.w_compute, SAVED);
  visit("w_mission", "", R.w_mission, SAVED);
  visit("w_peers", "", R.w_peers, SAVED);
  visit("w_home", "", R.w_home, SAVED);
  visit("switch_cost", "", R.switch_cost, SAVED);
  visit("reservation", "USD/yr", R.reservation, SAVED);
  visit("salary", "USD/yr", R.salary, SAVED);
  visit("signing", "USD", R.signing, SAVED);
  visit("equity", "USD", R.equity, SAVED);
  visit("employer", "", R.employer, SAVED);
  visit("hired_step", "step", R.hired_step, SAVED);
  visit("slot", "", R.slot, SAVED);
}

//! The output also has /firms/series/headcount, computed (employees' size).
inline constexpr const char* HEADCOUNT_UNITS = "researchers";

//! True for columns of numbers (written as series); false for lists.
template <class Column>
constexpr bool is_number_column = std::is_arithmetic_v<typename Column::value_type>;

}  // namespace talentsim::detail
