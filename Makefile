# talentsim: the two commands of the README quick start are `make run` and
# `make test`; both install what is missing, configure and build first.

BUILD_DIR ?= build/release
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
TALENTSIM := $(BUILD_DIR)/bin/talentsim
PYTHON := /usr/bin/python3
SOURCES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)

.PHONY: all deps configure build run test test-cpp test-python format format-check docs clean

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
	@if [ -d analysis/tests ] || [ -d tests/python ]; then \
	  $(PYTHON) -m pytest -q tests/python; fi

format:
	@clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run -Werror $(SOURCES)

# Regenerates the key reference in docs/scenarios.md from the schema.
docs: build
	@$(PYTHON) tests/tools/update_key_reference.py $(TALENTSIM) docs/scenarios.md

clean:
	@rm -rf build
