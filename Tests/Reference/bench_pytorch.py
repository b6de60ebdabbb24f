#!/usr/bin/env python3
"""Time one diffusers SD3Transformer2DModel forward on the CPU, as FlowStudio's yardstick.

    venv/bin/python Tests/Reference/bench_pytorch.py --depth 4 --latent 16 16 --context 16 \\
        --context-dim 256 --pooled-dim 256 --threads 2
    venv/bin/python Tests/Reference/bench_pytorch.py --depth 24 --latent 64 64 --context 333 --runs 2
    venv/bin/python Tests/Reference/bench_pytorch.py ... --compare .build/release/flowstudio
    venv/bin/python Tests/Reference/bench_pytorch.py --depth 24 --latent 64 64 --context 333 \
        --dtype bfloat16 --compare .build/release/flowstudio

The model has random weights, hidden 64*depth, depth heads of 64, patch 2,
16 latent channels, no qk-norm unless --qk-norm (the SD3-medium shape at depth
24), and pos_embed_max_size = max(192, what the latent needs). The forward runs
in --dtype (float32, or bfloat16: weights and activations `.to(torch.bfloat16)`,
as a bf16 checkpoint runs), eval mode, under torch.no_grad(), batch --batch.
Memory: about 4 bytes (2 in bfloat16) * 36 * (64*depth)^2 * depth, i.e. ~8.2 GB
at depth 24 in float32.

--compare PATH runs `PATH bench forward` with the same shape, batch and thread
count (and, for --dtype bfloat16, `--weights bfloat16 --precision auto`: bfloat16
weights, bfloat16 products where the CPU has AVX512_BF16, else float32 products
over the bfloat16 weights), expects one JSON object with `ms_median` on its
stdout, and prints the ratio pytorch_ms / flowstudio_ms (above 1 means
FlowStudio is faster) and both peak resident sets.
"""

import argparse
import gc
import json
import re
import resource
import statistics
import subprocess
import sys
import time

from flowstudio_json import run_json


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--depth", type=int, default=4, help="number of joint blocks; hidden = 64*depth, heads = depth")
    ap.add_argument("--latent", type=int, nargs=2, metavar=("H", "W"), default=(16, 16),
                    help="latent height and width in latent pixels (16 channels, patch 2)")
    ap.add_argument("--context", type=int, default=16, help="number of text tokens")
    ap.add_argument("--context-dim", type=int, default=4096, help="width of the text tokens")
    ap.add_argument("--pooled-dim", type=int, default=2048, help="width of the pooled text vector")
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--qk-norm", action="store_true", help="per-head RMSNorm on q and k (SD3.5)")
    ap.add_argument("--dtype", choices=("float32", "bfloat16"), default="float32",
                    help="weights and activations in this dtype (bfloat16: as PyTorch runs a bf16 checkpoint)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="print one JSON line instead of text")
    ap.add_argument("--compare", metavar="FLOWSTUDIO", help="path to the flowstudio binary to time the same shape")
    args = ap.parse_args()
    h, w = args.latent
    if h % 2 or w % 2:
        ap.error("--latent H W must both be even (patch size 2)")
    if min(args.depth, args.context, args.batch, args.threads, args.runs) < 1:
        ap.error("--depth, --context, --batch, --threads and --runs must be at least 1")
    return args


def blas_summary(torch):
    fields = dict(re.findall(r"([A-Z_]+)=([^,\s]*)", torch.__config__.show()))
    return (
        f"BLAS_INFO={fields.get('BLAS_INFO', '?')} USE_MKL={fields.get('USE_MKL', '?')} "
        f"USE_MKLDNN={fields.get('USE_MKLDNN', '?')} mkl.is_available={torch.backends.mkl.is_available()} "
        f"mkldnn.is_available={torch.backends.mkldnn.is_available()}"
    )


def run_flowstudio(path, args):
    cmd = [
        path, "bench", "forward",
        "--depth", str(args.depth),
        "--latent", str(args.latent[0]), str(args.latent[1]),
        "--context", str(args.context),
        "--context-dim", str(args.context_dim),
        "--pooled-dim", str(args.pooled_dim),
        "--batch", str(args.batch),
        "--threads", str(args.threads),
        "--json",
    ]
    if args.qk_norm:
        cmd.append("--qk-norm")
    if args.dtype == "bfloat16":
        cmd += ["--weights", "bfloat16", "--precision", "auto"]
    return run_json(cmd, "ms_median"), cmd


def main():
    args = parse_args()
    import torch
    from diffusers import SD3Transformer2DModel

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    H, W = args.latent
    needed = max(H, W) // 2
    D = 64 * args.depth
    config = dict(
        sample_size=max(H, W),
        patch_size=2,
        in_channels=16,
        out_channels=16,
        num_layers=args.depth,
        attention_head_dim=64,
        num_attention_heads=args.depth,
        joint_attention_dim=args.context_dim,
        caption_projection_dim=D,
        pooled_projection_dim=args.pooled_dim,
        pos_embed_max_size=max(192, needed),
        qk_norm="rms_norm" if args.qk_norm else None,
    )
    dtype = torch.bfloat16 if args.dtype == "bfloat16" else torch.float32
    model = SD3Transformer2DModel(**config).eval()
    with torch.no_grad():
        for p in model.parameters():  # diffusers zero-inits AdaLN and proj_out; make them all random
            p.normal_(0.0, 0.02)
    model = model.to(dtype)
    params = sum(p.numel() for p in model.parameters())
    weight_mb = sum(p.numel() * p.element_size() for p in model.parameters()) / 1e6

    B = args.batch
    x = torch.randn(B, 16, H, W).to(dtype)
    ctx = torch.randn(B, args.context, args.context_dim).to(dtype)
    pooled = torch.randn(B, args.pooled_dim).to(dtype)
    t = torch.full((B,), 500.0).to(dtype)

    times = []
    with torch.no_grad():
        for i in range(args.warmup + args.runs):
            start = time.perf_counter()
            out = model(hidden_states=x, encoder_hidden_states=ctx, pooled_projections=pooled, timestep=t,
                        return_dict=False)[0]
            elapsed = (time.perf_counter() - start) * 1000
            if i >= args.warmup:
                times.append(elapsed)
    assert out.shape == x.shape and torch.isfinite(out).all()
    ms = statistics.median(times)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kB on Linux
    result = {"ms_median": round(ms, 3), "threads": args.threads, "params": params, "depth": args.depth,
              "dtype": args.dtype, "batch": B, "weight_mb": round(weight_mb, 1), "peak_rss_mb": round(peak_mb, 1)}
    if args.compare:
        del model, out  # free ~8 GB at depth 24 before the other process builds its own copy
        gc.collect()
        fs, cmd = run_flowstudio(args.compare, args)
        result["flowstudio_ms_median"] = fs["ms_median"]
        result["ratio_pytorch_over_flowstudio"] = round(ms / fs["ms_median"], 4)
        for key in ("peak_rss_mb", "weight_mb", "precision", "weights"):
            if key in fs:
                result["flowstudio_" + key] = fs[key]

    if args.json:
        print(json.dumps(result))
        return
    print(f"torch {torch.__version__}; {blas_summary(torch)}")
    print(f"config: depth {args.depth}, hidden {D}, heads {args.depth}x64, latent {H}x{W}x16 "
          f"({(H // 2) * (W // 2)} image tokens), context {args.context}x{args.context_dim}, "
          f"pooled {args.pooled_dim}, batch {B}, params {params:,}, {args.dtype} "
          f"({weight_mb:.0f} MB of weights), qk-norm {args.qk_norm}")
    print(f"threads {torch.get_num_threads()}, warmup {args.warmup}, runs {args.runs}: "
          + ", ".join(f"{v:.1f}" for v in times) + " ms")
    print(f"pytorch median: {ms:.2f} ms, peak RSS {peak_mb:.0f} MB")
    if args.compare:
        print(f"flowstudio median: {fs['ms_median']:.2f} ms, peak RSS {fs.get('peak_rss_mb', 0):.0f} MB, "
              f"weights {fs.get('weight_mb', 0):.0f} MB  ({' '.join(cmd)})")
        print(f"ratio pytorch_ms / flowstudio_ms: {ms / fs['ms_median']:.3f}")


if __name__ == "__main__":
    main()
