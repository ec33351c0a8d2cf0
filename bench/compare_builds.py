#!/usr/bin/env python3
"""Before/after: the same Google Benchmark programs from two builds, run in
interleaved repetitions so that a change of load on a shared machine hits both
alike, then each benchmark's median time per build and their ratio.

    bench/compare_builds.py BEFORE_BUILD AFTER_BUILD [--reps 5] [--filter REGEX]
                            [--programs bench_train_step,bench_activations] [--min-time 0.2]
                            [--paired]

BEFORE_BUILD and AFTER_BUILD are build folders (each with bench/<program>).

By default each repetition runs every selected benchmark of before's programs,
then of after's: a benchmark's two runs are a whole program apart (minutes, for
the full suite). With --paired each benchmark is run alone, before and after
back to back (before first in odd repetitions, after first in even ones), so the
two runs of a pair are a second apart; the table then adds the median of the
pairs' own ratios and their interquartile range, which is how noisy the machine
was for that benchmark. On a shared 2-core VM whose load drifts over minutes the
paired ratio is the steadier number.

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
    if not out.strip():
        return {}  # no benchmark of this build matches (one the other build added)
    return {b["name"]: b["real_time"] for b in json.loads(out)["benchmarks"]
            if b.get("run_type", "iteration") == "iteration"}


def listed(binary, pattern):
    out = subprocess.run([binary, f"--benchmark_filter={pattern}", "--benchmark_list_tests"],
                         check=True, capture_output=True, text=True).stdout
    return out.split()


def whole_programs(args, programs):
    """Each repetition: every benchmark of before, then every benchmark of after."""
    times = {"before": {}, "after": {}}
    for rep in range(args.reps):
        for side in ("before", "after"):
            for program in programs:
                binary = os.path.join(getattr(args, side), "bench", program)
                for name, t in run(binary, args.filter, args.min_time).items():
                    times[side].setdefault(name, []).append(t)
        print(f"repetition {rep + 1}/{args.reps} done", file=sys.stderr)
    return times, {}


def paired(args, programs):
    """Each benchmark alone, before and after back to back, alternating which goes first."""
    times = {"before": {}, "after": {}}
    ratios = {}
    for program in programs:
        names = listed(os.path.join(args.after, "bench", program), args.filter)
        for name in names:
            exact = "^" + name.replace("+", "\\+") + "$"
            for rep in range(args.reps):
                order = ("before", "after") if rep % 2 == 0 else ("after", "before")
                pair = {}
                for side in order:
                    result = run(os.path.join(getattr(args, side), "bench", program), exact, args.min_time)
                    pair[side] = result.get(name)
                if pair["before"] is None or pair["after"] is None:
                    break  # not in one of the builds
                for side in ("before", "after"):
                    times[side].setdefault(name, []).append(pair[side])
                ratios.setdefault(name, []).append(pair["after"] / pair["before"])
            print(f"{name} done", file=sys.stderr)
    return times, ratios


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--filter", default=".")
    parser.add_argument("--programs", default="bench_train_step,bench_activations")
    parser.add_argument("--min-time", default="0.2")
    parser.add_argument("--paired", action="store_true",
                        help="run each benchmark alone, before and after back to back")
    args = parser.parse_args()
    programs = args.programs.split(",")
    times, ratios = (paired if args.paired else whole_programs)(args, programs)

    if ratios:
        print("| benchmark | before (median) | after (median) | after / before | median of paired ratios "
              "| paired ratios, quartiles |")
        print("|---|---|---|---|---|---|")
    else:
        print("| benchmark | before (median) | after (median) | after / before |")
        print("|---|---|---|---|")
    worst = (0.0, "")
    for name in sorted(times["after"]):
        if name not in times["before"]:
            continue
        b, a = statistics.median(times["before"][name]), statistics.median(times["after"][name])
        ratio = a / b
        row = f"| {name} | {b:.4g} | {a:.4g} | {ratio:.3f} |"
        if name in ratios:
            r = ratios[name]
            ratio = statistics.median(r)
            q = statistics.quantiles(r, n=4) if len(r) > 1 else [r[0], r[0], r[0]]
            row += f" {ratio:.3f} | {q[0]:.3f}–{q[2]:.3f} |"
        worst = max(worst, (ratio, name))
        print(row)
    kind = "paired ratios" if ratios else "medians"
    print(f"\nlargest after/before: {worst[0]:.3f} ({worst[1]}), {kind} of {args.reps} interleaved repetitions")


if __name__ == "__main__":
    main()
