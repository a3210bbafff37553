#pragma once
//! A run: an immutable Scenario, the mutable state, and step().

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "talentsim/network.hpp"
#include "talentsim/scenario.hpp"
#include "talentsim/state.hpp"

namespace talentsim {

enum class EventKind : std::uint8_t {
  hire = 0,         //!< a job seeker joins a firm
  poach = 1,        //!< a researcher moves firm to firm
  retention = 2,    //!< a counter-offer kept the researcher (new package)
  layoff = 3,       //!< exogenous or budget layoff to job seeking
  bankruptcy = 4,   //!< the employer failed; to job seeking
  acquisition = 5,  //!< the employer was bought; moves with the team
  spinout = 6,      //!< founded a startup
  graduate = 7,     //!< entered the market as a job seeker
  retirement = 8,   //!< left the market
  outside = 9,      //!< a job seeker took a job outside the market (flows.outside_rate)
};
inline constexpr std::size_t EVENT_KIND_COUNT = 10;
std::string_view to_string(EventKind kind) noexcept;

//! One row of the event log. Package fields describe the package after the
//! event (zero when the researcher ends without a job).
struct Event {
  std::int32_t step = 0;
  std::int32_t researcher = 0;
  std::int32_t from_firm = NO_FIRM;
  std::int32_t to_firm = NO_FIRM;
  EventKind kind = EventKind::hire;
  double salary = 0;        //!< USD/yr
  double signing = 0;       //!< USD
  double equity = 0;        //!< USD over the contract
  double annual_value = 0;  //!< USD/yr
  std::uint8_t outreach = 0;
  bool operator==(const Event&) const = default;
};

//! Metrics of one step (MODEL.md "Metrics").
struct StepMetrics {
  double talent_hhi = 0;          //!< Herfindahl index of talent shares, 0..1
  double top1pct_share_top3 = 0;  //!< share of top-1% researchers at the 3 firms holding most
  double pay_median = 0, pay_p99 = 0, pay_max = 0;  //!< USD/yr over employed researchers
  double pay_gini = 0;
  std::int64_t moves = 0, poaches = 0, hires_from_pool = 0, retentions = 0;
  std::int64_t bankruptcies = 0, acquisitions = 0, spinouts = 0, active_startups = 0;
  double progress_leader = 0;  //!< firm index of the leader (as a number)
  double progress_gap = 0;     //!< leader's progress minus the second's
  // per country
  std::vector<double> origin_count, employed_home, employed_abroad, brain_drain_share, employed_in;
};

//! Wall-clock seconds spent in each phase of the step, summed over the steps
//! run by this object (setup: the constructor). For `run --profile` and the
//! benchmarks; measuring costs two clock reads per phase and step.
struct PhaseTimes {
  double setup = 0, timeline = 0, flows = 0, scouting = 0, rounds = 0, settle = 0, production = 0,
         exits = 0, spinouts = 0, budgets = 0, metrics = 0;
  //! Applying the step's moves to where each researcher's neighbours work
  //! (before the market and at the end of the step).
  double neighbours = 0;
  //! Parts of scouting (counted in `scouting` too): drawing candidates
  //! (referrals, visibility, applications), laying the step's pairs out in
  //! researcher order, willingness to pay and the cuts, the non-money
  //! utility and fixed terms of the kept pairs.
  double scouting_draw = 0, scouting_pairs = 0, scouting_value = 0, scouting_utility = 0;
  //! Parts of the auction rounds (counted in `rounds` too): opening the
  //! step's offer book, the firms' offers, the researchers' choices,
  //! counter-offers and released budgets.
  double rounds_open = 0, rounds_offers = 0, rounds_decide = 0, rounds_counter = 0;
  double total() const noexcept {
    return setup + timeline + flows + scouting + rounds + settle + production + exits + spinouts +
           budgets + metrics + neighbours;
  }
};

struct SimulationOptions {
  //! Check every invariant after each step (slow). Unset: on when the
  //! talentsim library itself was built without NDEBUG (its debug and
  //! sanitizer builds), whatever the calling program's build mode.
  std::optional<bool> check_invariants;
};

//! One part of a run's estimated peak memory, with the scenario key that
//! drives it (for the resource guard's message).
struct MemoryPart {
  std::string key;   //!< e.g. "population.count", "network.team_size"
  std::string what;  //!< e.g. "network ties within teams"
  double bytes = 0;  //!< may be +inf when a distribution's mean is
};
//! Every large allocation of a run of `scenario`: researchers ever present,
//! the network's ties (teams, cross-firm, pinned cliques and their extra
//! ties, an edge list), per-firm scouting buffers, firms; largest first.
std::vector<MemoryPart> estimated_memory_parts(const Scenario& scenario);
//! Their sum in bytes, plus a fixed 64 MiB.
double estimated_memory_bytes(const Scenario& scenario);

class Simulation {
 public:
  explicit Simulation(Scenario scenario, SimulationOptions options = {});
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  const Scenario& scenario() const noexcept;
  //! Steps done so far; 0 before the first step.
  std::int64_t step_index() const noexcept;
  bool finished() const noexcept { return step_index() >= scenario().run.steps; }
  //! Advances one week through every phase of MODEL.md.
  void step();
  //! Changes a firm or country parameter from the next step on, between
  //! steps: `path` and `value` as `--set` takes them (countries.CN.
  //! retention_subsidy, firms."Lab B".ai_value), with the same checks. It
  //! becomes a timeline event at the next step (kept in scenario(), so the
  //! output and checkpoints record it), so a run changed this way equals a
  //! run of a scenario with that event. Throws user_error.
  void set(const std::string& path, const std::string& value);

  const ResearcherTable& researchers() const noexcept;
  const FirmTable& firms() const noexcept;
  const CountryTable& countries() const noexcept;
  const Network& network() const noexcept;
  //! Names of every firm, spun-out firms included, by firm id.
  const std::vector<std::string>& firm_names() const noexcept;
  //! Events of the last step (of the initial state before any step).
  const std::vector<Event>& events() const noexcept;
  //! Metrics after the last step (of the initial state before any step).
  const StepMetrics& metrics() const noexcept;
  //! Time per phase so far (see PhaseTimes).
  const PhaseTimes& phase_times() const noexcept;

  //! The dynamic state, for checkpoints (engine/state_io.cpp).
  std::vector<char> save_state() const;
  //! Restores save_state() output into a Simulation built from the same
  //! scenario; throws user_error when the data is damaged.
  void restore_state(const char* data, std::size_t size, const std::string& what);

  //! Throws internal_error if an invariant is broken (see docs/model.md).
  void check_invariants() const;

  //! Implementation (sim/src/engine/world.hpp): the state and the phases'
  //! structs; white-box tests reach the state through
  //! detail::testing::state() in that private header.
  struct World;

 private:
  friend World& detail_world(Simulation& sim) noexcept;
  World& world() noexcept { return *world_; }
  const World& world() const noexcept { return *world_; }
  std::unique_ptr<World> world_;
};

}  // namespace talentsim
