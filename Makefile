# Two commands for newcomers:  `make demo`  and  `make test`.  Only Python >= 3.11 is needed
# (and, for the tests, Debian's chromium, installed here when missing, and PostgreSQL).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BASE   := $(VENV)/.base-installed
DEV    := $(VENV)/.dev-installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/hygeia
export HYGEIA_DATA_DIR ?= $(CURDIR)/var

.PHONY: demo test lint typecheck smoke-base test-sqlite test-postgres chromium java postgres bench lock clean

$(BASE): requirements/base.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Hygeia needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/base.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

$(DEV): $(BASE) requirements/dev.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/base.lock -r requirements/dev.lock
	touch $@

## demo: set everything up, create a synthetic hospital and serve it on http://127.0.0.1:8000
demo: $(BASE)
	$(BIN)/hygeia demo

## test: lint, type-check, the base-only smoke, then the whole suite on SQLite and on PostgreSQL
## (browser tests included)
test: $(DEV) chromium java lint typecheck smoke-base test-sqlite test-postgres

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(DEV)
	$(BIN)/mypy hygeia

# What `make demo` installs, alone, in a second venv: init, check, demo and a served instance.
smoke-base:
	bash .ci/smoke-base

test-sqlite: $(DEV) chromium
	HYGEIA_DATA_DIR=$(CURDIR)/var/test DATABASE_URL= $(BIN)/pytest -p no:cacheprovider

test-postgres: $(DEV) chromium postgres
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  HYGEIA_DATA_DIR=$(CURDIR)/var/test DATABASE_URL=$(PG_URL) $(BIN)/pytest -p no:cacheprovider; \
	elif [ -n "$$CI" ]; then echo "PostgreSQL is not reachable at $(PG_URL)"; exit 1; \
	else echo "WARNING: PostgreSQL not reachable at $(PG_URL): the PostgreSQL half of the suite was NOT run"; fi

# Debian's chromium for the browser tests; Playwright never downloads a browser here.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; \
	fi

# Java for the Spark tests (local mode), from Debian's packages when missing.
java:
	@if ! command -v java >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; fi; \
	fi

# Start the local PostgreSQL cluster when it is installed but stopped.
postgres:
	@if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true; \
	  for i in $$(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi

## bench: the benchmarks in benchmarks/, each printing its in-run reference
bench: $(DEV)
	HYGEIA_DATA_DIR=$$(mktemp -d) $(BIN)/python benchmarks/audit_chain.py --entries 10000
	$(BIN)/python benchmarks/ingest.py --events $${EVENTS:-10000000}
	$(BIN)/python benchmarks/detect.py --copies $${COPIES:-30}
	$(BIN)/python benchmarks/alert_queue.py --alerts $${ALERTS:-1000000}
	$(BIN)/python benchmarks/sbom_matching.py --database
	$(BIN)/python benchmarks/risk_portfolio.py
	$(BIN)/python benchmarks/survey_aggregate.py
	$(BIN)/python benchmarks/atna_faults.py
	$(BIN)/python benchmarks/uploads.py

## lock: re-resolve the locked dependencies after editing requirements/*.in
lock:
	$(BIN)/pip install --quiet uv
	cd requirements && ../$(BIN)/uv pip compile base.in --generate-hashes --python-version 3.11 -o base.lock
	cd requirements && ../$(BIN)/uv pip compile dev.in --generate-hashes --python-version 3.11 -o dev.lock

clean:
	rm -rf $(VENV) .venv-base var/test test-artifacts
