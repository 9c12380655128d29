#!/usr/bin/env python3
"""How training degrades when another process competes for the cores.

Runs the default `nnfast train` (release build) in three phases — quiet, loaded, quiet — where
"loaded" means one other busy process (a Python busy loop, as a user's other work would be)
runs throughout. Each phase's figure is the median epoch time from the run's --metrics log.
The ratio is the loaded epoch over the mean of the two quiet epochs around it, so drift of the
machine during the round cancels out. Several rounds; prints each and the median and worst.
For reference it also runs `--threads 1` quiet and loaded in each round: what one thread loses.

    python3 tools/measure_contention.py [--rounds 3] [--epochs 3] [--threads 2] [--binary PATH]

The bar (issue 9): loaded ≤ 2.2× quiet on a 2-core machine.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def epoch_seconds(binary, epochs, threads):
    """Median epoch time of one default training run."""
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as metrics, tempfile.TemporaryDirectory() as folder:
        subprocess.run([binary, "train", "--epochs", str(epochs), "--threads", str(threads), "--quiet",
                        "--metrics", metrics.name, "--out", os.path.join(folder, "model.nnw")],
                       check=True, capture_output=True)
        with open(metrics.name) as f:
            reports = [json.loads(line) for line in f if line.strip()]
    return statistics.median(r["train_seconds"] for r in reports)


class BusyProcess:
    """One competing process spinning on a core for as long as the `with` block lasts."""

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()


def ratio_round(binary, epochs, threads):
    before = epoch_seconds(binary, epochs, threads)
    with BusyProcess():
        loaded = epoch_seconds(binary, epochs, threads)
    after = epoch_seconds(binary, epochs, threads)
    return before, loaded, after, loaded / ((before + after) / 2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "nnfast"))
    parser.add_argument("--no-single", action="store_true", help="skip the --threads 1 reference")
    args = parser.parse_args()

    # The binary names its CPU and build itself (the line `nnfast bench` starts with).
    build = json.loads(subprocess.run([args.binary, "bench", "--json", "--filter", "none"], check=True,
                                      capture_output=True, text=True).stdout)["build"]
    print(f"CPU: {build['cpu']}; {build['instruction_set']} build ({args.binary}); default network, {args.epochs} epochs per run, "
          f"median epoch per run; one competing busy process in the loaded run")
    ratios, single_ratios = [], []
    for index in range(args.rounds):
        before, loaded, after, ratio = ratio_round(args.binary, args.epochs, args.threads)
        ratios.append(ratio)
        line = (f"round {index + 1}: --threads {args.threads}: quiet {before:.3f} s, loaded {loaded:.3f} s, "
                f"quiet {after:.3f} s → {ratio:.2f}×")
        if not args.no_single:
            before1, loaded1, after1, ratio1 = ratio_round(args.binary, args.epochs, 1)
            single_ratios.append(ratio1)
            line += f";  --threads 1: {before1:.3f} / {loaded1:.3f} / {after1:.3f} s → {ratio1:.2f}×"
        print(line, flush=True)
    print(f"loaded / quiet, --threads {args.threads}: median {statistics.median(ratios):.2f}×, "
          f"worst {max(ratios):.2f}× (bar: ≤ 2.2×)")
    if single_ratios:
        print(f"loaded / quiet, --threads 1: median {statistics.median(single_ratios):.2f}×, "
              f"worst {max(single_ratios):.2f}×")
    return 0 if max(ratios) <= 2.2 else 1


if __name__ == "__main__":
    sys.exit(main())
