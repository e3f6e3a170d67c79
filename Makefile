# Zorka: `make run` and `make test` do all set-up on a fresh machine (Python 3.11, gcc, make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.zorka-installed
NATIVE := $(wildcard native/*/*.c native/*/*.h) native/build.py
OUT ?= runs/default
C_BOARD := build/zorka-c-board
BOARD_CFLAGS := -std=c99 -O2 -Wall -Wextra -Wconversion -Werror

.PHONY: run test test-all bench lint native clean

$(STAMP): pyproject.toml setup.py $(NATIVE) $(C_BOARD)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/zorka run --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m "not slow"

test-all: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/zorka bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The reference board firmware (native/board) built for the host: it serves the protocol on a pty.
$(C_BOARD): $(wildcard native/board/*.c native/board/*.h native/board/host/*.c)
	mkdir -p build
	gcc $(BOARD_CFLAGS) -Inative/board -o $@ native/board/*.c native/board/host/main.c
	size $@

# Rebuild the C extension in place after editing native/ (the install above does it too).
native: $(STAMP)
	flock /tmp/zorka-native.lock $(BIN)/python native/build.py

clean:
	rm -rf $(VENV) build *.egg-info native/_core.* native/*.o native/*/*.o
