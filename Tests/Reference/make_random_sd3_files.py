#!/usr/bin/env python3
"""Random-weight SD3.5-medium files at full size, laid out as the files users download.

Writes, into OUT (default /work/big; never into the repository: about 5.3 GB):

* `sd3.5_medium.safetensors`: Stability's single file: the MM-DiT (MMDiT-X, depth 24, hidden
  1536 = 24 heads of 64, qk RMSNorm, dual attention in blocks 0-12, `pos_embed` table 384²,
  context 4096, pooled 2048: diffusers' `stabilityai/stable-diffusion-3.5-medium` transformer
  config) under `model.diffusion_model.` in the original key layout (fused `qkv`, `(shift,
  scale)` order in `final_layer` and the last `context_block`), and the 16-channel VAE (encoder
  and decoder) under `first_stage_model.` in the LDM layout. F16, 2.47 B + 84 M parameters.
* `clip_l.safetensors`, `clip_g.safetensors`: the CLIP-L/14 and OpenCLIP bigG/14 text towers of
  SD3's `text_encoder` / `text_encoder_2` (`CLIPTextModelWithProjection`) in transformers' key
  layout with no prefix, as ComfyUI and stable-diffusion.cpp users keep them. F16.
* with `--t5`: `t5xxl_fp16.safetensors` (T5-v1.1-XXL encoder, transformers layout, 9.5 GB).
* with `--family sd3.5-large`: `sd3.5_large.safetensors` instead of the medium file: the
  SD3.5-large MM-DiT (depth 38, hidden 2432 = 38 heads of 64, qk RMSNorm, no dual attention,
  `pos_embed` 192²: diffusers' `stabilityai/stable-diffusion-3.5-large` transformer config) and
  the same VAE, 8.06 B + 84 M parameters, 16.3 GB in 16 bits.
* `--dtype bf16` writes BF16 instead of F16 (the published SD3.5 files are BF16).

The key names and shapes come from the diffusers / transformers classes themselves, built on the
`meta` device (no memory), and are mapped to the Stability layout by the same inverse converters
the committed fixtures use (`make_fixtures.diffusers_to_original`,
`make_sd3_pipeline_fixtures.diffusers_vae_to_ldm`); the result is checked, key by key and shape by
shape, against diffusers' own forward converters (`convert_sd3_transformer_checkpoint_to_diffusers`,
`convert_ldm_vae_checkpoint`). Values: N(0, 0.02²) for every matrix, embedding, bias and the
positional table; 1 + N(0, 0.02²) for normalisation weights; so activations stay finite in F16
engines (stable-diffusion.cpp). Tensors are generated and written one at a time (peak memory
about one tensor in float32, 0.9 GB for `pos_embed`). Deterministic: tensor i of a file is drawn
from `torch.Generator().manual_seed(SEED + i)` in sorted-name order.

These files exist to time engines on full-size shapes (Tests/Reference/bench_sdcpp.sh); their
pictures are noise.

    /work/venv/bin/python Tests/Reference/make_random_sd3_files.py [--out /work/big] [--t5]
        [--family sd3.5-medium|sd3.5-large] [--dtype f16|bf16]
"""
import argparse
import json
import os
import sys
import time

import torch

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import diffusers  # noqa: E402
import transformers  # noqa: E402
from diffusers import AutoencoderKL, SD3Transformer2DModel  # noqa: E402
from diffusers.loaders.single_file_utils import (convert_ldm_vae_checkpoint,  # noqa: E402
                                                 convert_sd3_transformer_checkpoint_to_diffusers)
from transformers import CLIPTextConfig, CLIPTextModelWithProjection, T5Config, T5EncoderModel  # noqa: E402


SEED = 20261203
SCALE = 0.02

# diffusers' stabilityai/stable-diffusion-3.5-medium transformer/config.json
SD35_MEDIUM = dict(
    sample_size=128, patch_size=2, in_channels=16, out_channels=16, num_layers=24,
    attention_head_dim=64, num_attention_heads=24, joint_attention_dim=4096,
    caption_projection_dim=1536, pooled_projection_dim=2048, pos_embed_max_size=384,
    qk_norm="rms_norm", dual_attention_layers=tuple(range(13)),
)
# diffusers' stabilityai/stable-diffusion-3.5-large transformer/config.json
SD35_LARGE = dict(
    sample_size=128, patch_size=2, in_channels=16, out_channels=16, num_layers=38,
    attention_head_dim=64, num_attention_heads=38, joint_attention_dim=4096,
    caption_projection_dim=2432, pooled_projection_dim=2048, pos_embed_max_size=192,
    qk_norm="rms_norm", dual_attention_layers=(),
)
FAMILIES = {"sd3.5-medium": ("sd3.5_medium.safetensors", SD35_MEDIUM),
            "sd3.5-large": ("sd3.5_large.safetensors", SD35_LARGE)}
# SD3's vae/config.json
SD3_VAE = dict(
    in_channels=3, out_channels=3, latent_channels=16, block_out_channels=(128, 256, 512, 512),
    down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
    layers_per_block=2, norm_num_groups=32, act_fn="silu", sample_size=1024,
    scaling_factor=1.5305, shift_factor=0.0609, use_quant_conv=False, use_post_quant_conv=False,
)
# SD3's text_encoder / text_encoder_2 / text_encoder_3 config.json
CLIP_L = dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_attention_heads=12,
              num_hidden_layers=12, max_position_embeddings=77, hidden_act="quick_gelu",
              projection_dim=768, eos_token_id=2)
CLIP_G = dict(vocab_size=49408, hidden_size=1280, intermediate_size=5120, num_attention_heads=20,
              num_hidden_layers=32, max_position_embeddings=77, hidden_act="gelu",
              projection_dim=1280, eos_token_id=2)
T5_XXL = dict(vocab_size=32128, d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
              relative_attention_num_buckets=32, relative_attention_max_distance=128,
              feed_forward_proj="gated-gelu", dense_act_fn="gelu_new", is_gated_act=True,
              layer_norm_epsilon=1e-6)


def shapes(module, skip=()):
    """{name: meta tensor} of a module's state dict (parameters and persistent buffers)."""
    return {k: v for k, v in module.state_dict().items() if not any(s in k for s in skip)}


def mmdit_shapes(config):
    from make_fixtures import diffusers_to_original  # imported here: that module sets torch's threads on import
    with torch.device("meta"):
        model = SD3Transformer2DModel(**config)
    sd = {k: v.to("meta") for k, v in shapes(model).items()}
    original = diffusers_to_original(sd, config["num_layers"])
    back = convert_sd3_transformer_checkpoint_to_diffusers(dict(original))
    assert set(back) == set(sd), sorted(set(back) ^ set(sd))
    for k in sd:
        assert tuple(back[k].shape) == tuple(sd[k].shape), (k, back[k].shape, sd[k].shape)
    return original


def vae_shapes():
    from make_sd3_pipeline_fixtures import diffusers_vae_to_ldm
    with torch.device("meta"):
        vae = AutoencoderKL(**SD3_VAE)
    sd = {k: v.to("meta") for k, v in shapes(vae).items()}
    ldm = diffusers_vae_to_ldm(sd, len(SD3_VAE["block_out_channels"]))
    back = convert_ldm_vae_checkpoint({"first_stage_model." + k: v for k, v in ldm.items()}, dict(vae.config))
    assert set(back) == set(sd), sorted(set(back) ^ set(sd))
    for k in sd:
        assert back[k].numel() == sd[k].numel(), k
    return {"first_stage_model." + k: v for k, v in ldm.items()}


def clip_shapes(config):
    with torch.device("meta"):
        model = CLIPTextModelWithProjection(CLIPTextConfig(**config))
    return shapes(model, skip=("position_ids",))


def t5_shapes():
    with torch.device("meta"):
        model = T5EncoderModel(T5Config(**T5_XXL))
    # The tied embedding once, as `shared.weight` (encoder.embed_tokens.weight is the same tensor).
    return shapes(model, skip=("encoder.embed_tokens.weight",))


def is_norm_weight(name, shape):
    return len(shape) == 1 and name.endswith("weight") and any(s in name for s in ("norm", "ln_", "layer_norm"))


def write(path, tensors, metadata, dtype="F16"):
    """Streams random F16 (or BF16) tensors to a safetensors file: header first, then each tensor's bytes."""
    names = sorted(tensors)
    header, offset = {"__metadata__": metadata}, 0
    for name in names:
        shape = list(tensors[name].shape)
        size = 2 * int(torch.Size(shape).numel())
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    start = time.time()
    with open(path + ".part", "wb") as f:
        f.write(len(head).to_bytes(8, "little"))
        f.write(head)
        for i, name in enumerate(names):
            shape = tensors[name].shape
            g = torch.Generator().manual_seed(SEED + i)
            t = torch.randn(shape, generator=g, dtype=torch.float32).mul_(SCALE)
            if is_norm_weight(name, shape):
                t.add_(1)
            if dtype == "BF16":
                f.write(t.to(torch.bfloat16).view(torch.int16).numpy().tobytes())
            else:
                f.write(t.to(torch.float16).numpy().tobytes())
    os.replace(path + ".part", path)
    params = sum(int(tensors[n].numel()) for n in names)
    print(f"{path}: {len(names)} tensors, {params / 1e6:.1f} M parameters, "
          f"{os.path.getsize(path) / 1e9:.2f} GB, {time.time() - start:.0f} s", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="/work/big", help="folder to write into (created)")
    parser.add_argument("--t5", action="store_true", help="also write t5xxl_fp16.safetensors (9.5 GB)")
    parser.add_argument("--only", choices=["model", "clip", "t5"], help="write one group only")
    parser.add_argument("--family", choices=sorted(FAMILIES), default="sd3.5-medium", help="which MM-DiT (default sd3.5-medium)")
    parser.add_argument("--dtype", choices=["f16", "bf16"], default="f16", help="16-bit format of every tensor (default f16)")
    args = parser.parse_args()
    if os.path.abspath(args.out).startswith(os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))):
        sys.exit("--out is inside the repository: these files are gigabytes and must not be committed")
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)
    diffusers.utils.logging.set_verbosity_error()
    transformers.utils.logging.set_verbosity_error()
    versions = f"torch {torch.__version__}, diffusers {diffusers.__version__}, transformers {transformers.__version__}"
    meta = lambda what: {"format": "pt", "contents": what, "values": f"random N(0, {SCALE}^2), norms 1 + N(0, {SCALE}^2), seed {SEED}",
                         "writer": "Tests/Reference/make_random_sd3_files.py", "versions": versions}
    dtype = args.dtype.upper()
    if args.only in (None, "model"):
        file_name, config = FAMILIES[args.family]
        tensors = mmdit_shapes(config)
        tensors.update(vae_shapes())
        name = args.family.replace("sd", "SD")
        write(os.path.join(args.out, file_name), tensors,
              meta(f"{name} MM-DiT (model.diffusion_model.) + SD3 VAE (first_stage_model.), random"), dtype)
    if args.only in (None, "clip"):
        write(os.path.join(args.out, "clip_l.safetensors"), clip_shapes(CLIP_L), meta("CLIP-L/14 text encoder, random"), dtype)
        write(os.path.join(args.out, "clip_g.safetensors"), clip_shapes(CLIP_G), meta("OpenCLIP bigG/14 text encoder, random"), dtype)
    if args.t5 or args.only == "t5":
        write(os.path.join(args.out, "t5xxl_fp16.safetensors"), t5_shapes(), meta("T5-v1.1-XXL encoder, random"), dtype)


if __name__ == "__main__":
    main()
