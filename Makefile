# Two commands for a new user: `make run` and `make test`. Each creates the virtualenv it needs.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: help run test lint check chat clean

help:  ## list the targets
	@grep -E '^[a-z]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-6s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

run: $(STAMP)  ## set up and run the hotline on an embedded Redis (http://127.0.0.1:5000)
	HOTLINE_ENV=development $(VENV)/bin/hotline serve

test: $(STAMP)  ## set up and run the linter and every test (unit, webhook, transcripts)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy bot
	$(PY) -m mypy --strict bot/engine
	$(PY) -m pytest

check: $(STAMP)  ## check the flow and locale files
	HOTLINE_ENV=development $(VENV)/bin/hotline flows check

chat: $(STAMP)  ## talk to the bot in the terminal
	HOTLINE_ENV=development $(VENV)/bin/hotline chat

clean:  ## remove the virtualenv and local data
	rm -rf $(VENV) .hotline .pytest_cache .ruff_cache
