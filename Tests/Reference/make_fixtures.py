#!/usr/bin/env python3
"""Generate the numeric reference fixtures for FlowStudio's MM-DiT port.

Run from the repository root:

    python3 -m venv venv && venv/bin/pip install torch diffusers transformers safetensors
    venv/bin/python Tests/Reference/make_fixtures.py

Everything is written to Tests/Reference/fixtures/. The Swift tests only read
these committed files; nothing in the Swift build or CI runs Python.

What it writes (see Tests/Reference/README.md for the tolerances):

* forward_{a,b,c}.weights.safetensors -- a tiny diffusers SD3Transformer2DModel
  with every parameter (and the pos_embed buffer) re-drawn at random, stored as
  F16 under diffusers' state_dict keys. diffusers zero-initialises the AdaLN
  linears and proj_out; we overwrite them so that every path matters.
* forward_{a,b,c}.io.safetensors -- F32 inputs (hidden_states, encoder_hidden_states,
  pooled_projections, timestep on the 0..1000 scale) and the output `sample`,
  computed in float32 on CPU with the weights rounded to F16 and cast back to
  F32 (exactly what a loader that widens F16 -> F32 sees). The model config
  is JSON under the `config` metadata key. Per-block intermediate outputs are
  not stored (fixtures/ is kept under ~2 MB): to locate a mismatch, step
  through `sd3_numpy.forward` on the same weights and inputs.
* forward_b.stability.safetensors -- the same weights as forward_b in the
  original Stability single-file layout (prefix `model.diffusion_model.`),
  written by `diffusers_to_original` below and checked against diffusers' own
  `convert_sd3_transformer_checkpoint_to_diffusers` (exact round trip).
* sample_b.io.safetensors -- an 8-step FlowMatchEulerDiscreteScheduler(shift=3)
  sampling run (latent 8x4) of the forward_b model through the real
  `StableDiffusion3Pipeline` (transformer + scheduler real, text encoders,
  tokenizers and VAE None; embeddings and initial latents passed in), with
  CFG 4.5 and without CFG (1.0). The loop is also re-implemented by hand here
  and asserted equal to the pipeline's result.
* schedule.safetensors -- sigmas (with the final 0) and timesteps of
  FlowMatchEulerDiscreteScheduler(shift=s).set_timesteps(N) for a few (N, s).

The script is deterministic: fixed seeds, one CPU thread, deterministic
algorithms; running it again rewrites byte-identical files (with the same
torch/diffusers versions).
"""

import json
import os
import sys

import numpy as np
import torch

import diffusers
from diffusers import FlowMatchEulerDiscreteScheduler, SD3Transformer2DModel, StableDiffusion3Pipeline
from diffusers.loaders.single_file_utils import convert_sd3_transformer_checkpoint_to_diffusers
from safetensors import safe_open

sys.dont_write_bytecode = True  # keep Tests/Reference free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sd3_numpy  # noqa: E402  (independent float64 forward, asserted equal below)
from safetensors.torch import load_file

SEED = 20240305
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")

torch.manual_seed(SEED)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
diffusers.utils.logging.set_verbosity_error()

written = []  # (path, bytes)


DTYPES = {torch.float32: "F32", torch.float16: "F16"}


def save(tensors, name, metadata=None):
    """Write a .safetensors file byte-for-byte deterministically.

    safetensors.torch.save_file orders `__metadata__` entries by a Rust HashMap,
    which changes from run to run; this writer sorts the metadata and tensor
    names and lays the data out in name order (8-byte aligned header, as the
    format requires). The result is read back with safetensors to check it.
    """
    path = os.path.join(OUT, name)
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: metadata[k] for k in sorted(metadata)}
    for key in sorted(tensors):
        t = tensors[key].detach().contiguous().cpu()
        data = t.numpy().tobytes()
        header[key] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(len(head).to_bytes(8, "little"))
        f.write(head)
        for data in blobs:
            f.write(data)
    back = load_file(path)
    assert set(back) == set(tensors) and all(torch.equal(back[k], tensors[k].cpu()) for k in tensors), path
    with safe_open(path, "pt") as f:
        assert (f.metadata() or {}) == (metadata or {}), path
    written.append((path, os.path.getsize(path)))
    return path


# --------------------------------------------------------------------------
# Model construction with random, non-zero weights
# --------------------------------------------------------------------------

ADALN_PREFIXES = ("norm1.linear", "norm1_context.linear", "norm_out.linear")


def randomize(model, gen):
    """Re-draw every parameter and the pos_embed buffer.

    Linear/conv weights: N(0, gain^2 / fan_in) so activations stay O(1); gain
    0.5 for the AdaLN linears (so scale/shift/gate are about +-0.3: every block
    contributes but none dominates), 1 elsewhere. Biases N(0, 0.05^2).
    RMSNorm weights (the only 1-D weights) U(0.8, 1.2). pos_embed N(0, 0.5^2).
    """
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".bias"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
            elif p.ndim == 1:
                assert "norm" in name, name
                p.copy_(0.8 + 0.4 * torch.rand(p.shape, generator=gen))
            else:
                fan_in = int(np.prod(p.shape[1:]))
                gain = 0.5 if any(s in name for s in ADALN_PREFIXES) else 1.0
                p.copy_(torch.randn(p.shape, generator=gen) * (gain / fan_in**0.5))
        pe = model.pos_embed.pos_embed
        pe.copy_(torch.randn(pe.shape, generator=gen) * 0.5)


def build(config, gen):
    model = SD3Transformer2DModel(**config)
    randomize(model, gen)
    # Round to F16 and back so the float32 reference uses exactly the stored weights.
    sd16 = {k: v.to(torch.float16) for k, v in model.state_dict().items()}
    model.load_state_dict({k: v.to(torch.float32) for k, v in sd16.items()}, strict=True)
    model.eval()
    return model, sd16


def forward(model, inputs):
    with torch.no_grad():
        return model(
            hidden_states=inputs["hidden_states"],
            encoder_hidden_states=inputs["encoder_hidden_states"],
            pooled_projections=inputs["pooled_projections"],
            timestep=inputs["timestep"],
            return_dict=False,
        )[0]


def check_sensitivity(model, inputs, ref, gen):
    """Every input must move the output: guards against a dead path."""
    rel = {}
    for key in ("hidden_states", "encoder_hidden_states", "pooled_projections", "timestep"):
        pert = dict(inputs)
        if key == "timestep":
            pert[key] = inputs[key] * 0.5
        else:
            pert[key] = torch.randn(inputs[key].shape, generator=gen)  # a fresh draw
        out = forward(model, pert)
        rel[key] = ((out - ref).norm() / ref.norm()).item()
    for key, r in rel.items():
        assert r > 0.01, f"output barely depends on {key}: relative change {r:.4f}"
    return rel


def float64_error(model, inputs, ref):
    m64 = SD3Transformer2DModel(**model.config_kwargs)
    m64.load_state_dict(model.state_dict())
    m64 = m64.double().eval()
    out64 = forward(m64, {k: v.double() for k, v in inputs.items()})
    return (ref.double() - out64).abs().max().item()


# --------------------------------------------------------------------------
# diffusers -> original Stability (single-file) key layout
# --------------------------------------------------------------------------


def swap_halves(t):
    a, b = t.chunk(2, dim=0)
    return torch.cat([b, a], dim=0)


def diffusers_to_original(sd, num_layers, prefix="model.diffusion_model."):
    """Inverse of diffusers' convert_sd3_transformer_checkpoint_to_diffusers.

    Fuses q/k/v into qkv (concatenated on dim 0) and swaps the (scale, shift)
    halves of norm_out and of the last block's norm1_context back to the
    original (shift, scale) order. Fails if any diffusers key is left over.
    """
    src = dict(sd)
    out = {}

    def take(k):
        return src.pop(k)

    def put(k, v):
        out[prefix + k] = v

    put("pos_embed", take("pos_embed.pos_embed"))
    for wb in ("weight", "bias"):
        put(f"x_embedder.proj.{wb}", take(f"pos_embed.proj.{wb}"))
        put(f"t_embedder.mlp.0.{wb}", take(f"time_text_embed.timestep_embedder.linear_1.{wb}"))
        put(f"t_embedder.mlp.2.{wb}", take(f"time_text_embed.timestep_embedder.linear_2.{wb}"))
        put(f"y_embedder.mlp.0.{wb}", take(f"time_text_embed.text_embedder.linear_1.{wb}"))
        put(f"y_embedder.mlp.2.{wb}", take(f"time_text_embed.text_embedder.linear_2.{wb}"))
        put(f"context_embedder.{wb}", take(f"context_embedder.{wb}"))
        put(f"final_layer.linear.{wb}", take(f"proj_out.{wb}"))
        put(f"final_layer.adaLN_modulation.1.{wb}", swap_halves(take(f"norm_out.linear.{wb}")))

    for i in range(num_layers):
        d, o = f"transformer_blocks.{i}.", f"joint_blocks.{i}."
        last = i == num_layers - 1
        for wb in ("weight", "bias"):
            put(f"{o}x_block.attn.qkv.{wb}", torch.cat([take(f"{d}attn.to_{n}.{wb}") for n in "qkv"], 0))
            put(
                f"{o}context_block.attn.qkv.{wb}",
                torch.cat([take(f"{d}attn.add_{n}_proj.{wb}") for n in "qkv"], 0),
            )
            put(f"{o}x_block.attn.proj.{wb}", take(f"{d}attn.to_out.0.{wb}"))
            put(f"{o}x_block.adaLN_modulation.1.{wb}", take(f"{d}norm1.linear.{wb}"))
            ctx_mod = take(f"{d}norm1_context.linear.{wb}")
            put(f"{o}context_block.adaLN_modulation.1.{wb}", swap_halves(ctx_mod) if last else ctx_mod)
            put(f"{o}x_block.mlp.fc1.{wb}", take(f"{d}ff.net.0.proj.{wb}"))
            put(f"{o}x_block.mlp.fc2.{wb}", take(f"{d}ff.net.2.{wb}"))
            if not last:
                put(f"{o}context_block.attn.proj.{wb}", take(f"{d}attn.to_add_out.{wb}"))
                put(f"{o}context_block.mlp.fc1.{wb}", take(f"{d}ff_context.net.0.proj.{wb}"))
                put(f"{o}context_block.mlp.fc2.{wb}", take(f"{d}ff_context.net.2.{wb}"))
            if f"{d}attn2.to_q.{wb}" in src:
                put(f"{o}x_block.attn2.qkv.{wb}", torch.cat([take(f"{d}attn2.to_{n}.{wb}") for n in "qkv"], 0))
                put(f"{o}x_block.attn2.proj.{wb}", take(f"{d}attn2.to_out.0.{wb}"))
        for dn, on in (
            ("attn.norm_q", "x_block.attn.ln_q"),
            ("attn.norm_k", "x_block.attn.ln_k"),
            ("attn.norm_added_q", "context_block.attn.ln_q"),
            ("attn.norm_added_k", "context_block.attn.ln_k"),
            ("attn2.norm_q", "x_block.attn2.ln_q"),
            ("attn2.norm_k", "x_block.attn2.ln_k"),
        ):
            if f"{d}{dn}.weight" in src:
                put(f"{o}{on}.weight", take(f"{d}{dn}.weight"))
    assert not src, f"diffusers keys not mapped to the original layout: {sorted(src)}"
    return out


def check_against_diffusers_converter(original, sd):
    ckpt = {k: v.clone() for k, v in original.items()}
    back = convert_sd3_transformer_checkpoint_to_diffusers(ckpt)
    assert not ckpt, f"diffusers' converter left original keys unused: {sorted(ckpt)}"
    assert set(back) == set(sd), (sorted(set(back) ^ set(sd)))
    for k in sd:
        assert back[k].dtype == sd[k].dtype and torch.equal(back[k], sd[k]), k


# --------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------

# Sizes are chosen to keep all of fixtures/ under ~2 MB. Case a must stay at
# hidden 64 (1 head of 64): without qk-norm weights the head count can only be
# read from the file as hidden / 64. Cases b and c have qk-norm, so they use
# hidden 32 (2 heads of 16; the head count comes from the norm weights), which
# makes their weights 4x smaller. Context and pooled widths differ from the
# hidden size so that a transposed weight cannot go unnoticed.
COMMON = dict(
    patch_size=2,
    in_channels=16,
    out_channels=16,
    sample_size=16,
)

CASES = {
    "forward_a": dict(
        config=dict(
            COMMON,
            num_layers=2,
            attention_head_dim=64,
            num_attention_heads=1,
            joint_attention_dim=24,
            caption_projection_dim=64,
            pooled_projection_dim=16,
            pos_embed_max_size=4,
            qk_norm=None,
            dual_attention_layers=[],
        ),
        batch=2,
        hw=(8, 8),
        tokens=7,
        timestep=[937.5, 123.0],
    ),
    "forward_b": dict(
        config=dict(
            COMMON,
            num_layers=3,
            attention_head_dim=16,
            num_attention_heads=2,
            joint_attention_dim=48,
            caption_projection_dim=32,
            pooled_projection_dim=24,
            pos_embed_max_size=10,
            qk_norm="rms_norm",
            dual_attention_layers=[],
        ),
        batch=2,
        hw=(12, 8),
        tokens=5,
        timestep=[412.75, 981.0],
    ),
    "forward_c": dict(
        config=dict(
            COMMON,
            num_layers=2,
            attention_head_dim=16,
            num_attention_heads=2,
            joint_attention_dim=48,
            caption_projection_dim=32,
            pooled_projection_dim=24,
            pos_embed_max_size=6,
            qk_norm="rms_norm",
            dual_attention_layers=[0],
        ),
        batch=1,
        hw=(8, 8),
        tokens=6,
        timestep=[612.25],
    ),
}


def make_forward_case(index, name, case):
    gen = torch.Generator().manual_seed(SEED + index)
    cfg = dict(case["config"])
    model_cfg = dict(cfg, dual_attention_layers=tuple(cfg["dual_attention_layers"]))
    model, sd16 = build(model_cfg, gen)
    model.config_kwargs = model_cfg
    B, (H, W), L = case["batch"], case["hw"], case["tokens"]
    inputs = {
        "hidden_states": torch.randn(B, 16, H, W, generator=gen),
        "encoder_hidden_states": torch.randn(B, L, cfg["joint_attention_dim"], generator=gen),
        "pooled_projections": torch.randn(B, cfg["pooled_projection_dim"], generator=gen),
        "timestep": torch.tensor(case["timestep"], dtype=torch.float32),
    }
    out = forward(model, inputs)
    assert out.shape == (B, 16, H, W) and torch.isfinite(out).all()
    sens = check_sensitivity(model, inputs, out, gen)
    err64 = float64_error(model, inputs, out)
    tol = 1e-4 * max(1.0, out.abs().max().item())
    assert err64 < 0.1 * tol, f"{name}: float32 vs float64 differ by {err64}, too close to the test tolerance {tol}"

    ref_np = sd3_numpy.forward(
        {k: v.float().numpy() for k, v in sd16.items()}, cfg,
        *(inputs[k].numpy() for k in ("hidden_states", "encoder_hidden_states", "pooled_projections", "timestep")),
    )
    err_np = np.abs(ref_np - out.double().numpy()).max()
    assert err_np < 0.1 * tol, f"{name}: sd3_numpy differs from diffusers by {err_np}"

    meta = {
        "config": json.dumps(cfg, sort_keys=True),
        "torch_version": torch.__version__,
        "diffusers_version": diffusers.__version__,
    }
    save(sd16, f"{name}.weights.safetensors", {"config": meta["config"], "format": "diffusers"})
    save(dict(inputs, sample=out), f"{name}.io.safetensors", meta)
    print(
        f"{name}: out max|.|={out.abs().max():.3f} std={out.std():.3f}; "
        f"|f32-f64|max={err64:.2e}, |sd3_numpy-diffusers|max={err_np:.2e} (tol {tol:.1e}); relative output change when perturbing "
        + ", ".join(f"{k}={v:.3f}" for k, v in sens.items())
    )

    # The original layout is checked for every case (a: no qk-norm, c: attn2), written for b only.
    original = diffusers_to_original(sd16, cfg["num_layers"])
    check_against_diffusers_converter(original, sd16)
    print(f"{name}: original layout round-trips exactly through diffusers' converter")
    if name == "forward_b":
        save(original, f"{name}.stability.safetensors", {"config": meta["config"], "format": "sd3-original"})
    return model


# --------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------

STEPS, CFG, SHIFT = 8, 4.5, 3.0
SAMPLE_HW = (8, 4)  # latent height, width: non-square, 4x2 patches of forward_b's 10x10 table


def manual_loop(model, latents, cond, pooled, neg, neg_pooled, guidance):
    """StableDiffusion3Pipeline.__call__'s denoising loop, line by line."""
    sched = FlowMatchEulerDiscreteScheduler(shift=SHIFT)
    sched.set_timesteps(STEPS)
    do_cfg = guidance > 1
    if do_cfg:
        cond = torch.cat([neg, cond])
        pooled = torch.cat([neg_pooled, pooled])
    x = latents.clone()
    for i, t in enumerate(sched.timesteps):
        inp = torch.cat([x] * 2) if do_cfg else x
        with torch.no_grad():
            v = model(
                hidden_states=inp,
                timestep=t.expand(inp.shape[0]),
                encoder_hidden_states=cond,
                pooled_projections=pooled,
                return_dict=False,
            )[0]
        if do_cfg:
            v_u, v_c = v.chunk(2)
            v = v_u + guidance * (v_c - v_u)
        x = x + (sched.sigmas[i + 1] - sched.sigmas[i]) * v
    return x


def make_sampling(model):
    gen = torch.Generator().manual_seed(SEED + 100)
    cfg = CASES["forward_b"]["config"]
    ctx, pool = cfg["joint_attention_dim"], cfg["pooled_projection_dim"]
    latents = torch.randn(1, 16, *SAMPLE_HW, generator=gen)
    cond = torch.randn(1, 5, ctx, generator=gen)
    pooled = torch.randn(1, pool, generator=gen)
    neg = torch.randn(1, 5, ctx, generator=gen)
    neg_pooled = torch.randn(1, pool, generator=gen)

    scheduler = FlowMatchEulerDiscreteScheduler(shift=SHIFT)
    pipe = StableDiffusion3Pipeline(
        transformer=model,
        scheduler=scheduler,
        vae=None,
        text_encoder=None,
        tokenizer=None,
        text_encoder_2=None,
        tokenizer_2=None,
        text_encoder_3=None,
        tokenizer_3=None,
    )
    pipe.set_progress_bar_config(disable=True)
    assert pipe.vae_scale_factor == 8
    height, width = (n * pipe.vae_scale_factor for n in SAMPLE_HW)

    results, trajectories = {}, {}
    for tag, g in (("cfg", CFG), ("nocfg", 1.0)):
        steps_seen = []

        def on_step(p, i, t, kw):
            steps_seen.append(kw["latents"].clone())
            return {}

        kwargs = dict(
            prompt_embeds=cond,
            pooled_prompt_embeds=pooled,
            latents=latents.clone(),
            height=height,
            width=width,
            num_inference_steps=STEPS,
            guidance_scale=g,
            output_type="latent",
            return_dict=False,
            callback_on_step_end=on_step,
        )
        if g > 1:
            kwargs.update(negative_prompt_embeds=neg, negative_pooled_prompt_embeds=neg_pooled)
        with torch.no_grad():
            out = pipe(**kwargs)[0]
        manual = manual_loop(model, latents, cond, pooled, neg, neg_pooled, g)
        diff = (out - manual).abs().max().item()
        assert diff <= 1e-6, f"hand-written loop differs from the pipeline by {diff}"
        assert len(steps_seen) == STEPS and torch.equal(steps_seen[-1], out)
        results[tag] = out
        trajectories[tag] = torch.stack(steps_seen)  # [steps, 1, 16, 8, 4]
        print(f"sample_b {tag}: max|latents|={out.abs().max():.3f}, pipeline vs hand loop max|Δ|={diff:.1e}")

    sigmas = pipe.scheduler.sigmas.clone()
    timesteps = pipe.scheduler.timesteps.clone()
    assert sigmas.shape == (STEPS + 1,) and sigmas[-1] == 0
    meta = {
        "steps": str(STEPS),
        "guidance_scale": str(CFG),
        "shift": str(SHIFT),
        "weights": "forward_b.weights.safetensors",
        "config": json.dumps(CASES["forward_b"]["config"], sort_keys=True),
        "torch_version": torch.__version__,
        "diffusers_version": diffusers.__version__,
    }
    save(
        {
            "latents": latents,
            "encoder_hidden_states": cond,
            "pooled_projections": pooled,
            "negative_encoder_hidden_states": neg,
            "negative_pooled_projections": neg_pooled,
            "latents_cfg": results["cfg"],
            "latents_nocfg": results["nocfg"],
            "trajectory_cfg": trajectories["cfg"],
            "trajectory_nocfg": trajectories["nocfg"],
            "sigmas": sigmas,
            "timesteps": timesteps,
        },
        "sample_b.io.safetensors",
        meta,
    )


# --------------------------------------------------------------------------
# Schedules
# --------------------------------------------------------------------------

SCHEDULES = [(28, 3.0), (1, 3.0), (2, 3.0), (4, 1.0), (10, 3.0), (50, 6.0), (20, 1.5)]


def make_schedules():
    tensors = {}
    for n, s in SCHEDULES:
        sched = FlowMatchEulerDiscreteScheduler(shift=s)
        sched.set_timesteps(n)
        assert sched.sigmas.shape == (n + 1,) and sched.sigmas[-1] == 0
        tensors[f"sigmas_{n}_{s}"] = sched.sigmas.to(torch.float32).clone()
        tensors[f"timesteps_{n}_{s}"] = sched.timesteps.to(torch.float32).clone()
    s28 = tensors["sigmas_28_3.0"]
    expect_head, expect_tail = [1.0, 0.987381, 0.974108], [0.008929, 0.0]
    assert np.allclose(s28[:3].numpy(), expect_head, atol=5e-7), s28[:3]
    assert np.allclose(s28[-2:].numpy(), expect_tail, atol=5e-7), s28[-2:]
    meta = {
        "pairs": json.dumps([[n, s] for n, s in SCHEDULES]),
        "scheduler": "FlowMatchEulerDiscreteScheduler(num_train_timesteps=1000, shift=s).set_timesteps(N)",
        "diffusers_version": diffusers.__version__,
    }
    save(tensors, "schedule.safetensors", meta)
    print("schedule: sigmas_28_3.0 = " + ", ".join(f"{v:.6f}" for v in s28[:3].tolist()) + ", ..., "
          + ", ".join(f"{v:.6f}" for v in s28[-3:].tolist()))


def main():
    os.makedirs(OUT, exist_ok=True)
    print(f"torch {torch.__version__}, diffusers {diffusers.__version__}, python {sys.version.split()[0]}")
    models = {}
    for index, (name, case) in enumerate(CASES.items()):
        models[name] = make_forward_case(index, name, case)
    make_sampling(models["forward_b"])
    make_schedules()

    total = 0
    print("\nwrote:")
    for path, size in written:
        total += size
        print(f"  {os.path.relpath(path, os.path.dirname(os.path.dirname(HERE)))}  {size:,} bytes")
    print(f"  total {total:,} bytes")


if __name__ == "__main__":
    main()
