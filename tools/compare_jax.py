#!/usr/bin/env python3
"""Default `nnfast train` against the JAX anchor recipe, side by side, as whole processes.

    python3 tools/compare_jax.py [--rounds 5] [--python /tmp/jaxenv/bin/python]

JAX: ../shared/anchors/jax_mlp.py (or --anchor), Nesterov 0.9 with a linear decay, batch 64,
784-100-200-10, trained on all 60,000 images; its time is the whole-process second at which
test accuracy first reached 98.0%. nnfast: `nnfast train` with no flags (the fast preset),
its whole process from start to the saved model; its accuracy is `nnfast eval` of that model.
The two alternate, round after round, because these machines are shared and noisy; the ratio
is JAX's time to 98% over nnfast's whole run (> 1: nnfast is faster), median and worst.

Needs the release build (swift build -c release --static-swift-stdlib) and JAX in a virtualenv:
python3 -m venv /tmp/jaxenv && /tmp/jaxenv/bin/pip install jax
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NNFAST = os.path.join(ROOT, ".build", "release", "nnfast")
DATA = os.path.join(ROOT, "Fixtures", "mnist")


def run_jax(python, anchor):
    command = [python, anchor, "5", "64", "784,100,200,10", "0.05", "0.98", "momentum", "--data", DATA]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    match = re.search(r"first test >= 0.98 at ([0-9.]+|never)", output)
    return None if match is None or match.group(1) == "never" else float(match.group(1))


def run_nnfast(out):
    started = time.perf_counter()
    subprocess.run([NNFAST, "train", "--out", out, "--quiet"], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    evaluation = subprocess.run([NNFAST, "eval", out, "--json"], check=True, capture_output=True, text=True)
    return seconds, json.loads(evaluation.stdout)["accuracy"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--python", default="/tmp/jaxenv/bin/python")
    parser.add_argument("--anchor", default=os.path.join(ROOT, "..", "shared", "anchors", "jax_mlp.py"))
    args = parser.parse_args()
    if not os.path.exists(args.python) or not os.path.exists(args.anchor):
        sys.exit(f"compare_jax.py: needs {args.python} (JAX in a virtualenv) and {args.anchor}")
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    info = open("/proc/cpuinfo").read()
    family = re.search(r"cpu family\s*:\s*(\d+)", info)
    isa = "AVX-512" if "avx512f" in info else "AVX2"
    print(f"{cpu}, family {family.group(1) if family else '?'} ({isa}), {os.cpu_count()} cores")
    ratios, rows = [], []
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "m.nnw")
        for round_index in range(args.rounds):
            jax_seconds = run_jax(args.python, args.anchor)
            nnfast_seconds, accuracy = run_nnfast(out)
            ratio = None if jax_seconds is None else jax_seconds / nnfast_seconds
            rows.append((jax_seconds, nnfast_seconds, accuracy, ratio))
            if ratio is not None:
                ratios.append(ratio)
            print(f"round {round_index + 1}: JAX first 98% at {jax_seconds if jax_seconds else 'never'} s; "
                  f"nnfast whole run {nnfast_seconds:.2f} s, saved model {100 * accuracy:.2f}%"
                  + (f"; ratio {ratio:.2f}" if ratio else ""), flush=True)
    accuracies = [r[2] for r in rows]
    print(f"nnfast saved model: {100 * min(accuracies):.2f}-{100 * max(accuracies):.2f}% under nnfast eval")
    if ratios:
        print(f"JAX time to 98% / nnfast whole run: median {statistics.median(ratios):.2f}x, worst {min(ratios):.2f}x "
              f"({len(ratios)} rounds; the bar is 3.0x)")


if __name__ == "__main__":
    main()
