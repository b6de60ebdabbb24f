"""A plain NumPy (float64) MM-DiT forward written from the SD3 facts, not from diffusers.

It reads diffusers' state_dict keys and follows the order of operations of
diffusers 0.42.1 `SD3Transformer2DModel.forward` (models/transformers/transformer_sd3.py)
and `JointTransformerBlock.forward` (models/attention.py). make_fixtures.py
asserts that it reproduces diffusers' output on every fixture, so each fact
used here is checked, and it is a readable oracle for the Swift port.

Dimension letters: B batch, C latent channels, H/W latent height/width,
p patch, Hp/Wp = H/p, W/p, N image tokens (Hp*Wp), L text tokens, D hidden,
h heads, d head dim (D = h*d), M pos_embed_max_size.
"""

import math

import numpy as np


def linear(w, prefix, x):
    """x @ W^T + b with diffusers' [out, in] weight layout."""
    return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]


def silu(x):
    return x / (1.0 + np.exp(-x))


def gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def layer_norm(x, eps=1e-6):
    """LayerNorm over the last axis without affine parameters (biased variance)."""
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps)


def rms_norm(x, weight, eps=1e-6):
    """diffusers RMSNorm: x * rsqrt(mean(x^2) + eps) * weight, over the head dim."""
    return x / np.sqrt((x**2).mean(-1, keepdims=True) + eps) * weight


def timestep_sinusoid(t, dim=256, max_period=10000.0):
    """Timesteps(256, flip_sin_to_cos=True, downscale_freq_shift=0): [cos | sin].

    Frequencies exp(-ln(10000)*k/128), k < 128. diffusers (get_timestep_embedding)
    forms freqs and t*freqs in float32 even in a float64 model; with t near 1000
    that moves the sinusoid by ~3e-5 and the fixtures' outputs by ~5e-6, which
    is why this float64 version matches diffusers to ~6e-6 rather than ~1e-6.
    """
    half = dim // 2
    freqs = np.exp(-math.log(max_period) * np.arange(half) / half)  # [128]
    args = t[:, None] * freqs[None, :]  # [B, 128]
    return np.concatenate([np.cos(args), np.sin(args)], axis=-1)  # [B, 256]


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def heads(x, h):
    B, T, D = x.shape
    return x.reshape(B, T, h, D // h).transpose(0, 2, 1, 3)  # [B, h, T, d]


def merge_heads(x):
    B, h, T, d = x.shape
    return x.transpose(0, 2, 1, 3).reshape(B, T, h * d)  # [B, T, D]


def qkv(w, attn, names, x, h, norms):
    q, k, v = (heads(linear(w, f"{attn}.{n}", x), h) for n in names)
    nq, nk = norms
    if f"{attn}.{nq}.weight" in w:
        q = rms_norm(q, w[f"{attn}.{nq}.weight"])
        k = rms_norm(k, w[f"{attn}.{nk}.weight"])
    return q, k, v


def attention(q, k, v):
    d = q.shape[-1]
    return softmax(q @ k.transpose(0, 1, 3, 2) / math.sqrt(d)) @ v  # scale 1/sqrt(head_dim)


def forward(w, config, x, ctx, pooled, t):
    """x [B, C, H, W], ctx [B, L, Dctx], pooled [B, Dpool], t [B] (0..1000) -> [B, C, H, W]."""
    w = {k: np.asarray(v, dtype=np.float64) for k, v in w.items()}
    x, ctx, pooled, t = (np.asarray(a, dtype=np.float64) for a in (x, ctx, pooled, t))
    p = config["patch_size"]
    h = config["num_attention_heads"]
    n_layers = config["num_layers"]
    B, C, H, W = x.shape
    Hp, Wp = H // p, W // p

    # Patch embedding: the conv is a GEMM over patches flattened in (c, i, j) order.
    patches = x.reshape(B, C, Hp, p, Wp, p).transpose(0, 2, 4, 1, 3, 5).reshape(B, Hp * Wp, C * p * p)
    wconv = w["pos_embed.proj.weight"]  # [D, C, p, p]
    D = wconv.shape[0]
    img = patches @ wconv.reshape(D, -1).T + w["pos_embed.proj.bias"]  # [B, N, D]
    M = config["pos_embed_max_size"]
    top, left = (M - Hp) // 2, (M - Wp) // 2
    table = w["pos_embed.pos_embed"].reshape(M, M, D)
    img = img + table[top : top + Hp, left : left + Wp].reshape(1, Hp * Wp, D)

    # Conditioning vector.
    temb = linear(w, "time_text_embed.timestep_embedder.linear_2",
                  silu(linear(w, "time_text_embed.timestep_embedder.linear_1", timestep_sinusoid(t))))
    temb = temb + linear(w, "time_text_embed.text_embedder.linear_2",
                         silu(linear(w, "time_text_embed.text_embedder.linear_1", pooled)))  # [B, D]
    c = linear(w, "context_embedder", ctx)  # [B, L, D]
    mod_in = silu(temb)

    for i in range(n_layers):
        b = f"transformer_blocks.{i}"
        last = i == n_layers - 1
        dual = f"{b}.attn2.to_q.weight" in w
        m = linear(w, f"{b}.norm1.linear", mod_in)
        chunks = np.split(m, 9 if dual else 6, axis=1)
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = chunks[:6]
        ln_x = layer_norm(img)
        x_mod = ln_x * (1 + scale_msa[:, None]) + shift_msa[:, None]
        if last:  # AdaLayerNormContinuous: (scale, shift)
            c_scale, c_shift = np.split(linear(w, f"{b}.norm1_context.linear", mod_in), 2, axis=1)
        else:
            c_shift, c_scale, c_gate, c_shift_mlp, c_scale_mlp, c_gate_mlp = np.split(
                linear(w, f"{b}.norm1_context.linear", mod_in), 6, axis=1)
        c_mod = layer_norm(c) * (1 + c_scale[:, None]) + c_shift[:, None]

        qx, kx, vx = qkv(w, f"{b}.attn", ("to_q", "to_k", "to_v"), x_mod, h, ("norm_q", "norm_k"))
        qc, kc, vc = qkv(w, f"{b}.attn", ("add_q_proj", "add_k_proj", "add_v_proj"), c_mod, h,
                         ("norm_added_q", "norm_added_k"))
        o = merge_heads(attention(np.concatenate([qx, qc], 2), np.concatenate([kx, kc], 2),
                                  np.concatenate([vx, vc], 2)))  # image tokens first, then text
        N = img.shape[1]
        img = img + gate_msa[:, None] * linear(w, f"{b}.attn.to_out.0", o[:, :N])
        if dual:
            shift2, scale2, gate2 = chunks[6:]
            x_mod2 = ln_x * (1 + scale2[:, None]) + shift2[:, None]
            q2, k2, v2 = qkv(w, f"{b}.attn2", ("to_q", "to_k", "to_v"), x_mod2, h, ("norm_q", "norm_k"))
            img = img + gate2[:, None] * linear(w, f"{b}.attn2.to_out.0", merge_heads(attention(q2, k2, v2)))
        y = layer_norm(img) * (1 + scale_mlp[:, None]) + shift_mlp[:, None]
        img = img + gate_mlp[:, None] * linear(w, f"{b}.ff.net.2", gelu_tanh(linear(w, f"{b}.ff.net.0.proj", y)))
        if not last:
            c = c + c_gate[:, None] * linear(w, f"{b}.attn.to_add_out", o[:, N:])
            y = layer_norm(c) * (1 + c_scale_mlp[:, None]) + c_shift_mlp[:, None]
            c = c + c_gate_mlp[:, None] * linear(
                w, f"{b}.ff_context.net.2", gelu_tanh(linear(w, f"{b}.ff_context.net.0.proj", y)))

    scale, shift = np.split(linear(w, "norm_out.linear", mod_in), 2, axis=1)  # (scale, shift)
    img = layer_norm(img) * (1 + scale[:, None]) + shift[:, None]
    out = linear(w, "proj_out", img)  # [B, N, p*p*C], features in (i, j, c) order
    out = out.reshape(B, Hp, Wp, p, p, C).transpose(0, 5, 1, 3, 2, 4).reshape(B, C, H, W)
    return out
