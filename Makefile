# Zorka: `make run` and `make test` do all set-up on a fresh machine (Python 3.11, gcc, make).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.zorka-installed
NATIVE := $(wildcard native/*/*.c native/*/*.h) native/build.py
OUT ?= runs/default
C_BOARD := build/zorka-c-board
BOARD_CFLAGS := -std=c99 -O2 -Wall -Wextra -Wconversion -Werror

.PHONY: run test test-all test-firmware bench lint native clean

$(STAMP): pyproject.toml setup.py $(NATIVE) $(C_BOARD)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/zorka run --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not firmware" --durations=15

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

# The same firmware for a Cortex-M3 (the LM3S6965 of QEMU's lm3s6965evb), tested on QEMU. The link fails
# if it overflows the 256 KiB of flash, or if .data + .bss leave under 8 KiB of stack in the 64 KiB of SRAM;
# no function may take more than 512 B of stack (the deepest request uses under 1 KiB: tested on QEMU).
# -fno-tree-loop-distribute-patterns: else GCC turns the loops of libc.c's memset and memcpy into calls to them.
FIRMWARE_DIR := native/board/firmware/lm3s6965
QEMU_BOARD := build/zorka-c-board-lm3s6965.elf
ARM_CFLAGS := -std=c99 -mcpu=cortex-m3 -mthumb -Os -ffreestanding -nostdlib -fno-tree-loop-distribute-patterns \
	-ffunction-sections -fdata-sections -Wall -Wextra -Wconversion -Werror -Wstack-usage=512
FIRMWARE_TOOLS := qemu-system-arm arm-none-eabi-gcc
FIRMWARE_PACKAGES := qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi
FIRMWARE_SIZE = @arm-none-eabi-size $(QEMU_BOARD) | awk 'NR == 2 { printf "$(QEMU_BOARD): flash %d of 262144 B, \
	RAM %d of 65536 B + 8192 B stack\n", $$1 + $$2, $$2 + $$3 }'

$(QEMU_BOARD): $(wildcard native/board/*.c native/board/*.h $(FIRMWARE_DIR)/*)
	mkdir -p build
	arm-none-eabi-gcc $(ARM_CFLAGS) -Inative/board -T $(FIRMWARE_DIR)/lm3s6965.ld -Wl,--gc-sections \
		-o $@ native/board/*.c $(FIRMWARE_DIR)/*.c -lgcc
	$(FIRMWARE_SIZE)

# Installs nothing: says what is missing, else builds the image and runs the QEMU tests.
test-firmware:
	@missing=""; for tool in $(FIRMWARE_TOOLS); do command -v $$tool > /dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "make test-firmware: missing$$missing; install with:"; \
		echo "  sudo apt-get install -y --no-install-recommends $(FIRMWARE_PACKAGES)"; exit 1; fi
	@$(MAKE) --no-print-directory $(QEMU_BOARD) $(STAMP) > /dev/null
	$(FIRMWARE_SIZE)
	$(BIN)/python -m pytest -q -s -m "not slow" tests/native/test_board_qemu.py

# Rebuild the C extension in place after editing native/ (the install above does it too).
native: $(STAMP)
	flock /tmp/zorka-native.lock $(BIN)/python native/build.py

clean:
	rm -rf $(VENV) build *.egg-info native/_core.* native/*.o native/*/*.o
