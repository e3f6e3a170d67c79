"""The onboard PUS-C services: TC acceptance and dispatch, verification (1), housekeeping (3), event
reporting (5), time management (9), time-based scheduling (11), on-board monitoring (12), test (17),
event-action (19), parameter management (20) and imaging requests (200). Function management (8)
carries the ADCS's functions, declared in flight/adcs/commands.py."""
