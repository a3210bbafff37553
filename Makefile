# talentsim: the two commands of the README quick start are `make run` and
# `make test`; both install what is missing, configure and build first.

BUILD_DIR ?= build/release
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
TALENTSIM := $(BUILD_DIR)/bin/talentsim
PYTHON := /usr/bin/python3
SHELL := /bin/bash
SOURCES = $(shell find sim tests -name '*.cpp' -o -name '*.hpp')

.PHONY: all deps configure build run bench bench-baseline test test-quick san-build test-asan test-tsan fuzz fuzz-smoke \
  format format-check docs notebook clean

all: build

deps:
	@bash .ci/install-deps

configure: deps
	@mkdir -p $(BUILD_DIR) && cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DTALENTSIM_WARNINGS_AS_ERRORS=ON $(CMAKE_FLAGS) > $(BUILD_DIR)/configure.log 2>&1 \
	  || (cat $(BUILD_DIR)/configure.log; exit 1)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Runs the default scenario (the 2025 story, embedded in the binary) into runs/.
run: build
	@$(TALENTSIM) run -o runs/meta_superintelligence_2025.h5 --overwrite

# Benchmarks (docs/performance.md): Google Benchmark micro-benchmarks of each
# phase of the step, then the end-to-end scenarios of scenarios/bench/ (median
# of BENCH_REPEAT runs, 1 and 2 threads) and the 10k -> 10M scaling curve.
# Results: build/bench/{phases.json,results.md,results.json}.
# With BENCH_BASELINE=<commit> (default: 5830054, the last commit before the
# hot-path work of issue 15; BENCH_BASELINE= turns it off) the end-to-end
# scenarios also run with that commit's Release build (built once into
# build/baseline/<commit> from `git archive`), alternating run by run with
# this build, and an A/B table with the speedups is added.
BENCH_REPEAT ?= 3
BENCH_ARGS ?=
BENCH_BASELINE ?= 5830054
BASELINE_DIR = build/baseline/$(BENCH_BASELINE)
BASELINE_BIN = $(BASELINE_DIR)/build/bin/talentsim
bench: build $(if $(BENCH_BASELINE),bench-baseline)
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target talentsim_bench
	@mkdir -p build/bench
	@$(BUILD_DIR)/bin/talentsim_bench --benchmark_out=build/bench/phases.json \
	  --benchmark_out_format=json
	@$(PYTHON) tests/bench/run_bench.py --talentsim $(TALENTSIM) --out build/bench \
	  --repeat $(BENCH_REPEAT) $(if $(BENCH_BASELINE),--baseline $(BASELINE_BIN)) $(BENCH_ARGS)

# The baseline binary of `make bench` (Release, same flags as this build).
bench-baseline: deps
	@if [ ! -x $(BASELINE_BIN) ]; then \
	  rm -rf $(BASELINE_DIR) && mkdir -p $(BASELINE_DIR)/src && \
	  git archive $(BENCH_BASELINE) | tar -x -C $(BASELINE_DIR)/src && \
	  cmake -S $(BASELINE_DIR)/src -B $(BASELINE_DIR)/build -DCMAKE_BUILD_TYPE=Release \
	    $(CMAKE_FLAGS) > $(BASELINE_DIR)/configure.log 2>&1 && \
	  cmake --build $(BASELINE_DIR)/build -j $(JOBS) --target talentsim; \
	fi

# Every test: the Release suite (C++ and Python), the C++ tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer and under ThreadSanitizer, and
# a bounded fuzz run of the scenario loader (docs/reliability.md).
test: test-quick test-asan test-tsan fuzz-smoke

# The Release suite only (what to run while developing).
test-quick: build format-check
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)
	@TALENTSIM_BINARY=$(CURDIR)/$(TALENTSIM) $(PYTHON) -m pytest -q tests/python

# One instrumented build serves both the sanitizer tests and the fuzzer:
# clang, ASan + UBSan, libFuzzer coverage, -O1, invariants checked.
SAN_DIR := build/fuzz
san-build: deps
	@mkdir -p $(SAN_DIR) && cd $(SAN_DIR) && CC=clang CXX=clang++ cmake $(CURDIR) \
	  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DTALENTSIM_FUZZ=ON \
	  -DTALENTSIM_SANITIZE=address,undefined -DTALENTSIM_BUILD_TESTS=ON \
	  -DTALENTSIM_WARNINGS_AS_ERRORS=ON > configure.log 2>&1 || (cat configure.log; exit 1)
	@cmake --build $(SAN_DIR) -j $(JOBS)

test-asan: san-build
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  ctest --test-dir $(SAN_DIR) --output-on-failure -j $(JOBS)

test-tsan: deps
	@cmake --preset tsan > build.tsan.log 2>&1 || (cat build.tsan.log; exit 1)
	@cmake --build build/tsan -j $(JOBS)
	@TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --test-dir build/tsan --output-on-failure -j $(JOBS)

FUZZ_SECONDS ?= 300
FUZZ_ARGS = -timeout=10 -rss_limit_mb=2048 -artifact_prefix=$(SAN_DIR)/artifacts/ \
  -print_final_stats=1 $(SAN_DIR)/corpus scenarios tests/data/bad_scenarios \
  tests/data/fuzz_regressions

# Fuzzes the scenario loader for FUZZ_SECONDS; a crash leaves its input in
# build/fuzz/artifacts/ (add it to tests/data/fuzz_regressions/).
fuzz: san-build
	@mkdir -p $(SAN_DIR)/corpus $(SAN_DIR)/artifacts
	@$(SAN_DIR)/bin/fuzz_scenario -max_total_time=$(FUZZ_SECONDS) $(FUZZ_ARGS)

# A bounded run for make test: fails on a crash and prints the closing statistics.
fuzz-smoke: san-build
	@mkdir -p $(SAN_DIR)/corpus $(SAN_DIR)/artifacts
	@set -o pipefail; $(SAN_DIR)/bin/fuzz_scenario -max_total_time=30 $(FUZZ_ARGS) 2>&1 \
	  | grep -E "^(Done|==[0-9]+==|SUMMARY)|stat::number_of_executed_units"

# Runs the 2025 story notebook on a fresh run and renders it with its outputs.
notebook: run
	@TALENTSIM_RUN=$(CURDIR)/runs/meta_superintelligence_2025.h5 PYTHONPATH=$(CURDIR)/analysis \
	  $(PYTHON) -m nbconvert --to html --execute --ExecutePreprocessor.kernel_name=python3 \
	  --ExecutePreprocessor.timeout=600 --output-dir runs --output talent_war_2025 \
	  analysis/notebooks/talent_war_2025.ipynb
	@echo "notebook: runs/talent_war_2025.html"

format:
	@clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run -Werror $(SOURCES)

# Regenerates the key references in docs/scenarios.md and docs/sweeps.md.
docs: build
	@$(PYTHON) tests/tools/update_key_reference.py $(TALENTSIM) docs/scenarios.md
	@$(PYTHON) tests/tools/update_key_reference.py $(TALENTSIM) docs/sweeps.md sweep plan --schema

clean:
	@rm -rf build build.asan.log build.tsan.log

.PHONY: story-checks backtest-checks baseline-checks scenario-library gallery

# The 10-seed checks of the 2025 story and its counterfactual (docs/calibration.md).
story-checks: build
	@TALENTSIM_BINARY=$(CURDIR)/$(TALENTSIM) PYTHONPATH=$(CURDIR)/analysis \
	  $(PYTHON) analysis/checks/story_checks.py --seeds 10

# The 2019-2022 backtest against MacroPolo 2022.
backtest-checks: build
	@TALENTSIM_BINARY=$(CURDIR)/$(TALENTSIM) PYTHONPATH=$(CURDIR)/analysis \
	  $(PYTHON) analysis/checks/backtest_checks.py --seeds 10

# The steady no-shock baseline of issue 14 on 10 seeds never used in fitting
# (docs/calibration.md, "The steady baseline").
baseline-checks: build
	@TALENTSIM_BINARY=$(CURDIR)/$(TALENTSIM) PYTHONPATH=$(CURDIR)/analysis \
	  $(PYTHON) analysis/checks/baseline_checks.py --seeds 10

# Regenerates the scenarios derived from the story and the calibration table.
scenario-library:
	@$(PYTHON) analysis/scripts/make_no_lab.py
	@$(PYTHON) analysis/scripts/make_policy_scenarios.py
	@$(PYTHON) analysis/scripts/calibration_table.py scenarios/meta_superintelligence_2025.toml \
	  --update docs/calibration.md

# Runs every gallery scenario (10 seeds, about a minute) and rewrites
# docs/figures/*.png and the numbers in docs/scenarios-gallery.md.
gallery: build scenario-library
	@TALENTSIM_BINARY=$(CURDIR)/$(TALENTSIM) PYTHONPATH=$(CURDIR)/analysis \
	  $(PYTHON) analysis/scripts/gallery.py --seeds 10
