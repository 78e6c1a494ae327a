# Two commands matter: `make demo` and `make test`. Each installs what it needs first.
# Only Python 3 is assumed: uv is bootstrapped into .tools/, the project into .venv/ from uv.lock.

UV_VERSION := 0.13.8
UV := .tools/bin/uv
PY := .venv/bin/python
# Compiled bytecode makes imports ~3x faster on this stack.
export UV_COMPILE_BYTECODE := 1
# dagster.yaml lives in the project folder; run history goes to .dagster_home/.
export DAGSTER_HOME := $(CURDIR)
# The dataset and key for `make run` / `make dev` (tests point it elsewhere).
ENV_FILE ?= .env

.PHONY: demo test dev run report templates install browser demo-browser bench bench-national bench-storage postgres libreoffice clean

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups
	@touch $@

install: .venv/.installed

## Generate the synthetic demo returns and run the whole pipeline on them (dashboard and report out).
demo: install demo-browser
	$(PY) -m pipeline.cli demo

## Install everything the tests need (incl. Debian's Chromium for browser and image tests) and run them.
# Two workers, a test module per worker at a time (module fixtures built once); the demo run is built once in the
# background and shared (tests/demo_run.py). The modules go in tests/conftest.py's order, slowest first, not
# xdist's (most tests first, which left the slowest module alone at the end); pytest's last line is the suite's time.
test: install browser postgres libreoffice node_modules/.installed
	$(PY) -m pytest -n 2 --dist loadscope --no-loadscope-reorder

# axe-core (the accessibility audit the browser tests run) comes from the npm registry, pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || $(call apt_install,nodejs npm) || { \
	  echo "Please install Debian's nodejs and npm: the accessibility audit (axe-core) comes from npm." >&2; exit 1; }
	timeout 900 npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# Debian packages, installed where we can (root, or sudo); false where we cannot. Bounded: apt never waits for ever.
APT = DEBIAN_FRONTEND=noninteractive timeout 900 apt-get
apt_install = { if [ "$$(id -u)" = "0" ]; then $(APT) update -qq && $(APT) install -y -qq $(1) >/dev/null; \
	elif command -v sudo >/dev/null 2>&1; then sudo $(APT) update -qq && sudo $(APT) install -y -qq $(1) >/dev/null; \
	else false; fi; }

# Debian's Chromium drives Playwright and kaleido; no browser is downloaded by either tool.
browser:
	@command -v chromium >/dev/null 2>&1 || $(call apt_install,chromium) || { \
	  echo "Please install Debian's chromium (apt-get install chromium): the browser and image tests need it." >&2; exit 1; }

# Debian's Postgres for the regional deployment test (tests/regional/test_deployment.py starts and stops its own).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || $(call apt_install,postgresql) || { \
	  echo "Please install Debian's postgresql (apt-get install postgresql): the regional deployment test needs it." >&2; exit 1; }

# Debian's LibreOffice (Writer, headless) lays out the Word draft as PDF: tests/report/test_demo_report.py counts its
# pages, tests/report/test_word_tables.py reads a table back with poppler's pdftotext. Where they cannot be had, say so
# with NO_LIBREOFFICE=1: only then do those tests skip instead of failing.
export NO_LIBREOFFICE
libreoffice:
	@[ -n "$(NO_LIBREOFFICE)" ] || { command -v soffice && command -v pdftotext; } >/dev/null 2>&1 || $(call apt_install,libreoffice-writer-nogui poppler-utils) || { \
	  echo "Please install Debian's libreoffice-writer-nogui and poppler-utils (the Word draft's layout tests need them), or run with NO_LIBREOFFICE=1 to skip that test." >&2; exit 1; }

# The demo draws the report's images with Chromium where it can have it, and writes everything else without it.
demo-browser:
	@command -v chromium >/dev/null 2>&1 || $(call apt_install,chromium) || \
	  echo "Chromium is not installed and could not be (it needs root or sudo and a Debian mirror): the demo writes everything but the report's images." >&2

## Dagster's UI on the dataset named in .env (the demo dataset if there is no .env): make dev [PORT=3000]
# `exec`: the CLI replaces the shell, so Ctrl-C and `kill -TERM` reach it, and it stops every process dg dev started.
dev: install
	@if [ -f "$(ENV_FILE)" ]; then set -a; . "$(abspath $(ENV_FILE))"; set +a; fi; \
	exec $(PY) -m pipeline.cli dev $(if $(PORT),--port $(PORT))

## Run the pipeline over the real returns in data/raw for the years given: make run YEARS="2023-24"
run: install
	@if [ ! -f "$(ENV_FILE)" ]; then echo "No .env: copy .env.example to .env and set SAFEGUARDING_PSEUDONYM_KEY in it (see the file)." >&2; exit 2; fi; \
	if [ -z "$(YEARS)" ]; then echo 'Say which financial years: make run YEARS="2023-24"' >&2; exit 2; fi; \
	set -a; . "$(abspath $(ENV_FILE))"; set +a; exec $(PY) -m pipeline.cli run $(YEARS)

## The year's annual-report exports from the warehouse: make report YEAR=2022-23 [INTERNAL=1] [PARTIAL=1] [DATA_DIR=data/demo]
report: install
	$(PY) -m pipeline.cli report $(YEAR) $(if $(INTERNAL),--internal) $(if $(PARTIAL),--allow-partial) $(if $(DATA_DIR),--data-dir $(DATA_DIR))

## Blank return templates for agencies (drop-downs, guidance) into templates/returns/
templates: install
	$(PY) -m pipeline.lib.returns.templates --out templates/

## Speed figures: the intake (30,000 and 300,000 rows), the dashboard (size, build, first render), the whole demo by stage
# The demo is measured beside BASELINE (main before issue 11's speed work), in turns: `make bench BASELINE=` for
# this checkout alone, BASELINE=<commit> against another.
BASELINE ?= 81e0137
bench: install browser
	$(PY) scripts/bench_intake.py
	$(PY) scripts/bench_demo.py $(if $(BASELINE),--baseline $(BASELINE))
	$(PY) scripts/bench_dashboard.py

## National scale (regional mode): 10, 50 and 153 authorities for a year: make bench-national [SCALE=0.1] [SIZES=10,50]
bench-national: install
	$(PY) scripts/bench_national.py $(if $(SCALE),--scale $(SCALE)) $(if $(SIZES),--sizes $(SIZES))

## Storage for concurrent writers: per-partnership DuckDB, atomic Parquet, DuckLake on Postgres (DUCKLAKE_ENV=DIR)
bench-storage: install
	$(PY) scripts/bench_storage.py $(if $(PARTNERSHIPS),--partnerships $(PARTNERSHIPS)) $(if $(DUCKLAKE_ENV),--ducklake-env $(DUCKLAKE_ENV))

clean:
	rm -rf data/demo .dagster_home .pytest_cache node_modules test-artifacts
