#!/usr/bin/env python3
"""Times transformers' CLIPTextModelWithProjection at SD3's CLIP-L and bigG shapes with random
weights: one 77-token encode with `output_hidden_states=True`, as SD3's pipeline calls it.
Compare with FlowStudio's `TextEncoderBenchmark` (Tests/TextEncodersTests) on the same machine:

    /work/venv/bin/python Tests/Reference/bench_text_encoders_pytorch.py --threads 2

Float32, CPU, eager; 5 timed runs after a warm-up, median and min printed. Each model is built,
timed and released before the next (bigG is 2.8 GB in float32).
"""
import argparse
import gc
import statistics
import time

import torch
import transformers
from transformers import CLIPTextConfig, CLIPTextModelWithProjection

SHAPES = {
    "clip_l": dict(hidden_size=768, intermediate_size=3072, num_attention_heads=12, num_hidden_layers=12,
                   hidden_act="quick_gelu", projection_dim=768),
    "clip_g": dict(hidden_size=1280, intermediate_size=5120, num_attention_heads=20, num_hidden_layers=32,
                   hidden_act="gelu", projection_dim=1280),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    transformers.logging.set_verbosity_error()
    tokens = torch.tensor([[49406] + [400 + i * 97 for i in range(20)] + [49407] * 56])
    for name, shape in SHAPES.items():
        config = CLIPTextConfig(vocab_size=49408, max_position_embeddings=77, eos_token_id=2, **shape)
        model = CLIPTextModelWithProjection(config).eval()
        params = sum(p.numel() for p in model.parameters())
        times = []
        with torch.inference_mode():
            model(tokens, output_hidden_states=True)
            for _ in range(args.runs):
                start = time.perf_counter()
                model(tokens, output_hidden_states=True)
                times.append((time.perf_counter() - start) * 1e3)
        print(f"pytorch {name}: {params // 1_000_000} M params, 77 tokens, {args.threads} threads, float32, "
              f"attn {model.config._attn_implementation}: median {statistics.median(times):.1f} ms, min {min(times):.1f} ms")
        del model
        gc.collect()
    print(f"torch {torch.__version__}, transformers {transformers.__version__}")


if __name__ == "__main__":
    main()
