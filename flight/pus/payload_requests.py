"""Mission service 200, imaging requests: the ground adds (200,1; a strip: 200,8, with its end point,
scanned over the duration), deletes (200,2) and lists (200,3 → 200,4) imaging requests, asks for a
re-plan now (200,5) and for the timeline of activities the plan made (200,6 → 200,7: each activity's
kind — 1 point the ADCS at the target, 2 capture on, 3 capture off, 4 and 5 a predicted downlink
window's start and end —, request id (0 for a window) and UTC time in seconds since 1970, float64).

The functions are bound at wiring time to the payload application's calls, so this module needs no
payload code beyond the request type. Angles travel in radians, times as UTC seconds since 1970
(float64; 0 leaves the window open on that side), ids as uint32. The report lists each request's
id, state (0 waiting, 1 planned, 2 captured, 3 dropped), attempts and priority.
"""

import math
from collections.abc import Callable, Iterable

from flight.dictionary import Arg, Command, Dictionary, Failure
from flight.payload.events import PAYLOAD_EVENTS
from flight.payload.request_book import BookEntry, RequestState
from flight.payload.requests import ImagingRequest
from flight.pus.telemetry import TmSender
from flight.pus.verification import RefusalError
from flight.tm_layout import Repeated, ReportLayout

SERVICE = 200
ADD, DELETE, REPORT, REPORT_TM, REPLAN, TIMELINE, TIMELINE_TM, ADD_STRIP = 1, 2, 3, 4, 5, 6, 7, 8
ACTIVITY_CODES = {"point": 1, "capture_on": 2, "capture_off": 3, "downlink_on": 4, "downlink_off": 5}
STATE_CODES = {
    RequestState.WAITING: 0,
    RequestState.PLANNED: 1,
    RequestState.CAPTURED: 2,
    RequestState.DROPPED: 3,
}
REQUEST_ID = Arg(
    "request_id", "uint", 32, description="the ground's id of the imaging request, unique in the book"
)
REQUEST_ARGS = (
    REQUEST_ID,
    Arg(
        "lat",
        "float",
        64,
        -math.pi / 2,
        math.pi / 2,
        "rad",
        description="geodetic latitude of the target (of a strip: its start)",
    ),
    Arg(
        "lon",
        "float",
        64,
        -math.pi,
        math.pi,
        "rad",
        description="longitude of the target (of a strip: its start), east positive",
    ),
    Arg(
        "alt",
        "float",
        32,
        -500.0,
        9000.0,
        "m",
        description="height of the target above the WGS-84 ellipsoid",
        default=0.0,
    ),
    Arg(
        "priority", "uint", 16, 1, 1000, description="planning priority: higher is planned first", default=500
    ),
    Arg("duration", "float", 32, 0.5, 120.0, "s", description="imaging time of the capture", default=5.0),
    Arg(
        "max_off_nadir",
        "float",
        32,
        0.0,
        math.radians(60.0),
        "rad",
        description="largest angle from nadir the target may be imaged at",
        default=math.radians(30.0),
    ),
    Arg(
        "min_sun_elevation",
        "float",
        32,
        math.radians(-90.0),
        math.radians(90.0),
        "rad",
        description="lowest sun elevation at the target for a capture",
        default=math.radians(10.0),
    ),
    Arg(
        "window_start",
        "float",
        64,
        0.0,
        2.0**40,
        "s",
        description="earliest capture time, UTC seconds since 1970; 0: no earliest time (open)",
        default=0.0,
    ),
    Arg(
        "window_end",
        "float",
        64,
        0.0,
        2.0**40,
        "s",
        description="latest capture time, UTC seconds since 1970; 0: no latest time (open)",
        default=0.0,
    ),
)
STRIP_ARGS = (
    *REQUEST_ARGS,
    Arg(
        "end_lat",
        "float",
        64,
        -math.pi / 2,
        math.pi / 2,
        "rad",
        description="geodetic latitude of the end of the strip",
    ),
    Arg(
        "end_lon",
        "float",
        64,
        -math.pi,
        math.pi,
        "rad",
        description="longitude of the end of the strip, east positive",
    ),
)


def _window(start_unix_s: float, end_unix_s: float) -> None:
    if start_unix_s and end_unix_s and end_unix_s <= start_unix_s:
        raise RefusalError(Failure.ARG_OUT_OF_RANGE, len(REQUEST_ARGS) - 1)


def _window_check(values: dict) -> None:
    _window(values["window_start"], values["window_end"])


ADD_COMMAND = Command(
    "imaging_request_add",
    SERVICE,
    ADD,
    REQUEST_ARGS,
    description="add a point-target imaging request (window times: UTC s since 1970, 0 open); an id "
    "already in the book fails with DUPLICATE_ID (delete it first)",
    check=_window_check,
)
ADD_STRIP_COMMAND = Command(
    "imaging_strip_add",
    SERVICE,
    ADD_STRIP,
    STRIP_ARGS,
    description="add a strip imaging request, scanned to its end point over the duration",
    check=_window_check,
)
DELETE_COMMAND = Command(
    "imaging_request_delete", SERVICE, DELETE, (REQUEST_ID,), description="delete an imaging request"
)
REPORT_COMMAND = Command(
    "imaging_requests_report", SERVICE, REPORT, description="report the imaging requests (200,4)"
)
REPLAN_COMMAND = Command("imaging_replan", SERVICE, REPLAN, description="re-plan the imaging now")
TIMELINE_COMMAND = Command(
    "imaging_timeline_report", SERVICE, TIMELINE, description="report the planned activities (200,7)"
)
COUNT = Arg("count", "uint", 16)
REQUESTS = ReportLayout(
    SERVICE,
    REPORT_TM,
    "imaging_requests",
    (
        Repeated(
            "requests",
            COUNT,
            (
                REQUEST_ID,
                Arg(
                    "state",
                    "enum",
                    8,
                    values=tuple((state.name, code) for state, code in STATE_CODES.items()),
                ),
                Arg("attempts", "uint", 8),
                Arg("priority", "uint", 16),
            ),
        ),
    ),
)
TIMELINE_REPORT = ReportLayout(
    SERVICE,
    TIMELINE_TM,
    "imaging_timeline",
    (
        Repeated(
            "activities",
            COUNT,
            (
                Arg("kind", "enum", 8, values=tuple(ACTIVITY_CODES.items())),
                REQUEST_ID,
                Arg("unix_time", "float", 64, unit="s"),
            ),
        ),
    ),
)
REPORTS = (REQUESTS, TIMELINE_REPORT)
COMMANDS = (
    ADD_COMMAND,
    ADD_STRIP_COMMAND,
    DELETE_COMMAND,
    REPORT_COMMAND,
    REPLAN_COMMAND,
    TIMELINE_COMMAND,
)


def bind_payload_requests(
    dictionary: Dictionary,
    tm: TmSender,
    epoch_unix_s: float,
    add: Callable[[float, ImagingRequest], bool],
    delete: Callable[[float, str], bool],
    entries: Callable[[], Iterable[BookEntry]],
    replan: Callable[[float], None],
    activities: Callable[[], Iterable[tuple[str, float, str]]],
) -> None:
    """Bind each subtype of the service to the payload application's call (declaring the service and
    the payload's events if need be); `add` False means the book is full, `delete` False an unknown id."""
    apid = dictionary.tm_apid(SERVICE)
    for event in PAYLOAD_EVENTS:
        dictionary.event(event)
    for layout in REPORTS:
        dictionary.report(layout)

    def onboard_s(unix_s: float) -> float | None:
        return unix_s - epoch_unix_s if unix_s else None

    def add_request(t_s: float, v: dict, progress) -> None:
        strip = {"end_lat_rad": v["end_lat"], "end_lon_rad": v["end_lon"]} if "end_lat" in v else {}
        request = ImagingRequest(
            **strip,
            id=str(v["request_id"]),
            lat_rad=v["lat"],
            lon_rad=v["lon"],
            alt_m=v["alt"],
            priority=v["priority"],
            duration_s=v["duration"],
            max_off_nadir_rad=v["max_off_nadir"],
            min_sun_elevation_rad=v["min_sun_elevation"],
            window_start_s=onboard_s(v["window_start"]),
            window_end_s=onboard_s(v["window_end"]),
        )
        if any(entry.request.id == request.id for entry in entries()):
            raise RefusalError(Failure.DUPLICATE_ID, 0)
        if not add(t_s, request):
            raise RefusalError(Failure.TABLE_FULL)

    def delete_request(t_s: float, v: dict, progress) -> None:
        if not delete(t_s, str(v["request_id"])):
            raise RefusalError(Failure.UNKNOWN_ID, 0)

    def report(t_s: float, v: dict, progress) -> None:
        rows = []
        for entry in entries():
            request = entry.request
            numeric_id = int(request.id) if request.id.isdigit() else 0
            rows.append(
                (numeric_id, STATE_CODES[entry.state], min(entry.attempts, 255), int(request.priority))
            )
        tm.send(apid, SERVICE, REPORT_TM, REQUESTS.pack(rows), t_s)

    def report_timeline(t_s: float, v: dict, progress) -> None:
        rows = [
            (ACTIVITY_CODES[kind], int(request_id) if request_id.isdigit() else 0, epoch_unix_s + at_s)
            for kind, at_s, request_id in activities()
        ]
        tm.send(apid, SERVICE, TIMELINE_TM, TIMELINE_REPORT.pack(rows), t_s)

    for command, handler in (
        (ADD_COMMAND, add_request),
        (ADD_STRIP_COMMAND, add_request),
        (DELETE_COMMAND, delete_request),
        (REPORT_COMMAND, report),
        (REPLAN_COMMAND, lambda t, v, progress: replan(t)),
        (TIMELINE_COMMAND, report_timeline),
    ):
        dictionary.bind(command, handler)
