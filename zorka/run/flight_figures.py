"""The flight side's figures in summary.json, as a mission (`zorka run`, `zorka serve`) and the flight
computer alone (`zorka flight`) both report them: commanding, imaging, real-time pacing, serial links."""

import dataclasses

import numpy as np

from flight.clock import WallClock
from flight.payload.imaging import ImagingPayload
from flight.software import FlightSoftware
from hal.serial_link import SerialLink


def commanding_figures(flight: FlightSoftware) -> dict:
    """Telecommands accepted and rejected by the PUS services."""
    acceptor = flight.pus.acceptor
    return {"accepted": acceptor.accepted, "rejected": acceptor.rejected}


def imaging_figures(payload: ImagingPayload) -> dict:
    """What became of the requests and the captures; first the keys DESIGN.md fixes for scripts:
    requested (in the book), planned (with a capture planned or made), captured_ok (captures that
    met quality), failed (captures that did not)."""
    states = payload.book.counts()
    return {
        "requested": sum(states.values()),
        "planned": states["planned"] + states["captured"],
        "captured_ok": payload.counts.captures_good,
        "failed": payload.counts.captures_failed,
        "requests": states,
        **dataclasses.asdict(payload.counts),
        "products_in_memory": len(payload.memory.pending()),
    }


def realtime_figures(flight: FlightSoftware, clock: WallClock) -> dict:
    """Frames that started late, frames skipped (a whole period gone), and frame start lateness."""
    return {
        "frames_late": flight.executive.overruns,
        "frames_skipped": flight.executive.skipped,
        "frame_start_lateness": clock.lateness.figures_ms(),
    }


def serial_link_figures(link: SerialLink) -> dict:
    """What crossed a serial link and what went wrong on it: the port's counts, bad frames by reason,
    and round trips (first transmission to reply, retries included)."""
    return {
        "opened_path": link.opened_path,
        **dataclasses.asdict(link.counters),
        "bad_frames": link.frame_counters.rejected,
        "bad_frames_by_reason": {k: v for k, v in link.frame_counters.as_dict().items() if k != "frames"},
        "frames_decoded": link.frame_counters.frames,
        **link.rtt.figures_ms(),
    }


def spread(values: np.ndarray) -> dict:
    """Mean, p99 and max of `values` (each None if there are none)."""
    if len(values) == 0:
        return {"mean": None, "p99": None, "max": None}
    return {
        "mean": float(np.mean(values)),
        "p99": float(np.percentile(values, 99.0)),
        "max": float(np.max(values)),
    }
