"""What a plain `zorka run` imports: only what the run uses. A real `zorka run --no-report` in a fresh
interpreter loads none of the modules of the branches it does not take (the report, a GNSS line, a
campaign, a Dask cluster, the XTCE export, test libraries)."""

import json
import subprocess
import sys
from pathlib import Path

from zorka.outputs import report, run_folder

ROOT = Path(__file__).resolve().parents[2]
NOT_FOR_A_PLAIN_RUN = (
    "zorka.outputs.report",
    "zorka.outputs.campaign_report",
    "zorka.outputs.xtce",
    "zorka.run.campaign",
    "zorka.run.dask_campaign",
    "zorka.run.gnss_line",
    "matplotlib",
    "PIL",
    "pyubx2",
    "pynmeagps",
    "dask",
    "distributed",
    "hypothesis",
    "pytest",
)
RUN_AND_LIST_MODULES = """
import json, sys
from zorka.cli import main
code = main(["run", "--duration", "2s", "--quiet", "--no-report", "--out", sys.argv[1]])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def test_a_run_without_a_report_imports_no_module_of_another_branch(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, str(tmp_path / "run")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout.splitlines()[-1])
    assert listed["code"] == 0 and (tmp_path / "run" / "summary.json").is_file()
    loaded = [
        name
        for name in listed["modules"]
        if any(name == root or name.startswith(root + ".") or name.startswith(root + "_") for root in
               NOT_FOR_A_PLAIN_RUN)
    ]  # fmt: skip
    assert loaded == []
    assert "zorka.run.mission" in listed["modules"]  # the listing is of a run that ran


def test_the_run_folder_names_the_report_as_the_report_writes_it():
    """run_folder keeps its own copy of the name (it imports the report's modules only to write one)."""
    assert run_folder.REPORT_NAME == report.REPORT_NAME
