# Two commands do all the set-up: `make run` (the product on SQLite with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench bench-ledger lint install migrate seed

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/directory-admin migrate

seed: migrate
	$(BIN)/directory-admin seed

run: seed
	$(BIN)/directory-admin serve

# The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
test: $(STAMP)
	$(BIN)/pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL"; \
		DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/pytest -q; \
	else \
		echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; \
	fi

bench: $(STAMP)
	$(BIN)/python -m bench.search_benchmark $(BENCH_ARGS)

bench-ledger: $(STAMP)
	$(BIN)/python -m bench.ledger_benchmark $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
