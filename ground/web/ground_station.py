"""The ground process behind the web page: one session on the link, on its own thread, shared by every page.

The station thread owns the `Session` (it is not thread-safe): it connects (and reconnects every
`RECONNECT_S` after the link breaks, so the page outlives a restart of `zorka serve`), pumps telemetry,
and runs the jobs the web handlers queue: a command, or a whole sequence file. Everything the link
carries goes into the archive (an `ArchivedLink`), and what a page must see at once goes to every page
through the `Hub`: housekeeping, events, "history changed" (a command sent or verified: the pages read
the history back from the archive, so two pages and a restarted ground show the same), link state and
sequence lines.
"""

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ground.archived_link import ArchivedLink
from ground.commands import CommandError
from ground.sequence import Step, run_sequence
from ground.session import Session, Transport
from ground.telemetry import EventReport, HousekeepingReport, Record, VerificationReport
from ground.tm_store import TmStore

PUMP_S = 0.1
RECONNECT_S = 1.0
JOB_WAIT_S = 10.0
SUBSCRIBER_BACKLOG = 1000


class LinkDownError(ConnectionError):
    """The link is not up: the command was not sent."""


class Hub:
    """Fan-out of (kind, payload) messages to every subscribed page; a page too slow to drain its queue
    is dropped (its stream closes; the page reconnects and reads the state again)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: list[queue.Queue] = []

    def subscribe(self) -> queue.Queue:
        subscriber: queue.Queue = queue.Queue(SUBSCRIBER_BACKLOG)
        with self._lock:
            self._queues.append(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: queue.Queue) -> None:
        with self._lock:
            if subscriber in self._queues:
                self._queues.remove(subscriber)

    def publish(self, kind: str, payload: dict[str, Any]) -> None:
        with self._lock:
            for subscriber in list(self._queues):
                try:
                    subscriber.put_nowait((kind, payload))
                except queue.Full:
                    self._queues.remove(subscriber)

    def subscribed(self, subscriber: queue.Queue) -> bool:
        with self._lock:
            return subscriber in self._queues

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._queues)


@dataclass
class _Job:
    action: Callable[[Session], Any]
    done: threading.Event = field(default_factory=threading.Event)
    started: bool = False
    cancelled: bool = False  # its sender stopped waiting before it started: it must not go out later
    result: Any = None
    problem: Exception | None = None


class GroundStation:
    """The session thread, its job queue and its broadcast; `connect` makes a fresh transport (raising
    ConnectionError with one line when it cannot)."""

    def __init__(
        self,
        connect: Callable[[], Transport],
        dictionary: dict[str, Any],
        store: TmStore,
        link_name: str,
        command_timeout_s: float = 10.0,
    ):
        self._connect = connect
        self.dictionary = dictionary
        self.store = store
        self.link_name = link_name
        self.command_timeout_s = command_timeout_s
        self.hub = Hub()
        self._jobs: queue.Queue[_Job] = queue.Queue()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.link_up = False
        self.link_problem = "connecting"
        self.sequence_running = False
        self.housekeeping: dict[str, Any] = {}
        self.housekeeping_unix_s: float | None = None
        self._thread = threading.Thread(target=self._run, name="ground-station", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)

    def state(self) -> dict[str, Any]:
        """What a page shows on opening, before the stream tells it what changes."""
        with self._lock:
            return {
                "link": self._link_state(),
                "housekeeping": dict(self.housekeeping),
                "housekeeping_unix_s": self.housekeeping_unix_s,
                "sequence_running": self.sequence_running,
                "archive": str(self.store.path),
                "session": self.store.session,
                "undecodable": self.store.undecodable,
                "duplicates": self.store.duplicates,
            }

    def send(self, name: str, words: list[str]) -> dict[str, Any]:
        """Send `name k=v ...` on the station thread; its command id and request id once it is sent.
        CommandError for a command the dictionary refuses, LinkDownError when there is no link."""
        self.store.book.spec(name).app_data(words)

        def action(session: Session) -> dict[str, Any]:
            request = session.send(name, words)
            link = session.transport
            command = link.last_command if isinstance(link, ArchivedLink) else None
            self.hub.publish("history", {"command": command})
            return {"command_id": command, "request_id": request.request_id.hex()}

        return self._submit(action)

    def run_sequence(self, steps: list[Step], source: str) -> None:
        """Start running `steps` (already checked) on the station thread; its lines go to the pages."""
        with self._lock:
            if not self.link_up:
                raise LinkDownError(f"the link is down ({self.link_problem}); the sequence was not started")
            if self.sequence_running:
                raise CommandError("a sequence is already running; wait for its end")
            self.sequence_running = True

        def say(text: str) -> None:
            self.hub.publish("sequence", {"line": text})

        def action(session: Session) -> None:
            say(f"sequence {source}: {len(steps)} steps")
            try:
                run_sequence(session, steps, say, self.command_timeout_s)
            finally:
                with self._lock:
                    self.sequence_running = False
                self.hub.publish("sequence", {"line": "", "running": False})

        self._jobs.put(_Job(action))
        self.hub.publish("sequence", {"line": "", "running": True})

    def _submit(self, action: Callable[[Session], Any]) -> Any:
        if not self.link_up:
            raise LinkDownError(f"the link is down ({self.link_problem}); the command was not sent")
        job = _Job(action)
        self._jobs.put(job)
        if not job.done.wait(JOB_WAIT_S):
            with self._lock:
                job.cancelled = not job.started
            if job.cancelled:
                raise LinkDownError(
                    f"not sent within {JOB_WAIT_S:g} s (a sequence is running, or the link broke); "
                    "it will not be sent later"
                )
            if not job.done.wait(JOB_WAIT_S):
                raise LinkDownError("the link did not take the command in time; the history shows if it went")
        if job.problem is not None:
            raise job.problem
        return job.result

    def _link_state(self) -> dict[str, Any]:
        return {"up": self.link_up, "name": self.link_name, "problem": self.link_problem}

    def _set_link(self, up: bool, problem: str) -> None:
        with self._lock:
            changed = (up, problem) != (self.link_up, self.link_problem)
            self.link_up, self.link_problem = up, problem
            state = self._link_state()
        if changed:
            self.hub.publish("link", state)

    def _run(self) -> None:
        session: Session | None = None
        while not self._stop.is_set():
            if session is None:
                session = self._open()
                if session is None:
                    self._stop.wait(RECONNECT_S)
                    continue
            try:
                self._do_jobs(session)
                session.pump(PUMP_S)
            except (ConnectionError, OSError) as failure:
                session.transport.close()
                session = None
                self._set_link(False, str(failure) or type(failure).__name__)
        if session is not None:
            session.transport.close()

    def _open(self) -> Session | None:
        try:
            transport = self._connect()
        except ConnectionError as failure:
            self._set_link(False, str(failure))
            return None
        session = Session(ArchivedLink(transport, self.store, "web"), self.dictionary, observer=self._observe)
        self._set_link(True, "")
        return session

    def _do_jobs(self, session: Session) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            with self._lock:
                if job.cancelled:
                    continue
                job.started = True
            try:
                job.result = job.action(session)
            except CommandError as problem:
                job.problem = problem
            except (ConnectionError, OSError) as failure:
                job.problem = LinkDownError(f"the link broke ({failure}); the command may not have been sent")
                raise
            finally:
                job.done.set()

    def _observe(self, record: Record) -> None:
        if isinstance(record, HousekeepingReport):
            t_s = record.time.timestamp()
            with self._lock:
                self.housekeeping.update(record.values)
                self.housekeeping_unix_s = t_s
            self.hub.publish("hk", {"t": t_s, "values": record.values})
        elif isinstance(record, EventReport):
            self.hub.publish(
                "event",
                {
                    "onboard_unix_s": record.time.timestamp(),
                    "event_id": record.event_id,
                    "name": record.name,
                    "severity": record.severity,
                    "text": record.text,
                },
            )
        elif isinstance(record, VerificationReport):
            self.hub.publish("history", {"request_id": record.request_id.hex()})
