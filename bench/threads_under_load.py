#!/usr/bin/env python3
"""Training speed on an idle machine and beside one busy process.

Runs bench/peer_mlp_ember (784-256-256-10, Adam, batch 128, one Fashion-MNIST
epoch, only the training loop timed) with 1 and 2 threads, each once on an idle
machine and once while another process keeps one core busy (`yes > /dev/null`),
and prints the median samples/s of each setting as a markdown table. The
settings are interleaved round by round, so a slow spell of a shared machine
hits them all alike.

  bench/threads_under_load.py [--build build] [--baseline OTHER_BUILD]
                              [--rounds 5] [--threads 1 2] [--env NAME=VALUE ...]

--baseline adds the same rows for another build (e.g. one of an older commit)
so a change can be measured before and after in the same run. --env adds rows
run with an environment variable set (e.g. OMP_WAIT_POLICY=passive); without
it the script runs under the caller's environment and changes none of OpenMP's
variables.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
from contextlib import contextmanager


@contextmanager
def background_load(busy):
    """Another program keeping one core busy for the duration (or nothing)."""
    if not busy:
        yield
        return
    load = subprocess.Popen(["yes"], stdout=subprocess.DEVNULL)
    try:
        yield
    finally:
        load.kill()
        load.wait()


def samples_per_second(program, threads, env, epochs):
    out = subprocess.run(
        [program, "--optimizer", "adam", "--epochs", str(epochs), "--threads", str(threads)],
        env=env, capture_output=True, text=True, check=True).stdout
    match = re.search(r"= (\d+) samples/s", out)
    if not match:
        sys.exit(f"threads_under_load: no samples/s in {program}'s output:\n{out}")
    return float(match.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--baseline", help="another build folder, measured in the same run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--env", nargs="*", default=[], help="extra rows: NAME=VALUE")
    args = parser.parse_args()

    builds = [("this build", args.build)] + ([("baseline", args.baseline)] if args.baseline else [])
    rows = []  # (label, program, threads, environment)
    for name, folder in builds:
        program = os.path.join(folder, "bench", "peer_mlp_ember")
        if not os.access(program, os.X_OK):
            sys.exit(f"threads_under_load: {program} is missing (build the bench targets)")
        for threads in args.threads:
            rows.append((f"{name}, {threads} thread{'s' if threads > 1 else ''}", program, threads, dict(os.environ)))
        for setting in args.env:
            key, _, value = setting.partition("=")
            for threads in args.threads:
                if threads > 1:
                    rows.append((f"{name}, {threads} threads, {setting}", program, threads,
                                 dict(os.environ, **{key: value})))

    results = {(label, busy): [] for label, *_ in rows for busy in (False, True)}
    for round_ in range(args.rounds):
        for busy in (False, True):
            with background_load(busy):
                for label, program, threads, env in rows:
                    results[(label, busy)].append(samples_per_second(program, threads, env, args.epochs))
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)

    print(f"Adam, batch 128, {args.epochs} Fashion-MNIST epoch(s), samples/s, median of {args.rounds} "
          f"(min–max); busy: one `yes > /dev/null` beside the run; {os.cpu_count()} cores")
    print()
    print("| setting | idle | one core busy | busy / idle |")
    print("|---|---|---|---|")
    for label, *_ in rows:
        idle, busy = results[(label, False)], results[(label, True)]
        fmt = lambda v: f"{statistics.median(v) / 1000:.1f}k ({min(v) / 1000:.0f}–{max(v) / 1000:.0f}k)"
        print(f"| {label} | {fmt(idle)} | {fmt(busy)} | "
              f"{statistics.median(busy) / statistics.median(idle):.2f} |")


if __name__ == "__main__":
    main()
