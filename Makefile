# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

# The embedded defaults for `make run`: DEBUG on, SQLite, the Trustpilot sandbox, and a real Celery
# worker with beat on kombu's filesystem transport (no broker server needed), and push to the Zendesk sandbox.
RUN_ENV := DEBUG=1 TRUSTDESK_SANDBOX=1 TRUSTDESK_PUBLIC_URL=http://$(HOST):$(PORT) CELERY_BROKER_URL=filesystem:// \
	ZENDESK_RETURN_URL_HOSTS={subdomain}.zendesk.com,{subdomain}.localhost ZENDESK_PUSH_CLIENT_ID=trustdesk_sandbox_push

.PHONY: run simulate review test lint typecheck install migrate clean

run: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py migrate --no-input
	$(RUN_ENV) $(BIN)/python manage.py ensure_local_admin --url http://$(HOST):$(PORT)/admin/
	$(RUN_ENV) $(BIN)/python manage.py sandbox_seed --live-every 120
	$(RUN_ENV) $(BIN)/python manage.py connect_sandbox
	$(RUN_ENV) $(BIN)/python manage.py zendesk_sandbox_seed --subdomain demo --connect
	@mkdir -p var
	@echo "Review -> ticket -> reply -> Trustpilot, in the browser: http://$(HOST):$(PORT)/sandbox/zendesk/demo/agent/"
	@echo "Try Zendesk's side in another terminal: make simulate"
	$(RUN_ENV) bash -c '$(BIN)/celery -A trustdesk worker --beat --schedule var/celerybeat-schedule \
	    --pool solo --loglevel INFO & worker=$$!; trap "kill $$worker 2>/dev/null; wait $$worker" EXIT; \
	    $(BIN)/python manage.py runserver $(HOST):$(PORT)'

# A consumer writes a review in the Trustpilot sandbox (DOMAIN=…, STARS=1..5): its webhook makes it a ticket in seconds.
review: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py sandbox_review $(or $(DOMAIN),shop.example) $(if $(STARS),--stars $(STARS))

# Zendesk's side, played against the TrustDesk that `make run` serves (run it in a second terminal).
simulate: $(STAMP)
	$(RUN_ENV) $(BIN)/python manage.py zendesk_simulate --url http://$(HOST):$(PORT)

test: $(STAMP)
	.ci/install-test-tools
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

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
