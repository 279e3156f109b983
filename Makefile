# The two commands: `make run` and `make test`. Each builds its own virtualenv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi:app

.PHONY: run test lint bench clean browser redis

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask demo seed --if-empty
	$(BIN)/flask search rebuild
	@# The worker (email, expiry, retention, search catch-up) runs beside the web server and stops with it.
	$(BIN)/flask worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; $(BIN)/flask run --port $(PORT)

# The tests start their own redis-server (a free port, no disk) unless TEST_REDIS_URL names one.
test: $(VENV)/.installed-test browser redis lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Conventions made mechanical: lint, import order and formatting (ruff, configured in pyproject.toml).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The browser tests drive Debian's Chromium; install it when missing (as root).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	  else \
	    echo "The browser tests need chromium and chromium-driver: sudo apt-get install chromium chromium-driver"; exit 1; \
	  fi; }

# The rate-limit tests need a real Redis: Debian's redis-server, installed when missing (as root), or TEST_REDIS_URL.
redis:
	@[ -n "$$TEST_REDIS_URL" ] || command -v redis-server >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	  else \
	    echo "The rate-limit tests need Redis: sudo apt-get install redis-server, or set TEST_REDIS_URL=redis://host:port/db"; exit 1; \
	  fi; }

# The HTTP load benchmark drives gunicorn with Debian's wrk; install it when missing (as root).
bench: $(VENV)/.installed-test
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "bench/http_load.py needs wrk: sudo apt-get install wrk"; exit 1; \
	  fi; }
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/http_load.py --providers 10000

clean:
	rm -rf $(VENV) instance .pytest_cache
