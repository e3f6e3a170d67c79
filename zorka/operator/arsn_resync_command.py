"""`zorka resync`: re-synchronise the spacecraft's anti-replay counter with the ground key file, by the
master key's SA-management procedure (ground/arsn_resync.py), over `zorka serve --link-port N`.

It sends the frame, then watches the TM frames for the onboard event that confirms it (`link_sa_
resynchronised`, id 6003). Exit 0 confirmed, 1 no confirmation within the timeout or no link, 2 a bad
command line or key file.
"""

import argparse
import socket
import struct
import sys
import time

from spacepackets.ecss import PusTm

from ccsds.tm_frame import TmDemultiplexer
from flight.link.link_parameters import link_parameters
from flight.link.link_security_state import SA_RESYNCHRONISED
from ground.arsn_resync import resync_frame
from ground.key_store import KeyFileError, KeyStore
from ground.packet_client import LOOPBACK

MAX_TIMEOUT_S = 86400.0
EVENT_SERVICE = 5
TIMESTAMP_BYTES = 7


def _confirmed(packet: bytes) -> str | None:
    """The text of a `link_sa_resynchronised` event report, or None for any other packet."""
    try:
        tm = PusTm.unpack(packet, timestamp_len=TIMESTAMP_BYTES)
    except ValueError:
        return None
    data = tm.source_data
    if tm.service != EVENT_SERVICE or len(data) < 3:
        return None
    event_id, length = struct.unpack(">HB", data[:3])
    return data[3 : 3 + length].decode(errors="replace") if event_id == SA_RESYNCHRONISED.id else None


def resync(args: argparse.Namespace) -> int:
    """Send the re-sync frame and await its confirmation; the exit code."""
    if not 0 < args.link_port <= 65535:
        return _fail(f"argument --link-port: {args.link_port} is not a TCP port (1-65535)", 2)
    if not 0.0 < args.timeout <= MAX_TIMEOUT_S:
        return _fail(f"argument --timeout: {args.timeout:g} is not a number of seconds in (0, 86400]", 2)
    if not args.keys.exists():
        return _fail(f"argument --keys: no key file {str(args.keys)!r}", 2)
    link = link_parameters()
    try:
        keys = KeyStore(args.keys)
        frame, arsn = resync_frame(keys, link["scid"], link["tc_vcid"], link["tc_segment_header"])
    except KeyFileError as problem:
        return _fail(f"argument --keys: {problem}", 2)
    try:
        connection = socket.create_connection((LOOPBACK, args.link_port), timeout=args.timeout)
    except OSError as failure:
        return _fail(f"cannot connect to {LOOPBACK}:{args.link_port} ({failure.strerror or failure})", 1)
    demux = TmDemultiplexer(link["scid"], link["tm_frame_bytes"])
    deadline = time.monotonic() + args.timeout
    buffer = bytearray()
    with connection:
        connection.sendall(frame)
        while time.monotonic() < deadline:
            connection.settimeout(max(deadline - time.monotonic(), 0.001))
            try:
                data = connection.recv(65536)
            except TimeoutError:
                break
            if not data:
                break
            buffer += data
            size = link["tm_frame_bytes"]
            while len(buffer) >= size:
                for _, packet in demux.feed(bytes(buffer[:size])):
                    text = _confirmed(packet)
                    if text is not None and text.startswith(f"SA {keys.spi}: start_sa"):
                        print(f"zorka resync: SA {keys.spi} re-synchronised at ARSN {arsn}", flush=True)
                        return 0
                del buffer[:size]
    return _fail(
        f"no confirmation within {args.timeout:g} s; the spacecraft's events say why "
        "(link_master_state_lost: re-provision it)",
        1,
    )


def _fail(message: str, status: int) -> int:
    print(f"zorka resync: error: {message}", file=sys.stderr)
    return status
