# The README's commands. `make run` and `make test` are all a newcomer needs.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STAMP   = $(VENV)/.installed

.PHONY: run test e2e lint a11y bench messages collectstatic worker beat clean help

help:
	@echo "make run    - set up .venv, migrate SQLite, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   - run the whole test suite (PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL are set)"
	@echo "make e2e    - only the browser tests (headless Chromium)"
	@echo "make lint   - ruff and the import contracts (lint-imports)"
	@echo "make a11y   - a11y-moda lint over the templates (Taiwan's accessibility rules); fails on any fail"
	@echo "make bench  - benchmarks that print figures"
	@echo "make messages - refresh and compile the translations"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

# Links in printed output and in e-mails follow the port you serve on (SITE_URL), unless you set SITE_URL.
SITE_URL ?= http://$(HOST):$(PORT)
export SITE_URL

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo_data
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The suite runs in one process per CPU (pytest-xdist); TEST_PROCESSES=0 runs it in this process.
TEST_PROCESSES ?= auto

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --durations=20

e2e: $(STAMP)
	$(BIN)/python -m pytest -m e2e

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

a11y: $(STAMP)
	$(BIN)/a11y-moda lint templates > a11y-report.json; status=$$?; \
	$(BIN)/python -c "import json; s = json.load(open('a11y-report.json'))['summary']; print(s); raise SystemExit(1 if s['fail'] else 0)" && exit $$status

bench: $(STAMP)
	$(BIN)/python tests/bench/run.py

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hant --ignore=".venv/*" --ignore="tests/*"
	$(BIN)/python manage.py compilemessages --ignore=".venv/*"

collectstatic: $(STAMP)
	$(BIN)/python manage.py collectstatic --noinput

worker: $(STAMP)
	$(BIN)/celery -A volunteer_site worker --loglevel=INFO

beat: $(STAMP)
	$(BIN)/celery -A volunteer_site beat --loglevel=INFO

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache
