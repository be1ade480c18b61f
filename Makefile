# sekisho: top-level entry points. Everything installs what it needs first.
#   make demo   build (release) and watch the real IoT captures, print the inventory
#   make test   build with ASan/UBSan and run unit, golden, fuzz-replay and e2e tests
#   make bench  build (release) and run the benchmarks against peers (docs/BENCHMARKS.md)
#   make fuzz   build the libFuzzer targets (clang) and fuzz each for FUZZ_SECONDS
SHELL := /bin/bash
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 60
SHARED ?= $(abspath $(CURDIR)/../shared)

.PHONY: all deps release asan demo test bench fuzz format tidy clean

all: release

deps:
	@scripts/install-deps.sh

release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

demo: release
	@SHARED="$(SHARED)" scripts/demo.sh

test: asan
	cd build/asan && ctest -j $(JOBS) --output-on-failure --timeout 900

bench: release
	SHARED="$(SHARED)" bench/run.sh

fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh build/fuzz

format:
	git ls-files "*.cpp" "*.h" "*.c" | xargs clang-format -i

tidy: asan
	git ls-files 'src/*.cpp' | xargs clang-tidy -p build/asan --quiet

clean:
	rm -rf build
