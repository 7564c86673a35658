# One command per job. Every target builds .venv first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test lint browser bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,service,ray]'
	@# PyCQA's linter of the same name, beside (not in) the environment: the tests check that
	@# the commands name the clash in one line when it hides our `bandit` (tests/thumbnail_bandit).
	$(PY) -m pip install --quiet --no-deps --upgrade --target $(VENV)/pycqa-bandit bandit
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Headless Chromium, from Debian's packages, for the page test of the service
# (tests/thumbnail_bandit/service/test_browser.py). Installing it needs root, as on CI.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: lint browser
	$(VENV)/bin/pytest

bench: $(STAMP)
	@command -v wrk >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || \
		echo "wrk missing: bench_service is skipped"
	@for script in benchmarks/bench_*.py; do \
		$(PY) $$script || exit 1; \
	done

clean:
	rm -rf $(VENV) demo-output .mypy_cache .ruff_cache .pytest_cache
