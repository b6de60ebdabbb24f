#!/usr/bin/env python3
"""SD3 text-encoder fixtures: tiny random CLIP-L-like, bigG-like and T5 encoders run by
transformers, and the prompt assembly run by diffusers' real `StableDiffusion3Pipeline.encode_prompt`.

    /work/venv/bin/python Tests/Reference/make_text_encoder_fixtures.py

No download: the configs are built here, the tokenizers too (a CLIP BPE of the 512 byte symbols
and the first merges of open_clip's vocabulary; a tiny SentencePiece unigram trained here with
the nmt_nfkc subset of `make_t5_tokenizer_fixtures.py`). Weights are random (see `randomize`),
rounded to F16 and written in transformers' key layout with a transformers `config.json` each;
every reference output is computed in float32 from exactly those F16 values.

Writes `fixtures/text_encoders/`:
- `clip_l/{config.json,model.safetensors}`: CLIPTextModelWithProjection, 2 layers, width 32 =
  2 heads of 16, MLP 64, quick_gelu, projection 32→24, eos_token_id 2 (argmax pooling);
- `clip_g/…`: 2 layers, width 64 = 1 head of 64 (so the config can be detected from the weights:
  heads = W/64), MLP 48, exact gelu, projection 64→48, eos_token_id 2;
- `t5/…`: T5EncoderModel, 2 blocks, d_model 104, 4 heads of d_kv 8 (inner 32 ≠ d_model), d_ff 24,
  gated-gelu, 32 buckets / max distance 128; `shared.weight` only;
- `clip_tokenizer/{vocab.json,merges.txt}`, `t5_tokenizer/spiece.model`;
- `reference.safetensors` (F32): see README.md ("SD3 text encoders").
"""
import io
import json
import os
import random
import shutil
import sys
import tempfile

import numpy as np
import torch
import diffusers
import transformers
from transformers import (CLIPTextConfig, CLIPTextModelWithProjection, CLIPTokenizer, T5Config, T5EncoderModel,
                          T5Tokenizer)
from diffusers import FlowMatchEulerDiscreteScheduler, SD3Transformer2DModel, StableDiffusion3Pipeline

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures  # noqa: E402  (save: the deterministic safetensors writer)
import make_clip_tokenizer_fixtures as clip_tok  # noqa: E402
import make_t5_tokenizer_fixtures as t5_tok  # noqa: E402
import sentencepiece as spm  # noqa: E402
from sentencepiece import sentencepiece_model_pb2 as pb  # noqa: E402

SEED = 20261203
DIR = "text_encoders"
OUT = os.path.join(make_fixtures.OUT, DIR)
CLIP_MERGES = 10
T5_PIECES = 200
T5_LENGTH = 80       # tokens of the direct T5 run (≥ 77: log buckets are used)
PIPE_T5_LENGTH = 8  # max_sequence_length of the pipeline runs
PROMPT = "a red cube on a blue sphere, small green pyramid behind it, soft light, photo, sharp focus, 35mm, wide angle"

torch.manual_seed(SEED)
torch.set_num_threads(1)
transformers.logging.set_verbosity_error()
diffusers.utils.logging.set_verbosity_error()


def randomize(model, gen):
    """Non-trivial random weights, then rounded to F16 (the values written)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                v = 1 + 0.2 * torch.randn(p.shape, generator=gen)
            elif name.endswith("bias") and "relative_attention_bias" not in name:
                v = 0.1 * torch.randn(p.shape, generator=gen)
            elif "embed" in name or "shared" in name:
                v = 0.5 * torch.randn(p.shape, generator=gen)
            elif "relative_attention_bias" in name:
                v = torch.randn(p.shape, generator=gen)
            else:
                v = torch.randn(p.shape, generator=gen) / p.shape[-1] ** 0.5
            p.copy_(v.half().float())


def f16_state(model, drop=()):
    return {k: v.half() for k, v in model.state_dict().items() if k not in drop}


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def clip_config(vocab, width, heads, mlp, act, proj):
    return CLIPTextConfig(vocab_size=vocab, hidden_size=width, intermediate_size=mlp, num_attention_heads=heads,
                          num_hidden_layers=2, max_position_embeddings=77, hidden_act=act, layer_norm_eps=1e-5,
                          projection_dim=proj, eos_token_id=2, bos_token_id=vocab - 2, pad_token_id=1)


def save_model(model, name, config_keys, drop=()):
    os.makedirs(os.path.join(OUT, name), exist_ok=True)
    make_fixtures.save(f16_state(model, drop), f"{DIR}/{name}/model.safetensors",
                       {"format": "pt", "transformers": transformers.__version__})
    full = model.config.to_dict()
    write_json(os.path.join(OUT, name, "config.json"), {k: full[k] for k in config_keys})


def tiny_spm(tmp):
    rng = random.Random(SEED)
    tsv, _ = t5_tok.rules_tsv(t5_tok.nmt_nfkc_rules())
    tsv_path = os.path.join(tmp, "rules.tsv")
    with open(tsv_path, "w", encoding="utf-8") as f:
        f.write(tsv)
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(t5_tok.corpus(rng)[:1500]), model_writer=model, model_type="unigram",
        vocab_size=T5_PIECES, normalization_rule_tsv=tsv_path, pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
        character_coverage=1.0, num_threads=1, minloglevel=2, shuffle_input_sentence=False)
    proto = pb.ModelProto()
    proto.ParseFromString(model.getvalue())
    proto.normalizer_spec.normalization_rule_tsv = "nmt_nfkc subset (make_t5_tokenizer_fixtures.py)"
    proto.normalizer_spec.name = "nmt_nfkc_subset"
    return proto.SerializeToString(deterministic=True)


def main():
    gen = torch.Generator().manual_seed(SEED)
    os.makedirs(OUT, exist_ok=True)
    ref = {}

    # --- tokenizers -----------------------------------------------------------------------
    merges = clip_tok.open_clip_merges()[:CLIP_MERGES]
    tok_dir = os.path.join(OUT, "clip_tokenizer")
    clip_tok.write_vocab_merges(tok_dir, merges, "<|endoftext|>")
    os.remove(os.path.join(tok_dir, "tokenizer_config.json"))
    vocab_json, merges_txt = os.path.join(tok_dir, "vocab.json"), os.path.join(tok_dir, "merges.txt")
    tokenizer = CLIPTokenizer(vocab_json, merges_txt, pad_token="<|endoftext|>", model_max_length=77)
    tokenizer_2 = CLIPTokenizer(vocab_json, merges_txt, pad_token="!", model_max_length=77)
    clip_vocab = len(tokenizer)
    assert clip_vocab == 512 + CLIP_MERGES + 2, clip_vocab
    with tempfile.TemporaryDirectory() as tmp:
        spiece = tiny_spm(tmp)
    os.makedirs(os.path.join(OUT, "t5_tokenizer"), exist_ok=True)
    spiece_path = os.path.join(OUT, "t5_tokenizer", "spiece.model")
    with open(spiece_path, "wb") as f:
        f.write(spiece)
    tokenizer_3 = T5Tokenizer.from_pretrained(os.path.join(OUT, "t5_tokenizer"))
    t5_vocab = len(tokenizer_3)

    # --- models -----------------------------------------------------------------------------
    clip_keys = ["vocab_size", "hidden_size", "intermediate_size", "num_attention_heads", "num_hidden_layers",
                 "max_position_embeddings", "hidden_act", "layer_norm_eps", "projection_dim", "eos_token_id"]
    clip_l = CLIPTextModelWithProjection(clip_config(clip_vocab, 32, 2, 64, "quick_gelu", 24)).eval()
    clip_g = CLIPTextModelWithProjection(clip_config(clip_vocab, 64, 1, 48, "gelu", 48)).eval()
    t5_config = T5Config(vocab_size=t5_vocab, d_model=104, d_kv=8, d_ff=24, num_layers=2, num_heads=4,
                         relative_attention_num_buckets=32, relative_attention_max_distance=128,
                         layer_norm_epsilon=1e-6, feed_forward_proj="gated-gelu", dropout_rate=0.0)
    t5 = T5EncoderModel(t5_config).eval()
    for m in (clip_l, clip_g, t5):
        randomize(m, gen)
    t5.encoder.embed_tokens.weight = t5.shared.weight  # tied (randomize already went through shared)
    assert torch.equal(t5.encoder.embed_tokens.weight, t5.shared.weight)
    save_model(clip_l, "clip_l", clip_keys)
    save_model(clip_g, "clip_g", clip_keys)
    save_model(t5, "t5", ["vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_heads",
                          "relative_attention_num_buckets", "relative_attention_max_distance",
                          "layer_norm_epsilon", "feed_forward_proj"], drop=("encoder.embed_tokens.weight",))

    # --- direct runs on random ids ----------------------------------------------------------
    start, end = clip_vocab - 2, clip_vocab - 1
    body = torch.randint(0, clip_vocab - 2, (60,), generator=gen).tolist()
    body[4] = 7  # id 7 first appears at position 5: where eos_token_id = 7 pools
    body = [b for b in body[:4] if b != 7] + body[4:]
    ids_l = [start] + body[:20] + [end] + body[20:50] + [end] * (77 - 52)  # EOS at 21, random ids after it
    ids_g = [start] + body[:20] + [end] + body[20:50] + [0] * (77 - 52)    # padded with "!" (id 0)
    assert len(ids_l) == 77 and len(ids_g) == 77 and ids_l.index(7) == 5
    with torch.no_grad():
        for name, model, ids in (("clip_l", clip_l, ids_l), ("clip_g", clip_g, ids_g)):
            x = torch.tensor([ids])
            out = model(x, output_hidden_states=True)
            hs = out.hidden_states
            assert len(hs) == 3 and torch.equal(hs[-1], _manual_last(model, x))  # hs[-1] is before final LN
            ref[f"{name}.ids"] = torch.tensor(ids, dtype=torch.float32)
            ref[f"{name}.penultimate"] = hs[-2][0]
            assert torch.equal(hs[-3], model.text_model.embeddings(x))  # clip_skip 1 = the embeddings here
            ref[f"{name}.pooled"] = out.text_embeds[0]
            ref[f"{name}.pooled_unprojected"] = model.text_model(x).pooler_output[0]
            assert int(x[0].argmax()) == 21
        # eos_token_id ≠ 2: pooled at the first occurrence of that id (7, at position 5)
        clip_l.text_model.eos_token_id = 7
        ref["clip_l.pooled_eos7"] = clip_l(torch.tensor([ids_l])).text_embeds[0]
        clip_l.text_model.eos_token_id = 2

        t5_ids = torch.randint(3, t5_vocab, (T5_LENGTH,), generator=gen)
        t5_ids[60] = 1
        t5_ids[61:] = 0
        ref["t5.ids"] = t5_ids.float()
        ref["t5.hidden"] = t5(t5_ids[None]).last_hidden_state[0]
        # float64 cross-check of the float32 reference
        t5_64 = T5EncoderModel(t5_config).double().eval()
        t5_64.load_state_dict(t5.state_dict())
        d64 = (t5_64(t5_ids[None]).last_hidden_state[0] - ref["t5.hidden"].double()).abs().max().item()
        print(f"T5 float32 vs float64: max|Δ| {d64:.2e} (max|ref| {ref['t5.hidden'].abs().max().item():.2f})")

    # the bucket function for relative positions −300…300 (32 buckets, max distance 128)
    rel = torch.arange(-300, 301)
    ref["t5.buckets_32_128"] = t5.encoder.block[0].layer[0].SelfAttention._relative_position_bucket(
        rel, bidirectional=True, num_buckets=32, max_distance=128).float()

    # --- the pipeline's encode_prompt --------------------------------------------------------
    joint = t5_config.d_model
    transformer = SD3Transformer2DModel(sample_size=8, patch_size=2, in_channels=4, num_layers=1, attention_head_dim=8,
                                        num_attention_heads=2, joint_attention_dim=joint, caption_projection_dim=16,
                                        pooled_projection_dim=24 + 48, out_channels=4, pos_embed_max_size=8)
    def pipeline(with_t5):
        return StableDiffusion3Pipeline(
            transformer=transformer, scheduler=FlowMatchEulerDiscreteScheduler(), vae=None,
            text_encoder=clip_l, tokenizer=tokenizer, text_encoder_2=clip_g, tokenizer_2=tokenizer_2,
            text_encoder_3=t5 if with_t5 else None, tokenizer_3=tokenizer_3 if with_t5 else None)

    with torch.no_grad():
        pe, npe, pp, npp = pipeline(True).encode_prompt(PROMPT, None, None, device="cpu", do_classifier_free_guidance=True,
                                                        max_sequence_length=PIPE_T5_LENGTH)
        ape, _, app, _ = pipeline(False).encode_prompt(PROMPT, None, None, device="cpu", do_classifier_free_guidance=False,
                                                       max_sequence_length=PIPE_T5_LENGTH)
    assert pe.shape == (1, 77 + PIPE_T5_LENGTH, joint) and pp.shape == (1, 72)
    assert torch.equal(ape[:, :77], pe[:, :77]) and not ape[:, 77:].any() and not pe[:, :77, 96:].any()
    ref["pipe.context"], ref["pipe.pooled"] = pe, pp
    ref["pipe.negative_context"], ref["pipe.negative_pooled"] = npe, npp
    ref["pipe.pooled_no_t5"] = app  # its context: pipe.context's first 77 rows, then zeros (asserted above)
    ids = {"clip_l": tokenizer(PROMPT, padding="max_length", max_length=77, truncation=True).input_ids,
           "clip_g": tokenizer_2(PROMPT, padding="max_length", max_length=77, truncation=True).input_ids,
           "t5": tokenizer_3(PROMPT, padding="max_length", max_length=PIPE_T5_LENGTH, truncation=True).input_ids}
    untruncated = {"clip": len(tokenizer(PROMPT).input_ids), "t5": len(tokenizer_3(PROMPT).input_ids)}
    assert untruncated["clip"] > 77 and untruncated["t5"] > PIPE_T5_LENGTH, untruncated
    for k, v in ids.items():
        ref[f"pipe.ids.{k}"] = torch.tensor(v, dtype=torch.float32)

    meta = {"torch": torch.__version__, "transformers": transformers.__version__, "diffusers": diffusers.__version__,
            "prompt": PROMPT, "pipe_t5_length": str(PIPE_T5_LENGTH), "joint_attention_dim": str(joint),
            "untruncated_tokens": json.dumps(untruncated, sort_keys=True)}
    make_fixtures.save({k: v.float().contiguous() for k, v in ref.items()}, f"{DIR}/reference.safetensors", meta)
    total = 0
    for root, _, files in os.walk(OUT):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
            print(f"{os.path.relpath(os.path.join(root, f), OUT)}: {os.path.getsize(os.path.join(root, f))} bytes")
    print(f"total {total} bytes")


def _manual_last(model, x):
    """The last encoder layer's output without the final LayerNorm (to pin what hidden_states[-1] is)."""
    tm = model.text_model
    h = tm.embeddings(x)
    mask = torch.full((x.shape[1], x.shape[1]), torch.finfo(torch.float32).min).triu(1)[None, None]
    for layer in tm.encoder.layers:
        h = layer(h, mask)
        h = h[0] if isinstance(h, tuple) else h
    return h


if __name__ == "__main__":
    main()
