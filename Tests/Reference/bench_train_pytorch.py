#!/usr/bin/env python3
"""Time PyTorch CPU training steps of the bundled model's configuration, as FlowStudio's yardstick.

    venv/bin/python Tests/Reference/bench_train_pytorch.py                 # fp32, defaults below
    venv/bin/python Tests/Reference/bench_train_pytorch.py --bf16
    venv/bin/python Tests/Reference/bench_train_pytorch.py --compare .build/release/flowstudio

What one step is (what a real training loop does, minus rendering the data):

* text encoder, trained jointly (the same keys and shapes as FlowStudio's
  TextEncoderConfig, prefix dropped): token_embedding Embedding(40, 256) +
  position_embedding [24, 256]; --text-layers pre-norm layers
  x += out(attn(qkv(RMSNorm(x)))) (4 heads of 64, no mask, biases on the
  linears) and x += down(GELU-tanh(up(RMSNorm(x)))) (MLP 1024); a final
  RMSNorm (torch.nn.RMSNorm, eps 1e-6, learned weight). context = all 24
  token states [B, 24, 256], pooled = token 0's state [B, 256].
* MM-DiT: diffusers SD3Transformer2DModel, --depth blocks (hidden 64*depth,
  depth heads of 64, MLP 4x), patch --patch, 3 channels in and out (pixel
  space), --image x --image RGB, joint_attention_dim 256, pooled_projection_dim
  256, pos_embed_max_size image/patch (no crop), qk-norm per --qk-norm
  (default none, as the bundled model). All parameters drawn from N(0, 0.02^2).
* draw noise ~ N(0, 1) and t ~ logit-normal(0, 1) = sigmoid(randn(B));
  x_t = (1-t)*x0 + t*noise; loss = mean((MMDiT(x_t, t*1000, text) - (noise - x0))^2).
  x0 (uniform in [-1, 1]) and the token ids (uniform over the 40) are drawn once:
  content does not change the speed.
* zero_grad, backward through both networks, clip_grad_norm_(all, 1.0),
  AdamW(lr 3e-4, betas (0.9, 0.999), eps 1e-8, weight_decay 0.01) over all
  parameters of both networks, then an EMA of all parameters
  (ema <- 0.999*ema + 0.001*p, torch._foreach_lerp_).

--bf16 wraps the text encoder, the MM-DiT forward and the loss in
torch.autocast("cpu", dtype=torch.bfloat16) (weights, optimiser and EMA stay
float32, as in mixed-precision training).

Timing: --warmup steps untimed, then --steps timed steps one by one.
samples_per_s = batch * steps / (total timed seconds); ms_per_step is the
mean, ms_per_step_median the median, ms_per_step_min the fastest step (on a
shared machine the fastest steps are the ones nobody else slowed down).

--compare PATH runs `PATH bench train --depth D --patch P --image S --batch B
--threads T --json` (plus `--precision bfloat16`, FlowStudio's mixed precision,
with --bf16), expects one JSON object with `samples_per_s` on its
stdout, and prints both throughputs and the ratio flowstudio / pytorch
(above 1 means FlowStudio trains faster).
"""

import argparse
import json
import re
import statistics
import subprocess

import sys
import time

from flowstudio_json import run_json

VOCAB, TEXT_LEN, TEXT_WIDTH, TEXT_HEADS, TEXT_MLP = 40, 24, 256, 4, 1024
LR, WEIGHT_DECAY, BETAS, EPS, MAX_NORM, EMA_DECAY = 3e-4, 0.01, (0.9, 0.999), 1e-8, 1.0, 0.999


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--depth", type=int, default=4, help="joint blocks; hidden = 64*depth, heads = depth")
    ap.add_argument("--patch", type=int, default=8, help="patch size in pixels")
    ap.add_argument("--image", type=int, default=64, help="image side in pixels (RGB, pixel space)")
    ap.add_argument("--text-layers", type=int, default=2, help="layers of the jointly trained text encoder")
    ap.add_argument("--qk-norm", choices=("rms_norm", "none"), default="none", help="MM-DiT per-head q/k norm (the bundled model has none)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20, help="timed steps")
    ap.add_argument("--bf16", action="store_true", help="autocast the forward and loss to bfloat16")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON line instead of text")
    ap.add_argument("--compare", metavar="FLOWSTUDIO", help="path to the flowstudio binary to time the same setup")
    args = ap.parse_args()
    if min(args.depth, args.patch, args.image, args.batch, args.threads, args.steps) < 1 or args.warmup < 0:
        ap.error("--depth, --patch, --image, --batch, --threads and --steps must be at least 1, --warmup at least 0")
    if args.image % args.patch:
        ap.error(f"--image {args.image} is not a multiple of --patch {args.patch}")
    if args.text_layers < 0:
        ap.error("--text-layers must be at least 0")
    return args


def build_text_encoder(torch, layers):
    nn = torch.nn
    F = torch.nn.functional

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.RMSNorm(TEXT_WIDTH, eps=1e-6)
            self.attn = nn.ModuleDict(dict(qkv=nn.Linear(TEXT_WIDTH, 3 * TEXT_WIDTH), out=nn.Linear(TEXT_WIDTH, TEXT_WIDTH)))
            self.norm2 = nn.RMSNorm(TEXT_WIDTH, eps=1e-6)
            self.mlp = nn.ModuleDict(dict(up=nn.Linear(TEXT_WIDTH, TEXT_MLP), down=nn.Linear(TEXT_MLP, TEXT_WIDTH)))

        def forward(self, x):  # [B, L, E]
            B, L, E = x.shape
            qkv = self.attn["qkv"](self.norm1(x))  # [B, L, 3E]
            q, k, v = qkv.view(B, L, 3, TEXT_HEADS, E // TEXT_HEADS).permute(2, 0, 3, 1, 4)  # 3 x [B, H, L, E/H]
            a = F.scaled_dot_product_attention(q, k, v)  # [B, H, L, E/H]
            x = x + self.attn["out"](a.transpose(1, 2).reshape(B, L, E))
            return x + self.mlp["down"](F.gelu(self.mlp["up"](self.norm2(x)), approximate="tanh"))

    class TextEncoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.token_embedding = nn.Embedding(VOCAB, TEXT_WIDTH)
            self.position_embedding = nn.Embedding(TEXT_LEN, TEXT_WIDTH)
            self.layers = nn.ModuleList(Layer() for _ in range(layers))
            self.final_norm = nn.RMSNorm(TEXT_WIDTH, eps=1e-6)

        def forward(self, tokens):  # [B, L] int64
            x = self.token_embedding(tokens) + self.position_embedding.weight  # [B, L, E]
            for layer in self.layers:
                x = layer(x)
            context = self.final_norm(x)  # [B, L, E]
            return context, context[:, 0]  # pooled: [B, E]

    return TextEncoder()


def blas_summary(torch):
    fields = dict(re.findall(r"([A-Z_]+)=([^,\s]*)", torch.__config__.show()))
    return (f"BLAS_INFO={fields.get('BLAS_INFO', '?')} USE_MKLDNN={fields.get('USE_MKLDNN', '?')} "
            f"cpu_capability={torch.backends.cpu.get_cpu_capability()}")


def run_flowstudio(path, args):
    cmd = [
        path, "bench", "train",
        "--depth", str(args.depth),
        "--patch", str(args.patch),
        "--image", str(args.image),
        "--batch", str(args.batch),
        "--threads", str(args.threads),
        "--json",
    ] + (["--precision", "bfloat16"] if args.bf16 else [])
    return run_json(cmd, "samples_per_s"), cmd


def main():
    args = parse_args()
    import torch
    from diffusers import SD3Transformer2DModel

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    D = 64 * args.depth
    tokens_side = args.image // args.patch
    mmdit = SD3Transformer2DModel(
        sample_size=args.image,
        patch_size=args.patch,
        in_channels=3,
        out_channels=3,
        num_layers=args.depth,
        attention_head_dim=64,
        num_attention_heads=args.depth,
        joint_attention_dim=TEXT_WIDTH,
        caption_projection_dim=D,
        pooled_projection_dim=TEXT_WIDTH,
        pos_embed_max_size=tokens_side,
        qk_norm=None if args.qk_norm == "none" else args.qk_norm,
    ).train()
    text = build_text_encoder(torch, args.text_layers).train()
    params = list(mmdit.parameters()) + list(text.parameters())
    with torch.no_grad():
        for p in params:  # diffusers zero-inits AdaLN and proj_out; make every path carry signal
            p.normal_(0.0, 0.02)
    n_mmdit = sum(p.numel() for p in mmdit.parameters())
    n_text = sum(p.numel() for p in text.parameters())
    opt = torch.optim.AdamW(params, lr=LR, betas=BETAS, eps=EPS, weight_decay=WEIGHT_DECAY)
    ema = [p.detach().clone() for p in params]

    B, S = args.batch, args.image
    x0 = torch.rand(B, 3, S, S) * 2 - 1
    tokens = torch.randint(0, VOCAB, (B, TEXT_LEN))

    def step():
        noise = torch.randn(B, 3, S, S)
        t = torch.sigmoid(torch.randn(B))  # logit-normal(0, 1)
        tb = t.view(B, 1, 1, 1)
        x_t = (1 - tb) * x0 + tb * noise
        target = noise - x0
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
            context, pooled = text(tokens)  # [B, 24, 256], [B, 256]
            out = mmdit(hidden_states=x_t, timestep=t * 1000, encoder_hidden_states=context,
                        pooled_projections=pooled, return_dict=False)[0]
            loss = torch.nn.functional.mse_loss(out.float(), target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, MAX_NORM)
        opt.step()
        with torch.no_grad():
            torch._foreach_lerp_(ema, [p.detach() for p in params], 1 - EMA_DECAY)
        return loss.item(), norm.item()

    times, losses = [], []
    for i in range(args.warmup + args.steps):
        start = time.perf_counter()
        loss, norm = step()
        elapsed = time.perf_counter() - start
        if not (loss == loss and norm == norm):
            sys.exit(f"step {i}: loss {loss} / grad norm {norm} is not finite")
        losses.append(loss)
        if i >= args.warmup:
            times.append(elapsed)
    total = sum(times)
    samples_per_s = B * len(times) / total
    dtype = "bf16-autocast" if args.bf16 else "fp32"

    result = {
        "samples_per_s": round(samples_per_s, 3),
        "ms_per_step": round(1000 * total / len(times), 2),
        "ms_per_step_median": round(1000 * statistics.median(times), 2),
        "ms_per_step_min": round(1000 * min(times), 2),
        "batch": B,
        "threads": args.threads,
        "params": n_mmdit + n_text,
        "params_mmdit": n_mmdit,
        "params_text": n_text,
        "dtype": dtype,
        "depth": args.depth,
        "patch": args.patch,
        "image": S,
        "text_layers": args.text_layers,
        "qk_norm": args.qk_norm,
        "steps": args.steps,
    }
    if args.compare:
        fs, cmd = run_flowstudio(args.compare, args)
        result["flowstudio_samples_per_s"] = fs["samples_per_s"]
        result["ratio_flowstudio_over_pytorch"] = round(fs["samples_per_s"] / samples_per_s, 4)

    if args.json:
        print(json.dumps(result))
        return
    print(f"torch {torch.__version__}; {blas_summary(torch)}")
    print(f"config: MM-DiT depth {args.depth}, hidden {D}, heads {args.depth}x64, qk-norm {args.qk_norm}, "
          f"patch {args.patch}, image {S}x{S}x3 ({tokens_side ** 2} image tokens), context {TEXT_LEN}x{TEXT_WIDTH}; "
          f"text encoder {args.text_layers} layers x {TEXT_WIDTH}; params {n_mmdit:,} + {n_text:,} = {n_mmdit + n_text:,}")
    print(f"step: {dtype} forward+loss, backward, clip {MAX_NORM}, AdamW lr {LR} wd {WEIGHT_DECAY}, EMA {EMA_DECAY}; "
          f"batch {B}, threads {torch.get_num_threads()}, warmup {args.warmup}, timed {args.steps}")
    print("step ms: " + ", ".join(f"{1000 * v:.0f}" for v in times))
    print(f"loss: {losses[0]:.4f} (first) -> {losses[-1]:.4f} (last)")
    print(f"pytorch: {samples_per_s:.2f} samples/s, {1000 * total / len(times):.1f} ms/step "
          f"(median {1000 * statistics.median(times):.1f}, fastest {1000 * min(times):.1f} = "
          f"{B / min(times):.2f} samples/s)")
    if args.compare:
        print(f"flowstudio: {fs['samples_per_s']:.2f} samples/s  ({' '.join(cmd)})")
        print(f"ratio flowstudio / pytorch (samples/s): {fs['samples_per_s'] / samples_per_s:.3f}")


if __name__ == "__main__":
    main()
