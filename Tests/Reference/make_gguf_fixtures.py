#!/usr/bin/env python3
"""GGUF fixtures for FlowStudio's GGUF reader, written with the `gguf` Python package's own writer
(`gguf.GGUFWriter`) and quantizer (`gguf.quants.quantize`), with the package's dequantization
(`gguf.quants.dequantize`) as the reference values.

Run from the repository root (numpy, torch, diffusers, safetensors, gguf; no download; ~15 s):

    venv/bin/python Tests/Reference/make_gguf_fixtures.py

Writes to Tests/Reference/fixtures/:

* `gguf_blocks.gguf` (~12 KB): one small tensor per block type FlowStudio reads, seeded normal
  values with a few outliers: F32, F16, BF16 and (quantized by the package) Q8_0, Q4_0, Q4_1,
  Q5_0, Q5_1; Q4_K, Q5_K and Q6_K as random raw blocks with float16 scales of a sane size (the
  package dequantizes K-quants but cannot make them). Shapes of rank 1 to 4, among them
  `pos_embed` [1, 16, 32] (leading 1: GGUF stores [32, 16, 1]), and `reshaped.weight`, stored
  as ComfyUI-GGUF's converter stores a tensor it flattens to rows of 256 (ggml shape [256, 8],
  metadata `comfy.gguf.orig_shape.reshaped.weight` = [8, 4, 8, 8]). Alignment 64
  (`general.alignment`), metadata of several types including a string array.
* `gguf_blocks.reference.safetensors` (F32): `NAME` = the package's dequantization of each
  tensor in PyTorch's shape, `NAME.original` = the values before quantization (to state the
  quantization error), metadata `types` (NAME → block type name) and `versions`.
* `sd3-tiny.Q4_0.gguf` (~300 KB): the MM-DiT of `sd3-tiny.safetensors` converted the way the real
  SD3 GGUF files are made: ComfyUI-GGUF's `tools/convert.py` (arch "sd3", the
  `model.diffusion_model.` prefix stripped, F16 kept, the VAE dropped), then its patched
  `llama-quantize` at Q4_0 (2-D tensors quantized, except `x_embedder.`, `t_embedder.`,
  `y_embedder.`, `context_embedder.`, `final_layer.` and `pos_embed`, which stay F16;
  `pos_embed` keeps 3 dimensions). Q4_0 rather than Q8_0 keeps the file under 300 KB.
* `sd3-tiny.gguf.io.safetensors` (F32): `gguf_q4_0/final_latents` [1, 16, 8, 12]: diffusers'
  `StableDiffusion3Pipeline.from_single_file` final latents with that MM-DiT's dequantized
  weights (the package's dequantization) and the folder's encoders and the single file's VAE,
  for the settings of `sd3-tiny.io.safetensors`'s `single_file_slg` case (metadata
  `case/gguf_q4_0`); and `gguf_q4_0/quantization_error` (scalar): max |Q4_0 latents − F16 latents|.

Deterministic: two runs write identical bytes.
"""
import json
import os
import sys
import tempfile

sys.dont_write_bytecode = True

import numpy as np
import torch
import gguf
from gguf import GGMLQuantizationType as Q
from safetensors.torch import load_file

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_fixtures import save  # noqa: E402

OUT = os.path.join(HERE, "fixtures")
VERSIONS = f"gguf {gguf.__version__ if hasattr(gguf, '__version__') else 'unknown'}, numpy {np.__version__}, torch {torch.__version__}"
try:
    from importlib.metadata import version
    VERSIONS = f"gguf {version('gguf')}, numpy {np.__version__}, torch {torch.__version__}"
except Exception:
    pass


def values(rng, shape):
    x = rng.standard_normal(shape).astype(np.float32)
    flat = x.reshape(-1)
    flat[:: max(1, flat.size // 5)] *= 6  # a few outliers per tensor
    return x


def raw_k_blocks(rng, qtype, rows):
    """Random raw K-quant blocks (one row of 256 values each) with float16 scales near 0.01."""
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(rows, type_size), dtype=np.uint8)
    scale = lambda: np.frombuffer(np.float16(rng.uniform(0.005, 0.02)).tobytes(), dtype=np.uint8)
    for r in range(rows):
        if qtype in (Q.Q4_K, Q.Q5_K):
            raw[r, 0:2] = scale()      # d
            raw[r, 2:4] = scale()      # dmin
        elif qtype == Q.Q6_K:
            raw[r, 208:210] = scale()  # d (last)
    return raw


def write_blocks():
    rng = np.random.default_rng(20261203)
    path = os.path.join(OUT, "gguf_blocks.gguf")
    writer = gguf.GGUFWriter(path, arch="sd3")
    writer.add_custom_alignment(64)
    writer.add_string("general.name", "FlowStudio GGUF block fixture")
    writer.add_uint32("test.uint32", 4000000000)
    writer.add_int32("test.int32", -7)
    writer.add_float32("test.float32", 0.25)
    writer.add_bool("test.bool", True)
    writer.add_array("test.strings", ["alpha", "βeta", ""])
    reference, types = {}, {}

    def add(name, shape, qtype):
        x = values(rng, shape)
        data = gguf.quants.quantize(x, qtype) if qtype not in (Q.F32,) else x
        writer.add_tensor(name, data, raw_dtype=qtype)
        back = gguf.quants.dequantize(data, qtype).reshape(shape)
        reference[name] = torch.from_numpy(np.ascontiguousarray(back, dtype=np.float32))
        reference[name + ".original"] = torch.from_numpy(x)
        types[name] = qtype.name

    add("f32.matrix", (3, 40), Q.F32)
    add("f16.matrix", (5, 24), Q.F16)
    add("bf16.matrix", (4, 16), Q.BF16)
    for qtype in (Q.Q8_0, Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1):
        add(qtype.name.lower() + ".matrix", (6, 64), qtype)
    add("q8_0.cube", (2, 3, 64), Q.Q8_0)
    add("f16.conv", (8, 4, 2, 2), Q.F16)
    add("f32.vector", (7,), Q.F32)
    add("pos_embed", (1, 16, 32), Q.F32)

    for qtype, rows in ((Q.Q4_K, 2), (Q.Q5_K, 2), (Q.Q6_K, 3)):
        name = qtype.name.lower() + ".matrix"
        raw = raw_k_blocks(rng, qtype, rows)
        writer.add_tensor(name, raw, raw_dtype=qtype)
        reference[name] = torch.from_numpy(np.ascontiguousarray(gguf.quants.dequantize(raw, qtype), dtype=np.float32))
        types[name] = qtype.name

    # ComfyUI-GGUF's reshape for quantization: a [8, 4, 8, 8] tensor stored as rows of 256.
    x = values(rng, (8, 4, 8, 8))
    data = gguf.quants.quantize(x.reshape(8, 256), Q.Q8_0)
    writer.add_array("comfy.gguf.orig_shape.reshaped.weight", [8, 4, 8, 8])
    writer.add_tensor("reshaped.weight", data, raw_dtype=Q.Q8_0)
    reference["reshaped.weight"] = torch.from_numpy(gguf.quants.dequantize(data, Q.Q8_0).reshape(8, 4, 8, 8).astype(np.float32))
    reference["reshaped.weight.original"] = torch.from_numpy(x)
    types["reshaped.weight"] = "Q8_0"

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    # The package's own reader agrees with the reference.
    reader = gguf.GGUFReader(path)
    for t in reader.tensors:
        back = gguf.quants.dequantize(t.data, t.tensor_type).reshape(reference[t.name].shape)
        assert np.array_equal(back, reference[t.name].numpy()), t.name
    save(reference, "gguf_blocks.reference.safetensors", {"types": json.dumps(types, sort_keys=True), "versions": VERSIONS})
    for name in sorted(types):
        if name + ".original" in reference:
            err = (reference[name] - reference[name + ".original"]).abs().max().item()
            print(f"{name:14s} {types[name]:5s} max |dequantized - original| = {err:.4g}")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


SD3_KEEP = ("x_embedder.", "t_embedder.", "y_embedder.", "context_embedder.", "final_layer.")


def sd3_tiny_q4_0():
    """sd3-tiny's MM-DiT as ComfyUI-GGUF's convert.py + llama-quantize Q4_0 write it."""
    single = load_file(os.path.join(OUT, "sd3-tiny.safetensors"))
    prefix = "model.diffusion_model."
    mmdit = {k[len(prefix):]: v for k, v in single.items() if k.startswith(prefix)}
    path = os.path.join(OUT, "sd3-tiny.Q4_0.gguf")
    writer = gguf.GGUFWriter(path, arch="sd3")
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_0)
    dequantized, counts = {}, {}
    for key in sorted(mmdit):
        x = mmdit[key].numpy()  # float16, as convert.py keeps an F16 source
        quantize = (x.ndim == 2 and key != "pos_embed" and not any(s in key for s in SD3_KEEP)
                    and x.shape[-1] % 32 == 0)
        qtype = Q.Q4_0 if quantize else Q.F16
        data = gguf.quants.quantize(x.astype(np.float32), qtype) if quantize else x
        writer.add_tensor(key, data, raw_dtype=qtype)
        dequantized[key] = torch.from_numpy(gguf.quants.dequantize(data, qtype).reshape(x.shape).astype(np.float32))
        counts[qtype.name] = counts.get(qtype.name, 0) + 1
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    reader = gguf.GGUFReader(path)
    for t in reader.tensors:
        assert tuple(int(v) for v in reversed(t.shape)) == tuple(dequantized[t.name].shape), t.name
    print(f"wrote {path} ({os.path.getsize(path)} bytes): {counts}")
    return single, dequantized


def sd3_tiny_reference(single, dequantized):
    from diffusers import StableDiffusion3Pipeline
    import make_sd3_pipeline_fixtures as sd3
    folder = sd3.FOLDER
    folder_pipe = StableDiffusion3Pipeline.from_pretrained(folder, torch_dtype=torch.float32)
    settings = dict(prompt="a red cube on a blue table", seed=42, steps=8, cfg=4.5,
                    skip_layers=[1], slg_scale=2.8, slg_start=0.01, slg_stop=0.5)
    results, metadata = {}, {"versions": VERSIONS}
    with tempfile.TemporaryDirectory() as tmp:
        tmp_file = os.path.join(tmp, "sd3-tiny-dequantized.safetensors")
        tensors = {k: v for k, v in single.items() if k.startswith("first_stage_model.")}
        tensors.update({"model.diffusion_model." + k: v for k, v in dequantized.items()})
        from safetensors.torch import save_file
        save_file(tensors, tmp_file)
        pipe = StableDiffusion3Pipeline.from_single_file(
            tmp_file, config=folder, torch_dtype=torch.float32, local_files_only=True,
            text_encoder=folder_pipe.text_encoder, text_encoder_2=folder_pipe.text_encoder_2,
            text_encoder_3=folder_pipe.text_encoder_3)
        pipe.set_progress_bar_config(disable=True)
        sd3.run(pipe, "gguf_q4_0", settings, results, metadata)
    keep = {"gguf_q4_0/final_latents": results["gguf_q4_0/final_latents"]}
    f16 = load_file(os.path.join(OUT, "sd3-tiny.io.safetensors"))["single_file_slg/final_latents"]
    err = (keep["gguf_q4_0/final_latents"] - f16).abs().max()
    keep["gguf_q4_0/quantization_error"] = err.reshape(1)
    print(f"Q4_0 vs F16 final latents: max |diff| {err.item():.4g} (max |F16| {f16.abs().max().item():.4g})")
    save(keep, "sd3-tiny.gguf.io.safetensors", metadata)


def main():
    write_blocks()
    single, dequantized = sd3_tiny_q4_0()
    sd3_tiny_reference(single, dequantized)


if __name__ == "__main__":
    main()
