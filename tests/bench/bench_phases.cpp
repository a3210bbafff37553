// Micro-benchmarks of the phases of one step, on a real world.
//
// Each benchmark builds a world from a scenarios/bench/ file and runs one
// full step per iteration, reporting as the iteration's (manual) time the
// seconds spent in one phase (Simulation::phase_times()), or in writing the
// step to the output file. Every phase is therefore timed on the state a real
// run reaches, and the phases' figures add up to the end-to-end step time.
// Counters: researchers present, offers made and moves per step, and the
// phase's throughput in researcher-steps per second.

#include <benchmark/benchmark.h>
#include <tbb/parallel_sort.h>

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "../unit/moves_one_by_one.hpp"
#include "engine/world.hpp"
#include "market/valuation.hpp"
#include "network/peers.hpp"
#include "talentsim/output.hpp"
#include "talentsim/scenario.hpp"
#include "talentsim/simulation.hpp"
#include "util/radix_sort.hpp"

namespace {

using talentsim::PhaseTimes;
using talentsim::Simulation;

std::string scenario_path(const std::string& name) {
  return std::string(TALENTSIM_SOURCE_DIR) + "/scenarios/bench/" + name + ".toml";
}

talentsim::Scenario load(const std::string& name) {
  // Enough steps for any iteration count the benchmarks use.
  return talentsim::load_scenario(scenario_path(name), {{"run.steps", "100000"}});
}

void add_counters(benchmark::State& state, const Simulation& sim, std::int64_t offers,
                  std::int64_t moves) {
  const auto steps = static_cast<double>(state.iterations());
  const auto researchers = static_cast<double>(sim.researchers().size());
  state.counters["researchers"] = researchers;
  state.counters["offers/step"] = static_cast<double>(offers) / steps;
  state.counters["moves/step"] = static_cast<double>(moves) / steps;
  state.counters["researcher-steps/s"] =
      benchmark::Counter(researchers * steps, benchmark::Counter::kIsRate);
}

void step_counting(Simulation& sim, std::int64_t& offers, std::int64_t& moves) {
  sim.step();
  for (const std::int32_t n : sim.firms().offers_made) offers += n;
  moves += sim.metrics().moves;
}

// One phase of the step, per step.
void bm_phase(benchmark::State& state, const std::string& scenario, double PhaseTimes::*phase) {
  Simulation sim(load(scenario));
  std::int64_t offers = 0, moves = 0;
  for (auto _ : state) {
    const double before = sim.phase_times().*phase;
    step_counting(sim, offers, moves);
    state.SetIterationTime(sim.phase_times().*phase - before);
  }
  add_counters(state, sim, offers, moves);
}

// The whole step (every phase), per step.
void bm_step(benchmark::State& state, const std::string& scenario) {
  Simulation sim(load(scenario));
  std::int64_t offers = 0, moves = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    step_counting(sim, offers, moves);
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  add_counters(state, sim, offers, moves);
}

// Writing one step to the HDF5 file (buffering and the flushes it triggers).
void bm_output(benchmark::State& state, const std::string& scenario) {
  Simulation sim(load(scenario));
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("talentsim_bench_" + std::to_string(::getpid()) + ".h5"))
                               .string();
  // Never finished: the writer removes its temporary file when destroyed.
  talentsim::OutputWriter writer(path, sim);
  std::int64_t offers = 0, moves = 0;
  for (auto _ : state) {
    step_counting(sim, offers, moves);
    const auto t0 = std::chrono::steady_clock::now();
    writer.write_step(sim);
    state.SetIterationTime(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  add_counters(state, sim, offers, moves);
}

// Loading the scenario and building the population and network.
void bm_setup(benchmark::State& state, const std::string& scenario) {
  std::size_t researchers = 0;
  for (auto _ : state) {
    Simulation sim(load(scenario));
    researchers = sim.researchers().size();
    benchmark::DoNotOptimize(researchers);
  }
  state.counters["researchers"] = static_cast<double>(researchers);
}

// The structures of the hot path (docs/performance.md), on the state a
// real run reaches after a few steps.

// The (firm, candidate) pairs scouted at step 6 of `sim`, as keys
// researcher << 32 | firm: firm by firm (each firm's candidates in id
// order) or, with `by_researcher`, sorted by researcher as scouting
// evaluates them.
std::vector<std::uint64_t> scouted_pairs(Simulation& sim, bool by_researcher) {
  for (int k = 0; k < 5; ++k) sim.step();
  talentsim::detail::Candidates cand;
  talentsim::detail::scout_candidates(talentsim::detail::testing::state(sim), cand);
  std::vector<std::uint64_t> keys;
  for (std::size_t f = 0; f < cand.ids.size(); ++f) {
    for (const std::int32_t r : cand.ids[f])
      keys.push_back(static_cast<std::uint64_t>(r) << 32 | f);
  }
  if (by_researcher) std::sort(keys.begin(), keys.end());
  return keys;
}

void pair_counters(benchmark::State& state, std::size_t pairs) {
  state.counters["pairs"] = static_cast<double>(pairs);
  state.counters["pairs/s"] =
      benchmark::Counter(static_cast<double>(pairs) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

// The peers term of utility for the step's scouted pairs, firm by firm:
// arg 0 = the neighbours' employers read one by one (the old peers_at),
// arg 1 = the researcher's own row of PeerCounts.
void bm_peers(benchmark::State& state, const std::string& scenario) {
  Simulation sim(load(scenario));
  const auto keys = scouted_pairs(sim, false);
  const auto& s = talentsim::detail::testing::state(sim);
  for (auto _ : state) {
    long total = 0;
    for (const std::uint64_t k : keys) {
      const auto r = static_cast<std::int32_t>(k >> 32);
      const auto f = static_cast<std::int32_t>(k & 0xffffffffu);
      if (state.range(0) == 0) {
        for (const std::uint32_t q : s.net.neighbours(r)) total += s.R.employer[q] == f;
      } else {
        total += s.peers.count(s.net, r, f);
      }
    }
    benchmark::DoNotOptimize(total);
  }
  pair_counters(state, keys.size());
}

// Non-money utility of the step's scouted pairs, arg 0 = firm by firm (the
// researcher tables read at random), arg 1 = sorted by researcher (what
// scout_candidates does).
void bm_pair_order(benchmark::State& state, const std::string& scenario) {
  Simulation sim(load(scenario));
  const auto keys = scouted_pairs(sim, state.range(0) == 1);
  const auto& s = talentsim::detail::testing::state(sim);
  for (auto _ : state) {
    double total = 0;
    for (const std::uint64_t k : keys) {
      total += talentsim::detail::nonmoney_utility(
          s, static_cast<std::int32_t>(k >> 32), static_cast<std::size_t>(k & 0xffffffffu), false);
    }
    benchmark::DoNotOptimize(total);
  }
  pair_counters(state, keys.size());
}

// Ordering a step's pairs by researcher (the keys researcher << 32 | pair,
// made in pair order; the kept pairs stand in for all scouted ones, which
// scouting sorts before the cut): arg 0 = a comparison sort
// (tbb::parallel_sort on every core, what scouting used first), arg 1 = the
// stable radix sort on the researcher (sort_by_high_word, one thread, what
// it uses now). Same order.
void bm_pair_sort(benchmark::State& state, const std::string& scenario) {
  Simulation sim(load(scenario));
  const auto pairs = scouted_pairs(sim, false);
  std::vector<std::uint64_t> made(pairs.size()), keys, scratch;
  for (std::size_t k = 0; k < pairs.size(); ++k) made[k] = (pairs[k] >> 32) << 32 | k;
  for (auto _ : state) {
    state.PauseTiming();
    keys = made;
    state.ResumeTiming();
    if (state.range(0) == 0) {
      tbb::parallel_sort(keys.begin(), keys.end());
    } else {
      talentsim::detail::sort_by_high_word(keys, scratch);
    }
    benchmark::DoNotOptimize(keys.data());
  }
  pair_counters(state, pairs.size());
}

// Applying a step's worth of moves to where each researcher's neighbours
// work (PeerCounts::flush): one employee in 80 moves to the next firm and
// back (two flushes per iteration, so the counts end as they began).
void bm_peer_updates(benchmark::State& state, const std::string& scenario) {
  Simulation sim(load(scenario));
  for (int k = 0; k < 5; ++k) sim.step();
  const auto& s = talentsim::detail::testing::state(sim);
  talentsim::detail::PeerCounts peers;
  peers.build(s.net, s.R.employer);
  std::vector<std::pair<std::int32_t, std::int32_t>> moves;  // researcher, firm moved to
  const auto nf = static_cast<std::int32_t>(s.F.size());
  for (std::size_t r = 0; r < s.R.size(); r += 80) {
    const std::int32_t e = s.R.employer[r];
    if (e >= 0) moves.emplace_back(static_cast<std::int32_t>(r), (e + 1) % nf);
  }
  for (auto _ : state) {
    for (const auto& [r, g] : moves) {
      peers.remove(r, s.R.employer[static_cast<std::size_t>(r)]);
      peers.add(r, g);
    }
    peers.flush(s.net);
    for (const auto& [r, g] : moves) {
      peers.remove(r, g);
      peers.add(r, s.R.employer[static_cast<std::size_t>(r)]);
    }
    peers.flush(s.net);
  }
  state.counters["moves"] = static_cast<double>(2 * moves.size());
}

// Settling a step's moves (settle_moves): arg 0 = leave_firm and join_firm
// one move after the other (what settling did before), arg 1 = apply_moves
// (each firm's half on one thread, firms in parallel, beside the shared
// half). One employee in 150, about a step's worth of moves at 1M, moves to
// the next active firm with its package, and back: two batches an
// iteration, the event log cleared and the neighbour counts' queue applied
// (untimed) after each.
void bm_moves(benchmark::State& state, const std::string& scenario) {
  namespace detail = talentsim::detail;
  Simulation sim(load(scenario));
  for (int k = 0; k < 2; ++k) sim.step();
  auto& s = detail::testing::state(sim);
  auto& world = talentsim::detail_world(sim);
  const std::size_t nf = s.F.size();
  std::vector<detail::Move> there, back;
  for (std::size_t r = 0; r < s.R.size(); r += 150) {
    const std::int32_t e = s.R.employer[r];
    if (e < 0) continue;
    auto to = static_cast<std::size_t>(e);
    do {
      to = (to + 1) % nf;
    } while (!s.F.active[to]);
    if (to == static_cast<std::size_t>(e)) continue;
    detail::Move mv;
    mv.r = static_cast<std::int32_t>(r);
    mv.salary = s.R.salary[r];
    mv.signing = s.R.signing[r];
    mv.equity = s.R.equity[r];
    mv.kind = talentsim::EventKind::poach;
    mv.to = static_cast<std::int32_t>(to);
    there.push_back(mv);
    mv.to = e;
    back.push_back(mv);
  }
  detail::MoveScratch scratch;
  for (auto _ : state) {
    for (const auto* batch : {&there, &back}) {
      if (state.range(0) == 0) {
        detail::testing::apply_moves_one_by_one(s, *batch, world.ledger, world.log);
      } else {
        detail::apply_moves(s, *batch, scratch, world.ledger, world.log);
      }
      state.PauseTiming();
      world.log.clear();
      s.peers.flush(s.net);
      state.ResumeTiming();
    }
  }
  state.counters["moves"] = static_cast<double>(2 * there.size());
}

}  // namespace

int main(int argc, char** argv) {
  // Steps per phase benchmark: enough to average over the market's weekly
  // noise, few enough that the 100k world stays quick.
  const char* env = std::getenv("TALENTSIM_BENCH_STEPS");
  const long steps = env != nullptr ? std::max(1L, std::atol(env)) : 26;
  const std::pair<const char*, double PhaseTimes::*> phases[] = {
      {"timeline", &PhaseTimes::timeline}, {"flows", &PhaseTimes::flows},
      {"scouting", &PhaseTimes::scouting}, {"rounds", &PhaseTimes::rounds},
      {"settle", &PhaseTimes::settle},     {"production", &PhaseTimes::production},
      {"exits", &PhaseTimes::exits},       {"spinouts", &PhaseTimes::spinouts},
      {"budgets", &PhaseTimes::budgets},   {"metrics", &PhaseTimes::metrics}};
  for (const std::string scenario : {"global_10k", "global_100k"}) {
    for (const auto& [name, phase] : phases) {
      benchmark::RegisterBenchmark(
          ("phase/" + std::string(name) + "/" + scenario).c_str(),
          [scenario, phase = phase](benchmark::State& s) { bm_phase(s, scenario, phase); })
          ->UseManualTime()
          ->Iterations(steps)
          ->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark(("phase/output/" + scenario).c_str(),
                                 [scenario](benchmark::State& s) { bm_output(s, scenario); })
        ->UseManualTime()
        ->Iterations(steps)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("step/" + scenario).c_str(),
                                 [scenario](benchmark::State& s) { bm_step(s, scenario); })
        ->UseManualTime()
        ->Iterations(steps)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("setup/" + scenario).c_str(),
                                 [scenario](benchmark::State& s) { bm_setup(s, scenario); })
        ->Iterations(3)
        ->Unit(benchmark::kMillisecond);
  }
  for (const std::string scenario : {"global_100k", "global_1m"}) {
    // arg 0 = the old structure, arg 1 = the new one (none: one variant).
    const auto structure = [&scenario](const char* name, auto bench, bool ab) {
      auto* b = benchmark::RegisterBenchmark(
          ("structures/" + std::string(name) + "/" + scenario).c_str(),
          [scenario, bench](benchmark::State& s) { bench(s, scenario); });
      if (ab) b->Arg(0)->Arg(1);
      b->Unit(benchmark::kMillisecond);
    };
    structure("peers", bm_peers, true);
    structure("pair_order", bm_pair_order, true);
    structure("pair_sort", bm_pair_sort, true);
    structure("peer_updates", bm_peer_updates, false);
    structure("moves", bm_moves, true);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
