#!/usr/bin/env python3
"""What ember's activation forward costs over the raw oneDNN primitive.

Runs bench_raw_onednn with --benchmark_format=json and prints a Markdown
table: per op, size and thread count, the raw primitive's time, ember's, and
raw/ember (1.0 = no overhead; the issue asks for >= 0.9). With repetitions,
the median of each is used.

  bench/framework_overhead.py build/bench/bench_raw_onednn
  bench/framework_overhead.py build/bench/bench_raw_onednn --benchmark_repetitions=5 \
      --benchmark_filter='n:16777216'

Arguments after the binary go to it unchanged. Python standard library only.
"""
import json
import subprocess
import sys

GOAL = 0.9
SIZE_NAMES = {4096: "4K", 262144: "256K", 16777216: "16M"}


def run(binary, extra):
    cmd = [binary, "--benchmark_format=json"] + extra
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out)["benchmarks"]


def times_by_case(benchmarks):
    """{(side, op, n, threads): seconds}: medians if repeated, else the single run."""
    repeated = any(b.get("run_type") == "aggregate" for b in benchmarks)
    times = {}
    for b in benchmarks:
        if repeated and b.get("aggregate_name") != "median":
            continue
        # "raw/relu/n:4096/threads:1" (+ "_median" on aggregates) -> its parts
        side, op, n, threads = b["run_name"].split("/")[:4]
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        key = (side, op, int(n.split(":")[1]), int(threads.split(":")[1]))
        times[key] = b["real_time"] * scale
    return times


def microseconds(seconds):
    return f"{seconds * 1e6:,.1f}"


def table(times):
    rows = ["| op | size | threads | raw oneDNN (µs) | ember (µs) | raw/ember |", "|---|---|---|---:|---:|---:|"]
    below = []
    cases = sorted({k[1:] for k in times if k[0] == "raw"}, key=lambda k: (k[0], k[2], k[1]))
    for op, n, threads in cases:
        raw, ember = times.get(("raw", op, n, threads)), times.get(("ember", op, n, threads))
        if raw is None or ember is None:
            continue
        ratio = raw / ember
        mark = "" if ratio >= GOAL else " ⚠"
        if ratio < GOAL:
            below.append(f"{op} {SIZE_NAMES.get(n, n)} {threads}t")
        rows.append(
            f"| {op} | {SIZE_NAMES.get(n, n)} | {threads} | {microseconds(raw)} | {microseconds(ember)} "
            f"| {ratio:.2f}{mark} |"
        )
    return "\n".join(rows), below


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) >= 2 else 2
    times = times_by_case(run(sys.argv[1], sys.argv[2:]))
    text, below = table(times)
    print(text)
    print()
    if below:
        print(f"below {GOAL}: " + ", ".join(below))
    else:
        print(f"every case at or above {GOAL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
