/* power.h - electrical power truth: solar arrays, a Li-ion battery on an unregulated battery-direct
 * bus, and the loads it feeds (a switched table plus the wheels' and magnetorquers' draw), with an
 * EPS board's noisy telemetry of it. Nothing is allocated; SI units (J, W, V, ohm). */
#ifndef ZK_POWER_H
#define ZK_POWER_H
#include "rng.h"

#define ZK_POWER_MAX_PANELS 8
#define ZK_POWER_MAX_LOADS 16
/* Flags. BROWNOUT: the battery could not carry the loads, all loads are cut. SHUNT: surplus solar
 * power is dissipated (battery full or at its charge limit). */
#define ZK_POWER_BROWNOUT 1
#define ZK_POWER_SHUNT 2
/* telemetry reading indices */
#define ZK_POWER_SOC 0
#define ZK_POWER_BUS_VOLTAGE_V 1
#define ZK_POWER_SOLAR_W 2
#define ZK_POWER_LOAD_W 3
#define ZK_POWER_BATTERY_W 4
#define ZK_POWER_N_READINGS 5

typedef struct {
    /* solar panels: flat, each with one outward normal */
    int n_panels;
    double panel_normal_b[3 * ZK_POWER_MAX_PANELS];  /* unit outward normals, body, row per panel */
    double panel_area_m2[ZK_POWER_MAX_PANELS];
    double panel_efficiency[ZK_POWER_MAX_PANELS];    /* cell conversion efficiency */
    double panel_packing[ZK_POWER_MAX_PANELS];       /* cell area / panel area */
    /* battery */
    double capacity_j;
    double charge_max_w;            /* at the battery terminals */
    double discharge_max_w;
    double charge_efficiency;       /* stored / delivered to the terminals */
    double discharge_efficiency;    /* delivered from the terminals / taken from storage */
    double soc_recover;             /* after a brown-out the loads come back once the SoC reaches this */
    double v_empty_v;               /* open-circuit voltage at SoC 0 and 1 (linear between) */
    double v_full_v;
    double r_internal_ohm;
    /* loads */
    int n_loads;
    double load_w[ZK_POWER_MAX_LOADS];
    int load_on[ZK_POWER_MAX_LOADS];                 /* 1 on, 0 off: switched by the flight software */
    double wheel_idle_w;            /* per wheel: drive electronics and bearing friction */
    double wheel_motor_efficiency;  /* mechanical |tau omega| / electrical */
    double mtq_w_per_am2_sq;        /* coil resistance model: P = k m^2 per rod, k = R / (N A)^2 */
    /* state */
    double soc;                     /* stored energy / capacity, 0..1 */
    /* outputs of the last step */
    double solar_power_w;           /* what the arrays produce */
    double load_power_w;            /* delivered to the loads (0 in a brown-out) */
    double battery_power_w;         /* at the terminals, + charging, - discharging */
    double shunt_power_w;           /* surplus dissipated */
    double bus_voltage_v;
    int flags;
} zk_power;

/* Solar power (W) the arrays produce: S (1 AU / d)^2 sum_k A_k eta_k packing_k max(0, n_k . s) times
 * the visible fraction of the sun's disk, with S = 1361 W/m^2 and d the sun's distance. */
double zk_power_solar_w(const zk_power *p, const double q_ib[4], const double r_sat_eci[3],
                        const double r_sun_eci[3], double sun_fraction);
/* Reaction wheel draw (W): n idle + sum |tau_i omega_i| / motor efficiency (braking is not recovered). */
double zk_power_wheels_w(const zk_power *p, const double *wheel_torque_nm, const double *wheel_speed_rad_s,
                         int n_wheels);
/* Magnetorquer draw (W): k sum m_i^2. */
double zk_power_magnetorquers_w(const zk_power *p, const double mtq_dipole_am2[3]);
/* Bus voltage (V) at a SoC with battery terminal power p_battery_w (+ charging):
 * V = V_oc(soc) + R I with V I = p_battery_w. */
double zk_power_bus_voltage_v(const zk_power *p, double soc, double p_battery_w);

/* Advance the power system over dt with the attitude, orbit, sun and actuator outputs held at their
 * values: solar power charges the battery or is shunted, a deficit discharges it; a deficit the
 * battery cannot carry (empty, or over the discharge limit) cuts all loads and latches
 * ZK_POWER_BROWNOUT until the SoC reaches soc_recover. */
void zk_power_step(zk_power *p, const double q_ib[4], const double r_sat_eci[3], const double r_sun_eci[3],
                   double sun_fraction, const double *wheel_torque_nm, const double *wheel_speed_rad_s,
                   int n_wheels, const double mtq_dipole_am2[3], double dt);

/* What an EPS board reports: each reading with white noise of noise_fraction times its magnitude
 * (SoC kept within 0..1), the flags and the switch states. */
typedef struct {
    zk_rng rng;
    double noise_fraction;                  /* 1 sigma, relative */
    double readings[ZK_POWER_N_READINGS];   /* indexed by ZK_POWER_SOC ... ZK_POWER_BATTERY_W */
    int flags;
    int load_on[ZK_POWER_MAX_LOADS];
} zk_power_telemetry;
void zk_power_measure(zk_power_telemetry *m, const zk_power *p);

#endif
