// Keys of a sweep file, with the same machinery as scenarios (defaults,
// ranges, "did you mean", generated reference in docs/sweeps.md).

#include <limits>

#include "scenario/schema.hpp"
#include "talentsim/version.hpp"

namespace talentsim::detail {
namespace {

constexpr double INF = std::numeric_limits<double>::infinity();
constexpr Range any() {
  return {};
}
constexpr Range closed(double lo, double hi) {
  return {lo, hi, false, false};
}
constexpr Range ge(double lo) {
  return {lo, INF, false, false};
}
constexpr bool REQ = true;
constexpr bool OPT = false;
using enum KeyType;

Schema make_sweep_schema() {
  return {
      {"", "format_version", integer, "", "", REQ,
       closed(SWEEP_FILE_FORMAT_VERSION, SWEEP_FILE_FORMAT_VERSION), "",
       "Sweep format version; 1."},
      {"", "name", string, "", "", REQ, any(), "letters, digits, `_`, `-`, `.`", "Sweep name."},
      {"", "description", string, "", "\"\"", OPT, any(), "", "Free text."},
      {"", "base", string, "", "", REQ, any(), "path or `embedded:<name>`",
       "Base scenario (relative to the sweep file), or a scenario built into talentsim."},
      {"", "replicates", integer, "runs", "1", OPT, closed(1, 1e6), "",
       "Seeds per parameter point (a `seed` dimension)."},
      {"", "seed", integer, "", "1", OPT, ge(0), "",
       "First seed: replicate k runs with seed + k (unless `seeds` is given)."},
      {"", "seeds", array, "", "", OPT, any(), "array of integers",
       "Explicit seeds, one per replicate (overrides replicates and seed)."},
      {"", "set", table, "", "", OPT, any(), "key paths and values (as --set)",
       "Fixed overrides applied to every point, e.g. `set = { \"run.steps\" = 26 }` or a "
       "`[set]` table with dotted keys; they are folded into the base and are not dimensions."},
      {"", "parameters", tables, "", "", OPT, any(), "",
       "Grid dimensions: each a key path with values or a range (full factorial)."},
      {"", "zip", tables, "", "", OPT, any(), "",
       "Zipped dimensions: several key paths that vary together."},
      {"", "sample", table, "", "", OPT, any(), "", "A sampled dimension over bounds."},
      {"", "collect", table, "", "", OPT, any(), "", "Which outputs sweep collect gathers."},
      {"", "slurm", table, "", "", OPT, any(), "", "Resources of the Slurm array job."},

      {"parameters[]", "path", string, "", "", REQ, any(), "a scenario key path (as --set)",
       "The key this dimension varies."},
      {"parameters[]", "values", array, "", "", OPT, any(), "array of values",
       "The values (numbers, strings or booleans)."},
      {"parameters[]", "range", table, "", "", OPT, any(),
       "{ start, stop, num } or { start, stop, step }",
       "Evenly spaced numbers: `num` points from start to stop inclusive, or every `step`."},

      {"zip[]", "name", string, "", "", OPT, any(), "", "Dimension name (default zip<k>)."},
      {"zip[]", "paths", string_list, "", "", REQ, any(), "key paths", "Keys that vary together."},
      {"zip[]", "values", array, "", "", REQ, any(), "array of arrays",
       "One array per point, aligned with `paths`."},

      {"sample", "method", string, "", "\"latin_hypercube\"", OPT, any(), "latin_hypercube, sobol",
       "Sampling design over the bounds."},
      {"sample", "points", integer, "points", "", REQ, closed(1, 1e6), "", "Number of points."},
      {"sample", "seed", integer, "", "1", OPT, ge(0), "",
       "Seed of the design (Latin hypercube permutation, or Sobol digital shift)."},
      {"sample", "parameters", tables, "", "", REQ, any(), "", "Sampled keys and their bounds."},
      {"sample.parameters[]", "path", string, "", "", REQ, any(), "a scenario key path",
       "The key."},
      {"sample.parameters[]", "low", real, "", "", REQ, any(), "", "Lower bound."},
      {"sample.parameters[]", "high", real, "", "", REQ, any(), "", "Upper bound (> low)."},
      {"sample.parameters[]", "integer", boolean, "", "false", OPT, any(), "",
       "Round the samples to whole numbers."},

      {"collect", "metrics", string_list, "", "", OPT, any(), "names under /metrics",
       "Metric series to collect; default all."},
      {"collect", "by_country", string_list, "", "", OPT, any(), "names under /metrics/by_country",
       "Per-country series to collect; default all."},
      {"collect", "final_only", boolean, "", "false", OPT, any(), "",
       "Keep only the last step (drops the step dimension)."},

      {"slurm", "partition", string, "", "\"\"", OPT, any(), "", "`#SBATCH --partition`."},
      {"slurm", "time", string, "", "\"01:00:00\"", OPT, any(), "HH:MM:SS or D-HH:MM:SS",
       "`#SBATCH --time` per task."},
      {"slurm", "mem", string, "", "\"2G\"", OPT, any(), "", "`#SBATCH --mem` per task."},
      {"slurm", "cpus_per_task", integer, "cores", "1", OPT, closed(1, 1024), "",
       "`#SBATCH --cpus-per-task`; also the threads of each run."},
      {"slurm", "account", string, "", "\"\"", OPT, any(), "", "`#SBATCH --account`."},
      {"slurm", "throttle", integer, "tasks", "0", OPT, closed(0, 1e6), "",
       "Array throttle `%N` (tasks running at once); 0 = none."},
      {"slurm", "points_per_task", integer, "points", "1", OPT, closed(1, 1e6), "",
       "Points run one after another by one task (batches short runs)."},
      {"slurm", "max_array_size", integer, "tasks", "1000", OPT, closed(1, 4e6), "",
       "The cluster's MaxArraySize; larger sweeps are split into several arrays."},
      {"slurm", "checkpoint_every", integer, "steps", "0", OPT, closed(0, 1e9), "",
       "Checkpoint each run every N steps (0: only when the task gets SIGTERM); a resubmitted "
       "task resumes from its checkpoint."},
      {"slurm", "extra", string_list, "", "[]", OPT, any(), "lines",
       "Extra `#SBATCH` lines, written as given."},
  };
}

}  // namespace

const Schema& sweep_schema() {
  static const Schema schema = make_sweep_schema();
  return schema;
}

}  // namespace talentsim::detail
