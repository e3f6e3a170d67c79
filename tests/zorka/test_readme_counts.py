"""README states the dictionary's size as the console prints it: the count is checked, not remembered."""

import re
from pathlib import Path

from flight.onboard_dictionary import SpacecraftShape, onboard_dictionary

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_command_counts_are_the_dictionarys():
    count = len(onboard_dictionary(SpacecraftShape()).commands)
    text = README.read_text(encoding="utf-8")
    stated = [int(n) for n in re.findall(r"(\d+) commands; type help", text)]
    stated += [int(n) for n in re.findall(r"dictionary the flight software declares \((\d+) commands", text)]
    assert stated and set(stated) == {count}
