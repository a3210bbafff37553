// Phase 2: exogenous flows. Graduates enter as job seekers (Poisson per
// country); retirements and layoffs hit researchers chosen at random; job
// seekers take jobs outside the market at flows.outside_rate. The
// number of retirements and layoffs is drawn first (binomial) and the people
// then picked by rejection sampling, so the cost follows the flows, not the
// population.

#include <boost/random/binomial_distribution.hpp>
#include <boost/random/poisson_distribution.hpp>

#include <cmath>

#include "engine/phases.hpp"

namespace talentsim::detail {
namespace {

std::int64_t binomial(std::int64_t n, double p, CounterRng& rng) {
  if (n <= 0 || p <= 0) return 0;
  boost::random::binomial_distribution<std::int64_t, double> d(n, std::min(1.0, p));
  return d(rng);
}

// Picks up to k distinct researchers satisfying `ok`, uniformly.
template <class Ok, class Act>
void pick(State& s, std::int64_t k, CounterRng& rng, Ok ok, Act act) {
  const auto n = static_cast<double>(s.R.size());
  std::int64_t tries = 0;
  const std::int64_t max_tries = 100 * k + 1000;
  while (k > 0 && tries++ < max_tries) {
    const auto r = static_cast<std::int32_t>(std::min(n - 1, std::floor(rng.uniform() * n)));
    if (!ok(r)) continue;
    act(r);  // act() makes ok(r) false, so nobody is picked twice
    --k;
  }
}

}  // namespace

void apply_exogenous_flows(State& s, StepLog& log) {
  const Scenario& sc = s.sc;
  const auto step = static_cast<std::uint64_t>(s.step);
  // Graduates, country by country.
  for (std::size_t c = 0; c < s.C.size(); ++c) {
    const double mean = s.C.graduates_per_year[c] / STEPS_PER_YEAR;
    if (mean <= 0) continue;
    CounterRng count_rng(sc.run.seed, Stream::graduates, step, c);
    boost::random::poisson_distribution<std::int64_t, double> poisson(mean);
    const std::int64_t k = poisson(count_rng);
    const Distribution field(Categorical{{}, {}, sc.population.field_shares});
    for (std::int64_t i = 0; i < k; ++i) {
      CounterRng rng(sc.run.seed, Stream::graduates, step, c, static_cast<std::uint64_t>(i) + 1);
      const double skill = sc.countries[c].graduate_skill.sample(rng);
      const int f = static_cast<int>(field.sample_index(rng));
      const std::int32_t r = add_researcher(s, skill, f, static_cast<int>(c), s.step);
      draw_preferences(s, r, rng);
      log.record(s, EventKind::graduate, r, NO_FIRM, NO_FIRM);
    }
  }
  // Retirements.
  const auto leave_market = [&](std::int32_t r, EventKind why) {
    const auto ri = static_cast<std::size_t>(r);
    const std::int32_t from = s.R.employer[ri];
    s.leave_firm(r, true);
    s.remove_seeker(r);
    s.R.employer[ri] = NOT_PRESENT;
    s.sampler.set_weight(ri, 0.0);
    s.tracker.presence(s.R.origin[ri], -1);
    --s.n_present;
    if (s.R.skill[ri] >= s.star_threshold) --s.stars_present;
    log.record(s, why, r, from, NO_FIRM);
  };
  const double retire = -std::expm1(-sc.flows.retirement_rate / STEPS_PER_YEAR);
  CounterRng rrng(sc.run.seed, Stream::retirements, step);
  pick(
      s, binomial(s.n_present, retire, rrng), rrng, [&](std::int32_t r) { return s.present(r); },
      [&](std::int32_t r) { leave_market(r, EventKind::retirement); });
  // Attrition by firm: the number from each firm's headcount, then people
  // picked uniformly from its employee list (cost follows the leavers).
  for (std::size_t f = 0; f < s.F.size(); ++f) {
    const double rate = s.F.params[f].attrition;
    if (!(rate > 0) || !s.F.active[f] || s.F.employees[f].empty()) continue;
    CounterRng arng(sc.run.seed, Stream::attrition, step, f);
    std::int64_t k = binomial(s.F.headcount(f), -std::expm1(-rate / STEPS_PER_YEAR), arng);
    for (; k > 0 && !s.F.employees[f].empty(); --k) {
      const auto& staff = s.F.employees[f];
      const auto j =
          std::min(staff.size() - 1,
                   static_cast<std::size_t>(arng.uniform() * static_cast<double>(staff.size())));
      leave_market(staff[j], EventKind::retirement);
    }
  }
  // Job seekers taking a job outside the market (their outside option):
  // the number from the pool's size, then people picked uniformly from the
  // seekers' list (kept in a deterministic order, saved in checkpoints).
  if (sc.flows.outside_rate > 0 && !s.seekers.empty()) {
    CounterRng orng(sc.run.seed, Stream::outside, step);
    std::int64_t k = binomial(static_cast<std::int64_t>(s.seekers.size()),
                              -std::expm1(-sc.flows.outside_rate / STEPS_PER_YEAR), orng);
    for (; k > 0 && !s.seekers.empty(); --k) {
      const auto j = std::min(
          s.seekers.size() - 1,
          static_cast<std::size_t>(orng.uniform() * static_cast<double>(s.seekers.size())));
      leave_market(s.seekers[j], EventKind::outside);
    }
  }
  // Exogenous layoffs (academia and state included: contracts end).
  const double layoff = -std::expm1(-sc.flows.layoff_rate / STEPS_PER_YEAR);
  CounterRng lrng(sc.run.seed, Stream::layoffs, step);
  pick(
      s, binomial(s.n_employed, layoff, lrng), lrng,
      [&](std::int32_t r) { return s.R.employer[static_cast<std::size_t>(r)] >= 0; },
      [&](std::int32_t r) {
        const std::int32_t from = s.R.employer[static_cast<std::size_t>(r)];
        s.leave_firm(r, true);
        log.record(s, EventKind::layoff, r, from, NO_FIRM);
      });
}

}  // namespace talentsim::detail
