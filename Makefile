# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

# The embedded defaults for `make run`: DEBUG on, SQLite, tasks in-process, the Trustpilot sandbox.
RUN_ENV := DEBUG=1 TRUSTDESK_SANDBOX=1 TRUSTDESK_PUBLIC_URL=http://$(HOST):$(PORT)

.PHONY: run test lint typecheck install migrate clean

run: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input
	$(RUN_ENV) $(BIN)/python manage.py ensure_local_admin --url http://$(HOST):$(PORT)/admin/
	$(RUN_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
