#!/usr/bin/env python3
"""A tiny random-weight Stable Diffusion 3 pipeline, and diffusers' images from it.

Builds, with transformers and diffusers and no download, a `StableDiffusion3Pipeline` whose every
component is tiny and random (CLIP-L-like, bigG-like, T5, MM-DiT with one MMDiT-X block and
qk-norm, a 4-level 16-channel VAE, a small CLIP BPE and a small T5 SentencePiece model), writes it

* as a diffusers folder, `fixtures/sd3-tiny/` (as `save_pretrained` lays it out; weights F16),
* as a Stability single file, `fixtures/sd3-tiny.safetensors`, laid out as `sd3.5_medium.safetensors`
  is: the MM-DiT under `model.diffusion_model.` in the original key layout and the VAE under
  `first_stage_model.` in the LDM layout (both checked against diffusers' own converters), with the
  encoders kept apart as ComfyUI users keep them (here: the folder's `text_encoder*/model.safetensors`,
  in transformers' layout). Encoders inside a single file (`text_encoders.*`) are the same tensors
  under a prefix; Tests/GenerationTests cover that layout on synthetic files, which keeps the
  committed fixtures at one copy of the encoders.

and the images diffusers makes from them, in `fixtures/sd3-tiny.io.safetensors` (F32): for each
case `CASE/image` [1, H, W, 3] (`output_type="np"`, in [0, 1]), `folder/prompt_embeds` [2, 333, Dt5]
([negative, positive]), `CASE/pooled` [2, Dpool], `CASE/initial_latents` [1, 16, h, w] and
`CASE/final_latents` [1, 16, h, w]. The cases (metadata `case/NAME` gives each one's settings as
JSON):

* `folder`: the folder, "a red cube on a blue table", seed 42, 8 steps, CFG 4.5, 64x96.
* `folder_negative`: the same with the negative prompt "blurry, green", seed 7, 6 steps, CFG 3.
* `single_file_slg`: the single file (`from_single_file(..., config=folder)` with the folder's
  encoders), seed 42,
  8 steps, CFG 4.5, skip-layer guidance on layer 1 (scale 2.8, start 0.01, stop 0.5).
* `no_t5`: the folder without text_encoder_3 / tokenizer_3 (zeros in T5's place), seed 3, 8 steps.

Run from the repository root: venv/bin/python Tests/Reference/make_sd3_pipeline_fixtures.py
Deterministic (fixed seeds, one thread): two runs write identical bytes.
"""
import io
import json
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

import diffusers
import sentencepiece as spm
import transformers
from diffusers import (AutoencoderKL, FlowMatchEulerDiscreteScheduler, SD3Transformer2DModel,
                       StableDiffusion3Pipeline)
from diffusers.loaders.single_file_utils import convert_ldm_vae_checkpoint
from safetensors.torch import load_file
from transformers import (CLIPTextConfig, CLIPTextModelWithProjection, CLIPTokenizer, T5Config, T5EncoderModel,
                          T5Tokenizer)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import diffusers_to_original, check_against_diffusers_converter, save  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
FOLDER = os.path.join(OUT, "sd3-tiny")
SINGLE = os.path.join(OUT, "sd3-tiny.safetensors")
IO = os.path.join(OUT, "sd3-tiny.io.safetensors")
CLIP_SMALL = os.path.join(OUT, "tokenizers", "clip-small")

SEED = 20261203
MERGES = 120          # CLIP BPE merges kept from the clip-small fixture: vocab = 512 + MERGES + 2
T5_VOCAB = 160
HEIGHT, WIDTH = 64, 96

torch.manual_seed(SEED)
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
diffusers.utils.logging.set_verbosity_error()
transformers.utils.logging.set_verbosity_error()

def write_safetensors(path, tensors):
    """make_fixtures' deterministic writer (sorted names and metadata), at a path under fixtures/."""
    save(tensors, os.path.relpath(path, OUT))


# --------------------------------------------------------------------------------------------
# Tokenizers
# --------------------------------------------------------------------------------------------

def write_clip_tokenizer(directory, pad_token):
    """CLIP's byte-level BPE cut to the first MERGES merges of the clip-small fixture (its vocab is
    built as CLIP's: 256 byte symbols, the same with </w>, one token per merge, then the specials)."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(CLIP_SMALL, "merges.txt"), encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = [line for line in lines[1:] if line][:MERGES]
    with open(os.path.join(CLIP_SMALL, "vocab.json"), encoding="utf-8") as f:
        full = json.load(f)
    by_id = sorted(full.items(), key=lambda kv: kv[1])
    vocab = {token: i for token, i in by_id[:512]}
    for merge in merges:
        vocab["".join(merge.split(" "))] = len(vocab)
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    with open(os.path.join(directory, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(directory, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n" + "\n".join(merges) + "\n")
    config = {"tokenizer_class": "CLIPTokenizer", "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
              "unk_token": "<|endoftext|>", "pad_token": pad_token, "model_max_length": 77}
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    return len(vocab)


def t5_corpus():
    words = ("a an the red green blue yellow cube sphere cone table chair cat dog on under next to "
             "bright dark small large photo painting of in with and at night day forest city river "
             "blurry sharp wooden metal glass old new happy sad one two three").split()
    rng = np.random.default_rng(SEED)
    return [" ".join(rng.choice(words, size=rng.integers(3, 12))) for _ in range(400)]


def write_t5_tokenizer(directory):
    """A SentencePiece unigram with T5's ids (pad 0, eos 1, unk 2, no bos) and the identity
    normaliser (T5's nmt_nfkc charsmap alone is 240 KB; the tokenizer tests cover it)."""
    os.makedirs(directory, exist_ok=True)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(t5_corpus()), model_writer=model, model_type="unigram", vocab_size=T5_VOCAB,
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1, normalization_rule_name="identity", num_threads=1,
        minloglevel=2, input_sentence_size=0, shuffle_input_sentence=False, hard_vocab_limit=False)
    from sentencepiece import sentencepiece_model_pb2 as pb
    proto = pb.ModelProto()
    proto.ParseFromString(model.getvalue())
    proto.trainer_spec.ClearField("input")  # keep the bytes independent of temporary paths
    with open(os.path.join(directory, "spiece.model"), "wb") as f:
        f.write(proto.SerializeToString())
    config = {"tokenizer_class": "T5Tokenizer", "eos_token": "</s>", "pad_token": "<pad>", "unk_token": "<unk>",
              "extra_ids": 0, "model_max_length": 512}
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    return len(proto.pieces)


# --------------------------------------------------------------------------------------------
# Components with random, non-zero weights, rounded to F16
# --------------------------------------------------------------------------------------------

def randomize(model, gen, gains=()):
    """Weights N(0, gain²/fan_in) (gain 0.5 for names containing one of `gains`), biases N(0, 0.05²),
    1-D norm weights U(0.8, 1.2), embeddings N(0, 1)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(".bias"):
                p.copy_(torch.randn(p.shape, generator=gen) * 0.05)
            elif p.ndim == 1:
                p.copy_(0.8 + 0.4 * torch.rand(p.shape, generator=gen))
            elif "embed" in name or "shared" in name or "relative_attention_bias" in name:
                p.copy_(torch.randn(p.shape, generator=gen) * (0.5 if "relative" in name else 1.0))
            else:
                fan_in = int(np.prod(p.shape[1:]))
                gain = 0.5 if any(s in name for s in gains) else 1.0
                p.copy_(torch.randn(p.shape, generator=gen) * (gain / fan_in ** 0.5))


def round_to_f16(model):
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.float16).to(torch.float32))
        for name, b in model.named_buffers():
            if b.is_floating_point():
                b.copy_(b.to(torch.float16).to(torch.float32))
    return model.eval()


def build_components(gen, clip_vocab, t5_vocab):
    clip_l = CLIPTextModelWithProjection(CLIPTextConfig(
        vocab_size=clip_vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=1,
        max_position_embeddings=77, hidden_act="quick_gelu", projection_dim=64, layer_norm_eps=1e-5,
        bos_token_id=clip_vocab - 2, eos_token_id=2, pad_token_id=1))
    clip_g = CLIPTextModelWithProjection(CLIPTextConfig(
        vocab_size=clip_vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=1,
        max_position_embeddings=77, hidden_act="gelu", projection_dim=64, layer_norm_eps=1e-5,
        bos_token_id=clip_vocab - 2, eos_token_id=2, pad_token_id=1))
    t5 = T5EncoderModel(T5Config(
        vocab_size=t5_vocab, d_model=128, d_kv=32, d_ff=96, num_layers=2, num_heads=2,
        relative_attention_num_buckets=32, relative_attention_max_distance=128, feed_forward_proj="gated-gelu",
        layer_norm_epsilon=1e-6, is_encoder_decoder=False, use_cache=False, pad_token_id=0, eos_token_id=1,
        tie_word_embeddings=False))
    transformer = SD3Transformer2DModel(
        sample_size=HEIGHT // 8, patch_size=2, in_channels=16, num_layers=3, attention_head_dim=64,
        num_attention_heads=1, joint_attention_dim=128, caption_projection_dim=64, pooled_projection_dim=128,
        out_channels=16, pos_embed_max_size=8, dual_attention_layers=(0,), qk_norm="rms_norm")
    vae = AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4, block_out_channels=(8, 8, 16, 16), layers_per_block=1,
        latent_channels=16, norm_num_groups=4, sample_size=HEIGHT, use_quant_conv=False, use_post_quant_conv=False,
        scaling_factor=1.5305, shift_factor=0.0609)
    randomize(clip_l, gen)
    randomize(clip_g, gen)
    randomize(t5, gen)
    randomize(transformer, gen, gains=("norm1.linear", "norm1_context.linear", "norm_out.linear"))
    with torch.no_grad():
        transformer.pos_embed.pos_embed.copy_(torch.randn(transformer.pos_embed.pos_embed.shape, generator=gen) * 0.5)
    randomize(vae, gen)
    return [round_to_f16(m) for m in (clip_l, clip_g, t5, transformer, vae)]


def calibrate_velocity(pipe, gen):
    """Scales `proj_out` so that the random MM-DiT predicts velocities of about unit spread (as a
    trained one does) instead of ~100: with those, the latents explode and the VAE's output
    saturates, so images would barely depend on the sampling."""
    with torch.no_grad():
        embeds, _, pooled, _ = pipe.encode_prompt("a red cube on a blue table", None, None,
                                                  do_classifier_free_guidance=False)
        latents = torch.randn((1, 16, HEIGHT // 8, WIDTH // 8), generator=gen)
        velocity = pipe.transformer(hidden_states=latents, encoder_hidden_states=embeds, pooled_projections=pooled,
                                    timestep=torch.tensor([500.0]), return_dict=False)[0]
        scale = 1.0 / velocity.std().item()
        pipe.transformer.proj_out.weight.mul_(scale)
        pipe.transformer.proj_out.bias.mul_(scale)
    round_to_f16(pipe.transformer)


def to_f16_files(folder):
    """Rewrites every weights file of a saved pipeline as F16 (the values are exactly F16 already)."""
    for root, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".safetensors"):
                path = os.path.join(root, name)
                tensors = load_file(path)
                write_safetensors(path, {k: v.to(torch.float16) if v.is_floating_point() else v
                                         for k, v in tensors.items()})


def canonical_json(folder):
    """Drops the version-dependent and path-dependent fields of the configs, sorted keys."""
    for root, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".json") and name not in ("vocab.json", "tokenizer.json"):
                path = os.path.join(root, name)
                with open(path) as f:
                    data = json.load(f)
                for key in ("_name_or_path", "transformers_version", "_diffusers_version"):
                    data.pop(key, None)
                with open(path, "w") as f:
                    json.dump(data, f, indent=2, sort_keys=True)
                    f.write("\n")


# --------------------------------------------------------------------------------------------
# The Stability single file
# --------------------------------------------------------------------------------------------

def diffusers_vae_to_ldm(sd, levels):
    """Inverse of diffusers' convert_ldm_vae_checkpoint (checked against it below)."""
    out = {}
    for key, value in sd.items():
        k = key
        for i in range(levels):
            k = k.replace(f"encoder.down_blocks.{i}.resnets.", f"encoder.down.{i}.block.")
            k = k.replace(f"encoder.down_blocks.{i}.downsamplers.0.", f"encoder.down.{i}.downsample.")
            k = k.replace(f"decoder.up_blocks.{i}.resnets.", f"decoder.up.{levels - 1 - i}.block.")
            k = k.replace(f"decoder.up_blocks.{i}.upsamplers.0.", f"decoder.up.{levels - 1 - i}.upsample.")
        k = k.replace("mid_block.resnets.0.", "mid.block_1.").replace("mid_block.resnets.1.", "mid.block_2.")
        k = k.replace("conv_shortcut", "nin_shortcut").replace("conv_norm_out", "norm_out")
        if "mid_block.attentions.0." in k:
            k = k.replace("mid_block.attentions.0.", "mid.attn_1.")
            k = (k.replace("group_norm.", "norm.").replace("to_q.", "q.").replace("to_k.", "k.")
                 .replace("to_v.", "v.").replace("to_out.0.", "proj_out."))
            if value.ndim == 2:
                value = value[:, :, None, None]
        out[k] = value
    return out


def write_single_file(components, folder_sd):
    clip_l, clip_g, t5, transformer, vae = components
    tensors = {}
    original = diffusers_to_original(folder_sd["transformer"], transformer.config.num_layers)
    check_against_diffusers_converter(original, folder_sd["transformer"])
    tensors.update(original)
    ldm = diffusers_vae_to_ldm(folder_sd["vae"], len(vae.config.block_out_channels))
    back = convert_ldm_vae_checkpoint({"first_stage_model." + k: v for k, v in ldm.items()}, dict(vae.config))
    assert set(back) == set(folder_sd["vae"]), sorted(set(back) ^ set(folder_sd["vae"]))
    assert all(torch.equal(back[k].reshape(folder_sd["vae"][k].shape), folder_sd["vae"][k]) for k in back)
    tensors.update({"first_stage_model." + k: v for k, v in ldm.items()})
    write_safetensors(SINGLE, {k: v.to(torch.float16) for k, v in tensors.items()})


# --------------------------------------------------------------------------------------------
# Reference images
# --------------------------------------------------------------------------------------------

def run(pipe, name, settings, results, metadata):
    captured = {}

    def on_step(p, i, t, kw):
        captured["final"] = kw["latents"].clone()
        return {}

    gen = torch.Generator("cpu").manual_seed(settings["seed"])
    initial = torch.randn((1, 16, HEIGHT // 8, WIDTH // 8), generator=torch.Generator("cpu").manual_seed(settings["seed"]))
    kwargs = dict(prompt=settings["prompt"], negative_prompt=settings.get("negative_prompt"),
                  num_inference_steps=settings["steps"], guidance_scale=settings["cfg"], height=HEIGHT, width=WIDTH,
                  generator=gen, output_type="np", callback_on_step_end=on_step,
                  callback_on_step_end_tensor_inputs=["latents"])
    if "skip_layers" in settings:
        kwargs.update(skip_guidance_layers=settings["skip_layers"], skip_layer_guidance_scale=settings["slg_scale"],
                      skip_layer_guidance_start=settings["slg_start"], skip_layer_guidance_stop=settings["slg_stop"])
    with torch.no_grad():
        image = pipe(**kwargs).images
        pe, npe, pooled, npooled = pipe.encode_prompt(
            prompt=settings["prompt"], prompt_2=None, prompt_3=None,
            negative_prompt=settings.get("negative_prompt"), do_classifier_free_guidance=True)
    results[f"{name}/image"] = torch.from_numpy(np.ascontiguousarray(image)).float()
    if name == "folder":  # 340 KB: one case is enough to check the assembly end to end
        results[f"{name}/prompt_embeds"] = torch.cat([npe, pe]).float()
    results[f"{name}/pooled"] = torch.cat([npooled, pooled]).float()
    results[f"{name}/initial_latents"] = initial
    results[f"{name}/final_latents"] = captured["final"].float()
    metadata[f"case/{name}"] = json.dumps(settings, sort_keys=True)
    print(f"{name}: image {tuple(image.shape)} range [{image.min():.3f}, {image.max():.3f}] "
          f"std {image.std():.3f}")


def main():
    gen = torch.Generator().manual_seed(SEED)
    shutil.rmtree(FOLDER, ignore_errors=True)
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        clip_vocab = write_clip_tokenizer(os.path.join(tmp, "tokenizer"), "<|endoftext|>")
        write_clip_tokenizer(os.path.join(tmp, "tokenizer_2"), "!")
        t5_vocab = write_t5_tokenizer(os.path.join(tmp, "tokenizer_3"))
        components = build_components(gen, clip_vocab, t5_vocab)
        clip_l, clip_g, t5, transformer, vae = components
        pipe = StableDiffusion3Pipeline(
            transformer=transformer, scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0), vae=vae,
            text_encoder=clip_l, tokenizer=CLIPTokenizer.from_pretrained(os.path.join(tmp, "tokenizer")),
            text_encoder_2=clip_g, tokenizer_2=CLIPTokenizer.from_pretrained(os.path.join(tmp, "tokenizer_2")),
            text_encoder_3=t5, tokenizer_3=T5Tokenizer.from_pretrained(os.path.join(tmp, "tokenizer_3")))
        calibrate_velocity(pipe, gen)
        pipe.save_pretrained(FOLDER, safe_serialization=True)
    # The tokenizer folders as the published repos ship them (vocab.json + merges.txt, spiece.model),
    # not as transformers 5 re-saves them (tokenizer.json only).
    for sub in ("tokenizer", "tokenizer_2", "tokenizer_3"):
        shutil.rmtree(os.path.join(FOLDER, sub))
    write_clip_tokenizer(os.path.join(FOLDER, "tokenizer"), "<|endoftext|>")
    write_clip_tokenizer(os.path.join(FOLDER, "tokenizer_2"), "!")
    write_t5_tokenizer(os.path.join(FOLDER, "tokenizer_3"))
    to_f16_files(FOLDER)
    canonical_json(FOLDER)

    folder_sd = {}
    for sub, weights in (("transformer", "diffusion_pytorch_model.safetensors"), ("vae", "diffusion_pytorch_model.safetensors"),
                         ("text_encoder", "model.safetensors"), ("text_encoder_2", "model.safetensors"),
                         ("text_encoder_3", "model.safetensors")):
        folder_sd[sub] = {k: v.float() for k, v in load_file(os.path.join(FOLDER, sub, weights)).items()}
    write_single_file(components, folder_sd)

    results, metadata = {}, {"torch_version": torch.__version__, "diffusers_version": diffusers.__version__,
                             "transformers_version": transformers.__version__,
                             "size": f"{WIDTH}x{HEIGHT}"}
    folder_pipe = StableDiffusion3Pipeline.from_pretrained(FOLDER, torch_dtype=torch.float32)
    folder_pipe.set_progress_bar_config(disable=True)
    base = dict(prompt="a red cube on a blue table", seed=42, steps=8, cfg=4.5)
    run(folder_pipe, "folder", base, results, metadata)
    run(folder_pipe, "folder_negative", dict(prompt="a red cube on a blue table", negative_prompt="blurry, green",
                                             seed=7, steps=6, cfg=3.0), results, metadata)
    single_pipe = StableDiffusion3Pipeline.from_single_file(
        SINGLE, config=FOLDER, torch_dtype=torch.float32, local_files_only=True,
        text_encoder=folder_pipe.text_encoder, text_encoder_2=folder_pipe.text_encoder_2,
        text_encoder_3=folder_pipe.text_encoder_3)
    single_pipe.set_progress_bar_config(disable=True)
    run(single_pipe, "single_file_slg", dict(base, skip_layers=[1], slg_scale=2.8, slg_start=0.01, slg_stop=0.5),
        results, metadata)
    no_t5 = StableDiffusion3Pipeline.from_pretrained(FOLDER, text_encoder_3=None, tokenizer_3=None,
                                                     torch_dtype=torch.float32)
    no_t5.set_progress_bar_config(disable=True)
    run(no_t5, "no_t5", dict(prompt="two green spheres at night", seed=3, steps=8, cfg=4.5), results, metadata)
    save(results, os.path.relpath(IO, OUT), metadata)
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(FOLDER) for f in fs)
    print(f"wrote {FOLDER} ({total / 1024:.0f} KB), {SINGLE} ({os.path.getsize(SINGLE) / 1024:.0f} KB), "
          f"{IO} ({os.path.getsize(IO) / 1024:.0f} KB)")


if __name__ == "__main__":
    main()
