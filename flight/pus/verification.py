"""Service 1, request verification: acceptance, start, progress and completion reports of a TC.

The request ID (the TC's packet ID and sequence control, 4 bytes) names the TC in every report;
failure reports add the failure code (uint16) and a failure data byte (the index of the argument
at fault, or 0). Success reports follow the TC's acknowledgement flags; failures are always sent.
"""

import struct

from flight.dictionary import Failure
from flight.pus.telemetry import TmSender

SERVICE = 1
ACK_ACCEPTANCE = 0b1000
ACK_START = 0b0100
ACK_PROGRESS = 0b0010
ACK_COMPLETION = 0b0001


class RefusalError(Exception):
    """A TC that cannot be accepted or carried out: the failure code and its data byte."""

    def __init__(self, code: Failure, data: int = 0):
        super().__init__(code.name)
        self.code = code
        self.data = data


class Verification:
    def __init__(self, tm: TmSender, apid: int):
        self._tm = tm
        self._apid = apid

    def _send(self, subtype: int, request_id: bytes, t_s: float, tail: bytes = b"") -> None:
        self._tm.send(self._apid, SERVICE, subtype, request_id + tail, t_s)

    def accepted(self, request_id: bytes, ack: int, t_s: float) -> None:
        if ack & ACK_ACCEPTANCE:
            self._send(1, request_id, t_s)

    def rejected(self, request_id: bytes, refusal: RefusalError, t_s: float) -> None:
        self._send(2, request_id, t_s, struct.pack(">HB", refusal.code, refusal.data))

    def started(self, request_id: bytes, ack: int, t_s: float) -> None:
        if ack & ACK_START:
            self._send(3, request_id, t_s)

    def progress(self, request_id: bytes, ack: int, step: int, t_s: float) -> None:
        if ack & ACK_PROGRESS:
            self._send(5, request_id, t_s, struct.pack(">B", step))

    def completed(self, request_id: bytes, ack: int, t_s: float) -> None:
        if ack & ACK_COMPLETION:
            self._send(7, request_id, t_s)

    def failed(self, request_id: bytes, refusal: RefusalError, t_s: float) -> None:
        self._send(8, request_id, t_s, struct.pack(">HB", refusal.code, refusal.data))
