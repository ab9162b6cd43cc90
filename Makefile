# tieout: `make demo` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEB_PACKAGES := unixodbc libsqliteodbc chromium
DEMO_SEED ?= 7
DEMO_LEDGER ?= xero

.PHONY: help setup system-packages demo test lint bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

system-packages:  ## install the Debian packages tieout needs (unixODBC, SQLite ODBC driver, Chromium)
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $(STAMP)

setup: system-packages $(STAMP)  ## install system packages, create .venv and install tieout (quick when done)

demo: setup  ## generate the sandbox company, serve it, load, build, reconcile and open the review app
	$(BIN)/tieout demo --ledger $(DEMO_LEDGER) --seed $(DEMO_SEED)

test: setup  ## run the test suite
	$(BIN)/pytest

lint: setup  ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

BENCH_ARGS ?=
bench: setup  ## benchmarks: medium (every step) + large (dbt build); results in bench/ and the README
	$(BIN)/tieout bench --size medium $(BENCH_ARGS)
	$(BIN)/tieout bench --size large --step build $(BENCH_ARGS)

clean:  ## remove generated data (keeps .venv)
	rm -rf .sandbox warehouse dbt_project/target dbt_project/logs
