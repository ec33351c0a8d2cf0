#!/usr/bin/env python3
"""The fraction of the machine ember's training step reaches.

Runs bench/bench_train_step's Adam step and its floor (the same step's eight
sgemm calls and one fused Adam loop, nothing else — see bench_train_step.cpp)
in one run, several repetitions, and prints per batch and thread count the
median times and floor / step: 1.0 means the step costs no more than its
matrix products and update.

  bench/floor_fraction.py [--build build] [--repetitions 5] [--background-load]
"""
import argparse
import json
import os
import re
import subprocess
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-time", default="0.5")
    parser.add_argument("--background-load", action="store_true",
                        help="run beside one busy process (bench_train_step --background_load)")
    args = parser.parse_args()

    program = os.path.join(args.build, "bench", "bench_train_step")
    if not os.access(program, os.X_OK):
        sys.exit(f"floor_fraction: {program} is missing (build the bench targets)")
    command = [program, "--benchmark_filter=train_step/.*/adam/|floor/",
               f"--benchmark_repetitions={args.repetitions}", f"--benchmark_min_time={args.min_time}",
               "--benchmark_report_aggregates_only=true", "--benchmark_format=json"]
    if args.background_load:
        command.append("--background_load")
    report = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)

    medians = {}  # (kind, batch, threads) -> ms
    for b in report["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        match = re.match(r"(train_step|floor)/.*batch:(\d+)/threads:(\d+)", b["name"])
        if match:
            unit = {"ns": 1e-6, "us": 1e-3, "ms": 1.0}[b["time_unit"]]
            medians[(match.group(1), int(match.group(2)), int(match.group(3)))] = b["real_time"] * unit

    load = "beside one busy process" if args.background_load else "idle"
    print(f"784-256-256-10 Adam step vs its floor, median of {args.repetitions}, {load}")
    print()
    print("| batch | threads | step (ms) | floor (ms) | floor / step |")
    print("|---|---|---|---|---|")
    for (kind, batch, threads), step in sorted(medians.items(), key=lambda kv: (kv[0][2], kv[0][1])):
        if kind != "train_step" or ("floor", batch, threads) not in medians:
            continue
        floor = medians[("floor", batch, threads)]
        print(f"| {batch} | {threads} | {step:.3f} | {floor:.3f} | {floor / step:.2f} |")


if __name__ == "__main__":
    main()
