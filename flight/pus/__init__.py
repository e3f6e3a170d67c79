"""The onboard PUS-C services: TC acceptance and dispatch, verification (1), housekeeping (3),
event reporting (5), function management (8), test (17) and parameter management (20)."""
