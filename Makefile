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
PYTEST_ARGS ?=
LAB_ARGS ?=
# Jupyter refuses to run as root without --allow-root (containers and CI run as root)
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup git-filter briefings test lab lint format clean benchmarks

setup: $(STAMP)

# Re-install when the dependency list changes. The kernel is registered inside the venv
# (--sys-prefix) so papermill and JupyterLab both find "scrutiny" without touching ~/.local.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/bench_cycle.py
	$(BIN)/python benchmarks/bench_load.py

clean:
	rm -rf data/cache reports/*/ .pytest_cache
