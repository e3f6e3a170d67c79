"""What a simulated board is behind its wire: the simulator's own device models, seeded as in a mission
(`sim.randomness.model_seed`), sensing a mirror of the truth that the rig's `sim.truth` stimulus fills.

The mirror is a `zk_world` struct that is never stepped: the models read their truth from the same
members as they do in a mission's world, so a board's readings are the simulated devices' readings.
"""

from native import ffi, view
from sim.devices.gnss import SimGnss
from sim.devices.gyro import SimGyro
from sim.devices.imager import SimImager
from sim.devices.magnetometer import SimMagnetometer
from sim.devices.magnetorquers import SimMagnetorquers
from sim.devices.power_system import SimPowerSystem
from sim.devices.reaction_wheels import SimReactionWheels
from sim.devices.star_tracker import SimStarTracker
from sim.devices.sun_sensor import SimSunSensor
from sim.power import fill_power
from sim.randomness import model_seed
from sim.spacecraft import Spacecraft

EPS_TRUTH = ("soc", "bus_voltage_v", "solar_power_w", "load_power_w", "battery_power_w")
"""The `zk_power` members of the `eps_truth` stimulus, in order."""


class TruthMirror:
    """The truth a board senses, in a `zk_world` struct (`c`, `t_s`) that the stimulus writes."""

    def __init__(self, spacecraft: Spacecraft, t_s: float):
        self.c = ffi.new("zk_world *")
        self.c.t_s = t_s
        self.c.att.q_ib = [0.0, 0.0, 0.0, 1.0]
        fill_power(ffi.addressof(self.c, "power"), spacecraft.power)
        self.n_wheels = spacecraft.wheels.n
        self.n_loads = len(spacecraft.power.loads)
        self.w_b = view(self.c.att.w_b)
        self.q_ib = view(self.c.att.q_ib)
        self.wheel_speed_rad_s = view(self.c.wheel_speed_rad_s, self.n_wheels)

    @property
    def t_s(self) -> float:
        return self.c.t_s

    def write(self, values: dict) -> None:
        """Take the stimulus fields present in `values` (checked by the server: lengths, finite)."""
        c = self.c
        for name, target in (
            ("r_eci", c.orbit.r_eci),
            ("v_eci", c.orbit.v_eci),
            ("q_ib", c.att.q_ib),
            ("w_b", c.att.w_b),
            ("b_eci_t", c.b_eci_t),
            ("r_sun_eci", c.r_sun_eci),
            ("dipole_am2", c.mtq.dipole_applied_am2),
            ("wheel_speed_rad_s", c.wheel_speed_rad_s),
            ("load_on", c.power.load_on),
        ):
            if name in values:
                target[0 : len(values[name])] = values[name] if name != "load_on" else map(int, values[name])
        for name in ("t_s", "gmst_rad", "sun_fraction"):
            if name in values:
                setattr(c, name, values[name])
        if "eps_truth" in values:
            for member, value in zip(EPS_TRUTH, values["eps_truth"], strict=True):
                setattr(c.power, member, value)
        if "eps_flags" in values:
            c.power.flags = int(values["eps_flags"])
        if "jd_epoch_utc" in values:
            c.jd_epoch_utc = values["jd_epoch_utc"]


class BoardModels:
    """Every device model a simulated board serves, over one truth mirror, from `spacecraft` and `seed`
    as a mission seeded with `seed` builds them; `frame_s` is the tick they integrate over, `t_s` the
    time of their first reading."""

    def __init__(self, spacecraft: Spacecraft, seed: int, frame_s: float, t_s: float = 0.0):
        truth = TruthMirror(spacecraft, t_s)
        sc = spacecraft
        self.truth = truth
        self.gyro = SimGyro.from_spec(truth.w_b, sc.gyro, frame_s, model_seed(seed, "gyro"))
        self.star_tracker = SimStarTracker(
            truth.q_ib, sc.star_tracker, model_seed(seed, "star_tracker"), truth
        )
        self.magnetometer = SimMagnetometer(truth, sc.magnetometer, model_seed(seed, "magnetometer"))
        self.sun_sensor = SimSunSensor(truth, sc.sun_sensor, model_seed(seed, "sun_sensor"))
        self.gnss = SimGnss(truth, sc.gnss, model_seed(seed, "gnss"))
        self.wheels = SimReactionWheels.from_spec(
            ffi.addressof(truth.c, "wheels"),
            truth.wheel_speed_rad_s,
            sc.wheels,
            model_seed(seed, "wheels"),
            frame_s,
        )
        self.magnetorquers = SimMagnetorquers.from_spec(
            ffi.addressof(truth.c, "mtq"), sc.magnetorquers, model_seed(seed, "magnetorquers")
        )
        self.eps = SimPowerSystem(ffi.addressof(truth.c, "power"), sc.power, model_seed(seed, "power"))
        self.imager = SimImager(truth, sc.imager, frame_s)

    def take_truth(self, values: dict) -> None:
        """A `sim.truth` stimulus: the mirror takes it, then the devices that act on each new truth do, as
        in a mission's frame after the world's step (the imager records it, a wheel speed loop steps)."""
        self.truth.write(values)
        self.imager.record()
        self.wheels.hold_speed()

    def safe(self) -> None:
        """Actuators to their safe state: no wheel torque (a speed command ends), torquers off (commands and
        latched outputs)."""
        self.wheels.holding_speed = False
        for array in (self.wheels.torque_cmd_nm, self.wheels.torque_applied_nm):
            array.fill(0.0)
        for array in (self.magnetorquers.dipole_cmd_am2, self.magnetorquers.dipole_applied_am2):
            array.fill(0.0)
