"""The command/telemetry dictionary as the JSON file a ground segment reads (`zorka dict`)."""

import json

from flight.dictionary import Dictionary


def dictionary_json(dictionary: Dictionary) -> str:
    """The declarations of `dictionary` as indented JSON text, keys in declaration order."""
    return json.dumps(dictionary.export(), indent=2) + "\n"
