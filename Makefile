# microcred — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MICROCRED_DATABASE_URL ?= sqlite:///./var/microcred.db

.PHONY: run test setup lint typecheck bench chaos clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

tests/e2e/dcc/node_modules/.package-lock.json: tests/e2e/dcc/package-lock.json
	npm ci --prefix tests/e2e/dcc --no-audit --no-fund
	touch $@

# the independent OpenID4VCI wallet (@openid4vc/openid4vci) the oid4vci e2e tests drive
tests/e2e/oid4vci/node_modules/.package-lock.json: tests/e2e/oid4vci/package-lock.json
	npm ci --prefix tests/e2e/oid4vci --no-audit --no-fund
	touch $@

# Debian's poppler-utils: pdftoppm renders the PDF certificates in their tests
/usr/bin/pdftoppm:
	apt-get install -y -q poppler-utils || (apt-get update -q && apt-get install -y -q poppler-utils)

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser)
/usr/bin/chromium:
	apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)

# curl and jq for the README's tour, which tests/e2e/test_readme_tour.py runs verbatim
/usr/bin/curl /usr/bin/jq:
	apt-get install -y -q $(@F) || (apt-get update -q && apt-get install -y -q $(@F))

setup: $(STAMP)

## run: install, migrate the embedded SQLite database under ./var, start a local witness on :8100,
## seed a demo organisation (its log cosigned by that witness), serve :8000
# the key-encryption secret: created at random on first run (mode 0600) unless MICROCRED_KEK_SECRETS is set
# the witness keeps its key, the log key it follows and its state under ./var (witness.*); it is
# listed first in MICROCRED_WITNESSES; Ctrl-C, SIGTERM or the server's exit stops both processes
run: export MICROCRED_KEK_SECRETS_FILE ?= ./var/kek.secret
run: WITNESS_PORT ?= 8100
run: $(STAMP)
	mkdir -p var
	$(BIN)/microcred db upgrade
	@local=$$($(BIN)/microcred witness local --port $(WITNESS_PORT) --spec) || exit 1; \
	export MICROCRED_WITNESSES="$$local$${MICROCRED_WITNESSES:+,$$MICROCRED_WITNESSES}"; \
	trap 'kill $$witness $$server 2>/dev/null; wait' EXIT; trap 'exit 130' INT TERM HUP; \
	echo "local witness: $$local"; \
	$(BIN)/microcred witness local --port $(WITNESS_PORT) & witness=$$!; \
	$(BIN)/microcred demo || exit 1; \
	$(BIN)/microcred serve & server=$$!; wait $$server

## test: install everything the suite needs and run all of it (SQLite and PostgreSQL)
test: $(STAMP) tests/e2e/dcc/node_modules/.package-lock.json tests/e2e/oid4vci/node_modules/.package-lock.json /usr/bin/chromium /usr/bin/pdftoppm /usr/bin/curl /usr/bin/jq
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python bench/credentials.py
	$(BIN)/python bench/delivery.py

## chaos: the 10-minute chaos run (tests/chaos; the 90-second variant is part of `make test`)
chaos: $(STAMP)
	MICROCRED_CHAOS_SECONDS=600 $(BIN)/python -m pytest tests/chaos -q -s

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
