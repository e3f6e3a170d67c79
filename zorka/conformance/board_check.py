"""`zorka board-check PORT`: run every conformance check against the board on PORT, print one row per
check, exit 1 if any failed.

The checks run in the order a host meets a board: the handshake first (without it nothing else can be
asked, so its failure skips the rest), then each device's messages, malformed frames, refused requests,
retransmission, reset, the watchdog and the round-trip time. The board is reset at the end, so it is left
at its power-on state.
"""

import argparse
import sys
from collections.abc import Callable
from functools import partial

import serial

from zorka.conformance import protocol_checks as checks
from zorka.conformance.board_wire import BoardWire
from zorka.conformance.check_session import (
    HANDSHAKE_TIMEOUT_S,
    CheckSession,
    NonconformanceError,
    NotApplicableError,
)
from zorka.conformance.check_table import FAIL, PASS, SKIP, CheckRow, print_table
from zorka.conformance.device_checks import DEVICE_CHECKS

Check = Callable[[CheckSession], str]


def _run(name: str, check: Check, session: CheckSession) -> CheckRow:
    try:
        return CheckRow(name, PASS, check(session))
    except NonconformanceError as failure:
        return CheckRow(name, FAIL, str(failure))
    except NotApplicableError as reason:
        return CheckRow(name, SKIP, str(reason))


def _device_check(device: str) -> Check:
    def check(session: CheckSession) -> str:
        return ", ".join(DEVICE_CHECKS[device](session)) + ": ok"

    return check


def _after_handshake(session: CheckSession) -> list[tuple[str, Check]]:
    """Every check after the handshake, for the devices the handshake chose."""
    return [
        ("rig sim.truth", checks.check_sim_truth),
        *((f"device {d}", _device_check(d)) for d in session.devices),
        *((f"malformed {k}", checks.malformed_check(k)) for k in checks.MALFORMED),
        *((f"refused {k}", checks.bad_request_check(k)) for k in checks.BAD_REQUESTS),
        ("retransmission", checks.check_retransmission),
        ("reset", checks.check_reset),
        ("watchdog", checks.check_watchdog),
        ("timing", checks.check_timing),
    ]


def run_checks(session: CheckSession, devices: list[str] | None) -> list[CheckRow]:
    """Every check's row, in order."""
    handshake: list[tuple[str, Check]] = [
        ("handshake ping", partial(checks.check_ping, asked=devices)),
        ("handshake reset", checks.check_reset_reply),
        ("handshake configure", checks.check_configure),
    ]
    rows = []
    for name, check in handshake:
        rows.append(_run(name, check, session))
        if rows[-1].outcome == FAIL:
            why = f"{name} failed"
            rows += [CheckRow(n, SKIP, why) for n, _ in handshake[len(rows) :]]
            return [*rows, CheckRow("the other checks", SKIP, why)]
    return rows + [_run(name, check, session) for name, check in _after_handshake(session)]


def board_check_command(args: argparse.Namespace) -> int:
    """0 if every check passed (or did not apply), 1 if one failed or the port cannot be opened."""
    try:
        wire = BoardWire(args.port, args.baud)
    except (serial.SerialException, OSError, ValueError) as failure:
        print(f"zorka board-check: error: cannot open {args.port}: {failure}", file=sys.stderr, flush=True)
        return 1
    try:
        session = CheckSession(wire, args.baud)
        rows = run_checks(session, args.devices)
        wire.request("board", "reset", HANDSHAKE_TIMEOUT_S)  # leave the board at power-on
    except (serial.SerialException, OSError) as failure:
        print(f"zorka board-check: error: lost {args.port}: {failure}", file=sys.stderr, flush=True)
        return 1
    finally:
        wire.close()
    print_table(f"board-check {args.port} at {args.baud} baud ({session.board_id or 'no board id'})", rows)
    return 1 if any(row.outcome == FAIL for row in rows) else 0
