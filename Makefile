# Two commands on a fresh machine: `make run` and `make test` (both install first).
# `make docs` builds the documentation site into site/ (strict: any warning fails; not --quiet,
# which would hide the warnings from strict mode too).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: install run test docs bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The first run shows the product: the bundled S&P 500 sample's K = 5 frontier by GEO (default
# generator, a small budget) and by exact enumeration (every point proven optimal), GEO's gap to
# that optimum and its generator's metrics per iteration, in one report (results/sp500-sample-k5.html).
run: install
	$(VENV)/bin/geo demo --output-dir results

test: install
	$(PY) -m pytest -q -n $(PYTEST_WORKERS)

docs: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# A quick smoke run of every benchmark script (minutes); `make bench BENCH_ARGS=--full` runs the
# settings behind benchmarks/RESULTS.md (an hour or more).
BENCH_ARGS ?=
bench: install
	$(PY) benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache results site
