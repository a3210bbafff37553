// The initial researchers: each firm's employees (its pinned researchers
// first), then job seekers; attributes drawn from the scenario's
// distributions with one counter-based generator per researcher.

#include <algorithm>
#include <cmath>

#include "engine/phases.hpp"
#include "random/rng.hpp"
#include "talentsim/errors.hpp"
#include "util/parallel.hpp"

namespace talentsim::detail {
namespace {}  // namespace

void draw_preferences(State& s, std::int32_t r, CounterRng& rng) {
  const Preferences& p = s.sc.population.preferences;
  const auto i = static_cast<std::size_t>(r);
  s.R.w_money[i] = p.w_money.sample(rng);
  s.R.w_compute[i] = p.w_compute.sample(rng);
  s.R.w_mission[i] = p.w_mission.sample(rng);
  s.R.w_peers[i] = p.w_peers.sample(rng);
  s.R.w_home[i] = p.w_home.sample(rng);
  s.R.switch_cost[i] = p.switch_cost.sample(rng);
  s.R.reservation[i] = s.sc.population.reservation.sample(rng);
  const double e = s.sc.population.reservation_skill_elasticity;
  if (e != 0) s.R.reservation[i] *= std::pow(s.R.skill[i], e);
  // Where the researcher studied: drawn last, so earlier draws keep their values.
  const auto origin = static_cast<std::size_t>(s.R.origin[i]);
  const std::vector<double>& study = s.sc.countries[origin].study_shares;
  s.R.study[i] =
      study.empty()
          ? s.R.origin[i]
          : static_cast<std::int16_t>(Distribution(Categorical{{}, {}, study}).sample_index(rng));
}

namespace {

void apply_pinned(State& s, std::int32_t r, const PinnedResearcher& p) {
  const auto i = static_cast<std::size_t>(r);
  if (p.w_money) s.R.w_money[i] = *p.w_money;
  if (p.w_compute) s.R.w_compute[i] = *p.w_compute;
  if (p.w_mission) s.R.w_mission[i] = *p.w_mission;
  if (p.w_peers) s.R.w_peers[i] = *p.w_peers;
  if (p.w_home) s.R.w_home[i] = *p.w_home;
  if (p.switch_cost) s.R.switch_cost[i] = *p.switch_cost;
}

// Initial package: annual value split by the firm's package shares.
void hire_initial(State& s, std::int32_t r, std::int32_t f, double annual) {
  const FirmParams& p = s.F.params[static_cast<std::size_t>(f)];
  const double h = s.contract_years();
  s.join_firm(r, f, annual * (1.0 - p.signing_share - p.equity_share), annual * p.signing_share * h,
              annual * p.equity_share * h);
}

}  // namespace

namespace {

// Registers researcher r (its row filled) as a job seeker with the
// sampler, the founder pool and the metrics.
void enter_market(State& s, std::int32_t r) {
  const auto i = static_cast<std::size_t>(r);
  const double skill = s.R.skill[i];
  s.sampler.set_weight(i, std::pow(skill, s.sc.market.visibility_exponent));
  if (skill >= s.sc.founders.min_skill) s.founder_pool.push_back(r);
  s.add_seeker(r);  // every researcher enters as a job seeker
  if (skill >= s.star_threshold) ++s.stars_present;
  s.tracker.presence(s.R.origin[i], +1);
  ++s.n_present;
}

}  // namespace

std::int32_t add_researcher(State& s, double skill, int field, int origin, std::int32_t entered) {
  const std::int32_t r = s.R.push_back(skill, static_cast<std::uint8_t>(field),
                                       static_cast<std::int16_t>(origin), entered);
  enter_market(s, r);
  return r;
}

double expected_graduates(const Scenario& sc) noexcept {
  double per_year = 0;
  for (const Country& c : sc.countries) per_year += c.graduates_per_year;
  return per_year * static_cast<double>(sc.run.steps) / STEPS_PER_YEAR;
}

void build_population(State& s) {
  const Scenario& sc = s.sc;
  const Population& pop = sc.population;
  // Room for the run's graduates as well (their expected number plus a
  // tenth, at most twice the initial population plus 65,536: more grows
  // the table as before): a table of a million rows that outgrows its
  // capacity at the first step copies every column and faults the copy's
  // pages in (about 0.4 s at 1M, and old and new columns both resident
  // meanwhile).
  const double entrants =
      std::clamp(1.1 * expected_graduates(sc), 0.0, 2.0 * static_cast<double>(pop.count) + 65536.0);
  const std::size_t room = static_cast<std::size_t>(pop.count) + static_cast<std::size_t>(entrants);
  s.R.reserve(room);
  s.sampler.reserve(room);
  const Distribution field_dist(Categorical{{}, {}, pop.field_shares});
  const Distribution origin_dist(Categorical{{}, {}, pop.origin_shares});
  std::vector<Distribution> origin_at;
  for (const auto& shares : pop.origin_at) {
    origin_at.push_back(shares.empty() ? origin_dist : Distribution(Categorical{{}, {}, shares}));
  }

  // Skill needs to be known before the star threshold, and the threshold
  // before anyone joins a firm: first draw everyone, then place them.
  struct Placement {
    std::int32_t firm;
    const PinnedResearcher* pinned;
  };
  std::vector<Placement> placements;
  placements.reserve(static_cast<std::size_t>(pop.count));
  for (std::size_t f = 0; f < sc.firms.size(); ++f) {
    std::int64_t placed = 0;
    for (const PinnedResearcher& p : sc.pinned) {
      if (p.firm != static_cast<std::int32_t>(f)) continue;
      for (std::int64_t k = 0; k < p.count; ++k) placements.push_back({p.firm, &p});
      placed += p.count;
    }
    for (; placed < sc.firms[f].params.headcount; ++placed) {
      placements.push_back({static_cast<std::int32_t>(f), nullptr});
    }
  }
  for (const PinnedResearcher& p : sc.pinned) {
    if (p.firm >= 0) continue;
    for (std::int64_t k = 0; k < p.count; ++k) placements.push_back({NO_FIRM, &p});
  }
  while (static_cast<std::int64_t>(placements.size()) < pop.count) {
    placements.push_back({NO_FIRM, nullptr});
  }

  // The researchers' rows first, then their draws in parallel (each a pure
  // function of the seed and its index, written to its own row only), then
  // their entry into the market in index order: the same researchers, in
  // the same order, as drawing and entering one at a time.
  const std::size_t first = s.R.size();
  s.R.grow(placements.size(), 0);
  constexpr std::size_t CHUNK = 4096;
  parallel_for((placements.size() + CHUNK - 1) / CHUNK, [&](std::size_t chunk) {
    const std::size_t end = std::min(placements.size(), (chunk + 1) * CHUNK);
    for (std::size_t i = chunk * CHUNK; i < end; ++i) {
      const Placement& pl = placements[i];
      CounterRng rng(sc.run.seed, Stream::population, i);
      // Fixed draw order: skill, field, origin, then preferences.
      double skill = pop.skill.sample(rng);
      if (pl.firm >= 0) skill *= s.F.params[static_cast<std::size_t>(pl.firm)].skill_scale;
      int field = static_cast<int>(field_dist.sample_index(rng));
      const Distribution& od =
          pl.firm >= 0
              ? origin_at[static_cast<std::size_t>(s.F.country[static_cast<std::size_t>(pl.firm)])]
              : origin_dist;
      int origin = static_cast<int>(od.sample_index(rng));
      if (pl.pinned != nullptr) {
        if (pl.pinned->skill) {
          skill = *pl.pinned->skill;
        } else {  // a generator of its own, so the main sequence stays as it was
          CounterRng top(sc.run.seed, Stream::population, i, 1);
          skill = pop.skill.sample_above(top, *pl.pinned->skill_quantile);
        }
        field = pl.pinned->field;
        origin = pl.pinned->origin;
      }
      const auto r = static_cast<std::int32_t>(first + i);
      const std::size_t ri = first + i;
      s.R.skill[ri] = skill;
      s.R.field[ri] = static_cast<std::uint8_t>(field);
      s.R.origin[ri] = s.R.study[ri] = static_cast<std::int16_t>(origin);
      draw_preferences(s, r, rng);
      if (pl.pinned != nullptr) apply_pinned(s, r, *pl.pinned);
      // After the draw, so that the generator's sequence does not depend on it.
      if (pop.study_where_working && pl.firm >= 0) {
        s.R.study[ri] = s.F.country[static_cast<std::size_t>(pl.firm)];
      }
    }
  });
  for (std::size_t i = 0; i < placements.size(); ++i) {
    enter_market(s, static_cast<std::int32_t>(first + i));
  }

  // The top 1% by skill at step 0 defines "stars" for the concentration metric.
  if (!s.R.skill.empty()) {
    std::vector<double> skills = s.R.skill;
    const std::size_t k = skills.size() - std::max<std::size_t>(1, skills.size() / 100);
    std::nth_element(skills.begin(), skills.begin() + static_cast<long>(k), skills.end());
    s.star_threshold = skills[k];
    s.stars_present = std::count_if(s.R.skill.begin(), s.R.skill.end(),
                                    [&](double x) { return x >= s.star_threshold; });
  }

  for (std::size_t f = 0; f < sc.firms.size(); ++f) {  // room for each firm's initial staff
    const auto headcount = static_cast<std::size_t>(sc.firms[f].params.headcount);
    s.F.employees[f].reserve(headcount);
    s.staff[f].reserve(headcount);
  }
  for (std::size_t i = 0; i < placements.size(); ++i) {
    const Placement& pl = placements[i];
    if (pl.firm < 0) continue;
    const auto r = static_cast<std::int32_t>(first + i);
    const FirmParams& p = s.F.params[static_cast<std::size_t>(pl.firm)];
    // Under posted wages a firm pays its posted wage to everyone.
    double annual = sc.market.protocol == Protocol::posted_wage
                        ? p.pay_level
                        : p.pay_level * std::pow(s.R.skill[first + i], pop.pay_skill_elasticity);
    if (pl.pinned != nullptr && pl.pinned->annual_value) annual = *pl.pinned->annual_value;
    hire_initial(s, r, pl.firm, annual);
  }
}

}  // namespace talentsim::detail
