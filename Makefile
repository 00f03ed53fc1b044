# Two commands do all the set-up: `make run` (the product on SQLite with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-browser browser bench bench-relevance bench-ledger lint install migrate seed messages mutants

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

# The browser tests drive Debian's Chromium (no browser can be downloaded here): installed when missing.
browser:
	@test -x /usr/bin/chromium || apt-get install -y chromium || (apt-get update && apt-get install -y chromium) || \
		{ echo "Chromium is missing and could not be installed: apt-get install -y chromium" >&2; exit 1; }

# The whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set: on every core (pytest-xdist, one
# database per worker), in a shuffled order (pytest-randomly prints its seed), with the 20 slowest tests. The
# browser tests (a third of the time) run once: on PostgreSQL, the production engine, when it is there, otherwise
# on SQLite; the pages' own tests over HTTP run on both. Both engines run even when the first fails; each one's
# time and result come last, and the command fails if either failed. PYTEST_ARGS adds pytest options.
PYTEST := $(BIN)/pytest -q -n auto --durations=20 $(PYTEST_ARGS)
test: $(STAMP) browser
	@failed=0; summary=""; \
	start=$$(date +%s); \
	if [ -n "$$TEST_DATABASE_URL" ]; then browser="--ignore=tests/browser"; else browser=""; fi; \
	if $(PYTEST) $$browser; then result=passed; else result=FAILED; failed=1; fi; \
	summary="== SQLite: $$result in $$(( $$(date +%s) - start )) s$${browser:+ (browser tests: on PostgreSQL)}"; \
	if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL"; \
		start=$$(date +%s); \
		if DATABASE_URL="$$TEST_DATABASE_URL" $(PYTEST); then result=passed; else result=FAILED; failed=1; fi; \
		summary="$$summary\n== PostgreSQL: $$result in $$(( $$(date +%s) - start )) s"; \
	else \
		summary="$$summary\n== PostgreSQL: skipped (TEST_DATABASE_URL not set)"; \
	fi; \
	printf "$$summary\n"; \
	exit $$failed

# Only the browser tests (screenshots and page sizes land in tests/browser/artifacts/).
test-browser: $(STAMP) browser
	$(BIN)/pytest -q tests/browser

# Gather the pages' text into each package's Spanish catalog (<package>/locale/es/LC_MESSAGES/messages.po);
# translate the new entries there. tests/test_translations.py fails while one is missing.
messages: $(STAMP)
	@for package in kernel server accounts directory referrals; do \
		mkdir -p $$package/locale/es/LC_MESSAGES; \
		$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -o $$package/locale/messages.pot $$package >/dev/null; \
		if [ -f $$package/locale/es/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i $$package/locale/messages.pot -d $$package/locale -l es; \
		else \
			$(BIN)/pybabel init -i $$package/locale/messages.pot -d $$package/locale -l es; \
		fi; \
		rm $$package/locale/messages.pot; \
	done

# The search benchmark needs wrk, and PostGIS on the PostgreSQL server for its yardstick: installed when
# missing. BENCH_POSTGRES_URL defaults to a bench database on the local server (set it empty for SQLite only).
BENCH_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/bench_search
bench: $(STAMP)
	@command -v wrk >/dev/null || apt-get install -y wrk || (apt-get update && apt-get install -y wrk) || \
		{ echo "wrk is missing and could not be installed: install it (apt-get install -y wrk) and try again" >&2; exit 1; }
	@pg=$$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1); \
	if [ -n "$(BENCH_POSTGRES_URL)" ] && [ -n "$$pg" ] && [ ! -e /usr/share/postgresql/$$pg/extension/postgis.control ]; then \
		apt-get install -y postgresql-$$pg-postgis-3 || (apt-get update && apt-get install -y postgresql-$$pg-postgis-3) || \
			echo "PostGIS could not be installed: the yardstick will be skipped" >&2; \
	fi
	BENCH_POSTGRES_URL="$(BENCH_POSTGRES_URL)" $(BIN)/python -m bench.search_benchmark $(BENCH_ARGS)

# Judged queries (bench/relevance/judgments.toml) through the real search over the demo data and the SAMHSA/HRSA
# records: precision@3 and nDCG@10 per kind; bench/results/relevance.json and relevance.svg.
bench-relevance: $(STAMP)
	$(BIN)/python -m bench.relevance_benchmark $(BENCH_ARGS)

bench-ledger: $(STAMP)
	BENCH_POSTGRES_URL="$(BENCH_POSTGRES_URL)" $(BIN)/python -m bench.ledger_benchmark $(BENCH_ARGS)

# Mutation testing of the rule modules named in mutation_testing/targets.py (mutmut, two workers), then the
# survival rate per module; MODULES="accounts.csrf ..." mutates only those. Every run starts afresh (mutmut does
# not refresh its copy of unmutated files); each mutant's tests copy the migrated template database.
MUTATION_TMP := $(CURDIR)/var/mutation
mutants: $(STAMP)
	rm -rf mutants $(MUTATION_TMP)
	mkdir -p $(MUTATION_TMP)
	DATABASE_URL=sqlite:///$(MUTATION_TMP)/template.sqlite $(BIN)/directory-admin migrate >/dev/null
	TMPDIR=$(MUTATION_TMP) MUTATION_TEMPLATE_DATABASE=$(MUTATION_TMP)/template.sqlite \
		$(BIN)/mutmut run --max-children 2 $$($(BIN)/python -m mutation_testing.targets $(MODULES))
	rm -rf $(MUTATION_TMP)
	$(BIN)/python -m mutation_testing.survival

# ruff (lint and format) and mypy, with 0 errors: CI runs this before the tests.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
