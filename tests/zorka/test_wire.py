"""`zorka wire` over real pseudo-terminals opened with pyserial: the pace of a 115200 baud line, single-bit
corruption at its rate and seed, dropouts that lose bytes in bursts, board frames that arrive intact or
are rejected, and bad arguments. The fault models and the schedule are also checked alone."""

import os
import random
import select
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import serial

from hal.board_frame import FrameDecoder, encode_frame
from sim.board_server import DEVICES, IDENTITY, PROTOCOL_VERSION
from zorka.wire.link_faults import DROPOUT_SLOT_S, ByteCorruption, Dropouts
from zorka.wire.paced_link import BITS_PER_BYTE, PacedDirection

ZORKA = [sys.executable, "-m", "zorka"]
LINE_RATE_B_S = 115200 / BITS_PER_BYTE


class Wire:
    """`zorka wire` in a process of its own, its endpoints' paths read from the lines it prints first."""

    def __init__(self, *args: str):
        self.process = subprocess.Popen(
            [*ZORKA, "wire", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.paths = {}
        for name in ("A", "B"):
            line = self.process.stdout.readline()
            assert line.startswith(f"wire: {name} on "), (line, self.process.stderr.read())
            self.paths[name] = line.split(" on ", 1)[1].strip()

    def stop(self) -> dict[str, dict[str, int]]:
        """SIGTERM; the counts it prints at the end, by direction ("A->B", "B->A") and endpoint ("A", "B");
        what it printed on stderr in `err`."""
        self.process.send_signal(signal.SIGTERM)
        out, self.err = self.process.communicate(timeout=10.0)
        assert self.process.returncode == 0, self.err
        return parse_counts(out)


def parse_counts(out: str) -> dict[str, dict[str, int]]:
    counts = {}
    for line in out.splitlines():
        _, direction, *pairs = line.split()
        counts[direction] = {key: int(value) for key, value in (p.split("=") for p in pairs)}
    return counts


@pytest.fixture
def wire():
    started: list[Wire] = []

    def start(*args: str) -> Wire:
        started.append(Wire(*args))
        return started[-1]

    yield start
    for w in started:
        if w.process.poll() is None:
            w.process.kill()
            w.process.communicate()


def send_and_receive(wire: Wire, payload: bytes, quiet_s: float = 0.3) -> tuple[bytes, float, float]:
    """Write `payload` into A (from a thread: the pty holds less), read B until `quiet_s` passes with
    nothing new; the bytes, and when the first and the last of them arrived (monotonic s)."""
    with (
        serial.Serial(wire.paths["A"], timeout=0, write_timeout=30.0) as tx,
        serial.Serial(wire.paths["B"], timeout=0) as rx,
    ):
        sender = threading.Thread(target=tx.write, args=(payload,), daemon=True)
        sender.start()
        received = bytearray()
        t_first_s = t_last_s = 0.0
        while len(received) < len(payload):
            readable, _, _ = select.select([rx.fileno()], [], [], quiet_s if received else 5.0)
            if not readable:
                break
            chunk = os.read(rx.fileno(), 65536)
            t_last_s = time.monotonic()
            t_first_s = t_first_s or t_last_s
            received += chunk
        sender.join(timeout=5.0)
    return bytes(received), t_first_s, t_last_s


def test_throughput_at_115200_baud_is_within_2_percent_of_11520_bytes_per_second(wire):
    w = wire("pty", "pty")
    payload = random.Random(1).randbytes(23_040)
    received, t_first_s, t_last_s = send_and_receive(w, payload)
    counts = w.stop()
    assert received == payload
    rate_b_s = (len(received) - 1) / (t_last_s - t_first_s)
    print(f"throughput {rate_b_s:.1f} B/s over {t_last_s - t_first_s:.3f} s")
    assert abs(rate_b_s / LINE_RATE_B_S - 1.0) < 0.02
    assert counts["A->B"] == {
        "read": 23_040,
        "delivered": 23_040,
        "corrupted": 0,
        "dropped": 0,
        "overrun": 0,
        "absent": 0,
    }


def test_bytes_cross_both_ways():
    with subprocess.Popen(
        [*ZORKA, "wire", "pty", "pty", "--duration", "1s"], stdout=subprocess.PIPE, text=True
    ) as process:
        paths = [process.stdout.readline().split(" on ", 1)[1].strip() for _ in range(2)]
        with serial.Serial(paths[0], timeout=1.0) as a, serial.Serial(paths[1], timeout=1.0) as b:
            a.write(b"ping")
            assert b.read(4) == b"ping"
            b.write(b"pong!")
            assert a.read(5) == b"pong!"
        out, _ = process.communicate(timeout=10.0)
    assert process.returncode == 0
    counts = parse_counts(out)
    assert counts["A->B"]["delivered"] == 4 and counts["B->A"]["delivered"] == 5


def flipped_positions(sent: bytes, received: bytes) -> np.ndarray:
    """Where `received` differs from `sent`; each difference must be a single flipped bit."""
    diff = np.frombuffer(sent, np.uint8) ^ np.frombuffer(received, np.uint8)
    where = np.flatnonzero(diff)
    assert all(bin(int(d)).count("1") == 1 for d in diff[where])
    return where


def test_corruption_flips_one_bit_per_byte_at_its_rate_reproducibly(wire):
    p, n = 0.01, 100_000
    payload = random.Random(2).randbytes(n)
    positions = []
    for _ in range(2):
        w = wire("pty", "pty", "--baud", "1000000", "--corrupt", str(p), "--seed", "7")
        received, _, _ = send_and_receive(w, payload)
        counts = w.stop()
        assert len(received) == n
        positions.append(flipped_positions(payload, received))
        assert counts["A->B"]["corrupted"] == len(positions[-1])
    sigma = (n * p * (1.0 - p)) ** 0.5
    assert abs(len(positions[0]) - n * p) < 4.0 * sigma
    assert np.array_equal(positions[0], positions[1]), "the same seed corrupts the same bytes"


def lost_runs(sent: bytes, received: bytes) -> list[tuple[int, int]]:
    """(where, how many) of each run of bytes missing from `received`, which is `sent` with runs cut out
    (random bytes: 16 in a row place a piece of `received` in `sent`)."""
    runs = []
    i = j = 0
    while j < len(received):
        if sent[i] != received[j]:
            k = sent.find(received[j : j + 16], i)
            assert k > i, "received bytes are not the sent ones in order"
            runs.append((i, k - i))
            i = k
        i, j = i + 1, j + 1
    if i < len(sent):
        runs.append((i, len(sent) - i))
    return runs


def test_dropouts_lose_bytes_in_bursts_of_their_length(wire):
    baud, drop_ms = 1_000_000, 20
    w = wire("pty", "pty", "--baud", str(baud), "--drop-ms", f"{drop_ms}:0.05", "--seed", "3")
    payload = random.Random(3).randbytes(100_000)
    received, _, _ = send_and_receive(w, payload)
    counts = w.stop()
    runs = lost_runs(payload, received)
    burst_bytes = drop_ms / 1000.0 * baud / BITS_PER_BYTE
    interior = [length for where, length in runs if where > 0 and where + length < len(payload)]
    assert len(interior) >= 2, runs
    assert all(length >= burst_bytes - 1 for length in interior), runs
    assert sum(length for _, length in runs) == counts["A->B"]["dropped"]
    assert len(received) + counts["A->B"]["dropped"] == len(payload)


BOARD_ID = "wire-test"
PING_REPLY = {
    "identity": IDENTITY,
    "board_id": BOARD_ID,
    "protocol": PROTOCOL_VERSION,
    "devices": list(DEVICES),
}
"""What the simulated board answers to a ping, beside the message's own fields."""


@pytest.mark.parametrize(("corrupt_p", "drop_ms"), [(1e-4, "50:0.01"), (3e-3, "1:0")])
def test_board_frames_through_a_faulty_wire_arrive_intact_or_are_rejected(wire, corrupt_p, drop_ms):
    board = subprocess.Popen(
        [*ZORKA, "board-server", "--port", "pty", "--board-id", BOARD_ID],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        board_path = board.stdout.readline().rsplit(" on ", 1)[1].strip()
        w = wire(board_path, "pty", "--corrupt", str(corrupt_p), "--drop-ms", drop_ms, "--seed", "5")
        decoder = FrameDecoder()
        intact = bad = 0
        with serial.Serial(w.paths["B"], timeout=0) as host:
            end_s = time.monotonic() + 2.0
            seq = 0
            while time.monotonic() < end_s:
                seq += 1
                host.write(encode_frame({"dev": "board", "msg": "ping", "seq": seq}))
                deadline_s = time.monotonic() + 0.05
                replies: list[dict] = []
                while not replies and time.monotonic() < deadline_s:
                    if select.select([host.fileno()], [], [], deadline_s - time.monotonic())[0]:
                        replies += decoder.feed(os.read(host.fileno(), 4096))
                for reply in replies:
                    expected = {"dev": "board", "msg": "ping.ok", "seq": reply.get("seq"), **PING_REPLY}
                    if reply == expected:
                        intact += 1
                    else:
                        bad += 1
        counts = w.stop()
    finally:
        board.send_signal(signal.SIGTERM)
        board.communicate(timeout=10.0)
    corrupted = counts["A->B"]["corrupted"] + counts["B->A"]["corrupted"]
    dropped = counts["A->B"]["dropped"] + counts["B->A"]["dropped"]
    print(f"P={corrupt_p} {drop_ms}: {intact}/{seq} intact, {corrupted} corrupted, {dropped} dropped")
    print(decoder.counters)
    assert bad == 0, "undetected bad frames"
    assert intact > 30
    assert decoder.counters.frames == intact
    if corrupt_p > 1e-3:
        assert decoder.counters.rejected > 0 and intact < seq


def test_help_says_how_the_faults_are_modelled():
    result = subprocess.run([*ZORKA, "wire", "--help"], capture_output=True, text=True, timeout=30.0)
    assert result.returncode == 0
    for words in ("--baud", "--corrupt", "--drop-ms", "--seed", "--duration", "10 ms", "one bit", "8N1"):
        assert words in " ".join(result.stdout.split()), words


def start_board_server() -> tuple[subprocess.Popen, str]:
    board = subprocess.Popen(
        [*ZORKA, "board-server", "--port", "pty", "--board-id", BOARD_ID],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return board, board.stdout.readline().rsplit(" on ", 1)[1].strip()


def ping(host: serial.Serial, decoder: FrameDecoder, seq: int, timeout_s: float = 0.2) -> bool:
    """One board ping through the wire; True if its reply came."""
    host.write(encode_frame({"dev": "board", "msg": "ping", "seq": seq}))
    deadline_s = time.monotonic() + timeout_s
    while time.monotonic() < deadline_s:
        if select.select([host.fileno()], [], [], deadline_s - time.monotonic())[0]:
            replies = decoder.feed(os.read(host.fileno(), 4096))
            if any(reply.get("seq") == seq for reply in replies):
                return True
    return False


def test_a_board_restarted_on_another_pty_behind_an_alias_is_reopened(wire, tmp_path):
    alias = tmp_path / "board-alias"
    first, first_path = start_board_server()
    second = None
    try:
        alias.symlink_to(first_path)
        w = wire(str(alias), "pty")
        decoder = FrameDecoder()
        with serial.Serial(w.paths["B"], timeout=0) as host:
            assert ping(host, decoder, 1)
            # the stable name goes with its device, as udev removes it: the dead board's pty number,
            # which the kernel may give another test's pty meanwhile, is never reopened through it
            alias.unlink()
            first.send_signal(signal.SIGTERM)
            first.communicate(timeout=10.0)
            assert not ping(host, decoder, 2)
            second, second_path = start_board_server()
            alias.symlink_to(second_path)
            deadline_s = time.monotonic() + 5.0
            seq = 3
            while not ping(host, decoder, seq) and time.monotonic() < deadline_s:
                seq += 1
            assert time.monotonic() < deadline_s, "no reply from the restarted board"
        counts = w.stop()
    finally:
        for board in (first, second):
            if board is not None and board.poll() is None:
                board.send_signal(signal.SIGTERM)
                board.communicate(timeout=10.0)
    assert counts["A"]["reopens"] == 1
    assert "lost A" in w.err and "reopened A" in w.err
    assert counts["B->A"]["absent"] > 0


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--corrupt", "2"], ["--corrupt", "2"]),
        (["--corrupt", "often"], ["--corrupt", "often"]),
        (["--drop-ms", "50"], ["--drop-ms", "50"]),
        (["--drop-ms", "0:0.1"], ["--drop-ms", "0:0.1"]),
        (["--drop-ms", "50:1.5"], ["--drop-ms", "50:1.5"]),
        (["--baud", "0"], ["--baud", "0"]),
        (["--seed", "-1"], ["--seed", "-1"]),
        (["--duration", "5x"], ["--duration", "5x"]),
    ],
)
def test_bad_arguments_get_one_line_naming_the_option_and_exit_2(args, names):
    result = subprocess.run(
        [*ZORKA, "wire", "pty", "pty", *args], capture_output=True, text=True, timeout=30.0
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert all(name in lines[0] for name in names)


def test_an_absent_port_gets_one_line_and_exit_1(tmp_path):
    absent = str(tmp_path / "ttyABSENT")
    result = subprocess.run([*ZORKA, "wire", "pty", absent], capture_output=True, text=True, timeout=30.0)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "B" in lines[0] and absent in lines[0], result.stderr


def test_corruption_does_not_depend_on_how_the_stream_is_split():
    data = bytes(50_000)
    whole = bytearray(data)
    ByteCorruption(0.01, np.random.default_rng(9)).apply(whole)
    corruption = ByteCorruption(0.01, np.random.default_rng(9))
    pieces = bytearray()
    rng = random.Random(0)
    i = 0
    while i < len(data):
        piece = bytearray(data[i : i + rng.randint(1, 300)])
        corruption.apply(piece)
        pieces += piece
        i += len(piece)
    assert pieces == whole
    assert ByteCorruption(0.0, np.random.default_rng(9)).apply(bytearray(data)) == 0


def test_dropouts_start_on_10_ms_marks_last_their_length_and_are_down_the_expected_fraction():
    drop_s, p = 0.02, 0.01
    dropouts = Dropouts(drop_s, p, np.random.default_rng(4))
    t_s = np.arange(0.0, 100.0, 0.0005)
    down = np.array([dropouts.is_down(t) for t in t_s])
    starts = t_s[1:][down[1:] & ~down[:-1]]
    assert np.allclose(starts / DROPOUT_SLOT_S, np.round(starts / DROPOUT_SLOT_S), atol=1e-6)
    expected_down = 1.0 - (1.0 - p) ** round(drop_s / DROPOUT_SLOT_S)
    assert abs(down.mean() - expected_down) < 0.2 * expected_down
    assert not Dropouts(drop_s, 0.0, np.random.default_rng(4)).is_down(1.0)


def test_the_schedule_releases_each_byte_no_earlier_than_its_time_and_does_not_drift():
    """Bytes taken at irregular, late wake-ups: byte k of a burst leaves at or after (k + 1) byte times,
    and by any time T exactly floor(T / byte_s) have left."""
    never = Dropouts(0.0, 0.0, np.random.default_rng(0))
    direction = PacedDirection(115200, ByteCorruption(0.0, np.random.default_rng(0)), never, t0_s=0.0)
    byte_s = direction.byte_s
    direction.accept(bytes(range(256)), now_s=0.0)
    rng = random.Random(5)
    now_s, released = 0.0, 0
    while released < 256:
        now_s += rng.uniform(0.0, 3e-3)
        assert direction.next_due_s() == pytest.approx((released + 1) * byte_s)
        released += len(direction.take_due(now_s))
        assert released == min(256, int(now_s / byte_s))
    assert direction.counters.delivered == 0 and direction.counters.read == 256
