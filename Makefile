# Every target bootstraps its own virtual environment from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench compare load lint clean deps

# Debian packages: libsodium23 (pysodium, privacy/) and chromium (the /docs page is tested
# in a real browser). As root, install what is missing.
deps:
	@missing=""; \
	{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q libsodium.so.23 || missing="libsodium23"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
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

run: $(STAMP)
	$(BIN)/python -m node.demo --data ./data

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ledger wallet api

test: lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	@mkdir -p reports
	$(BIN)/python -m loadtests.bench_core --json reports/bench_core.json
	$(BIN)/python -m loadtests.bench_privacy --json reports/bench_privacy.json
	$(BIN)/python -m loadtests.bench_offline --json reports/bench_offline.json
	$(BIN)/python -m loadtests.bench_api --json reports/bench_api.json

compare: $(STAMP)
	@mkdir -p reports
	$(BIN)/python -m loadtests.pow_compare --json reports/pow_compare.json

# Locust against a fresh node, then SLOs, audit and acknowledgements; LOAD_ARGS="--users 40".
load: $(STAMP)
	@mkdir -p reports
	$(BIN)/python -m loadtests.load --reports reports $(LOAD_ARGS)

clean:
	rm -rf $(VENV) data reports
