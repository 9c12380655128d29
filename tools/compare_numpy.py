#!/usr/bin/env python3
"""nnfast against numpy (OpenBLAS), measured side by side, alternating, several rounds.

Each round measures group after group — the square GEMMs, then each batch size's layer shapes of
the network (`--layers`, `--batches`) — and within a group runs both sides back to back, in
alternating order (nnfast first in even rounds, numpy first in odd ones):
  1. `nnfast bench --json --filter <group>` (release build);
  2. numpy matmul (float32) on the same shapes, OpenBLAS on 1 thread and on N threads (each in
     its own subprocess, since OpenBLAS reads its thread count at import).
A group takes seconds, so both sides of a pair meet the same phase of a noisy host; one bench
run for everything against one numpy run took a minute a side. Then, unless --no-epochs, epochs
of the network at batch 32 and 256: tools/numpy_mlp.py (numpy float32) and `nnfast train` with
the same recipe. It prints, per pair, the median and the worst ratio over the rounds (ratio =
numpy time / nnfast time, > 1 means nnfast is faster), with the CPU, the build's instruction set
and GEMM tile, and OpenBLAS's kernel. The machines are shared and noisy: only same-run ratios
mean anything, and the worst of several alternating rounds says more than one best run.

    python3 tools/compare_numpy.py [--rounds 5] [--threads 2] [--epochs 2] [--quick] [--json out.json]
    python3 tools/compare_numpy.py --layers 784,800,800,10 --batches 32,128,256 --no-epochs
    python3 tools/compare_numpy.py --target-cpu haswell      # an AVX2 build, in .build-haswell
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

BLAS_SNIPPET = r"""
import ctypes, json
import numpy as np
# OpenBLAS names the kernel it picked for this CPU.
core = "unknown"
for line in open("/proc/self/maps"):
    if "openblas" in line.lower() and ".so" in line:
        lib = ctypes.CDLL(line.split()[-1])
        for symbol in ("openblas_get_corename", "scipy_openblas_get_corename64_", "scipy_openblas_get_corename"):
            if hasattr(lib, symbol):
                getattr(lib, symbol).restype = ctypes.c_char_p
                core = getattr(lib, symbol)().decode()
                break
        break
print(json.dumps({"numpy": np.__version__, "openblas_core": core}))
"""

MATMUL_SNIPPET = r"""
import json, sys, time
import numpy as np
shapes = json.loads(sys.argv[1])
rng = np.random.default_rng(1)
out = []
for s in shapes:
    m, n, k, ta, tb = s["m"], s["n"], s["k"], s["transA"], s["transB"]
    a = rng.random((k, m) if ta else (m, k), dtype=np.float32) - 0.5
    b = rng.random((n, k) if tb else (k, n), dtype=np.float32) - 0.5
    A = a.T if ta else a
    B = b.T if tb else b
    c = np.empty((m, n), dtype=np.float32)
    np.matmul(A, B, out=c)
    calls = 1
    while True:
        t = time.perf_counter()
        for _ in range(calls): np.matmul(A, B, out=c)
        e = time.perf_counter() - t
        if e >= 0.02: break
        calls *= 2
    best = e / calls
    for _ in range(4):
        t = time.perf_counter()
        for _ in range(calls): np.matmul(A, B, out=c)
        best = min(best, (time.perf_counter() - t) / calls)
    out.append(best)
print(json.dumps(out))
"""


def shape_key(result):
    return (result["kernel"], result["shape"])


def parse_shape(kernel, shape):
    """Recover m, n, k and the transposes from nnfast's shape string, e.g. '784×32ᵀ·32×100'."""
    left, right = shape.split("·")
    ta, tb = left.endswith("ᵀ"), right.endswith("ᵀ")
    m, k = (int(x) for x in left.rstrip("ᵀ").split("×"))
    _, n = (int(x) for x in right.rstrip("ᵀ").split("×"))
    return {"m": m, "n": n, "k": k, "transA": ta, "transB": tb}


def numpy_matmul_times(shapes, threads):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    output = subprocess.run([sys.executable, "-c", MATMUL_SNIPPET, json.dumps(shapes)],
                            env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output)


def numpy_epoch_seconds(batch, epochs, data, layers):
    output = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "numpy_mlp.py"), "--epochs", str(epochs),
                             "--batch", str(batch), "--data", data, "--layers", layers, "--json"],
                            check=True, capture_output=True, text=True).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    return min(summary["epoch_seconds"]), summary["test_accuracy"]


def nnfast_epoch_seconds(nnfast, batch, epochs, threads, data, layers):
    metrics = os.path.join(ROOT, ".build", f"compare-b{batch}.jsonl")
    subprocess.run([nnfast, "train", "--epochs", str(epochs), "--batch", str(batch), "--threads", str(threads),
                    "--data", data, "--layers", layers, "--metrics", metrics, "--quiet"], check=True, capture_output=True)
    with open(metrics) as f:
        reports = [json.loads(line) for line in f]
    return min(r["train_seconds"] for r in reports), reports[-1]["test_accuracy"]


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def build(target_cpu):
    """Builds the release binary (for `target_cpu`, in its own scratch folder) and returns its path."""
    scratch = ".build" if target_cpu is None else f".build-{target_cpu}"
    env = dict(os.environ)
    if target_cpu:
        env["NNFAST_TARGET_CPU"] = target_cpu
    subprocess.run(["swift", "build", "-c", "release", "--product", "nnfast", "--scratch-path", scratch],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    return os.path.join(ROOT, scratch, "release", "nnfast")


def gemm_results(bench):
    return [r for r in bench["results"] if r["group"] != "elementwise"]


def groups(args):
    """The bench filters a round measures pair by pair: the square GEMMs, then each batch's shapes."""
    return ["gemm"] + [f"b{batch} " for batch in args.batch_sizes]


class Round:
    """One round's measurements: nnfast's bench rows and numpy's GEMM times, group by group, and both
    sides' epochs."""

    def __init__(self, nnfast, args, shapes_of, nnfast_first):
        self.results, self.peaks, self.above_peak, self.build = [], [], [], {}
        self.numpy_times, self.epochs = {}, {}
        for group in groups(args):
            sides = [lambda: self.run_nnfast_gemm(nnfast, args, group, shapes_of),
                     lambda: self.run_numpy_gemm(args, group, shapes_of[group])]
            for side in (sides if nnfast_first else reversed(sides)):
                side()
        for batch in (() if args.no_epochs else (32, 256)):
            pair = [lambda: ("nnfast", nnfast_epoch_seconds(nnfast, batch, args.epochs, args.threads, args.data, args.layers)),
                    lambda: ("numpy", numpy_epoch_seconds(batch, args.epochs, args.data, args.layers))]
            for run in (pair if nnfast_first else reversed(pair)):
                name, value = run()
                self.epochs[(batch, name)] = value

    def run_nnfast_gemm(self, nnfast, args, group, shapes_of):
        command = [nnfast, "bench", "--json", "--threads", str(args.threads), "--layers", args.layers,
                   "--batches", ",".join(map(str, args.batch_sizes)), "--filter", group] + (["--quick"] if args.quick else [])
        bench = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        rows = gemm_results(bench)
        for r in rows:
            r["filter"] = group  # numpy's time for a row is the one measured beside it, in its group
        self.results += rows
        self.peaks.append(bench["peak"])
        self.above_peak += bench.get("above_peak", [])
        self.build = bench.get("build", {})
        if group not in shapes_of:  # the first round, where nnfast runs first: its names give numpy's shapes
            shapes_of[group] = []
            for r in rows:
                shape = parse_shape(r["kernel"], r["shape"])
                if shape not in shapes_of[group]:
                    shapes_of[group].append(shape)

    def run_numpy_gemm(self, args, group, shapes):
        for t in sorted({1, args.threads}):
            self.numpy_times[(group, t)] = numpy_matmul_times(shapes, t)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; medians and worsts over them")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="skip 2048³")
    parser.add_argument("--target-cpu", help="build for this CPU (e.g. haswell: an AVX2 build) in .build-<cpu>")
    parser.add_argument("--data", default=os.path.join(ROOT, "Fixtures", "mnist"))
    parser.add_argument("--layers", default="784,100,200,10", help="the network whose layer shapes and epochs are compared")
    parser.add_argument("--batches", default="32,128,256", help="batch sizes of the layer-shape comparisons")
    parser.add_argument("--no-epochs", action="store_true", help="compare GEMMs only, no training epochs")
    parser.add_argument("--json", help="also write every number to this file")
    args = parser.parse_args()
    args.batch_sizes = [int(b) for b in args.batches.split(",")]

    nnfast = build(args.target_cpu)
    started = time.time()
    blas = json.loads(subprocess.run([sys.executable, "-c", BLAS_SNIPPET], check=True,
                                     capture_output=True, text=True).stdout)
    shapes = {}  # per group, filled by the first round's bench (nnfast runs first in round 1)
    rounds = []
    for index in range(args.rounds):
        rounds.append(Round(nnfast, args, shapes, nnfast_first=index % 2 == 0))
        print(f"round {index + 1}/{args.rounds} done ({time.time() - started:.0f} s)", file=sys.stderr)

    gemm_rows = rounds[0].results
    build_info = rounds[0].build
    print(f"CPU: {build_info.get('cpu', 'unknown')}")
    print(f"nnfast: {build_info.get('instruction_set', '?')} build, GEMM tile {build_info.get('gemm_tile', '?')}; "
          f"numpy {blas['numpy']}, OpenBLAS kernel {blas['openblas_core']}")
    print(f"{args.rounds} rounds, alternating which side runs first; ratio = numpy time / nnfast time "
          f"(> 1: nnfast faster), median [worst]")
    print()
    print(f"{'kernel':30} {'shape':22} {'thr':>3} {'nnfast':>10} {'numpy':>10} {'median':>7} {'worst':>6}")
    rows = []
    for r in gemm_rows:
        s = parse_shape(r["kernel"], r["shape"])
        ratios, ours, theirs = [], [], []
        for one in rounds:
            mine = next(x for x in one.results
                        if (x["filter"], x["kernel"], x["threads"]) == (r["filter"], r["kernel"], r["threads"]))
            numpy_seconds = one.numpy_times[(r["filter"], r["threads"])][shapes[r["filter"]].index(s)]
            ratios.append(numpy_seconds / mine["seconds"])
            ours.append(mine["seconds"])
            theirs.append(numpy_seconds)
        rows.append({"kernel": r["kernel"], "shape": r["shape"], "threads": r["threads"],
                     "nnfast_seconds": ours, "numpy_seconds": theirs, "ratios": ratios,
                     "median": median(ratios), "worst": min(ratios)})
        print(f"{r['kernel']:30} {r['shape']:22} {r['threads']:>3} {median(ours) * 1e6:>8.1f}µs "
              f"{median(theirs) * 1e6:>8.1f}µs {median(ratios):>7.2f} {min(ratios):>6.2f}")

    epochs = [] if args.no_epochs else epoch_comparisons(args, rounds)

    peaks = [p for one in rounds for p in one.peaks]
    above = sorted({line for one in rounds for line in one.above_peak})
    # bench notes a probe whose threads scaled below 0.9 after its retries (older builds do not say)
    busy = sum(1 for p in peaks if p.get("all_threads_scaling", 1) < 0.9)
    print(f"\n(measured in {time.time() - started:.0f} s; peak by FMA probe, range over the bench runs: "
          f"{min(p['single_thread_gflops'] for p in peaks):.1f}-{max(p['single_thread_gflops'] for p in peaks):.1f} "
          f"GFLOP/s on 1 thread, {min(p['all_threads_gflops'] for p in peaks):.1f}-"
          f"{max(p['all_threads_gflops'] for p in peaks):.1f} on {peaks[0]['threads']}; "
          f"{busy} of {len(peaks)} bench runs probed a busy machine (threads scaling below 0.9); "
          f"kernels above the peak: {', '.join(above) if above else 'none'})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"build": build_info, "blas": blas, "rounds": args.rounds, "layers": args.layers,
                       "gemm": rows, "epochs": epochs, "peaks": peaks, "above_peak": above}, f, indent=1)


def epoch_comparisons(args, rounds):
    """Prints the epoch ratios per batch and returns them for the JSON report."""
    epochs = []
    print()
    print(f"One epoch (50,000 samples) of {args.layers.replace(',', '-')}, best of {args.epochs} per round: numpy float32 "
          f"(OpenBLAS, default threads) vs nnfast --threads {args.threads}")
    for batch in (32, 256):
        ratios = [one.epochs[(batch, "numpy")][0] / one.epochs[(batch, "nnfast")][0] for one in rounds]
        ours = [one.epochs[(batch, "nnfast")][0] for one in rounds]
        theirs = [one.epochs[(batch, "numpy")][0] for one in rounds]
        epochs.append({"batch": batch, "nnfast_seconds": ours, "numpy_seconds": theirs, "ratios": ratios,
                       "median": median(ratios), "worst": min(ratios),
                       "numpy_test": rounds[-1].epochs[(batch, "numpy")][1],
                       "nnfast_test": rounds[-1].epochs[(batch, "nnfast")][1]})
        print(f"  batch {batch:>3}: numpy {median(theirs):.3f} s, nnfast {median(ours):.3f} s (medians)  "
              f"→ {median(ratios):.2f}× faster [worst {min(ratios):.2f}×]")
    return epochs


if __name__ == "__main__":
    main()
