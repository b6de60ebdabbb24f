#!/usr/bin/env python3
"""Write float8 reference values for FlowStudio's safetensors reader and writer.

Run from the repository root (torch + safetensors only, no download):

    venv/bin/python Tests/Reference/make_f8_fixtures.py

Writes Tests/Reference/fixtures/float8.safetensors (about 12 kB), written by safetensors'
torch API, so the F8 dtype names and the byte layout are exactly what PyTorch tools write
(`t5xxl_fp8_e4m3fn.safetensors` stores F8_E4M3):

* `e4m3fn.all` (F8_E4M3, [256]) and `e5m2.all` (F8_E5M2, [256]): every byte value 0..255
  in order (the bytes reinterpreted with `torch.Tensor.view`).
* `e4m3fn.as_f32`, `e5m2.as_f32` (F32, [256]): torch's conversion of those to float32
  (`.float()`); the NaN encodings (e4m3fn: 0x7F, 0xFF; e5m2: 0x7D..0x7F, 0xFD..0xFF) are NaN.
* `encode.input` (F32, [N]): float32 values chosen to test conversion to float8: exact
  values, halfway ties (round to nearest even), subnormals, values past the largest finite
  number (torch 2.15 saturates e4m3fn to ±448, sends e5m2 to ±inf), ±inf, NaN, ±0 and
  seeded random values over many binades.
* `encode.e4m3fn` (F8_E4M3, [N]), `encode.e5m2` (F8_E5M2, [N]): torch's `.to(dtype)` of them.
* metadata `versions`: "torch X, safetensors Y" (one key: safetensors writes a multi-key metadata
  map in hash order, which would change the bytes from run to run).

The file is byte-identical on re-runs with the same torch and safetensors.
"""
import os
import sys

sys.dont_write_bytecode = True

import torch
import safetensors
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "float8.safetensors")


def encode_inputs():
    values = [0.0, -0.0, 1.0, -1.0, 0.5, 448.0, -448.0, 464.0, 479.9, 480.0, 500.0, 1e6, 57344.0,
              61439.0, 61440.0, 65504.0, 1e30, float("inf"), float("-inf"), float("nan"),
              2.0 ** -6, 2.0 ** -9, 2.0 ** -10, 3 * 2.0 ** -11, 2.0 ** -14, 2.0 ** -16, 2.0 ** -17,
              3 * 2.0 ** -18, 1e-30, 1.0625, 1.125, 1.1875, 1.25, 1.3125, 1.375, -1.0625, -1.1875,
              0.3, -0.7, 3.14159, 100.0, -250.0]
    # Ties and near-ties around every e4m3fn and e5m2 code: midpoints between neighbours.
    for dtype in (torch.float8_e4m3fn, torch.float8_e5m2):
        codes = torch.arange(256, dtype=torch.uint8).view(dtype).float()
        finite = sorted({v for v in codes.tolist() if v == v and abs(v) != float("inf")})
        for a, b in zip(finite, finite[1:]):
            mid = (a + b) / 2
            values += [mid, float(torch.nextafter(torch.tensor(mid), torch.tensor(b)))]
    g = torch.Generator().manual_seed(0)
    values += (torch.randn(512, generator=g) * torch.exp2(torch.randint(-20, 18, (512,), generator=g).float())).tolist()
    return torch.tensor(values, dtype=torch.float32)


def main():
    byte_values = torch.arange(256, dtype=torch.uint8)
    tensors = {}
    for name, dtype in (("e4m3fn", torch.float8_e4m3fn), ("e5m2", torch.float8_e5m2)):
        codes = byte_values.view(dtype)
        tensors[f"{name}.all"] = codes.clone()
        tensors[f"{name}.as_f32"] = codes.float()
    inputs = encode_inputs()
    tensors["encode.input"] = inputs
    tensors["encode.e4m3fn"] = inputs.to(torch.float8_e4m3fn)
    tensors["encode.e5m2"] = inputs.to(torch.float8_e5m2)
    metadata = {"versions": f"torch {torch.__version__}, safetensors {safetensors.__version__}"}
    save_file(tensors, OUT, metadata=metadata)
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes, {inputs.numel()} encode inputs)")


if __name__ == "__main__":
    main()
