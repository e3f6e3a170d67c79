"""The option types of `zorka wire` (light: the parser imports them): a probability and a dropout spec."""

import argparse
import math


def probability(text: str) -> float:
    """'1e-4' -> 0.0001; a probability from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a probability: use a number from 0 to 1, e.g. 1e-4"
        )
    return value


def dropout(text: str) -> tuple[float, float]:
    """'50:0.01' -> (0.05 s, 0.01): a dropout's length in ms (above 0) and its probability per 10 ms."""
    length, sep, chance = text.partition(":")
    try:
        length_ms = float(length)
        value = float(chance) if sep else math.nan
    except ValueError:
        length_ms = value = math.nan
    if not (0.0 < length_ms < math.inf and 0.0 <= value <= 1.0):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not MS:P: use a length in ms above 0 and a probability from 0 to 1, e.g. 50:0.01"
        )
    return length_ms / 1000.0, value
