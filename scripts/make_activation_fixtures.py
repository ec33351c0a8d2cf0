#!/usr/bin/python3
"""Writes tests/fixtures/activations.json: PyTorch's values for every ember
activation, for tests/test_activation_fixtures.cpp to compare against.

Run with Debian's python3-torch (PyTorch 1.13):
    /usr/bin/python3 scripts/make_activation_fixtures.py

For each case it stores the float32 inputs x, the upstream gradient (ones for
elementwise ops, so dx is the derivative itself), and the "exact" output and
input gradient computed by PyTorch in float64 on the same inputs and
float32-rounded parameters. The test allows 1e-5 (forward) and 1e-4 (gradient),
relative or absolute whichever is larger — except at the few points where
PyTorch's own float32 result is further off than that; there the file lists a
looser bound (1.5 x PyTorch's float32 error) under "loose". The fixtures are
committed; the tests never need PyTorch.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(0)
rng = np.random.default_rng(0)


def f32(v):
    """A Python float rounded to float32, as ember's float parameters are."""
    return float(np.float32(v))


# Elementwise inputs: the edge cases of the issue (0, ±1e-7, kinks of every
# op, ±3, ±6, ±20, ±30, ±88, ±1000), a sweep of [-150, 150], random values.
EDGES = [0.0, 1e-7, 0.1, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 6.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 88.0, 100.0, 1000.0]
EDGES = [-v for v in EDGES[1:]] + EDGES
SWEEP = list(np.linspace(-150, 150, 301))
RANDOM = list(rng.normal(0, 3, 40))
POINTWISE_X = np.array(EDGES + SWEEP + RANDOM, dtype=np.float32)

def tutorial_hardsigmoid(x, bias, divisor, lo, hi):
    """The activation tutorial's HardSigmoid, clamp((x + bias) / divisor, lo, hi) — PyTorch 1.13's
    hardsigmoid has no parameters, so the values come from torch.clamp. Its gradient keeps
    hardsigmoid's convention for every parameter set (0 at the bounds: hardsigmoid'(+-3) = 0), where
    torch.clamp's would pass at them: t where strictly inside, a detached clamp elsewhere."""
    t = (x + bias) / divisor
    return torch.where((t > lo) & (t < hi), t, torch.clamp(t, lo, hi).detach())


def check_tutorial_hardsigmoid():
    """Values are torch.clamp's; with (3, 6, 0, 1) values and gradients are F.hardsigmoid's."""
    x = torch.tensor(POINTWISE_X, dtype=torch.float64, requires_grad=True)
    for params in ([1.0, 2.0, 0.0, 1.0], [0.5, -4.0, -1.0, 2.0]):
        y = tutorial_hardsigmoid(x, *params)
        assert torch.equal(y, torch.clamp((x + params[0]) / params[1], params[2], params[3]))
    a = x.detach().clone().requires_grad_()
    b = x.detach().clone().requires_grad_()
    ya, yb = tutorial_hardsigmoid(a, 3.0, 6.0, 0.0, 1.0), F.hardsigmoid(b)
    ya.sum().backward()
    yb.sum().backward()
    assert torch.allclose(ya, yb, rtol=0, atol=1e-15) and torch.allclose(a.grad, b.grad, rtol=0, atol=1e-8)  # PyTorch: 1/6 as a float


ELEMENTWISE = [
    ("sigmoid", [], torch.sigmoid),
    ("tanh", [], torch.tanh),
    ("logsigmoid", [], F.logsigmoid),
    ("relu", [], F.relu),
    ("relu6", [], F.relu6),
    ("selu", [], F.selu),
    ("silu", [], F.silu),
    ("mish", [], F.mish),
    ("hardswish", [], F.hardswish),
    ("hardsigmoid", [], F.hardsigmoid),
    ("hardsigmoid_tutorial", [1.0, 2.0, 0.0, 1.0], tutorial_hardsigmoid),
    ("hardsigmoid_tutorial", [0.5, -4.0, -1.0, 2.0], tutorial_hardsigmoid),
    ("hardsigmoid_tutorial", [3.0, 6.0, 0.0, 1.0], tutorial_hardsigmoid),
    ("softsign", [], F.softsign),
    ("tanhshrink", [], F.tanhshrink),
    ("leaky_relu", [0.01], lambda x, s: F.leaky_relu(x, s)),
    ("leaky_relu", [0.2], lambda x, s: F.leaky_relu(x, s)),
    ("elu", [1.0], lambda x, a: F.elu(x, a)),
    ("elu", [0.5], lambda x, a: F.elu(x, a)),
    ("celu", [1.0], lambda x, a: F.celu(x, a)),
    ("celu", [2.0], lambda x, a: F.celu(x, a)),
    ("gelu", [], lambda x: F.gelu(x)),
    ("gelu_tanh", [], lambda x: F.gelu(x, approximate="tanh")),
    ("softplus", [1.0, 20.0], lambda x, b, t: F.softplus(x, b, t)),
    ("softplus", [2.0, 10.0], lambda x, b, t: F.softplus(x, b, t)),
    ("softplus", [0.5, 20.0], lambda x, b, t: F.softplus(x, b, t)),
    ("hardtanh", [-1.0, 1.0], lambda x, lo, hi: F.hardtanh(x, lo, hi)),
    ("hardtanh", [-2.0, 3.0], lambda x, lo, hi: F.hardtanh(x, lo, hi)),
    ("hardshrink", [0.5], lambda x, l: F.hardshrink(x, l)),
    ("hardshrink", [1.5], lambda x, l: F.hardshrink(x, l)),
    ("softshrink", [0.5], lambda x, l: F.softshrink(x, l)),
    ("softshrink", [1.5], lambda x, l: F.softshrink(x, l)),
    ("threshold", [0.1, 20.0], lambda x, t, v: F.threshold(x, t, v)),
    ("threshold", [-1.0, -2.0], lambda x, t, v: F.threshold(x, t, v)),
    ("rrelu_eval", [1 / 8, 1 / 3], lambda x, l, u: F.rrelu(x, l, u, training=False)),
    ("rrelu_eval", [0.1, 0.3], lambda x, l, u: F.rrelu(x, l, u, training=False)),
]


def run(fn, x32, params, upstream, extra=None):
    """Output and gradients in float64 and float32 for inputs x (and an extra
    parameter tensor, e.g. PReLU's weight)."""
    results = {}
    for dtype in (torch.float64, torch.float32):
        x = torch.tensor(x32, dtype=dtype, requires_grad=True)
        inputs = [x]
        if extra is not None:
            w = torch.tensor(extra, dtype=dtype, requires_grad=True)
            inputs.append(w)
        y = fn(*inputs, *params)
        (y * torch.tensor(upstream, dtype=dtype)).sum().backward()
        results[dtype] = (y.detach().numpy().astype(np.float64), [t.grad.numpy().astype(np.float64) for t in inputs])
    return results


def loose_points(exact, approx, tol):
    """Indices where PyTorch's float32 is further than tol from float64, and the bound to use there."""
    out = []
    for i, (e, a) in enumerate(zip(exact.ravel(), approx.ravel())):
        if not math.isfinite(e):
            raise ValueError(f"non-finite exact value at {i}")
        err = abs(a - e) if math.isfinite(a) else float("inf")
        if err > tol * max(1.0, abs(e)):
            out.append([i, min(1.5 * err, 1e30)])
    return out


def num(v):
    return float(f"{v:.12g}")


def case(op, params, shape, x32, fn, upstream=None, extra=None, dim=None):
    params32 = [f32(p) for p in params]
    upstream = np.ones(x32.shape) if upstream is None else upstream
    r = run(fn, x32, params32, upstream, extra)
    y64, g64 = r[torch.float64]
    y32, g32 = r[torch.float32]
    c = {
        "op": op,
        "params": params32,
        "shape": list(shape),
        "x": [float(v) for v in x32.ravel()],
        "y": [num(v) for v in y64.ravel()],
        "dx": [num(v) for v in g64[0].ravel()],
        "y_shape": list(y64.shape),
    }
    if not np.all(upstream == 1):
        c["upstream"] = [num(v) for v in np.asarray(upstream).ravel()]
    if dim is not None:
        c["dim"] = dim
    if extra is not None:
        c["weight"] = [float(v) for v in np.asarray(extra, dtype=np.float32).ravel()]
        c["dweight"] = [num(v) for v in g64[1].ravel()]
    loose_y = loose_points(y64, y32, 1e-5)
    loose_g = loose_points(g64[0], g32[0], 1e-4)
    if loose_y:
        c["loose_y"] = loose_y
    if loose_g:
        c["loose_dx"] = loose_g
    return c


def main():
    check_tutorial_hardsigmoid()
    cases = []
    for op, params, fn in ELEMENTWISE:
        cases.append(case(op, params, POINTWISE_X.shape, POINTWISE_X, fn))

    def randn(*shape, scale=3.0):
        return (rng.normal(0, scale, shape)).astype(np.float32)

    # PReLU: one shared slope, one per channel; ranks 1 to 4.
    prelu = lambda x, w: F.prelu(x, w)
    cases.append(case("prelu", [], (7,), randn(7), prelu, extra=[0.25]))
    cases.append(case("prelu", [], (3, 4), randn(3, 4), prelu, extra=[0.25]))
    cases.append(case("prelu", [], (3, 4), randn(3, 4), prelu, extra=[0.1, -0.2, 0.3, 0.5]))
    cases.append(case("prelu", [], (2, 3, 4), randn(2, 3, 4), prelu, extra=[0.1, -0.2, 0.3]))
    cases.append(case("prelu", [], (2, 3, 2, 2), randn(2, 3, 2, 2), prelu, extra=[0.05, 0.5, 2.0]))
    # Swish with a learnable beta: x * sigmoid(beta * x).
    swish = lambda x, b: x * torch.sigmoid(b * x)
    cases.append(case("swish", [], (25,), randn(25), swish, extra=[1.5]))
    # Along a dim: every dim of a 3-D tensor, negative dims, and ±1000 inputs.
    for op, fn in (("softmax", F.softmax), ("log_softmax", F.log_softmax), ("softmin", F.softmin)):
        for dim in (0, 1, 2, -1):
            x = randn(2, 3, 4)
            cases.append(case(op, [], x.shape, x, lambda t, d=dim, f=fn: f(t, d), upstream=randn(2, 3, 4, scale=1),
                              dim=dim))
        big = np.array([[1000, -1000, 999, 0, 1], [-1000, -999, -998, -1000, -1001]], dtype=np.float32)
        cases.append(case(op, [], big.shape, big, lambda t, f=fn: f(t, 1), upstream=randn(2, 5, scale=1), dim=1))
    for dim, shape in ((-1, (3, 4)), (0, (4, 3)), (1, (2, 6, 2))):
        x = randn(*shape)
        y_shape = list(shape)
        y_shape[dim] //= 2
        cases.append(case("glu", [], shape, x, lambda t, d=dim: F.glu(t, d), upstream=randn(*y_shape, scale=1),
                          dim=dim))

    out = {
        "generated_by": "scripts/make_activation_fixtures.py",
        "torch_version": torch.__version__,
        "tolerance": {"forward": 1e-5, "gradient": 1e-4},
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "activations.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(path)} ({os.path.getsize(path) // 1024} KB)")


if __name__ == "__main__":
    main()
