#pragma once
//! The mutable state of a run as struct-of-arrays tables with dense int32 ids.

#include <cstdint>
#include <string_view>
#include <vector>

#include "talentsim/scenario.hpp"

namespace talentsim {

//! Employer code of a job seeker.
inline constexpr std::int32_t NO_FIRM = -1;
//! Employer code (in snapshots) of a researcher not present: not yet entered or retired.
inline constexpr std::int32_t NOT_PRESENT = -2;

//! Every researcher ever present, one entry per field, indexed by researcher id.
struct ResearcherTable {
  // static
  std::vector<double> skill;
  std::vector<std::uint8_t> field;
  std::vector<std::int16_t> origin;
  std::vector<std::int16_t> study;         //!< country of graduate study
  std::vector<std::int32_t> entered_step;  //!< step of entry (0 for the initial population)
  std::vector<double> w_money, w_compute, w_mission, w_peers, w_home;
  std::vector<double> switch_cost;  //!< utility
  std::vector<double> reservation;  //!< USD/yr
  // dynamic
  std::vector<std::int32_t> employer;    //!< firm index, NO_FIRM, or NOT_PRESENT once retired
  std::vector<double> salary;            //!< USD/yr
  std::vector<double> signing;           //!< USD, paid at hiring
  std::vector<double> equity;            //!< USD granted over the contract
  std::vector<std::int32_t> hired_step;  //!< step the current job started
  std::vector<std::int32_t> slot;        //!< position in its firm's employee list

  std::size_t size() const noexcept { return skill.size(); }
  //! Annual value of the current package (USD/yr): salary + (signing + equity)/H.
  double annual_value(std::size_t r, double contract_years) const noexcept {
    return salary[r] + (signing[r] + equity[r]) / contract_years;
  }
  void reserve(std::size_t n);
  //! Appends a researcher with no job; returns its id.
  std::int32_t push_back(double skill, std::uint8_t field, std::int16_t origin, std::int32_t step);
  //! Appends n researchers with no job, entered at `step`: every column
  //! zero but employer (NO_FIRM), slot (-1), entered_step and hired_step.
  void grow(std::size_t n, std::int32_t step);
};

//! Why a firm left the market (/firms/exit_reason).
enum class ExitReason : std::uint8_t {
  none = 0,  //!< still in the market
  cash = 1,  //!< its cash fell below zero
  team = 2,  //!< a startup whose team is gone (no staff, or talent below exit_talent_share of its
             //!< peak)
};
inline constexpr std::size_t EXIT_REASON_COUNT = 3;
std::string_view to_string(ExitReason reason) noexcept;

//! Firms: parameters (changed by timeline events) and state, indexed by firm id.
struct FirmTable {
  std::vector<FirmParams> params;
  std::vector<FirmKind> kind;
  std::vector<std::int32_t> country;
  std::vector<std::vector<double>> needs;            //!< weight per field
  std::vector<std::vector<std::int32_t>> rivals;     //!< sorted firm ids
  std::vector<std::vector<std::int32_t>> employees;  //!< researcher ids (order: arrival)
  // state
  std::vector<double> cash;         //!< USD
  std::vector<double> compute;      //!< GPU-equivalents
  std::vector<double> payroll;      //!< USD/yr, sum of employees' annual values
  std::vector<double> talent;       //!< T = sum of skill * needs[field]
  std::vector<double> talent_peak;  //!< highest T at the end of any step so far
  std::vector<double> progress;     //!< P, cumulative output
  std::vector<double> y_ref;        //!< reference output per step, fixed at entry
  std::vector<std::uint8_t> active;
  std::vector<std::int32_t> star_count;  //!< employees in the top 1% by skill
  std::vector<double> funded_cash;       //!< USD after its last funding (entry, round, cash event)
  // exit, set once when the firm leaves the market (docs/model.md, "Exit")
  std::vector<std::int32_t> exit_step;    //!< step of the exit, -1 while in the market
  std::vector<std::int32_t> exit_buyer;   //!< acquirer, NO_FIRM for a bankruptcy
  std::vector<std::uint8_t> exit_reason;  //!< ExitReason code
  std::vector<double> exit_price;         //!< USD the buyer paid (0 for a bankruptcy)
  std::vector<std::int32_t> exit_staff;   //!< employees at the exit (moved or released)
  // per-step counters, reset at the start of each step
  std::vector<std::int32_t> hires, departures, offers_made, offers_accepted;
  std::vector<double> signing_paid;  //!< USD this step
  std::vector<double> raised;        //!< USD of funding rounds this step

  std::size_t size() const noexcept { return params.size(); }
  std::int32_t headcount(std::size_t f) const noexcept {
    return static_cast<std::int32_t>(employees[f].size());
  }
};

struct CountryTable {
  std::vector<double> visa_friction, retention_subsidy, graduates_per_year;
  //! Fixed for the run (from the scenario, not saved in checkpoints).
  std::vector<double> home_pull;
  std::size_t size() const noexcept { return visa_friction.size(); }
};

}  // namespace talentsim
