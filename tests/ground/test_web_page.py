"""The web ground page in a real headless chromium, against a real `zorka ground` holding the authenticated
link of a real `zorka serve`: a command sent from the form completes, its stages show, the mode changes in
live housekeeping, a second page sees the same history, a sequence runs from the page, an archived
parameter plots over a chosen range (its sample count checked against the archive file read with sqlite3)
and downloads as CSV, a command `zorka send` sent shows in the history with its source,
bad commands are refused in the page and again by the server in one line, and no page logs an error.
Access beyond the loopback needs a token; without it a request gets 401."""

import csv
import io
import json
import sqlite3
import subprocess
import urllib.error
import urllib.request
from contextlib import closing
from datetime import UTC, datetime

import pytest

from ground.tm_store import DEFAULT_ARCHIVE_NAME
from tests.ground.web_ground_process import zorka_ground
from tests.headless_chromium import chromium_browser, open_page  # noqa: F401 (the fixture)
from tests.zorka.serve_process import ZORKA, zorka_serve

WAIT_MS = 15_000
COMPLETED = '#history tbody tr[data-command="{}"][data-outcome="completed"]'


@pytest.fixture(scope="module")
def dictionary_file(tmp_path_factory, dictionary):
    """The dictionary as `zorka dict` writes it: `zorka ground --dict` starts without building a mission."""
    path = tmp_path_factory.mktemp("dict") / "dictionary.json"
    path.write_text(json.dumps(dictionary))
    return path


@pytest.fixture(scope="module")
def ground(tmp_path_factory, dictionary_file):
    folder = tmp_path_factory.mktemp("web")
    keys = folder / "keys.json"
    serve = ("--link-port", "0", "--keys", str(keys), "--duration", "120s", "--out", str(folder / "run"))
    with zorka_serve(*serve) as served:
        arguments = link(served.port, keys, dictionary_file)
        with zorka_ground(*arguments, "--http", "0") as url:
            yield url, folder / DEFAULT_ARCHIVE_NAME, arguments


def link(port: int, keys, dictionary_file) -> tuple[str, ...]:
    return ("--link-port", str(port), "--keys", str(keys), "--dict", str(dictionary_file))


def post(url: str, body: object, content_type: str = "application/json") -> tuple[int, dict]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


def status_of(url: str, headers: dict | None = None) -> int:
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, headers=headers or {}), timeout=10
        ) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_a_command_from_the_form_completes_and_both_pages_see_it(chromium_browser, ground, tmp_path):  # noqa: F811
    url, archive, arguments = ground
    first, second = open_page(chromium_browser, url), open_page(chromium_browser, url)
    page = first.page
    for loaded in (first, second):
        loaded.page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
        loaded.page.wait_for_selector('#link[data-up="true"]', timeout=WAIT_MS)
    mode_cell = '#housekeeping td[data-value="adcs_mode"]'
    page.wait_for_function(f"document.querySelector('{mode_cell}').textContent !== '-'", timeout=WAIT_MS)
    assert page.inner_text(mode_cell) != "SUN_SAFE"

    page.select_option("#command-name", "set_adcs_mode")
    page.select_option('#command-args [data-arg="mode"]', "SUN_SAFE")
    page.click("#command-send")
    row = page.wait_for_selector(COMPLETED.format("set_adcs_mode"), timeout=WAIT_MS)
    stages = {
        cell.get_attribute("data-stage"): cell.inner_text()
        for cell in row.query_selector_all("td[data-stage]")
    }
    assert all(stages[s].startswith("✓") for s in ("accepted", "started", "completed")), stages
    page.wait_for_function(
        f"document.querySelector('{mode_cell}').textContent === 'SUN_SAFE'", timeout=WAIT_MS
    )
    second.page.wait_for_selector(COMPLETED.format("set_adcs_mode"), timeout=WAIT_MS)
    assert "mode=SUN_SAFE" in second.page.inner_text("#history")
    sent = subprocess.run([*ZORKA, "send", *arguments, "ping"], capture_output=True, text=True, timeout=60)
    assert sent.returncode == 0, sent.stdout + sent.stderr  # another ground program, the same archive
    pinged = second.page.wait_for_selector(COMPLETED.format("ping"), timeout=WAIT_MS)
    assert "send" in pinged.inner_text()

    page.fill("#sequence-text", "set_adcs_mode mode=NOMINAL\nexpect adcs_mode == NOMINAL within 20\n")
    page.click("#sequence-run")
    page.wait_for_function(
        "document.querySelector('#sequence-log').textContent.includes('sequence passed: 2 steps')",
        timeout=WAIT_MS,
    )
    second.page.wait_for_selector(COMPLETED.format("set_adcs_mode") + ":nth-child(1)", timeout=WAIT_MS)

    page.select_option("#archive-name", "adcs_mode")
    page.click("#archive-plot-button")
    page.wait_for_function(
        "Number(document.querySelector('#archive-count').dataset.count) > 0", timeout=WAIT_MS
    )
    shown = int(page.get_attribute("#archive-count", "data-count"))
    start = datetime.fromisoformat(page.input_value("#archive-from")).replace(tzinfo=UTC).timestamp()
    end = datetime.fromisoformat(page.input_value("#archive-to")).replace(tzinfo=UTC).timestamp()
    with closing(sqlite3.connect(f"file:{archive}?mode=ro", uri=True)) as db:
        stored = db.execute(
            "SELECT count(*), count(DISTINCT value) FROM parameter_samples "
            "WHERE name = 'adcs_mode' AND onboard_unix_s BETWEEN ? AND ?",
            (start, end),
        ).fetchone()
        span = [float(t) for t in page.get_attribute("#archive-plot", "data-span").split(",")]
        marked = db.execute(
            "SELECT count(*) FROM events WHERE onboard_unix_s BETWEEN ? AND ?", span
        ).fetchone()[0]
    assert stored[0] >= shown > 0 and stored[1] >= 2  # the plot spans the mode change
    assert int(page.get_attribute("#archive-plot", "data-points")) > 0
    # the mode changes marked on the plot; an event still on its way down when the page asked may be missing
    assert 0 < int(page.get_attribute("#archive-plot", "data-events")) <= marked
    with urllib.request.urlopen(
        url + page.get_attribute("#archive-csv", "href").lstrip("/"), timeout=10
    ) as got:
        rows = list(csv.DictReader(io.StringIO(got.read().decode())))
    assert len(rows) == shown and {row["text"] for row in rows} >= {"SUN_SAFE", "NOMINAL"}
    first.screenshot(tmp_path / "ground-page.png")
    assert first.console_errors == [] and second.console_errors == []


def test_bad_commands_are_refused_in_the_page_and_by_the_server(chromium_browser, ground, dictionary):  # noqa: F811
    url, _, _ = ground
    loaded = open_page(chromium_browser, url)
    page = loaded.page
    page.wait_for_selector("body[data-ready=true]", timeout=WAIT_MS)
    page.fill("#housekeeping-filter", "wheel speed")
    shown = page.locator("#housekeeping tbody tr:not([hidden])").all_inner_texts()
    wheels = [p["name"] for p in dictionary["parameters"] if "wheel" in p["name"] and "speed" in p["name"]]
    assert [text.split()[0] for text in shown] == wheels and len(wheels) == 4
    rows_before = page.locator("#history tbody tr").count()
    float_command = page.evaluate(
        "dictionary.commands.find((c) => c.args.length && c.args[0].type === 'float' "
        "&& c.args[0].max !== null)"
    )
    page.select_option("#command-name", float_command["name"])
    argument = float_command["args"][0]
    page.fill(f'#command-args [data-arg="{argument["name"]}"]', str(argument["max"] * 10 + 1))
    page.click("#command-send")
    error = page.inner_text("#command-error")
    assert f"{argument['name']}=" in error and "out of range" in error
    page.wait_for_timeout(500)
    assert page.locator("#history tbody tr").count() == rows_before

    status, body = post(url + "api/command", {"name": "set_adcs_mode", "args": {"mode": "SIDEWAYS"}})
    assert status == 400 and body["error"].startswith("set_adcs_mode: mode='SIDEWAYS': must be one of")
    status, body = post(url + "api/command", {"name": "no_such_command"})
    assert status == 400 and "unknown command" in body["error"] and "\n" not in body["error"]
    status, body = post(url + "api/command", {"name": "ping"}, content_type="text/plain")
    assert status == 400 and "application/json" in body["error"]
    status, body = post(url + "api/sequence", {"name": "s", "text": "ping\nexpect nothing == 1\n"})
    assert status == 400 and body["error"].startswith("s:2:")
    assert loaded.console_errors == []


def test_beyond_the_loopback_a_token_is_required(tmp_path, dictionary_file):
    keys = ("--keys", str(tmp_path / "keys.json"), "--archive", str(tmp_path / "archive.sqlite"))
    keys += ("--dict", str(dictionary_file))
    refused = subprocess.run(
        [*ZORKA, "ground", "--packet-port", "9", *keys, "--http", "0", "--bind", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "--token" in refused.stderr
    token = "a-long-enough-secret-token"
    arguments = ("--packet-port", "9", *keys, "--http", "0", "--bind", "0.0.0.0", "--token", token)
    with zorka_ground(*arguments) as url:
        local = url.replace("0.0.0.0", "127.0.0.1")
        assert status_of(local) == 401
        assert status_of(local + "api/state?token=wrong-token-of-some-length") == 401
        assert status_of(local + f"?token={token}") == 200
        assert status_of(local + "api/state", {"Authorization": f"Bearer {token}"}) == 200
        status, body = post(local + f"api/command?token={token}", {"name": "ping"})
        assert status == 503 and "link is down" in body["error"]
