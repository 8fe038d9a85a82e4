# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint format bench clean conformance

$(BIN)/activate: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(BIN)/activate

$(BIN)/.dev: $(BIN)/activate requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(BIN)/.dev

run: $(BIN)/activate  ## serve Streamable HTTP on http://$(HOST):$(PORT)/mcp
	$(BIN)/python -m doc_reader serve --host $(HOST) --port $(PORT)

lint: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint  ## lint + the full offline test suite
	$(BIN)/python -m pytest -q

conformance: $(BIN)/activate  ## official MCP conformance suite + MCP Inspector CLI (needs the npm registry)
	bash conformance/run.sh $(BIN)/python

bench: $(BIN)/.dev  ## benchmarks on ../shared/bench-data (see bench/README.md)
	$(BIN)/python -m bench.html
	$(BIN)/python -m bench.pdf

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
