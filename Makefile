# The two commands: `make demo` and `make test`. Each installs what is missing first (scripts/setup.sh).
SHELL := /bin/bash
VENV ?= .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
NOTEBOOKS := $(wildcard notebooks/*.ipynb notebooks/solutions/*.ipynb)
SANITIZE := $(if $(wildcard notebooks/sanitize.cfg),--nbval-sanitize-with notebooks/sanitize.cfg,)

.PHONY: demo test deps browser-deps python-deps system-deps azurite lint format notebooks screenshots clean distclean help

help:
	@echo "make demo    start the services and workers, run the samples through, print the report"
	@echo "make test    the unit and integration tests and the notebooks (nbval), in parallel"
	@echo "make deps    only install what is missing (.venv, package, tesseract, redis-server, Azurite)"
	@echo "make lint    ruff check, format check, and the layers contract (lint-imports)"
	@echo "make screenshots  the pictures of docs/img, taken by the browser tests (JupyterLab in Chromium)"
	@echo "make clean   remove var/ and caches;  make distclean  also .venv and node_modules"

demo: deps
	$(BIN)/credit-ocr demo

# The tests (3 processes) and the notebooks (strict nbval) at the same time: scripts/test.sh.
test: deps browser-deps
	@BIN=$(BIN) bash scripts/test.sh

notebooks: python-deps
	$(BIN)/pytest --nbval --nbval-current-env $(SANITIZE) $(NOTEBOOKS)

# The browser tests (tests/browser, also part of `make test`) write their screenshots into docs/img.
screenshots: deps browser-deps
	CREDIT_OCR_SCREENSHOTS=$(CURDIR)/docs/img $(BIN)/pytest -p no:cacheprovider tests/browser

# apt-get first (one apt-get at a time: it holds a lock), then the packages and npm at once: they wait on
# the network and the disk more than on the CPU (on a 2-core machine: uv ~10 s; npm ci ~20 s, or a second
# of hard links when this machine installed the same package-lock.json before).
deps:
	@$(MAKE) --no-print-directory system-deps
	@$(MAKE) --no-print-directory -j2 python-deps azurite

# The browser of the browser tests: only `make test` needs it.
browser-deps:
	@bash scripts/setup.sh browser

$(VENV)/bin/python:
	@bash scripts/setup.sh venv

python-deps: $(VENV)/bin/python
	@bash scripts/setup.sh python

system-deps:
	@bash scripts/setup.sh system

azurite:
	@bash scripts/setup.sh azurite

lint: python-deps
	$(BIN)/ruff check credit_ocr tests
	$(BIN)/ruff format --check credit_ocr tests
	$(BIN)/lint-imports

format: python-deps
	$(BIN)/ruff format credit_ocr tests
	$(BIN)/ruff check --fix credit_ocr tests

clean:
	rm -rf var build .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -not -path './$(VENV)/*' -not -path './node_modules/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules
