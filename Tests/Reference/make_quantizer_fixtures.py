#!/usr/bin/env python3
"""A fixture for FlowStudio's own Q8_0 and Q4_0 quantizers (`GGUFQuantize`): float32 inputs and
the blocks the `gguf` Python package's quantizer (`gguf.quants.quantize`) makes of them, written
with the package's own writer (`gguf.GGUFWriter`).

Run from the repository root (numpy, gguf; no download; ~1 s):

    venv/bin/python Tests/Reference/make_quantizer_fixtures.py

Writes Tests/Reference/fixtures/gguf_quantize.gguf (~30 KB): for each CASE below, the F32 tensor
`CASE.original` [rows, 256] and the tensors `CASE.q8_0` and `CASE.q4_0` (the package's blocks of
the same values). Cases: seeded normals (`normal`); normals times 1e-3…1e4 per row with outliers
(`scaled`); the corner cases of the formulas (`edges`): an all-zero block, a block whose first
value is −0.0, ties of magnitude with either sign first, a largest value that is negative,
values on the rounding boundaries (x·(1/d) = n + 0.5 for Q8_0, x·(1/d) + 8.5 an integer for
Q4_0), and values near float16's smallest normal.

Deterministic: two runs write identical bytes.
"""
import os
import sys

sys.dont_write_bytecode = True

import numpy as np
import gguf
from gguf import GGMLQuantizationType as Q

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "gguf_quantize.gguf")


def cases():
    rng = np.random.default_rng(1616)
    normal = rng.standard_normal((4, 256)).astype(np.float32)
    scaled = rng.standard_normal((4, 256)).astype(np.float32) * np.array([[1e-3], [0.1], [10], [1e4]], dtype=np.float32)
    scaled[:, ::37] *= 6  # outliers
    edges = rng.standard_normal((4, 256)).astype(np.float32)
    b = edges.reshape(-1, 32)  # 32 blocks
    b[0] = 0                                   # all zero
    b[1] = 0
    b[1, 0] = -0.0                             # zero with a negative zero first
    b[2, 3], b[2, 9] = 5.0, -5.0               # tie, positive first
    b[3, 3], b[3, 9] = -5.0, 5.0               # tie, negative first
    b[4, 7] = -9.0                             # the largest magnitude is negative
    b[5] = np.arange(32, dtype=np.float32) - 15.5   # spread ending in 16.5: Q4_0 boundaries
    b[6] = (np.arange(32, dtype=np.float32) - 16) * (127 / 16) + 0.5  # Q8_0 half-way points
    b[6, 0] = -127.0
    b[7] = rng.standard_normal(32).astype(np.float32) * np.float32(6.1e-5 * 127)  # d near float16's smallest normal
    b[8] = rng.standard_normal(32).astype(np.float32) * np.float32(1e-6)          # d subnormal in float16
    b[9, :] = 1.0                              # constant
    b[10, :] = -1.0
    return {"normal": normal, "scaled": scaled, "edges": edges}


def main():
    writer = gguf.GGUFWriter(OUT, arch="flowstudio-quantizer-fixture")
    writer.add_string("flowstudio.fixture", "Q8_0 and Q4_0 blocks by gguf.quants.quantize")
    for name, x in cases().items():
        writer.add_tensor(f"{name}.original", x)
        for qtype, suffix in ((Q.Q8_0, "q8_0"), (Q.Q4_0, "q4_0")):
            data = gguf.quants.quantize(x, qtype)
            back = gguf.quants.dequantize(data, qtype)
            print(f"{name:7s} {suffix}: max |dequantized - original| = {np.abs(back - x).max():.4g}")
            writer.add_tensor(f"{name}.{suffix}", data, raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
