# The only entry points a person needs. Each target bootstraps what it uses:
# uv (pinned, into .tools/), then a virtual environment (.venv/) with every workspace member
# installed in editable mode, pinned by constraints.txt.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MEMBERS := core proto protocol handlers
# What `make install` puts in .venv: every member, the handlers and the umbrella with all their
# extras (the umbrella's postgres extra: PostgresStore and its tests).
INSTALL_TARGETS := --editable ./core --editable ./proto --editable ./protocol \
	--editable "./handlers[gateway,nats]" --editable ".[postgres]"
SOURCES := core/src proto/src protocol/src protocol/tools handlers/src src tests benches examples

# Never let uv fetch a Python build: use the machine's.
export UV_PYTHON_DOWNLOADS := never

.PHONY: help install run test lint typecheck pytest bench fuzz docs constraints tokens proto clean

help:
	@echo "make run    - run the example bot against the simulator (bootstraps everything)"
	@echo "make test   - lint, type-check and run the test suite"
	@echo "make bench  - run the benchmarks in benches/"
	@echo "make lint   - ruff only;  make typecheck - mypy --strict only"
	@echo "make fuzz   - fuzz the wire decoders for FUZZ_SECONDS (default 300)"
	@echo "make docs   - build the documentation site into site/ (warnings are errors)"
	@echo "make proto  - regenerate wabus.proto's *_pb2.py/.pyi from its .proto sources"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): $(UV) pyproject.toml $(addsuffix /pyproject.toml,$(MEMBERS)) constraints.txt build-constraints.txt
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(VENV)
	$(UV) pip install --quiet --python $(PY) --constraint constraints.txt \
		--build-constraint build-constraints.txt \
		$(INSTALL_TARGETS) --group dev --group bench
	touch $@

install: $(STAMP)

run: install
	$(VENV)/bin/wabus run --simulator

lint: install
	$(VENV)/bin/ruff check $(SOURCES)
	$(VENV)/bin/ruff format --check $(SOURCES)

typecheck: install
	$(VENV)/bin/mypy

pytest: install
	$(PY) -m pytest $(PYTEST_ARGS)

test: lint typecheck pytest

# Peers measured in the same run: pyee and blinker (the bench group), yowsup's pure-Python
# decoder (installed without its heavy dependencies, which the decoder does not use) and
# Baileys (fetched with npm by benches/bench_wire.py into .bench-cache/).
bench: install
	$(UV) pip install --quiet --python $(PY) --no-deps "yowsup==3.3.0"
	$(PY) -m benches $(BENCH_ARGS)

# Fuzz the wire decoders for FUZZ_SECONDS (coverage-guided with atheris).
FUZZ_SECONDS ?= 300
fuzz: install
	$(UV) pip install --quiet --python $(PY) --constraint constraints.txt --group fuzz
	mkdir -p .fuzz && cd .fuzz && ../$(PY) ../protocol/tools/fuzz_decode.py --atheris --seconds $(FUZZ_SECONDS)

# The documentation site (mkdocs.yml, docs/): guides and the API reference from the docstrings,
# built into site/ with warnings as errors (a broken link or reference, a missing page or module
# fails it). Not --quiet: mkdocs then drops the warnings before --strict counts them.
docs: install
	$(UV) pip install --quiet --python $(PY) --constraint constraints.txt --group docs
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

# Re-pin every dependency, and the build backend, to what resolves today (name==version lines
# only: no lock file with download addresses is kept).
constraints: $(UV)
	$(UV) pip compile --quiet --python $(PYTHON) --no-header --no-annotate \
		--all-extras --group pyproject.toml:dev --group pyproject.toml:bench --group pyproject.toml:fuzz \
		--group pyproject.toml:docs \
		$(addsuffix /pyproject.toml,$(MEMBERS)) pyproject.toml \
		| grep -v '^wabus' | grep -v '^-e ' > constraints.txt
	echo hatchling | $(UV) pip compile --quiet --python $(PYTHON) --no-header --no-annotate - \
		> build-constraints.txt

# Regenerate the token table from the protocol's tokens.json (beside the checkout).
TOKENS_JSON ?= ../shared/wire/tokens.json
tokens: install
	$(PY) protocol/tools/gen_tokens.py $(TOKENS_JSON) > protocol/src/wabus/protocol/_tokens.py

# Regenerate the protobuf modules (and their .pyi stubs) from proto/src/wabus/proto/*.proto with
# the protoc bundled in the pinned grpcio-tools. The output is committed; tests/proto checks that
# it is not stale. Old outputs go first, so a removed .proto leaves no module behind.
PROTO_SRC := proto/src
proto: install
	rm -f $(PROTO_SRC)/wabus/proto/*_pb2.py $(PROTO_SRC)/wabus/proto/*_pb2.pyi
	$(PY) -m grpc_tools.protoc -I $(PROTO_SRC) --python_out=$(PROTO_SRC) --pyi_out=$(PROTO_SRC) \
		$(PROTO_SRC)/wabus/proto/*.proto

clean:
	rm -rf $(VENV) $(TOOLS) site .mypy_cache .ruff_cache .pytest_cache .hypothesis
