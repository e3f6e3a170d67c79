"""A simulated mission: assembly from a scenario, the mission loop and its recorder, the simulated
radio, progress display and Monte Carlo campaigns."""
