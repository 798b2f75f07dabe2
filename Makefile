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

# The tests' OpenID provider (tests/oidc: panva's oidc-provider, on Node.js), installed from
# its lock file once, again only when the lock file changes.
OIDC_STAMP := tests/oidc/node_modules/.installed-$(shell cksum tests/oidc/package-lock.json | cut -d' ' -f1)
$(OIDC_STAMP): tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## Start the service on the embedded SQLite database with the demo catalog loaded.
run: $(STAMP)
	$(BIN)/onething serve --demo --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

## Lint, types and the whole suite (SQLite, a throwaway PostgreSQL, headless Chromium, an
## OpenID provider on Node.js),
## in JOBS processes, a test file each.
JOBS ?= 2
test: lint $(OIDC_STAMP)
	./scripts/ensure-chromium
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile --no-loadscope-reorder --durations=15

## Benchmarks (small by default: SIZE=1000000 for a province); results in bench/results/.
SIZE ?= 20000
bench: $(STAMP)
	@command -v wrk >/dev/null || ./scripts/ensure-wrk
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.lifecycle
	$(BIN)/python -m bench.lifecycle --postgres
	$(BIN)/python -m bench.scale --applications $(SIZE)
	$(BIN)/python -m bench.scale --applications $(SIZE) --postgres --data-dir var/bench-scale-pg
	$(BIN)/python -m bench.policies --size $(SIZE)
	$(BIN)/python -m bench.policies --size $(SIZE) --postgres
	$(BIN)/python -m bench.library_search --size $(SIZE)
	$(BIN)/python -m bench.library_search --size $(SIZE) --postgres
	$(BIN)/python -m bench.mix --applications $(SIZE)
	$(BIN)/python -m bench.mix --applications $(SIZE) --pg-dir var/bench-mix-pg-$(SIZE)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
