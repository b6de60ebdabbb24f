#!/usr/bin/env python3
"""Write torch.randn reference values for FlowStudio's `--noise torch`.

Run from the repository root (torch only, no download):

    venv/bin/python Tests/Reference/make_noise_fixtures.py

Writes Tests/Reference/fixtures/torch_randn.safetensors:

* `randn/seed=S/shape=AxB...` (F32): `torch.manual_seed(S); torch.randn(shape)` on the CPU,
  float32, contiguous. Tensors of at most 1024 elements are stored whole (flattened); larger
  ones as 768 values: the first 256, the middle 256 (flat positions n/2-128 ..< n/2+128) and
  the last 256, in that order.
* metadata `mt19937/seed=S`: the first 640 32-bit outputs of MT19937 seeded as
  `torch.manual_seed(S)` seeds it (space-separated decimals). They are NumPy's legacy
  `RandomState(S & 0xffffffff)` raw words (the reference `init_genrand`); the script asserts
  that torch draws the same words: a float32 `uniform_()` is (word & 0xffffff) / 2**24, one word
  per element, and `torch.randint(0, 2**32)` (which takes `random64()`, two words) gives every
  second word whole; a float64 `uniform_()` checks `random64() = first << 32 | second`.
* metadata `torch_version`, `cpu_capability` (torch's AVX2 kernel uses polynomial log/sincos, so
  the values depend on it), `slices`.

Also asserted here: a seed >= 2**32 draws what its low 32 bits draw (torch's MT19937 keeps
`seed & 0xffffffff`); Python's `random.seed` is *not* the same generator (it seeds by
`init_by_array`). The file is byte-identical on re-runs with the same torch.

    venv/bin/python Tests/Reference/make_noise_fixtures.py --sweep /tmp/torch_randn_sweep.safetensors

writes instead a larger check that is not committed (about 88 MB): whole tensors for 60 seeds (0..39 and
20 random 64-bit ones) and 134 shapes (every length 1..129 and five 4-d shapes up to 1x16x128x128);
`FLOWSTUDIO_TORCH_SWEEP=/tmp/torch_randn_sweep.safetensors swift test --filter TorchNormalTests`
compares all 21.8 million values.
"""
import json
import os
import random
import sys

sys.dont_write_bytecode = True  # keep Tests/Reference free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from safetensors import safe_open  # noqa: E402

from make_fixtures import save  # noqa: E402  (the deterministic safetensors writer)

NAME = "torch_randn.safetensors"

SEEDS = [0, 1, 42, 12345, 2**32 + 7, 2**64 - 1]
SHAPES = [(1,), (2,), (7,), (15,), (16,), (17,), (31,), (33,), (100,),
          (1, 16, 9, 7), (1, 3, 64, 64), (1, 16, 64, 64), (1, 16, 33, 47)]
WHOLE_LIMIT = 1024
SLICE = 256
MT_WORDS = 640


def slices(flat):
    n = flat.numel()
    if n <= WHOLE_LIMIT:
        return flat
    mid = n // 2 - SLICE // 2
    return torch.cat([flat[:SLICE], flat[mid:mid + SLICE], flat[n - SLICE:]])


def mt_words(seed, n):
    words = np.random.RandomState(seed & 0xFFFFFFFF)._bit_generator.random_raw(n).astype(np.uint64)
    g = torch.Generator().manual_seed(seed)
    low24 = torch.empty(n, dtype=torch.float32).uniform_(generator=g).mul(2**24).numpy()
    assert np.array_equal(words & np.uint64(0xFFFFFF), low24.astype(np.uint64)), seed
    g = torch.Generator().manual_seed(seed)
    odd = torch.randint(0, 2**32, (n // 2,), generator=g, dtype=torch.int64).numpy()
    assert np.array_equal(words[1::2], odd.astype(np.uint64)), seed
    # random64() = word0 << 32 | word1: a float64 uniform keeps its low 53 bits.
    g = torch.Generator().manual_seed(seed)
    u64 = torch.empty(n // 2, dtype=torch.float64).uniform_(generator=g).numpy()
    both = (words[0::2] << np.uint64(32)) | words[1::2]
    assert np.array_equal(u64, (both & np.uint64(2**53 - 1)).astype(np.float64) / 2.0**53), seed
    return [int(w) for w in words]


def sweep(path):
    from safetensors.torch import save_file
    rng = random.Random(1)
    seeds = list(range(40)) + [rng.getrandbits(64) for _ in range(20)]
    shapes = [(n,) for n in range(1, 130)] + [(1, 16, 64, 64), (1, 16, 33, 47), (1, 16, 128, 128), (1, 4, 17, 19), (3, 5, 7, 11)]
    tensors = {}
    for seed in seeds:
        for shape in shapes:
            torch.manual_seed(seed)
            tensors[f"randn/seed={seed}/shape={'x'.join(map(str, shape))}"] = torch.randn(shape).flatten().contiguous()
    save_file(tensors, path, metadata={"torch_version": torch.__version__})
    print(f"wrote {path}: {len(tensors)} tensors, {sum(t.numel() for t in tensors.values())} values")


def main():
    torch.set_num_threads(1)
    if len(sys.argv) == 3 and sys.argv[1] == "--sweep":
        return sweep(sys.argv[2])
    tensors, metadata = {}, {
        "torch_version": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "slices": f"whole when numel <= {WHOLE_LIMIT}, else first {SLICE}, middle {SLICE} "
                  f"(from numel/2 - {SLICE // 2}) and last {SLICE}",
    }
    for seed in SEEDS:
        for shape in SHAPES:
            torch.manual_seed(seed)
            x = torch.randn(shape)
            assert x.dtype == torch.float32 and x.is_contiguous()
            torch.manual_seed(seed & 0xFFFFFFFF)
            assert torch.equal(x, torch.randn(shape)), "seeds differing above bit 32 should agree"
            name = f"randn/seed={seed}/shape={'x'.join(map(str, shape))}"
            tensors[name] = slices(x.flatten()).clone()
    for seed in [0, 42, 2**32 + 7]:
        metadata[f"mt19937/seed={seed}"] = " ".join(map(str, mt_words(seed, MT_WORDS)))
    path = save(tensors, NAME, metadata)
    with safe_open(path, "pt") as f:
        assert f.metadata() == metadata
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(tensors)} tensors, torch {torch.__version__}, "
          f"{metadata['cpu_capability']})")


if __name__ == "__main__":
    main()
