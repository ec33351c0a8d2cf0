#!/usr/bin/python3
"""One physics-informed training step, ember against PyTorch 1.13, side by side.

The recipe is examples/pinn's Poisson problem: u'' = -pi^2 sin(pi x) on [-1, 1],
u(+-1) = 0, an MLP 1-32-32-1 with tanh, 128 grid collocation points, the loss
mean(residual^2) + mean(u(+-1)^2) with u' and u'' from autograd with
create_graph, Adam lr 1e-3. ember's step time comes from `pinn --bench`, which
also writes its initial weights and points; PyTorch starts from the same ones,
so the two must print the same losses (checked to float32 rounding) while they
are timed. Each thread count is run for several rounds, alternating the two
programs so that both see the same machine noise; the table gives the median of
the per-round medians and the ratio PyTorch / ember (above 1: ember is faster).

    scripts/build.sh && /usr/bin/python3 bench/compare_pinn.py [--threads 1 2]
        [--steps 300] [--rounds 3] [--hidden 32,32] [--points 128] [--out FILE.md]

OPENBLAS_CORETYPE is set for PyTorch to the best core this CPU supports
(SkylakeX with AVX-512, Haswell with AVX2), replacing what the environment says
(--openblas-coretype=NAME to choose): Debian's PyTorch computes its matrix
products with OpenBLAS. Not part of the build or
the tests.
"""
import argparse
import json
import os
import platform
import re
import statistics
import struct
import subprocess
import sys
import tempfile
import time


def best_openblas_core():
    flags = open("/proc/cpuinfo").read()
    if re.search(r"\bavx512f\b", flags):
        return "SkylakeX"
    if re.search(r"\bavx2\b", flags):
        return "Haswell"
    return None


# Before OpenBLAS loads with torch, and whatever the environment says (a shell may carry a
# slower core type than this CPU has); --openblas-coretype chooses another.
_core = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--openblas-coretype=")), best_openblas_core())
if _core:
    os.environ["OPENBLAS_CORETYPE"] = _core

import math  # noqa: E402

import torch  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_safetensors(path):
    """{name: float32 tensor} from a safetensors file (8-byte header size, JSON header, data)."""
    with open(path, "rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(size))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        begin, end = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32).reshape(info["shape"])
    return out


def run_ember(program, threads, steps, hidden, points, folder):
    out = subprocess.run([program, "--bench", "--problems", "poisson", "--activations", "tanh", "--seeds", "0",
                          "--hidden", hidden, "--points", str(points), "--threads", str(threads),
                          "--bench-steps", str(steps), "--out", folder],
                         check=True, capture_output=True, text=True).stdout
    median = float(re.search(r"median step ([0-9.]+) ms", out).group(1))
    first, warm = map(float, re.search(r"loss at step 1: (\S+)\s+at step 21: (\S+)", out).group(1, 2))
    return median, first, warm


def torch_model(weights, hidden):
    widths = [1] + [int(w) for w in hidden.split(",")] + [1]
    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(torch.nn.Tanh())
    model = torch.nn.Sequential(*layers)
    with torch.no_grad():
        for name, p in model.named_parameters():  # "0.weight", "0.bias", "2.weight", … as ember names them
            p.copy_(weights[name])
    return model


def run_torch(threads, steps, hidden, folder):
    """The median milliseconds of one step, and the loss at the first step and the 21st (after warm-up)."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch_model(read_safetensors(os.path.join(folder, "bench_init.safetensors")), hidden)
    x = torch.tensor([float(v) for v in open(os.path.join(folder, "bench_points.txt"))]).reshape(-1, 1)
    x.requires_grad_(True)
    xb = torch.tensor([[-1.0], [1.0]])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    pi = math.pi

    def loss_fn():
        u = model(x)
        du = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)[0]
        d2u = torch.autograd.grad(du, x, torch.ones_like(du), create_graph=True)[0]
        r = d2u + pi * pi * torch.sin(pi * x)
        ub = model(xb)
        return (r * r).mean() + (ub * ub).mean()

    warmup, times, losses = 20, [], []
    for step in range(warmup + steps):
        t0 = time.perf_counter()
        loss = loss_fn()
        opt.zero_grad()
        loss.backward()
        opt.step()
        t = time.perf_counter() - t0
        if step >= warmup:
            times.append(t * 1e3)
        losses.append(loss.item())
    return statistics.median(times), losses[0], losses[warmup]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--steps", type=int, default=300, help="timed steps per round (after 20 warm-up)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hidden", default="32,32")
    parser.add_argument("--points", type=int, default=128)
    parser.add_argument("--program", default=os.path.join(ROOT, "build", "examples", "pinn"))
    parser.add_argument("--out", help="also write the Markdown table to this file")
    parser.add_argument("--openblas-coretype", help="OPENBLAS_CORETYPE for PyTorch (default: this CPU's best)")
    args = parser.parse_args()

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    lines = [f"PINN training step (Poisson, tanh, MLP 1-{args.hidden.replace(',', '-')}-1, {args.points} points, "
             f"Adam, u'' by double backward), median of {args.rounds} rounds × {args.steps} steps",
             f"CPU: {cpu}; PyTorch {torch.__version__} with OPENBLAS_CORETYPE="
             f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; same thread count for both",
             "",
             "| threads | ember ms/step | PyTorch ms/step | PyTorch / ember | loss at step 1 (ember, PyTorch) "
             "| loss at step 21 (ember, PyTorch) |",
             "|---|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for threads in args.threads:
            ember_ms, torch_ms = [], []
            for _ in range(args.rounds):
                e, e_first, e_last = run_ember(args.program, threads, args.steps, args.hidden, args.points, folder)
                t, t_first, t_last = run_torch(threads, args.steps, args.hidden, folder)
                ember_ms.append(e)
                torch_ms.append(t)
            # Same start, same steps: equal to float32 rounding, which Adam's updates then
            # amplify slowly (about 1e-4 relative after 20 steps, more later).
            if not math.isclose(e_first, t_first, rel_tol=1e-5) or not math.isclose(e_last, t_last, rel_tol=1e-3):
                print(f"warning: the losses differ (ember {e_first} → {e_last}, PyTorch {t_first} → {t_last})",
                      file=sys.stderr)
            em, tm = statistics.median(ember_ms), statistics.median(torch_ms)
            lines.append(f"| {threads} | {em:.3f} | {tm:.3f} | **{tm / em:.2f}×** | {e_first:.6g}, {t_first:.6g} "
                         f"| {e_last:.6g}, {t_last:.6g} |")
            print(lines[-1], flush=True)
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
