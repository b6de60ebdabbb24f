#!/usr/bin/env python3
"""Generate the reference fixtures for FlowStudio's SD3 VAE decoder (Sources/VAE).

Run from the repository root (no download: the models are built from configs):

    venv/bin/python Tests/Reference/make_vae_fixtures.py

What it writes to Tests/Reference/fixtures/ (see Tests/Reference/README.md):

* vae_tiny.diffusers.safetensors -- a tiny diffusers AutoencoderKL shaped like
  SD3's (16 latent channels, 4 levels, mid-block attention, no quant convs),
  block_out_channels (8, 8, 16, 16), norm_num_groups 4, layers_per_block 1
  (2 resnets per decoder level), sample_size 32 (tiles of 4x4 latents). Every
  parameter is re-drawn at random (GroupNorm affines and biases included, so
  every path matters) and stored as F16 under diffusers' state_dict keys: the
  decoder, plus two encoder tensors that a decoder loader must ignore.
* vae_tiny.ldm.safetensors -- the same decoder in the original LDM layout of
  Stability's single files (`first_stage_model.decoder.mid.block_1`, attention
  as 1x1 conv weights [C, C, 1, 1], `up.{3-i}`, `nin_shortcut`, `norm_out`),
  plus a few encoder keys; checked to round-trip exactly through diffusers'
  `convert_ldm_vae_checkpoint`.
* vae_tiny.config.json -- the diffusers config (scaling 0.8, shift 0.1: not
  SD3's, so a test that passes must have read them).
* vae_tiny.io.safetensors -- F32 `latents` [2, 16, 6, 10] in the MM-DiT's space,
  `sample` = vae.decode(latents / scaling + shift) [2, 3, 48, 80], `tiled`: the
  same through diffusers' tiled decode (enable_tiling, 4x4 latent tiles, overlap
  factor 0.25: tiles of 4, 4, 4 and 1 columns, 4 and 3 rows), and `image0`: item
  0 postprocessed as diffusers' VaeImageProcessor does for PIL output
  ((x/2+0.5).clamp(0,1), then (x*255).round()) as F16 integers [48, 80, 3].
* vae_pq.safetensors -- a second tiny model with post_quant_conv and without
  mid-block attention, 2 levels (8, 16), groups 4: weights (F16, diffusers keys)
  and io (`latents` [1, 16, 5, 7], `sample` [1, 3, 10, 14]) in one file; its
  config is JSON in the `config` metadata key.

The references are computed in float32 on CPU from the F16 weights widened to
F32. Deterministic: fixed seeds, one thread.
"""

import json
import os
import sys

import numpy as np
import torch

import diffusers
from diffusers import AutoencoderKL
from diffusers.image_processor import VaeImageProcessor
from diffusers.loaders.single_file_utils import convert_ldm_vae_checkpoint

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import OUT, save, written  # noqa: E402  (the deterministic safetensors writer)

SEED = 20261203

torch.manual_seed(SEED)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
diffusers.utils.logging.set_verbosity_error()


def make_vae(block_out_channels, groups, layers, sample_size, scaling, shift, post_quant, attention):
    n = len(block_out_channels)
    vae = AutoencoderKL(
        in_channels=3, out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * n, up_block_types=("UpDecoderBlock2D",) * n,
        block_out_channels=block_out_channels, layers_per_block=layers, act_fn="silu",
        latent_channels=16, norm_num_groups=groups, sample_size=sample_size,
        scaling_factor=scaling, shift_factor=shift,
        use_quant_conv=False, use_post_quant_conv=post_quant, mid_block_add_attention=attention,
    ).eval()
    # Re-draw every parameter: weights ~ N(0, 1/fan_in), norm scales 1 + N(0, 0.2²), every bias
    # (including the GroupNorm shifts diffusers starts at 0) N(0, 0.1²); then round to F16.
    with torch.no_grad():
        for name, p in vae.named_parameters():
            if "norm" in name and name.endswith("weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif name.endswith("bias"):
                p.copy_(0.1 * torch.randn_like(p))
            else:
                fan_in = p[0].numel()
                p.copy_(torch.randn_like(p) / fan_in ** 0.5)
            p.copy_(p.half().float())
    return vae


def decoder_state(vae):
    """The tensors a decoder loader reads, diffusers keys, F16."""
    return {k: v.half() for k, v in vae.state_dict().items() if k.startswith("decoder.") or k.startswith("post_quant_conv.")}


def diffusers_to_ldm(state, levels, prefix="first_stage_model."):
    """diffusers decoder keys -> the original LDM layout (the inverse of convert_ldm_vae_checkpoint)."""
    out = {}
    for key, t in state.items():
        k = key
        if k.startswith("decoder.mid_block.resnets."):
            i = int(k.split(".")[3])
            k = k.replace(f"mid_block.resnets.{i}.", f"mid.block_{i + 1}.")
        elif k.startswith("decoder.mid_block.attentions.0."):
            k = k.replace("mid_block.attentions.0.", "mid.attn_1.")
            for a, b in [("group_norm.", "norm."), ("to_q.", "q."), ("to_k.", "k."), ("to_v.", "v."), ("to_out.0.", "proj_out.")]:
                k = k.replace("attn_1." + a, "attn_1." + b)
            if k.endswith("weight") and t.ndim == 2:
                t = t[:, :, None, None]  # linear [C, C] -> 1x1 conv [C, C, 1, 1]
        elif k.startswith("decoder.up_blocks."):
            i = int(k.split(".")[2])
            rest = k[len(f"decoder.up_blocks.{i}."):]
            if rest.startswith("resnets."):
                rest = "block." + rest[len("resnets."):]
            elif rest.startswith("upsamplers.0."):
                rest = "upsample." + rest[len("upsamplers.0."):]
            k = f"decoder.up.{levels - 1 - i}." + rest.replace("conv_shortcut", "nin_shortcut")
        elif k.startswith("decoder.conv_norm_out."):
            k = k.replace("conv_norm_out.", "norm_out.")
        out[prefix + k] = t
    return out


def decode(vae, latents):
    c = vae.config
    with torch.no_grad():
        return vae.decode(latents / c.scaling_factor + c.shift_factor).sample


def config_json(vae):
    """The config as JSON, deterministic: diffusers keeps `_use_default_values` as a list made from
    a set, whose order changes from run to run, so it is sorted."""
    config = {k: (list(v) if isinstance(v, tuple) else v) for k, v in dict(vae.config).items()}
    if "_use_default_values" in config:
        config["_use_default_values"] = sorted(config["_use_default_values"])
    return json.dumps(config, sort_keys=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {"torch": torch.__version__, "diffusers": diffusers.__version__}

    # ---- the SD3-shaped tiny model ----
    vae = make_vae((8, 8, 16, 16), groups=4, layers=1, sample_size=32, scaling=0.8, shift=0.1,
                   post_quant=False, attention=True)
    state = decoder_state(vae)
    full = vae.state_dict()
    encoder_keys = ["encoder.conv_in.bias", "encoder.conv_norm_out.weight"]
    diff_file = dict(state)
    for k in encoder_keys:
        diff_file[k] = full[k].half()
    save(diff_file, "vae_tiny.diffusers.safetensors", {**meta, "config": config_json(vae)})

    ldm = diffusers_to_ldm(state, levels=4)
    # A few encoder tensors of a full autoencoder file, LDM names (ignored by the decoder loader).
    ldm["first_stage_model.encoder.conv_in.bias"] = full["encoder.conv_in.bias"].half()
    ldm["first_stage_model.encoder.norm_out.weight"] = full["encoder.conv_norm_out.weight"].half()
    ldm["first_stage_model.encoder.mid.attn_1.q.weight"] = full["encoder.mid_block.attentions.0.to_q.weight"].half()[:, :, None, None]
    # The rules checked against diffusers' own converter: every decoder tensor comes back exactly.
    back = convert_ldm_vae_checkpoint(ldm, dict(vae.config))
    for k, t in state.items():
        assert k in back and torch.equal(back[k], t), k
    assert {k for k in back if k.startswith("decoder.")} == set(state)
    save(ldm, "vae_tiny.ldm.safetensors", meta)

    with open(os.path.join(OUT, "vae_tiny.config.json"), "w") as f:
        f.write(json.dumps(json.loads(config_json(vae)), indent=2, sort_keys=True) + "\n")
    written.append((os.path.join(OUT, "vae_tiny.config.json"), os.path.getsize(os.path.join(OUT, "vae_tiny.config.json"))))

    latents = torch.randn(2, 16, 6, 10)
    sample = decode(vae, latents)
    assert sample.shape == (2, 3, 48, 80)
    vae.enable_tiling()
    assert vae.tile_latent_min_size == 4 and vae.tile_sample_min_size == 32 and vae.tile_overlap_factor == 0.25
    tiled = decode(vae, latents)
    vae.disable_tiling()
    print(f"tiny: max|sample| {sample.abs().max():.3f}, tiled vs untiled max|Δ| {(tiled - sample).abs().max():.3f}")
    image = VaeImageProcessor(vae_scale_factor=8).postprocess(sample, output_type="np")  # [B, H, W, 3] in [0, 1]
    image0 = torch.from_numpy((image[0] * 255).round().astype(np.float32)).half()  # numpy_to_pil's rounding
    # Float64 cross-check of the float32 reference's round-off.
    vae64 = make_vae((8, 8, 16, 16), 4, 1, 32, 0.8, 0.1, False, True).double()
    vae64.load_state_dict({k: v.double() for k, v in vae.state_dict().items()})
    s64 = decode(vae64, latents.double())
    print(f"tiny: float32 vs float64 max|Δ| {(sample.double() - s64).abs().max():.2e}")
    save({"latents": latents, "sample": sample, "tiled": tiled, "image0": image0}, "vae_tiny.io.safetensors",
         {**meta, "config": config_json(vae)})

    # ---- post_quant_conv, no attention, 2 levels ----
    pq = make_vae((8, 16), groups=4, layers=1, sample_size=32, scaling=1.5305, shift=0.0609,
                  post_quant=True, attention=False)
    pq_latents = torch.randn(1, 16, 5, 7)
    pq_sample = decode(pq, pq_latents)
    assert pq_sample.shape == (1, 3, 10, 14)
    save({**decoder_state(pq), "latents": pq_latents, "sample": pq_sample}, "vae_pq.safetensors",
         {**meta, "config": config_json(pq)})

    total = 0
    for path, size in written:
        total += size
        print(f"{os.path.relpath(path)}: {size} bytes")
    print(f"total {total} bytes")


if __name__ == "__main__":
    main()
