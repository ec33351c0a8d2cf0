#!/usr/bin/env python3
"""Before/after: the same Google Benchmark programs from two builds, run in
interleaved repetitions (before, after, before, after, ...) so that a change of
load on a shared machine hits both alike, then the median of each benchmark's
time per build and their ratio.

    bench/compare_builds.py BEFORE_BUILD AFTER_BUILD [--reps 5] [--filter REGEX]
                            [--programs bench_train_step,bench_activations] [--min-time 0.2]

BEFORE_BUILD and AFTER_BUILD are build folders (each with bench/<program>).
Prints a Markdown table: benchmark, median before, median after, after/before,
and the largest slowdown. Used to check that a change keeps every first-order
benchmark within 5 % (docs/performance.md).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def run(binary, pattern, min_time):
    out = subprocess.run(
        [binary, f"--benchmark_filter={pattern}", f"--benchmark_min_time={min_time}",
         "--benchmark_format=json"],
        check=True, capture_output=True, text=True).stdout
    return {b["name"]: b["real_time"] for b in json.loads(out)["benchmarks"]
            if b.get("run_type", "iteration") == "iteration"}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--filter", default=".")
    parser.add_argument("--programs", default="bench_train_step,bench_activations")
    parser.add_argument("--min-time", default="0.2")
    args = parser.parse_args()

    times = {"before": {}, "after": {}}
    for rep in range(args.reps):
        for side in ("before", "after"):
            for program in args.programs.split(","):
                binary = os.path.join(getattr(args, side), "bench", program)
                for name, t in run(binary, args.filter, args.min_time).items():
                    times[side].setdefault(name, []).append(t)
        print(f"repetition {rep + 1}/{args.reps} done", file=sys.stderr)

    print("| benchmark | before (median) | after (median) | after / before |")
    print("|---|---|---|---|")
    worst = (0.0, "")
    for name in sorted(times["after"]):
        if name not in times["before"]:
            continue
        b, a = statistics.median(times["before"][name]), statistics.median(times["after"][name])
        ratio = a / b
        worst = max(worst, (ratio, name))
        print(f"| {name} | {b:.4g} | {a:.4g} | {ratio:.3f} |")
    print(f"\nlargest after/before: {worst[0]:.3f} ({worst[1]}), medians of {args.reps} interleaved repetitions")


if __name__ == "__main__":
    main()
