# Two commands do everything (see README.md): `make book` and `make test`.
# Both create the local virtual environment .venv on first use (only Python >= 3.10 and pip
# are needed) and reinstall when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export SEQBOOK_PROFILE ?= cpu
export TF_CPP_MIN_LOG_LEVEL ?= 2

.PHONY: book test venv sync clean

book: $(STAMP)  ## build the site, executing every chapter offline on the CPU
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The site is at $(CURDIR)/_build/html/index.html"

test: $(STAMP)  ## unit tests, every notebook through nbval, and a non-executing book build
	$(BIN)/python -m pytest

venv: $(STAMP)  ## only create/update .venv (then: .venv/bin/jupyter lab)

sync: $(STAMP)  ## re-pair every chapter .md with its .ipynb after an edit
	find book -name '*.md' -exec grep -l '^kernelspec:' {} + | xargs $(BIN)/jupytext --sync

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

clean:  ## remove the built site and the execution cache (keeps .venv)
	rm -rf _build
