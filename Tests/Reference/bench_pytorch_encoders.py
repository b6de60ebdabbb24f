#!/usr/bin/env python3
"""Times SD3's three text encoders in PyTorch (transformers) with random weights at full size,
as FlowStudio's `bench generate` times its own, and prints the ratio against FlowStudio's numbers.

* CLIP-L/14 and OpenCLIP bigG/14: `CLIPTextModelWithProjection` with SD3's `text_encoder` /
  `text_encoder_2` configs, one 77-token encode with `output_hidden_states=True` (SD3's pipeline
  takes the penultimate hidden states and the projected pooled output);
* T5-v1.1-XXL: `T5EncoderModel` (d_model 4096, d_ff 10240, 24 layers, 64 heads of 64, gated GELU,
  vocabulary 32128), one 256-token encode (`max_sequence_length` 256), no attention mask (as SD3's
  pipeline calls it).

Float32, CPU, eager (transformers' default attention, printed), `torch.set_num_threads(--threads)`,
one warm-up then `--runs` timed runs, the median printed (and the min). The token ids are the ones
`flowstudio bench generate` feeds its encoders (so both engines do identical work). Each model is
built, timed and released before the next. Weights: N(0, 0.02²), norm weights 1; T5-XXL (4.76 B
parameters, 19 GB in float32) is built on the `meta` device and materialised once with
`to_empty`, then filled in place, so the peak stays at one copy (about 19.5 GB). T5 runs only when
`/proc/meminfo` MemAvailable is at least 21 GB (else it is skipped with the numbers); never run it
while another large process, such as FlowStudio's own T5 benchmark, is loaded.

    /work/venv/bin/python Tests/Reference/bench_pytorch_encoders.py [--threads 2] [--runs 3]
        [--no-t5] [--compare flowstudio-bench-generate.json] [--json]

`--compare FILE` reads the JSON object printed by `flowstudio bench generate --json` (the last line
of FILE that is a JSON object with `ms_step_median`) and prints FlowStudio's milliseconds for each
encoder (keys `ms CLIP-L encode (77 tokens)`, `ms CLIP-G encode (77 tokens)`,
`ms T5-XXL encode (256 tokens)`) next to PyTorch's, with pytorch / flowstudio (> 1: FlowStudio is
faster). Run both on an idle machine: PyTorch's OpenMP threads slow down severalfold when another
job shares the cores.
"""
import argparse
import gc
import json
import os
import statistics
import sys
import time

import torch
import transformers
from transformers import CLIPTextConfig, CLIPTextModelWithProjection, T5Config, T5EncoderModel

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_random_sd3_files import CLIP_G, CLIP_L, T5_XXL  # noqa: E402  (SD3's encoder configs)

SCALE = 0.02
T5_NEEDS_GB = 21.0
# The ids `flowstudio bench generate` encodes (Sources/flowstudio/Commands/BenchGenerate.swift).
CLIP_TOKENS = [49406] + [320 + i for i in range(20)] + [49407] + [49407] * 55
T5_TOKENS = [100 + i for i in range(40)] + [1] + [0] * 215
FLOWSTUDIO_KEYS = {"clip_l": "ms CLIP-L encode (77 tokens)", "clip_g": "ms CLIP-G encode (77 tokens)",
                   "t5xxl": "ms T5-XXL encode (256 tokens)"}


def fill_random(model, seed):
    """Every parameter N(0, SCALE²) in place, norm weights (1-D, named *norm*) 1."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.ndim == 1 and "norm" in name and name.endswith("weight"):
                p.fill_(1)
            else:
                p.normal_(0, SCALE, generator=g)


def mem_available_gb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 1024 ** 2
    return 0.0


def rss_gb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024 ** 2
    return 0.0


def time_runs(call, runs):
    with torch.inference_mode():
        call()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            call()
            times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def bench_clip(name, config, runs, seed):
    model = CLIPTextModelWithProjection(CLIPTextConfig(**config)).eval()
    fill_random(model, seed)
    ids = torch.tensor([CLIP_TOKENS])
    out = model(ids, output_hidden_states=True)
    assert torch.isfinite(out.hidden_states[-2]).all() and torch.isfinite(out.text_embeds).all(), name
    median, best = time_runs(lambda: model(ids, output_hidden_states=True), runs)
    params = sum(p.numel() for p in model.parameters())
    attn = model.config._attn_implementation
    del model, out
    gc.collect()
    return dict(name=name, params=params, tokens=77, median_s=median, min_s=best, attn=attn)


def bench_t5(runs, seed):
    with torch.device("meta"):
        model = T5EncoderModel(T5Config(**T5_XXL))
    model = model.to_empty(device="cpu").eval()
    model.tie_weights()  # encoder.embed_tokens is `shared`
    fill_random(model, seed)
    ids = torch.tensor([T5_TOKENS])
    with torch.inference_mode():
        out = model(ids).last_hidden_state
    assert torch.isfinite(out).all(), "t5xxl output is not finite"
    median, best = time_runs(lambda: model(ids), runs)
    params = sum(p.numel() for p in model.parameters())
    attn = model.config._attn_implementation
    del model, out
    gc.collect()
    return dict(name="t5xxl", params=params, tokens=256, median_s=median, min_s=best, attn=attn)


def flowstudio_numbers(path):
    with open(path) as f:
        lines = [line.strip() for line in f if line.strip().startswith("{")]
    for line in reversed(lines):
        obj = json.loads(line)
        if "ms_step_median" in obj:
            return obj
    sys.exit(f"{path} holds no `flowstudio bench generate --json` object (a JSON line with ms_step_median)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3, help="timed runs after one warm-up (median printed)")
    parser.add_argument("--no-t5", action="store_true", help="leave T5-XXL out")
    parser.add_argument("--compare", metavar="FILE.json", help="`flowstudio bench generate --json` output to compare with")
    parser.add_argument("--json", action="store_true", help="also print one JSON object with the results")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    transformers.logging.set_verbosity_error()
    fs = flowstudio_numbers(args.compare) if args.compare else None

    results = []
    for i, (name, config) in enumerate((("clip_l", CLIP_L), ("clip_g", CLIP_G))):
        results.append(bench_clip(name, config, args.runs, seed=i))
        r = results[-1]
        print(f"pytorch {name}: {r['params'] / 1e6:.0f} M params, 77 tokens: median {r['median_s']:.2f} s, "
              f"min {r['min_s']:.2f} s", flush=True)
    if not args.no_t5:
        available = mem_available_gb()
        if available < T5_NEEDS_GB:
            print(f"pytorch t5xxl: SKIPPED: {available:.1f} GB available, T5-XXL in float32 needs {T5_NEEDS_GB:.0f} GB "
                  f"(wait until other jobs have finished, or pass --no-t5)", flush=True)
        else:
            results.append(bench_t5(args.runs, seed=2))
            r = results[-1]
            print(f"pytorch t5xxl: {r['params'] / 1e6:.0f} M params, 256 tokens: median {r['median_s']:.2f} s, "
                  f"min {r['min_s']:.2f} s", flush=True)
    print(f"torch {torch.__version__}, transformers {transformers.__version__}, {args.threads} threads, float32, "
          f"attention {results[0]['attn']}, peak RSS {rss_gb():.1f} GB")

    if fs is not None:
        print(f"\nFlowStudio ({fs.get('precision', '?')}, {fs.get('threads', '?')} threads) vs PyTorch, seconds:")
        print(f"  {'encoder':8} {'flowstudio':>11} {'pytorch':>9} {'pytorch/flowstudio':>19}")
        for r in results:
            ms = fs.get(FLOWSTUDIO_KEYS[r["name"]])
            if ms is None:
                print(f"  {r['name']:8} {'(not run)':>11} {r['median_s']:9.2f}")
                continue
            r["flowstudio_s"] = ms / 1000
            print(f"  {r['name']:8} {ms / 1000:11.2f} {r['median_s']:9.2f} {r['median_s'] / (ms / 1000):19.2f}")
    if args.json:
        print(json.dumps({"threads": args.threads, "torch": torch.__version__,
                          "transformers": transformers.__version__, "encoders": results}, sort_keys=True))


if __name__ == "__main__":
    main()
