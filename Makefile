# Build and test the ntklc-book.  `make help` lists the targets.
# Recipes run in bash with -eu -o pipefail, so any failing command stops the target.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

VENV := .venv
PY := $(VENV)/bin/python
# Touched after a successful `pip install`: reinstall only when pyproject.toml is newer.
VENV_STAMP := $(VENV)/.installed-stamp

# MathJax 3 comes from the npm registry and is served from the book's own static files,
# so the rendered pages need no network.
MATHJAX_VERSION := 3.2.2
MATHJAX_DIR := book/_static/mathjax
MATHJAX := $(MATHJAX_DIR)/tex-chtml.js

# Touched after every successful book build; `make test` rebuilds when a source is newer.
BOOK_STAMP := _build/.book-stamp
BOOK_SOURCES := _config.yml _toc.yml $(wildcard book/*.md book/*.bib book/_ext/*.py book/_static/*.css notebooks/*.md ntklc_lib/*.py benchmarks/*.json)

# STRICT=1 turns Sphinx warnings into errors (CI uses it).  --all re-reads every page, so warnings
# of unchanged pages are reported too; executed notebooks still come from the cache.
STRICT ?=
JB_FLAGS := --all $(if $(filter 1 yes true,$(STRICT)),-W --keep-going)

# Data: CI and developers have the shared data next to the repository.
ifneq ($(wildcard ../shared/data),)
export NTKLC_DATA_DIR ?= $(abspath ../shared/data)
endif
# Tools (jupyter-book, papermill, pytest, the python3 kernel) come from the venv.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help venv mathjax book test benchmarks clean

help:
	@echo "make venv        create .venv and install the package with its book and test extras"
	@echo "make book        execute every notebook and build the HTML book in _build/html (STRICT=1: warnings are errors)"
	@echo "make test        unit tests, notebook pairing check, papermill runs with small parameters, rendered-page checks"
	@echo "make mathjax     copy MathJax 3 from npm into book/_static/mathjax (make venv does it too; the book works offline)"
	@echo "make benchmarks  run benchmarks/*.py (about 10 min; features.py needs CIFAR-10 in the data directory)"
	@echo "make clean       remove _build and caches (keeps .venv and the MathJax copy)"

venv: $(VENV_STAMP) $(MATHJAX)

$(VENV_STAMP): pyproject.toml
	[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -e '.[book,test]'
	touch $@

mathjax: $(MATHJAX)

# npm installs into a scratch prefix under _build; only the es5 bundle (with its fonts and
# lazily loaded components) is copied into the book's static files.
$(MATHJAX):
	npm install --prefix _build/npm --no-save --no-package-lock --no-audit --no-fund mathjax@$(MATHJAX_VERSION)
	rm -rf $(MATHJAX_DIR)
	mkdir -p $(dir $(MATHJAX_DIR))
	cp -r _build/npm/node_modules/mathjax/es5 $(MATHJAX_DIR)
	test -f $@

# jupyter-cache keys an execution on the notebook's code only, not on the library it imports or the
# benchmark records it reads (benchmarks/*.json).  Each build writes a hash of both (file names and
# contents) beside the cache before it starts; when the hash differs, or no hash is there, the cache is
# dropped and every chapter runs again.  (A timestamp written after a successful build missed the chapters
# cached by a build that failed: a library change before the next build left them stale.)
LIB_HASH_FILE := _build/.jupyter_cache.lib-hash
define build-book
h=$$(find ntklc_lib benchmarks \( -name '*.py' -path 'ntklc_lib/*' -o -name '*.json' -path 'benchmarks/*' \) -type f \
	| LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1); \
if [ -d _build/.jupyter_cache ] && [ "$$(cat $(LIB_HASH_FILE) 2>/dev/null)" != "$$h" ]; then \
	echo "ntklc_lib or a benchmark record changed since the cache was filled: clearing the notebook execution cache"; \
	rm -rf _build/.jupyter_cache; \
fi; \
mkdir -p _build && echo "$$h" > $(LIB_HASH_FILE)
jupyter-book build . $(JB_FLAGS)
touch $(BOOK_STAMP)
endef

book: venv
	$(build-book)

$(BOOK_STAMP): $(BOOK_SOURCES) $(VENV_STAMP) $(MATHJAX)
	$(build-book)

# Order: cheap checks first, so a stale pairing or a failing unit test is reported in seconds.
test: venv
	$(PY) tests/check_pairing.py
	$(PY) -m pytest -m "not book"
	$(PY) tests/run_notebooks.py
	$(MAKE) --no-print-directory $(BOOK_STAMP)
	$(PY) -m pytest -m book tests/test_book_pages.py

benchmarks: venv
	@shopt -s nullglob; files=(benchmarks/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "no benchmarks in benchmarks/"; exit 0; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(PY) "$$f"; done

clean:
	rm -rf _build .pytest_cache
	find . -path ./$(VENV) -prune -o -type d \( -name __pycache__ -o -name .ipynb_checkpoints \) -print0 | xargs -0 rm -rf
