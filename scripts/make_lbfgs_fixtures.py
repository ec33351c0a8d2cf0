#!/usr/bin/python3
"""Writes the PyTorch fixture that tests/test_lbfgs.cpp holds ember's optim::LBFGS against:
for a few small problems and option sets, the trajectory of torch.optim.LBFGS step by step —
the loss each step() returns, the parameters after it, the state counters n_iter and
func_evals, and the loss of every closure evaluation in order (which says where two runs part).

How long a run can be held to ~1e-5: L-BFGS amplifies rounding, and ember's matmul and tanh
round differently from PyTorch's, so the MLP runs are kept to a few steps (a longer run drifts
past 1e-5 while converging to the same point); the Rosenbrock runs, whose formula both sides
compute with the same roundings, agree bit for bit.

Problems (the same formulas as the C++ closures in tests/test_lbfgs.cpp):
  rosenbrock  (1 − x)² + 100·(y − x²)² from (1.5, 1.5), as in PyTorch's test_optim.py
  lstsq       mse_loss(linear(X, W, b), Y), X [12, 3]
  mlp         mse_loss(linear(tanh(linear(X, W1, b1)), W2, b2), Y), X [16, 3], plus a
              parameter the loss never uses (no gradient: L-BFGS counts it as zeros)

Run with Debian's PyTorch 1.13:  /usr/bin/python3 scripts/make_lbfgs_fixtures.py
Output: tests/fixtures/lbfgs.json. Options are Python floats (doubles, as in ember's
LBFGSOptions); tensors are float32 values written exactly.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "lbfgs.json")


def values(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def make_data():
    torch.manual_seed(14)
    x_ls = torch.randn(12, 3)
    y_ls = x_ls @ torch.tensor([[0.5], [-1.25], [2.0]]) + 0.3 + 0.1 * torch.randn(12, 1)
    x_mlp = torch.randn(16, 3)
    y_mlp = torch.sin(x_mlp.sum(1, keepdim=True))
    init = {
        "rosenbrock": [("p", torch.tensor([1.5, 1.5]))],
        "lstsq": [("W", torch.randn(1, 3)), ("b", torch.randn(1))],
        "mlp": [("W1", torch.randn(5, 3) * 0.5), ("b1", torch.randn(5) * 0.1), ("W2", torch.randn(1, 5) * 0.5),
                ("b2", torch.zeros(1)), ("unused", torch.randn(2))],
    }
    data = {"lstsq": {"x": x_ls, "y": y_ls}, "mlp": {"x": x_mlp, "y": y_mlp}}
    return data, init


def loss_fn(problem, params, data):
    if problem == "rosenbrock":
        x, y = params[0]
        return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
    if problem == "lstsq":
        w, b = params
        return F.mse_loss(F.linear(data["lstsq"]["x"], w, b), data["lstsq"]["y"])
    w1, b1, w2, b2, _ = params
    h = torch.tanh(F.linear(data["mlp"]["x"], w1, b1))
    return F.mse_loss(F.linear(h, w2, b2), data["mlp"]["y"])


DEFAULTS = dict(lr=1.0, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9, history_size=100,
                line_search_fn=None)

# (name, problem, options that differ from the defaults, steps)
CASES = [
    ("rosenbrock_fixed", "rosenbrock", {}, 3),
    ("rosenbrock_wolfe", "rosenbrock", dict(line_search_fn="strong_wolfe"), 3),
    # history_size 3 < the iterations: the oldest pairs are dropped
    ("lstsq_fixed", "lstsq", dict(max_iter=5, history_size=3), 4),
    ("lstsq_wolfe", "lstsq", dict(max_iter=5, history_size=3, line_search_fn="strong_wolfe"), 3),
    ("mlp_fixed", "mlp", dict(lr=0.5, max_iter=6, history_size=4), 2),
    ("mlp_wolfe", "mlp", dict(max_iter=6, history_size=5, line_search_fn="strong_wolfe"), 2),
    # max_eval ends a step before max_iter: 4 evaluations, most of them inside the line search
    ("mlp_wolfe_max_eval", "mlp", dict(max_iter=10, max_eval=4, line_search_fn="strong_wolfe"), 3),
    ("mlp_fixed_max_eval", "mlp", dict(lr=0.5, max_iter=10, max_eval=3), 3),
    # loose tolerances end steps early: on the gradient, on the change of the loss
    ("lstsq_tolerance_grad", "lstsq", dict(tolerance_grad=0.05), 3),
    ("lstsq_tolerance_change", "lstsq", dict(lr=0.5, tolerance_change=1e-3), 3),
]


def run(problem, opts, init_values, data, steps):
    params = [t.clone().requires_grad_() for t in init_values]
    opt = torch.optim.LBFGS(params, **opts)
    evals = []

    def closure():
        opt.zero_grad()
        loss = loss_fn(problem, params, data)
        loss.backward()
        evals.append(float(loss))
        return loss

    trajectory = []
    for _ in range(steps):
        evals.clear()
        loss = opt.step(closure)
        state = opt.state[params[0]]
        trajectory.append({"loss": float(loss), "params": [values(p) for p in params], "n_iter": state["n_iter"],
                           "func_evals": state["func_evals"], "evals": list(evals)})
    return trajectory


def main():
    data, init = make_data()
    cases = []
    for name, problem, changed, steps in CASES:
        opts = dict(DEFAULTS, **changed)
        trajectory = run(problem, opts, [t for _, t in init[problem]], data, steps)
        options = dict(opts)
        options["max_eval"] = opts["max_eval"] or 0  # ember's 0 is PyTorch's None
        options["line_search_fn"] = opts["line_search_fn"] or ""
        cases.append({"name": name, "problem": problem, "options": options,
                      "init": [{"name": n, "shape": list(t.shape), "values": values(t)} for n, t in init[problem]],
                      "steps": trajectory})
    out = {
        "generated_by": "scripts/make_lbfgs_fixtures.py with torch " + torch.__version__,
        "data": {k: {n: {"shape": list(t.shape), "values": values(t)} for n, t in v.items()} for k, v in data.items()},
        "cases": cases,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(OUT, os.path.getsize(OUT), "bytes")
    for c in cases:
        last = c["steps"][-1]
        print(f'{c["name"]:24s} loss {last["loss"]:.6g}  n_iter {last["n_iter"]}  func_evals {last["func_evals"]}')


if __name__ == "__main__":
    main()
    sys.exit(0)
