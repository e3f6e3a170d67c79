"""Scenario files: the scenario model, its TOML reader and checker, and the planner's input file."""
