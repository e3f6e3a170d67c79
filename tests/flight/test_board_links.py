"""The board-links application against a scripted hal link: events on each health transition and never
otherwise, the per-device counters it reports, and declarations present only when boards exist."""

from flight.board_links.application import BOARD_LOST_MISSES, BoardLinks
from flight.board_links.declarations import BOARD_LINKS_SID, EVENTS, board_link_parameters
from flight.events import EventLog
from flight.onboard_dictionary import SpacecraftShape, housekeeping_structures, onboard_dictionary
from hal.link_health import BoardLink, BoardStatus, ExchangeCounters


class ScriptedLink(BoardLink):
    def __init__(self):
        self.port = "/dev/serial/by-id/board0"
        self.connected = True
        self.consecutive_misses = 0
        self.reconnects = 0
        self.devices = {"eps": ExchangeCounters(requests=7, replies=6, timeouts=1)}
        self.status: BoardStatus | None = BoardStatus(True, False, 0)

    def read_status(self) -> BoardStatus | None:
        if self.status is None:
            self.consecutive_misses += 1
        return self.status


def names(log: EventLog) -> list[str]:
    return [e.name for e in log]


def test_events_only_on_transitions():
    link, log = ScriptedLink(), EventLog()
    app = BoardLinks({"power": link, "wheels": link}, log)
    assert len(app.boards) == 1
    for t_s in range(3):
        app.tick(float(t_s))
    assert names(log) == []
    link.connected = False
    app.tick(3.0)
    app.tick(4.0)
    assert names(log) == ["board_lost"] and "port lost" in next(iter(log)).text
    link.connected, link.reconnects = True, 1
    app.tick(5.0)
    assert names(log) == ["board_lost", "board_back"]
    link.consecutive_misses = BOARD_LOST_MISSES
    link.status = None
    app.tick(6.0)
    assert names(log)[-1] == "board_lost"
    link.status, link.consecutive_misses = BoardStatus(True, True, 1), 0
    app.tick(7.0)
    assert names(log)[-2:] == ["board_back", "board_watchdog_tripped"]
    app.tick(8.0)
    link.status = BoardStatus(False, True, 1)
    app.tick(9.0)
    assert names(log)[-1] == "board_configuration_lost" and len(log) == 6


def test_a_board_restarted_within_a_second_is_lost_and_back():
    link, log = ScriptedLink(), EventLog()
    app = BoardLinks({"gyro": link}, log)
    app.tick(0.0)
    link.reconnects = 1
    app.tick(1.0)
    assert names(log) == ["board_lost", "board_back"]


def test_counters_are_the_devices_own_under_their_protocol_names():
    link = ScriptedLink()
    app = BoardLinks({"power": link, "gyro": link}, EventLog())
    assert app.counters("power").timeouts == 1 and app.counters("gyro").requests == 0


def test_declarations_exist_only_with_boards():
    plain = onboard_dictionary(SpacecraftShape())
    assert not {e.name for e in EVENTS} & set(plain.events)
    assert "board_links_commands" not in plain.parameters
    assert BOARD_LINKS_SID not in housekeeping_structures(SpacecraftShape())
    shape = SpacecraftShape(board_devices=("gyro", "power"))
    with_boards = onboard_dictionary(shape)
    assert {e.name for e in EVENTS} <= set(with_boards.events)
    assert housekeeping_structures(shape)[BOARD_LINKS_SID] == tuple(
        p.name for p in board_link_parameters(("gyro", "power"))
    )
    assert with_boards.parameters["power_board_rtt_p99_ms"].type.unit == "ms"


def test_a_refused_configuration_is_an_event_once_per_refusal():
    link, log = ScriptedLink(), EventLog()
    app = BoardLinks({"wheels": link}, log)
    app.tick(0.0)
    link.status = BoardStatus(False, False, 0, config_mismatches=1)
    app.tick(1.0)
    app.tick(2.0)
    assert names(log) == ["board_configuration_lost", "board_configuration_mismatch"]
    assert next(iter(reversed(list(log)))).text.endswith("configurations refused 1")
