#!/usr/bin/python3
"""Interop check run by tests/test_serialize.cpp (Interop.*) with Debian's PyTorch.

  interop_torch.py <dir> [norms]

1. Reads <dir>/ember_model.safetensors (written by nn::save) into the PyTorch
   twin of the test's model with load_state_dict(strict=True), runs it on the
   input in <dir>/ember_io.safetensors and checks the output ember computed.
2. Draws a fresh PyTorch model, writes its weights to <dir>/torch_model.safetensors
   and an input/output pair to <dir>/torch_io.safetensors for ember to check.

With "norms" the model is NormNet (Linear, BatchNorm1d, LayerNorm, Linear),
checked in eval mode after a few training steps, so that the running
statistics and num_batches_tracked (I64 in the file, shape []) go both ways.

The safetensors reader and writer here are written from the format's spec
(no safetensors package), so they check ember's files independently.
Exit status 0 when everything matches.
"""
import json
import os
import struct
import sys

import torch


DTYPES = {"F32": torch.float32, "I64": torch.int64}


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] in DTYPES, entry
        dtype = DTYPES[entry["dtype"]]
        begin, end = entry["data_offsets"]
        t = torch.frombuffer(bytearray(body[begin:end]), dtype=dtype) if end > begin else torch.zeros(0, dtype=dtype)
        out[name] = t.reshape(entry["shape"]).clone()
    return out


def write(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        int64 = t.dtype == torch.int64
        b = t.detach().contiguous().to(torch.int64 if int64 else torch.float32).numpy().tobytes()
        header[name] = {"dtype": "I64" if int64 else "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    text = json.dumps(header).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))


class Net(torch.nn.Module):
    """The twin of the ember model in test_serialize.cpp."""

    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(5, 8)
        self.bil = torch.nn.Bilinear(8, 8, 4)
        self.fc2 = torch.nn.Linear(4, 3, bias=False)
        self.register_buffer("scale", torch.ones(3))

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(self.bil(h, h)) * self.scale


class NormNet(torch.nn.Module):
    """The twin of NormNet in test_serialize.cpp."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(5, 6)
        self.bn = torch.nn.BatchNorm1d(6)
        self.ln = torch.nn.LayerNorm(6)
        self.out = torch.nn.Linear(6, 3)

    def forward(self, x):
        return self.out(self.ln(self.bn(self.fc(x))))


def main_norms(folder):
    net = NormNet()
    state = read(os.path.join(folder, "ember_model.safetensors"))
    count = state["bn.num_batches_tracked"]
    if count.dtype != torch.int64 or count.shape != ():
        print("bn.num_batches_tracked is", count.dtype, tuple(count.shape), "not int64 of shape ()")
        return 1
    net.load_state_dict(state, strict=True)
    net.eval()
    io = read(os.path.join(folder, "ember_io.safetensors"))
    with torch.no_grad():
        y = net(io["x"])
    diff = (y - io["y"]).abs().max().item()
    print("torch vs ember output (BatchNorm1d, LayerNorm), max abs difference:", diff)
    if not diff < 1e-5:
        return 1
    torch.manual_seed(321)
    fresh = NormNet()
    with torch.no_grad():
        for _ in range(4):  # training steps: running statistics move, num_batches_tracked = 4
            fresh(torch.randn(8, 5) * 2 + 1)
        fresh.ln.weight.copy_(torch.randn(6))
        fresh.ln.bias.copy_(torch.randn(6))
        fresh.eval()
        x = torch.randn(6, 5)
        write(os.path.join(folder, "torch_model.safetensors"), fresh.state_dict())
        write(os.path.join(folder, "torch_io.safetensors"), {"x": x, "y": fresh(x)})
    return 0


def main(folder):
    net = Net()
    net.load_state_dict(read(os.path.join(folder, "ember_model.safetensors")), strict=True)
    io = read(os.path.join(folder, "ember_io.safetensors"))
    with torch.no_grad():
        y = net(io["x"])
    diff = (y - io["y"]).abs().max().item()
    print("torch vs ember output, max abs difference:", diff)
    if not diff < 1e-5:
        return 1
    torch.manual_seed(123)
    fresh = Net()
    with torch.no_grad():
        fresh.scale.copy_(torch.tensor([1.0, -2.0, 0.5]))
        x = torch.randn(6, 5)
        write(os.path.join(folder, "torch_model.safetensors"), fresh.state_dict())
        write(os.path.join(folder, "torch_io.safetensors"), {"x": x, "y": fresh(x)})
    return 0


if __name__ == "__main__":
    sys.exit(main_norms(sys.argv[1]) if sys.argv[2:] == ["norms"] else main(sys.argv[1]))
