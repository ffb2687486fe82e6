# LST: `make run` serves the demo, `make test` runs the suite. Both set themselves up.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install install-dev test lint typecheck worker beat pipeline clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py setup_schedule
	$(PY) manage.py seed_shelf_layouts
	$(PY) manage.py run_pipeline --if-needed
	$(PY) manage.py run_weekly --if-needed
	@echo "Serving the API at http://$(HOST):$(PORT)/api/v1/ (docs at /api/docs/) and the admin at http://$(HOST):$(PORT)/admin/"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev
	$(PY) -m pytest

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

typecheck: install-dev
	$(VENV)/bin/mypy .

worker: install
	$(VENV)/bin/celery -A lst worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A lst beat --loglevel=INFO

pipeline: install
	$(PY) manage.py run_pipeline

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* .pytest_cache .ruff_cache .mypy_cache artifacts
