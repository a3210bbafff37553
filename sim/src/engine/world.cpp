#include "engine/world.hpp"

#include "engine/firm_columns.hpp"

#include <algorithm>
#include <cmath>

#include "market/valuation.hpp"
#include "talentsim/errors.hpp"

namespace talentsim {

double Simulation::World::comp_budget(std::size_t f) const noexcept {
  const FirmParams& p = F.params[f];
  return p.comp_budget_share * (p.income + std::max(0.0, F.cash[f]) / p.runway_years);
}

double Simulation::World::output(std::size_t f, double talent) const noexcept {
  const FirmParams& p = F.params[f];
  return detail::production(p.tfp, p.alpha, talent, F.compute[f]);
}

void Simulation::World::set_reference_output(std::size_t f) {
  const FirmParams& p = F.params[f];
  // A firm that starts with no researchers or no compute still needs a
  // finite value per unit of output: floor both.
  const double t = std::max(F.talent[f], sc.market.talent_floor);
  F.y_ref[f] = detail::production(p.tfp, p.alpha, t, std::max(1.0, F.compute[f]));
}

void Simulation::World::leave_firm(std::int32_t r, bool disrupt) {
  const auto ri = static_cast<std::size_t>(r);
  const std::int32_t e = R.employer[ri];
  if (e < 0) return;
  const auto ei = static_cast<std::size_t>(e);
  const double d = delta(ei, r);
  if (disrupt && F.talent[ei] > 0) {
    F.progress[ei] -= sc.market.knowledge_loss * std::min(1.0, d / F.talent[ei]) * F.progress[ei];
  }
  F.talent[ei] = std::max(0.0, F.talent[ei] - d);
  const double value = R.annual_value(ri, contract_years());
  F.payroll[ei] -= value;
  if (F.employees[ei].size() == 1) {
    F.payroll[ei] = 0;  // no rounding residue in an empty firm
    F.talent[ei] = 0;
  }
  if (R.skill[ri] >= star_threshold) --F.star_count[ei];
  // Swap-remove from the employee list, keeping slots consistent.
  auto& list = F.employees[ei];
  const auto slot = static_cast<std::size_t>(R.slot[ri]);
  const std::int32_t last = list.back();
  list[slot] = last;
  R.slot[static_cast<std::size_t>(last)] = static_cast<std::int32_t>(slot);
  list.pop_back();
  tracker.unemploy(R.origin[ri], F.country[ei], value);
  ++F.departures[ei];
  --n_employed;
  R.employer[ri] = NO_FIRM;
  R.salary[ri] = R.signing[ri] = R.equity[ri] = 0;
  R.slot[ri] = -1;
}

void Simulation::World::join_firm(std::int32_t r, std::int32_t f, double salary, double signing,
                                  double equity) {
  const auto ri = static_cast<std::size_t>(r);
  const auto fi = static_cast<std::size_t>(f);
  if (R.employer[ri] != NO_FIRM) throw internal_error("join_firm: researcher is not a job seeker");
  R.employer[ri] = f;
  R.salary[ri] = salary;
  R.signing[ri] = signing;
  R.equity[ri] = equity;
  R.hired_step[ri] = step;
  R.slot[ri] = static_cast<std::int32_t>(F.employees[fi].size());
  F.employees[fi].push_back(r);
  F.talent[fi] += delta(fi, r);
  const double value = R.annual_value(ri, contract_years());
  F.payroll[fi] += value;
  if (R.skill[ri] >= star_threshold) ++F.star_count[fi];
  tracker.employ(r, R.origin[ri], F.country[fi], value);
  ++n_employed;
  ++F.hires[fi];
}

void Simulation::World::record(EventKind kind, std::int32_t r, std::int32_t from, std::int32_t to,
                               std::uint8_t outreach) {
  const auto ri = static_cast<std::size_t>(r);
  Event e;
  e.step = step;
  e.researcher = r;
  e.from_firm = from;
  e.to_firm = to;
  e.kind = kind;
  if (R.employer[ri] >= 0) {
    e.salary = R.salary[ri];
    e.signing = R.signing[ri];
    e.equity = R.equity[ri];
    e.annual_value = R.annual_value(ri, contract_years());
  }
  e.outreach = outreach;
  events.push_back(e);
}

std::int32_t Simulation::World::add_firm(const Firm& firm) {
  const auto id = static_cast<std::int32_t>(F.params.size());
  firm_names.push_back(firm.name);
  // Every column gets an entry (zero, empty), then the ones a firm starts with.
  detail::firm_columns(
      F, [](const char*, const char*, auto& column, unsigned) { column.emplace_back(); });
  F.params.back() = firm.params;
  F.kind.back() = firm.kind;
  F.country.back() = firm.country;
  F.needs.back() = firm.needs;
  F.rivals.back() = firm.rivals;
  F.cash.back() = firm.params.cash;
  F.compute.back() = firm.params.compute;
  F.active.back() = firm.params.enter_step <= step ? 1 : 0;
  candidates.emplace_back();
  candidate_wtp.emplace_back();
  candidate_last.emplace_back();
  candidate_flags.emplace_back();
  candidate_rest.emplace_back();
  needs_fill.push_back(0);
  fill_buffers.emplace_back();
  scout_order.emplace_back();
  fill_choices.emplace_back();
  cash_start.push_back(firm.params.cash);
  operating.push_back(0);
  cash_other.push_back(0);
  committed.push_back(0);
  committed_signing.push_back(0);
  live_offers.push_back(0);
  return id;
}

}  // namespace talentsim
