# The two commands: `make run` (set up everything, open mneme) and `make test` (set up everything, run every test).
SHELL := /bin/bash
# One target dir outside the clone, shared by run, test and bench (and by CI runs), so dependencies build once.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/mneme/target
# llama.cpp is compiled for this machine's CPU (mneme is built where it runs), AVX-512 included
# (GGML_NATIVE_AVX512=OFF leaves it out). `make GGML_NATIVE=OFF …` makes a portable build (vendor/README.md).
export GGML_NATIVE ?= ON
CARGO ?= cargo
BIN := $(CARGO_TARGET_DIR)/release/mneme
ARGS ?=
# Where `make install` puts bin/mneme (stripped), share/mneme/assets and share/man/man1.
PREFIX ?= $(HOME)/.local

.PHONY: run test deps models llama-server s3-server build install lint fmt bench

run: deps models build
	$(BIN) $(ARGS)

test: deps models llama-server s3-server
	$(CARGO) test --release --locked

deps:
	@bash scripts/install-deps.sh

models:
	@python3 scripts/fetch-models.py

# llama.cpp's own OpenAI-compatible server, built once outside the clone, for the openai backend's tests.
llama-server:
	@python3 scripts/build-llama-server.py > /dev/null

# An S3-compatible server (moto, pinned), installed once outside the clone, for the tests of memory on object storage.
s3-server:
	@python3 scripts/s3-server.py setup > /dev/null

build:
	$(CARGO) build --release --locked

install: deps models build
	@bash scripts/install.sh $(BIN) $(PREFIX)

lint:
	$(CARGO) fmt -- --check
	$(CARGO) clippy --release --all-targets --locked -- -D warnings

fmt:  # our crate only: vendor/ stays exactly as published plus its patch
	$(CARGO) fmt

bench: deps models build
	$(BIN) bench engine --json
