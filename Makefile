# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: setup browser run test bench bench-int8 bench-scale bench-trends screenshots lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# The CPU build first: any other spelling lets pip fetch a newer torch with several GB of CUDA packages.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

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
