# talentsim: the two commands of the README quick start are `make run` and
# `make test`; both install what is missing, configure and build first.

BUILD_DIR ?= build/release
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
TALENTSIM := $(BUILD_DIR)/bin/talentsim
PYTHON := /usr/bin/python3
SOURCES = $(shell find sim tests -name '*.cpp' -o -name '*.hpp')

.PHONY: all deps configure build run test format format-check docs notebook clean

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
	@$(TALENTSIM) run -o runs/meta_superintelligence_2025.h5

test: build format-check
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)
	@TALENTSIM_BINARY=$(CURDIR)/$(TALENTSIM) $(PYTHON) -m pytest -q tests/python

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
	@rm -rf build
