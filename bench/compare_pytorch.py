#!/usr/bin/python3
"""Side-by-side benchmark of ember and PyTorch 1.13 in one run.

Runs bench/compare_ember (C++) and bench/compare_torch.py (PyTorch) on the same
workloads, shapes and thread counts, alternating the two for several rounds so
that both see the same machine noise, and prints a Markdown table of median
times and ratios (ratio = PyTorch time / ember time: above 1, ember is faster).

    scripts/build.sh && /usr/bin/python3 bench/compare_pytorch.py [--threads 1 2]
        [--rounds 3] [--filter mlp_step/] [--out docs/performance-table.md]
        [--plot docs/images/performance.svg]
Needs Debian's python3-torch (scripts/install_deps.sh --dev).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(command):
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return {row["name"]: row["seconds"] for row in map(json.loads, out.splitlines())}


def pretty(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def group_of(name, threads):
    """act_fwd/relu/256K -> 'act_fwd 256K, 1t'; mlp_step/adam/b32 -> 'mlp_step, 1t'."""
    parts = name.split("/")
    label = f"{parts[0]} {parts[2]}" if parts[0].startswith("act_") else parts[0]
    return f"{label}, {threads}t"


def plot(rows, path):
    """Per group of workloads: the spread of ratios (min, quartiles, median, max)
    as a candlestick on a log scale, with the line ratio = 1 (parity)."""
    groups = {}
    for name, threads, _, _, ratio in rows:
        groups.setdefault(group_of(name, threads), []).append(ratio)
    with tempfile.NamedTemporaryFile("w", suffix=".dat", delete=False) as data:
        for i, (label, ratios) in enumerate(sorted(groups.items())):
            q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
            data.write(f'{i} "{label}" {min(ratios)} {q[0]} {q[1]} {q[2]} {max(ratios)}\n')
    terminal = "pngcairo size 1100,600" if path.endswith(".png") else "svg size 1100,600 dynamic"
    script = f"""
set terminal {terminal}
set output '{path}'
set termoption noenhanced
set xrange [-0.7:{len(groups) - 0.3}]
set title 'ember vs PyTorch 1.13: ratio = PyTorch time / ember time (above 1: ember faster)'
set logscale y
set ylabel 'ratio (log scale)'
set xtics rotate by -40 font ',9'
set grid ytics
set bars 2
set boxwidth 0.5
set key top left
plot '{data.name}' using 1:4:3:7:6:xtic(2) with candlesticks whiskerbars lt 3 title 'min, quartiles, max', \\
     '' using 1:5:5:5:5 with candlesticks lt -1 title 'median', \\
     1 with lines lt 1 dt 2 title 'parity'
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.unlink(data.name)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=11)
    parser.add_argument("--filter", default="")
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--out", help="also write the table to this Markdown file")
    parser.add_argument("--plot", help="also draw the ratios per group of workloads (.svg or .png, gnuplot)")
    args = parser.parse_args()

    ember_bin = os.path.join(args.build, "bench", "compare_ember")
    torch_script = os.path.join(ROOT, "bench", "compare_torch.py")
    rows = []
    for threads in args.threads:
        common = ["--threads", str(threads), "--filter", args.filter, "--samples", str(args.samples)]
        ember, torch = {}, {}
        for r in range(args.rounds):
            print(f"threads {threads}: round {r + 1}/{args.rounds}", file=sys.stderr, flush=True)
            for name, s in run([ember_bin] + common).items():
                ember.setdefault(name, []).append(s)
            for name, s in run(["/usr/bin/python3", torch_script] + common).items():
                torch.setdefault(name, []).append(s)
        for name in sorted(set(ember) & set(torch)):
            e, t = statistics.median(ember[name]), statistics.median(torch[name])
            rows.append((name, threads, e, t, t / e))

    lines = [f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
             f"medians of {args.rounds} alternating rounds; ratio = PyTorch / ember (> 1: ember faster).", "",
             "| workload | threads | ember | PyTorch | ratio |", "|---|---|---|---|---|"]
    lines += [f"| {n} | {th} | {pretty(e)} | {pretty(t)} | {r:.2f} |" for n, th, e, t, r in rows]
    slower = [r for r in rows if r[4] < 1]
    lines += ["", f"{len(rows) - len(slower)} of {len(rows)} workloads at least as fast as PyTorch."]
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    if args.plot:
        plot(rows, args.plot)


if __name__ == "__main__":
    main()
