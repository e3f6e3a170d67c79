"""The web ground page's HTTP server: static page files, a JSON API over the station and the archive, and a
server-sent-event stream of what changes. Standard library only; the page is plain HTML/JS/CSS shipped in
ground/web/static (no build step).

API (JSON; bad input gets HTTP 400 and `{"error": one line}`):

- `GET /api/dictionary` the dictionary; `GET /api/state` link, latest housekeeping, archive;
- `GET /api/history?limit=N` commands with their verification stages (from the archive);
- `GET /api/events?limit=N&from=T&to=T` the latest events (from the archive);
- `GET /api/archive?name=P&from=T&to=T&points=N` samples of P (T: ISO 8601 UTC or unix seconds), at most
  N points (min/max per bucket beyond that);
- `GET /api/archive.csv?name=P&from=T&to=T` the same samples as `zorka archive query` prints them;
- `GET /api/stream` server-sent events: `hk`, `event`, `history`, `link`, `sequence`;
- `POST /api/command {"name": ..., "args": {k: v}}` checked by the dictionary, then sent;
- `POST /api/sequence {"name": ..., "text": ...}` checked whole, then run.

Access: on loopback without a token, only requests whose Host names the loopback (a page elsewhere cannot
reach it by DNS rebinding); with a token, every request must carry it (`?token=` or `Authorization: Bearer`)
or gets 401. POSTs must be `application/json`, which a cross-site form cannot send without a CORS preflight
this server never answers.
"""

import contextlib
import csv
import hmac
import io
import json
import math
import queue
import sqlite3
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ground.commands import CommandError
from ground.sequence import SequenceError, parse_sequence
from ground.tm_store import (
    SAMPLE_CSV_HEADER,
    command_history,
    onboard_span,
    open_readonly,
    parse_utc,
    recent_events,
    sample_rows,
    samples,
)
from ground.web.ground_station import GroundStation, LinkDownError

STATIC_FILES = {"/": "index.html", "/app.js": "app.js", "/plot.js": "plot.js", "/style.css": "style.css"}
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css"}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
MAX_BODY_BYTES = 1 << 20
MAX_LIMIT = 10_000
DEFAULT_POINTS = 2000
KEEPALIVE_S = 10.0
STREAM_POLL_S = 1.0


class RequestError(ValueError):
    """A request the API refuses; the message is one line for the page."""


def decimate(points: list[tuple[float, Any]], most: int) -> list[tuple[float, Any]]:
    """At most ~`most` points keeping each bucket's first, minimum and maximum, so spikes stay visible."""
    if len(points) <= most or most < 3:
        return points
    per_bucket = math.ceil(len(points) / (most // 3))
    kept: list[tuple[float, Any]] = []
    for start in range(0, len(points), per_bucket):
        bucket = points[start : start + per_bucket]
        numbers = [p for p in bucket if isinstance(p[1], int | float)]
        chosen = {0}
        if numbers:
            chosen |= {
                bucket.index(min(numbers, key=lambda p: p[1])),
                bucket.index(max(numbers, key=lambda p: p[1])),
            }
        kept += [bucket[i] for i in sorted(chosen)]
    return kept


class GroundServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], station: GroundStation, token: str | None):
        super().__init__(address, GroundRequest)
        self.station = station
        self.token = token
        self.dictionary_json = json.dumps(station.dictionary).encode()
        self.parameters = {p["name"]: p for p in station.dictionary["parameters"]}

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A page that went away mid-answer is no error; anything else prints its traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


class GroundRequest(BaseHTTPRequestHandler):
    server: GroundServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the page polls; failures reach the page as JSON instead."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if not self._allowed(query):
            return
        try:
            if method == "GET" and parts.path in STATIC_FILES:
                self._static(STATIC_FILES[parts.path])
            elif method == "GET" and parts.path == "/api/stream":
                self._stream()
            elif method == "GET" and parts.path == "/api/archive.csv":
                self._csv(query)
            elif method == "GET" and parts.path.startswith("/api/"):
                self._json(self._get(parts.path, query))
            elif method == "POST" and parts.path in ("/api/command", "/api/sequence"):
                self._json(self._post(parts.path, self._body()))
            else:
                self._json({"error": f"no {method} {parts.path} here"}, HTTPStatus.NOT_FOUND)
        except (RequestError, CommandError, SequenceError) as problem:
            self._json({"error": str(problem)}, HTTPStatus.BAD_REQUEST)
        except LinkDownError as problem:
            self._json({"error": str(problem)}, HTTPStatus.SERVICE_UNAVAILABLE)
        except (BrokenPipeError, ConnectionResetError):
            return

    def _allowed(self, query: dict[str, str]) -> bool:
        token = self.server.token
        if token is not None:
            given = (
                query.get("token") or self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            )
            if hmac.compare_digest(given.encode(), token.encode()):
                return True
            self._json({"error": "a token is needed: open the page as http://HOST:PORT/?token=TOKEN"}, 401)
            return False
        host = self.headers.get("Host", "").rsplit(":", 1)[0]
        if host in LOOPBACK_HOSTS:
            return True
        self._json({"error": f"host {host!r} refused: open the page at 127.0.0.1"}, HTTPStatus.FORBIDDEN)
        return False

    def _get(self, path: str, query: dict[str, str]) -> Any:
        station = self.server.station
        if path == "/api/dictionary":
            return json.loads(self.server.dictionary_json)
        limit = _int(query.get("limit", "100"), "limit", 1, MAX_LIMIT)
        with contextlib.closing(open_readonly(station.store.path)) as db:
            if path == "/api/state":
                return {**station.state(), "archive_span_unix_s": onboard_span(db)}
            if path == "/api/history":
                return [entry.as_json() for entry in command_history(db, limit)]
            if path == "/api/events":
                start = _time(query.get("from", "-inf"), "from")
                return recent_events(db, limit, start, _time(query.get("to", "inf"), "to"))
            if path == "/api/archive":
                return self._archive(db, query)
        raise RequestError(f"no GET {path} here")

    def _range(self, query: dict[str, str]) -> tuple[str, float, float]:
        """The parameter and onboard-time range a query names, checked."""
        name = query.get("name", "")
        if name not in self.server.parameters:
            raise RequestError(f"name={name!r}: not a housekeeping parameter of the dictionary")
        start = _time(query.get("from", "-inf"), "from")
        end = _time(query.get("to", "inf"), "to")
        if start > end:
            raise RequestError("from is after to: give the earlier time first")
        return name, start, end

    def _archive(self, db: sqlite3.Connection, query: dict[str, str]) -> dict[str, Any]:
        name, start, end = self._range(query)
        most = _int(query.get("points", str(DEFAULT_POINTS)), "points", 10, 100_000)
        found = [(s.onboard_unix_s, s.value) for s in samples(db, name, start, end)]
        return {
            "name": name,
            "unit": self.server.parameters[name]["unit"],
            "count": len(found),
            "points": [list(p) for p in decimate(found, most)],
        }

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        station = self.server.station
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise RequestError("name: give the command (or sequence) name as a string")
        if path == "/api/command":
            args = body.get("args", {})
            if not isinstance(args, dict) or not all(isinstance(v, str | int | float) for v in args.values()):
                raise RequestError("args: give an object of argument name to value")
            return station.send(name, [f"{key}={value}" for key, value in args.items()])
        text = body.get("text")
        if not isinstance(text, str):
            raise RequestError("text: give the sequence file's text as a string")
        steps = parse_sequence(text, station.dictionary, name)
        station.run_sequence(steps, name)
        return {"steps": len(steps)}

    def _csv(self, query: dict[str, str]) -> None:
        """The samples as `zorka archive query` prints them, as a download."""
        name, start, end = self._range(query)
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(SAMPLE_CSV_HEADER)
        with contextlib.closing(open_readonly(self.server.station.store.path)) as db:
            try:
                writer.writerows(sample_rows(db, name, start, end))
            except KeyError:
                raise RequestError(f"name={name!r}: not a parameter of the archive's dictionary") from None
        data = text.getvalue().encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/csv; charset=utf-8")
        self.send_header("Content-Disposition", f'attachment; filename="{name}.csv"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any]:
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            raise RequestError("send the request body as application/json")
        length = _int(self.headers.get("Content-Length", "0"), "Content-Length", 0, MAX_BODY_BYTES)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise RequestError("the request body is not JSON") from None
        if not isinstance(body, dict):
            raise RequestError("the request body must be a JSON object")
        return body

    def _static(self, name: str) -> None:
        data = resources.files("ground.web").joinpath("static", name).read_bytes()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", CONTENT_TYPES[name[name.rindex(".") :]])
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(data)

    def _json(self, value: Any, status: int = HTTPStatus.OK) -> None:
        data = json.dumps(_finite(value), allow_nan=False, default=_jsonable).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _stream(self) -> None:
        """Server-sent events until the page goes away or falls too far behind; the first says the link's
        state, since it may have changed between the page reading /api/state and subscribing."""
        hub = self.server.station.hub
        subscriber = hub.subscribe()
        try:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            link = json.dumps(self.server.station.state()["link"])  # what changed before the page subscribed
            self.wfile.write(f"retry: 1000\n\nevent: link\ndata: {link}\n\n".encode())
            self.wfile.flush()
            idle_s = 0.0
            while hub.subscribed(subscriber):
                try:
                    kind, payload = subscriber.get(timeout=STREAM_POLL_S)
                except queue.Empty:
                    idle_s += STREAM_POLL_S
                    if idle_s >= KEEPALIVE_S:
                        self.wfile.write(b": keepalive\n\n")
                        self.wfile.flush()
                        idle_s = 0.0
                    continue
                idle_s = 0.0
                data = json.dumps(_finite(payload), allow_nan=False, default=_jsonable)
                self.wfile.write(f"event: {kind}\ndata: {data}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        finally:
            hub.unsubscribe(subscriber)
            self.close_connection = True


def _time(text: str, field: str) -> float:
    try:
        return parse_utc(text)
    except ValueError as problem:
        raise RequestError(f"{field}={text!r}: {problem}") from None


def _int(text: str, field: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise RequestError(f"{field}={text!r}: give a whole number from {low} to {high}")
    return value


def _finite(value: Any) -> Any:
    """`value` with NaN and infinities as None: JSON has none."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _jsonable(value: Any) -> Any:
    """Bytes as hex."""
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"{type(value).__name__} is not JSON")
