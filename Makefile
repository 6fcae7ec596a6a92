# Thin wrapper over CMake. The build goes to build/; the tool is build/emutime.
# Sanitizer builds go to build-asan/ and build-tsan/, benchmarks to build-bench/.

JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX  ?= /usr/local
CMAKE   ?= cmake
GEN     := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
CMFLAGS ?=

.PHONY: all build run check check-asan check-tsan check-all bench install clean

all: build

build/CMakeCache.txt:
	$(CMAKE) -S . -B build $(GEN) $(CMFLAGS)

build: build/CMakeCache.txt
	$(CMAKE) --build build -j $(JOBS)

# The main job: the emutime tool on its built-in default machine.
run: build
	./build/emutime run

check: build
	cd build && ctest --output-on-failure -j $(JOBS)

build-asan/CMakeCache.txt:
	$(CMAKE) -S . -B build-asan $(GEN) -DEMUTIME_SANITIZE=address -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMFLAGS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
check-asan: build-asan/CMakeCache.txt
	$(CMAKE) --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

build-tsan/CMakeCache.txt:
	$(CMAKE) -S . -B build-tsan $(GEN) -DEMUTIME_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMFLAGS)

# The concurrency suite (and the unit tests) under ThreadSanitizer.
check-tsan: build-tsan/CMakeCache.txt
	$(CMAKE) --build build-tsan -j $(JOBS)
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		ctest --output-on-failure -j $(JOBS) -L 'concurrency|unit'

# What CI runs: warnings as errors, then the suite plain, under ASan+UBSan and
# the concurrency suite under TSan.
check-all:
	$(MAKE) check CMFLAGS="-DEMUTIME_WERROR=ON $(CMFLAGS)"
	$(MAKE) check-asan CMFLAGS="-DEMUTIME_WERROR=ON $(CMFLAGS)"
	$(MAKE) check-tsan CMFLAGS="-DEMUTIME_WERROR=ON $(CMFLAGS)"

build-bench/CMakeCache.txt:
	$(CMAKE) -S . -B build-bench $(GEN) -DCMAKE_BUILD_TYPE=Release -DEMUTIME_BENCH=ON $(CMFLAGS)

bench: build-bench/CMakeCache.txt
	$(CMAKE) --build build-bench -j $(JOBS)
	$(CMAKE) --build build-bench --target run-bench

install: build
	$(CMAKE) --install build --prefix $(PREFIX)

clean:
	rm -rf build build-asan build-tsan build-bench
