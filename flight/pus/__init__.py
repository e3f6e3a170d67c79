"""The onboard PUS-C services: TC acceptance and dispatch, verification (1), housekeeping (3),
event reporting (5), function management (8), time management (9), time-based scheduling (11),
on-board monitoring (12), test (17), event-action (19) and parameter management (20)."""
