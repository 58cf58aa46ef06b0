# Every target bootstraps what it needs; a second run only redoes what changed.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
VENDOR := src/crossroads/static/vendor
# The suite runs on every CPU (pytest-xdist); `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n auto

.PHONY: install demo test check bench clean chromium

install: $(VENV)/.runtime $(VENDOR)/.copied

$(PY):
	python3 -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.runtime: pyproject.toml | $(PY)
	$(PIP) install -e .
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.runtime
	$(PIP) install -e '.[test,spark]'
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(PIP) install -e '.[dev]'
	touch $@

# Front-end assets come from the npm registry through the lock file and are copied, never committed.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

$(VENDOR)/.copied: node_modules/.package-lock.json
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/uswds/css $(VENDOR)/uswds/js $(VENDOR)/htmx $(VENDOR)/vega
	# Only what the pages load: minified files, images and fonts (no source maps, no sources).
	cp node_modules/@uswds/uswds/dist/css/uswds.min.css $(VENDOR)/uswds/css/
	cp node_modules/@uswds/uswds/dist/js/uswds.min.js node_modules/@uswds/uswds/dist/js/uswds-init.min.js $(VENDOR)/uswds/js/
	cp -r node_modules/@uswds/uswds/dist/{img,fonts} $(VENDOR)/uswds/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	# Charts: Vega-Lite specs drawn by the page (the server writes them with Altair).
	cp node_modules/vega/build/vega.min.js node_modules/vega-lite/build/vega-lite.min.js \
	  node_modules/vega-embed/build/vega-embed.min.js $(VENDOR)/vega/
	touch $@

# Debian's Chromium drives the browser tests; Playwright never downloads a browser of its own.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

demo: install
	$(VENV)/bin/crossroads demo

test: install $(VENV)/.test chromium
	$(VENV)/bin/pytest $(PYTEST_ARGS)

check: install $(VENV)/.dev
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src/crossroads
	$(VENV)/bin/crossroads makemigrations --check --dry-run
	CROSSROADS_ENV=production CROSSROADS_SECRET_KEY=$$(python3 -c 'import secrets;print(secrets.token_urlsafe(50))') \
	  CROSSROADS_ALLOWED_HOSTS=crossroads.example.org $(VENV)/bin/crossroads check --deploy --fail-level WARNING
	$(VENV)/bin/bandit -q -c pyproject.toml -r src

# Benches that run a second time on PostgreSQL (a throwaway crossroads_bench_<pid> database on
# 127.0.0.1:5432, see bench/_setup.py); the others measure the SQLite default only.
PG_BENCHES := bench/bench_encounter_submit.py bench/bench_import_calls.py bench/bench_directory_search.py bench/bench_coverage.py

# bench_analytics generates its own data first; the issue's 5 million encounters take 10-15 minutes
# in all (docs/benchmarks.md), so `make bench` runs it smaller unless asked:
# make bench BENCH_ANALYTICS_ENCOUNTERS=5000000
BENCH_ANALYTICS_ENCOUNTERS ?= 500000

bench: install $(VENV)/.test
	@for b in bench/bench_*.py; do echo "== $$b"; \
	  case $$b in bench/bench_analytics.py) args="--encounters $(BENCH_ANALYTICS_ENCOUNTERS)";; *) args="";; esac; \
	  $(PY) $$b $$args || exit 1; done
	@for b in $(PG_BENCHES); do echo "== $$b --database postgres"; $(PY) $$b --database postgres || exit 1; done

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
