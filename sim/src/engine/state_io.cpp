// The dynamic state of a run, for checkpoints. A Simulation is first built
// from the same scenario (which rebuilds the initial population and the
// network exactly), then every field that the steps change is overwritten.
// Floating-point accumulators (payroll, talent, progress, the pay histogram)
// are saved bit for bit, so a resumed run continues exactly.

#include <cmath>

#include "engine/world.hpp"
#include "util/binary_io.hpp"

namespace talentsim {
namespace {

using detail::BinaryReader;
using detail::BinaryWriter;

void strings(BinaryWriter& out, const std::vector<std::string>& v) {
  out.value<std::uint64_t>(v.size());
  for (const auto& s : v) out.string(s);
}

std::vector<std::string> strings(BinaryReader& in) {
  const auto n = in.value<std::uint64_t>();
  std::vector<std::string> v;
  for (std::uint64_t i = 0; i < n; ++i) v.push_back(in.string());
  return v;
}

}  // namespace

std::vector<char> Simulation::save_state() const {
  const World& w = *world_;
  BinaryWriter out;
  out.value<std::int32_t>(w.step);
  const ResearcherTable& R = w.R;
  out.vector(R.skill);
  out.vector(R.field);
  out.vector(R.origin);
  out.vector(R.entered_step);
  for (const auto* v : {&R.w_money, &R.w_compute, &R.w_mission, &R.w_peers, &R.w_home,
                        &R.switch_cost, &R.reservation, &R.salary, &R.signing, &R.equity}) {
    out.vector(*v);
  }
  out.vector(R.employer);
  out.vector(R.hired_step);
  out.vector(R.slot);
  const FirmTable& F = w.F;
  out.vector(F.params);
  out.vector(F.kind);
  out.vector(F.country);
  out.nested(F.needs);
  out.nested(F.rivals);
  out.nested(F.employees);
  for (const auto* v :
       {&F.cash, &F.compute, &F.payroll, &F.talent, &F.talent_peak, &F.progress, &F.y_ref}) {
    out.vector(*v);
  }
  out.vector(F.active);
  out.vector(F.star_count);
  out.vector(w.C.visa_friction);
  out.vector(w.C.retention_subsidy);
  out.vector(w.C.graduates_per_year);
  out.value(w.vc_pool);
  out.value(w.new_firms);
  out.value(w.n_present);
  out.value(w.n_employed);
  out.value(w.star_threshold);
  out.value(w.stars_present);
  out.vector(w.founder_pool);
  out.vector(w.entries);
  strings(out, w.firm_names);
  w.tracker.save(out);
  return std::move(out.buffer());
}

void Simulation::restore_state(const char* data, std::size_t size, const std::string& what) {
  World& w = *world_;
  BinaryReader in(data, size, what);
  w.step = in.value<std::int32_t>();
  ResearcherTable& R = w.R;
  R.skill = in.vector<double>();
  R.field = in.vector<std::uint8_t>();
  R.origin = in.vector<std::int16_t>();
  R.entered_step = in.vector<std::int32_t>();
  for (auto* v : {&R.w_money, &R.w_compute, &R.w_mission, &R.w_peers, &R.w_home, &R.switch_cost,
                  &R.reservation, &R.salary, &R.signing, &R.equity}) {
    *v = in.vector<double>();
  }
  R.employer = in.vector<std::int32_t>();
  R.hired_step = in.vector<std::int32_t>();
  R.slot = in.vector<std::int32_t>();
  FirmTable& F = w.F;
  F.params = in.vector<FirmParams>();
  F.kind = in.vector<FirmKind>();
  F.country = in.vector<std::int32_t>();
  F.needs = in.nested<double>();
  F.rivals = in.nested<std::int32_t>();
  F.employees = in.nested<std::int32_t>();
  for (auto* v :
       {&F.cash, &F.compute, &F.payroll, &F.talent, &F.talent_peak, &F.progress, &F.y_ref}) {
    *v = in.vector<double>();
  }
  F.active = in.vector<std::uint8_t>();
  F.star_count = in.vector<std::int32_t>();
  w.C.visa_friction = in.vector<double>();
  w.C.retention_subsidy = in.vector<double>();
  w.C.graduates_per_year = in.vector<double>();
  w.vc_pool = in.value<double>();
  w.new_firms = in.value<std::int64_t>();
  w.n_present = in.value<std::int64_t>();
  w.n_employed = in.value<std::int64_t>();
  w.star_threshold = in.value<double>();
  w.stars_present = in.value<std::int64_t>();
  w.founder_pool = in.vector<std::int32_t>();
  w.entries = in.vector<std::pair<std::int64_t, std::int32_t>>();
  w.firm_names = strings(in);
  w.tracker.load(in);
  if (in.position() != size) throw user_error(what + ": damaged checkpoint (trailing data)");

  // Consistency of what was read, so a damaged file cannot crash the engine.
  const std::size_t n = R.skill.size(), nf = F.params.size();
  const auto bad = [&](const char* part) {
    throw user_error(what + ": damaged checkpoint (" + std::string(part) + ")");
  };
  for (const auto* v : {&R.entered_step, &R.employer, &R.hired_step, &R.slot}) {
    if (v->size() != n) bad("researcher table");
  }
  if (R.field.size() != n || R.origin.size() != n) bad("researcher table");
  for (const auto* v :
       {&F.cash, &F.compute, &F.payroll, &F.talent, &F.talent_peak, &F.progress, &F.y_ref}) {
    if (v->size() != nf) bad("firm table");
  }
  if (F.kind.size() != nf || F.country.size() != nf || F.needs.size() != nf ||
      F.rivals.size() != nf || F.employees.size() != nf || F.active.size() != nf ||
      F.star_count.size() != nf || w.firm_names.size() != nf) {
    bad("firm table");
  }
  for (std::size_t r = 0; r < n; ++r) {
    const std::int32_t e = R.employer[r];
    if (e >= 0 &&
        (static_cast<std::size_t>(e) >= nf || R.slot[r] < 0 ||
         static_cast<std::size_t>(R.slot[r]) >= F.employees[static_cast<std::size_t>(e)].size())) {
      bad("employers");
    }
  }

  // Per-firm scratch follows the (possibly longer) firm table.
  const auto grow = [&](auto& v, auto fill) { v.resize(nf, fill); };
  grow(F.hires, 0);
  grow(F.departures, 0);
  grow(F.offers_made, 0);
  grow(F.offers_accepted, 0);
  grow(F.signing_paid, 0.0);
  w.candidates.resize(nf);
  w.candidate_wtp.resize(nf);
  w.candidate_last.resize(nf);
  w.candidate_flags.resize(nf);
  w.candidate_rest.resize(nf);
  grow(w.committed, 0.0);
  grow(w.committed_signing, 0.0);
  grow(w.live_offers, 0);
  grow(w.needs_fill, std::uint8_t{0});
  w.fill_buffers.resize(nf);
  w.scout_order.resize(nf);
  w.fill_choices.resize(nf);
  grow(w.cash_start, 0.0);
  grow(w.operating, 0.0);
  grow(w.cash_other, 0.0);
  // Per-researcher scratch and the sampler follow the researcher table.
  w.held.assign(n, -1);
  w.stay_raise.assign(n, 0.0);
  w.touched_mark.assign(n, 0);
  w.stay_rest.assign(n, 0.0);
  w.stay_u.assign(n, 0.0);
  for (std::size_t r = 0; r < n; ++r) {
    w.sampler.set_weight(r, R.employer[r] == NOT_PRESENT
                                ? 0.0
                                : std::pow(R.skill[r], w.sc.market.visibility_exponent));
  }
  w.sampler.refresh();
  w.events.clear();
  detail::compute_metrics(w);
}

}  // namespace talentsim
