"""The power application's declarations: what the flight software reports of the electrical system."""
