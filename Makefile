# Two commands do everything: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# What the server needs (for `run`), and that plus the test extras (for `test`).
INSTALLED := $(VENV)/.installed-runtime
TEST_INSTALLED := $(VENV)/.installed-test
PEER := tests/interop/peer
PEER_INSTALLED := $(PEER)/node_modules/.package-lock.json
BROWSER_TESTS := tests/browser
MASTO := tests/clients/masto
MASTO_INSTALLED := $(MASTO)/node_modules/.package-lock.json
AXE_INSTALLED := $(BROWSER_TESTS)/node_modules/.package-lock.json
CHROMIUM := /usr/bin/chromium
# Test processes side by side (most tests wait on real servers and peers, not on the CPU).
TEST_PROCESSES ?= 4
NGINX := /usr/sbin/nginx
CADDY := /usr/bin/caddy

.PHONY: run test migrations bench clean chromium media-proxies

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Set up (virtual environment, default config, database) and serve on http://127.0.0.1:8000.
run: $(INSTALLED)
	test -f config.toml || $(BIN)/fediserver init
	$(BIN)/fediserver migrate
	$(BIN)/fediserver run

# The independent Fedify peer the interop tests federate with (Node 22 comes from npm).
$(PEER_INSTALLED): $(PEER)/package.json $(PEER)/package-lock.json
	cd $(PEER) && npm ci --no-audit --no-fund

# masto.js, the client library inside Elk and Phanpy, for the client tests (Node 22 from npm).
$(MASTO_INSTALLED): $(MASTO)/package.json $(MASTO)/package-lock.json
	cd $(MASTO) && npm ci --no-audit --no-fund

# The browser tests drive Debian's Chromium through Playwright (which downloads no browser
# of its own) and check pages with axe-core from npm.
chromium:
	@test -x $(CHROMIUM) || { \
	  echo "Installing Debian's chromium for the browser tests (needs root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core; }

# The media proxy tests run Debian's nginx and Caddy in front of SeaweedFS with the rules
# in deploy/. Not root: nothing is installed and those tests are skipped.
media-proxies:
	@test -x $(NGINX) -a -x $(CADDY) || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's nginx-light and caddy for the media proxy tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light caddy; \
	  else echo "NOTICE: nginx or caddy is missing and this is not root: their media proxy tests are skipped."; fi; }

$(AXE_INSTALLED): $(BROWSER_TESTS)/package.json $(BROWSER_TESTS)/package-lock.json
	cd $(BROWSER_TESTS) && npm ci --no-audit --no-fund

# Set up and run the whole suite. The PostgreSQL half runs when
# FEDISERVER_TEST_POSTGRES_URL is set (CI sets it).
test: $(TEST_INSTALLED) $(PEER_INSTALLED) $(MASTO_INSTALLED) $(AXE_INSTALLED) chromium media-proxies
	@if [ -z "$$FEDISERVER_TEST_POSTGRES_URL" ]; then \
	  echo "NOTICE: FEDISERVER_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite is skipped."; \
	  echo "        e.g. FEDISERVER_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test make test"; \
	fi
	$(BIN)/python -m pytest -n $(TEST_PROCESSES)

# Write a migration for model changes (review it, then commit it).
migrations: $(INSTALLED)
	$(BIN)/tortoise -c fediserver.db.MIGRATIONS_CONFIG makemigrations

# The whole benchmark set (about 10 minutes, needs wrk and PostgreSQL): one table of
# figures, ratios and targets (see docs/BENCHMARKS.md).
bench: $(TEST_INSTALLED)
	PYTHONPATH=. $(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) *.egg-info
