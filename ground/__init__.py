"""The ground segment: command/telemetry dictionary, encoding, links and console."""
