#!/usr/bin/env python3
"""Time diffusers' AutoencoderKL.decode of SD3's VAE on the CPU, as FlowStudio's yardstick.

    venv/bin/python Tests/Reference/bench_vae_pytorch.py --latent 64 --threads 2 --runs 2
    venv/bin/python Tests/Reference/bench_vae_pytorch.py --latent 64 --threads 2 --compare

SD3's VAE config (16 latent channels, block_out_channels 128/256/512/512, 2 layers per
block, 32 groups, mid-block attention, no quant convs) with random weights (PyTorch's
initialisation), float32, eval mode, torch.no_grad(), batch 1, latent --latent x --latent
(64 -> a 512x512 picture; ~2.52 TFLOP). Prints each run's seconds and the best.

--compare then runs FlowStudio's decoder of the same shape and thread count in the same
process tree (the hand-run Swift benchmark `VAEBenchmark` in a release build: build it first
with `swift build -c release --build-tests -Xswiftc -enable-testing`), and prints both times and their ratio.
Run it niced on an otherwise idle machine; repeat if the numbers are noisy.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import torch

import diffusers
from diffusers import AutoencoderKL

SD3_VAE = dict(
    in_channels=3, out_channels=3, latent_channels=16,
    down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
    block_out_channels=(128, 256, 512, 512), layers_per_block=2, norm_num_groups=32, act_fn="silu",
    sample_size=1024, scaling_factor=1.5305, shift_factor=0.0609,
    use_quant_conv=False, use_post_quant_conv=False, mid_block_add_attention=True,
)


def decoder_flops(side):
    """2 x multiply-adds of the convs and the attention products (as VAEDecoder.decodeFLOPs)."""
    chans = [512, 512, 256, 128]
    macs, hw = 0, side * side
    macs += hw * 512 * 16 * 9
    macs += 4 * hw * 512 * 512 * 9 + 4 * hw * 512 * 512 + 2 * hw * hw * 512
    cin = 512
    for i, c in enumerate(chans):
        for j in range(3):
            a = cin if j == 0 else c
            macs += hw * c * a * 9 + hw * c * c * 9 + (hw * c * a if a != c else 0)
        cin = c
        if i < 3:
            hw *= 4
            macs += hw * c * c * 9
    macs += hw * 3 * 128 * 9
    return 2 * macs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--latent", type=int, default=64, help="latent side (picture side / 8)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--compare", action="store_true", help="also run FlowStudio's VAEBenchmark (release build)")
    args = ap.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    vae = AutoencoderKL(**SD3_VAE).eval()
    z = torch.randn(1, 16, args.latent, args.latent)
    flops = decoder_flops(args.latent)
    seconds = []
    with torch.no_grad():
        for _ in range(args.runs):
            start = time.perf_counter()
            out = vae.decode(z / 1.5305 + 0.0609).sample
            seconds.append(time.perf_counter() - start)
    assert out.shape == (1, 3, 8 * args.latent, 8 * args.latent)
    best = min(seconds)
    print(f"PyTorch {torch.__version__} / diffusers {diffusers.__version__}: AutoencoderKL.decode, latent "
          f"{args.latent}x{args.latent}, threads {args.threads}, float32: runs "
          f"{', '.join(f'{s:.2f}' for s in seconds)} s, best {best:.2f} s, {flops / best / 1e9:.1f} GFLOP/s "
          f"({flops / 1e12:.3f} TFLOP)", flush=True)
    if not args.compare:
        return
    del vae, out
    env = dict(os.environ, FLOWSTUDIO_VAE_BENCH="1", FLOWSTUDIO_VAE_BENCH_THREADS=str(args.threads),
               FLOWSTUDIO_VAE_BENCH_LATENT=str(args.latent), FLOWSTUDIO_VAE_BENCH_RUNS=str(args.runs))
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    run = subprocess.run(["swift", "test", "-c", "release", "-Xswiftc", "-enable-testing", "--skip-build", "--filter", "VAEBenchmark"],
                         cwd=root, env=env, capture_output=True, text=True)
    result = None
    for line in run.stdout.splitlines():
        if line.startswith("VAE bench:"):
            print("FlowStudio " + line[len("VAE bench: "):])
        if line.startswith("{\"vae_seconds_best\""):
            result = json.loads(line)
    if result is None:
        sys.exit(f"the Swift benchmark printed no result (exit {run.returncode}):\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
    ours = result["vae_seconds_best"]
    print(f"ratio PyTorch / FlowStudio = {best / ours:.2f} (above 1: FlowStudio is faster)")


if __name__ == "__main__":
    main()
