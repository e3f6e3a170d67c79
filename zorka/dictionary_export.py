"""The command/telemetry dictionary as the JSON file a ground segment reads (`zorka dict`): what the flight
software declares, and the space link's parameters (spacecraft ID, virtual channel, frame length)."""

import json

from flight.dictionary import Dictionary
from zorka.space_link import link_parameters


def dictionary_json(dictionary: Dictionary) -> str:
    """The declarations of `dictionary` and the link's parameters as indented JSON text."""
    return json.dumps({**dictionary.export(), "link": link_parameters()}, indent=2) + "\n"
