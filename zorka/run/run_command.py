"""`zorka run`: one simulated mission into a run folder, or a Monte Carlo campaign of seeds.

The campaign's modules (process pools, multiprocessing, its report) are imported only for `--seeds`:
a single run's start-up does not pay for them."""

import argparse
import functools
import os
import sys
import time
from dataclasses import replace

from rich.console import Console

from zorka.outputs.run_folder import RunFolderError, claim_run_folder, run_into_folder, write_run_folder
from zorka.run.board_devices import routed_lines
from zorka.run.checkpoint import Checkpointer, remove_checkpoint, resume_mission
from zorka.run.mission import Mission
from zorka.run.progress import campaign_tables, seeds_progress, summary_table
from zorka.scenario.model import Scenario
from zorka.scenario.run_input import scenario_for


def run_command(args: argparse.Namespace) -> int:
    """0 after a run (its summary table printed), 1 if the mission could not start, 2 on bad options."""
    if args.seeds is None and args.jobs is not None:
        print("zorka run: error: argument --jobs: only with --seeds; add --seeds LIST", file=sys.stderr)
        return 2
    if args.seeds is None and args.worst is not None:
        print("zorka run: error: argument --worst: only with --seeds; add --seeds LIST", file=sys.stderr)
        return 2
    if args.worst is not None and args.no_report:
        print(
            "zorka run: error: argument --worst: not with --no-report (no run reports); drop one",
            file=sys.stderr,
        )
        return 2
    if args.seeds is None and args.dask is not None:
        print("zorka run: error: argument --dask: only with --seeds; add --seeds LIST", file=sys.stderr)
        return 2
    if args.dask is not None and args.jobs is not None:
        print(
            "zorka run: error: argument --jobs: not with --dask (the cluster's workers run the seeds); "
            "drop --jobs or use --dask local:N",
            file=sys.stderr,
        )
        return 2
    if args.seeds is not None and args.serial:
        print(
            "zorka run: error: argument --serial: not allowed with --seeds (the runs of a campaign cannot "
            "share a board); drop one of them",
            file=sys.stderr,
        )
        return 2
    if args.seeds is not None and args.gnss:
        print(
            "zorka run: error: argument --gnss: not allowed with --seeds (a campaign's runs cannot share a "
            "receiver's line); drop one of them",
            file=sys.stderr,
        )
        return 2
    scenario = scenario_for("run", args.scenario, args.out)
    if scenario is None:
        return 2
    if args.seeds is not None:
        boards, receiver = routed_lines(scenario.hal, {}, None)
        if boards or receiver:
            print(
                "zorka run: error: argument --seeds: the scenario's [hal] table puts "
                f"{', '.join([*boards, *(['gnss'] if receiver else [])])} on serial lines, which the runs of "
                'a campaign cannot share; set them to "sim" or drop --seeds',
                file=sys.stderr,
            )
            return 2
        return campaign_command(args, scenario)
    if args.seed is not None:
        scenario = replace(scenario, seed=args.seed)
    refused = resume_refused(args, scenario)
    if refused:
        print(f"zorka run: error: argument --resume: {refused}", file=sys.stderr)
        return 2
    serial = {device: port for devices, port in args.serial for device in devices}
    try:
        if args.resume:
            mission, checkpointer = resume_mission(scenario, args.out, args.duration, args.checkpoint_wall_s)
        else:
            claim_run_folder(args.out, force=args.force)
            remove_checkpoint(args.out)
            mission = Mission(
                scenario,
                args.duration,
                serial=serial,
                realtime=args.realtime,
                out_dir=args.out,
                gnss=args.gnss,
            )
            checkpointer = (
                None
                if serial or args.realtime or args.gnss
                else Checkpointer(mission, args.out, min_wall_s=args.checkpoint_wall_s)
            )
    except RunFolderError as problem:
        print(f"zorka run: error: {problem}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as failure:
        print(f"zorka run: error: {failure}", file=sys.stderr)
        return 1
    write = functools.partial(write_run_folder, report=not args.no_report)
    summary, path = run_into_folder(mission, args.out, quiet=args.quiet, write=write)
    if checkpointer is not None:
        whole = mission.sim_s >= mission.duration_s - 0.5 * mission.frame_s and mission.board_failure is None
        checkpointer.finish() if whole else checkpointer.close()
    Console().print(summary_table(summary, path))
    if mission.board_failure is not None:
        print(f"zorka run: error: {mission.board_failure}", file=sys.stderr)
        return 1
    return 0


def resume_refused(args: argparse.Namespace, scenario: Scenario) -> str | None:
    """Why --resume cannot go with these options or this scenario (None if it can)."""
    if not args.resume:
        return None
    if args.serial or args.gnss or args.realtime:
        return "a run with boards, a GNSS line or --realtime has no checkpoints; drop one of them"
    return None


def campaign_command(args: argparse.Namespace, scenario: Scenario) -> int:
    """`zorka run --seeds`: the campaign on a local process pool or a Dask cluster, its campaign.json,
    (unless --no-report) campaign.html with the worst seeds' run reports, its table and a line of how
    many seeds ran; 1 if a seed failed or the cluster could not be reached."""
    from zorka.outputs.campaign_report import (  # a single run needs no process pool
        COMPLETED_SEEDS,
        campaign_plots,
        worst_seeds,
        write_campaign_report,
    )
    from zorka.run.campaign import campaign_document, campaign_timeline, run_campaign, write_campaign

    jobs = args.jobs or os.cpu_count() or 1
    start_s = time.perf_counter()
    try:
        with seeds_progress(len(args.seeds), quiet=args.quiet) as advance:
            campaign = run_campaign(
                scenario,
                args.seeds,
                args.duration,
                args.out,
                jobs,
                realtime=args.realtime,
                on_done=advance,
                dask_address=args.dask,
                complete=None
                if args.no_report
                else functools.partial(worst_seeds, count=args.worst or COMPLETED_SEEDS),
                prepare=None if args.no_report else campaign_plots,
            )
    except OSError as failure:  # a scheduler that does not answer
        print(f"zorka run: error: argument --dask: {args.dask}: {failure}", file=sys.stderr)
        return 1
    outcomes = campaign.outcomes
    document = campaign_document(outcomes, args.out)
    path = write_campaign(document, args.out)
    if not args.no_report:
        summaries = {o.seed: o.summary for o in outcomes if o.summary is not None}
        write_campaign_report(document, summaries, args.out, campaign.prepared)
    Console().print(*campaign_tables(document, path))
    finished = sum(o.summary is not None for o in outcomes)
    print(
        f"{campaign.ran} seeds run, {finished - campaign.ran} finished before (not run again), "
        f"{len(document['failed'])} failed; {len(campaign.reports)} run reports; "
        f"{campaign_timeline(campaign.timeline_s, time.perf_counter() - start_s)}"
    )
    return 1 if document["failed"] else 0
