// talentsim._engine: the engine for Python (pybind11). Thin: a Simulation
// built from a scenario (file, embedded name or TOML text) with overrides,
// stepped with the GIL released, its tables copied out as numpy arrays,
// parameters changed between steps with Simulation::set, and an optional
// HDF5 output written by the same FileRun as `talentsim run` (checkpoints,
// interruption). The Python package wraps it (analysis/talentsim/engine.py).

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <tbb/global_control.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>

#include "engine/firm_columns.hpp"
#include "talentsim/errors.hpp"
#include "talentsim/output.hpp"
#include "talentsim/run.hpp"
#include "talentsim/simulation.hpp"
#include "talentsim/version.hpp"
#include "util/stop.hpp"

namespace py = pybind11;
using namespace talentsim;

namespace {

template <class T>
py::array_t<T> array(const std::vector<T>& v) {
  return py::array_t<T>(static_cast<py::ssize_t>(v.size()), v.data());  // a copy
}

// One engine run, owned by a Python object.
class PySimulation {
 public:
  PySimulation(const std::string& scenario, bool is_text, const std::vector<Override>& overrides,
               std::optional<int> threads) {
    if (threads) {
      if (*threads < 1 || *threads > 1024) {
        throw user_error("threads must be between 1 and 1024, got " + std::to_string(*threads));
      }
      limit_ = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                     static_cast<std::size_t>(*threads));
    }
    Scenario sc;
    if (is_text) {
      sc = load_scenario_text(scenario, "<python>", overrides);
    } else if (scenario.starts_with("embedded:")) {
      const std::string name = scenario.substr(9);
      const EmbeddedScenario* found = nullptr;
      for (const EmbeddedScenario& e : embedded_scenarios()) {
        if (e.name == name) found = &e;
      }
      if (found == nullptr) throw user_error("no embedded scenario named '" + name + "'");
      sc = load_scenario_text(found->text, "<embedded:" + name + ">", overrides);
    } else {
      sc = load_scenario(scenario, overrides);
    }
    notes_ = sc.notes;
    sim_ = std::make_unique<Simulation>(std::move(sc));
  }

  Simulation& sim() { return run_ ? run_->simulation() : *sim_; }

  // Steps up to n (to the end when n < 0); after_step (Python) after each.
  // With an output file the steps go through FileRun, exactly as in
  // `talentsim run`: a stop (Ctrl-C, SIGTERM) writes a checkpoint and the
  // output marked incomplete; the run is then resumed from that checkpoint
  // at once, so this object can go on, and KeyboardInterrupt is raised.
  std::int64_t run(std::int64_t n, const std::function<void()>& after_step) {
    Simulation& s = sim();
    if (n < 0) n = s.scenario().run.steps - s.step_index();
    const std::int64_t start = s.step_index();
    struct Callback final : Observer {
      const std::function<void()>* python = nullptr;
      void after_step(const Simulation&) override {
        if (python != nullptr && *python) {
          py::gil_scoped_acquire gil;
          (*python)();
        }
      }
    } callback;
    callback.python = &after_step;
    RunEnd end;
    {
      py::gil_scoped_release free;
      detail::clear_stop_request();
      if (writing()) {
        end = run_->run(n, {&callback});
      } else {
        detail::StopSignals signals;  // Ctrl-C stops after the step in progress
        end = run_steps(s, n, {&callback});
      }
    }
    const std::int64_t made = sim().step_index() - start;
    if (writing() && sim().finished()) writing_ = false;  // FileRun finished the file
    if (end == RunEnd::interrupted) {
      detail::clear_stop_request();
      if (writing()) {
        const RunFiles files = run_->files();
        py::gil_scoped_release free;
        run_ = FileRun::resume(files.checkpoint, files);
      }
      PyErr_SetNone(PyExc_KeyboardInterrupt);
      throw py::error_already_set();
    }
    return made;
  }

  void write(const std::string& path, bool overwrite, std::int64_t checkpoint_every,
             const std::string& checkpoint) {
    if (run_) throw user_error("this simulation already writes " + run_->writer().path());
    if (sim_->step_index() != 0) {
      throw user_error("write() must come before the first step (the file holds every step)");
    }
    if (checkpoint_every < 0) {
      throw user_error("checkpoint_every must be at least 0, got " +
                       std::to_string(checkpoint_every));
    }
    check_output_target(path, overwrite ? ExistingOutput::replace : ExistingOutput::refuse,
                        "write()");
    if (const auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) {
      std::filesystem::create_directories(parent);
    }
    run_ = std::make_unique<FileRun>(std::move(sim_), RunFiles{path, checkpoint, checkpoint_every});
    writing_ = true;
  }

  // Finishes the output (marked incomplete when the run has not ended).
  std::optional<std::string> finish() {
    if (!writing()) return std::nullopt;
    run_->writer().finish(sim());
    writing_ = false;
    return run_->writer().path();
  }

  const std::vector<std::string>& notes() const { return notes_; }
  std::optional<std::string> output() const {
    return writing() ? std::optional<std::string>(run_->writer().path()) : std::nullopt;
  }
  std::optional<std::string> checkpoint() const {
    return writing() ? std::optional<std::string>(run_->files().checkpoint) : std::nullopt;
  }

 private:
  bool writing() const { return run_ && writing_; }

  std::unique_ptr<tbb::global_control> limit_;
  std::unique_ptr<Simulation> sim_;  // until write(): then run_ owns it
  std::unique_ptr<FileRun> run_;
  bool writing_ = false;  // run_'s output is still open
  std::vector<std::string> notes_;
};

// The tables' columns come from their one declaration (engine/firm_columns.hpp):
// a column added there reaches Python without an edit here.
py::dict researchers(PySimulation& s) {
  const ResearcherTable& R = s.sim().researchers();
  py::dict d;
  detail::researcher_columns(R, [&](const char* name, const char*, const auto& column, unsigned) {
    if (std::string_view(name) != "slot") d[name] = array(column);  // slot: an internal index
  });
  return d;
}

py::dict firms(PySimulation& s) {
  const FirmTable& F = s.sim().firms();
  py::dict d;
  d["name"] = s.sim().firm_names();
  std::vector<std::string> kinds;
  std::vector<std::int32_t> headcount;
  for (std::size_t f = 0; f < F.size(); ++f) {
    kinds.emplace_back(to_string(F.kind[f]));
    headcount.push_back(F.headcount(f));
  }
  d["kind"] = kinds;
  d["country"] = array(F.country);
  d["headcount"] = array(headcount);
  // Every column the output writes: the firm series and the exit columns.
  detail::firm_columns(F, [&](const char* name, const char*, const auto& column, unsigned roles) {
    using Column = std::decay_t<decltype(column)>;
    if constexpr (detail::is_number_column<Column>) {
      if (roles & (detail::OUTPUT | detail::STATIC)) d[name] = array(column);
    }
  });
  return d;
}

py::dict metrics(PySimulation& s) {
  const StepMetrics& m = s.sim().metrics();
  py::dict d;
  d["step"] = s.sim().step_index();
  d["talent_hhi"] = m.talent_hhi;
  d["top1pct_share_top3"] = m.top1pct_share_top3;
  d["pay_median"] = m.pay_median;
  d["pay_p99"] = m.pay_p99;
  d["pay_max"] = m.pay_max;
  d["pay_gini"] = m.pay_gini;
  d["progress_gap"] = m.progress_gap;
  d["moves"] = m.moves;
  d["poaches"] = m.poaches;
  d["hires_from_pool"] = m.hires_from_pool;
  d["retentions"] = m.retentions;
  d["bankruptcies"] = m.bankruptcies;
  d["acquisitions"] = m.acquisitions;
  d["spinouts"] = m.spinouts;
  d["active_startups"] = m.active_startups;
  d["progress_leader"] = static_cast<std::int64_t>(m.progress_leader);
  d["brain_drain_share"] = array(m.brain_drain_share);
  return d;
}

py::dict events(PySimulation& s) {
  const auto& ev = s.sim().events();
  std::vector<std::int32_t> step, researcher, from, to;
  std::vector<std::string> kind;
  std::vector<double> salary, signing, equity, value;
  std::vector<std::uint8_t> outreach;
  for (const Event& e : ev) {
    step.push_back(e.step);
    researcher.push_back(e.researcher);
    from.push_back(e.from_firm);
    to.push_back(e.to_firm);
    kind.emplace_back(to_string(e.kind));
    salary.push_back(e.salary);
    signing.push_back(e.signing);
    equity.push_back(e.equity);
    value.push_back(e.annual_value);
    outreach.push_back(e.outreach);
  }
  py::dict d;
  d["step"] = array(step);
  d["researcher"] = array(researcher);
  d["from_firm"] = array(from);
  d["to_firm"] = array(to);
  d["kind"] = kind;
  d["salary"] = array(salary);
  d["signing"] = array(signing);
  d["equity"] = array(equity);
  d["annual_value"] = array(value);
  d["outreach"] = array(outreach);
  return d;
}

}  // namespace

PYBIND11_MODULE(_engine, m) {
  m.doc() = "The talentsim engine (C++), wrapped by talentsim.Simulation.";
  // Errors keep their one-line message: bad input is a ValueError, a
  // runtime or I/O failure an OSError.
  py::register_exception<user_error>(m, "InputError", PyExc_ValueError);
  py::register_exception<io_error>(m, "EngineIOError", PyExc_OSError);
  m.attr("version") = std::string(version());
  m.attr("git_commit") = std::string(git_commit());
  m.def("embedded_scenarios", [] {
    std::vector<std::string> names;
    for (const EmbeddedScenario& e : embedded_scenarios()) names.emplace_back(e.name);
    return names;
  });
  py::class_<PySimulation>(m, "Simulation")
      .def(py::init([](const std::string& scenario, bool is_text,
                       const std::vector<std::pair<std::string, std::string>>& overrides,
                       std::optional<int> threads) {
             std::vector<Override> o;
             for (const auto& [path, value] : overrides) o.push_back({path, value});
             return std::make_unique<PySimulation>(scenario, is_text, o, threads);
           }),
           py::arg("scenario"), py::arg("is_text"), py::arg("overrides"), py::arg("threads"))
      .def("step",
           [](PySimulation& s) {
             if (s.sim().finished()) throw user_error("the run has ended");
             return s.run(1, {});
           })
      .def("run", &PySimulation::run, py::arg("n"), py::arg("after_step") = nullptr)
      .def("set", [](PySimulation& s, const std::string& path,
                     const std::string& value) { s.sim().set(path, value); })
      .def("write", &PySimulation::write, py::arg("path"), py::arg("overwrite") = false,
           py::arg("checkpoint_every") = 0, py::arg("checkpoint") = "")
      .def("finish", &PySimulation::finish)
      .def_property_readonly("output", &PySimulation::output)
      .def_property_readonly("checkpoint", &PySimulation::checkpoint)
      .def_property_readonly("step_index", [](PySimulation& s) { return s.sim().step_index(); })
      .def_property_readonly("steps", [](PySimulation& s) { return s.sim().scenario().run.steps; })
      .def_property_readonly("finished", [](PySimulation& s) { return s.sim().finished(); })
      .def_property_readonly("scenario_toml",
                             [](PySimulation& s) { return to_toml(s.sim().scenario()); })
      .def_property_readonly("notes", &PySimulation::notes)
      .def_property_readonly("countries",
                             [](PySimulation& s) {
                               std::vector<std::string> names;
                               for (const Country& c : s.sim().scenario().countries)
                                 names.push_back(c.name);
                               return names;
                             })
      .def("researchers", &researchers)
      .def("firms", &firms)
      .def("metrics", &metrics)
      .def("events", &events);
}
