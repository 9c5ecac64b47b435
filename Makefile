# gk-portal — every entry point a newcomer needs. See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
GK := $(BIN)/gk
HOST ?= 127.0.0.1
PORT ?= 8000
export GK_DATA_DIR ?= $(CURDIR)/var

.PHONY: setup run demo migrate test test-fast lint bench clean es es-stop

# The local Elasticsearch node (search/es/node.sh); with ELASTICSEARCH_URL set,
# `make es` only checks that cluster answers. GK_ES_PORT changes the port.
ES_NODE := search/es/node.sh

$(BIN)/gk: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

setup: $(BIN)/gk  ## create .venv and install the project editable with test extras

migrate: setup
	@mkdir -p $(GK_DATA_DIR)
	$(GK) migrate --no-input

demo: migrate es  ## load the demo region (idempotent) and index it for search
	$(GK) setup-demo
	$(GK) search-index rebuild

run: es demo  ## migrate, load the demo region and serve on $(HOST):$(PORT)
	@echo "门户: http://$(HOST):$(PORT)/    管理后台: http://$(HOST):$(PORT)/admin/  (用户名 admin / 密码 admin)"
	@echo "演示账号（密码 demo12345）: 编辑 jyj_editor mzj_editor cgz_editor；保密审查员 jyj_reviewer cgz_reviewer；审核员 jyj_approver cgz_approver"
	$(GK) runserver $(HOST):$(PORT)

test: setup es  ## the whole suite
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup  ## ruff (ruff.toml) and the layer contracts (.importlinter)
	$(BIN)/ruff check .
	cd $(CURDIR) && PYTHONPATH=site:. $(BIN)/lint-imports

bench: setup  ## benchmarks, printing numbers and ratios
	$(BIN)/python -m tests.benchmarks $(BENCH_ARGS)

es:  ## start the local Elasticsearch node if it is not running (or check $$ELASTICSEARCH_URL)
	@bash $(ES_NODE) start

es-stop:  ## stop the local Elasticsearch node
	@bash $(ES_NODE) stop

clean:
	rm -rf $(VENV) var .pytest_cache
