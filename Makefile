# Two commands on a fresh machine: `make run` and `make test` (both install first).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: install run test bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The main job: the cardinality-constrained frontier of the bundled S&P 500 sample, by the best
# method for 20 assets (enumeration: every selection priced, every point proven optimal), with
# its HTML report.
run: install
	$(VENV)/bin/geo frontier sp500-sample -k 5 --points 20 --method enumeration --seed 7 \
		--output results/sp500-sample-k5.json --report results/sp500-sample-k5.html

test: install
	$(PY) -m pytest -q -n $(PYTEST_WORKERS)

# A quick smoke run of every benchmark script (minutes); `make bench BENCH_ARGS=--full` runs the
# settings behind benchmarks/RESULTS.md (an hour or more).
BENCH_ARGS ?=
bench: install
	$(PY) benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache results
