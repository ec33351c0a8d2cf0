#!/usr/bin/python3
"""The PyTorch half of bench/compare_pytorch.py: the same workloads as
bench/compare_ember.cpp, same shapes and thread counts, one JSON line each
with the median seconds per call. Run with Debian's python3-torch:
    /usr/bin/python3 bench/compare_torch.py --threads 1 [--filter act_fwd/]
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

ACTIVATIONS = {
    "relu": F.relu, "leaky_relu": lambda x: F.leaky_relu(x, 0.01), "relu6": F.relu6,
    "hardtanh": F.hardtanh, "elu": F.elu, "selu": F.selu, "celu": F.celu,
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "logsigmoid": F.logsigmoid, "silu": F.silu,
    "mish": F.mish, "hardswish": F.hardswish, "hardsigmoid": F.hardsigmoid, "gelu": F.gelu,
    "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "softplus": F.softplus,
    "softsign": F.softsign, "tanhshrink": F.tanhshrink, "hardshrink": F.hardshrink,
    "softshrink": F.softshrink, "threshold": lambda x: F.threshold(x, 0.1, 20.0),
    "rrelu_eval": lambda x: F.rrelu(x, training=False),
}


def median_seconds(run, samples):
    for _ in range(3):
        run()
    batch = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(batch):
            run()
        if time.perf_counter() - t0 >= 2e-3 or batch >= 1 << 20:
            break
        batch *= 2
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(batch):
            run()
        times.append((time.perf_counter() - t0) / batch)
    return sorted(times)[samples // 2]


class Mlp:
    def __init__(self, batch, optimizer, sizes):
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
            if i + 2 < len(sizes):
                layers.append(torch.nn.ReLU())
        self.model = torch.nn.Sequential(*layers)
        self.x = torch.randn(batch, sizes[0])
        self.y = torch.ones(batch, dtype=torch.long) if sizes[-1] > 1 else torch.zeros(batch, dtype=torch.long)
        params = self.model.parameters()
        self.opt = (torch.optim.SGD(params, lr=0.01, momentum=0.9) if optimizer == "sgd"
                    else torch.optim.Adam(params, lr=1e-3))

    def step(self):
        self.opt.zero_grad()
        F.cross_entropy(self.model(self.x), self.y).backward()
        self.opt.step()


def workloads():
    w = {}
    for n, size in ((4096, "4K"), (262144, "256K"), (16777216, "16M")):
        x = torch.randn(n) * 3
        xg = x.clone().requires_grad_()
        for name, act in ACTIVATIONS.items():
            w[f"act_fwd/{name}/{size}"] = lambda x=x, act=act: act(x)

            def fwdbwd(xg=xg, act=act):
                act(xg).sum().backward()
                xg.grad = None
            w[f"act_fwdbwd/{name}/{size}"] = fwdbwd
    logits = torch.randn(512, 1000)
    w["softmax/512x1000"] = lambda: F.softmax(logits, 1)
    w["log_softmax/512x1000"] = lambda: F.log_softmax(logits, 1)
    a8, b8, a8g = torch.ones(8), torch.ones(8), torch.ones(8, requires_grad=True)
    # The roofline: copying 16M floats between buffers that exist already.
    src, dst = torch.ones(1 << 24), torch.zeros(1 << 24)
    w["roofline/copy/16M"] = lambda: dst.copy_(src)
    w["tiny/add_nograd"] = lambda: a8 + b8
    w["tiny/add_recording"] = lambda: a8g + b8
    w["tiny/relu_nograd"] = lambda: F.relu(a8)

    def relu_sum_backward():
        F.relu(a8g).sum().backward()
        a8g.grad = None
    w["tiny/relu_sum_backward"] = relu_sum_backward
    tiny = Mlp(1, "sgd", [4, 16, 3])
    tiny.y = torch.zeros(1, dtype=torch.long)
    w["tiny/mlp_4_16_3_step"] = tiny.step
    for batch in (32, 128, 512):
        x = torch.randn(batch, 784, requires_grad=True)
        lin = torch.nn.Linear(784, 256)
        w[f"linear_fwdbwd/784x256/b{batch}"] = lambda x=x, lin=lin: lin(x).sum().backward()
        for opt in ("sgd", "adam"):
            w[f"mlp_step/{opt}/b{batch}"] = Mlp(batch, opt, [784, 256, 256, 10]).step
    return w


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--filter", default="")
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    for name, run in sorted(workloads().items()):
        if args.filter in name:
            seconds = median_seconds(run, args.samples)
            print(json.dumps({"name": name, "threads": args.threads, "seconds": seconds}), flush=True)


if __name__ == "__main__":
    main()
