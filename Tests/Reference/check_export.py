#!/usr/bin/env python3
"""Check FlowStudio's diffusers round trip against diffusers itself.

Run from the repository root with a built flowstudio binary:

    swift build -c release --product flowstudio
    venv/bin/python Tests/Reference/check_export.py .build/release/flowstudio [--model FILE] [--work DIR]

What it does (each step prints its numbers; any failed check exits non-zero):

1. `flowstudio export --diffusers DIR` (the bundled demo model, or --model).
2. `SD3Transformer2DModel.from_pretrained(DIR)`: every tensor of its state_dict equals the
   file's, including the `pos_embed.pos_embed` buffer. To tell "loaded" from "recomputed",
   a copy of the folder with a perturbed table is loaded too and must keep the perturbation.
   The exported table is also compared with diffusers' `get_2d_sincos_pos_embed`.
3. One forward on random inputs in PyTorch (float32) and with `flowstudio forward` on
   DIR/diffusion_pytorch_model.safetensors: max|Δ| ≤ 1e-4·max(1, max|ref|); again with every
   weight re-drawn at random in PyTorch (so that no path hides behind a near-zero init).
4. One AdamW step on the flow-matching loss in PyTorch, `save_pretrained`, FlowStudio's two
   extra files copied along; the forward check again on the changed weights; then
   `flowstudio train --init` for 1 step at lr 1e-7: the run's weights (read from its
   checkpoint) equal PyTorch's to within that step.
5. Errors: a depth-2 model saved by PyTorch with `--depth 4` given (a conflict naming
   num_layers), the same model without --depth (runs, depth 2, fresh text encoder with a
   warning), and a folder with one tensor removed (the error names it).
6. A fresh `flowstudio train` run's float32 sin-cos table (grid 8, width 256) against
   `get_2d_sincos_pos_embed(256, 8, base_size=8)`.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import torch

import diffusers
from diffusers import SD3Transformer2DModel
from diffusers.models.embeddings import get_2d_sincos_pos_embed
from safetensors.torch import load_file, save_file

sys.dont_write_bytecode = True
torch.manual_seed(20240305)
torch.set_num_threads(2)
diffusers.utils.logging.set_verbosity_error()

failures = []


def check(ok, what):
    print(("  ok    " if ok else "  FAIL  ") + what)
    if not ok:
        failures.append(what)


def run(cmd, expect_ok=True):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if expect_ok and result.returncode != 0:
        print("command failed:", " ".join(cmd), "\n", result.stdout, result.stderr)
        sys.exit(1)
    return result


def max_abs(t):
    return float(t.abs().max())


def checkpoint_tensors(path):
    """The named tensors of a FlowStudio training checkpoint (flat buffers + layout metadata)."""
    from safetensors import safe_open

    with safe_open(path, "pt") as f:
        meta = f.metadata()
        params, ema = f.get_tensor("params"), f.get_tensor("ema")
    out, out_ema, offset = {}, {}, 0
    for name, dims in re.findall(r"([^;\[]+)\[([0-9, ]*)\]", meta["flowstudio.checkpoint.layout"]):
        shape = [int(d) for d in dims.split(",")] if dims.strip() else []
        n = int(np.prod(shape))
        out[name] = params[offset:offset + n].reshape(shape)
        out_ema[name] = ema[offset:offset + n].reshape(shape)
        offset += n
    assert offset == params.numel(), "layout does not cover the checkpoint"
    return out, out_ema, json.loads(meta["flowstudio.checkpoint.options"])


def random_inputs(config, batch=2, tokens=24):
    side = config["sample_size"]
    return {
        "hidden_states": torch.randn(batch, config["in_channels"], side, side),
        "encoder_hidden_states": torch.randn(batch, tokens, config["joint_attention_dim"]),
        "pooled_projections": torch.randn(batch, config["pooled_projection_dim"]),
        "timestep": torch.tensor([250.0, 900.0][:batch]),
    }


def compare_forward(binary, model, weights_path, inputs, work, label):
    inputs_path = os.path.join(work, f"{label}.inputs.safetensors")
    out_path = os.path.join(work, f"{label}.out.safetensors")
    save_file({k: v.contiguous() for k, v in inputs.items()}, inputs_path)
    run([binary, "forward", "--model", weights_path, "--inputs", inputs_path, "--out", out_path, "--threads", "2"])
    with torch.no_grad():
        ref = model(**inputs, return_dict=False)[0]
    ours = load_file(out_path)["sample"]
    diff, scale = max_abs(ours - ref), max(1.0, max_abs(ref))
    check(ours.shape == ref.shape and diff <= 1e-4 * scale,
          f"{label}: forward max|Δ| = {diff:.3g} (max|ref| {max_abs(ref):.3g}, tolerance {1e-4 * scale:.3g})")
    return diff


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="path to the flowstudio executable")
    parser.add_argument("--model", help="demo-model file to export (default: the bundled one)")
    parser.add_argument("--work", help="working directory (default: a new temporary one, removed at the end)")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    work = args.work or tempfile.mkdtemp(prefix="flowstudio-check-export-")
    os.makedirs(work, exist_ok=True)
    print(f"torch {torch.__version__}, diffusers {diffusers.__version__}, work dir {work}")

    # 1. Export.
    exported = os.path.join(work, "exported")
    shutil.rmtree(exported, ignore_errors=True)
    run([binary, "export", "--diffusers", exported] + (["--model", args.model] if args.model else []))
    config = json.load(open(os.path.join(exported, "config.json")))
    print("1. exported:", sorted(os.listdir(exported)))
    print("   config.json:", json.dumps({k: v for k, v in config.items()}))

    # 2. from_pretrained keeps every tensor, the pos_embed buffer included.
    weights_path = os.path.join(exported, "diffusion_pytorch_model.safetensors")
    stored = load_file(weights_path)
    model = SD3Transformer2DModel.from_pretrained(exported).eval()
    state = model.state_dict()
    check(set(state) == set(stored), f"2. from_pretrained: the state_dict has exactly the file's {len(stored)} keys")
    worst = max(max_abs(state[k].float() - stored[k]) for k in stored)
    check(worst == 0.0 and all(state[k].dtype == torch.float32 for k in state),
          f"   every loaded tensor equals the file's (max|Δ| = {worst}), float32")
    perturbed = os.path.join(work, "perturbed")
    shutil.rmtree(perturbed, ignore_errors=True)
    shutil.copytree(exported, perturbed)
    changed = dict(stored)
    changed["pos_embed.pos_embed"] = stored["pos_embed.pos_embed"] + 0.5 * torch.randn_like(stored["pos_embed.pos_embed"])
    save_file(changed, os.path.join(perturbed, "diffusion_pytorch_model.safetensors"), metadata={"format": "pt"})
    loaded_table = SD3Transformer2DModel.from_pretrained(perturbed).pos_embed.pos_embed
    check(torch.equal(loaded_table, changed["pos_embed.pos_embed"]),
          "   pos_embed.pos_embed is loaded from the file, not recomputed (a perturbed table survives from_pretrained)")
    grid, width = config["pos_embed_max_size"], stored["pos_embed.pos_embed"].shape[-1]
    formula = get_2d_sincos_pos_embed(width, grid, base_size=config["sample_size"] // config["patch_size"], output_type="pt")
    table_diff = max_abs(stored["pos_embed.pos_embed"][0] - formula.float())
    print(f"   exported table vs get_2d_sincos_pos_embed({width}, {grid}): max|Δ| = {table_diff:.3g}"
          " (the shipped model stores it in F16)")

    # 3. Forward parity on the exported weights.
    inputs = random_inputs(config)
    compare_forward(binary, model, weights_path, inputs, work, "3. exported")

    # The shipped model's output layers may still be near their zero init; the same check with
    # every weight re-drawn (as make_fixtures.py does) makes every path count.
    randomized_dir = os.path.join(work, "randomized")
    shutil.rmtree(randomized_dir, ignore_errors=True)
    randomized = SD3Transformer2DModel.from_pretrained(exported).eval()
    with torch.no_grad():
        for name, p in randomized.named_parameters():
            if name.endswith(".bias"):
                p.copy_(0.05 * torch.randn_like(p))
            else:
                gain = 0.5 if any(s in name for s in ("norm1.linear", "norm1_context.linear", "norm_out.linear")) else 1.0
                p.copy_(torch.randn_like(p) * gain / p[0].numel() ** 0.5)
    randomized.save_pretrained(randomized_dir)
    compare_forward(binary, randomized, os.path.join(randomized_dir, "diffusion_pytorch_model.safetensors"), inputs, work,
                    "   every weight re-drawn")

    # 4. One AdamW step in PyTorch, save_pretrained, and back with train --init.
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    side, channels = config["sample_size"], config["in_channels"]
    x0 = 0.5 * torch.randn(4, channels, side, side)
    noise = torch.randn_like(x0)
    t = torch.sigmoid(torch.randn(4))
    xt = (1 - t.view(-1, 1, 1, 1)) * x0 + t.view(-1, 1, 1, 1) * noise
    batch = random_inputs(config, batch=4)
    prediction = model(hidden_states=xt, encoder_hidden_states=batch["encoder_hidden_states"],
                       pooled_projections=batch["pooled_projections"], timestep=1000 * t, return_dict=False)[0]
    loss = ((prediction - (noise - x0)) ** 2).mean()
    loss.backward()
    optimizer.step()
    model.eval()
    pytorch_dir = os.path.join(work, "pytorch")
    shutil.rmtree(pytorch_dir, ignore_errors=True)
    model.save_pretrained(pytorch_dir)
    for name in ("flowstudio_text_encoder.safetensors", "flowstudio_model.json"):
        shutil.copy(os.path.join(exported, name), pytorch_dir)
    trained = {k: v.detach().clone() for k, v in model.state_dict().items()}
    moved = max(max_abs(trained[k] - stored[k]) for k in stored)
    print(f"4. PyTorch: one AdamW step (loss {loss.item():.4f}) moved the weights by up to {moved:.3g}; saved with save_pretrained")
    compare_forward(binary, model, os.path.join(pytorch_dir, "diffusion_pytorch_model.safetensors"), inputs, work,
                    "   after the PyTorch step")

    lr = 1e-7
    run_dir = os.path.join(work, "run")
    shutil.rmtree(run_dir, ignore_errors=True)
    result = run([binary, "train", "--init", pytorch_dir, "--out", run_dir, "--steps", "1", "--batch", "2",
                  "--warmup", "1", "--lr", str(lr), "--threads", "2"])
    check("MM-DiT and text encoder" in result.stderr, "   train --init reads the MM-DiT and the text encoder")
    params, ema, options = checkpoint_tensors(os.path.join(run_dir, "checkpoint.safetensors"))
    text = load_file(os.path.join(exported, "flowstudio_text_encoder.safetensors"))
    expected = {"transformer." + k: v for k, v in trained.items()} | text
    check(set(params) == set(expected), f"   the run's {len(params)} tensors are exactly the folder's")
    drift = max(max_abs(params[k] - expected[k]) for k in expected)
    ema_drift = max(max_abs(ema[k] - expected[k]) for k in expected)
    # A first AdamW step moves each weight by about lr (m̂/√v̂ = ±1), plus lr·wd·|w| and float32 round-off.
    check(drift <= 2 * lr + 1e-6 and ema_drift <= 2 * lr + 1e-6,
          f"   after 1 step at lr {lr:g}: max|run − PyTorch| = {drift:.3g}, EMA {ema_drift:.3g} "
          f"(PyTorch's own step was {moved:.3g})")
    check((options["depth"], options["resolution"], options["patchSize"]) == (config["num_layers"], config["sample_size"], config["patch_size"]),
          f"   the run took depth {options['depth']}, resolution {options['resolution']}, patch {options['patchSize']} from config.json")

    # 5. Errors and derived options.
    depth2 = os.path.join(work, "depth2")
    shutil.rmtree(depth2, ignore_errors=True)
    small = dict(config)
    for key in ("_class_name", "_diffusers_version"):
        small.pop(key)
    small.update(num_layers=2, num_attention_heads=2, joint_attention_dim=128, caption_projection_dim=128, pooled_projection_dim=128)
    SD3Transformer2DModel(**small).save_pretrained(depth2)
    result = run([binary, "train", "--init", depth2, "--depth", "4", "--out", os.path.join(work, "run-conflict"), "--steps", "1"],
                 expect_ok=False)
    message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    check(result.returncode != 0 and "--depth 4" in message and "num_layers 2" in message,
          f"5. depth-2 PyTorch model with --depth 4: refused: {message}")
    check(not os.path.exists(os.path.join(work, "run-conflict")), "   and no run directory was made")
    result = run([binary, "train", "--init", depth2, "--out", os.path.join(work, "run-depth2"), "--steps", "1", "--batch", "2",
                  "--warmup", "1", "--threads", "2"])
    _, _, options2 = checkpoint_tensors(os.path.join(work, "run-depth2", "checkpoint.safetensors"))
    check(options2["depth"] == 2 and "text encoder starts from a fresh initialisation" in result.stderr,
          "   without --depth: runs at depth 2, and warns that the text encoder starts fresh")
    holed = os.path.join(work, "holed")
    shutil.rmtree(holed, ignore_errors=True)
    shutil.copytree(pytorch_dir, holed)
    missing_key = "transformer_blocks.1.ff.net.2.bias"
    hole = {k: v for k, v in trained.items() if k != missing_key}
    save_file(hole, os.path.join(holed, "diffusion_pytorch_model.safetensors"), metadata={"format": "pt"})
    result = run([binary, "train", "--init", holed, "--out", os.path.join(work, "run-holed"), "--steps", "1"], expect_ok=False)
    message = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ""
    check(result.returncode != 0 and missing_key in message, f"   a folder without {missing_key}: refused: {message}")

    # 6. A fresh run's float32 sin-cos table against diffusers' formula (grid 8, width 256).
    fresh = os.path.join(work, "fresh")
    shutil.rmtree(fresh, ignore_errors=True)
    run([binary, "train", "--out", fresh, "--depth", "4", "--resolution", "64", "--patch", "8", "--steps", "1", "--batch", "2",
         "--warmup", "1", "--threads", "2"])
    params, _, _ = checkpoint_tensors(os.path.join(fresh, "checkpoint.safetensors"))
    ours = params["transformer.pos_embed.pos_embed"][0]
    formula32 = get_2d_sincos_pos_embed(256, 8, base_size=8, output_type="pt").float()
    diff32 = max_abs(ours - formula32)
    check(ours.shape == formula32.shape and diff32 <= 1e-6,
          f"6. sincosPositionTable(side 8, width 256) vs get_2d_sincos_pos_embed(256, 8, base_size=8): max|Δ| = {diff32:.3g}")

    if not args.work:
        shutil.rmtree(work)
    print("all checks passed" if not failures else f"{len(failures)} check(s) FAILED")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
