#!/usr/bin/env python3
"""Two nnfast binaries side by side: which is faster, kernel by kernel.

Runs `nnfast bench --quick --json --filter FILTER` (without --quick when --full) with each
binary, alternating which goes first, for several rounds, and prints per kernel (and per
training step) the ratio old time / new time: median and worst over the rounds (> 1: the new
binary is faster), and the ratio of each side's best time over all rounds — on a shared host
slowdowns come in bursts that can hit one side of a round only, and a side's best is the time
it takes when nothing interferes. Differences under ~10% are beyond it on a noisy host (on the
2-core Zen 3 it read unchanged kernels at 0.80-1.45× against themselves). For a change's
effect on speed, build the old commit into another folder (e.g. `git worktree add /tmp/old
<commit>` and `swift build -c release` there) and pass both binaries.

    python3 tools/compare_builds.py OLD_BINARY NEW_BINARY [--rounds 5] [--filter gemm]
        [--layers 784,800,800,10] [--full] [--phases]

Pass the same binary twice first: that A/A run is the machine's noise floor at that moment
(on the shared 2-core machines it has ranged from ±2% to ±30%). For the multi-threaded training
steps it also prints, per side, the median of the profile's imbalance, ran-alone and wait rows
and in how many runs the worker pool backed off (binaries older than those rows print zeros).
With --phases (and a filter that runs the step, e.g. `--filter step`), every training step's
profile rows too — gather, each layer's forward, backward and update — as each side's median
µs per step and the median of the per-round ratios.
"""
import argparse
import json
import statistics
import subprocess


def bench(binary, pattern, layers, batches, full):
    command = [binary, "bench", "--json", "--filter", pattern] + ([] if full else ["--quick"])
    if layers:
        command += ["--layers", layers]
    if batches:
        command += ["--batches", batches]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--filter", default="gemm", help="bench's --filter (e.g. gemm, b32, step)")
    parser.add_argument("--layers", help="bench's --layers: the network whose shapes and step are timed")
    parser.add_argument("--batches", help="bench's --batches (e.g. 128): the batch sizes whose shapes and step are timed")
    parser.add_argument("--full", action="store_true", help="without bench's --quick: 2048³ too")
    parser.add_argument("--phases", action="store_true", help="also compare each step's profile rows")
    args = parser.parse_args()

    times = {}
    steps = {}  # multi-threaded training steps' reports, for where their time went
    profiles = {}  # every training step's reports, for --phases
    build = None
    for index in range(args.rounds):
        order = [("old", args.old), ("new", args.new)]
        for name, binary in (order if index % 2 == 0 else reversed(order)):
            report = bench(binary, args.filter, args.layers, args.batches, args.full)
            build = build or report.get("build")
            for r in report["results"]:
                times.setdefault((r["kernel"], r["threads"]), {}).setdefault(name, []).append(r["seconds"])
            for step in report["training_steps"]:
                key = (f"training step b{step['batch']}", step["threads"])
                times.setdefault(key, {}).setdefault(name, []).append(step["seconds_per_step"])
                profiles.setdefault(key, {}).setdefault(name, []).append(step)
                if step["threads"] > 1:
                    steps.setdefault(key, {}).setdefault(name, []).append(step)
    if build:
        print(f"CPU: {build['cpu']}; new binary: {build['instruction_set']} build, tile {build['gemm_tile']}")
    print(f"{args.rounds} alternating rounds; ratio = old time / new time (> 1: new faster)")
    for (kernel, threads), sides in times.items():
        ratios = [old / new for old, new in zip(sides["old"], sides["new"])]
        best = min(sides["old"]) / min(sides["new"])
        print(f"{kernel:36} {threads} thr: median {statistics.median(ratios):.3f}×, worst {min(ratios):.3f}×, "
              f"best vs best {best:.3f}×")
    if steps:
        print("multi-threaded steps, medians over the rounds (µs per step beyond thread 0's phases; "
              "runs with any phase run on one thread by the pool's back-off):")
    for (kernel, threads), sides in steps.items():
        for name in ("old", "new"):
            reports = sides[name]

            def phase(row):
                return statistics.median(r["phase_seconds_per_step"].get(row, 0) for r in reports) * 1e6

            solo = sum(1 for r in reports if r.get("jobs_run_alone", 0) > 0)
            print(f"  {kernel} {threads} thr, {name}: imbalance {phase('imbalance'):.1f}, "
                  f"ran alone {phase('ran alone'):.1f}, wait {phase('wait'):.1f}; "
                  f"back-off in {solo} of {len(reports)} runs")

    if args.phases:
        print_phases(profiles)


def print_phases(profiles):
    """Each step's profile rows: old and new medians (µs per step) and the median per-round ratio."""
    for (kernel, threads), sides in profiles.items():
        print(f"{kernel} {threads} thr, profile rows (old µs, new µs, ratio old/new: median [worst]):")
        rows = sides["old"][0]["phase_seconds_per_step"].keys()
        for row in rows:
            old = [r["phase_seconds_per_step"].get(row, 0) for r in sides["old"]]
            new = [r["phase_seconds_per_step"].get(row, 0) for r in sides["new"]]
            ratios = [o / n for o, n in zip(old, new) if n > 0]
            ratio = f"{statistics.median(ratios):.3f}× [{min(ratios):.2f}×]" if ratios else "-"
            print(f"  {row:12} {statistics.median(old) * 1e6:9.1f} {statistics.median(new) * 1e6:9.1f}  {ratio}")


if __name__ == "__main__":
    main()
