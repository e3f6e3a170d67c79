"""`zorka board-check`: conformance of any board on a serial port to hal/board_protocol.md."""
