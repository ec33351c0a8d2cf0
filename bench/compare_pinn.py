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

--to-error 1e-3 measures instead the wall time that training needs to reach that relative
L2 error ||u - sin(pi x)|| / ||sin(pi x)||, for each of --seeds seeds (0, 1, ...): ember's
`pinn --bench --bench-to-target` against the same loop in PyTorch from the same initial
weights (ember's, for that seed), points and evaluation grid (--fine-points evenly spaced
points on [-1, 1], written by ember). Adam lr 1e-3 for at most --max-steps steps, the error
measured every --eval-every steps; with --lbfgs-steps N, pinn's full recipe instead: Adam for
--adam-steps steps (1000), then up to N steps of L-BFGS (max_iter 20, strong Wolfe; epochs
count closure calls), the error after each. Training stops at the first measurement below
the target. The seconds count the training steps only, in both: the measurements are left out.
Each seed runs --rounds times, ember and PyTorch alternating (who goes first alternates too);
the table gives per seed the epochs to the target and the median seconds, and the median over
the seeds.

    /usr/bin/python3 bench/compare_pinn.py --to-error 1e-3 --seeds 5 --threads 1 2 [--rounds 3]

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


def poisson_loss(model, x, xb):
    """examples/pinn's loss: mean squared residual of u'' = -pi^2 sin(pi x), u'' by
    double backward, plus the mean squared boundary values u(+-1)."""
    u = model(x)
    du = torch.autograd.grad(u, x, torch.ones_like(u), create_graph=True)[0]
    d2u = torch.autograd.grad(du, x, torch.ones_like(du), create_graph=True)[0]
    r = d2u + math.pi * math.pi * torch.sin(math.pi * x)
    ub = model(xb)
    return (r * r).mean() + (ub * ub).mean()


def run_torch(threads, steps, hidden, folder):
    """The median milliseconds of one step, and the loss at the first step and the 21st (after warm-up)."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch_model(read_safetensors(os.path.join(folder, "bench_init.safetensors")), hidden)
    x = torch.tensor([float(v) for v in open(os.path.join(folder, "bench_points.txt"))]).reshape(-1, 1)
    x.requires_grad_(True)
    xb = torch.tensor([[-1.0], [1.0]])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def loss_fn():
        return poisson_loss(model, x, xb)

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


def run_ember_to_error(program, threads, seed, args, folder):
    """(reached, epochs, training seconds, loss at step 1, loss at step 21) of ember's run."""
    command = [program, "--bench", "--bench-to-target", "--problems", "poisson", "--activations", "tanh",
               "--seeds", str(seed), "--hidden", args.hidden, "--points", str(args.points),
               "--threads", str(threads), "--target", str(args.to_error), "--eval-every", str(args.eval_every),
               "--fine-points", str(args.fine_points), "--out", folder]
    if args.lbfgs_steps > 0:
        command += ["--adam-steps", str(args.adam_steps), "--lbfgs-steps", str(args.lbfgs_steps)]
    else:
        command += ["--adam-steps", str(args.max_steps), "--lbfgs-steps", "0"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    m = re.search(r"target \S+ (reached|not reached): epoch (\d+), error (\S+), training ([0-9.]+) s", out)
    first, warm = map(float, re.search(r"loss at step 1: (\S+)\s+at step 21: (\S+)", out).group(1, 2))
    return m.group(1) == "reached", int(m.group(2)), float(m.group(4)), first, warm


def run_torch_to_error(threads, args, folder):
    """The same as run_ember_to_error, in PyTorch, from the weights, points and grid ember wrote."""
    torch.set_num_threads(threads)
    model = torch_model(read_safetensors(os.path.join(folder, "bench_init.safetensors")), args.hidden)
    x = torch.tensor([float(v) for v in open(os.path.join(folder, "bench_points.txt"))]).reshape(-1, 1)
    x.requires_grad_(True)
    xb = torch.tensor([[-1.0], [1.0]], requires_grad=True)
    grid = torch.tensor([float(v) for v in open(os.path.join(folder, "bench_grid.txt"))]).reshape(-1, 1)
    exact = torch.sin(math.pi * grid.double())  # in double from the float32 points, as ember does
    exact_norm2 = (exact * exact).sum().item()

    def loss_fn():
        return poisson_loss(model, x, xb)

    def error():
        with torch.no_grad():
            diff = model(grid).double() - exact
        return math.sqrt((diff * diff).sum().item() / exact_norm2)

    adam_steps = args.adam_steps if args.lbfgs_steps > 0 else args.max_steps
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds, losses, epoch, done = 0.0, [], 0, False
    for step in range(1, adam_steps + 1):
        t0 = time.perf_counter()
        loss = loss_fn()
        opt.zero_grad()
        loss.backward()
        opt.step()
        seconds += time.perf_counter() - t0
        epoch = step
        if step <= 21:
            losses.append(loss.item())
        if step % args.eval_every == 0 or step == adam_steps:
            done = error() < args.to_error
            if done:
                break
    if not done and args.lbfgs_steps > 0:
        lbfgs = torch.optim.LBFGS(model.parameters(), max_iter=20, line_search_fn="strong_wolfe")

        def closure():
            lbfgs.zero_grad()
            loss = loss_fn()
            loss.backward()
            return loss

        for _ in range(args.lbfgs_steps):
            t0 = time.perf_counter()
            lbfgs.step(closure)
            seconds += time.perf_counter() - t0
            epoch = adam_steps + lbfgs.state[lbfgs._params[0]]["func_evals"]
            done = error() < args.to_error
            if done:
                break
    return done, epoch, seconds, losses[0], losses[20]


def to_error(args, cpu):
    """--to-error: the seconds to the target error per seed, ember against PyTorch."""
    recipe = (f"Adam lr 1e-3 for {args.adam_steps} steps, then at most {args.lbfgs_steps} L-BFGS steps "
              f"(max_iter 20, strong Wolfe)" if args.lbfgs_steps > 0 else
              f"Adam lr 1e-3, at most {args.max_steps} steps")
    lines = [f"PINN wall time to a relative L2 error below {args.to_error:g} (Poisson, tanh, MLP "
             f"1-{args.hidden.replace(',', '-')}-1, {args.points} grid points; {recipe}; error every "
             f"{args.eval_every} Adam steps on {args.fine_points} points, not counted in the time), seeds 0-"
             f"{args.seeds - 1}, median of {args.rounds} rounds per seed",
             f"CPU: {cpu}; PyTorch {torch.__version__} with OPENBLAS_CORETYPE="
             f"{os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; same thread count for both",
             "",
             "| threads | seed | ember epochs | ember s | PyTorch epochs | PyTorch s | PyTorch / ember (s) |",
             "|---|---|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)

    def shown(reached, epochs):
        return str(epochs) if reached else f"not reached ({epochs})"

    with tempfile.TemporaryDirectory() as folder:
        for threads in args.threads:
            ember_s, torch_s, ember_epochs, torch_epochs = [], [], [], []
            for seed in range(args.seeds):
                runs = {"ember": [], "torch": []}
                for r in range(args.rounds):
                    # ember writes this seed's weights, points and grid, PyTorch reads them: ember goes
                    # first in round 0; after that, who goes first alternates.
                    if r % 2 == 0:
                        runs["ember"].append(run_ember_to_error(args.program, threads, seed, args, folder))
                        runs["torch"].append(run_torch_to_error(threads, args, folder))
                    else:
                        runs["torch"].append(run_torch_to_error(threads, args, folder))
                        runs["ember"].append(run_ember_to_error(args.program, threads, seed, args, folder))
                for name, rs in runs.items():  # each side is deterministic: the same epochs every round
                    if len({(ok, ep) for ok, ep, *_ in rs}) != 1:
                        print(f"warning: {name}, seed {seed}: the epochs differ between rounds: {rs}", file=sys.stderr)
                e_ok, e_ep, _, e_first, e_warm = runs["ember"][0]
                t_ok, t_ep, _, t_first, t_warm = runs["torch"][0]
                if not math.isclose(e_first, t_first, rel_tol=1e-5) or not math.isclose(e_warm, t_warm, rel_tol=1e-3):
                    print(f"warning: seed {seed}: the losses differ (ember {e_first} → {e_warm}, PyTorch {t_first} "
                          f"→ {t_warm})", file=sys.stderr)
                es = statistics.median(s for _, _, s, *_ in runs["ember"])
                ts = statistics.median(s for _, _, s, *_ in runs["torch"])
                ember_s.append(es if e_ok else math.inf)
                torch_s.append(ts if t_ok else math.inf)
                ember_epochs.append(e_ep if e_ok else math.inf)
                torch_epochs.append(t_ep if t_ok else math.inf)
                lines.append(f"| {threads} | {seed} | {shown(e_ok, e_ep)} | {es:.3f} | {shown(t_ok, t_ep)} "
                             f"| {ts:.3f} | {ts / es:.2f}× |")
                print(lines[-1], flush=True)
            em, tm = statistics.median(ember_s), statistics.median(torch_s)
            eep, tep = statistics.median(ember_epochs), statistics.median(torch_epochs)
            lines.append(f"| {threads} | **median** | {eep:g} | {em:.3f} | {tep:g} | {tm:.3f} | **{tm / em:.2f}×** |")
            print(lines[-1], flush=True)
    return lines


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
    parser.add_argument("--to-error", type=float, help="time training to this relative L2 error instead of a step")
    parser.add_argument("--seeds", type=int, default=5, help="--to-error: seeds 0 .. N-1")
    parser.add_argument("--eval-every", type=int, default=25, help="--to-error: Adam steps between measurements")
    parser.add_argument("--fine-points", type=int, default=1001, help="--to-error: points the error is measured on")
    parser.add_argument("--max-steps", type=int, default=20000, help="--to-error: Adam steps at most (Adam only)")
    parser.add_argument("--lbfgs-steps", type=int, default=0,
                        help="--to-error: pinn's full recipe, --adam-steps Adam steps then up to N L-BFGS steps")
    parser.add_argument("--adam-steps", type=int, default=1000, help="--to-error with --lbfgs-steps: Adam steps")
    args = parser.parse_args()

    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    if args.to_error:
        lines = to_error(args, cpu)
        if args.out:
            with open(args.out, "w") as f:
                f.write("\n".join(lines) + "\n")
        return
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
