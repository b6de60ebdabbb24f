#!/usr/bin/env python3
"""Continue training a FlowStudio model with PyTorch's distributed engine (DDP; gloo on CPU).

    flowstudio export --diffusers EXPORTED                    # the model (or --model FILE)
    flowstudio export --dataset 19200 --out data.safetensors  # 300 steps x batch 64 of the trainer's stream
    nice torchrun --nproc_per_node 2 Tests/Reference/train_distributed.py \\
        --init EXPORTED --data data.safetensors --steps 300 --timesteps lognorm:0,1 --out OUT
    # or: accelerate launch --cpu --multi_gpu --num_processes 2 Tests/Reference/train_distributed.py ...
    # or, one process: /work/venv/bin/python Tests/Reference/train_distributed.py ...
    flowstudio train --init OUT --out RUN ...  /  flowstudio generate --model OUT ...

What one step is (FlowStudio's Trainer step, Sources/Training, in PyTorch):

* the global batch is items step*B ..< (step+1)*B of the data file (cycling when the file is
  shorter; a warning says so); rank r of W takes the r-th slice of B/W items. The file holds the
  images in [-1, 1] and caption token ids after caption dropout, exactly as `flowstudio train`
  would draw them for the same seed and scene mix (`flowstudio export --dataset`).
* t ~ the timestep density (--timesteps, FlowStudio's syntax and maps: uniform, lognorm:M,S =
  sigmoid(M + S*n), mode:S, cosmap; clamped into (0, 1) as TimestepDensity.sample does) and
  eps ~ N(0, 1), drawn for the whole global batch from a generator seeded with (seed, step), so
  the run does not depend on the world size. FlowStudio draws its own t and eps from Philox
  streams: the same distribution, not the same numbers.
* z_t = (1 - t)*x0 + t*eps; v = MMDiT(z_t, timestep = 1000*t, text); loss = mean((v - (eps - x0))^2)
  (FlowMatchingLoss.swift; t = 1 is noise).
* the text encoder is trained jointly, as in FlowStudio (DemoTextTransformer: token + position
  embeddings, pre-norm layers of RMSNorm(eps 1e-6) -> attention (no mask) and RMSNorm -> MLP
  (GELU-tanh), final RMSNorm; context = all token states, pooled = the <cls> state), its weights
  from EXPORTED/flowstudio_text_encoder.safetensors.
* DDP averages the gradients over the ranks (= the gradient of the global batch's mean loss);
  clip_grad_norm_(all, --grad-clip); AdamW(betas (0.9, 0.999), eps 1e-8) with weight decay on
  tensors of 2+ dimensions except the embedding tables (FlowStudio's WeightDecayScope.matrices);
  learning rate: linear warm-up over --warmup steps, constant, linear cool-down over the last
  --cooldown steps (TrainingOptions.learningRate(at:)); then the EMA
  ema <- d*ema + (1 - d)*p with d = min(--ema, (1 + step)/(10 + step)), starting at the initial
  weights (ExponentialMovingAverage; Trainer+Init).
* validation (--validate-every, and before the first step): the mean loss over the file's fixed
  validation set (its own noise and t grid), with the current and with the EMA weights: the
  number `flowstudio train` logs as validation_loss / ema_validation_loss for the same model.

Output (rank 0): OUT/log.csv (FlowStudio's log.csv columns), and the EMA weights (what FlowStudio
ships) as a FlowStudio diffusers folder: SD3Transformer2DModel.save_pretrained(OUT) (config.json,
diffusion_pytorch_model.safetensors) plus flowstudio_text_encoder.safetensors (the trained text
encoder, F32, `text_encoder.*` keys) and flowstudio_model.json (EXPORTED's, with this run appended
to its training recipe), which `flowstudio train --init OUT` and `flowstudio generate --model OUT`
read. Not done: checkpoints and resume (a run is one go), mixed precision.
"""

import argparse
import csv
import datetime
import json
import math
import os
import shutil
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from safetensors import safe_open
from safetensors.torch import load_file, save_file

sys.dont_write_bytecode = True
TEXT_PREFIX = "text_encoder."
TEXT_FILE, DESCRIPTION_FILE = "flowstudio_text_encoder.safetensors", "flowstudio_model.json"
BETAS, ADAM_EPS, RMS_EPS = (0.9, 0.999), 1e-8, 1e-6


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--init", required=True, help="a FlowStudio diffusers folder (`flowstudio export --diffusers`, or this script's --out)")
    ap.add_argument("--data", required=True, help="`flowstudio export --dataset N --out FILE`")
    ap.add_argument("--out", required=True, help="folder for the trained model and log.csv")
    ap.add_argument("--steps", type=int, required=True, help="optimiser steps")
    ap.add_argument("--timesteps", default="lognorm:0,1", help="uniform | lognorm[:M,S] | mode[:S] | cosmap (default lognorm:0,1)")
    ap.add_argument("--batch", type=int, default=64, help="global batch (all ranks together; default 64)")
    ap.add_argument("--lr", type=float, default=3e-4, help="peak learning rate (default 3e-4)")
    ap.add_argument("--warmup", type=int, default=1000, help="linear warm-up steps (default 1000)")
    ap.add_argument("--cooldown", type=int, default=0, help="the rate falls linearly to 0 over the last N steps (default 0)")
    ap.add_argument("--weight-decay", type=float, default=0.01)
    ap.add_argument("--grad-clip", type=float, default=1.0)
    ap.add_argument("--ema", type=float, default=0.999, help="EMA decay of the saved weights (default 0.999)")
    ap.add_argument("--seed", type=int, default=0, help="seed of t and the noise")
    ap.add_argument("--validate-every", type=int, default=100)
    ap.add_argument("--validation-items", type=int, default=0, help="validate on the first N items of the file's validation set (default 0: all)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per process (default 1)")
    ap.add_argument("--force", action="store_true", help="write into a non-empty --out")
    args = ap.parse_args(argv)
    if min(args.steps, args.batch, args.threads, args.validate_every) < 1 or min(args.warmup, args.cooldown) < 0:
        ap.error("--steps, --batch, --threads and --validate-every must be at least 1, --warmup and --cooldown at least 0")
    if args.cooldown > args.steps:
        ap.error(f"--cooldown {args.cooldown} is longer than --steps {args.steps}")
    if not (0 <= args.ema < 1) or args.lr <= 0 or args.grad_clip <= 0 or args.weight_decay < 0:
        ap.error("--ema must be in [0, 1), --lr and --grad-clip > 0, --weight-decay >= 0")
    try:
        args.density = parse_density(args.timesteps)
    except ValueError as e:
        ap.error(str(e))
    return args


# MARK: timestep densities (Sources/RectifiedFlow/TimestepDensity.swift)

MODE_MAX = 2 / (math.pi - 2)


def parse_density(text):
    """(name, params) from FlowStudio's syntax: uniform, lognorm[:M,S], mode[:S], cosmap."""
    name, _, rest = text.strip().partition(":")
    name = name.strip().lower()
    numbers = [float(x) for x in rest.split(",")] if rest.strip() else []
    if any(not math.isfinite(x) for x in numbers):
        raise ValueError(f"timestep density '{text}': parameters must be finite numbers")
    if name in ("uniform", "cosmap") and not numbers:
        return name, ()
    if name == "lognorm" and len(numbers) in (0, 2):
        mean, std = numbers or (0.0, 1.0)
        if std <= 0:
            raise ValueError(f"timestep density '{text}': the logit-normal std must be > 0")
        return name, (mean, std)
    if name == "mode" and len(numbers) in (0, 1):
        scale = numbers[0] if numbers else 1.29
        if not -1 <= scale <= MODE_MAX:
            raise ValueError(f"timestep density '{text}': the mode scale must lie in -1...{MODE_MAX:.4f}")
        return name, (scale,)
    raise ValueError(f"unknown timestep density '{text}'; use uniform | lognorm[:M,S] | mode[:S] | cosmap")


def density_text(density):
    name, params = density
    return name + (":" + ",".join(f"{p:g}" for p in params) if params else "")


def sample_t(density, n, generator):
    """n draws of t in (0, 1), as TimestepDensity.sample (maps in float64, clamped inside (0, 1) in float32)."""
    name, params = density
    if name == "lognorm":
        mean, std = params
        t = torch.sigmoid(mean + std * torch.randn(n, generator=generator, dtype=torch.float64))
    else:
        u = torch.rand(n, generator=generator, dtype=torch.float64)
        if name == "uniform":
            t = u
        elif name == "mode":
            (s,) = params
            t = 1 - u - s * (torch.cos(math.pi * u / 2) ** 2 - 1 + u)
        else:  # cosmap: w/(w + 1), w = tan(pi u / 2)
            w = torch.tan(math.pi * u / 2)
            t = w / (w + 1)
    t = t.float()
    tiny, below_one = torch.finfo(torch.float32).tiny, 1 - torch.finfo(torch.float32).eps / 2
    return t.clamp(min=tiny, max=below_one)


# MARK: the demo text encoder (Sources/TextEncoders/DemoTextTransformer.swift)

class TextLayer(torch.nn.Module):
    def __init__(self, width, heads, mlp):
        super().__init__()
        nn = torch.nn
        self.heads = heads
        self.norm1 = nn.RMSNorm(width, eps=RMS_EPS)
        self.attn = nn.ModuleDict(dict(qkv=nn.Linear(width, 3 * width), out=nn.Linear(width, width)))
        self.norm2 = nn.RMSNorm(width, eps=RMS_EPS)
        self.mlp = nn.ModuleDict(dict(up=nn.Linear(width, mlp), down=nn.Linear(mlp, width)))

    def forward(self, x):  # [B, L, E]
        B, L, E = x.shape
        q, k, v = self.attn["qkv"](self.norm1(x)).view(B, L, 3, self.heads, E // self.heads).permute(2, 0, 3, 1, 4)  # 3 x [B, H, L, E/H]
        a = F.scaled_dot_product_attention(q, k, v)  # [B, H, L, E/H], no mask
        x = x + self.attn["out"](a.transpose(1, 2).reshape(B, L, E))
        return x + self.mlp["down"](F.gelu(self.mlp["up"](self.norm2(x)), approximate="tanh"))


class TextEncoder(torch.nn.Module):
    """Keys as flowstudio_text_encoder.safetensors without the `text_encoder.` prefix."""

    def __init__(self, config):
        super().__init__()
        nn = torch.nn
        width = config["width"]
        self.token_embedding = nn.Embedding(config["vocabularySize"], width)
        self.position_embedding = nn.Embedding(config["length"], width)
        self.layers = nn.ModuleList(TextLayer(width, config["heads"], config["mlpWidth"]) for _ in range(config["layers"]))
        self.final_norm = nn.RMSNorm(width, eps=RMS_EPS)

    def forward(self, tokens):  # [B, L] int64
        x = self.token_embedding(tokens) + self.position_embedding.weight  # [B, L, E]
        for layer in self.layers:
            x = layer(x)
        context = self.final_norm(x)  # [B, L, E]
        return context, context[:, 0]  # pooled: the <cls> state [B, E]


class DemoModel(torch.nn.Module):
    """The text encoder and the MM-DiT trained together (DemoModelTraining)."""

    def __init__(self, text, mmdit):
        super().__init__()
        self.text, self.mmdit = text, mmdit

    def forward(self, tokens, z_t, t):  # [B, L], [B, C, H, W], [B] -> velocity [B, C, H, W]
        context, pooled = self.text(tokens)
        return self.mmdit(hidden_states=z_t, timestep=t * 1000, encoder_hidden_states=context,
                          pooled_projections=pooled, return_dict=False)[0]


def flow_matching_loss(model, x0, tokens, eps, t):
    """Mean over every element of (v - (eps - x0))^2, z_t = (1 - t) x0 + t eps (FlowMatchingLoss.swift)."""
    tb = t.view(-1, 1, 1, 1)
    z_t = (1 - tb) * x0 + tb * eps
    return F.mse_loss(model(tokens, z_t, t), eps - x0)


# MARK: running

def lr_at(args, step):
    """TrainingOptions.learningRate(at:) for the 0-based step."""
    if args.warmup > 0 and step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    if args.cooldown > 0 and step >= args.steps - args.cooldown:
        return args.lr * max(1, args.steps - step) / args.cooldown
    return args.lr


def log0(rank, *what):
    if rank == 0:
        print(*what, flush=True)


def fail(message):
    sys.exit(f"train_distributed.py: {message}")


def load_model(init):
    from diffusers import SD3Transformer2DModel
    import diffusers

    diffusers.utils.logging.set_verbosity_error()
    for name in ("config.json", DESCRIPTION_FILE, TEXT_FILE):
        if not os.path.exists(os.path.join(init, name)):
            fail(f"{init} has no {name}; pass a folder written by `flowstudio export --diffusers` (or by this script)")
    with open(os.path.join(init, DESCRIPTION_FILE)) as f:
        description = json.load(f)
    mmdit = SD3Transformer2DModel.from_pretrained(init, torch_dtype=torch.float32)
    text = TextEncoder(description["textEncoder"])
    weights = load_file(os.path.join(init, TEXT_FILE))
    state = {k[len(TEXT_PREFIX):]: v.float() for k, v in weights.items() if k.startswith(TEXT_PREFIX)}
    stray = [k for k in weights if not k.startswith(TEXT_PREFIX)]
    missing, unexpected = text.load_state_dict(state, strict=False)
    if missing or unexpected or stray:
        fail(f"{TEXT_FILE} does not match the description's text encoder: missing {missing}, unexpected {unexpected + stray}")
    return description, DemoModel(text, mmdit)


class Data:
    """The dataset file (safetensors, memory-mapped): training items by global index, the validation set."""

    def __init__(self, path, description):
        self.file = safe_open(path, "pt")
        meta = self.file.metadata() or {}
        if meta.get("flowstudio.dataset.format") != "1":
            fail(f"{path} is not a FlowStudio dataset (format 1); write one with `flowstudio export --dataset N --out FILE`")
        self.stream = json.loads(meta["flowstudio.dataset.stream"])
        self.first = int(meta["flowstudio.dataset.first"])
        vocabulary = json.loads(meta["flowstudio.dataset.vocabulary"])
        if vocabulary != description["vocabulary"]:
            fail(f"{path}'s vocabulary differs from the model's: its token ids mean other words")
        if self.stream["resolution"] != description["resolution"] or self.stream["textLength"] != description["textEncoder"]["length"]:
            fail(f"{path} has {self.stream['resolution']}^2 images and {self.stream['textLength']} tokens; the model takes "
                 f"{description['resolution']}^2 and {description['textEncoder']['length']}: export the dataset with --resolution")
        self.images, self.tokens = self.file.get_slice("train.images"), self.file.get_slice("train.tokens")
        self.count = self.images.get_shape()[0]

    def items(self, start, n):
        """Training items start ..< start+n of the file, cycling."""
        idx = [(start + i) % self.count for i in range(n)]
        if idx[-1] - idx[0] == n - 1:  # contiguous
            lo, hi = idx[0], idx[0] + n
            return self.images[lo:hi], self.tokens[lo:hi].long()
        parts = [(self.images[i:i + 1], self.tokens[i:i + 1]) for i in idx]
        return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts]).long()

    def validation(self, rank, world, limit):
        v = self.file.get_slice("validation.t").get_shape()[0]
        v = min(v, limit) if limit > 0 else v
        lo, hi = rank * v // world, (rank + 1) * v // world
        get = lambda key: self.file.get_slice(key)[lo:hi]
        return get("validation.images"), get("validation.tokens").long(), get("validation.noise"), get("validation.t")


@torch.no_grad()
def validation_loss(model, val, world, chunk=32):
    images, tokens, noise, t = val
    total = torch.zeros(2, dtype=torch.float64)  # sum of per-item mean losses, items
    for s in range(0, len(t), chunk):
        e = slice(s, s + chunk)
        tb = t[e].view(-1, 1, 1, 1)
        z = (1 - tb) * images[e] + tb * noise[e]
        per_item = ((model(tokens[e], z, t[e]) - (noise[e] - images[e])) ** 2).flatten(1).mean(1)
        total += torch.tensor([per_item.double().sum().item(), len(per_item)], dtype=torch.float64)
    if world > 1:
        dist.all_reduce(total)
    return float(total[0] / total[1])


def recipe_phase(args, world, out, validation):
    options = [("batch", args.batch), ("steps", args.steps), ("lr", args.lr), ("warmup", args.warmup),
               ("cooldown", args.cooldown), ("weight-decay", args.weight_decay), ("grad-clip", args.grad_clip),
               ("ema", args.ema), ("timesteps", density_text(args.density)), ("seed", args.seed),
               ("data", os.path.abspath(args.data)), ("world-size", world), ("threads", args.threads),
               ("precision", "float32"), ("engine", f"torch {torch.__version__} DDP gloo")]
    return {
        "run": os.path.abspath(out), "fromStep": 0, "toStep": args.steps,
        "start": f"--init {os.path.abspath(args.init)}: the MM-DiT and text encoder; the EMA starts at those weights, the optimiser state empty",
        "command": " ".join(["train_distributed.py"] + sys.argv[1:]),
        "options": [{"name": k, "value": str(v)} for k, v in options],
        "note": f"trained in PyTorch by Tests/Reference/train_distributed.py on {world} process(es); the saved weights are the EMA; {validation}",
    }


def main(argv=None):
    args = parse_args(argv)
    distributed = "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1
    if distributed:
        dist.init_process_group("gloo", timeout=datetime.timedelta(minutes=30))
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    torch.set_num_threads(args.threads)
    if args.batch % world:
        fail(f"--batch {args.batch} does not split over {world} processes")
    local = args.batch // world
    if os.path.isdir(args.out) and os.listdir(args.out) and not args.force:  # every rank stops, none waits
        fail(f"{args.out} is not empty; choose another --out or pass --force")

    description, model = load_model(args.init)
    data = Data(args.data, description)
    last = (description.get("recipe") or [{}])[-1]
    trained_with = {o["name"]: o["value"] for o in last.get("options", [])}.get("timesteps")
    if trained_with and trained_with.replace(" ", "") != density_text(args.density) and rank == 0:
        print(f"note: the model's last training phase used --timesteps {trained_with}; this run uses {density_text(args.density)}", flush=True)
    if args.steps * args.batch > data.count:
        log0(rank, f"note: {args.steps} steps x batch {args.batch} = {args.steps * args.batch} items, the file has {data.count}: "
                   f"its items are reused (export a larger --dataset to train on fresh data throughout)")
    model.train()
    params = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decayed = [p for n, p in params if p.ndim >= 2 and "embedding.weight" not in n]
    plain = [p for n, p in params if not (p.ndim >= 2 and "embedding.weight" not in n)]
    optimiser = torch.optim.AdamW([dict(params=decayed, weight_decay=args.weight_decay), dict(params=plain, weight_decay=0.0)],
                                  lr=args.lr, betas=BETAS, eps=ADAM_EPS)
    ema = [p.detach().clone() for _, p in params]
    ddp = torch.nn.parallel.DistributedDataParallel(model) if distributed else model
    n_params = sum(p.numel() for _, p in params)
    log0(rank, f"torch {torch.__version__}; {world} process(es) x {args.threads} thread(s), gloo; model {n_params:,} parameters "
               f"(MM-DiT {sum(p.numel() for p in model.mmdit.parameters()):,} + text {sum(p.numel() for p in model.text.parameters()):,}); "
               f"data {data.count} items from item {data.first} (seed {data.stream['seed']}, scenes {data.stream['sceneMix']}); "
               f"batch {args.batch} ({local} per process), lr {args.lr:g}, warmup {args.warmup}, cooldown {args.cooldown}, t ~ {density_text(args.density)}")

    val = data.validation(rank, world, args.validation_items)

    def swap(weights):
        with torch.no_grad():
            saved = [p.detach().clone() for _, p in params]
            for (_, p), w in zip(params, weights):
                p.copy_(w)
        return saved

    def validate():
        model.eval()
        current = validation_loss(model, val, world)
        saved = swap(ema)
        averaged = validation_loss(model, val, world)
        swap(saved)
        model.train()
        return current, averaged

    rows = []
    v0 = validate()
    log0(rank, f"step 0: validation {v0[0]:.5f} (EMA {v0[1]:.5f})")
    rows.append([0, 0, "", "", "", "", "", "0.0", f"{v0[0]:.7g}", f"{v0[1]:.7g}"])
    start, smoothed, losses = time.time(), None, []
    for step in range(args.steps):
        lr = lr_at(args, step)
        for group in optimiser.param_groups:
            group["lr"] = lr
        generator = torch.Generator().manual_seed(args.seed * 1_000_003 + step)
        t = sample_t(args.density, args.batch, generator)                        # [B]
        eps = torch.randn(args.batch, 3, description["resolution"], description["resolution"], generator=generator)  # [B, C, H, W]
        mine = slice(rank * local, (rank + 1) * local)
        x0, tokens = data.items(step * args.batch + rank * local, local)
        loss = flow_matching_loss(ddp, x0, tokens, eps[mine], t[mine])
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_([p for _, p in params], args.grad_clip)
        optimiser.step()
        with torch.no_grad():
            d = min(args.ema, (2 + step) / (11 + step))  # FlowStudio's (1 + t)/(10 + t), t = step + 1
            torch._foreach_lerp_(ema, [p.detach() for _, p in params], 1 - d)
        reported = loss.detach().clone()
        if distributed:
            dist.all_reduce(reported)
            reported /= world
        value = float(reported)
        if not math.isfinite(value):
            fail(f"the loss became {value} at step {step + 1}; try a lower --lr or a longer --warmup")
        losses.append(value)
        smoothed = value if smoothed is None else 0.98 * smoothed + 0.02 * value
        elapsed = time.time() - start
        validation = ("", "")
        if (step + 1) % args.validate_every == 0 or step + 1 == args.steps:
            current, averaged = validate()
            validation = (f"{current:.7g}", f"{averaged:.7g}")
            log0(rank, f"step {step + 1}/{args.steps}: loss {value:.4f} (avg {smoothed:.4f}) |g| {float(norm):.3f} lr {lr:.2e} "
                       f"{(step + 1) * args.batch / elapsed:.1f} samples/s, {elapsed:.0f} s; validation {current:.5f} (EMA {averaged:.5f})")
        rows.append([step + 1, (step + 1) * args.batch, f"{value:.7g}", f"{smoothed:.7g}", f"{float(norm):.7g}", f"{lr:.7g}",
                     f"{(step + 1) * args.batch / elapsed:.2f}", f"{elapsed:.1f}", *validation])

    if rank == 0:
        save(args, model, params, ema, description, world, rows, v0, time.time() - start)
    if distributed:
        dist.barrier()
        dist.destroy_process_group()


def save(args, model, params, ema, description, world, rows, v0, seconds):
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "log.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["step", "samples", "loss", "smoothed_loss", "grad_norm", "lr", "samples_per_s", "elapsed_s", "validation_loss", "ema_validation_loss"])
        w.writerows(rows)
    with torch.no_grad():  # what ships: the EMA weights
        for (_, p), e in zip(params, ema):
            p.copy_(e)
    model.mmdit.save_pretrained(args.out, safe_serialization=True)
    text = {TEXT_PREFIX + k: v.detach().float().contiguous() for k, v in model.text.state_dict().items()}
    save_file(text, os.path.join(args.out, TEXT_FILE), metadata={"format": "pt"})
    last = rows[-1]
    validation = (f"validation loss {v0[0]:.5f} (EMA {v0[1]:.5f}) at the start, {last[8]} (EMA {last[9]}) at step {args.steps}, "
                  f"{seconds:.0f} s")
    phase = recipe_phase(args, world, args.out, validation)
    description = dict(description)
    description["recipe"] = list(description.get("recipe") or []) + [phase]
    description["training"] = f"{phase['command']} (step {args.steps}, {args.steps * args.batch} samples, PyTorch DDP x{world})"
    with open(os.path.join(args.out, DESCRIPTION_FILE), "w") as f:
        json.dump(description, f, indent=2, sort_keys=True)
    print(f"saved the EMA weights to {args.out} (save_pretrained + {TEXT_FILE} + {DESCRIPTION_FILE}); {seconds:.0f} s for {args.steps} steps", flush=True)


if __name__ == "__main__":
    main()
