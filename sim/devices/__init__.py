"""Simulated devices: each implements its hal interface over a C measurement or actuator model."""
