# unchanging.ink — the two commands a new user needs:
#   make up     install what is missing, build, start the whole stack, print the URL
#   make test   install what is missing, build, run every test
SHELL := /bin/bash
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: failover up down status logs deps build web test test-unit bench fuzz mutants format check-format tsan asan clean lighthouse

up: deps build web
	scripts/stack.sh up

down:
	scripts/stack.sh down

status:
	scripts/stack.sh status

logs:
	scripts/stack.sh logs

# Promote a PostgreSQL standby (INK_PG_STANDBYS > 0) and re-attach the old primary.
failover:
	scripts/stack.sh failover

deps:
	scripts/install-deps.sh --web

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

web:
	@if [ -f web/package.json ]; then scripts/build-web.sh; fi

# Everything: formatting and layering checks, C++ unit and integration tests
# (ctest starts private PostgreSQL and Redis), end-to-end and attack suites
# through nginx, the unit and integration tests again under ASan+UBSan, the
# web page's type check, format check, unit and browser tests. Warnings are
# errors in the test build.
test:
	scripts/install-deps.sh --web --browser --promtool
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DINK_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	$(MAKE) build web
	scripts/run-tests.sh

test-unit: build
	ctest --test-dir $(BUILD) -L unit --output-on-failure

bench: build
	scripts/run-bench.sh

fuzz:
	scripts/fuzz.sh

# One-line mutants of the hashing, CBOR and proof checks; each must fail the
# unit tests (scripts/mutants.sh lists them and why).
mutants: build
	scripts/mutants.sh

# Lighthouse scores of the web page (mobile preset) on a stack of its own.
lighthouse: build web
	scripts/lighthouse.sh

# Unit and integration tests under sanitizers, each in its own build folder.
asan:
	scripts/sanitize.sh address,undefined

tsan:
	scripts/sanitize.sh thread

check-format:
	scripts/check-format.sh

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp')

clean:
	rm -rf $(BUILD)
