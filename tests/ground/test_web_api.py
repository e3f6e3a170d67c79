"""The web ground's HTTP API against arbitrary input, over real HTTP to a real `zorka ground` (its link down:
nothing reaches a spacecraft): any body POSTed and any query given gets a JSON answer with at most one line
of error, never a dropped connection or a traceback (the process must end with nothing on stderr). On the
loopback only requests addressed to the loopback are answered (a page elsewhere cannot reach it by DNS
rebinding)."""

import json
import urllib.error
import urllib.parse
import urllib.request

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ground.web_ground_process import zorka_ground

ANSWERS = {200, 400, 404, 503}


@pytest.fixture(scope="module")
def idle_ground(tmp_path_factory, dictionary):
    folder = tmp_path_factory.mktemp("idle")
    (folder / "dictionary.json").write_text(json.dumps(dictionary))
    arguments = ("--packet-port", "9", "--archive", str(folder / "archive.sqlite"), "--http", "0")
    with zorka_ground(*arguments, "--dict", str(folder / "dictionary.json")) as url:
        yield url


def answer(request: urllib.request.Request) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def test_on_the_loopback_only_requests_addressed_to_it_are_answered(idle_ground):
    for host, status in (("127.0.0.1:80", 200), ("localhost", 200), ("attacker.example:80", 403)):
        request = urllib.request.Request(idle_ground + "api/state", headers={"Host": host})
        assert answer(request)[0] == status, host


def check(status: int, body: object) -> None:
    assert status in ANSWERS, (status, body)
    if status != 200:
        assert isinstance(body, dict) and "\n" not in body["error"], body


@settings(max_examples=40, deadline=None)
@given(
    path=st.sampled_from(["api/command", "api/sequence"]),
    body=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
            ),
            max_leaves=8,
        ).map(lambda value: json.dumps(value).encode()),
        st.fixed_dictionaries(
            {
                "name": st.sampled_from(["ping", "set_adcs_mode", "x"]),
                "args": st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=2),
            }
        ).map(lambda value: json.dumps(value).encode()),
    ),
)
def test_any_body_posted_gets_a_one_line_answer(idle_ground, path, body):
    request = urllib.request.Request(idle_ground + path, body, {"Content-Type": "application/json"})
    check(*answer(request))


@settings(max_examples=60, deadline=None)
@given(
    path=st.sampled_from(["api/archive", "api/history", "api/events", "api/archive.csv", "api/nothing"]),
    query=st.dictionaries(
        st.sampled_from(["name", "from", "to", "points", "limit", "token"]),
        st.one_of(st.text(max_size=30), st.sampled_from(["t_s", "adcs_mode", "nan", "inf", "-inf", "1e400"])),
        max_size=5,
    ),
)
def test_any_query_gets_an_answer(idle_ground, path, query):
    request = urllib.request.Request(idle_ground + path + "?" + urllib.parse.urlencode(query))
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, data = response.status, response.read()
    except urllib.error.HTTPError as refused:
        status, data = refused.code, refused.read()
    if path.endswith(".csv") and status == 200:
        assert data.decode().startswith("onboard_utc,onboard_unix_s,received_utc,value,text")
        return
    check(status, json.loads(data))
