#!/usr/bin/env python3
"""Generate the gradient and optimiser reference fixtures for FlowStudio's trainer.

Run from the repository root (~5 s):

    venv/bin/python Tests/Reference/make_grad_fixtures.py

It reuses `save` (deterministic safetensors writer) and `randomize` (re-draws
every parameter and the pos_embed buffer) from make_fixtures.py. The Swift
tests only read the committed files; nothing in the Swift build or CI runs
Python.

The model: a tiny pixel-space diffusers SD3Transformer2DModel, 2 joint blocks,
2 heads of 16 (hidden 32), qk RMSNorm, patch 4, 3 channels in and out, text
tokens of width 24 (6 of them), pooled vector of width 20, pos_embed_max_size 4,
so a 16x16 RGB image is 4x4 = 16 tokens and the whole table is used (no crop).
Batch 3. All 74 parameters are random (diffusers zero-initialises the AdaLN
linears and proj_out; `randomize` re-draws them). The weights are rounded to F16
and everything below is computed in float32 from exactly those values widened
to F32, in train mode (the model has no dropout, so train = eval here).

One rectified-flow training step (SD3 paper, Sec. 2-3):

    x_t      = (1 - t) * x0 + t * noise          t in (0, 1), per sample, broadcast over [3, 16, 16]
    target   = noise - x0
    out      = model(hidden_states=x_t, timestep=t * 1000,    # float32 product
                     encoder_hidden_states, pooled_projections)
    loss     = mean((out - target)^2)            over all B*3*16*16 elements (one scalar)

then loss.backward(). Files:

* grad_mmdit.weights.safetensors -- the weights, F16, diffusers state_dict keys
  (74 parameters plus the `pos_embed.pos_embed` buffer). Config JSON under the
  `config` metadata key.
* grad_mmdit.io.safetensors (F32) -- `x0`, `noise` [3,3,16,16], `t` [3],
  `encoder_hidden_states` [3,6,24], `pooled_projections` [3,20], `model_output`
  [3,3,16,16], `loss` [1], `grad.<name>` for every one of the 74 parameters
  (same shape as the parameter), and `grad.encoder_hidden_states`,
  `grad.pooled_projections` (the text encoder is trained jointly, so its
  gradient enters through these). No grad for `pos_embed.pos_embed`: it is a
  buffer (requires_grad False, recorded in the metadata as
  `pos_embed_requires_grad`). Metadata `zero_grad_params` lists the
  parameters whose gradient is exactly zero (see below).
* grad_mmdit_adamw.safetensors (F32) -- 3 optimiser steps on the same batch,
  starting from the weights above. Each step: zero the grads, forward, loss,
  backward, clip, AdamW step. `losses` [3] is the loss before each step (the
  one that step backpropagates), `loss_after` [1] the loss after the 3rd step,
  `grad_norms` [3] the global gradient norm before clipping (what
  clip_grad_norm_ returns), and `after.<name>` the parameter values after the
  3rd step for transformer_blocks.0.norm1.linear.weight,
  transformer_blocks.1.attn.norm_added_q.weight (its gradient is exactly zero:
  only weight decay moves it) and pos_embed.proj.weight.

Exact formulas of the optimiser step (PyTorch 2.x, single-tensor path; the
script re-implements them by hand and asserts the same result):

    clip_grad_norm_(params, max_norm=1.0):
        norm  = sqrt(sum over all params p, all elements i of g_p[i]^2)   # global L2, float32
        coef  = min(1, max_norm / (norm + 1e-6))
        g    <- g * coef                          for every parameter (also when coef == 1)
        returns norm (before clipping)

    AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01), step k = 1, 2, 3,
    per parameter p with (clipped) gradient g, state m = v = 0 at k = 0:
        p <- p * (1 - lr * wd)                    decoupled weight decay, FIRST
        m <- b1 * m + (1 - b1) * g                (torch: m.lerp_(g, 1 - b1))
        v <- b2 * v + (1 - b2) * g * g
        p <- p - (lr / (1 - b1^k)) * m / (sqrt(v) / sqrt(1 - b2^k) + eps)

    Every parameter is in the optimiser, including those whose gradient is
    exactly zero (their grad is a zero tensor, not None): they still decay, and
    their Adam update is 0 / (0 + eps) = 0. The pos_embed buffer is not a
    parameter and never changes.

Parameters with exactly zero gradient: in the last block (context_pre_only)
the context stream's attention output is computed and then discarded (there is
no to_add_out), so nothing depends on the context queries:
transformer_blocks.1.attn.add_q_proj.{weight,bias} and
transformer_blocks.1.attn.norm_added_q.weight. The context keys and values
(add_k_proj, add_v_proj, norm_added_k) and the last block's norm1_context
(AdaLayerNormContinuous, Linear(D -> 2D) chunked (scale, shift)) do get
gradients, through the image tokens' attention. norm_out.linear and proj_out
get gradients as usual. The script asserts this set.

Two more fixtures follow, each from its own seed (so the files above are unaffected):

* grad_mmditx.{weights,io}.safetensors -- the same step and file layout for a smaller model
  (hidden 16 = 2 heads of 8, text width 8, pooled 8, caption projection 16, batch 2) with
  dual_attention_layers=(0,): block 0 is SD3.5-medium's MMDiT-X block (attn2, an image-only
  self-attention with its own qk RMSNorm; norm1 SD35AdaLayerNormZeroX), block 1 the plain
  context_pre_only block (same three exactly-zero gradients). Float64 and finite-difference checked.
* grad_text.{weights,io}.safetensors -- a PyTorch re-implementation of FlowStudio's demo text
  encoder (Sources/TextEncoders/DemoTextTransformer.swift; see `text_forward`), TextEncoderConfig
  JSON under `config`, keys `text_encoder.*`, F16 weights; io: `tokens` (as floats), the two loss
  weights, `context`, `pooled`, `loss` = sum(context * context_weight) + sum(pooled * pooled_weight),
  and `grad.<name>` for every tensor. Float64 and finite-difference checked.

Checks done before writing: the float32 gradients against a float64 run of the
same model (relative error per tensor); one element of every parameter and of
each input against a float64 central finite difference; the hand-written
AdamW + clipping against torch's. The script is deterministic: running it
again rewrites byte-identical files with the same torch/diffusers versions.
"""

import copy
import json
import os
import sys

sys.dont_write_bytecode = True  # keep Tests/Reference free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

import diffusers  # noqa: E402
from diffusers import SD3Transformer2DModel  # noqa: E402
from diffusers.models.normalization import RMSNorm  # noqa: E402
import make_fixtures  # noqa: E402  (sets one thread, deterministic algorithms, quiet diffusers logging)
from make_fixtures import randomize, save  # noqa: E402

SEED = 20240306

CONFIG = dict(
    sample_size=16,
    patch_size=4,
    in_channels=3,
    out_channels=3,
    num_layers=2,
    attention_head_dim=16,
    num_attention_heads=2,
    joint_attention_dim=24,
    caption_projection_dim=32,
    pooled_projection_dim=20,
    pos_embed_max_size=4,
    qk_norm="rms_norm",
    dual_attention_layers=[],
)
BATCH, IMAGE, TOKENS = 3, 16, 6

# What the last (context_pre_only) block discards: the context queries.
EXPECTED_ZERO_GRAD = {
    "transformer_blocks.1.attn.add_q_proj.weight",
    "transformer_blocks.1.attn.add_q_proj.bias",
    "transformer_blocks.1.attn.norm_added_q.weight",
}

ADAMW = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
MAX_NORM = 1.0
STEPS = 3
TRACKED = (
    "transformer_blocks.0.norm1.linear.weight",
    "transformer_blocks.1.attn.norm_added_q.weight",
    "pos_embed.proj.weight",
)


def build(gen, config=None):
    config = CONFIG if config is None else config
    model = SD3Transformer2DModel(**dict(config, dual_attention_layers=tuple(config["dual_attention_layers"])))
    randomize(model, gen)
    sd16 = {k: v.to(torch.float16) for k, v in model.state_dict().items()}
    model.load_state_dict({k: v.to(torch.float32) for k, v in sd16.items()}, strict=True)
    model.train()
    return model, sd16


def rf_loss(model, batch):
    """The rectified-flow loss of one batch; returns (loss, model output)."""
    t = batch["t"]
    tb = t.view(-1, 1, 1, 1)
    x_t = (1 - tb) * batch["x0"] + tb * batch["noise"]
    target = batch["noise"] - batch["x0"]
    out = model(
        hidden_states=x_t,
        timestep=t * 1000,
        encoder_hidden_states=batch["encoder_hidden_states"],
        pooled_projections=batch["pooled_projections"],
        return_dict=False,
    )[0]
    return ((out - target) ** 2).mean(), out


def gradients(model, batch):
    """Loss, output, and the gradient of every parameter and of the two text inputs."""
    batch = dict(batch)
    for k in ("encoder_hidden_states", "pooled_projections"):
        batch[k] = batch[k].detach().clone().requires_grad_(True)
    model.zero_grad(set_to_none=True)
    loss, out = rf_loss(model, batch)
    loss.backward()
    grads = {}
    for name, p in model.named_parameters():
        assert p.grad is not None, f"{name} got no gradient at all (not even zeros)"
        grads[f"grad.{name}"] = p.grad.detach().clone()
    for k in ("encoder_hidden_states", "pooled_projections"):
        grads[f"grad.{k}"] = batch[k].grad.detach().clone()
    return loss.detach(), out.detach(), grads


def rms_norm_any_dtype(module, x):
    """diffusers' RMSNorm.forward without its float32 upcast of the variance (same math in float32)."""
    x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + module.eps)
    return x * module.weight


def float64_model(model):
    """A float64 copy. diffusers' RMSNorm (the qk-norm) always computes the variance in float32,
    which would leave float32 round-off in a float64 run, so its forward is replaced by the same
    formula in the input's dtype (checked equal to diffusers' in float32)."""
    m64 = copy.deepcopy(model).double()
    m64.train()
    for module in m64.modules():
        if isinstance(module, RMSNorm):
            x = torch.randn(4, module.weight.numel())
            ref = type(module).forward(copy.deepcopy(module).float(), x)
            assert torch.equal(rms_norm_any_dtype(copy.deepcopy(module).float(), x), ref)
            module.forward = lambda x, module=module: rms_norm_any_dtype(module, x)
    return m64


def check_against_float64(model, batch, loss, grads):
    """Largest per-tensor |f32 - f64| / max(1e-3, max|f64|) over all gradients."""
    m64 = float64_model(model)
    b64 = {k: v.double() for k, v in batch.items()}
    loss64, _, grads64 = gradients(m64, b64)
    worst, worst_key = 0.0, None
    for k, g in grads.items():
        ref = grads64[k]
        scale = max(1e-3, ref.abs().max().item())
        err = (g.double() - ref).abs().max().item() / scale
        if err > worst:
            worst, worst_key = err, k
    loss_err = abs(loss.item() - loss64.item()) / loss64.item()
    assert worst < 1e-4, f"float32 gradient {worst_key} differs from float64 by {worst:.2e} (relative to its max)"
    assert loss_err < 1e-5, loss_err
    return worst, worst_key, loss_err, m64, b64, grads64


def check_finite_differences(m64, b64, grads64, gen):
    """One random element of every parameter and of each text input against a float64 central difference."""
    h = 1e-4  # float64: truncation error ~h^2, round-off ~1e-16 / h

    def loss_at():
        with torch.no_grad():
            return rf_loss(m64, b64)[0].item()

    targets = [(f"grad.{n}", p) for n, p in m64.named_parameters()]
    targets += [(f"grad.{k}", b64[k]) for k in ("encoder_hidden_states", "pooled_projections")]
    worst, worst_key = 0.0, None
    for key, tensor in targets:
        flat = tensor.data.view(-1)
        i = int(torch.randint(flat.numel(), (1,), generator=gen))
        keep = flat[i].item()
        flat[i] = keep + h
        up = loss_at()
        flat[i] = keep - h
        down = loss_at()
        flat[i] = keep
        fd = (up - down) / (2 * h)
        auto = grads64[key].view(-1)[i].item()
        scale = max(1e-4, grads64[key].abs().max().item())
        err = abs(fd - auto) / scale
        if err > worst:
            worst, worst_key = err, key
        assert err < 1e-6, f"{key}[{i}]: finite difference {fd:.6e} vs autograd {auto:.6e}"
    return worst, worst_key, len(targets)


def hand_adamw_step(params, grads, state, k):
    """The documented clip + AdamW formulas, written out per element (float32 tensors)."""
    norm = torch.sqrt(sum((g.double() ** 2).sum() for g in grads.values())).float()
    coef = min(1.0, MAX_NORM / (norm.item() + 1e-6))
    lr, (b1, b2), eps, wd = ADAMW["lr"], ADAMW["betas"], ADAMW["eps"], ADAMW["weight_decay"]
    for name, p in params.items():
        g = grads[name] * coef
        m, v = state.setdefault(name, (torch.zeros_like(p), torch.zeros_like(p)))
        p = p * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - (lr / (1 - b1**k)) * m / (torch.sqrt(v) / (1 - b2**k) ** 0.5 + eps)
        params[name], state[name] = p, (m, v)
    return norm


def make_adamw(sd16, batch, float64=False):
    model = SD3Transformer2DModel(**dict(CONFIG, dual_attention_layers=())).train()
    model.load_state_dict({k: v.to(torch.float32) for k, v in sd16.items()}, strict=True)
    if float64:
        model = float64_model(model)
        batch = {k: v.double() for k, v in batch.items()}
    params = [p for p in model.parameters()]
    opt = torch.optim.AdamW(params, **ADAMW)
    hand = {n: p.detach().clone() for n, p in model.named_parameters()}
    hand_state = {}
    losses, norms = [], []
    for k in range(1, STEPS + 1):
        opt.zero_grad(set_to_none=True)
        loss, _ = rf_loss(model, batch)
        loss.backward()
        grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
        norm = torch.nn.utils.clip_grad_norm_(params, MAX_NORM)
        opt.step()
        hand_norm = hand_adamw_step(hand, grads, hand_state, k)
        assert abs(hand_norm.item() - norm.item()) <= 1e-6 * norm.item(), (hand_norm, norm)
        losses.append(loss.item())
        norms.append(norm.item())
        # The hand-written optimiser keeps its own parameters and state from the start and is only
        # given torch's (unclipped) gradients, so this also checks that the steps compose the same way.
        for n, p in model.named_parameters():
            diff = (hand[n] - p.detach()).abs().max().item()
            assert diff <= 1e-6, f"step {k}: hand-written AdamW differs from torch on {n} by {diff:.2e}"
    with torch.no_grad():
        loss_after = rf_loss(model, batch)[0].item()
    named = dict(model.named_parameters())
    frozen_before = sd16["transformer_blocks.1.attn.norm_added_q.weight"].to(named[TRACKED[1]].dtype)
    decay_only = frozen_before * (1 - ADAMW["lr"] * ADAMW["weight_decay"]) ** STEPS
    assert torch.allclose(named[TRACKED[1]].detach(), decay_only, rtol=1e-6, atol=0), "zero-grad param moved by more than decay"
    assert torch.equal(model.pos_embed.pos_embed, sd16["pos_embed.pos_embed"].to(model.pos_embed.pos_embed.dtype)), \
        "pos_embed buffer changed"
    tensors = {
        "losses": torch.tensor(losses, dtype=torch.float32),
        "loss_after": torch.tensor([loss_after], dtype=torch.float32),
        "grad_norms": torch.tensor(norms, dtype=torch.float32),
    }
    for n in TRACKED:
        tensors[f"after.{n}"] = named[n].detach().clone()
    return tensors, losses, loss_after, norms


# ---- MMDiT-X (SD3.5-medium's dual-attention block) ------------------------------------------
# Smaller than grad_mmdit (hidden 16 = 2 heads of 8, text width 8, pooled 8, batch 2) to keep the
# fixture small; block 0 is an MMDiT-X block (attn2: image-only self-attention with its own
# qk RMSNorm, norm1 = SD35AdaLayerNormZeroX with 9 chunks), block 1 the plain context_pre_only block.
X_SEED = 20240307
X_CONFIG = dict(CONFIG, num_layers=2, attention_head_dim=8, num_attention_heads=2, joint_attention_dim=8,
                caption_projection_dim=16, pooled_projection_dim=8, dual_attention_layers=[0])
X_BATCH = 2


def make_mmditx():
    gen = torch.Generator().manual_seed(X_SEED)
    model, sd16 = build(gen, X_CONFIG)
    assert "transformer_blocks.0.attn2.to_q.weight" in sd16 and "transformer_blocks.1.attn2.to_q.weight" not in sd16
    assert "transformer_blocks.0.attn2.norm_q.weight" in sd16
    B, C, S = X_BATCH, X_CONFIG["in_channels"], IMAGE
    batch = {
        "x0": torch.rand(B, C, S, S, generator=gen) * 2 - 1,
        "noise": torch.randn(B, C, S, S, generator=gen),
        "t": torch.sigmoid(torch.randn(B, generator=gen)),
        "encoder_hidden_states": torch.randn(B, TOKENS, X_CONFIG["joint_attention_dim"], generator=gen),
        "pooled_projections": torch.randn(B, X_CONFIG["pooled_projection_dim"], generator=gen),
    }
    loss, out, grads = gradients(model, batch)
    assert torch.isfinite(out).all() and all(torch.isfinite(g).all() for g in grads.values())
    zero = sorted(k[len("grad."):] for k, g in grads.items() if not g.any())
    assert set(zero) == EXPECTED_ZERO_GRAD, f"parameters with exactly zero gradient: {zero}"
    assert len(grads) == len(list(model.parameters())) + 2
    worst, worst_key, loss_err, m64, b64, grads64 = check_against_float64(model, batch, loss, grads)
    fd_worst, fd_key, fd_count = check_finite_differences(m64, b64, grads64, gen)
    config = json.dumps(X_CONFIG, sort_keys=True)
    meta = {
        "config": config,
        "torch_version": torch.__version__,
        "diffusers_version": diffusers.__version__,
        "loss": "x_t = (1-t)*x0 + t*noise; target = noise - x0; "
                "loss = mean((model(x_t, timestep=t*1000, encoder_hidden_states, pooled_projections) - target)^2)",
        "pos_embed_requires_grad": "false",
        "zero_grad_params": json.dumps(zero),
        "weights": "grad_mmditx.weights.safetensors",
    }
    save(sd16, "grad_mmditx.weights.safetensors", {"config": config, "format": "diffusers"})
    save(dict(batch, model_output=out, loss=loss.reshape(1), **grads), "grad_mmditx.io.safetensors", meta)
    print(f"\nmmditx: loss {loss.item():.6f}; {len(grads)} gradient tensors, exactly zero: {', '.join(zero)}")
    print(f"mmditx: worst float32-vs-float64 error {worst:.2e} ({worst_key}); loss {loss_err:.1e}")
    print(f"mmditx: finite differences, one element of each of {fd_count} tensors: worst {fd_worst:.1e} ({fd_key})")


# ---- The demo text encoder (Sources/TextEncoders/DemoTextTransformer.swift) ------------------------
# x = token_embedding[tokens] + position_embedding; per layer x += out(Attn(qkv(RMSNorm1(x))));
# x += down(gelu_tanh(up(RMSNorm2(x)))); x = RMSNorm_final(x). RMSNorm: x / sqrt(mean(x^2) + 1e-6) * w.
# Attention: no mask (bidirectional, padding attended too), scale 1/sqrt(head dim), qkv rows laid out
# [q | k | v], head h in columns h*d ..< (h+1)*d of each. context = x [B, L, E], pooled = x[:, 0] (the
# <cls> state). Loss = sum(context * ctx_weight) + sum(pooled * pooled_weight).
TEXT_SEED = 20240308
TEXT_CONFIG = dict(vocabularySize=20, length=6, width=16, layers=2, heads=2, mlpWidth=64)
TEXT_EPS = 1e-6
TEXT_TOKENS = [[0, 5, 9, 13, 1, 1], [0, 19, 1, 1, 1, 1], [0, 3, 3, 7, 11, 17]]  # 1 = padding, repeated


def text_shapes(c):
    e, f = c["width"], c["mlpWidth"]
    shapes = [("token_embedding.weight", [c["vocabularySize"], e]), ("position_embedding.weight", [c["length"], e])]
    for i in range(c["layers"]):
        p = f"layers.{i}."
        shapes += [(p + "norm1.weight", [e]), (p + "attn.qkv.weight", [3 * e, e]), (p + "attn.qkv.bias", [3 * e]),
                   (p + "attn.out.weight", [e, e]), (p + "attn.out.bias", [e]), (p + "norm2.weight", [e]),
                   (p + "mlp.up.weight", [f, e]), (p + "mlp.up.bias", [f]),
                   (p + "mlp.down.weight", [e, f]), (p + "mlp.down.bias", [e])]
    shapes.append(("final_norm.weight", [e]))
    return [("text_encoder." + k, s) for k, s in shapes]


def text_forward(w, tokens, c):
    def rms(x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + TEXT_EPS) * weight

    B, L, E, H = tokens.shape[0], c["length"], c["width"], c["heads"]
    d = E // H
    p = "text_encoder."
    x = w[p + "token_embedding.weight"][tokens] + w[p + "position_embedding.weight"][None]
    for i in range(c["layers"]):
        q = f"{p}layers.{i}."
        h = rms(x, w[q + "norm1.weight"])
        qkv = h @ w[q + "attn.qkv.weight"].T + w[q + "attn.qkv.bias"]
        qq, kk, vv = (t.reshape(B, L, H, d).transpose(1, 2) for t in qkv.split(E, dim=-1))
        probs = torch.softmax(qq @ kk.transpose(-1, -2) / d**0.5, dim=-1)
        att = (probs @ vv).transpose(1, 2).reshape(B, L, E)
        x = x + att @ w[q + "attn.out.weight"].T + w[q + "attn.out.bias"]
        h = rms(x, w[q + "norm2.weight"])
        up = torch.nn.functional.gelu(h @ w[q + "mlp.up.weight"].T + w[q + "mlp.up.bias"], approximate="tanh")
        x = x + up @ w[q + "mlp.down.weight"].T + w[q + "mlp.down.bias"]
    x = rms(x, w[p + "final_norm.weight"])
    return x, x[:, 0]


def text_grads(w16, io, c, dtype):
    w = {k: v.to(dtype).clone().requires_grad_(True) for k, v in w16.items()}
    ctx, pooled = text_forward(w, io["tokens"], c)
    loss = (ctx * io["context_weight"].to(dtype)).sum() + (pooled * io["pooled_weight"].to(dtype)).sum()
    loss.backward()
    return loss.detach(), ctx.detach(), pooled.detach(), {f"grad.{k}": v.grad.detach().clone() for k, v in w.items()}


def make_text():
    gen = torch.Generator().manual_seed(TEXT_SEED)
    c = TEXT_CONFIG
    w16 = {}
    for key, shape in text_shapes(c):
        if key.endswith("norm1.weight") or key.endswith("norm2.weight") or key.endswith("final_norm.weight"):
            v = 1 + 0.2 * torch.randn(shape, generator=gen)
        elif key.endswith(".bias"):
            v = 0.1 * torch.randn(shape, generator=gen)
        elif "embedding" in key:
            v = torch.randn(shape, generator=gen)
        else:
            v = torch.randn(shape, generator=gen) / shape[1] ** 0.5
        w16[key] = v.to(torch.float16)
    B, L, E = len(TEXT_TOKENS), c["length"], c["width"]
    io = {
        "tokens": torch.tensor(TEXT_TOKENS, dtype=torch.int64),
        "context_weight": torch.randn(B, L, E, generator=gen),
        "pooled_weight": torch.randn(B, E, generator=gen),
    }
    loss, ctx, pooled, grads = text_grads(w16, io, c, torch.float32)
    loss64, _, _, grads64 = text_grads(w16, io, c, torch.float64)
    worst, worst_key = 0.0, None
    for k, g in grads.items():
        ref = grads64[k]
        err = (g.double() - ref).abs().max().item() / max(1e-3, ref.abs().max().item())
        if err > worst:
            worst, worst_key = err, k
    loss_err = abs(loss.item() - loss64.item()) / abs(loss64.item())
    assert worst < 1e-4 and loss_err < 1e-5, (worst, worst_key, loss_err)
    # One random element of every tensor against a float64 central difference (own generator: the
    # draws do not affect the fixture).
    fd_gen = torch.Generator().manual_seed(TEXT_SEED + 1)
    w64 = {k: v.to(torch.float64) for k, v in w16.items()}
    fd_worst, fd_key, h = 0.0, None, 1e-4
    for key, tensor in w64.items():
        flat = tensor.view(-1)
        i = int(torch.randint(flat.numel(), (1,), generator=fd_gen))
        keep = flat[i].item()
        values = []
        for x in (keep + h, keep - h):
            flat[i] = x
            with torch.no_grad():
                ctx64, pooled64 = text_forward(w64, io["tokens"], c)
                values.append(((ctx64 * io["context_weight"].double()).sum()
                               + (pooled64 * io["pooled_weight"].double()).sum()).item())
        flat[i] = keep
        fd = (values[0] - values[1]) / (2 * h)
        ref = grads64[f"grad.{key}"]
        err = abs(fd - ref.view(-1)[i].item()) / max(1e-4, ref.abs().max().item())
        assert err < 1e-6, f"{key}[{i}]: finite difference {fd:.6e} vs autograd {ref.view(-1)[i].item():.6e}"
        if err > fd_worst:
            fd_worst, fd_key = err, key
    used = set(t for s in TEXT_TOKENS for t in s)
    tok_grad = grads["grad.text_encoder.token_embedding.weight"]
    assert all((tok_grad[i] != 0).any() == (i in used) for i in range(c["vocabularySize"]))
    config = json.dumps(c, sort_keys=True)
    meta = {
        "config": config,
        "torch_version": torch.__version__,
        "rms_norm_eps": str(TEXT_EPS),
        "loss": "context, pooled = encoder(tokens); loss = sum(context * context_weight) + sum(pooled * pooled_weight)",
        "weights": "grad_text.weights.safetensors",
    }
    save(w16, "grad_text.weights.safetensors", {"config": config})
    out = {"tokens": io["tokens"].to(torch.float32), "context_weight": io["context_weight"],
           "pooled_weight": io["pooled_weight"], "context": ctx, "pooled": pooled, "loss": loss.reshape(1)}
    save(dict(out, **grads), "grad_text.io.safetensors", meta)
    print(f"\ntext: loss {loss.item():.6f}; {len(grads)} gradient tensors; worst float32-vs-float64 error "
          f"{worst:.2e} ({worst_key}); loss {loss_err:.1e}")
    print(f"text: finite differences, one element of each of {len(w64)} tensors: worst {fd_worst:.1e} ({fd_key})")


def main():
    os.makedirs(make_fixtures.OUT, exist_ok=True)
    print(f"torch {torch.__version__}, diffusers {diffusers.__version__}, python {sys.version.split()[0]}")
    gen = torch.Generator().manual_seed(SEED)
    model, sd16 = build(gen)
    assert not model.pos_embed.pos_embed.requires_grad
    assert "pos_embed.pos_embed" not in dict(model.named_parameters())

    B, C, S = BATCH, CONFIG["in_channels"], IMAGE
    batch = {
        "x0": torch.rand(B, C, S, S, generator=gen) * 2 - 1,  # pixel data in [-1, 1]
        "noise": torch.randn(B, C, S, S, generator=gen),
        "t": torch.sigmoid(torch.randn(B, generator=gen)),  # logit-normal(0, 1), the paper's best
        "encoder_hidden_states": torch.randn(B, TOKENS, CONFIG["joint_attention_dim"], generator=gen),
        "pooled_projections": torch.randn(B, CONFIG["pooled_projection_dim"], generator=gen),
    }
    assert ((batch["t"] > 0) & (batch["t"] < 1)).all()

    loss, out, grads = gradients(model, batch)
    assert torch.isfinite(out).all() and all(torch.isfinite(g).all() for g in grads.values())
    zero = sorted(k[len("grad."):] for k, g in grads.items() if not g.any())
    assert set(zero) == EXPECTED_ZERO_GRAD, f"parameters with exactly zero gradient: {zero}"
    assert len(grads) == len(list(model.parameters())) + 2

    worst, worst_key, loss_err, m64, b64, grads64 = check_against_float64(model, batch, loss, grads)
    fd_worst, fd_key, fd_count = check_finite_differences(m64, b64, grads64, gen)

    meta = {
        "config": json.dumps(CONFIG, sort_keys=True),
        "torch_version": torch.__version__,
        "diffusers_version": diffusers.__version__,
        "loss": "x_t = (1-t)*x0 + t*noise; target = noise - x0; "
                "loss = mean((model(x_t, timestep=t*1000, encoder_hidden_states, pooled_projections) - target)^2)",
        "pos_embed_requires_grad": "false",
        "zero_grad_params": json.dumps(zero),
        "weights": "grad_mmdit.weights.safetensors",
    }
    save(sd16, "grad_mmdit.weights.safetensors", {"config": meta["config"], "format": "diffusers"})
    save(dict(batch, model_output=out, loss=loss.reshape(1), **grads), "grad_mmdit.io.safetensors", meta)

    adamw, losses, loss_after, norms = make_adamw(sd16, batch)
    assert abs(losses[0] - loss.item()) <= 1e-6 * loss.item()
    # How far the same 3 steps land in float64: Adam divides by sqrt(v) + eps, so a gradient
    # element near eps = 1e-8 turns its round-off into a visible change of the update.
    adamw64, losses64, _, _ = make_adamw(sd16, batch, float64=True)
    adam_err = {k: (adamw[k].double() - adamw64[k]).abs().max().item() for k in adamw}
    adam_meta = {
        "config": meta["config"],
        "torch_version": torch.__version__,
        "diffusers_version": diffusers.__version__,
        "weights": "grad_mmdit.weights.safetensors",
        "batch": "grad_mmdit.io.safetensors (x0, noise, t, encoder_hidden_states, pooled_projections), every step",
        "optimizer": json.dumps(dict(ADAMW, betas=list(ADAMW["betas"]))),
        "max_grad_norm": str(MAX_NORM),
        "steps": str(STEPS),
        "step": "zero_grad; loss.backward(); clip_grad_norm_(all params, 1.0); AdamW.step()",
    }
    save(adamw, "grad_mmdit_adamw.safetensors", adam_meta)

    gnorm = torch.sqrt(sum((g**2).sum() for k, g in grads.items() if k[5:] in dict(model.named_parameters())))
    print(f"loss {loss.item():.6f}; output max|.| {out.abs().max():.3f} std {out.std():.3f}; t = "
          + ", ".join(f"{v:.4f}" for v in batch["t"].tolist()))
    print(f"grad: {len(grads)} tensors, global param norm {gnorm:.4f}; exactly zero: {', '.join(zero)}")
    print(f"grad: worst float32-vs-float64 error {worst:.2e} (relative to the tensor's max, {worst_key}); "
          f"loss {loss_err:.1e}")
    print(f"grad: float64 autograd vs central finite differences, one element of each of {fd_count} tensors: "
          f"worst {fd_worst:.1e} (relative to the tensor's max, {fd_key})")
    print("adamw: losses " + ", ".join(f"{v:.6f}" for v in losses) + f" -> {loss_after:.6f}; grad norms before clip "
          + ", ".join(f"{v:.4f}" for v in norms))
    print("adamw: float32 vs float64 max|diff|: " + ", ".join(f"{k} {v:.1e}" for k, v in sorted(adam_err.items())))

    make_mmditx()
    make_text()

    total = 0
    print("\nwrote:")
    root = os.path.dirname(os.path.dirname(make_fixtures.HERE))
    for path, size in make_fixtures.written:
        total += size
        print(f"  {os.path.relpath(path, root)}  {size:,} bytes")
    print(f"  total {total:,} bytes")


if __name__ == "__main__":
    main()
