"""The fused loop: the frames between Python events run in one C call (native/record/fused.c).

A mission's frame is mostly the 10 Hz attitude group and the world step, a dozen C calls glued by Python.
In a frame where no other rate group is due, with every device simulated in this process, the clock
in lockstep and the ADCS in a steady pointing mode (entered, with an estimate and an onboard orbit), that
glue is always the same, and `zk_fused_run` does it in C for a whole span of frames, the imager's truth
table of a capture included: up to the next 1 Hz frame, fault, chunk boundary or frame the simulated
radio must poll (a pass, a command due), whichever comes first. The frames between run in Python, their
attitude tick in C while the ADCS is steady (`zk_fused_tick`, installed as the attitude group's task)
and their end (world step, records, capture table: `zk_fused_advance`, from Mission._advance) in C too.
Anything else (a board or GNSS line in the loop, real time, another per-frame hook, detumbling, coarse
attitude, a mode not yet entered) runs in Python, as before. The two paths are bit-identical
(tests/zorka/test_fused_loop.py): the C makes the Python's calls in its order with its arithmetic, and
the few values the Python keeps outside C structs (counters, the onboard orbit's time, the dumping's
duty-cycle phase, the law flown, the capture's state) are copied in before and out after each call.

This module reads the flight objects' and simulated devices' C structs and buffers (their private
attributes): it is the one place, with the run recorder, that sees both sides.
"""

import math
import os
import struct

from flight.adcs.attitude_loop import AttitudeLoop
from flight.adcs.guidance import InertialHold, JoinSlew, NadirGuidance, SunPointing, TargetTracking
from flight.adcs.modes import Mode
from flight.clock import SimClock
from hal.devices import Imager
from native import ffi, lib, ptr
from sim.devices.gyro import SimGyro
from sim.devices.imager import SimImager
from sim.devices.magnetometer import SimMagnetometer
from sim.devices.magnetorquers import SimMagnetorquers
from sim.devices.reaction_wheels import SimReactionWheels
from sim.devices.star_tracker import SimStarTracker
from zorka.run.radio_link import RadioLink

PER_FRAME_ENV = "ZORKA_PER_FRAME"
"""Set to 1 to run every frame through Python (the reference the fused loop is tested against)."""
FUSED_MODES = (Mode.SUN_SAFE, Mode.NOMINAL, Mode.IMAGING)
SUN_SAFE = Mode.SUN_SAFE
OUTPUT_FIELDS = (
    "ticks",
    "gyro_misses",
    "wheel_misses",
    "star_tracker_misses",
    "last_star_fix_s",
    "last_star_blind_s",
)
"""What each C call writes for the Python to count and note (`_copy_out`)."""
OUTPUTS_OFFSET = ffi.offsetof("zk_fused", OUTPUT_FIELDS[0])


def per_frame_forced() -> bool:
    """Whether the environment asks for the per-frame path."""
    return os.environ.get(PER_FRAME_ENV, "") not in ("", "0")


class FusedLoop:
    """The C state of one mission's fused frames; `run` runs as many of the next frames as it may."""

    def __init__(self, mission):
        flight = mission.flight
        a: AttitudeLoop = flight.attitude
        devices = mission.devices
        world = mission.world
        self._mission = mission
        self._attitude = a
        self._modes, self._health, self._estimator = a.modes, a.health, a.estimator
        self._orbit, self._dumping, self._wheels = a.orbit, a.dumping, a.wheels
        self._executive = flight.executive
        self._group = next(g for g in self._executive.groups if g.name == "attitude")
        self._periods = tuple({g.every_frames for g in self._executive.groups if g is not self._group})
        self._imager = devices.imager if isinstance(devices.imager, SimImager) else None
        self._hooks = list(mission.frame_hooks)
        self._radio_links = [link for link in map(_radio_link, self._hooks) if link is not None]
        self.frames_fused = 0
        """Frames run here so far (the rest ran in Python)."""
        f = ffi.new("zk_fused *")
        self.c = f
        self._buffer = ffi.buffer(f)
        self._outputs = _outputs_struct()
        f.world = world.c
        if self._imager is not None:
            f.capture = self._imager._rec
        f.rec = mission.recorder.c
        self._nadir_rows = ffi.from_buffer("unsigned char[]", mission.nadir_rows)
        f.nadir_rows = self._nadir_rows
        f.nadir_rows_len = len(mission.nadir_rows)
        gyro, wheels, tracker = devices.gyro, devices.wheels, devices.star_tracker
        magnetometer, torquers = devices.magnetometer, devices.magnetorquers
        f.gyro, f.gyro_truth = gyro._c, gyro._truth_ptr
        f.wheels, f.wheel_truth = wheels._c, wheels._truth_ptr
        f.wheel_speed_rad_s = wheels._speed_ptr
        self._current = ptr(wheels.current_a)
        f.wheel_current_a = self._current
        f.motor_constant_nm_a = wheels.motor_constant_nm_a
        f.no_load_current_a = wheels.no_load_current_a
        f.star_tracker, f.star_tracker_truth = tracker._c, tracker._truth_ptr
        f.magnetometer = magnetometer._c
        f.mag_q_ib, f.mag_b_eci_t = magnetometer._q_ib, magnetometer._b_eci_t
        f.mag_dipole_am2 = magnetometer._dipole_am2
        f.torquers = torquers._c
        f.mekf = a.estimator._c
        self._w_last = ptr(a._w_last)
        f.w_last_b = self._w_last
        f.w_step_b = a._w_step_c
        f.w_meas_b = a._w_meas_c
        f.q_star_ib = a._q_st_c
        f.monitor = a.wheel_monitor._m
        f.orbit = a.orbit._c
        f.orbit_forces = a.orbit._forces
        f.orbit_step_s = a.orbit.step_s
        f.map = a.allocator._m
        f.wheel_inertia = a.allocator._inertia_c
        f.h_wheel_b = a.allocator.h_wheel_b_c
        f.torque_cmd_nm = a.allocator._cmd_c
        dumping = a.dumping
        f.dump = dumping._c
        f.b_clean_b_t = dumping._b_clean_c
        f.mag_b_b_t = magnetometer._c.b_b_t
        f.dipole_cmd_am2 = dumping._cmd_c
        f.dump_last = dumping._last
        f.control = a.control.c
        f.frame_s = a.frame_s
        self._laws = (a.nadir, a.sun, a.target, a._next_target, a.hold, a.inertial, a.join)
        for i, law in enumerate(self._laws):
            _describe(f.laws[i], law)
        self._index = {id(law): i for i, law in enumerate(self._laws)}
        """Each law's place, by identity (the laws live as long as the loop: their ids stay theirs)."""
        self._targets = [(f.laws[i], g) for i, g in enumerate(self._laws) if isinstance(g, TargetTracking)]
        self._target_c = {id(g): law_c for law_c, g in self._targets}
        self._join = a.join
        self._join_c = f.laws[self._index[id(a.join)]]
        f.nadir = self._index[id(a.nadir)]
        self.ticks_in_c = 0
        """Attitude ticks of frames otherwise run in Python that ran in C."""
        self._group.tasks = [self.tick]

    @staticmethod
    def applies(mission) -> bool:
        """Whether this mission's frames may ever be fused: simulated devices of the kinds the C knows,
        in this process, a simulation clock, no per-frame link, no forcing of the per-frame path."""
        devices = mission.devices
        return (
            not per_frame_forced()
            and type(mission.clock) is SimClock
            and not mission.realtime
            and not mission.stimuli
            and not mission.links
            and mission.gnss_line is None
            and type(devices.gyro) is SimGyro
            and type(devices.wheels) is SimReactionWheels
            and type(devices.star_tracker) is SimStarTracker
            and devices.star_tracker._world is not None
            and type(devices.magnetometer) is SimMagnetometer
            and type(devices.magnetorquers) is SimMagnetorquers
            and (devices.imager is None or type(devices.imager) is SimImager)
            and all(_known_hook(mission, hook) for hook in mission.frame_hooks)
            and _polls_last(mission.frame_hooks)
            and [g.tasks for g in mission.flight.executive.groups if g.every_frames == 1]
            == [[mission.flight.attitude.tick]]
        )

    def run(self, limit: int) -> int:
        """Run up to `limit` of the next frames in C, as many as may be fused from here (0: the next
        frame must run in Python)."""
        executive = self._executive
        k = executive.frame
        count = limit
        for every in self._periods:  # up to the next frame another group is due in
            due = -k % every
            if due < count:
                count = due
        if count == 0:  # the 1 Hz frame: in Python
            return 0
        for link in self._radio_links:
            count = _frames_before(k, executive.frame_s, link.quiet_until_s, count)
        if count == 0 or not self._attitude_steady() or not self._hooks_quiet():
            return 0
        if type(executive.clock) is not SimClock:  # a clock swapped in since (a late one, in tests)
            return 0
        self._copy_in()
        self._records_in()
        lib.zk_fused_run(self.c, executive.frame, count)
        executive.ran_frames(count)
        self._mission.clock.t_s = executive.frame * executive.frame_s
        self._records_out()
        self._copy_out()
        self.frames_fused += count
        return count

    def advance(self) -> bool:
        """The end of a frame run in Python (Mission._advance): the world step, the records and the
        capture table in C, then the radio's poll; False (nothing done) if the frame hooks are no
        longer the ones the C does."""
        if not self._hooks_quiet():
            return False
        f = self.c
        f.guidance = self._index.get(id(self._attitude.guidance), -1)
        self._records_in()
        lib.zk_fused_advance(f, self._executive.frame - 1)
        self._records_out()
        for link in self._radio_links:
            link.poll()
        return True

    def _records_in(self) -> None:
        """The mission's truth-row count and the imager's capture state, into the C struct."""
        f = self.c
        f.rows_noted = self._mission._rows_noted
        imager = self._imager
        if imager is not None:
            f.capturing = imager._state == Imager.CAPTURING
            f.capture_end_s = imager._t_end_s

    def _records_out(self) -> None:
        f = self.c
        self._mission._rows_noted = f.rows_noted
        imager = self._imager
        if imager is not None and imager._state == Imager.CAPTURING and not f.capturing:
            imager._state = Imager.READY

    def tick(self, t_s: float) -> None:
        """The attitude group's task when its frame runs in Python (other groups due, a capture, a pass):
        the attitude loop's tick, in C while it is steady."""
        if not self._attitude_steady():
            self._attitude.tick(t_s)
            return
        self._copy_in()
        lib.zk_fused_tick(self.c, self._executive.frame)
        self._copy_out()
        self.ticks_in_c += 1

    def _copy_in(self) -> None:
        """What the attitude loop keeps in Python, into the C struct."""
        a = self._attitude
        index = self._index
        f = self.c
        guidance, law = a.guidance, a._law
        f.guidance = index[id(guidance)]
        f.law = index[id(law)]
        if guidance is self._join:  # the join updates the law it joins, and hands over to `law`
            joined = guidance._target
            self._join_c.join_to = index[id(joined)]
            self._set_strip(joined)
            self._set_strip(law)
        else:
            self._set_strip(guidance)
        f.orbit_t_s = self._orbit.t_s
        f.dump_phase = self._dumping._phase

    def _copy_out(self) -> None:
        """And back, after the C ran (its counters and notes read in one go)."""
        a = self._attitude
        f = self.c
        a.guidance = self._laws[f.guidance]
        self._orbit.t_s = f.orbit_t_s
        self._dumping._phase = f.dump_phase
        ticks, gyro_misses, wheel_misses, star_tracker_misses, fix_s, blind_s = self._outputs.unpack_from(
            self._buffer, OUTPUTS_OFFSET
        )
        a.ticks += ticks
        a.gyro_misses += gyro_misses
        a.wheel_misses += wheel_misses
        a.star_tracker_misses += star_tracker_misses
        if fix_s == fix_s:  # not NaN: a fix was taken
            a._last_star_fix_s = fix_s
        if blind_s == blind_s:
            a._last_star_blind_s = blind_s
        self._wheels.holding_speed = False
        for law_c, target in self._targets:
            status = law_c.status
            if status >= 0:  # updated in C
                target.geometry_ok = status == 0

    def _set_strip(self, law) -> None:
        """A target law's point-or-strip flag, if `law` is a target."""
        law_c = self._target_c.get(id(law))
        if law_c is not None:
            law_c.strip = law._strip

    def _attitude_steady(self) -> bool:
        """Whether the attitude loop's tick is the one the C runs: a pointing mode already entered, an
        estimate and an onboard orbit, attitude from the estimate, a known law flown, and no one asking
        for each tick's estimate (the payload's ancillary records while it captures)."""
        a = self._attitude
        mode = self._modes.mode
        index = self._index
        return (
            a.ancillary is None
            and mode == a._active_mode
            and mode in FUSED_MODES
            and (mode != SUN_SAFE or self._health.star_tracker_ok)
            and self._orbit.valid
            and self._estimator.initialised
            and id(a.guidance) in index
            and id(a._law) in index
            and (self._join._target is None or id(self._join._target) in index)
        )

    def _hooks_quiet(self) -> bool:
        """Whether the frame hooks are still the ones the C does or bounds (none added since)."""
        return self._mission.frame_hooks == self._hooks


def _outputs_struct() -> struct.Struct:
    """OUTPUT_FIELDS, consecutive in `zk_fused` from OUTPUTS_OFFSET, as one `Struct` read in one go."""
    fields = dict(ffi.typeof("zk_fused").fields)
    codes = {"long": "q" if ffi.sizeof("long") == 8 else "i", "double": "d"}
    offset = OUTPUTS_OFFSET
    for name in OUTPUT_FIELDS:
        if ffi.offsetof("zk_fused", name) != offset:
            raise RuntimeError(f"zk_fused.{name} is not where fused_loop.py reads it")
        offset += ffi.sizeof(fields[name].type)
    return struct.Struct("=" + "".join(codes[fields[name].type.cname] for name in OUTPUT_FIELDS))


def _known_hook(mission, hook) -> bool:
    """A frame hook the fused loop does itself or knows when to leave to Python: the nadir-row note, the
    simulated imager's record and the simulated radio's poll (not needed before its `quiet_until_s`: the
    next poll replays what the skipped ones would have done)."""
    imager = mission.devices.imager
    return (
        hook == mission._note_nadir_row
        or (imager is not None and hook == getattr(imager, "record", None))
        or _radio_link(hook) is not None
    )


def _radio_link(hook) -> RadioLink | None:
    """The simulated radio link whose poll `hook` is, if it is one."""
    link = getattr(hook, "__self__", None)
    return link if isinstance(link, RadioLink) and hook == link.poll else None


def _polls_last(hooks) -> bool:
    """Whether the radio's polls come after every other hook, as the C's records come before them."""
    polls = [_radio_link(hook) is not None for hook in hooks]
    return polls == sorted(polls)


def _frames_before(frame: int, frame_s: float, t_s: float, limit: int) -> int:
    """How many frames from `frame` (at most `limit`) end before world time `t_s`: frame j ends at
    (j + 1) * frame_s, the time a frame hook sees after it."""
    if t_s == math.inf:
        return limit
    if t_s <= frame * frame_s:  # -infinity too: the link must be polled after the next frame
        return 0
    count = min(limit, max(0, math.ceil(t_s / frame_s) - frame + 1))
    while count > 0 and (frame + count) * frame_s >= t_s:
        count -= 1
    return count


def _describe(law_c, law) -> None:
    """Fill a `zk_fused_law` with what `law.update` reads and writes."""
    law_c.ref = law.ref_c
    if isinstance(law, NadirGuidance):
        law_c.kind = lib.ZK_LAW_NADIR
        law_c.forces = law._forces
    elif isinstance(law, InertialHold):
        law_c.kind = lib.ZK_LAW_HOLD
        law_c.q_hold_ib = law._q_ib_c
    elif isinstance(law, SunPointing):
        law_c.kind = lib.ZK_LAW_SUN
        law_c.forces = law._forces
        law_c.sun = law._p
        law_c.jd_tt_epoch = law._jd_tt_epoch
    elif isinstance(law, TargetTracking):
        law_c.kind = lib.ZK_LAW_TARGET
        law_c.forces = law._forces
        law_c.target = law._target
        law_c.epoch_jd_utc = law._epoch_jd_utc
    elif isinstance(law, JoinSlew):
        law_c.kind = lib.ZK_LAW_JOIN
        law_c.join = law._s
    else:
        raise TypeError(f"no fused form of guidance law {type(law).__name__}")
