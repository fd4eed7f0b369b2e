# microcred — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MICROCRED_DATABASE_URL ?= sqlite:///./var/microcred.db

.PHONY: run test setup lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

tests/e2e/dcc/node_modules/.package-lock.json: tests/e2e/dcc/package-lock.json
	npm ci --prefix tests/e2e/dcc --no-audit --no-fund
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser)
/usr/bin/chromium:
	apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)

setup: $(STAMP)

## run: install, migrate the embedded SQLite database under ./var, seed a demo organisation, serve :8000
# the key-encryption secret: created at random on first run (mode 0600) unless MICROCRED_KEK_SECRETS is set
run: export MICROCRED_KEK_SECRETS_FILE ?= ./var/kek.secret
run: $(STAMP)
	mkdir -p var
	$(BIN)/microcred db upgrade
	$(BIN)/microcred demo
	$(BIN)/microcred serve

## test: install everything the suite needs and run all of it (SQLite and PostgreSQL)
test: $(STAMP) tests/e2e/dcc/node_modules/.package-lock.json /usr/bin/chromium
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

bench: $(STAMP)
	$(BIN)/python bench/credentials.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
