"""A stand-in spacecraft behind the transport interface, on its own clock, for fast ground tests.

It answers each TC with acceptance, start and completion reports (a mode change to IMAGING fails at
completion with NOT_ALLOWED_IN_MODE, any other packet it cannot read is rejected), raises a
mode_change event, and sends the housekeeping row each second of its clock; `receive(timeout_s)`
moves that clock on by the timeout, so waits of seconds take no real time.
"""

import struct

from spacepackets.ecss import PusTc, PusTm

IMAGING = 3


class FakeSpacecraft:
    def __init__(self, dictionary: dict, answer: bool = True):
        self.dictionary = dictionary
        self.answer = answer
        self.now = 0.0
        self.mode = 2
        self.received: list[PusTc] = []
        self._next_hk = 1.0
        self._outbox: list[bytes] = []
        self._failures = dictionary["failure_codes"]
        self._mode_change = next(e["id"] for e in dictionary["events"] if e["name"] == "mode_change")

    def clock(self) -> float:
        return self.now

    def send(self, packet: bytes) -> None:
        tc = PusTc.unpack(packet)
        self.received.append(tc)
        if not self.answer:
            return
        request = packet[:4]
        self._tm(1, 1, request)
        self._tm(1, 3, request)
        if tc.service == 8 and tc.app_data[:2] == b"\x00\x01":
            if tc.app_data[2] == IMAGING:
                self._tm(1, 8, request + struct.pack(">HB", self._failures["NOT_ALLOWED_IN_MODE"], 0))
                return
            text = f"mode {self.mode} -> {tc.app_data[2]}".encode()
            self.mode = tc.app_data[2]
            self._tm(5, 1, struct.pack(">HB", self._mode_change, len(text)) + text)
        self._tm(1, 7, request)

    def receive(self, timeout_s: float) -> list[bytes]:
        self.now += timeout_s
        while self.now >= self._next_hk:
            values = {"t_s": self._next_hk, "adcs_mode": self.mode, "eps_battery_soc": 0.8}
            by_id = {p["id"]: p for p in self.dictionary["parameters"]}
            layout = [by_id[i] for i in self.dictionary["housekeeping_structures"]["1"]]
            row = b"".join(struct.pack(p["encoding"], values.get(p["name"], 0)) for p in layout)
            self._tm(3, 25, struct.pack(">H", 1) + row)
            self._next_hk += 1.0
        out, self._outbox = self._outbox, []
        return out

    def close(self) -> None:
        pass

    def _tm(self, service: int, subtype: int, data: bytes) -> None:
        tm = PusTm(
            service=service,
            message_subtype=subtype,
            timestamp=bytes(7),
            source_data=data,
            apid=self.dictionary["apid"],
        )
        self._outbox.append(tm.pack())
