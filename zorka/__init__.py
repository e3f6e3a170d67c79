"""The front door: the `zorka` command and the mission runner that wires flight, sim, hal and ground."""
