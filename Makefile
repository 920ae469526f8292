# Everything runs in .venv, created on first use. torch is installed first and alone,
# so pip takes the CPU build instead of resolving a multi-GB CUDA one.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
TORCH := $(shell grep '^torch==' requirements.lock)

.PHONY: install demo test lint bench lock clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -U pip
	$(BIN)/pip install -q "$(TORCH)"
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

demo: install
	$(BIN)/gazette demo

test: install lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check src tests bench eval
	$(BIN)/ruff format --check src tests bench eval
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/run_all.py

# Re-resolve requirements.in into requirements.lock (in a scratch venv).
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install -q -U pip
	.venv-lock/bin/pip install -q "$$(grep '^torch==' requirements.in)"
	.venv-lock/bin/pip install -q -r requirements.in
	.venv-lock/bin/pip freeze | sed 's/^torch==\(.*\)+cpu$$/torch==\1/' > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
