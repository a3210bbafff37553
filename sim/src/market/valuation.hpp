#pragma once
// What firms are willing to pay and what researchers want: the production
// function, marginal value, rival denial, incumbent loss, and utility.
// Firm-side computations use expected utility (without the taste shock, which
// firms do not observe); researchers decide with it.

#include <cstdint>

#include "engine/phases.hpp"
#include "engine/state.hpp"

namespace talentsim::detail {

//! Y = A * T^alpha * C^(1-alpha); 0 when T or C is not positive.
double production(double tfp, double alpha, double talent, double compute) noexcept;

//! Annual value to firm f of adding talent `delta` (USD/yr).
double marginal_value(const State& s, std::size_t f, double delta) noexcept;
//! Annual value firm e loses if talent `delta` leaves it (USD/yr).
double incumbent_loss(const State& s, std::size_t e, double delta) noexcept;
//! Outside bidder's ceiling: MV plus gamma times the incumbent's loss when the
//! incumbent is a rival.
double willingness_to_pay(const State& s, std::size_t f, std::int32_t r) noexcept;
//! willingness_to_pay() with the firms' output terms cached.
double willingness_to_pay(const State& s, const OutputCache& c, std::size_t f,
                          std::int32_t r) noexcept;
//! incumbent_loss() with the firms' output terms cached.
double incumbent_loss(const OutputCache& c, std::size_t e, double delta) noexcept;
//! Incumbent's retention ceiling for its employee r: L_e(r).
double retention_ceiling(const State& s, std::int32_t r) noexcept;

//! Colleagues of r (network neighbours) employed at firm f.
int peers_at(const State& s, std::int32_t r, std::int32_t f) noexcept;
//! Effective annual money of a package worth `a` at f: a*(1 - haircut*equity_share)
//! plus the retention subsidy when f is in r's origin country.
double effective_money(const State& s, std::int32_t r, std::size_t f, double a) noexcept;
//! Utility of working at f apart from money and the taste shock.
double nonmoney_utility(const State& s, std::int32_t r, std::size_t f, bool outreach) noexcept;
//! log1p(compute per head at f), the compute term of nonmoney_utility().
double log_compute_per_head(const State& s, std::size_t f) noexcept;
//! What nonmoney_utility() reads of firm f, with log_compute_per_head().
FirmAppeal firm_appeal(const State& s, std::size_t f) noexcept;
//! nonmoney_utility(s, r, f, false) given firm_appeal(s, f), which the
//! market phase computes once per firm (bit-identical).
double nonmoney_utility_given(const State& s, std::int32_t r, std::size_t f,
                              const FirmAppeal& appeal) noexcept;
//! Expected utility of an offer worth `a` at f (no taste shock).
double offer_utility(const State& s, std::int32_t r, std::size_t f, double a,
                     bool outreach) noexcept;
//! Expected utility of staying: the current package (or `raise` > 0, a
//! counter-offer's annual value); a job seeker's is w_money * ln(reservation).
double stay_utility(const State& s, std::int32_t r, double raise) noexcept;
//! Gumbel(0, taste_noise) shock of r for firm f (f = -1: staying), fixed within a step.
double taste_shock(const State& s, std::int32_t r, std::int32_t f) noexcept;
//! Smallest annual value whose expected utility at f reaches `target`;
//! +inf when money cannot get there (w_money = 0).
double value_for_utility(const State& s, std::int32_t r, std::size_t f, double target,
                         bool outreach) noexcept;
//! The same when the non-money utility `rest` at f is already known.
double value_given_rest(const State& s, std::int32_t r, std::size_t f, double target,
                        double rest) noexcept;
//! The same from the candidate's w_money and home `subsidy` at a firm with
//! parameters p (what value_given_rest reads of the researcher).
double value_given(const FirmParams& p, double w_money, double subsidy, double target,
                   double rest) noexcept;
//! The retention subsidy r gets at f: its country's when f is in r's origin, else 0.
double home_subsidy(const State& s, std::int32_t r, std::size_t f) noexcept;
//! The same for a firm in `country`.
double home_subsidy_in(const State& s, std::int32_t r, std::int32_t country) noexcept;
//! The money term of utility for an offer worth `a` at f.
double money_utility(const State& s, std::int32_t r, std::size_t f, double a) noexcept;
//! The same from the researcher's w_money and home `subsidy` at a firm with
//! parameters p (what money_utility reads of the researcher).
double money_utility_given(const FirmParams& p, double w_money, double subsidy, double a) noexcept;
//! The money term of staying (current package, or `raise` > 0).
double stay_money_utility(const State& s, std::int32_t r, double raise) noexcept;
//! stay_money_utility(s, r, 0.0) of an employee, given firm_appeal() of its
//! employer (bit-identical).
double stay_money_utility_given(const State& s, std::int32_t r,
                                const FirmAppeal& employer) noexcept;
//! The first annual value that beats `a` by the market's increment.
double raised(const State& s, double a) noexcept;

//! Smallest annual value any package may have (keeps ln() finite), USD/yr.
inline constexpr double MIN_ANNUAL_VALUE = 1000.0;

}  // namespace talentsim::detail
