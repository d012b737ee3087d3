# citydip-ld: `make serve` builds, checks and serves the dataset on the embedded store;
# `make test` runs linters, type checks and the test suite. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install build check serve test lint

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Browser libraries the pages load (YASGUI, Leaflet, world-atlas, Cytoscape) and
# JavaScript clients the tests run (Comunica), pinned by package-lock.json. Without npm the pages
# fall back to what works without those scripts and the tests that need them skip and say so.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error; \
	else \
		echo "npm not found: pages fall back to no-JavaScript forms; Comunica and browser-library tests will be skipped"; \
	fi

install: $(VENV)/.installed node_modules/.package-lock.json

build: install
	$(BIN)/citydip-ld build --out build

check: install
	$(BIN)/citydip-ld check

serve: build check
	$(BIN)/citydip-ld serve --dataset build --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests benchmarks app.py
	$(BIN)/ruff format --check src tests benchmarks app.py
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest
