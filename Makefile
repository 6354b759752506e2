# Every target bootstraps its own virtual environment from pyproject.toml: `make run`
# installs what running a node needs, the other targets add the dev extras and test tools.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev
WEB    := web/dist/build.json

.PHONY: run test bench compare load lint clean deps deps-test web cluster bench-cluster

# Debian packages, as root installed when missing: what running needs (libsodium23 for
# pysodium, privacy/; nodejs and npm build the phone wallet's static files), and what only
# the tests need (chromium: the /docs page and the phone wallet are tested in a real browser).
define apt_need
	@missing=""; for check in $(1); do \
	  package=$${check%%:*}; probe=$${check#*:}; sh -c "$$probe" >/dev/null 2>&1 || missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -q && apt-get install -y -q $$missing; \
	  else echo "missing Debian packages:$$missing (sudo apt-get install$$missing)" >&2; exit 1; fi; \
	fi
endef
RUN_PACKAGES  := "libsodium23:{ ldconfig -p || /sbin/ldconfig -p; } | grep -q libsodium.so.23" \
                 "nodejs:command -v node" "npm:command -v npm"
TEST_PACKAGES := "chromium:command -v chromium"

deps:
	$(call apt_need,$(RUN_PACKAGES))

deps-test: deps
	$(call apt_need,$(TEST_PACKAGES))

$(STAMP): pyproject.toml | deps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(STAMP)

$(DEV): $(STAMP) | deps-test
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(DEV)

# The phone wallet and explorer (web/): pinned npm packages, copied with the sources into
# web/dist (the noble cryptography joined into one module by the pinned esbuild), which the
# node serves at /wallet/ and /explorer/. No package's install script runs: esbuild's binary
# is its platform package's file.
web/node_modules/.package-lock.json: web/package-lock.json | deps
	cd web && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

$(WEB): web/node_modules/.package-lock.json web/build.mjs $(shell find web/src -type f 2>/dev/null)
	cd web && npm run --silent build

web: $(WEB)

# The non-Python client test (tests/nonpython): pinned tweetnacl and @noble/hashes, no install scripts.
NONPY := tests/nonpython/node_modules/.package-lock.json
$(NONPY): tests/nonpython/package-lock.json | deps
	cd tests/nonpython && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# The demo's data dir and port: TENGE_DATA_DIR (./data), TENGE_PORT (8080), TENGE_HOST.
run: $(STAMP) $(WEB)
	$(BIN)/python -m tools.demo

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ledger contracts offline privacy assets wire wallet api node
	$(BIN)/lint-imports

test: lint $(WEB) $(NONPY)
	$(BIN)/python -m pytest -q

bench: $(DEV) $(WEB)
	@mkdir -p reports
	$(BIN)/python -m loadtests.bench_core --json reports/bench_core.json
	$(BIN)/python -m loadtests.bench_privacy --json reports/bench_privacy.json
	$(BIN)/python -m loadtests.bench_offline --json reports/bench_offline.json
	$(BIN)/python -m loadtests.bench_api --json reports/bench_api.json
	$(BIN)/python -m loadtests.bench_wallet --json reports/bench_wallet.json

# Three nats-servers (JetStream) and three nodes on loopback, until Ctrl-C (docs/cluster.md).
cluster: $(STAMP) $(WEB)
	$(BIN)/python -m loadtests.clusterkit

bench-cluster: $(DEV) $(WEB)
	@mkdir -p reports
	$(BIN)/python -m loadtests.bench_cluster --json reports/bench_cluster.json

compare: $(DEV)
	@mkdir -p reports
	$(BIN)/python -m loadtests.pow.compare --json reports/pow_compare.json

# Locust against a fresh node, then SLOs, audit and acknowledgements; LOAD_ARGS="--users 40".
load: $(DEV)
	@mkdir -p reports
	$(BIN)/python -m loadtests.load --reports reports $(LOAD_ARGS)

clean:
	rm -rf $(VENV) data reports web/dist web/node_modules tests/nonpython/node_modules
