"""`zorka serve` logs TC frames refused by the link's security checks: one stderr line at most a second,
counting every refused frame since the last line by reason; frames the link took are not logged."""

import io
from collections import Counter

from zorka.serve.link_port import RefusalLog


def test_refused_frames_are_logged_at_most_once_a_second_and_all_counted():
    counts: Counter[str] = Counter({"bad_mac": 2})  # refused before the log started: not logged
    stream = io.StringIO()
    log = RefusalLog(counts, stream)
    counts["bad_mac"] += 1
    log.poll(10.0)
    counts["bad_mac"] += 2
    counts["arsn_outside_window"] += 1
    counts["accepted"] += 5
    log.poll(10.5)  # too soon: nothing
    log.poll(11.0)
    log.poll(12.5)  # nothing new: nothing
    lines = stream.getvalue().splitlines()
    assert lines == [
        "zorka serve: 1 TC frame refused by the link's security checks: bad_mac x1 "
        "(a ground with another key, or out of step: zorka resync)",
        "zorka serve: 3 TC frames refused by the link's security checks: arsn_outside_window x1, bad_mac x2 "
        "(a ground with another key, or out of step: zorka resync)",
    ]
