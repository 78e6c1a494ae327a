# Two commands matter: `make demo` and `make test`. Each installs what it needs first.
# Only Python 3 is assumed: uv is bootstrapped into .tools/, the project into .venv/ from uv.lock.

UV_VERSION := 0.13.8
UV := .tools/bin/uv
PY := .venv/bin/python
# Compiled bytecode makes imports ~3x faster on this stack.
export UV_COMPILE_BYTECODE := 1
# dagster.yaml lives in the project folder; run history goes to .dagster_home/.
export DAGSTER_HOME := $(CURDIR)

.PHONY: demo test dev run report templates install browser bench clean

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups
	@touch $@

install: .venv/.installed

## Generate the synthetic demo returns and run the whole pipeline on them (dashboard and report out).
demo: install
	$(PY) -m pipeline.cli demo

## Install everything the tests need (incl. Debian's Chromium for browser and image tests) and run them.
test: install browser node_modules/.installed
	$(PY) -m pytest

# axe-core (the accessibility audit the browser tests run) comes from the npm registry, pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { $(call apt_install,nodejs npm); }
	npm ci --ignore-scripts --no-audit --no-fund
	@touch $@

# Debian packages the tests need, installed where we can (root, or sudo), else a clear message.
apt_install = if [ "$$(id -u)" = "0" ]; then apt-get update -qq && apt-get install -y -qq $(1) >/dev/null; \
	elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo apt-get install -y -qq $(1) >/dev/null; \
	else echo "Please install Debian's $(1) (apt-get install $(1)): the browser and image tests need it." >&2; exit 1; fi

# Debian's Chromium drives Playwright and kaleido; no browser is downloaded by either tool.
browser:
	@command -v chromium >/dev/null 2>&1 || { $(call apt_install,chromium); }

## Dagster's UI on the dataset named in .env (the demo dataset if there is no .env).
dev: install
	@if [ -f .env ]; then set -a; . ./.env; set +a; else \
	  export SAFEGUARDING_DATA_DIR=data/demo SAFEGUARDING_PSEUDONYM_KEY=demo-only-key-not-for-real-data; fi; \
	VIRTUAL_ENV=$(CURDIR)/.venv .venv/bin/dg dev

## Run the pipeline over the real returns in data/raw for the years given: make run YEARS="2023-24"
run: install
	@set -a; . ./.env; set +a; $(PY) -m pipeline.cli run $(YEARS)

## The year's annual-report exports from the warehouse: make report YEAR=2022-23 [INTERNAL=1] [PARTIAL=1] [DATA_DIR=data/demo]
report: install
	$(PY) -m pipeline.cli report $(YEAR) $(if $(INTERNAL),--internal) $(if $(PARTIAL),--allow-partial) $(if $(DATA_DIR),--data-dir $(DATA_DIR))

## Blank return templates for agencies (drop-downs, guidance) into templates/returns/
templates: install
	$(PY) -m pipeline.lib.returns.templates --out templates/

## Speed figures: the intake (30,000 and 300,000 rows) and the dashboard (size, build, first render)
bench: install browser
	$(PY) scripts/bench_intake.py
	$(PY) scripts/bench_dashboard.py

clean:
	rm -rf data/demo .dagster_home .pytest_cache node_modules test-artifacts
