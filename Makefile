# Thin wrapper over CMake. The build goes to build/; the tool is build/emutime.
# Sanitizer builds go to build-asan/ and build-tsan/, benchmarks to build-bench/,
# the installed build to build-install/, the coverage build to build-coverage/.

JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX  ?= /usr/local
CMAKE   ?= cmake
GEN     := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
CMFLAGS ?=

.PHONY: all build run check check-asan check-tsan check-fuzz check-qemu check-qemu-baseline check-all coverage fuzz bench install clean demo-linux

all: build

# configure DIR FLAGS: configure DIR when it has not been, or afresh when the
# flags differ from those it was last configured with (kept in DIR/.cmflags),
# so that changing CMFLAGS is never silently ignored.
define configure
	@if [ ! -f $(1)/CMakeCache.txt ] || [ "$$(cat $(1)/.cmflags 2>/dev/null)" != "$(strip $(2))" ]; then \
		echo "configuring $(1): $(strip $(2))"; \
		$(CMAKE) -S . -B $(1) $(GEN) --fresh $(2) >/dev/null && echo "$(strip $(2))" > $(1)/.cmflags; \
	fi
endef

build:
	$(call configure,build,$(CMFLAGS))
	$(CMAKE) --build build -j $(JOBS)

# The main job: the emutime tool on its built-in default machine.
run: build
	./build/emutime run

check: build
	cd build && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
check-asan:
	$(call configure,build-asan,-DEMUTIME_SANITIZE=address -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMFLAGS))
	$(CMAKE) --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

# The concurrency suite (and the unit tests) under ThreadSanitizer.
check-tsan:
	$(call configure,build-tsan,-DEMUTIME_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMFLAGS))
	$(CMAKE) --build build-tsan -j $(JOBS)
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
		ctest --output-on-failure -j $(JOBS) -L 'concurrency|unit'


# Line, function and branch coverage of the library (src/ alone: not the
# tests, tools or benchmarks) over the CTest suite, in an unoptimised gcov
# build in build-coverage/; prints lcov's summary and writes an HTML report
# to build-coverage/html/. The valgrind and install tests are left out (they
# rerun what the CLI tests run, under valgrind or from an installed copy), and
# so is headers/symbols (gcov's runtime adds exported symbols of its own).
# COVERAGE_MIN_LINES=N (a percentage) fails the target below N% of lines.
COVERAGE_MIN_LINES ?=
LCOV := lcov --quiet --rc lcov_branch_coverage=1
coverage:
	$(call configure,build-coverage,-DCMAKE_BUILD_TYPE=Debug -DEMUTIME_COVERAGE=ON $(CMFLAGS))
	$(CMAKE) --build build-coverage -j $(JOBS)
	$(LCOV) --zerocounters --directory build-coverage
	cd build-coverage && ctest --output-on-failure -j $(JOBS) -LE 'valgrind|install' -E '^headers/symbols$$'
	$(LCOV) --capture --directory build-coverage --base-directory . --output-file build-coverage/all.info
	$(LCOV) --extract build-coverage/all.info '$(CURDIR)/src/*' --output-file build-coverage/coverage.info
	@lcov --rc lcov_branch_coverage=1 --summary build-coverage/coverage.info 2>&1 | tee build-coverage/summary.txt
	@genhtml --quiet --branch-coverage --legend --title emutime \
		--output-directory build-coverage/html build-coverage/coverage.info
	@echo "HTML report: build-coverage/html/index.html"
	@if [ -n "$(COVERAGE_MIN_LINES)" ]; then \
		lines=$$(sed -n 's/^ *lines\.*: *\([0-9.]*\)%.*/\1/p' build-coverage/summary.txt); \
		if awk -v l="$$lines" -v m="$(COVERAGE_MIN_LINES)" 'BEGIN { exit !(l + 0 < m + 0) }'; then \
			echo "coverage: $$lines% of lines, below COVERAGE_MIN_LINES=$(COVERAGE_MIN_LINES)%" >&2; exit 1; \
		fi; \
		echo "coverage: $$lines% of lines, at least COVERAGE_MIN_LINES=$(COVERAGE_MIN_LINES)%"; \
	fi

# Fuzzing with libFuzzer (clang, ASan+UBSan): every target for FUZZ_SECONDS,
# starting from its seed corpus in tests/fuzz/corpus/; new inputs go to
# build-fuzz/corpus/ (copy the interesting ones into the seed corpus).
FUZZ_SECONDS ?= 60
fuzz:
	$(call configure,build-fuzz,-DCMAKE_C_COMPILER=clang -DEMUTIME_FUZZ=ON -DEMUTIME_SANITIZE=address -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMFLAGS))
	$(CMAKE) --build build-fuzz -j $(JOBS)
	@set -e; for f in build-fuzz/fuzz_*_libfuzzer; do \
		name=$$(basename $$f _libfuzzer); \
		mkdir -p build-fuzz/corpus/$$name; \
		echo "== $$name ($(FUZZ_SECONDS) s)"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -timeout=20 -print_final_stats=1 \
			build-fuzz/corpus/$$name tests/fuzz/corpus/$$name; \
	done

# CI's bounded fuzz smoke run.
check-fuzz:
	$(MAKE) fuzz FUZZ_SECONDS=15

# QEMU 7.2's own qtest programs, unmodified, against build/emutime-system-ARCH,
# judged by tests/qemu/expected-failures.txt (docs/qemu-tests.md).  The kit
# (the programs and a QEMU with the qtest accelerator) is built once, outside
# the tree, by scripts/qemu-qtest-kit.sh.  QEMU_QTEST_ARGS go to
# tests/qemu/run.sh, e.g. QEMU_QTEST_ARGS="-v cmsdk-apb-timer-test".
QEMU_QTEST_ARGS ?=
check-qemu: build
	@set -e; kit="$$(scripts/qemu-qtest-kit.sh)"; status=0; \
	tests/qemu/run.sh --kit "$$kit" --build build $(QEMU_QTEST_ARGS) || status=1; \
	if [ -x tests/qemu-diff/run.sh ]; then \
		tests/qemu-diff/run.sh "$$kit" build/emutime || status=1; \
	fi; \
	exit $$status

# The same cases against the kit's QEMU 7.2 itself: the baseline.
check-qemu-baseline:
	@set -e; kit="$$(scripts/qemu-qtest-kit.sh)"; \
	tests/qemu/run.sh --baseline --kit "$$kit" $(QEMU_QTEST_ARGS)

# What CI runs: warnings as errors, then the suite plain, QEMU's qtest
# programs, the suite under ASan+UBSan and the concurrency suite under TSan.
check-all:
	$(MAKE) check CMFLAGS="-DEMUTIME_WERROR=ON $(CMFLAGS)"
	$(MAKE) check-qemu CMFLAGS="-DEMUTIME_WERROR=ON $(CMFLAGS)"
	$(MAKE) check-asan CMFLAGS="-DEMUTIME_WERROR=ON $(CMFLAGS)"
	$(MAKE) check-tsan CMFLAGS="-DEMUTIME_WERROR=ON $(CMFLAGS)"
	$(MAKE) check-fuzz CMFLAGS="-DEMUTIME_WERROR=ON $(CMFLAGS)"

bench:
	$(call configure,build-bench,-DCMAKE_BUILD_TYPE=Release -DEMUTIME_BENCH=ON $(CMFLAGS))
	$(CMAKE) --build build-bench -j $(JOBS)
	$(CMAKE) --build build-bench --target run-bench

# Debian's kernel booted on examples/kvm-x86 (not a test, not in check-all:
# slow on a nested KVM; docs/embedding.md).
demo-linux: build
	bash examples/kvm-x86/demo-linux.sh build/examples/kvm-x86/kvm_x86 $(DEMO_TIMEOUT)

# What users install: an optimized build (no usage checks, no lock-order
# checker) in build-install/, building only what is installed (no tests,
# so no cmocka). CMFLAGS may turn options back on.
install:
	$(call configure,build-install,-DCMAKE_BUILD_TYPE=Release -DEMUTIME_TESTS=OFF $(CMFLAGS))
	$(CMAKE) --build build-install -j $(JOBS)
	$(CMAKE) --install build-install --prefix $(PREFIX)

clean:
	rm -rf build build-asan build-tsan build-bench build-fuzz build-install build-coverage
