"""A link that keeps in the archive everything it carries: the ground's `Transport` wrapped so that every
TC sent goes into the command history and every TM packet received into the store (ground/tm_store.py),
whoever drives the session: the console, `zorka send`, a sequence or the web page.
"""

from ground.session import Transport
from ground.tm_store import Intake, TmStore


class ArchivedLink:
    """`transport` with each packet it carries kept in `store`; `source` names who sent the TCs;
    `close_store`: closing the link closes the store too (a one-link program; the web ground keeps its
    store across reconnections)."""

    def __init__(self, transport: Transport, store: TmStore, source: str, close_store: bool = False):
        self.transport = transport
        self.store = store
        self.source = source
        self.close_store = close_store
        self.last_intake = Intake()
        self.last_command: int | None = None

    def send(self, packet: bytes) -> None:
        self.last_command = self.store.add_tc(packet, self.source)
        self.transport.send(packet)

    def receive(self, timeout_s: float) -> list[bytes]:
        packets = self.transport.receive(timeout_s)
        if packets:
            self.last_intake = self.store.add_tm(packets)
        return packets

    def close(self) -> None:
        self.transport.close()
        if self.close_store:
            self.store.close()
