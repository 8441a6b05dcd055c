# Two commands do everything (see README.md): `make book` and `make test`.
# Both create the local virtual environment .venv on first use (only Python >= 3.10 and pip
# are needed) and reinstall when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MATHJAX_VERSION := 3.2.2
MATHJAX_SHA256  := 1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09
MATHJAX_CACHE   := $(VENV)/downloads
MATHJAX         := _vendor/mathjax/tex-chtml.js
export SEQBOOK_PROFILE ?= cpu
export TF_CPP_MIN_LOG_LEVEL ?= 2

# `make test` runs pytest twice at once (the two cores are rarely both busy with one run):
# everything under TensorFlow, and under JAX every unit test and docstring example of the
# package plus one recurrent and one Transformer chapter end to end. The JAX run leaves out
# what does not depend on the backend (the site, its browser check, the project files), and
# tests/test_backends.py drives its JAX half from the TensorFlow run.
JAX_TESTS := seqbook tests book/neural/seq2seq.ipynb book/neural/transformers.ipynb \
	--ignore=tests/test_book_site.py --ignore=tests/test_site_browser.py \
	--ignore=tests/test_project_files.py

.PHONY: book test venv sync clean

book: $(STAMP) $(MATHJAX)  ## build the site, executing every chapter offline on the CPU
	$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The site is at $(CURDIR)/_build/html/index.html"

test: $(STAMP) $(MATHJAX)  ## unit tests, every notebook through nbval, and a non-executing book build
	@mkdir -p _build
	@echo "make test: the JAX run goes on beside the TensorFlow run; its log is _build/test-jax.log"
	@KERAS_BACKEND=jax PYTEST_ADDOPTS="$$JAX_PYTEST_ADDOPTS" $(BIN)/python -m pytest $(JAX_TESTS) \
		> _build/test-jax.log 2>&1 & jax=$$!; \
	$(BIN)/python -m pytest; tensorflow=$$?; \
	wait $$jax; jax=$$?; \
	echo; echo "==== the JAX run (KERAS_BACKEND=jax), from _build/test-jax.log"; \
	if [ $$jax = 0 ]; then tail -n 25 _build/test-jax.log; else cat _build/test-jax.log; fi; \
	exit $$(( tensorflow != 0 || jax != 0 ))

venv: $(STAMP) $(MATHJAX)  ## only create/update .venv (then: .venv/bin/jupyter lab)

sync: $(STAMP)  ## re-pair every chapter .md with its .ipynb after an edit
	find book -name '*.md' -exec grep -l '^kernelspec:' {} + | xargs $(BIN)/jupytext --sync

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# MathJax 3, pinned and checksum-verified, from its npm package (fetched once): the built site
# serves it (as _static/mathjax/), so its math is typeset with no network (see README, "Read offline").
# Only the files that the tex-chtml component loads are kept (about 7 MB of the package's 24).
$(MATHJAX):
	@command -v npm >/dev/null || { echo "npm is needed once, to fetch MathJax for the site (apt-get install npm)"; exit 1; }
	rm -rf _vendor/mathjax && mkdir -p _vendor/mathjax $(MATHJAX_CACHE)
	cd $(MATHJAX_CACHE) && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null
	echo "$(MATHJAX_SHA256)  $(MATHJAX_CACHE)/mathjax-$(MATHJAX_VERSION).tgz" | sha256sum --check --quiet
	tar xzf $(MATHJAX_CACHE)/mathjax-$(MATHJAX_VERSION).tgz -C _vendor/mathjax --strip-components=2 \
	    package/es5/tex-chtml.js package/es5/output/chtml package/es5/input/tex \
	    package/es5/a11y package/es5/ui package/es5/sre package/es5/adaptors
	touch $(MATHJAX)

clean:  ## remove the built site and the execution cache (keeps .venv and _vendor/mathjax)
	rm -rf _build
