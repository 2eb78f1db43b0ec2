# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: setup lock browser run test bench bench-int8 bench-scale bench-trends screenshots lint clean

LOCK := requirements.lock
PIP_VERSION := 26.3

# Installs exactly what requirements.lock names (versions and hashes: what was tested is what installs), then the
# package itself without resolving anything. torch is locked to its CPU build (2.13.0+cpu), so pip cannot pick a
# newer torch with several GB of CUDA packages.
$(STAMP): $(LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet pip==$(PIP_VERSION)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# Refreshes the lock from pyproject.toml's ranges on purpose (newest versions that fit; commit it on its own, after
# `make test` passes on it). tests/test_lockfile.py fails while the lock does not match pyproject.toml.
lock:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet pip==$(PIP_VERSION) pip-tools==7.7.0
	$(VENV)/bin/pip-compile --quiet --upgrade --generate-hashes --allow-unsafe --strip-extras --extra dev \
		--no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml
	rm -f $(STAMP)

# The browser tests drive Debian's Chromium through its chromedriver (a browser download would fail offline).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "installing Debian's chromium and chromium-driver for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
		|| echo "could not install chromium: the browser tests will be skipped"; \
	fi

run: setup
	$(VENV)/bin/papertrends run

test: setup browser
	$(PY) -m pytest

# Embedding runtimes side by side (papers/s, cosine; ~3 minutes), then side by side with the plain BERTopic script on ../shared/data (about 15 minutes), then topic stability across
# embedding runtimes, seeds and noise, and the size rule at 300 / 3,000 / 30,000 papers (about 40 minutes the first
# time: the vectors of each runtime are kept in .cache/bench/).
bench: setup
	$(PY) bench/embed_speed.py --json docs/bench-embed.json
	$(PY) bench/compare.py --json docs/bench-compare.json
	$(PY) bench/stability.py --json docs/bench-stability.json

# The same whole-run bench in the arithmetic a CPU with VNNI and no bf16 runs (int8 weights, activations quantised
# as the model runs), on whatever CPU this is.
bench-int8: setup
	PAPERTRENDS_EMBEDDING_PRECISION=int8 $(PY) bench/compare.py --json docs/bench-compare-int8.json

bench-scale: setup
	$(PY) bench/scale.py --json docs/bench-scale.json

# Statuses against a truth from the abstracts' words: research lines' onsets, detection, lag, false alarms, from the
# status history and from a monthly replay of scheduled runs (~9 min with the test suite's cached vectors).
bench-trends: setup
	$(PY) bench/trend_truth.py --backtest month --json docs/bench-trend-truth.json

screenshots: setup browser
	$(PY) -m pytest tests/test_browser.py
	@echo "screenshots in test-output/screenshots/"

lint: setup
	$(VENV)/bin/ruff check src flows tests
	$(VENV)/bin/ruff format --check src flows tests

clean:
	rm -rf data reports/index.html reports/assets reports/data
