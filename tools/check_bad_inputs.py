#!/usr/bin/env python3
"""Run nnfast on every bad input and check the reliability bars: a non-zero exit, one stderr
line naming the file, under 10 s, peak memory (max RSS, /usr/bin/time) under 300 MB.

    python3 tools/check_bad_inputs.py [--nnfast .build/release/nnfast]

Inputs: Fixtures/corrupt/ (models through `info`, images through `predict`), Fixtures/corrupt-idx/
(each as the training images of a copy of Fixtures/mnist-small), and full-size cases made
from the real MNIST in Fixtures/mnist/ (the first 300,000 bytes of the training images).
Exits non-zero if any case misses a bar.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

SECONDS_BAR = 10.0
MEGABYTES_BAR = 300.0


def run(command):
    start = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, capture_output=True, text=True)
    seconds = time.monotonic() - start
    lines = result.stderr.strip().split("\n")
    peak_mb = int(lines[-1]) / 1024 if lines and lines[-1].strip().isdigit() else float("nan")
    messages = [line for line in lines[:-1] if not line.startswith("Command exited")]
    return result.returncode, messages, seconds, peak_mb


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nnfast", default=".build/release/nnfast")
    args = parser.parse_args()
    nnfast = os.path.abspath(args.nnfast)
    model = "Fixtures/models/mnist-784-100-200-10.nnw"
    work = tempfile.mkdtemp(prefix="nnfast-bad-")
    cases = []
    for name in sorted(os.listdir("Fixtures/corrupt")):
        path = os.path.join("Fixtures/corrupt", name)
        command = [nnfast, "info", path] if name.endswith(".nnw") else [nnfast, "predict", model, path, "--raw"]
        cases.append((name, command, name))

    def folder_with(stem, data_path=None, data=None, source="Fixtures/mnist-small"):
        folder = tempfile.mkdtemp(dir=work)
        for file in os.listdir(source):
            if file.endswith(".gz"):
                shutil.copy(os.path.join(source, file), folder)
        target = os.path.join(folder, stem + ".gz")
        if data_path:
            shutil.copy(data_path, target)
        else:
            open(target, "wb").write(data)
        return folder

    for name in sorted(os.listdir("Fixtures/corrupt-idx")):
        folder = folder_with("train-images-idx3-ubyte", data_path=os.path.join("Fixtures/corrupt-idx", name))
        cases.append(("idx/" + name, [nnfast, "train", "--data", folder, "--epochs", "1", "--out", os.path.join(work, "m.nnw")],
                      "train-images-idx3-ubyte.gz"))
    real = open("Fixtures/mnist/train-images-idx3-ubyte.gz", "rb").read()
    folder = folder_with("train-images-idx3-ubyte", data=real[:300000], source="Fixtures/mnist")
    cases.append(("mnist/train-images first 300000 bytes", [nnfast, "train", "--data", folder, "--out", os.path.join(work, "m.nnw")],
                  "train-images-idx3-ubyte.gz"))
    folder = folder_with("train-labels-idx1-ubyte", data=open("Fixtures/mnist/t10k-labels-idx1-ubyte.gz", "rb").read(), source="Fixtures/mnist")
    cases.append(("mnist/train-labels replaced by the 10000 test labels", [nnfast, "train", "--data", folder, "--out", os.path.join(work, "m.nnw")],
                  "train-labels-idx1-ubyte.gz"))

    failures = 0
    print(f"{'input':58} {'exit':>4} {'s':>6} {'MB':>6}  message")
    for label, command, must_name in cases:
        status, messages, seconds, peak = run(command)
        ok = status != 0 and len(messages) == 1 and must_name in messages[0] \
            and seconds < SECONDS_BAR and peak < MEGABYTES_BAR
        failures += not ok
        message = messages[0] if len(messages) == 1 else f"{len(messages)} lines: {messages[:3]}"
        print(f"{label:58} {status:>4} {seconds:6.2f} {peak:6.1f}  {'' if ok else 'FAIL '}{message[:110]}")
    shutil.rmtree(work)
    worst_line = "all within the bars" if failures == 0 else f"{failures} case(s) missed a bar"
    print(f"{len(cases)} bad inputs: {worst_line} (exit ≠ 0, one line naming the file, < {SECONDS_BAR:.0f} s, < {MEGABYTES_BAR:.0f} MB)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
