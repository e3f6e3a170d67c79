"""TC acceptance and dispatch: every check a packet must pass, then the declared handler.

Raw bytes in, never an exception out (cFS-style: a bad packet is counted, not crashed on). The
checks spacepackets' `PusTc.unpack` leaves out are made here: CCSDS version, packet type,
secondary-header flag, length field against the buffer, CRC, APID and PUS version. The service,
subtype (or service-8 function id) and arguments are then decoded from the dictionary; a TC that
passes is accepted (1,1), started (1,3), run and completed (1,7) or failed (1,8), also when its
handler raises (EXECUTION_ERROR, the exception kept in `last_error`). Rejections
(1,2) are counted by failure code; the command and error counters are kept per service, in total
(`counters`) and per application (`count_by`: a TC refused or failed once its command is known counts
as an error of the application that declared it).
"""

import struct
from collections import Counter

from spacepackets.ecss import PusTc

from ccsds.tc_frame import crc16
from flight.application import CommandCounters
from flight.dictionary import ArgumentError, Command, Dictionary, Failure
from flight.pus.verification import RefusalError, Verification

PRIMARY_HEADER = 6
SECONDARY_HEADER = 5
CRC = 2
MIN_LENGTH = PRIMARY_HEADER + SECONDARY_HEADER + CRC
PUS_C = 2


class TcAcceptor:
    def __init__(self, dictionary: Dictionary, verification: Verification):
        self._dictionary = dictionary
        self._verification = verification
        self.accepted = 0
        self.rejected = 0
        self.completed = 0
        self.failed = 0
        self.last_error = ""
        self.rejected_by: Counter[Failure] = Counter()
        self.commands_by_service: Counter[int] = Counter()
        self.errors_by_service: Counter[int] = Counter()
        self.counters = CommandCounters()
        """Every TC: accepted and run (`commands`), rejected or failed (`errors`)."""
        self._by_command: dict[str, CommandCounters] = {}
        self._unowned = CommandCounters()

    def count_by(self, counters_by_command: dict[str, CommandCounters]) -> None:
        """Count each command also in the counters of its application (flight/application.py)."""
        self._by_command = dict(counters_by_command)

    def accept(self, raw: bytes, t_s: float) -> bool:
        """Check, decode and run one TC; True if it was accepted (whatever came of running it)."""
        request_id = bytes(raw[:4]).ljust(4, b"\0")
        service = raw[PRIMARY_HEADER + 1] if len(raw) > PRIMARY_HEADER + 1 else 0
        command = None
        try:
            tc = self._check(raw)
            service = tc.service
            command, offset = self._find(tc)
            values = self._values(command, tc.app_data, offset)
        except RefusalError as refusal:
            self.rejected += 1
            self.rejected_by[refusal.code] += 1
            self.errors_by_service[service] += 1
            self.counters.errors += 1
            if command is not None:
                self._by_command.get(command.name, self._unowned).errors += 1
            self._verification.rejected(request_id, refusal, t_s)
            return False
        ack = tc.pus_tc_sec_header.ack_flags
        self.accepted += 1
        self.commands_by_service[service] += 1
        application = self._by_command.get(command.name, self._unowned)
        self._verification.accepted(request_id, ack, t_s)
        self._verification.started(request_id, ack, t_s)
        try:
            command.handler(t_s, values, lambda step: self._verification.progress(request_id, ack, step, t_s))
        except Exception as error:  # fail operational: any fault of a handler fails the TC, not the software
            refusal = error if isinstance(error, RefusalError) else RefusalError(Failure.EXECUTION_ERROR)
            self.last_error = repr(error)
            self.failed += 1
            self.errors_by_service[service] += 1
            self.counters.errors += 1
            application.errors += 1
            self._verification.failed(request_id, refusal, t_s)
            return True
        self.completed += 1
        self.counters.commands += 1
        application.commands += 1
        self._verification.completed(request_id, ack, t_s)
        return True

    def vet(self, raw: bytes) -> None:
        """Raise the RefusalError `accept` would reject `raw` with, running nothing: for TCs stored to
        run later (services 11 and 19), so a bad one is refused when stored, not when it comes due."""
        tc = self._check(raw)
        command, offset = self._find(tc)
        self._values(command, tc.app_data, offset)

    def _check(self, raw: bytes) -> PusTc:
        if len(raw) < MIN_LENGTH:
            raise RefusalError(Failure.WRONG_LENGTH)
        word, _, length = struct.unpack_from(">HHH", raw)
        if word >> 13 != 0:
            raise RefusalError(Failure.BAD_VERSION)
        if not (word >> 12) & 1:
            raise RefusalError(Failure.BAD_PACKET_TYPE)
        if not (word >> 11) & 1:
            raise RefusalError(Failure.NO_SECONDARY_HEADER)
        if length + 1 + PRIMARY_HEADER != len(raw):
            raise RefusalError(Failure.WRONG_LENGTH)
        if crc16(raw) != 0:
            raise RefusalError(Failure.BAD_CRC)
        if word & 0x7FF != self._dictionary.apid:
            raise RefusalError(Failure.UNKNOWN_APID)
        if raw[PRIMARY_HEADER] >> 4 != PUS_C:
            raise RefusalError(Failure.BAD_PUS_VERSION)
        return PusTc.unpack(raw)

    def _find(self, tc: PusTc) -> tuple[Command, int]:
        """The command `tc` asks for, and where its arguments start in the application data."""
        data = tc.app_data
        offset = 0
        command = self._dictionary.find_command(tc.service, tc.message_subtype)
        if command is None and tc.service == 8 and tc.message_subtype == 1:
            if len(data) < 2:
                raise RefusalError(Failure.WRONG_LENGTH)
            command = self._dictionary.find_function(struct.unpack_from(">H", data)[0])
            if command is None:
                raise RefusalError(Failure.UNKNOWN_FUNCTION)
            offset = 2
        if command is None:
            known = self._dictionary.knows_service(tc.service)
            raise RefusalError(Failure.UNKNOWN_SUBTYPE if known else Failure.UNKNOWN_SERVICE)
        return command, offset

    @staticmethod
    def _values(command: Command, data: bytes, offset: int) -> object:
        """The decoded arguments, length and ranges checked, then the command's own check."""
        try:
            values = command.decode(data, offset)
        except ArgumentError as error:
            raise RefusalError(error.code, error.index) from None
        if command.check is not None:
            command.check(values)
        return values
