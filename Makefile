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
# `make book` and `make test` print one line per chapter (and test file); the whole output of
# jupyter-book and pytest goes to a log under _build/logs/, whose path they print.
QUIETLY := $(BIN)/python tools/quietly.py

# `make test` keeps the two cores busy with two jobs that end at about the same time:
# 1. under TensorFlow, every unit test and docstring example, then the chapters in order;
# 2. beside it, under JAX, every unit test and docstring example of the package, the round trip
#    of every builder between the two backends (tests/test_backends.py), and one recurrent and
#    one Transformer chapter end to end; then, under TensorFlow, the chapters in reverse order.
# The chapters are shared: each is run by the first job to reach it, which leaves a claim in
# CHAPTER_CLAIMS, and the other job skips it (conftest.py). The jobs thus meet wherever the
# time falls (the JAX run takes twice as long with a cold compilation cache as with a warm
# one), and a last check makes sure that every chapter was run.
# The JAX run leaves out what does not depend on the backend: the site, its browser check, the
# project files, the sharing of chapters between the jobs, the HTTP server (it runs ONNX
# Runtime), and the data sources' tests and docstring examples (tests/data, the Bible and
# man-page corpora, seqbook/data/sources: they read archives into NumPy arrays and tf.data
# pipelines). The TensorFlow run checks all of them. Plain `pytest` still runs everything
# under TensorFlow, in one process.
JAX_TESTS := seqbook tests book/neural/seq2seq.ipynb book/neural/transformers.ipynb \
	--ignore=tests/test_book_site.py --ignore=tests/test_site_browser.py \
	--ignore=tests/test_project_files.py --ignore=tests/test_chapter_claims.py \
	--ignore=tests/test_serving.py \
	--ignore=tests/data --ignore=tests/test_bible_data.py --ignore=tests/test_manpage_data.py \
	--ignore=tests/test_debian_archives.py --ignore=seqbook/data/sources
# The JAX run spends most of its time compiling (JAX compiles every new shape; the tests build
# hundreds of small models), so it asks XLA's CPU backend for its cheapest code generation and
# keeps every compiled program in a persistent cache, shared by its processes and by later
# runs, in any clone (a program is found by a hash of itself, the flags and the JAX version,
# so a stale entry is never used: it is only never asked for again). Each run of changed code
# adds about 80 MB; past JAX_CACHE_LIMIT_MB the cache is emptied before a run. JAX's own
# size-capped (LRU) cache is not used: it slowed the run down as the cache grew
# (benchmarks/ci_times.md).
JAX_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/seqbook/jax-cache
JAX_CACHE_LIMIT_MB ?= 1500
JAX_SPEEDUPS := XLA_FLAGS=--xla_backend_optimization_level=0 \
	JAX_COMPILATION_CACHE_DIR=$(JAX_CACHE) \
	JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS=0
CHAPTERS := $(sort $(shell find book -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*'))
reverse = $(if $(1),$(call reverse,$(wordlist 2,$(words $(1)),$(1))) $(firstword $(1)))
CHAPTER_CLAIMS := _build/chapter-claims
TENSORFLOW_TESTS := --ignore=tests/test_backends.py

.PHONY: book test venv sync clean

book: $(STAMP) $(MATHJAX)  ## build the site, executing every chapter offline on the CPU
	@$(QUIETLY) book --log _build/logs/book.log -- \
		$(BIN)/jupyter-book build . --warningiserror --keep-going
	@echo "The site is at $(CURDIR)/_build/html/index.html"

test: $(STAMP) $(MATHJAX)  ## unit tests, every notebook through nbval, and a non-executing book build
	@mkdir -p _build/logs $(JAX_CACHE)
	@if [ "$$(du -sm $(JAX_CACHE) | cut -f1)" -gt $(JAX_CACHE_LIMIT_MB) ]; then \
		echo "emptying the JAX compilation cache $(JAX_CACHE) (over $(JAX_CACHE_LIMIT_MB) MB)"; \
		rm -rf $(JAX_CACHE) && mkdir -p $(JAX_CACHE); fi
	@rm -rf $(CHAPTER_CLAIMS) && mkdir -p $(CHAPTER_CLAIMS)
	@echo "make test: one line per test file and chapter of the TensorFlow run; the second job"
	@echo "(JAX, then the chapters from the last) goes on beside it and its lines come at the end"
	@( KERAS_BACKEND=jax $(JAX_SPEEDUPS) PYTEST_ADDOPTS="$$JAX_PYTEST_ADDOPTS" $(QUIETLY) pytest \
		--log _build/logs/test-jax.log -- $(BIN)/python -m pytest -v $(JAX_TESTS); jax=$$?; \
	  KERAS_BACKEND=tensorflow SEQBOOK_CHAPTER_CLAIMS=$(CHAPTER_CLAIMS) \
		PYTEST_ADDOPTS="$$SIDE_PYTEST_ADDOPTS" $(QUIETLY) pytest \
		--log _build/logs/test-side-chapters.log -- $(BIN)/python -m pytest -v \
		$(call reverse,$(CHAPTERS)); \
	  side=$$?; exit $$(( jax != 0 || side != 0 )) ) > _build/logs/test-beside.report 2>&1 & \
	beside=$$!; \
	SEQBOOK_CHAPTER_CLAIMS=$(CHAPTER_CLAIMS) $(QUIETLY) pytest --log _build/logs/test-tensorflow.log -- \
		$(BIN)/python -m pytest -v $(TENSORFLOW_TESTS); tensorflow=$$?; \
	wait $$beside; beside=$$?; \
	echo; echo "==== the second job: the JAX run, then the chapters the first job had not reached"; \
	cat _build/logs/test-beside.report; \
	claimed=$$(ls $(CHAPTER_CLAIMS) | wc -l); echo; \
	if [ $$claimed -ne $(words $(CHAPTERS)) ]; then \
		echo "FAILED: $$claimed of the $(words $(CHAPTERS)) chapters were run"; claimed=0; \
	else echo "all $(words $(CHAPTERS)) chapters were run, each by one job"; fi; \
	exit $$(( tensorflow != 0 || beside != 0 || claimed == 0 ))

venv: $(STAMP) $(MATHJAX)  ## only create/update .venv (then: .venv/bin/jupyter lab)

sync: $(STAMP)  ## re-pair every chapter .md with its .ipynb after an edit
	find book -name '*.md' -exec grep -l '^kernelspec:' {} + | xargs $(BIN)/jupytext --sync

$(STAMP): pyproject.toml
	@echo "Creating .venv and installing seqbook with its test tools (a few minutes, once)"
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

clean:  ## remove the built site and the execution cache (keeps .venv, _vendor/mathjax, the JAX cache)
	rm -rf _build
