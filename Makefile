# The two commands: `make run` and `make test`. Each builds its own virtualenv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
CQC_STANDIN_PORT ?= 5081
DBS_STANDIN_PORT ?= 8301
DBS_STATUS_CHECK_URL ?= http://127.0.0.1:$(DBS_STANDIN_PORT)
export FLASK_APP := wsgi:app

.PHONY: run test lint bench clean browser redis mutation translations

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
	@# The CQC API and DBS Update Service stand-ins and the worker (email, expiry, retention, CQC sync, DBS status
	@# checks, search catch-up) run beside the web server and stop with it. Production points CQC_API_URL (with
	@# CQC_API_KEY) and DBS_STATUS_CHECK_URL at the real services instead.
	$(BIN)/python -m registry.standins.cqc --demo --port $(CQC_STANDIN_PORT) & cqc=$$!; \
	  $(BIN)/python -m registry.standins.dbs --port $(DBS_STANDIN_PORT) & dbs=$$!; \
	  export CQC_API_URL="$${CQC_API_URL:-http://127.0.0.1:$(CQC_STANDIN_PORT)/public/v1}" CQC_API_KEY="$${CQC_API_KEY:-standin-key}" \
	    DBS_STATUS_CHECK_URL="$(DBS_STATUS_CHECK_URL)" PUBLIC_URL="$${PUBLIC_URL:-http://127.0.0.1:$(PORT)}"; \
	  sleep 1; $(BIN)/flask worker & worker=$$!; \
	  trap 'kill $$worker $$cqc $$dbs 2>/dev/null' EXIT INT TERM; $(BIN)/flask run --port $(PORT)

# The tests start their own redis-server (a free port, no disk) unless TEST_REDIS_URL names one.
test: $(VENV)/.installed-test browser redis lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(VENV)/.installed-mutation: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,mutation]'
	touch $(VENV)/.installed $(VENV)/.installed-test $@

# Mutation testing of the trust-model modules (listing, kinds, badges, scoring, audit), not part of `make test`:
# mutmut changes them one small edit at a time in a copy (mutants/) and runs, on SQLite, the tests in
# [tool.mutmut] that call the changed function; then the share of changes the tests noticed, per module.
# Every run starts afresh. MUTATION_PROCS sets how many mutants are tested at once (default: the cores).
MUTATION_PROCS ?= $(shell nproc)
mutation: $(VENV)/.installed-mutation
	rm -rf mutants
	env -u TEST_DATABASE_URL -u PYTHONPATH TEST_SQLITE_TEMPLATE=$(CURDIR)/mutants/migrated.sqlite3 \
	  $(BIN)/mutmut run --max-children $(MUTATION_PROCS)
	$(BIN)/python tools/mutation_score.py

# Conventions made mechanical: lint, import order and formatting (ruff, configured in pyproject.toml).
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Welsh: marked strings (templates: _(), {% trans %}; Python: gettext, lazy_gettext, N_) into translations/messages.pot,
# merged into translations/cy/LC_MESSAGES/messages.po (translate there: no empty msgstr, no fuzzy), then compiled
# to the messages.mo the app reads. Commit the .po and the .mo together; a test proves the .mo is the .po compiled.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k N_ --no-location --sort-output \
	  --project "Trusted Care Registry" -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete --width 120
	$(BIN)/pybabel compile -d translations --statistics

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
	rm -rf $(VENV) instance .pytest_cache mutants
