#include "engine/state.hpp"

#include <algorithm>
#include <cmath>

#include "engine/firm_columns.hpp"
#include "engine/phases.hpp"
#include "market/valuation.hpp"
#include "talentsim/errors.hpp"

namespace talentsim::detail {

double State::burn(std::size_t f) const noexcept {
  const FirmParams& p = F.params[f];
  return F.payroll[f] + p.opex_per_gpu * F.compute[f] + p.capex - p.income;
}

double State::planned_burn(std::size_t f) const noexcept {
  const FirmParams& p = F.params[f];
  const double pay = p.comp_budget_share * (p.income + F.funded_cash[f] / p.runway_years);
  return pay + p.opex_per_gpu * F.compute[f] + p.capex - p.income;
}

bool State::needs_round(std::size_t f) const noexcept {
  const FirmParams& p = F.params[f];
  // Within budget, payroll is at most the planned pay, so the planned burn
  // rules; above it (budgets off) the actual burn does.
  return p.raise_below_years > 0 &&
         F.cash[f] < p.raise_below_years * std::max(burn(f), planned_burn(f));
}

double State::comp_budget(std::size_t f) const noexcept {
  const FirmParams& p = F.params[f];
  double cash = std::max(0.0, F.cash[f]);
  // A firm that raises rounds plans its pay over the funding cycle: it
  // counts the cash it had after its last funding until it needs a new
  // round (a test that does not depend on its payroll, so hiring cannot
  // flip it).
  if (p.raise_below_years > 0 && !needs_round(f)) cash = std::max(cash, F.funded_cash[f]);
  return p.comp_budget_share * (p.income + cash / p.runway_years);
}

std::int64_t State::planned_headcount(std::size_t f) const noexcept {
  const FirmParams& p = F.params[f];
  if (!(p.headcount_plan > 0) && !(p.plan_seats > 0)) return -1;
  // The plan grows from the firm's entry (enter_step; a spin-out's is its
  // founding) and its headcount then (params.headcount; 1 for a spin-out).
  const double years = static_cast<double>(step - p.enter_step) / STEPS_PER_YEAR;
  // Capped far above any population, so the rounding cannot overflow.
  constexpr double most = 1e12;
  const double planned =
      p.headcount_plan * static_cast<double>(p.headcount) * std::pow(1.0 + p.plan_growth, years);
  return std::llround(std::min(planned, most)) + std::llround(std::min(p.plan_seats, most));
}

double State::output(std::size_t f, double talent) const noexcept {
  const FirmParams& p = F.params[f];
  return production(p.tfp, p.alpha, talent, F.compute[f]);
}

void State::set_reference_output(std::size_t f) {
  const FirmParams& p = F.params[f];
  // A firm that starts with no researchers or no compute still needs a
  // finite value per unit of output: floor both.
  const double t = std::max(F.talent[f], sc.market.talent_floor);
  F.y_ref[f] = production(p.tfp, p.alpha, t, std::max(1.0, F.compute[f]));
}

void State::add_seeker(std::int32_t r) {
  R.slot[static_cast<std::size_t>(r)] = static_cast<std::int32_t>(seekers.size());
  seekers.push_back(r);
}

void State::remove_seeker(std::int32_t r) {
  const auto slot = static_cast<std::size_t>(R.slot[static_cast<std::size_t>(r)]);
  const std::int32_t last = seekers.back();
  seekers[slot] = last;
  R.slot[static_cast<std::size_t>(last)] = static_cast<std::int32_t>(slot);
  seekers.pop_back();
  R.slot[static_cast<std::size_t>(r)] = -1;
}

void State::leave_firm(std::int32_t r, bool disrupt) {
  const auto ri = static_cast<std::size_t>(r);
  const std::int32_t e = R.employer[ri];
  if (e < 0) return;
  const auto ei = static_cast<std::size_t>(e);
  release(r, e, detach(ei, static_cast<std::size_t>(R.slot[ri]), disrupt).value);
}

void State::release(std::int32_t r, std::int32_t f, double value) {
  const auto ri = static_cast<std::size_t>(r);
  tracker.unemploy(R.origin[ri], F.country[static_cast<std::size_t>(f)], value);
  --n_employed;
  R.employer[ri] = NO_FIRM;
  peers.remove(r, f);
  R.salary[ri] = R.signing[ri] = R.equity[ri] = 0;
  add_seeker(r);
}

void State::rebuild_needs() {
  needs.clear();
  needs.reserve(F.size() * sc.fields.size());
  for (const auto& weights : F.needs) needs.insert(needs.end(), weights.begin(), weights.end());
  if (needs.size() != F.size() * sc.fields.size()) throw internal_error("a firm's needs");
}

void State::rebuild_staff_rows() {
  staff.assign(F.size(), {});
  for (std::size_t f = 0; f < F.size(); ++f) {
    staff[f].reserve(F.employees[f].size());
    for (const std::int32_t r : F.employees[f]) {
      staff[f].push_back(
          {delta(f, r), R.annual_value(static_cast<std::size_t>(r), contract_years())});
    }
  }
}

void State::join_firm(std::int32_t r, std::int32_t f, double salary, double signing,
                      double equity) {
  const auto ri = static_cast<std::size_t>(r);
  const auto fi = static_cast<std::size_t>(f);
  if (R.employer[ri] != NO_FIRM) throw internal_error("join_firm: researcher is not a job seeker");
  remove_seeker(r);
  R.employer[ri] = f;
  peers.add(r, f);
  R.salary[ri] = salary;
  R.signing[ri] = signing;
  R.equity[ri] = equity;
  R.hired_step[ri] = step;
  const double value = R.annual_value(ri, contract_years());
  R.slot[ri] = static_cast<std::int32_t>(attach(fi, r, value));
  tracker.employ(r, R.origin[ri], F.country[fi], value);
  ++n_employed;
}

std::size_t State::attach(std::size_t f, std::int32_t r, double value) {
  auto& list = F.employees[f];
  const std::size_t slot = list.size();
  list.push_back(r);
  const double d = delta(f, r);
  F.talent[f] += d;
  F.payroll[f] += value;
  staff[f].push_back({d, value});
  if (R.skill[static_cast<std::size_t>(r)] >= star_threshold) ++F.star_count[f];
  ++F.hires[f];
  return slot;
}

std::int32_t State::add_firm(const Firm& firm) {
  if (firm.needs.size() != sc.fields.size()) throw internal_error("add_firm: a firm's needs");
  const auto id = static_cast<std::int32_t>(F.params.size());
  firm_names.push_back(firm.name);
  // Every column gets an entry (zero, empty), then the ones a firm starts with.
  firm_columns(F, [](const char*, const char*, auto& column, unsigned) { column.emplace_back(); });
  staff.emplace_back();
  F.params.back() = firm.params;
  F.kind.back() = firm.kind;
  F.country.back() = firm.country;
  F.needs.back() = firm.needs;
  needs.insert(needs.end(), firm.needs.begin(), firm.needs.end());
  F.rivals.back() = firm.rivals;
  F.cash.back() = firm.params.cash;
  F.funded_cash.back() = firm.params.cash;
  F.compute.back() = firm.params.compute;
  F.active.back() = firm.params.enter_step <= step ? 1 : 0;
  F.exit_step.back() = -1;
  F.exit_buyer.back() = NO_FIRM;
  return id;
}

void Ledger::open(const FirmTable& F) {
  cash_start.assign(F.cash.begin(), F.cash.end());
  operating.assign(F.size(), 0.0);
  other.assign(F.size(), 0.0);
}

Event StepLog::event(const State& s, EventKind kind, std::int32_t r, std::int32_t from,
                     std::int32_t to, std::uint8_t outreach) noexcept {
  const auto ri = static_cast<std::size_t>(r);
  Event e;
  e.step = s.step;
  e.researcher = r;
  e.from_firm = from;
  e.to_firm = to;
  e.kind = kind;
  if (s.R.employer[ri] >= 0) {
    e.salary = s.R.salary[ri];
    e.signing = s.R.signing[ri];
    e.equity = s.R.equity[ri];
    e.annual_value = s.R.annual_value(ri, s.contract_years());
  }
  e.outreach = outreach;
  return e;
}

void Candidates::fit(std::size_t firms) {
  ids.resize(firms);
  wtp.resize(firms);
  flags.resize(firms);
  order.resize(firms);
  applicants.resize(firms);
  src.resize(firms);
}

void OfferBook::open(const std::vector<std::int32_t>& candidates) {
  offers.clear();
  who = candidates;
  held.assign(candidates.size(), -1);
  stay_raise.assign(candidates.size(), 0.0);
  touched.clear();
  touched_mark.assign(candidates.size(), 0);
}

void AuctionScratch::open(std::size_t firms) {
  last.resize(firms);
  fill_buffers.resize(firms);
  fill_choices.resize(firms);
  committed.assign(firms, 0.0);
  committed_signing.assign(firms, 0.0);
  live_offers.assign(firms, 0);
  needs_fill.assign(firms, 0);
}

}  // namespace talentsim::detail
