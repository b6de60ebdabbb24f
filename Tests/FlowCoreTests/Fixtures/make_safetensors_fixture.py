#!/usr/bin/env python3
"""Writes python_written.safetensors, the golden file for SafeTensorsTests.

Uses only NumPy: the safetensors layout is written by hand, following the spec
(https://github.com/huggingface/safetensors#format): an 8-byte little-endian
header length N, N bytes of JSON header padded with spaces to a multiple of 8,
then the data buffer. Tensors are laid out in a different order from their
names, so the reader must follow data_offsets rather than assume name order.

Run from anywhere:  python3 Tests/FlowCoreTests/Fixtures/make_safetensors_fixture.py
The expected values are spelled out in SafeTensorsTests.swift (goldenPythonFile).
"""
import json
import os
import struct

import numpy as np


def bfloat16_bits(values):
    """float32 -> bfloat16 bit patterns, round to nearest even (as torch does)."""
    u = np.asarray(values, dtype="<f4").view("<u4").astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return rounded.astype("<u2")


tensors = [
    # name, dtype, shape, little-endian bytes (in file order)
    ("gamma", "BF16", [3], bfloat16_bits([1.0, -5.0, 1.0 / 3.0]).tobytes()),
    ("alpha", "F32", [2, 3],
     np.array([[0.0, 1.0, -2.5], [3.25, 1e-3, 65504.0]], dtype="<f4").tobytes()),
    ("beta", "F16", [2, 4],
     np.array([[1.0, -2.0, 65504.0, 2.0 ** -24],
               [-0.0, np.inf, -np.inf, 0.1]], dtype="<f2").tobytes()),
    ("scalar", "F32", [], np.array(7.5, dtype="<f4").tobytes()),
    ("empty", "F16", [0, 4], b""),
]
metadata = {"format": "pt", "note": "written by make_safetensors_fixture.py"}

header = {"__metadata__": metadata}
data = b""
for name, dtype, shape, raw in tensors:
    header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw

header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
header_bytes += b" " * (-len(header_bytes) % 8)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "python_written.safetensors")
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(header_bytes)))
    f.write(header_bytes)
    f.write(data)
print(f"wrote {out}: {8 + len(header_bytes) + len(data)} bytes")
