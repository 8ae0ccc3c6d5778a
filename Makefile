# scrutiny: two commands from a fresh clone.
#   make briefings   set up .venv (first time) and render the default CGB cycle to reports/
#   make test        set up .venv (first time) and run the test suite
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.scrutiny-installed
CYCLE ?= params/cycles/2022-11.yaml
JOBS ?=
QUICK ?=
PYTEST_ARGS ?=
LAB_ARGS ?=
# Jupyter refuses to run as root without --allow-root (containers and CI run as root)
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup git-filter lock briefings test lab lint format clean benchmarks

setup: $(STAMP)

# Re-install when the dependencies change. Every package (with the dev extras and the build
# tools) comes from requirements.lock, exact versions checked against their sha256, then
# scrutiny itself is installed editable without touching them. The kernel is registered
# inside the venv (--sys-prefix) so papermill and JupyterLab both find "scrutiny" without
# touching ~/.local.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name scrutiny --display-name "Python (scrutiny)"
	@$(MAKE) --no-print-directory git-filter
	@touch $(STAMP)

# Inside a git checkout, strip notebook outputs as notebooks are staged (the filter runs
# .venv/bin/python from the top of each working tree; the attributes are in .gitattributes).
git-filter:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  $(BIN)/nbstripout --install --python $(BIN)/python --attributes .gitattributes; \
	  echo "nbstripout git filter installed (notebooks are staged without outputs)"; \
	fi

# After changing the dependencies in pyproject.toml: pin them all again, with hashes, for
# this Python (pip-tools in a throwaway venv, reading the same pip configuration as setup).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet pip-tools
	CUSTOM_COMPILE_COMMAND="make lock" .lock-venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --all-build-deps \
	  --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
	  --no-emit-trusted-host --output-file requirements.lock pyproject.toml
	rm -rf .lock-venv

briefings: $(STAMP)
	$(BIN)/scrutiny run $(CYCLE) $(if $(JOBS),--jobs $(JOBS),)

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks --MappingKernelManager.default_kernel_name=scrutiny $(ALLOW_ROOT) $(LAB_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check lib tests benchmarks
	$(BIN)/ruff format --check lib tests benchmarks
	$(BIN)/nbstripout --verify notebooks/*.ipynb tests/fixtures/**/*.ipynb

format: $(STAMP)
	$(BIN)/ruff check --fix lib tests benchmarks
	$(BIN)/ruff format lib tests benchmarks
	$(BIN)/nbstripout --keep-output=false notebooks/*.ipynb

# The speed benchmarks (on demand, never in tests); each figure on a line `BENCH name value unit`.
# Full: the real 2022-11 cycle (about 10 min) and the 18-million-row synthetic national build
# (generated once under benchmarks/.data/). QUICK=1: the fixture cycle and 43 forces x 3 months
# (3 build/DuckDB pairs, medians).
# A missed target is printed (NOT MET), not an error; a benchmark that crashes stops make.
benchmarks: $(STAMP)
	$(BIN)/python benchmarks/bench_cycle.py $(if $(QUICK),--fixture,)
	$(BIN)/python benchmarks/bench_national.py $(if $(QUICK),--quick --repeat 3,)
	$(BIN)/python benchmarks/bench_load.py $(if $(QUICK),--repeat 1,)

clean:
	rm -rf data/cache reports/*/ .pytest_cache
