#!/usr/bin/env python3
"""nnfast against numpy (OpenBLAS), measured side by side in one invocation.

Runs, in this order, on the same machine:
  1. numpy matmul (float32) on the square shapes and on the MLP's training-step shapes,
     with OpenBLAS on 1 thread and on N threads (each in its own subprocess, since OpenBLAS
     reads its thread count at import);
  2. `nnfast bench --json` (release build) on the same shapes;
  3. the numpy float32 version of the default network (tools/numpy_mlp.py), epochs at
     batch 32 and 256, and `nnfast train` with the same recipe;
then prints each pair and the ratio (> 1 means nnfast is faster). The machines are shared and
noisy: only ratios measured in one run mean anything.

    python3 tools/compare_numpy.py [--threads 2] [--epochs 2] [--quick] [--json out.json]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NNFAST = os.path.join(ROOT, ".build", "release", "nnfast")

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


def numpy_epoch_seconds(batch, epochs, data):
    output = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "numpy_mlp.py"), "--epochs", str(epochs),
                             "--batch", str(batch), "--data", data, "--json"],
                            check=True, capture_output=True, text=True).stdout
    summary = json.loads(output.strip().splitlines()[-1])
    return min(summary["epoch_seconds"]), summary["test_accuracy"]


def nnfast_epoch_seconds(batch, epochs, threads, data):
    metrics = os.path.join(ROOT, ".build", f"compare-b{batch}.jsonl")
    subprocess.run([NNFAST, "train", "--epochs", str(epochs), "--batch", str(batch), "--threads", str(threads),
                    "--data", data, "--metrics", metrics, "--quiet"], check=True, capture_output=True)
    with open(metrics) as f:
        reports = [json.loads(line) for line in f]
    return min(r["train_seconds"] for r in reports), reports[-1]["test_accuracy"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="skip 2048³")
    parser.add_argument("--data", default=os.path.join(ROOT, "Fixtures", "mnist"))
    parser.add_argument("--json", help="also write every number to this file")
    args = parser.parse_args()

    subprocess.run(["swift", "build", "-c", "release", "--product", "nnfast"], cwd=ROOT, check=True,
                   capture_output=True)
    started = time.time()
    bench_cmd = [NNFAST, "bench", "--json", "--threads", str(args.threads)] + (["--quick"] if args.quick else [])
    bench = json.loads(subprocess.run(bench_cmd, check=True, capture_output=True, text=True).stdout)
    results = [r for r in bench["results"] if r["group"] != "elementwise"]
    shapes = []
    for r in results:
        s = parse_shape(r["kernel"], r["shape"])
        if s not in shapes:
            shapes.append(s)
    numpy_times = {t: numpy_matmul_times(shapes, t) for t in sorted({1, args.threads})}

    print(f"GEMM, float32: nnfast vs numpy {__import__('numpy').__version__} matmul (OpenBLAS); "
          f"ratio = numpy time / nnfast time (> 1: nnfast faster)")
    print(f"{'kernel':30} {'shape':22} {'thr':>3} {'nnfast':>10} {'numpy':>10} {'ratio':>6}")
    rows = []
    for r in results:
        s = parse_shape(r["kernel"], r["shape"])
        numpy_seconds = numpy_times[r["threads"]][shapes.index(s)]
        ratio = numpy_seconds / r["seconds"]
        rows.append({"kernel": r["kernel"], "shape": r["shape"], "threads": r["threads"],
                     "nnfast_seconds": r["seconds"], "numpy_seconds": numpy_seconds, "ratio": ratio})
        print(f"{r['kernel']:30} {r['shape']:22} {r['threads']:>3} {r['seconds'] * 1e6:>8.1f}µs "
              f"{numpy_seconds * 1e6:>8.1f}µs {ratio:>6.2f}")

    print()
    print(f"One epoch (50,000 samples) of 784-100-200-10, best of {args.epochs}: numpy float32 "
          f"(OpenBLAS, default threads) vs nnfast --threads {args.threads}")
    epochs = []
    for batch in [32, 256]:
        numpy_seconds, numpy_accuracy = numpy_epoch_seconds(batch, args.epochs, args.data)
        ours, our_accuracy = nnfast_epoch_seconds(batch, args.epochs, args.threads, args.data)
        epochs.append({"batch": batch, "numpy_seconds": numpy_seconds, "nnfast_seconds": ours,
                       "ratio": numpy_seconds / ours, "numpy_test": numpy_accuracy, "nnfast_test": our_accuracy})
        print(f"  batch {batch:>3}: numpy {numpy_seconds:.3f} s (test {numpy_accuracy * 100:.2f}%), "
              f"nnfast {ours:.3f} s (test {our_accuracy * 100:.2f}%)  → {numpy_seconds / ours:.2f}× faster")
    print(f"\n(measured in {time.time() - started:.0f} s; peak by FMA probe: "
          f"{bench['peak']['single_thread_gflops']:.1f} GFLOP/s on 1 thread, "
          f"{bench['peak']['all_threads_gflops']:.1f} on {bench['peak']['threads']})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"gemm": rows, "epochs": epochs, "peak": bench["peak"],
                       "training_steps": bench["training_steps"]}, f, indent=1)


if __name__ == "__main__":
    main()
