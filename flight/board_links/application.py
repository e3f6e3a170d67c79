"""The board-links application: once a second, each device board's status read through hal, and events
on the transitions of its health; the per-device link counters bound for housekeeping.

A board is lost when its port is closed or BOARD_LOST_MISSES requests in a row went unanswered (the
status read included), and back at its first answer. Its watchdog trips and its `configured` flag come
from `board.status`: a trip count that grew is an event, and so is `configured` turning false after it
was true (the board restarted and lost the configuration the host gave it), and a count of refused
configurations (`config_mismatch`: the host asked for what the board's hardware is not) that grew.
"""

from dataclasses import dataclass, replace

from flight.board_links.declarations import (
    BOARD_BACK,
    BOARD_LOST,
    CONFIGURATION_LOST,
    CONFIGURATION_MISMATCH,
    COUNTERS,
    EVENTS,
    WATCHDOG_TRIPPED,
)
from flight.dictionary import Dictionary
from flight.events import EventLog
from hal.link_health import PROTOCOL_DEVICE_NAMES, BoardLink, ExchangeCounters

BOARD_LOST_MISSES = 5
"""Requests in a row without a reply after which a board is lost (half a second of 10 Hz frames)."""


@dataclass
class _BoardState:
    lost: bool = False
    configured: bool = False
    watchdog_trips: int = 0
    config_mismatches: int = 0
    reconnects: int = 0


class BoardLinks:
    """`links`: each device served by a board (`DeviceSet` name) -> its board's link."""

    def __init__(self, links: dict[str, BoardLink], events: EventLog):
        self.links = dict(links)
        self.events = events
        self.boards: list[BoardLink] = []
        for link in self.links.values():
            if all(link is not known for known in self.boards):
                self.boards.append(link)
        self._states = [_BoardState() for _ in self.boards]
        self.raised: list[dict[str, int]] = [dict.fromkeys((e.name for e in EVENTS), 0) for _ in self.boards]
        """Per board (in `boards` order), how many of each event it raised."""

    def tick(self, t_s: float) -> None:
        """1 Hz: each board's status, and an event for each change of its health."""
        for index, (link, state) in enumerate(zip(self.boards, self._states, strict=True)):
            status = link.read_status() if link.connected or not state.lost else None
            port, raised = link.port, self.raised[index]
            restarted = link.reconnects != state.reconnects  # the port reopened: a board at power-on
            if restarted:
                state.reconnects, state.watchdog_trips, state.config_mismatches = link.reconnects, 0, 0
            lost = not link.connected or link.consecutive_misses >= BOARD_LOST_MISSES
            if restarted and not lost and not state.lost:  # lost and back within the second
                BOARD_LOST.raise_(self.events, t_s, board=index, port=port, why="port lost")
                raised[BOARD_LOST.name] += 1
                state.lost = True
            if lost and not state.lost:
                why = "port lost" if not link.connected else f"{link.consecutive_misses} requests unanswered"
                BOARD_LOST.raise_(self.events, t_s, board=index, port=port, why=why)
                raised[BOARD_LOST.name] += 1
            elif not lost and state.lost:
                BOARD_BACK.raise_(
                    self.events, t_s, board=index, port=port, how=f"reconnects {link.reconnects}"
                )
                raised[BOARD_BACK.name] += 1
            state.lost = lost
            if status is None:
                continue
            if status.watchdog_trips > state.watchdog_trips:
                WATCHDOG_TRIPPED.raise_(self.events, t_s, board=index, port=port, trips=status.watchdog_trips)
                raised[WATCHDOG_TRIPPED.name] += 1
            state.watchdog_trips = status.watchdog_trips
            if state.configured and not status.configured:
                CONFIGURATION_LOST.raise_(self.events, t_s, board=index, port=port)
                raised[CONFIGURATION_LOST.name] += 1
            state.configured = status.configured
            if status.config_mismatches > state.config_mismatches:
                CONFIGURATION_MISMATCH.raise_(
                    self.events, t_s, board=index, port=port, mismatches=status.config_mismatches
                )
                raised[CONFIGURATION_MISMATCH.name] += 1
            state.config_mismatches = status.config_mismatches

    def counters(self, device: str) -> ExchangeCounters:
        """The link counters of `device` (zeros before its first request)."""
        counted = self.links[device].devices.get(PROTOCOL_DEVICE_NAMES.get(device, device))
        return ExchangeCounters() if counted is None else counted


def bind_board_link_parameters(dictionary: Dictionary, board_links: BoardLinks) -> list[str]:
    """Bind each device's declared link parameters to its counters; their names in order."""
    names = []
    for device in board_links.links:
        for counter, _ in COUNTERS:
            names.append(_bind(dictionary, f"{device}_board_{counter}", board_links, device, counter))
        names.append(_bind(dictionary, f"{device}_board_rtt_p99_ms", board_links, device, "rtt_p99_ms"))
    return names


def _bind(dictionary: Dictionary, name: str, board_links: BoardLinks, device: str, what: str) -> str:
    dictionary.parameter(replace(dictionary.parameters[name], getter=_getter(board_links, device, what)))
    return name


def _getter(board_links: BoardLinks, device: str, what: str):
    if what == "rtt_p99_ms":

        def rtt_p99_ms() -> float:
            p99_s = board_links.counters(device).rtt.percentile_s(99.0)
            return 0.0 if p99_s is None else p99_s * 1e3

        return rtt_p99_ms
    if what == "bad_frames":
        return lambda: board_links.counters(device).bad_frames.rejected
    return lambda: getattr(board_links.counters(device), what)
