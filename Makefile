# Two commands on a fresh machine: `make run` and `make test` (both install first).
# `make docs` builds the documentation site into site/ (strict: any warning fails; not --quiet,
# which would hide the warnings from strict mode too).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: install run test docs bench clean

KERNELS := $(wildcard geo/problem/compiled_*.py geo/problem/memo.py)
KERNEL_STAMP := $(VENV)/.kernels-stamp

install: $(STAMP) $(KERNEL_STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Compile the pricing kernels once, here, and again whenever one changes: numba's cache checks
# only a kernel's own file, not the kernels it calls, so the whole cache is cleared first.
$(KERNEL_STAMP): $(STAMP) $(KERNELS)
	rm -f geo/problem/__pycache__/*.nbi geo/problem/__pycache__/*.nbc
	$(PY) -c "from geo.problem.warm_up import warm_up; warm_up()"
	touch $(KERNEL_STAMP)

# The first run shows the product: one frontier of the bundled S&P 500 sample (exactly 6 stocks)
# by GEO, by its uniform control at the same small budget and by exact enumeration (every point
# proven optimal), each GEO run's gap to that optimum, in one report (results/sp500-sample-k6.html).
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
