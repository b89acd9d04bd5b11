# Water Classroom: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint install services clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## run: install, migrate, load the demo course and serve the API on embedded stores
run: $(STAMP)
	$(BIN)/wc run

## test: install, make sure the test servers answer on loopback, run the whole suite
test: $(STAMP)
	scripts/ensure-system-packages.sh
	$(BIN)/python -m pytest

## bench: print the API benchmark table
bench: $(STAMP)
	$(BIN)/python bench/api.py

## lint: ruff and mypy
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .wc-data .pytest_cache
