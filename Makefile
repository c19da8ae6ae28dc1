# make run   : create .venv, install, initialise the database (demo campaign when empty), serve on :8050
# make test  : install the test tools, make sure Chromium is there, run pytest
# `PYTHON=/path/to/python3.11 make ...` picks the interpreter used to create .venv.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Stamps: touched after each install, so pip runs again only when a requirements file is newer.
# They live inside .venv, so deleting .venv also forgets them.
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev
PYTHON ?=
ifeq ($(strip $(PYTHON)),)
PYTHON := $(shell command -v python3.11 || command -v python3)
endif

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help venv dev run serve worker test lint bench clean

help:
	@echo "make run    启动仪表盘 / serve the dashboard on http://127.0.0.1:$${PORT:-8050}"
	@echo "make serve  生产模式：gunicorn 多进程 / production: gunicorn, WORKERS=$${WORKERS:-2} on $${HOST:-127.0.0.1}:$${PORT:-8050}"
	@echo "            (需要 SECRET_KEY；建议 DATABASE_URL=postgresql://…、REDIS_URL、CELERY_BROKER_URL)"
	@echo "make worker 生产模式的导出 worker（Celery，保持 Chromium 预热）/ the Celery export worker"
	@echo "make test   运行测试 / run the tests"
	@echo "make lint   ruff, lint-imports (imports only run downhill)"
	@echo "make bench  benchmarks/run.py"
	@echo "make venv   只建环境 / create .venv and install the runtime requirements"
	@echo "make clean  删除 .venv 与缓存（不动 instance/ 数据）/ remove .venv and caches (keeps instance/)"

$(PY):
	@py="$(PYTHON)"; \
	if [ -z "$$py" ]; then echo "找不到 Python 3.11 / no python3.11 or python3 on PATH" >&2; exit 1; fi; \
	if ! "$$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
		echo "需要 Python >= 3.11 / Python >= 3.11 required; $$py is $$("$$py" --version 2>&1)" >&2; exit 1; \
	fi; \
	echo "creating $(VENV) with $$py ($$("$$py" --version 2>&1))"; \
	"$$py" -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@ $(RUNTIME_STAMP)

venv: $(RUNTIME_STAMP)

dev: $(DEV_STAMP)

run: venv
	@bash scripts/ensure-chromium.sh || true  # exports need Chromium and CJK fonts; says how to install if missing
	$(PY) -m db init
	$(PY) -m db demo --if-empty
	$(PY) app.py

# Production mode (README: 生产模式 / production mode). gunicorn.conf.py refuses to start without a
# fixed SECRET_KEY and reads WORKERS, THREADS, HOST, PORT. No demo data here: only migrations and the preset.
serve: venv
	$(PY) -c 'import production; production.check_or_exit(warn=False)'  # before migrating
	$(PY) -m db init
	exec $(VENV)/bin/gunicorn -c gunicorn.conf.py wsgi:application

# The export worker: same SECRET_KEY and DATABASE_URL as the web processes, and CELERY_BROKER_URL.
worker: venv
	@bash scripts/ensure-chromium.sh || true  # exports need Chromium and CJK fonts; says how to install if missing
	exec $(VENV)/bin/celery -A worker worker --concurrency $${WORKER_CONCURRENCY:-1} --loglevel $${LOG_LEVEL:-info}

test: dev
	@bash scripts/ensure-chromium.sh
	$(PY) -m pytest -q

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

bench: venv
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache benchmarks/out
	find . -path ./.git -prune -o -path ./instance -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
