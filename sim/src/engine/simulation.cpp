#include "talentsim/simulation.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <string>

#include "engine/firm_columns.hpp"
#include "engine/world.hpp"
#include "scenario/reader.hpp"
#include "talentsim/errors.hpp"
#include "util/phase_clock.hpp"

namespace talentsim {

using detail::PhaseClock;

std::string_view to_string(EventKind kind) noexcept {
  static constexpr std::array<std::string_view, EVENT_KIND_COUNT> names = {
      "hire",        "poach",   "retention", "layoff",     "bankruptcy",
      "acquisition", "spinout", "graduate",  "retirement", "outside"};
  return names[static_cast<std::size_t>(kind)];
}

std::string_view to_string(ExitReason reason) noexcept {
  static constexpr std::array<std::string_view, EXIT_REASON_COUNT> names = {"none", "cash", "team"};
  return names[static_cast<std::size_t>(reason)];
}

std::vector<MemoryPart> estimated_memory_parts(const Scenario& sc) {
  std::vector<MemoryPart> parts;
  // Per researcher: the table (~115 bytes), market scratch, sampler weight,
  // employee list entry, snapshot buffers: about 200 bytes in all.
  std::string most = "countries";
  double most_graduates = -1;
  for (const Country& c : sc.countries) {
    if (c.graduates_per_year > most_graduates) {
      most_graduates = c.graduates_per_year;
      most = detail::join_key("countries", c.name);
    }
  }
  const auto initial = static_cast<double>(sc.population.count);
  parts.push_back({"population.count", "researchers", initial * 200});
  parts.push_back({most + ".graduates_per_year", "graduates over the run",
                   1.1 * detail::expected_graduates(sc) * 200});
  // Network ties, counted at 40 bytes each: at the peak of construction a
  // tie holds about 26 (its pair in the list with the list's reserve, its
  // sort key, both directions in the CSR rows); the rest is a margin for
  // the allocator's slack and the tie list's doubling when the reserve is
  // short.
  constexpr double TIE = 40;
  if (sc.network.source == NetworkSource::edge_list) {
    // At least 4 bytes a line ("1,2\n").
    std::error_code ec;
    const auto size = std::filesystem::file_size(sc.network.edge_list, ec);
    parts.push_back({"network.edge_list", "ties of the edge list",
                     ec ? 0.0 : static_cast<double>(size) / 4 * TIE});
  } else {
    parts.push_back(
        {"network.team_size", "network ties within teams", detail::expected_team_ties(sc) * TIE});
    parts.push_back({"network.cross_firm_ties", "network ties across firms",
                     initial * sc.network.cross_firm_ties / 2 * TIE});
    // Pinned researchers: a clique per firm and their extra ties.
    std::vector<double> per_firm(sc.firms.size(), 0);
    double extra = 0;
    std::string extra_key = "pinned.extra_ties", clique_key = "pinned.count";
    double largest_extra = -1, largest_count = -1;
    for (const PinnedResearcher& p : sc.pinned) {
      const auto count = static_cast<double>(p.count);
      if (p.firm >= 0) per_firm[static_cast<std::size_t>(p.firm)] += count;
      extra += count * static_cast<double>(p.extra_ties);
      if (count * static_cast<double>(p.extra_ties) > largest_extra) {
        largest_extra = count * static_cast<double>(p.extra_ties);
        extra_key = detail::join_key(detail::join_key("pinned", p.label), "extra_ties");
      }
      if (count > largest_count) {
        largest_count = count;
        clique_key = detail::join_key(detail::join_key("pinned", p.label), "count");
      }
    }
    double clique = 0;
    for (double k : per_firm) clique += k * (k - 1) / 2;
    parts.push_back({clique_key, "cliques of pinned researchers", clique * TIE});
    parts.push_back({extra_key, "extra ties of pinned researchers", extra * TIE});
  }
  // Scouting: each firm keeps buffers for the candidates it scouts a step
  // (~48 bytes each), never more candidates than researchers.
  double scouted = 0;
  for (const Firm& f : sc.firms) {
    scouted += std::min(static_cast<double>(f.params.attention + f.params.outreach), initial);
  }
  parts.push_back({"firms.attention", "scouting buffers", scouted * 48});
  const double firms =
      static_cast<double>(sc.firms.size() + static_cast<std::size_t>(sc.founders.max_new_firms));
  parts.push_back({"founders.max_new_firms", "firm slots", firms * 4096});
  // The metrics count researchers by origin and work country (a table of
  // countries x countries) and keep per-country series.
  const auto countries = static_cast<double>(sc.countries.size());
  parts.push_back(
      {"countries", "origin x work-country counts", countries * countries * 8 + countries * 512});
  std::stable_sort(parts.begin(), parts.end(),
                   [](const MemoryPart& a, const MemoryPart& b) { return a.bytes > b.bytes; });
  return parts;
}

double estimated_memory_bytes(const Scenario& sc) {
  double total = 64.0 * 1024 * 1024;
  for (const MemoryPart& p : estimated_memory_parts(sc)) total += p.bytes;
  return total;
}

Simulation::Simulation(Scenario scenario, SimulationOptions options)
    : world_(std::make_unique<World>(std::move(scenario))) {
  PhaseClock clock;
  World& w = *world_;
  detail::State& s = w.state;
  const Scenario& sc = s.sc;
#ifdef NDEBUG
  // Decided by how this library was built, not by the caller.
  w.check = options.check_invariants.value_or(false);
#else
  w.check = options.check_invariants.value_or(true);
#endif
  for (const Country& c : sc.countries) {
    s.C.visa_friction.push_back(c.visa_friction);
    s.C.retention_subsidy.push_back(c.retention_subsidy);
    s.C.graduates_per_year.push_back(c.graduates_per_year);
    s.C.home_pull.push_back(c.home_pull);
  }
  s.tracker.reset(s.C.size());
  const bool posted = sc.market.protocol == Protocol::posted_wage;
  for (std::size_t f = 0; f < sc.firms.size(); ++f) {
    Firm firm = sc.firms[f];
    if (posted) {
      // Posted wages: each firm's wage is drawn from F and paid to everyone.
      detail::CounterRng rng(sc.run.seed, detail::Stream::posted_wage, 0, f, 1);
      firm.params.pay_level = sc.market.posted_wage.wage.sample(rng);
      firm.params.signing_share = firm.params.equity_share = 0;
    }
    const std::int32_t id = s.add_firm(firm);
    if (firm.params.enter_step > 0) s.entries.emplace_back(firm.params.enter_step, id);
  }
  // Latest first, so the next entrant is at the back.
  std::sort(s.entries.begin(), s.entries.end(), std::greater<>());
  detail::build_population(s);
  for (std::size_t f = 0; f < s.F.size(); ++f) {
    s.set_reference_output(f);
    // The team a firm starts with counts as its first peak (a startup whose
    // staff all leave in the first week has lost its team).
    if (s.F.active[f]) s.F.talent_peak[f] = s.F.talent[f];
  }
  detail::build_network(s);
  s.peers.build(s.net, s.R.employer);
  s.sampler.refresh();
  std::fill(s.F.hires.begin(), s.F.hires.end(), 0);
  std::fill(s.F.departures.begin(), s.F.departures.end(), 0);
  w.ledger.open(s.F);
  detail::compute_metrics(s, w.log, w.metrics);
  if (w.check) check_invariants();
  clock(w.times.setup);
}

Simulation::~Simulation() = default;

const Scenario& Simulation::scenario() const noexcept {
  return world_->state.sc;
}
std::int64_t Simulation::step_index() const noexcept {
  return world_->state.step;
}
const ResearcherTable& Simulation::researchers() const noexcept {
  return world_->state.R;
}
const FirmTable& Simulation::firms() const noexcept {
  return world_->state.F;
}
const CountryTable& Simulation::countries() const noexcept {
  return world_->state.C;
}
const Network& Simulation::network() const noexcept {
  return world_->state.net;
}
const std::vector<Event>& Simulation::events() const noexcept {
  return world_->log.events;
}
const StepMetrics& Simulation::metrics() const noexcept {
  return world_->metrics;
}
const PhaseTimes& Simulation::phase_times() const noexcept {
  return world_->times;
}
const std::vector<std::string>& Simulation::firm_names() const noexcept {
  return world_->state.firm_names;
}

void Simulation::step() {
  World& w = *world_;
  detail::State& s = w.state;
  if (finished()) throw internal_error("step() after the last step");
  PhaseClock clock;
  PhaseTimes& t = w.times;
  ++s.step;
  w.log.clear();
  detail::firm_columns(s.F, [](const char*, const char*, auto& column, unsigned roles) {
    using T = typename std::decay_t<decltype(column)>::value_type;
    if (roles & detail::PER_STEP) std::fill(column.begin(), column.end(), T{});
  });
  w.ledger.open(s.F);
  detail::apply_timeline_events(s, w.ledger);
  clock(t.timeline);
  detail::apply_exogenous_flows(s, w.log);
  clock(t.flows);
  s.peers.flush(s.net);  // the market reads where neighbours work
  clock(t.neighbours);
  s.sampler.refresh();
  if (s.sc.market.protocol == Protocol::auction) {
    detail::scout_candidates(s, w.candidates, &t);
    clock(t.scouting);
    detail::run_auction_rounds(s, w.candidates, w.auction, w.book, &t);
    clock(t.rounds);
    detail::settle_moves(w.book, s, w.ledger, w.log);
    clock(t.settle);
  } else {
    detail::run_posted_wage_market(s, w.log);
    clock(t.rounds);
  }
  detail::produce_and_account(s, w.ledger);
  clock(t.production);
  detail::raise_funding(s, w.ledger);
  detail::resolve_exits(s, w.ledger, w.log);
  clock(t.exits);
  detail::found_spinouts(s, w.ledger, w.log);
  clock(t.spinouts);
  detail::enforce_budgets(s, w.budgets, w.log);
  clock(t.budgets);
  detail::compute_metrics(s, w.log, w.metrics);
  clock(t.metrics);
  s.peers.flush(s.net);
  clock(t.neighbours);
  if (w.check) check_invariants();
  clock(t.metrics);
}

void Simulation::check_invariants() const {
  const World& world = *world_;
  const detail::State& w = world.state;
  const detail::Ledger& ledger = world.ledger;
  const auto fail = [&](const std::string& what) {
    throw internal_error("invariant broken at step " + std::to_string(w.step) + ": " + what);
  };
  const double h = w.contract_years();
  std::int64_t employed = 0, present = 0;
  for (std::size_t r = 0; r < w.R.size(); ++r) {
    const std::int32_t e = w.R.employer[r];
    if (e == NOT_PRESENT) continue;
    ++present;
    if (e == NO_FIRM) {
      const auto slot = static_cast<std::size_t>(w.R.slot[r]);
      if (slot >= w.seekers.size() || w.seekers[slot] != static_cast<std::int32_t>(r)) {
        fail("job seeker " + std::to_string(r) + " is not in the job seekers' list");
      }
      continue;
    }
    if (e < 0 || static_cast<std::size_t>(e) >= w.F.size()) fail("employer out of range");
    const auto& list = w.F.employees[static_cast<std::size_t>(e)];
    const auto slot = static_cast<std::size_t>(w.R.slot[r]);
    if (slot >= list.size() || list[slot] != static_cast<std::int32_t>(r)) {
      fail("researcher " + std::to_string(r) + " is not in its firm's employee list");
    }
    ++employed;
  }
  if (present != w.n_present || employed != w.n_employed) fail("present/employed counts drift");
  if (static_cast<std::int64_t>(w.seekers.size()) != present - employed) fail("job seekers' list");
  std::int64_t listed = 0;
  if (w.staff.size() != w.F.size()) fail("staff rows out of step with the firms");
  for (std::size_t f = 0; f < w.F.size(); ++f) {
    listed += static_cast<std::int64_t>(w.F.employees[f].size());
    double payroll = 0, talent = 0;
    const auto& rows = w.staff[f];
    if (rows.size() != w.F.employees[f].size()) fail("staff rows out of step with the staff");
    for (std::size_t j = 0; j < rows.size(); ++j) {
      const std::int32_t r = w.F.employees[f][j];
      const auto ri = static_cast<std::size_t>(r);
      if (w.R.employer[ri] != static_cast<std::int32_t>(f)) fail("employee list has a stranger");
      payroll += w.R.annual_value(ri, h);
      talent += w.delta(f, r);
      // The rows hold exactly what the ranking would compute (bit for bit).
      if (rows[j].delta != w.delta(f, r) || rows[j].value != w.R.annual_value(ri, h)) {
        fail("staff row of researcher " + std::to_string(r) + " out of date");
      }
    }
    const auto close = [](double a, double b) {
      return std::abs(a - b) <= 1e-6 * std::max({1.0, std::abs(a), std::abs(b)});
    };
    const std::string name = w.firm_names[f];
    if (!close(payroll, w.F.payroll[f])) fail("payroll of '" + name + "' drifts");
    if (!close(talent, w.F.talent[f])) fail("talent of '" + name + "' drifts");
    if (!w.F.active[f] && !w.F.employees[f].empty()) fail("inactive '" + name + "' has staff");
    if (w.step > 0 && w.sc.market.budgets && w.F.active[f] &&
        w.F.payroll[f] > w.comp_budget(f) * (1 + 1e-9) + 1e-6) {
      fail("'" + name + "' exceeds its comp budget");
    }
    const bool fails = w.F.kind[f] != FirmKind::academia && w.F.kind[f] != FirmKind::state;
    if (fails && w.F.active[f] && w.F.cash[f] < 0) fail("'" + name + "' ends the step in debt");
    if (w.step > 0) {
      const double expected =
          ledger.cash_start[f] + ledger.operating[f] - w.F.signing_paid[f] + ledger.other[f];
      if (!close(expected, w.F.cash[f])) fail("cash accounting of '" + name + "' does not add up");
    }
  }
  if (listed != employed) fail("headcounts do not match employers");
  // Where each researcher's neighbours work, against their employers.
  if (w.peers.pending()) fail("neighbours' moves not applied");
  for (std::size_t r = 0; r < w.net.vertices(); ++r) {
    const auto ri = static_cast<std::int32_t>(r);
    for (const std::uint32_t q : w.net.neighbours(ri)) {
      const std::int32_t f = w.R.employer[q];
      if (f < 0) continue;
      int n = 0;
      for (const std::uint32_t p : w.net.neighbours(ri)) n += w.R.employer[p] == f;
      if (w.peers.count(w.net, ri, f) != n) {
        fail("neighbours of researcher " + std::to_string(r) + " at a firm miscounted");
      }
    }
  }
}

Simulation::World& detail_world(Simulation& sim) noexcept {
  return sim.world();
}

}  // namespace talentsim
