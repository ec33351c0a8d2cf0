#!/usr/bin/env python3
"""Before/after in instructions: each activation's forward + backward at 4096
values, counted by callgrind in two builds. Instruction counts do not depend on
the machine's load, so a change to the fixed cost around the kernels (nodes,
closures, allocations, the engine's walk) shows to the instruction where timing
a 1 µs op on a shared machine cannot resolve 5 %. They are not time: a cache
miss or a misaligned line costs no instructions; run bench/compare_builds.py
for the time.

    bench/compare_instructions.py BEFORE_BUILD AFTER_BUILD [--filter REGEX] [--forward]

Each build folder needs bench/op_instructions, built with -DEMBER_NATIVE=OFF
(valgrind cannot run AVX-512 code). Each activation runs 100 and 300 times; the
difference over 200 is one repetition's instructions, set-up excluded.
Prints a Markdown table and the largest ratio. Needs valgrind.
"""
import argparse
import os
import re
import subprocess
import sys


def instructions(binary, name, repetitions, forward):
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", binary, name,
               str(repetitions)] + (["--forward"] if forward else [])
    log = subprocess.run(command, capture_output=True, text=True, check=True).stderr
    return int(re.search(r"Collected : (\d+)", log).group(1))


def per_repetition(build, name, forward):
    binary = os.path.join(build, "bench", "op_instructions")
    return (instructions(binary, name, 300, forward) - instructions(binary, name, 100, forward)) / 200


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--filter", default=".")
    parser.add_argument("--forward", action="store_true", help="the forward alone")
    args = parser.parse_args()
    names = subprocess.run([os.path.join(args.after, "bench", "op_instructions"), "--list"],
                           capture_output=True, text=True, check=True).stdout.split()
    print("| activation | before (instructions) | after | after / before |")
    print("|---|---|---|---|")
    worst = (0.0, "")
    for name in (n for n in names if re.search(args.filter, n)):
        b, a = per_repetition(args.before, name, args.forward), per_repetition(args.after, name, args.forward)
        worst = max(worst, (a / b, name))
        print(f"| {name} | {b:.0f} | {a:.0f} | {a / b:.3f} |", flush=True)
    print(f"\nlargest after/before: {worst[0]:.3f} ({worst[1]})", file=sys.stderr)


if __name__ == "__main__":
    main()
