# Every target bootstraps its own virtual environment from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench compare load lint clean deps web
WEB    := web/dist/build.json

# Debian packages: libsodium23 (pysodium, privacy/), chromium (the /docs page and the phone
# wallet are tested in a real browser), nodejs and npm (they build the wallet's static files).
# As root, install what is missing.
deps:
	@missing=""; \
	{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q libsodium.so.23 || missing="libsodium23"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v node >/dev/null || missing="$$missing nodejs"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -q && apt-get install -y -q $$missing; \
	  else echo "missing Debian packages:$$missing (sudo apt-get install$$missing)" >&2; exit 1; fi; \
	fi

$(STAMP): pyproject.toml | deps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# The phone wallet and explorer (web/): pinned npm packages, copied with the sources into
# web/dist, which the node serves at /wallet/ and /explorer/.
web/node_modules/.package-lock.json: web/package-lock.json | deps
	cd web && npm ci --no-audit --no-fund --loglevel=error

$(WEB): web/node_modules/.package-lock.json web/build.mjs $(shell find web/src -type f 2>/dev/null)
	cd web && npm run --silent build

web: $(WEB)

run: $(STAMP) $(WEB)
	$(BIN)/python -m node.demo --data ./data

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ledger wallet api

test: lint $(WEB)
	$(BIN)/python -m pytest -q

bench: $(STAMP) $(WEB)
	@mkdir -p reports
	$(BIN)/python -m loadtests.bench_core --json reports/bench_core.json
	$(BIN)/python -m loadtests.bench_privacy --json reports/bench_privacy.json
	$(BIN)/python -m loadtests.bench_offline --json reports/bench_offline.json
	$(BIN)/python -m loadtests.bench_api --json reports/bench_api.json
	$(BIN)/python -m loadtests.bench_wallet --json reports/bench_wallet.json

compare: $(STAMP)
	@mkdir -p reports
	$(BIN)/python -m loadtests.pow_compare --json reports/pow_compare.json

# Locust against a fresh node, then SLOs, audit and acknowledgements; LOAD_ARGS="--users 40".
load: $(STAMP)
	@mkdir -p reports
	$(BIN)/python -m loadtests.load --reports reports $(LOAD_ARGS)

clean:
	rm -rf $(VENV) data reports web/dist web/node_modules
