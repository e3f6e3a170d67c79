"""The events the imaging payload raises, with the ids the ground sees in service-5 reports."""

from flight.events import EventDef, Severity

CAPTURE_DONE = EventDef(
    5001,
    "capture_done",
    Severity.INFO,
    "a capture met quality; its product is in mass memory",
    "request {request_id}",
)
CAPTURE_FAILED = EventDef(
    5002,
    "capture_failed",
    Severity.LOW,
    "a capture failed or was missed; its request is re-planned",
    "request {request_id}: {why}; re-planned",
)
PAYLOAD_EVENTS = (CAPTURE_DONE, CAPTURE_FAILED)
