"""The onboard space link: COP-1 FARM-1 for telecommand frames."""
