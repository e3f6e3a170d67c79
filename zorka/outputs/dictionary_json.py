"""The command/telemetry dictionary as the JSON file a ground segment reads (`zorka dict`): what the flight
software declares, and the space link's parameters (spacecraft ID, virtual channel, frame length)."""

import json

from flight.dictionary import Dictionary
from flight.link.link_parameters import link_parameters


def dictionary_document(dictionary: Dictionary) -> dict:
    """The declarations of `dictionary` and the link's parameters, as the ground reads them."""
    return {**dictionary.export(), "link": link_parameters()}


def dictionary_json(dictionary: Dictionary) -> str:
    """`dictionary_document` as indented JSON text."""
    return json.dumps(dictionary_document(dictionary), indent=2) + "\n"
