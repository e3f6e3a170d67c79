"""Attitude determination and control: guidance, control and actuation over hal devices."""
