"""The imaging payload: requests, access to targets and the planner that sequences captures."""
