"""The simulated world: orbit, environment, dynamics, device models and the board server.

Truth lives in one C struct (`zk_world`, stepped by `sim.world.World`); the simulated devices in
`sim.devices` sense it through the hal interfaces, each with its own seeded generator.
"""
