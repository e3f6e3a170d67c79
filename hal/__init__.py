"""Hardware abstraction layer: one interface per device kind, and the serial back end for real boards.

Flight software reads and commands devices only through these interfaces; the simulator's devices
(sim/devices) and the serial devices (hal/serial_devices) implement them, and can be mixed freely.
"""
