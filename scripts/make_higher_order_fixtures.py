#!/usr/bin/python3
"""Writes tests/fixtures/higher_order.json: PyTorch's second (and third) derivatives, for
tests/test_higher_order_fixtures.cpp to hold ember's create_graph backward functions against.

Run with Debian's python3-torch (PyTorch 1.13):
    /usr/bin/python3 scripts/make_higher_order_fixtures.py

What it records (every tensor as float32 values; expected results computed by PyTorch in
float64 on those same float32 inputs and float32-rounded parameters):

  activations  For each activation and parameter set, on a grid of inputs away from the case's
               kinks plus ±20, ±30, ±88: y = f(x), and for the scalar s = Σ u·f(x)
                 d1 = ∂s/∂inputs                          (create_graph)
                 d2 = ∂(Σ_i v_i·d1_i)/∂inputs              (the Hessian of s times v)
                 d3 = ∂(Σ d2_x)/∂x                         (smooth ones only)
               u and v are ones for the elementwise ops, so d1, d2, d3 are f′, f″, f‴
               elementwise; they are random for the ops along a dim (softmax, log_softmax,
               softmin, glu, whose Σ f has a trivial Hessian) and for prelu and swish, where
               inputs are (x, weight) and d2 is the full Hessian-vector product in (x, w).
               The piecewise-linear ops have f″ = 0 away from kinks; their "·x" cases
               (f(x)·x, whose second derivative is 2f′ + x·f″) check that f′ is recorded
               as a function of x rather than as a constant.
  mlp_hvp      torch.autograd.functional.hvp of the mean-squared loss of a fixed 3-8-8-1 tanh
               MLP with respect to its flattened weights, and the loss and gradient.
  gradient_penalty
               ‖∂D/∂x‖ for a small discriminator D (2-layer, leaky_relu or tanh), the penalty
               mean((‖∂D/∂x‖ − 1)²) (WGAN-GP) or mean(‖∂D/∂x‖²), and its gradient w.r.t.
               D's weights.
  pinn         u = MLP(x) (1-8-8-1 tanh), u′, u″, r = u″ + π² sin(πx), mean(r²) and its
               gradient w.r.t. every weight (the last bias gets zero: u″ does not see it).
  losses       Hessian-vector products of cross_entropy (class indices with and without
               label smoothing, class probabilities; mean, sum), nll_loss∘log_softmax,
               binary_cross_entropy_with_logits and mse_loss w.r.t. the input (logits).

Where PyTorch 1.13's own higher derivative is missing or wrong, the file holds the right answer
instead, from a formula PyTorch differentiates correctly, and the case says so in "note"
(SUBSTITUTES below; the formula is asserted equal to F.* at every order PyTorch gets right):
  hardsigmoid  torch.autograd.grad raises "derivative for aten::hardsigmoid_backward is not
               implemented"; the fixture uses relu6(x + 3)/6, equal in value and first
               derivative, whose f″ is 0 away from ±3 — the right answer almost everywhere.
  gelu_tanh    the third derivative of F.gelu(approximate="tanh") is NaN for |x| >= 30 (>= 20
               in float32); the fixture uses x/2·(1 + tanh(√(2/π)(x + 0.044715x³))), equal in
               value, f′ and f″, whose f‴ tends to 0 there.

Every second and third derivative PyTorch returns is also checked here against central
differences (in float64) of the order below, so the fixture does not inherit a PyTorch bug.

Tolerances (the test applies them; they are stored under "tolerance"): ember's float32 result
must be within tol·max(1, |exact|) of the float64 value (relative or absolute, whichever is
larger), tol = 1e-5 for y and 1e-4 for d1, d2, d3 and every value of the composite problems.
Where PyTorch's own float32 result of an activation case is further off than that, the case
lists the point under "loose" (key y, d1_<input>, d2_<input> or d3) with 1.5× PyTorch's
float32 error as its bound (with PyTorch 1.13 there is none); the composite problems record
PyTorch's largest float32 error as "torch_float32_error", for information.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

from make_activation_fixtures import loose_points  # same rule for where float32 needs a looser bound

rng = np.random.default_rng(14)
TOL = {"y": 1e-5, "d1": 1e-4, "d2": 1e-4, "d3": 1e-4, "composite": 1e-4}


def f32(v):
    """A Python float rounded to float32, as ember's float parameters are."""
    return float(np.float32(v))


def num(v):
    return float(f"{v:.12g}")


def values(a):
    return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()]


def exact(a):
    return [num(v) for v in np.asarray(a, dtype=np.float64).ravel()]


# Inputs away from 0, ±0.1, ±0.5, ±1, ±1.5, ±2, ±3, ±5, ±6, ±10 (every kink below), then large ones.
GRID = [0.05, 0.2, 0.35, 0.7, 0.8, 1.2, 1.3, 1.7, 2.2, 2.4, 2.7, 3.6, 4.2, 5.5, 7.3, 9.1, 12.5]
LARGE = [20.0, 30.0, 88.0]
POINTS = sorted([-v for v in GRID + LARGE] + GRID + LARGE)


def away_from(kinks, margin=0.02):
    return np.array([x for x in POINTS if all(abs(x - k) > margin for k in kinks)], dtype=np.float32)


def hardsigmoid_formula(x):
    return F.relu6(x + 3) / 6


# name, params, f(x, *params), kinks, smooth (third derivative recorded), times_x variant
ELEMENTWISE = [
    ("relu", [], F.relu, [0], False),
    ("leaky_relu", [0.1], lambda x, s: F.leaky_relu(x, s), [0], False),
    ("relu6", [], F.relu6, [0, 6], False),
    ("hardtanh", [-1.0, 1.0], lambda x, lo, hi: F.hardtanh(x, lo, hi), [-1, 1], False),
    ("hardtanh", [-2.0, 3.0], lambda x, lo, hi: F.hardtanh(x, lo, hi), [-2, 3], False),
    ("elu", [1.0], lambda x, a: F.elu(x, a), [0], False),
    ("elu", [-0.5], lambda x, a: F.elu(x, a), [0], False),
    ("selu", [], F.selu, [0], False),
    ("celu", [1.0], lambda x, a: F.celu(x, a), [0], False),
    ("celu", [0.7], lambda x, a: F.celu(x, a), [0], False),
    ("sigmoid", [], torch.sigmoid, [], True),
    ("tanh", [], torch.tanh, [], True),
    ("logsigmoid", [], F.logsigmoid, [], True),
    ("silu", [], F.silu, [], True),
    ("mish", [], F.mish, [], True),
    ("hardswish", [], F.hardswish, [-3, 3], False),
    ("hardsigmoid", [], F.hardsigmoid, [-3, 3], False),
    ("gelu", [], F.gelu, [], True),
    ("gelu_tanh", [], lambda x: F.gelu(x, approximate="tanh"), [], True),
    ("softplus", [1.0, 20.0], lambda x, b, t: F.softplus(x, b, t), [20], True),
    ("softplus", [2.0, 10.0], lambda x, b, t: F.softplus(x, b, t), [5], True),
    ("softplus", [0.5, 20.0], lambda x, b, t: F.softplus(x, b, t), [40], True),
    ("hardshrink", [0.5], lambda x, l: F.hardshrink(x, l), [-0.5, 0.5], False),
    ("hardshrink", [1.5], lambda x, l: F.hardshrink(x, l), [-1.5, 1.5], False),
    ("softshrink", [0.5], lambda x, l: F.softshrink(x, l), [-0.5, 0.5], False),
    ("softshrink", [1.5], lambda x, l: F.softshrink(x, l), [-1.5, 1.5], False),
    ("threshold", [0.1, 20.0], lambda x, t, v: F.threshold(x, t, v), [0.1], False),
    ("threshold", [-1.0, -2.0], lambda x, t, v: F.threshold(x, t, v), [-1], False),
    ("softsign", [], F.softsign, [0], False),
    ("tanhshrink", [], F.tanhshrink, [], False),
    ("rrelu_eval", [1 / 8, 1 / 3], lambda x, lo, hi: F.rrelu(x, lo, hi, training=False), [0], False),
]
PIECEWISE_LINEAR = {"relu", "leaky_relu", "relu6", "hardtanh", "hardshrink", "softshrink", "threshold",
                    "hardsigmoid", "rrelu_eval"}


def derivatives(fn, arrays, u, vs, third, dtype):
    """y, d1, d2 (and d3 for the first input) of s = Σ u·f(inputs), in dtype."""
    inputs = [torch.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    y = fn(*inputs)
    s = (y * torch.tensor(u, dtype=dtype)).sum()
    d1 = torch.autograd.grad(s, inputs, create_graph=True)
    s2 = sum((g * torch.tensor(v, dtype=dtype)).sum() for g, v in zip(d1, vs))
    d2 = torch.autograd.grad(s2, inputs, create_graph=third, allow_unused=True)
    d2 = [torch.zeros_like(t) if g is None else g for t, g in zip(inputs, d2)]
    out = {"y": y.detach().numpy().astype(np.float64),
           "d1": [g.detach().numpy().astype(np.float64) for g in d1],
           "d2": [g.detach().numpy().astype(np.float64) for g in d2]}
    if third:
        d3 = torch.autograd.grad(d2[0].sum(), inputs[0], allow_unused=True)[0]
        out["d3"] = (torch.zeros_like(inputs[0]) if d3 is None else d3).numpy().astype(np.float64)
    return out


def check_by_differences(fn, arrays, u, vs, r, third, name):
    """PyTorch's d2 (and d3) against central differences of d1 (and d2) in float64."""
    h = 1e-6
    for i, a in enumerate(arrays):
        # d2_i = Σ_j v_j·∂d1_j/∂inputs_i: differentiate s2 = Σ_j v_j·d1_j numerically along each element.
        flat = np.asarray(a, dtype=np.float64).ravel()
        num_d2 = np.zeros_like(flat)
        num_d3 = np.zeros_like(flat)
        for k in range(flat.size):
            shifted = []
            for sign in (1, -1):
                moved = [np.asarray(b, dtype=np.float64).copy() for b in arrays]
                moved[i].ravel()[k] += sign * h
                shifted.append(derivatives(fn, moved, u, vs, False, torch.float64))
            plus, minus = shifted
            num_d2[k] = sum(((plus["d1"][j] - minus["d1"][j]) * vs[j]).sum() for j in range(len(arrays))) / (2 * h)
            if third and i == 0:
                num_d3[k] = (plus["d2"][0] - minus["d2"][0]).sum() / (2 * h)
        got = r["d2"][i].ravel()
        err = np.abs(num_d2 - got) / np.maximum(1.0, np.abs(got))
        assert err.max() < 1e-5, f"{name}: PyTorch's d2[{i}] disagrees with differences: {err.max()}"
        if third and i == 0:
            got3 = r["d3"].ravel()
            err3 = np.abs(num_d3 - got3) / np.maximum(1.0, np.abs(got3))
            assert err3.max() < 1e-5, f"{name}: PyTorch's d3 disagrees with differences: {err3.max()}"


def case(op, params, fn, arrays, u=None, vs=None, third=False, dim=None, times_x=False, note=None):
    params = [f32(p) for p in params]
    arrays = [np.asarray(a, dtype=np.float32) for a in arrays]
    g = (lambda *t: fn(*t, *params) * t[0]) if times_x else (lambda *t: fn(*t, *params))
    y_shape = g(*[torch.tensor(a, dtype=torch.float64) for a in arrays]).shape
    u = np.ones(y_shape) if u is None else np.asarray(u, dtype=np.float32)
    vs = [np.ones(a.shape) for a in arrays] if vs is None else [np.asarray(v, dtype=np.float32) for v in vs]
    r = derivatives(g, arrays, u, vs, third, torch.float64)
    name = f"{op}{params}{' dim=' + str(dim) if dim is not None else ''}{' ·x' if times_x else ''}"
    check_by_differences(g, arrays, u, vs, r, third, name)
    c = {"op": op, "params": params, "inputs": [{"shape": list(a.shape), "values": values(a)} for a in arrays],
         "y_shape": list(y_shape), "y": exact(r["y"]), "d1": [exact(d) for d in r["d1"]],
         "d2": [exact(d) for d in r["d2"]]}
    if not np.all(u == 1):
        c["u"] = values(u)
    if not all(np.all(v == 1) for v in vs):
        c["v"] = [values(v) for v in vs]
    if third:
        c["d3"] = exact(r["d3"])
    if dim is not None:
        c["dim"] = dim
    if times_x:
        c["times_x"] = True
    if note:
        c["note"] = note
    # Where PyTorch's own float32 is further off than the tolerance, the bound is 1.5x its error.
    r32 = derivatives(g, arrays, u, vs, third, torch.float32)
    loose = {"y": loose_points(r["y"], r32["y"], TOL["y"])}
    for i in range(len(arrays)):
        loose[f"d1_{i}"] = loose_points(r["d1"][i], r32["d1"][i], TOL["d1"])
        loose[f"d2_{i}"] = loose_points(r["d2"][i], r32["d2"][i], TOL["d2"])
    if third:
        loose["d3"] = loose_points(r["d3"], r32["d3"], TOL["d3"])
    loose = {k: v for k, v in loose.items() if v}
    if loose:
        c["loose"] = loose
    return c


def gelu_tanh_formula(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


# Where PyTorch 1.13's own higher derivative is missing or wrong, the fixture holds the right
# answer from a formula PyTorch differentiates correctly (name: formula, how many orders it is
# asserted equal to F.* on the case's inputs, the note the case carries).
SUBSTITUTES = {
    "hardsigmoid": (hardsigmoid_formula, 1,
                    "PyTorch 1.13 has no double backward for hardsigmoid (derivative for "
                    "aten::hardsigmoid_backward is not implemented); these are relu6(x + 3)/6's, "
                    "equal to F.hardsigmoid in value and first derivative: f'' = 0 away from ±3"),
    "gelu_tanh": (gelu_tanh_formula, 2,
                  "PyTorch 1.13's third derivative of F.gelu(approximate='tanh') is NaN for |x| >= 30 "
                  "(>= 20 in float32); these are x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))'s, equal to "
                  "F.gelu's in value, first and second derivative: f''' -> 0 for large |x|"),
}


def check_substitute(fn, formula, orders, x):
    """formula agrees with fn in value and the first `orders` derivatives at x (float64)."""
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    a, b = fn(t), formula(t)
    for order in range(orders + 1):
        # (PyTorch's float64 hardsigmoid backward multiplies by a float32 1/6, hence the 1e-7.)
        assert torch.allclose(a, b, rtol=1e-7, atol=1e-12), f"substitute differs at order {order}"
        if order < orders:
            a = torch.autograd.grad(a.sum(), t, create_graph=True)[0]
            b = torch.autograd.grad(b.sum(), t, create_graph=True)[0]


def activation_cases():
    cases = []
    for op, params, fn, kinks, smooth in ELEMENTWISE:
        x = away_from(kinks)
        note = None
        if op in SUBSTITUTES:
            formula, orders, note = SUBSTITUTES[op]
            check_substitute(lambda t: fn(t, *[f32(p) for p in params]), formula, orders, x)
            fn = formula
        cases.append(case(op, params, fn, [x], third=smooth, note=note))
        if op in PIECEWISE_LINEAR or op in ("hardswish", "elu", "selu", "celu", "softsign"):
            cases.append(case(op, params, fn, [x], times_x=True, note=note))

    def randn(*shape, scale=1.0):
        return rng.normal(0, scale, shape).astype(np.float32)

    def kinkless(*shape):  # values from the grid, away from 0 (prelu's kink)
        return rng.choice([v for v in GRID[:12]] + [-v for v in GRID[:12]], size=shape).astype(np.float32)

    # PReLU with a per-channel slope and a shared one: Hessian-vector products in (x, w).
    for shape, w in (((2, 3, 2, 2), [0.25, -0.2, 1.5]), ((4, 3), [0.25, -0.2, 1.5]), ((5,), [0.3])):
        x = kinkless(*shape)
        cases.append(case("prelu", [], lambda t, wt: F.prelu(t, wt), [x, np.array(w)], u=randn(*shape),
                          vs=[randn(*shape), randn(len(w))]))
    # Swish with a learnable beta: x·sigmoid(βx).
    x = kinkless(12)
    cases.append(case("swish", [], lambda t, b: t * torch.sigmoid(b * t), [x, np.array([1.5])], u=randn(12),
                      vs=[randn(12), randn(1)]))
    cases.append(case("swish", [], lambda t, b: t * torch.sigmoid(b * t), [x, np.array([-0.7])]))
    # Along a dim: softmax, log_softmax, softmin, glu; inputs up to ±30 in magnitude.
    for op, fn in (("softmax", F.softmax), ("log_softmax", F.log_softmax), ("softmin", F.softmin)):
        for dim in (0, 1, -1):
            x = randn(2, 3, 4, scale=2.0)
            cases.append(case(op, [], lambda t, d=dim, f=fn: f(t, d), [x], u=randn(2, 3, 4), vs=[randn(2, 3, 4)],
                              dim=dim))
        big = np.array([[20, -20, 19, 0, 1], [-30, -29, -28, -30, -31]], dtype=np.float32)
        cases.append(case(op, [], lambda t, f=fn: f(t, 1), [big], u=randn(2, 5), vs=[randn(2, 5)], dim=1))
    for dim, shape in ((-1, (3, 4)), (0, (4, 3)), (1, (2, 6, 2))):
        x = randn(*shape, scale=2.0)
        y_shape = list(shape)
        y_shape[dim] //= 2
        cases.append(case("glu", [], lambda t, d=dim: F.glu(t, d), [x], u=randn(*y_shape), vs=[randn(*shape)],
                          dim=dim))
    return cases


# --- composite problems ---------------------------------------------------------------------


def as_f32(t):
    return torch.tensor(values(t), dtype=torch.float32).reshape(t.shape)


def entry(t):
    return {"shape": list(t.shape), "values": values(t.detach().numpy())}


def expect(t):
    return {"shape": list(t.shape), "values": exact(t.detach().numpy())}


def mlp_forward(x, params, act=torch.tanh):
    h = x
    for i in range(0, len(params), 2):
        h = F.linear(h, params[i], params[i + 1])
        if i + 2 < len(params):
            h = act(h)
    return h


def init_mlp(sizes, gen):
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / math.sqrt(n_in)
        params.append(as_f32((torch.rand(n_out, n_in, generator=gen) * 2 - 1) * bound * 1.5))
        params.append(as_f32((torch.rand(n_out, generator=gen) * 2 - 1) * bound))
    return params


def mlp_hvp_case():
    gen = torch.Generator().manual_seed(1)
    params32 = init_mlp([3, 8, 8, 1], gen)
    x32 = as_f32(torch.randn(6, 3, generator=gen))
    y32 = as_f32(torch.sin(x32.sum(1, keepdim=True)))
    shapes = [p.shape for p in params32]
    numels = [p.numel() for p in params32]
    v32 = as_f32(torch.randn(sum(numels), generator=gen))

    def run(dtype):
        x, y, v = x32.to(dtype), y32.to(dtype), v32.to(dtype)
        flat = torch.cat([p.reshape(-1) for p in params32]).to(dtype)

        def loss(w):
            ps = [t.reshape(s) for t, s in zip(torch.split(w, numels), shapes)]
            return F.mse_loss(mlp_forward(x, ps), y)

        value, hv = torch.autograd.functional.hvp(loss, flat, v)
        g = torch.autograd.functional.jacobian(loss, flat)
        return value, g, hv

    value, g, hv = run(torch.float64)
    _, g32, hv32 = run(torch.float32)
    # An independent check: H·v by central differences of the gradient.
    h = 1e-6
    flat64 = torch.cat([p.reshape(-1) for p in params32]).double()

    def gradient_at(w):
        w = w.clone().requires_grad_()
        ps = [t.reshape(s) for t, s in zip(torch.split(w, numels), shapes)]
        return torch.autograd.grad(F.mse_loss(mlp_forward(x32.double(), ps), y32.double()), w)[0]

    fd = (gradient_at(flat64 + h * v32.double()) - gradient_at(flat64 - h * v32.double())) / (2 * h)
    assert torch.allclose(fd, hv, rtol=1e-6, atol=1e-7), "hvp disagrees with differences"
    split = lambda t: [expect(part.reshape(s)) for part, s in zip(torch.split(t, numels), shapes)]
    return {
        "sizes": [3, 8, 8, 1], "activation": "tanh",
        "params": [entry(p) for p in params32], "x": entry(x32), "target": entry(y32),
        "v": [entry(part.reshape(s)) for part, s in zip(torch.split(v32, numels), shapes)],
        "loss": num(value.item()), "grad": split(g), "hvp": split(hv),
        "torch_float32_error": {"grad": float((g32.double() - g).abs().max()),
                                "hvp": float((hv32.double() - hv).abs().max())},
    }


def gradient_penalty_cases():
    out = []
    for act_name, act, wgan in (("leaky_relu", lambda t: F.leaky_relu(t, 0.2), True), ("tanh", torch.tanh, False)):
        gen = torch.Generator().manual_seed(2 if wgan else 3)
        params32 = init_mlp([2, 6, 1], gen)
        x32 = as_f32(torch.randn(5, 2, generator=gen) * 1.5)
        results = {}
        for dtype in (torch.float64, torch.float32):
            ps = [p.to(dtype).requires_grad_() for p in params32]
            x = x32.to(dtype).requires_grad_()
            d = mlp_forward(x, ps, act)
            g = torch.autograd.grad(d.sum(), x, create_graph=True)[0]
            norm = g.pow(2).sum(1).sqrt()
            penalty = (norm - 1).pow(2).mean() if wgan else g.pow(2).sum(1).mean()
            grads = torch.autograd.grad(penalty, ps, allow_unused=True)
            grads = [torch.zeros_like(p) if q is None else q for p, q in zip(ps, grads)]
            results[dtype] = (d, g, norm, penalty, grads)
        d, g, norm, penalty, grads = results[torch.float64]
        # Independent check of ∂penalty/∂W1 by central differences.
        h = 1e-6

        def penalty_at(w1):
            ps = [w1] + [p.double() for p in params32[1:]]
            x = x32.double().requires_grad_()
            gx = torch.autograd.grad(mlp_forward(x, ps, act).sum(), x)[0]
            n = gx.pow(2).sum(1)
            return ((n.sqrt() - 1).pow(2).mean() if wgan else n.mean()).item()

        w1 = params32[0].double()
        for k in range(w1.numel()):
            e = torch.zeros_like(w1).reshape(-1)
            e[k] = h
            fd = (penalty_at(w1 + e.reshape(w1.shape)) - penalty_at(w1 - e.reshape(w1.shape))) / (2 * h)
            assert abs(fd - grads[0].reshape(-1)[k].item()) < 1e-6, "penalty gradient disagrees with differences"
        out.append({
            "activation": act_name, "negative_slope": 0.2 if wgan else None,
            "penalty": "wgan_gp" if wgan else "squared_norm",
            "params": [entry(p) for p in params32], "x": entry(x32),
            "d": expect(d), "dx": expect(g), "norm": expect(norm), "value": num(penalty.item()),
            "grads": [expect(q) for q in grads],
            "torch_float32_error": float(max((a.double() - b).abs().max() for a, b in
                                             zip(results[torch.float32][4], grads))),
        })
    return out


def pinn_case():
    gen = torch.Generator().manual_seed(4)
    params32 = init_mlp([1, 8, 8, 1], gen)
    x32 = torch.tensor([[-0.93], [-0.61], [-0.27], [0.04], [0.38], [0.66], [0.91]], dtype=torch.float32)
    pi = f32(math.pi)
    results = {}
    for dtype in (torch.float64, torch.float32):
        ps = [p.to(dtype).requires_grad_() for p in params32]
        x = x32.to(dtype).requires_grad_()
        u = mlp_forward(x, ps)
        du = torch.autograd.grad(u.sum(), x, create_graph=True)[0]
        d2u = torch.autograd.grad(du.sum(), x, create_graph=True)[0]
        r = d2u + pi * pi * torch.sin(pi * x)
        loss = r.pow(2).mean()
        grads = torch.autograd.grad(loss, ps, allow_unused=True)
        grads = [torch.zeros_like(p) if q is None else q for p, q in zip(ps, grads)]
        results[dtype] = (u, du, d2u, r, loss, grads)
    u, du, d2u, r, loss, grads = results[torch.float64]
    return {
        "sizes": [1, 8, 8, 1], "activation": "tanh", "pi": pi,
        "params": [entry(p) for p in params32], "x": entry(x32),
        "u": expect(u), "du": expect(du), "d2u": expect(d2u), "r": expect(r), "loss": num(loss.item()),
        "grads": [expect(q) for q in grads],
        "torch_float32_error": float(max((a.double() - b).abs().max() for a, b in
                                         zip(results[torch.float32][5], grads))),
    }


def loss_cases():
    gen = torch.Generator().manual_seed(5)
    logits32 = as_f32(torch.randn(4, 5, generator=gen) * 2)
    v32 = as_f32(torch.randn(4, 5, generator=gen))
    labels = torch.tensor([0, 3, 1, 4])
    probs32 = as_f32(torch.softmax(torch.randn(4, 5, generator=gen), 1))
    binary32 = as_f32(torch.rand(4, 5, generator=gen))
    target32 = as_f32(torch.randn(4, 5, generator=gen))
    specs = []
    for reduction in ("mean", "sum"):
        for smoothing in (0.0, 0.1):
            specs.append(("cross_entropy", {"reduction": reduction, "label_smoothing": smoothing, "target": "labels"},
                          lambda t, r=reduction, s=smoothing: F.cross_entropy(t, labels, reduction=r,
                                                                              label_smoothing=f32(s))))
        specs.append(("cross_entropy", {"reduction": reduction, "target": "probs"},
                      lambda t, r=reduction, p=probs32: F.cross_entropy(t, p.to(t.dtype), reduction=r)))
        specs.append(("nll_log_softmax", {"reduction": reduction, "target": "labels"},
                      lambda t, r=reduction: F.nll_loss(F.log_softmax(t, 1), labels, reduction=r)))
        specs.append(("bce_with_logits", {"reduction": reduction, "target": "binary"},
                      lambda t, r=reduction, q=binary32: F.binary_cross_entropy_with_logits(t, q.to(t.dtype),
                                                                                            reduction=r)))
        specs.append(("mse_loss", {"reduction": reduction, "target": "target"},
                      lambda t, r=reduction, q=target32: F.mse_loss(t * t, q.to(t.dtype), reduction=r)))
    out = []
    for name, opts, fn in specs:
        res = {}
        for dtype in (torch.float64, torch.float32):
            x = logits32.to(dtype).requires_grad_()
            value = fn(x)
            g = torch.autograd.grad(value, x, create_graph=True)[0]
            hv = torch.autograd.grad((g * v32.to(dtype)).sum(), x)[0]
            res[dtype] = (value, g, hv)
        value, g, hv = res[torch.float64]
        fd = (torch.autograd.functional.jacobian(fn, logits32.double() + 1e-6 * v32.double()) -
              torch.autograd.functional.jacobian(fn, logits32.double() - 1e-6 * v32.double())) / 2e-6
        assert torch.allclose(fd, hv, rtol=1e-6, atol=1e-7), f"{name}: hvp disagrees with differences"
        out.append(dict(loss=name, **opts, value=num(value.item()), grad=expect(g), hvp=expect(hv),
                        torch_float32_error=float((res[torch.float32][2].double() - hv).abs().max())))
    return {"logits": entry(logits32), "v": entry(v32), "labels": labels.tolist(), "probs": entry(probs32),
            "binary": entry(binary32), "target": entry(target32), "cases": out}


def main():
    out = {
        "generated_by": "scripts/make_higher_order_fixtures.py",
        "torch_version": torch.__version__,
        "tolerance": TOL,
        "activations": activation_cases(),
        "mlp_hvp": mlp_hvp_case(),
        "gradient_penalty": gradient_penalty_cases(),
        "pinn": pinn_case(),
        "losses": loss_cases(),
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "higher_order.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")
    print(f"wrote {len(out['activations'])} activation cases and the composite problems to "
          f"{os.path.normpath(path)} ({os.path.getsize(path) // 1024} KB)")


if __name__ == "__main__":
    main()
