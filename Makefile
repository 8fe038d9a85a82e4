# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint format bench train-html clean conformance

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

train-html: $(BIN)/.dev  ## retrain the HTML block classifier on the WCXB dev split, cross-validated
	$(BIN)/python -m bench.train_html --render

bench: $(BIN)/.dev  ## every benchmark; results and machines in bench/README.md
	$(BIN)/python -m bench.html --compare
	$(BIN)/python -m bench.markdown_lint
	$(BIN)/python -m bench.pdf --repeat 3
	$(BIN)/python -m bench.memory
	$(BIN)/python -m bench.coldstart --runs 10
	$(BIN)/python -m bench.load --clients 16 --workers 2 --calls 40 --seconds 60

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
