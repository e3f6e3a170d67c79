"""`zorka soak`: a scenario run for days with random device faults, a radio with outages carrying seeded
telecommands, and SIGKILLs of its process, each followed by `zorka run --resume`; the acceptance checked
from the run's files (`zorka.run.soak`, `zorka.run.soak_link`)."""

import argparse
import json
import sys

import numpy as np

from zorka.run.soak import check_soak, fault_tables, run_soak, soak_faults
from zorka.run.soak_link import check_commands, link_tables, run_end_ms, soak_commands
from zorka.scenario.toml_file import ScenarioError, scenario_from_toml

RUN_FOLDER = "run"
SCENARIO_NAME = "soak_scenario.toml"
REPORT_NAME = "soak.json"


def soak_command(args: argparse.Namespace) -> int:
    """0 if the soak met its acceptance, 1 if not (the problems printed), 2 on a bad scenario."""
    try:
        text = args.scenario.read_text()
        base = scenario_from_toml(text, str(args.scenario))
    except (OSError, UnicodeDecodeError) as problem:
        print(f"zorka soak: error: cannot read {args.scenario}: {problem}", file=sys.stderr)
        return 2
    except ScenarioError as problem:
        print(f"zorka soak: error: {problem}", file=sys.stderr)
        return 2
    if base.link is not None:
        print("zorka soak: error: the soak writes its own [link] radio; drop the scenario's", file=sys.stderr)
        return 2
    if not base.ground_stations:
        print(
            "zorka soak: error: the soak's radio needs [[ground_stations]] in the scenario", file=sys.stderr
        )
        return 2
    duration_s = args.duration
    faults = soak_faults(np.random.default_rng([args.seed, 1]), duration_s, args.faults)
    commands = soak_commands(np.random.default_rng([args.seed, 2]), duration_s, base.epoch_utc)
    args.out.mkdir(parents=True, exist_ok=True)
    scenario_path = args.out / SCENARIO_NAME
    scenario_path.write_text(text + fault_tables(faults) + link_tables(commands))
    run_dir = args.out / RUN_FOLDER

    def log(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr)

    soak = run_soak(scenario_path, run_dir, duration_s, args.kills, args.seed, log=log)
    if soak.exit_code != 0:
        print(f"zorka soak: error: the run ended with exit code {soak.exit_code}", file=sys.stderr)
        return 1
    summary = json.loads((run_dir / "summary.json").read_text())
    report = check_soak(run_dir, [r.id for r in base.requests], soak, summary)
    end_ms = run_end_ms(base.epoch_utc, duration_s)
    requests = [r.id for r in base.requests]
    report["commanding"], problems = check_commands(run_dir, commands, end_ms, requests)
    report["problems"] += problems
    link = summary.get("link", {})
    report["link"] = {
        "passes_lost": link.get("outages", {}).get("passes_lost", 0),
        "commands_sent": link.get("commands", {}).get("sent", 0),
        "fop_retransmitted": link.get("fop", {}).get("retransmitted", 0),
        "uplink_frames_rejected": link.get("uplink", {}).get("rejected", {}),
        "fop_alerts": link.get("fop", {}).get("alerts", {}),
    }
    report.update(sim_s=duration_s, seed=args.seed, kills_s=soak.kills_s)
    (args.out / REPORT_NAME).write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"soak: {duration_s / 86400.0:g} days, {report['kills']} kills, {report['restarts']} restarts, "
        f"{report['faults']} faults, {report['products_whole']} products whole, "
        f"{report['commanding']['commands']} commands ({report['commanding']['completed']} completed), "
        f"{report['link']['passes_lost']} passes lost, {report['wall_s']:.0f} s wall"
    )
    for problem in report["problems"]:
        print(f"zorka soak: {problem}", file=sys.stderr)
    return 1 if report["problems"] else 0
