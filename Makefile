# One entry point for people and CI. `make run` and `make test` install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

## Start the service on the embedded SQLite database with the demo catalog loaded.
run: $(STAMP)
	$(BIN)/onething serve --demo --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

## Lint, types and the whole suite (SQLite, a throwaway PostgreSQL, headless Chromium).
## The suite runs in JOBS processes, a test file each; the API fuzz runs as a process of its
## own beside them (its cases share one test id, so a parallel run would keep only one).
JOBS ?= 2
test: lint
	./scripts/ensure-chromium
	@mkdir -p var
	$(BIN)/python -m pytest -p no:cacheprovider tests/test_fuzz.py >var/test-fuzz.log 2>&1 & \
	fuzz=$$!; \
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --ignore tests/test_fuzz.py; suite=$$?; \
	wait $$fuzz; fuzzed=$$?; \
	echo "--- the API fuzz, run beside the suite (var/test-fuzz.log):"; tail -n 5 var/test-fuzz.log; \
	test $$suite -eq 0 && test $$fuzzed -eq 0

## Benchmarks (small by default: SIZE=1000000 for a province); results in bench/results/.
SIZE ?= 20000
bench: $(STAMP)
	@command -v wrk >/dev/null || ./scripts/ensure-wrk
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.lifecycle
	$(BIN)/python -m bench.lifecycle --postgres
	$(BIN)/python -m bench.scale --applications $(SIZE)
	$(BIN)/python -m bench.scale --applications $(SIZE) --postgres --data-dir var/bench-scale-pg

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
