// Writes the run to HDF5 step by step. Per-step series are buffered in
// blocks of BLOCK steps (bounded memory) and written as one hyperslab per
// dataset, so each compressed chunk is written once; events are flushed
// every EVENT_BLOCK rows; snapshots are written as they are taken.
//
// The writes themselves (compression and HDF5 calls) run on a background
// thread (util/serial_worker.hpp), one block at a time and in order, while
// the simulation goes on; at most two blocks wait. Everything else (creating
// the file, checkpoint flushes, the static tables at the end) runs on the
// calling thread after waiting for the background thread to be idle, so
// HDF5 calls never overlap.

#include <fcntl.h>
#include <tbb/global_control.h>
#include <unistd.h>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <type_traits>

#include "engine/firm_columns.hpp"
#include "io/hdf5.hpp"
#include "talentsim/errors.hpp"
#include "talentsim/output.hpp"
#include "talentsim/version.hpp"
#include "util/fault.hpp"
#include "util/files.hpp"
#include "util/format.hpp"
#include "util/serial_worker.hpp"

namespace talentsim {
namespace {

namespace h5 = detail::h5;
constexpr std::size_t BLOCK = 32;
constexpr std::size_t EVENT_BLOCK = 65536;
constexpr std::size_t SNAPSHOT_CHUNK = 65536;

struct SeriesSpec {
  const char* name;
  const char* units;
};
constexpr std::array<SeriesSpec, 7> METRIC_REAL = {{{"talent_hhi", "1"},
                                                    {"top1pct_share_top3", "1"},
                                                    {"pay_median", "USD/yr"},
                                                    {"pay_p99", "USD/yr"},
                                                    {"pay_max", "USD/yr"},
                                                    {"pay_gini", "1"},
                                                    {"progress_gap", "output"}}};
constexpr std::array<SeriesSpec, 9> METRIC_INT = {{{"moves", "researchers"},
                                                   {"poaches", "researchers"},
                                                   {"hires_from_pool", "researchers"},
                                                   {"retentions", "researchers"},
                                                   {"bankruptcies", "firms"},
                                                   {"acquisitions", "firms"},
                                                   {"spinouts", "firms"},
                                                   {"active_startups", "firms"},
                                                   {"progress_leader", "firm index"}}};
constexpr std::array<SeriesSpec, 5> COUNTRY = {{{"origin_count", "researchers"},
                                                {"employed_home", "researchers"},
                                                {"employed_abroad", "researchers"},
                                                {"brain_drain_share", "1"},
                                                {"employed_in", "researchers"}}};

// A dataset of T with `width` columns, filled BLOCK rows at a time.
template <class T>
struct Series {
  h5::Handle ds;
  std::vector<T> buffer;
  std::size_t width = 0;
};

}  // namespace

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& s : METRIC_REAL) out.emplace_back(s.name);
    for (const auto& s : METRIC_INT) out.emplace_back(s.name);
    return out;
  }();
  return names;
}

const std::vector<std::string>& country_metric_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& s : COUNTRY) out.emplace_back(s.name);
    return out;
  }();
  return names;
}

struct OutputWriter::Impl {
  std::string path, tmp;
  h5::Handle file, firms, series, metrics, by_country, events, snapshots;
  int gzip = 4;
  std::size_t firm_capacity = 0, countries = 0;
  std::size_t rows_buffered = 0, next_row = 0;
  std::vector<Series<double>> firm_real, metric_real, country_real;
  std::vector<Series<std::int32_t>> firm_int;
  std::vector<Series<std::int64_t>> metric_int, country_int;
  // events, by column
  h5::Handle ev_step, ev_researcher, ev_from, ev_to, ev_kind, ev_salary, ev_signing, ev_equity,
      ev_value, ev_outreach;
  std::vector<std::int32_t> b_step, b_researcher, b_from, b_to;
  std::vector<std::int8_t> b_kind, b_outreach;
  std::vector<double> b_salary, b_signing, b_equity, b_value;
  std::size_t events_written = 0;
  h5::Handle snap_step, snap_employer, snap_value;
  std::size_t snapshots_written = 0;
  bool finished = false;
  bool reopen = false;  // resuming: open what exists instead of creating it
  // The temporary file, locked for the whole run (util/files.hpp).
  std::unique_ptr<detail::LockedFile> lock;
  // Values that are not finite numbers, per dataset: never written silently
  // (the file says so in an attribute, the run in a warning).
  std::map<std::string, std::int64_t> nonfinite;

  void count_nonfinite(const std::string& dataset, const double* x, std::size_t n) {
    std::int64_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) bad += std::isfinite(x[i]) ? 0 : 1;
    if (bad > 0) nonfinite[dataset] += bad;
  }
  // Last member: destroyed (stopped and joined) before any handle it uses.
  // A run limited to one thread writes on that thread.
  detail::SerialWorker worker{
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism) > 1};

  // Creates (or, when resuming, reopens) every group and dataset.
  void setup(const Simulation& sim);
  // What both constructors derive from the path and the scenario.
  void configure(const std::string& path, const Scenario& sc);

  // A writer that did not finish (an error, also in a constructor) leaves
  // no partial file.
  ~Impl() {
    if (finished) return;
    worker.stop();     // no write may run while the file closes
    close_all(false);  // without checking: we are unwinding
    if (lock) lock->remove();
  }

  // Runs the given writes, in order, on the background thread.
  void submit(std::vector<std::function<void()>> writes) {
    auto all = std::make_shared<std::vector<std::function<void()>>>(std::move(writes));
    worker.submit([all] {
      h5::quiet_errors();  // HDF5's error printing is set per thread
      for (auto& write : *all) write();
    });
  }

  // Closes every dataset and group, then the file: on success checking
  // each close, on failure (`check` false) as far as it goes, so that no
  // object is left for HDF5's exit handler.
  void close_all(bool check) {
    const auto close = [check](h5::Handle& h) {
      if (check) {
        h.close();
      } else {
        h = h5::Handle();
      }
    };
    for (auto* v : {&firm_real, &metric_real, &country_real})
      for (auto& x : *v) close(x.ds);
    for (auto& x : firm_int) close(x.ds);
    for (auto* v : {&metric_int, &country_int})
      for (auto& x : *v) close(x.ds);
    for (auto* h : {&ev_step, &ev_researcher, &ev_from, &ev_to, &ev_kind, &ev_salary, &ev_signing,
                    &ev_equity, &ev_value, &ev_outreach, &snap_step, &snap_employer, &snap_value,
                    &snapshots, &events, &by_country, &metrics, &series, &firms}) {
      close(*h);
    }
    if (check) h5::check(H5Fflush(file.id(), H5F_SCOPE_GLOBAL), "flushing the file");
    close(file);
  }

  // Opens (fresh: creates) the temporary file under its lock; HDF5 must
  // have opened the very file that is locked.
  void open_file(const std::string& bytes_if_resuming) {
    lock = std::make_unique<detail::LockedFile>(tmp);
    if (reopen) {
      lock->overwrite(bytes_if_resuming);
      file = h5::open_file_rw(tmp);
    } else {
      lock->overwrite({});
      file = h5::create_file(tmp);
    }
    if (!lock->same_as(h5::file_descriptor(file.id()))) {
      throw io_error(tmp + " was replaced while it was being opened; run again");
    }
  }

  h5::Handle group(hid_t parent, const std::string& name) {
    if (reopen) {
      return h5::Handle(
          h5::check_id(H5Gopen2(parent, name.c_str(), H5P_DEFAULT), "opening " + name), H5Gclose);
    }
    return h5::create_group(parent, name);
  }

  template <class T>
  Series<T> make_series(hid_t group, const SeriesSpec& spec, std::size_t width, bool two_d) {
    Series<T> s;
    s.width = width;
    s.buffer.reserve(BLOCK * std::max<std::size_t>(1, width));
    if (reopen) {
      s.ds = h5::open_dataset(group, spec.name);
      return s;
    }
    if (two_d) {
      s.ds = h5::create_dataset<T>(group, spec.name, {0, width},
                                   {BLOCK, std::min<std::size_t>(width, 1024)}, gzip);
    } else {
      s.ds = h5::create_dataset<T>(group, spec.name, {0}, {BLOCK * 8}, gzip);
    }
    h5::write_attribute(s.ds.id(), "units", std::string(spec.units));
    s.buffer.reserve(BLOCK * std::max<std::size_t>(1, width));
    return s;
  }

  // Hands a buffer to a background write of `count` elements at `start`
  // of dataset `ds`, leaving the buffer empty (with its capacity when it is
  // reused: `refill`).
  template <class T>
  static void hand_over(std::vector<std::function<void()>>& writes, hid_t ds,
                        std::vector<T>& buffer, std::vector<hsize_t> start,
                        std::vector<hsize_t> count, bool refill = true) {
    const std::size_t capacity = buffer.capacity();
    auto data = std::make_shared<std::vector<T>>(std::move(buffer));
    buffer = std::vector<T>();
    if (refill) buffer.reserve(capacity);
    writes.push_back(
        [ds, data, start, count] { h5::write_block<T>(ds, data->data(), start, count, false); });
  }

  // Hands the first `m` elements of a buffer to a background write at
  // `start`, keeping the rest (fewer than a chunk plus a step's events).
  template <class T>
  static void hand_over_front(std::vector<std::function<void()>>& writes, hid_t ds,
                              std::vector<T>& buffer, const std::vector<hsize_t>& start,
                              std::size_t m) {
    const std::vector<T> rest(buffer.begin() + static_cast<std::ptrdiff_t>(m), buffer.end());
    buffer.resize(m);
    hand_over(writes, ds, buffer, start, {m});
    buffer.insert(buffer.end(), rest.begin(), rest.end());
  }

  template <class T>
  void flush_series(std::vector<Series<T>>& all, bool two_d,
                    std::vector<std::function<void()>>& writes) {
    for (auto& s : all) {
      if (two_d) {
        hand_over(writes, s.ds.id(), s.buffer, {next_row, 0}, {rows_buffered, s.width});
      } else {
        hand_over(writes, s.ds.id(), s.buffer, {next_row}, {rows_buffered});
      }
    }
  }

  void flush_rows() {
    if (rows_buffered == 0) return;
    std::vector<std::function<void()>> writes;
    flush_series(firm_real, true, writes);
    flush_series(firm_int, true, writes);
    flush_series(metric_real, false, writes);
    flush_series(metric_int, false, writes);
    flush_series(country_real, true, writes);
    flush_series(country_int, true, writes);
    next_row += rows_buffered;
    rows_buffered = 0;
    submit(std::move(writes));
  }

  // Writes the buffered events. Unless `all`, only up to the last chunk
  // boundary (EVENT_BLOCK rows): the rest stays buffered, so every chunk is
  // compressed once, whole. A chunk written partly (by a checkpoint's flush
  // or the last one) is completed through HDF5's own pipeline, which reads
  // it back and compresses it again.
  void flush_events(bool all) {
    const std::size_t n = b_step.size();
    std::size_t m = n;
    if (!all) {
      const std::size_t boundary = (events_written + n) / EVENT_BLOCK * EVENT_BLOCK;
      m = boundary > events_written ? boundary - events_written : 0;
    }
    if (m == 0) return;
    std::vector<std::function<void()>> writes;
    const std::vector<hsize_t> at = {events_written};
    const auto front = [&](hid_t ds, auto& buffer) { hand_over_front(writes, ds, buffer, at, m); };
    front(ev_step.id(), b_step);
    front(ev_researcher.id(), b_researcher);
    front(ev_from.id(), b_from);
    front(ev_to.id(), b_to);
    front(ev_kind.id(), b_kind);
    front(ev_salary.id(), b_salary);
    front(ev_signing.id(), b_signing);
    front(ev_equity.id(), b_equity);
    front(ev_value.id(), b_value);
    front(ev_outreach.id(), b_outreach);
    events_written += m;
    submit(std::move(writes));
  }

  void record(const Simulation& sim) {
    const FirmTable& F = sim.firms();
    // The firm series of engine/firm_columns.hpp, in its order: numbers
    // with a fraction as float64, counts and flags as int32; headcount first.
    std::size_t real = 0, count = 1;
    const auto put = [&](auto& series, auto get) {
      auto& buf = series.buffer;
      for (std::size_t f = 0; f < firm_capacity; ++f) buf.push_back(f < F.size() ? get(f) : 0);
    };
    put(firm_int[0], [&](std::size_t f) { return F.headcount(f); });
    detail::firm_columns(F, [&](const char* name, const char*, const auto& column, unsigned roles) {
      if (!(roles & detail::OUTPUT)) return;
      using T = typename std::decay_t<decltype(column)>::value_type;
      if constexpr (std::is_floating_point_v<T>) {
        auto& series = firm_real[real++];
        put(series, [&](std::size_t f) { return column[f]; });
        count_nonfinite(std::string("/firms/series/") + name,
                        series.buffer.data() + series.buffer.size() - firm_capacity, firm_capacity);
      } else if constexpr (std::is_arithmetic_v<T>) {
        put(firm_int[count++], [&](std::size_t f) { return static_cast<std::int32_t>(column[f]); });
      }
    });
    const StepMetrics& m = sim.metrics();
    const double reals[] = {m.talent_hhi, m.top1pct_share_top3, m.pay_median,  m.pay_p99,
                            m.pay_max,    m.pay_gini,           m.progress_gap};
    for (std::size_t i = 0; i < metric_real.size(); ++i) {
      metric_real[i].buffer.push_back(reals[i]);
      count_nonfinite(std::string("/metrics/") + METRIC_REAL[i].name, &reals[i], 1);
    }
    count_nonfinite("/metrics/by_country/brain_drain_share", m.brain_drain_share.data(),
                    m.brain_drain_share.size());
    const std::int64_t ints[] = {
        m.moves,      m.poaches,         m.hires_from_pool,
        m.retentions, m.bankruptcies,    m.acquisitions,
        m.spinouts,   m.active_startups, static_cast<std::int64_t>(m.progress_leader)};
    for (std::size_t i = 0; i < metric_int.size(); ++i) metric_int[i].buffer.push_back(ints[i]);
    for (std::size_t c = 0; c < countries; ++c) {
      country_int[0].buffer.push_back(static_cast<std::int64_t>(m.origin_count[c]));
      country_int[1].buffer.push_back(static_cast<std::int64_t>(m.employed_home[c]));
      country_int[2].buffer.push_back(static_cast<std::int64_t>(m.employed_abroad[c]));
      country_int[3].buffer.push_back(static_cast<std::int64_t>(m.employed_in[c]));
      country_real[0].buffer.push_back(m.brain_drain_share[c]);
    }
    if (++rows_buffered == BLOCK) flush_rows();

    for (const Event& e : sim.events()) {
      b_step.push_back(e.step);
      b_researcher.push_back(e.researcher);
      b_from.push_back(e.from_firm);
      b_to.push_back(e.to_firm);
      b_kind.push_back(static_cast<std::int8_t>(e.kind));
      b_salary.push_back(e.salary);
      b_signing.push_back(e.signing);
      b_equity.push_back(e.equity);
      b_value.push_back(e.annual_value);
      b_outreach.push_back(static_cast<std::int8_t>(e.outreach));
    }
    // The step's packages, counted once as they lie in the buffers.
    const std::size_t added = sim.events().size();
    for (const auto* column : {&b_salary, &b_signing, &b_equity, &b_value}) {
      count_nonfinite("/events", column->data() + column->size() - added, added);
    }
    if (b_step.size() >= EVENT_BLOCK) flush_events(false);

    const std::int64_t step = sim.step_index();
    if (step == 0 || step % sim.scenario().output.snapshot_every == 0 ||
        step == sim.scenario().run.steps) {
      snapshot(sim);
    }
  }

  void snapshot(const Simulation& sim) {
    const ResearcherTable& R = sim.researchers();
    const std::size_t n = R.size();
    std::vector<std::int32_t> employer(R.employer.begin(), R.employer.end());
    std::vector<double> value(n, 0.0);
    const double h = sim.scenario().market.contract_years;
    for (std::size_t r = 0; r < n; ++r) {
      if (employer[r] >= 0) value[r] = R.annual_value(r, h);
    }
    count_nonfinite("/researchers/snapshots/annual_value", value.data(), value.size());
    const auto s = static_cast<hsize_t>(snapshots_written);
    std::vector<std::int32_t> step = {static_cast<std::int32_t>(sim.step_index())};
    std::vector<std::function<void()>> writes;
    hand_over(writes, snap_step.id(), step, {s}, {1}, false);
    hand_over(writes, snap_employer.id(), employer, {s, 0}, {1, n}, false);
    hand_over(writes, snap_value.id(), value, {s, 0}, {1, n}, false);
    ++snapshots_written;
    submit(std::move(writes));
  }
};

// Creates (or, when resuming, reopens) every group and dataset.
void OutputWriter::Impl::setup(const Simulation& sim) {
  Impl& o = *this;
  const Scenario& sc = sim.scenario();
  const hid_t root = o.file.id();
  if (!o.reopen) {
    h5::write_attribute(root, "format", std::string(OUTPUT_FORMAT));
    h5::write_attribute(root, "schema_version", OUTPUT_SCHEMA_VERSION);
    h5::write_attribute(root, "talentsim_version", std::string(version()));
    h5::write_attribute(root, "git_commit", std::string(git_commit()));
    h5::write_attribute(root, "scenario", to_toml(sc));
    h5::write_attribute(root, "seed", static_cast<std::int64_t>(sc.run.seed));
    h5::write_attribute(root, "steps", sc.run.steps);
    h5::write_attribute(root, "start_date", sc.run.start_date);
    h5::write_attribute(root, "steps_per_year", static_cast<std::int64_t>(STEPS_PER_YEAR));
    h5::write_attribute(root, "created", detail::iso_now());
    h5::write_attribute(root, "complete", static_cast<std::int64_t>(0));
  }

  o.firms = o.group(root, "firms");
  o.series = o.group(o.firms.id(), "series");
  o.firm_int.push_back(o.make_series<std::int32_t>(
      o.series.id(), {"headcount", detail::HEADCOUNT_UNITS}, o.firm_capacity, true));
  detail::firm_columns(
      sim.firms(), [&](const char* name, const char* units, const auto& column, unsigned roles) {
        if (!(roles & detail::OUTPUT)) return;
        using T = typename std::decay_t<decltype(column)>::value_type;
        if constexpr (std::is_floating_point_v<T>) {
          o.firm_real.push_back(
              o.make_series<double>(o.series.id(), {name, units}, o.firm_capacity, true));
        } else if constexpr (std::is_arithmetic_v<T>) {
          o.firm_int.push_back(
              o.make_series<std::int32_t>(o.series.id(), {name, units}, o.firm_capacity, true));
        }
      });
  o.metrics = o.group(root, "metrics");
  for (const auto& spec : METRIC_REAL)
    o.metric_real.push_back(o.make_series<double>(o.metrics.id(), spec, 1, false));
  for (const auto& spec : METRIC_INT)
    o.metric_int.push_back(o.make_series<std::int64_t>(o.metrics.id(), spec, 1, false));
  o.by_country = o.group(o.metrics.id(), "by_country");
  for (const auto& spec : COUNTRY) {
    if (std::string(spec.name) == "brain_drain_share") {
      o.country_real.push_back(o.make_series<double>(o.by_country.id(), spec, o.countries, true));
    } else {
      o.country_int.push_back(
          o.make_series<std::int64_t>(o.by_country.id(), spec, o.countries, true));
    }
  }

  o.events = o.group(root, "events");
  const hid_t ev = o.events.id();
  const auto col = [&](auto tag, const char* name, const char* units) {
    using T = decltype(tag);
    if (o.reopen) return h5::open_dataset(ev, name);
    h5::Handle ds = h5::create_dataset<T>(ev, name, {0}, {EVENT_BLOCK}, o.gzip);
    if (units[0] != '\0') h5::write_attribute(ds.id(), "units", std::string(units));
    return ds;
  };
  o.ev_step = col(std::int32_t{}, "step", "step");
  o.ev_researcher = col(std::int32_t{}, "researcher", "");
  o.ev_from = col(std::int32_t{}, "from_firm", "");
  o.ev_to = col(std::int32_t{}, "to_firm", "");
  o.ev_kind = col(std::int8_t{}, "kind", "");
  std::vector<std::string> kinds;
  for (std::size_t k = 0; k < EVENT_KIND_COUNT; ++k)
    kinds.emplace_back(to_string(static_cast<EventKind>(k)));
  if (!o.reopen) h5::write_attribute(o.ev_kind.id(), "kind_names", kinds);
  o.ev_salary = col(double{}, "salary", "USD/yr");
  o.ev_signing = col(double{}, "signing", "USD");
  o.ev_equity = col(double{}, "equity", "USD");
  o.ev_value = col(double{}, "annual_value", "USD/yr");
  o.ev_outreach = col(std::int8_t{}, "outreach", "flag");

  h5::Handle researchers = o.group(root, "researchers");
  o.snapshots = o.group(researchers.id(), "snapshots");
  if (o.reopen) {
    o.snap_step = h5::open_dataset(o.snapshots.id(), "step");
    o.snap_employer = h5::open_dataset(o.snapshots.id(), "employer");
    o.snap_value = h5::open_dataset(o.snapshots.id(), "annual_value");
  } else {
    o.snap_step = h5::create_dataset<std::int32_t>(o.snapshots.id(), "step", {0}, {64}, o.gzip);
    h5::write_attribute(o.snap_step.id(), "units", std::string("step"));
    const std::size_t chunk =
        std::min(SNAPSHOT_CHUNK, std::max<std::size_t>(1, sim.researchers().size()));
    o.snap_employer = h5::create_dataset<std::int32_t>(o.snapshots.id(), "employer", {0, 0},
                                                       {1, chunk}, o.gzip, NOT_PRESENT, true);
    o.snap_value = h5::create_dataset<double>(o.snapshots.id(), "annual_value", {0, 0}, {1, chunk},
                                              o.gzip, 0.0, true);
    h5::write_attribute(o.snap_value.id(), "units", std::string("USD/yr"));
  }
  researchers.close();
  researchers.close();
}

// What both constructors derive from the path and the scenario.
void OutputWriter::Impl::configure(const std::string& path, const Scenario& sc) {
  Impl& o = *this;
  o.path = path;
  o.tmp = path + ".tmp";
  o.gzip = static_cast<int>(sc.output.compression);
  o.firm_capacity = sc.firms.size() + static_cast<std::size_t>(sc.founders.max_new_firms);
  o.countries = sc.countries.size();
}

OutputWriter::OutputWriter(const std::string& path, const Simulation& sim)
    : impl_(std::make_unique<Impl>()) {
  Impl& o = *impl_;
  o.configure(path, sim.scenario());
  o.open_file({});
  o.setup(sim);
  o.record(sim);
}

OutputWriter::OutputWriter(const std::string& path, const Simulation& sim, const OutputState& state,
                           const std::string& bytes)
    : impl_(std::make_unique<Impl>()) {
  Impl& o = *impl_;
  o.configure(path, sim.scenario());
  o.reopen = true;
  o.open_file(bytes);
  o.setup(sim);
  o.next_row = state.rows;
  o.events_written = state.events;
  o.snapshots_written = state.snapshots;
}

OutputState OutputWriter::flush() {
  Impl& o = *impl_;
  o.flush_rows();
  o.flush_events(true);
  o.worker.drain();
  detail::fault_point("flush");
  h5::check(H5Fflush(o.file.id(), H5F_SCOPE_GLOBAL), "flushing the output");
  return {o.next_row, o.events_written, o.snapshots_written};
}

const std::string& OutputWriter::temp_path() const noexcept {
  return impl_->tmp;
}

OutputWriter::~OutputWriter() = default;

const std::string& OutputWriter::path() const noexcept {
  return impl_->path;
}

void OutputWriter::write_step(const Simulation& sim) {
  impl_->record(sim);
}

std::string OutputWriter::nonfinite_summary() const {
  std::int64_t total = 0;
  std::string where;
  for (const auto& [name, count] : impl_->nonfinite) {
    total += count;
    where += (where.empty() ? "" : ", ") + name;
  }
  return total == 0 ? std::string()
                    : std::to_string(total) + " values are not finite numbers (in " + where + ")";
}

double OutputWriter::background_seconds() const {
  return impl_->worker.background() ? impl_->worker.busy_seconds() : 0.0;
}

void OutputWriter::finish(const Simulation& sim) {
  Impl& o = *impl_;
  o.flush_rows();
  o.flush_events(true);
  o.worker.drain();
  const hid_t root = o.file.id();
  const Scenario& sc = sim.scenario();
  {
    h5::Handle g = h5::create_group(root, "countries");
    std::vector<std::string> names;
    for (const Country& c : sc.countries) names.push_back(c.name);
    h5::write_strings(g.id(), "name", names);
    g.close();
  }
  {
    h5::Handle g = h5::create_group(root, "fields");
    h5::write_strings(g.id(), "name", sc.fields);
    g.close();
  }
  {
    const FirmTable& F = sim.firms();
    std::vector<std::string> names = sim.firm_names(), kinds;
    std::vector<std::int32_t> country;
    names.resize(o.firm_capacity);
    for (std::size_t f = 0; f < o.firm_capacity; ++f) {
      kinds.emplace_back(f < F.size() ? std::string(to_string(F.kind[f])) : std::string());
      country.push_back(f < F.size() ? F.country[f] : -1);
    }
    h5::write_strings(o.firms.id(), "name", names);
    h5::write_strings(o.firms.id(), "kind", kinds);
    h5::write_vector(o.firms.id(), "country", country, o.gzip);
    // The exit of each firm (engine/firm_columns.hpp, STATIC): unused slots
    // and firms still in the market hold step -1, buyer -1, reason 0.
    detail::firm_columns(
        F, [&](const char* name, const char* units, const auto& column, unsigned roles) {
          if (!(roles & detail::STATIC)) return;
          using T = typename std::decay_t<decltype(column)>::value_type;
          if constexpr (std::is_arithmetic_v<T>) {
            const bool minus_one =
                std::string_view(name) == "exit_step" || std::string_view(name) == "exit_buyer";
            if constexpr (std::is_same_v<T, std::uint8_t>) {
              std::vector<std::int8_t> out(o.firm_capacity, 0);
              for (std::size_t f = 0; f < F.size(); ++f)
                out[f] = static_cast<std::int8_t>(column[f]);
              h5::write_vector(o.firms.id(), name, out, o.gzip);
            } else {
              std::vector<T> out(o.firm_capacity, minus_one ? T(-1) : T(0));
              std::copy(column.begin(), column.end(), out.begin());
              h5::write_vector(o.firms.id(), name, out, o.gzip);
            }
            const h5::Handle ds = h5::open_dataset(o.firms.id(), name);
            if (units[0] != '\0') h5::write_attribute(ds.id(), "units", std::string(units));
            if (std::string_view(name) == "exit_reason") {
              std::vector<std::string> reasons;
              for (std::size_t k = 0; k < EXIT_REASON_COUNT; ++k) {
                reasons.emplace_back(to_string(static_cast<ExitReason>(k)));
              }
              h5::write_attribute(ds.id(), "reason_names", reasons);
            }
          }
        });
  }
  {
    const ResearcherTable& R = sim.researchers();
    h5::Handle grp(h5::check_id(H5Gopen2(root, "researchers", H5P_DEFAULT), "opening researchers"),
                   H5Gclose);
    detail::researcher_columns(
        R, [&](const char* name, const char* units, const auto& column, unsigned roles) {
          if (!(roles & detail::OUTPUT)) return;
          using T = typename std::decay_t<decltype(column)>::value_type;
          if constexpr (std::is_same_v<T, std::uint8_t>) {
            // Small codes (field) are stored as int16, as schema 1 had them.
            h5::write_vector(grp.id(), name,
                             std::vector<std::int16_t>(column.begin(), column.end()), o.gzip);
          } else if constexpr (std::is_arithmetic_v<T>) {
            h5::write_vector(grp.id(), name, column, o.gzip);
          }
          if (units[0] != '\0') {
            h5::write_attribute(h5::open_dataset(grp.id(), name).id(), "units", std::string(units));
          }
        });
    grp.close();
  }
  if (sc.output.network) {
    h5::Handle g = h5::create_group(root, "network");
    const auto& ties = sim.network().tie_list();
    const hsize_t n = ties.size();
    // Created empty and grown by the write, so write_block encodes whole chunks itself.
    h5::Handle ds = h5::create_dataset<std::int32_t>(g.id(), "edges", {0, 2},
                                                     {std::clamp<hsize_t>(n, 1, 65536), 2}, o.gzip);
    std::vector<std::int32_t> flat;
    flat.reserve(2 * n);
    for (const auto& [a, b] : ties) {
      flat.push_back(static_cast<std::int32_t>(a));
      flat.push_back(static_cast<std::int32_t>(b));
    }
    h5::write_block(ds.id(), flat.data(), {0, 0}, {n, 2});
    ds.close();
    g.close();
  }
  h5::write_attribute(root, "complete", static_cast<std::int64_t>(sim.finished() ? 1 : 0));
  // The scenario as it ran: changes made between steps (Simulation::set)
  // are timeline events in it.
  h5::write_attribute(root, "scenario", to_toml(sc));
  if (!o.nonfinite.empty()) {
    std::int64_t total = 0;
    std::vector<std::string> where;
    for (const auto& [name, count] : o.nonfinite) {
      total += count;
      where.push_back(name + ": " + std::to_string(count));
    }
    h5::write_attribute(root, "nonfinite_values", total);
    h5::write_attribute(root, "nonfinite_datasets", where);
  }
  o.close_all(true);
  detail::fault_point("finish");
  // Make the data durable before the rename makes it visible.
  o.lock->sync();
  if (!o.lock->still_at_path()) {
    throw io_error(o.tmp + " was moved or replaced during the run; the output is lost");
  }
  if (::rename(o.tmp.c_str(), o.path.c_str()) != 0) {
    throw io_error("cannot rename " + o.tmp + " to " + o.path + ": " + detail::errno_text(errno));
  }
  detail::sync_directory(o.path);
  o.lock.reset();
  o.finished = true;
}

}  // namespace talentsim
