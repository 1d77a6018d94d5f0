# Linli — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8000
export LINLI_DEMO_PASSWORD ?= linli-demo-2026

.PHONY: run test lint typecheck pytest install static migrate demo worker clean messages bench totp

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt -c constraints.txt
	touch $@

install: $(VENV)/.installed static

static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p static/vendor/htmx static/vendor/leaflet static/vendor/echarts
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images static/vendor/leaflet/
	cp node_modules/echarts/dist/echarts.min.js static/vendor/echarts/
	touch $@

static: static/vendor/.installed

migrate: install
	DEBUG=1 $(PY) manage.py migrate --noinput

# Development server with the demo street (built once, when the database is empty) and the Huey worker.
run: migrate
	@DEBUG=1 $(PY) manage.py demo --if-empty --size street --password "$$LINLI_DEMO_PASSWORD"
	@echo ""
	@echo "  Linli is at http://127.0.0.1:$(PORT)/"
	@echo "  Demo logins (password: $$LINLI_DEMO_PASSWORD): admin street community grid volunteer resident"
	@echo "  admin, street and community also need a two-step code: make totp (prints the current ones)"
	@echo ""
	@DEBUG=1 $(PY) manage.py run_huey --workers 1 --quiet & HUEY_PID=$$!; \
	  trap "kill $$HUEY_PID 2>/dev/null" EXIT INT TERM; \
	  DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The current two-step verification codes of the demo staff (enrolling them on first use; DEBUG only).
totp: migrate
	@DEBUG=1 $(PY) manage.py demo_totp admin street community

worker: migrate
	DEBUG=1 $(PY) manage.py run_huey

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(VENV)/bin/pytest

test: lint typecheck pytest

# The six benchmarks of issue #12 on PostgreSQL (not part of `make test`; see bench/README.md).
# Builds the scale database with generate_scale when it is empty; installs wrk (Debian) if absent.
bench: install
	@command -v wrk >/dev/null || apt-get install -y -q wrk
	$(PY) bench/run_all.py

messages: install
	$(PY) scripts/i18n.py

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles
