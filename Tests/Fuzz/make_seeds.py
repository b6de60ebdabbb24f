#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target (Tests/Fuzz/corpus/TARGET/) from the project's own
files: the bundled model's description, the test fixtures (safetensors, PNG, tokenizers), the
themes. Tokenizer files are cut down (the first few hundred entries) so that mutations stay fast.
Standard library only. Usage: python3 Tests/Fuzz/make_seeds.py   (from the repository root)
"""
import json
import os
import shutil
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "Tests", "Fuzz", "corpus")
FIX = os.path.join(ROOT, "Tests", "Reference", "fixtures")
TOK = os.path.join(FIX, "tokenizers")


def seed(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    open(os.path.join(CORPUS, target, name), "wb").write(data)


def read(*path):
    return open(os.path.join(ROOT, *path), "rb").read()


def safetensors(tensors, metadata=None):
    """A safetensors file as the project's writer lays it out: sorted names, header padded to 8."""
    header, blobs = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name in sorted(tensors):
        dtype, shape, blob = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(blobs), len(blobs) + len(blob)]}
        blobs += blob
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + blobs


shutil.rmtree(CORPUS, ignore_errors=True)

# Safetensors files: the Python-written fixture, a schedule fixture, and small ones in every dtype.
seed("FuzzSafeTensorsHeader", "python_written", read("Tests", "FlowCoreTests", "Fixtures", "python_written.safetensors"))
seed("FuzzSafeTensorsHeader", "schedule", read("Tests", "Reference", "fixtures", "schedule.safetensors"))
seed("FuzzSafeTensorsHeader", "dtypes", safetensors({
    "a.f32": ("F32", [2, 2], struct.pack("<4f", 1, -2, 0.5, 3)),
    "b.f16": ("F16", [3], struct.pack("<3e", 1, -2, 0.5)),
    "c.bf16": ("BF16", [2], b"\x80\x3f\x00\xc0"),
    "scalar": ("F32", [], struct.pack("<f", 7)),
    "empty": ("F32", [0, 4], b""),
}, {"format": "pt", "flowstudio.note": "seed"}))

# The bundled model's description (with and without its training recipe).
model = read("Sources", "Generation", "Resources", "shapes-demo.safetensors")
n = struct.unpack("<Q", model[:8])[0]
header = json.loads(model[8:8 + n])
description = header["__metadata__"]["flowstudio.model"]
seed("FuzzDemoModelDescription", "bundled", description)
d = json.loads(description)
d.pop("recipe", None)
seed("FuzzDemoModelDescription", "no-recipe", json.dumps(d, sort_keys=True))

# diffusers config.json: the bundled model as `export --diffusers` writes it, and SD3.5-medium's.
t = d["transformer"]
seed("FuzzDiffusersConfig", "bundled", json.dumps({
    "_class_name": "SD3Transformer2DModel", "_diffusers_version": "0.42.1", "sample_size": d["resolution"],
    "patch_size": t["patchSize"], "in_channels": t["inChannels"], "num_layers": t["depth"],
    "attention_head_dim": t["hiddenSize"] // t["heads"], "num_attention_heads": t["heads"],
    "joint_attention_dim": t["contextDim"], "caption_projection_dim": t["hiddenSize"],
    "pooled_projection_dim": t["pooledDim"], "out_channels": t["outChannels"],
    "pos_embed_max_size": t["posEmbedMaxSize"], "qk_norm": None, "dual_attention_layers": []}, indent=2, sort_keys=True))
seed("FuzzDiffusersConfig", "sd35-medium", json.dumps({
    "_class_name": "SD3Transformer2DModel", "_diffusers_version": "0.31.0.dev0", "attention_head_dim": 64,
    "caption_projection_dim": 1536, "dual_attention_layers": list(range(13)), "in_channels": 16,
    "joint_attention_dim": 4096, "num_attention_heads": 24, "num_layers": 24, "out_channels": 16,
    "patch_size": 2, "pooled_projection_dim": 2048, "pos_embed_max_size": 384, "qk_norm": "rms_norm",
    "sample_size": 128}, indent=2))

# PNG files (first byte even) and A1111 `parameters` texts (first byte odd).
for name in ("text-chunks", "rgb8", "palette-trns", "interlaced"):
    seed("FuzzPNGParameters", name, b"\0" + read("Tests", "ImagingTests", "Fixtures", name + ".png"))
seed("FuzzPNGParameters", "flowstudio-text", b"\1" + "a red circle left of a blue square\nNegative prompt: blurry\n"
     "Steps: 28, Sampler: Heun, CFG scale: 4.5, Seed: 1234567890123, Size: 64x32, Model hash: abcd1234, "
     "Model: demo, Shift: 3, Version: flowstudio".encode())
seed("FuzzPNGParameters", "webui-text", b"\1" + "masterpiece, (a cat:1.2)\nSteps: 20, Sampler: Euler a, Schedule type: "
     "Automatic, CFG scale: 7, Seed: 3053346364, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, "
     'Lora hashes: "add_detail: 7c6bad76eb54, more: 1a2b", Version: v1.10.1'.encode())

# favorites.json as the studio writes it (pretty, sorted keys, ISO 8601 dates).
entry = {"created": "2026-12-01T10:00:00Z", "id": "0B7C6E0F-2C3A-4B8E-9C51-5D4B1E2F3A4B",
         "imagePath": "images/0B7C6E0F.png", "modelHash": "3f2a9c1b7e", "modelName": "flowstudio-shapes-d4",
         "seedMode": "fixed", "settings": {"cfgScale": 2.5, "height": 64, "negativePrompt": "", "prompt": "a red circle",
                                           "sampler": "heun", "seed": 99, "shift": 5.75, "steps": 5, "width": 64}}
seed("FuzzFavorites", "one", json.dumps({"favorites": [entry], "version": 1}, indent=2, sort_keys=True))
other = dict(entry, id="second", seedMode="random", imagePath=None,
             settings=dict(entry["settings"], sampler="euler", noise="torch", prompt="two green triangles"))
seed("FuzzFavorites", "two", json.dumps({"favorites": [entry, other], "version": 1}, indent=2, sort_keys=True))

# Themes.
for name in sorted(os.listdir(os.path.join(ROOT, "themes"))):
    seed("FuzzTheme", name.split(".")[0], read("themes", name))

# CLIP vocab.json NUL merges.txt, cut to the first 300 tokens and 200 merges.
vocab = json.load(open(os.path.join(TOK, "clip-small", "vocab.json"), encoding="utf-8"))
small = {k: v for k, v in vocab.items() if v < 300 or k in ("<|startoftext|>", "<|endoftext|>")}
merges = open(os.path.join(TOK, "clip-small", "merges.txt"), encoding="utf-8").read().split("\n")
seed("FuzzCLIPVocabMerges", "small", json.dumps(small, ensure_ascii=False).encode() + b"\0" + "\n".join(merges[:201]).encode())

# tokenizer.json: CLIP's (first byte even) and T5's (odd), cut down the same way.
clip = json.load(open(os.path.join(TOK, "clip-small", "tokenizer.json"), encoding="utf-8"))
clip["model"]["vocab"] = {k: v for k, v in clip["model"]["vocab"].items() if v < 300 or k in ("<|startoftext|>", "<|endoftext|>")}
clip["model"]["merges"] = clip["model"]["merges"][:200]
seed("FuzzTokenizerJSON", "clip", b"\0" + json.dumps(clip, ensure_ascii=False).encode())
t5 = json.load(open(os.path.join(TOK, "t5_tokenizer.json"), encoding="utf-8"))
t5["model"]["vocab"] = t5["model"]["vocab"][:300]
t5["added_tokens"] = [a for a in t5["added_tokens"] if a["id"] < 300]
seed("FuzzTokenizerJSON", "t5", b"\1" + json.dumps(t5, ensure_ascii=False).encode())


# spiece.model: SentencePiece's ModelProto with only its first 300 pieces (field 1) kept.
def varint(data, i):
    value = shift = 0
    while True:
        b = data[i]; i += 1
        value |= (b & 0x7F) << shift; shift += 7
        if b < 0x80:
            return value, i


spiece = read("Tests", "Reference", "fixtures", "tokenizers", "t5_spiece.model")
out, i, pieces = b"", 0, 0
while i < len(spiece):
    start = i
    key, i = varint(spiece, i)
    wire = key & 7
    if wire == 0:
        _, i = varint(spiece, i)
    elif wire == 1:
        i += 8
    elif wire == 5:
        i += 4
    else:
        length, i = varint(spiece, i)
        i += length
    if key >> 3 == 1:
        pieces += 1
        if pieces > 300:
            continue
    out += spiece[start:i]
seed("FuzzT5SentencePiece", "t5-small", out)

total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(CORPUS) for f in fs)
print(f"seed corpus: {total} bytes in {CORPUS}")

# SD3 component configs (a selector byte: 0 CLIP, 1 T5, 2 VAE), from the tiny SD3 pipeline folder.
for selector, (name, sub) in enumerate([("clip", "text_encoder"), ("t5", "text_encoder_3"), ("vae", "vae")]):
    seed("FuzzSD3Configs", name, bytes([selector]) + read("Tests", "Reference", "fixtures", "sd3-tiny", sub, "config.json"))
seed("FuzzSD3Configs", "clip-g", bytes([0]) + read("Tests", "Reference", "fixtures", "sd3-tiny", "text_encoder_2", "config.json"))

# A sharded index and its one shard (split at the first NUL), as transformers writes them.
def tiny_safetensors(name, values):
    import struct
    data = struct.pack("<%df" % len(values), *values)
    head = json.dumps({name: {"dtype": "F32", "shape": [len(values)], "data_offsets": [0, len(data)]}}).encode()
    head += b" " * (-len(head) % 8)
    return struct.pack("<Q", len(head)) + head + data
index = json.dumps({"metadata": {"total_size": 8}, "weight_map": {"a.weight": "model-00001-of-00001.safetensors"}}).encode()
seed("FuzzShardedIndex", "one-shard", index + b"\0" + tiny_safetensors("a.weight", [1.0, 2.0]))
seed("FuzzShardedIndex", "missing-tensor", index + b"\0" + tiny_safetensors("b.weight", [1.0]))


# GGUF files: the gguf package's block fixture, and small ones laid out as the converters do.
def gguf(metadata, tensors, alignment=32):
    """A GGUF v3 file: metadata [(key, type, value bytes)], tensors [(name, ggml dims, type, data)]."""
    s = lambda text: struct.pack("<Q", len(text.encode())) + text.encode()
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(metadata))
    for key, vtype, value in metadata:
        out += s(key) + struct.pack("<I", vtype) + value
    offset = 0
    for name, dims, ttype, data in tensors:
        out += s(name) + struct.pack("<I", len(dims)) + struct.pack("<%dQ" % len(dims), *dims) + struct.pack("<IQ", ttype, offset)
        offset += len(data) + (-len(data) % alignment)
    out += b"\0" * (-len(out) % alignment)
    for _, _, _, data in tensors:
        out += data + b"\0" * (-len(data) % alignment)
    return out
gstr = lambda text: struct.pack("<Q", len(text.encode())) + text.encode()
q8_block = struct.pack("<e", 0.01) + bytes(range(0, 64, 2))
seed("FuzzGGUF", "blocks", read("Tests", "Reference", "fixtures", "gguf_blocks.gguf"))
seed("FuzzGGUF", "comfyui-sd3", gguf(
    [("general.architecture", 8, gstr("sd3")), ("general.quantization_version", 4, struct.pack("<I", 2)),
     ("general.file_type", 4, struct.pack("<I", 7)),
     ("comfy.gguf.orig_shape.x_embedder.proj.weight", 9, struct.pack("<IQ4i", 5, 4, 8, 4, 2, 2))],
    [("joint_blocks.0.x_block.attn.qkv.weight", [32, 3], 8, q8_block * 3),
     ("pos_embed", [4, 4, 1], 0, struct.pack("<16f", *range(16))),
     ("x_embedder.proj.weight", [128], 1, struct.pack("<128e", *[i / 64 for i in range(128)])),
     ("joint_blocks.0.x_block.mlp.fc1.weight", [32, 2], 2, (struct.pack("<e", 0.5) + bytes(range(16))) * 2)]))
seed("FuzzGGUF", "sdcpp-sd3", gguf(
    [("general.alignment", 4, struct.pack("<I", 64)),
     ("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 3) + gstr("a") + gstr("bc") + gstr("")),
     ("nested", 9, struct.pack("<IQ", 9, 1) + struct.pack("<IQ", 6, 2) + struct.pack("<2f", 1, 2))],
    [("model.diffusion_model.pos_embed", [4, 4], 30, struct.pack("<16H", *range(16))),
     ("model.diffusion_model.joint_blocks.0.context_block.attn.qkv.bias", [32], 6, (struct.pack("<eI", 0.25, 0xF0F0) + bytes(16))),
     ("model.diffusion_model.final_layer.linear.weight", [32, 1], 7, struct.pack("<eeI", 0.1, -1, 7) + bytes(range(16))),
     ("model.diffusion_model.t_embedder.mlp.0.weight", [256], 14, bytes(range(208)) + struct.pack("<e", 0.01)),
     ("model.diffusion_model.y_embedder.mlp.0.weight", [256], 12, struct.pack("<ee", 0.01, 0.02) + bytes(range(140))),
     ("model.diffusion_model.y_embedder.mlp.2.weight", [256], 13, struct.pack("<ee", 0.01, 0.02) + bytes(range(172))),
     ("model.diffusion_model.empty", [0, 3], 0, b"")], alignment=64))
seed("FuzzGGUF", "unsupported", gguf([("general.architecture", 8, gstr("sd3"))],
                                     [("q3k", [256], 11, bytes(110)), ("v2", [2], 0, bytes(8))]))
# An SD3 pipeline folder's model_index.json NUL scheduler/scheduler_config.json, from the tiny
# SD3 folder: as saved, without T5 (null entries), and without a scheduler config.
sd3 = ("Tests", "Reference", "fixtures", "sd3-tiny")
model_index, scheduler = read(*sd3, "model_index.json"), read(*sd3, "scheduler", "scheduler_config.json")
seed("FuzzSD3Folder", "pipeline", model_index + b"\0" + scheduler)
no_t5 = json.loads(model_index)
no_t5["text_encoder_3"], no_t5["tokenizer_3"] = [None, None], None
seed("FuzzSD3Folder", "no-t5", json.dumps(no_t5, indent=2).encode() + b"\0" + scheduler)
seed("FuzzSD3Folder", "no-scheduler", model_index)


# Checkpoint headers (tensor names and shapes; the fuzz target lays out the data): the Stability
# single file, its MM-DiT alone, the diffusers MM-DiT, and another family's names.
def header_of(*path):
    blob = read(*path)
    return blob[8:8 + struct.unpack("<Q", blob[:8])[0]].rstrip(b" ")
seed("FuzzSD3Checkpoint", "stability-single-file", header_of("Tests", "Reference", "fixtures", "sd3-tiny.safetensors"))
seed("FuzzSD3Checkpoint", "diffusers-mmdit", header_of(*sd3, "transformer", "diffusion_pytorch_model.safetensors"))
single = json.loads(header_of("Tests", "Reference", "fixtures", "sd3-tiny.safetensors"))
mmdit_only = {k: v for k, v in single.items() if not k.startswith("first_stage_model.")}
seed("FuzzSD3Checkpoint", "stability-mmdit-only", json.dumps(mmdit_only, separators=(",", ":")))
seed("FuzzSD3Checkpoint", "flux-names", json.dumps({
    "double_blocks.0.img_attn.qkv.weight": {"dtype": "F16", "shape": [9, 3], "data_offsets": [0, 54]},
    "single_blocks.0.linear1.weight": {"dtype": "F16", "shape": [2, 3], "data_offsets": [54, 66]}}))

# The studio's models.json (recent models), as RecentModelsStore writes it.
recent = [{"lastUsed": "2026-12-01T10:00:00Z", "name": "sd3.5_medium", "path": "/models/sd3.5_medium.safetensors",
           "summary": "SD3.5-medium (MM-DiT depth 24, 2.2B params), CLIP-L + CLIP-G, VAE"},
          {"lastUsed": "2026-11-30T09:00:00Z", "name": "flowstudio-shapes-d4", "path": "/models/shapes",
           "summary": "the bundled Shapes demo model"}]
seed("FuzzRecentModels", "two", json.dumps({"models": recent, "version": 1}, indent=2, sort_keys=True))
seed("FuzzRecentModels", "one-bad", json.dumps({"models": [recent[0], dict(recent[1], path="relative")], "version": 1},
                                               indent=2, sort_keys=True))

# A CLIP tokenizer folder's tokenizer_config.json NUL special_tokens_map.json (the pad token), as
# the tiny SD3 folder's two tokenizers and older transformers (an added-token object) write them.
for name, sub in (("clip-l", "tokenizer"), ("clip-g", "tokenizer_2")):
    seed("FuzzCLIPTokenizerFolder", name, read(*sd3, sub, "tokenizer_config.json"))
seed("FuzzCLIPTokenizerFolder", "added-token-map", b"{}\0" + json.dumps({
    "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
    "pad_token": {"content": "!", "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}}).encode())

# Prompt text (first byte: the editor's wrap width − 1, mod 80): plain, punctuation and numbers,
# emoji with joiners and skin tones, combining marks, wide CJK, right-to-left, control bytes,
# a long word past CLIP's 77 tokens, and invalid UTF-8.
prompts = {
    "plain": "a red circle on the left and a green triangle on the right",
    "punctuation": "A photo of a cat, 35mm, f/1.8 -- (masterpiece:1.2) [blue] {sky} 1024px!!!",
    "emoji": "a 👩🏽‍🚀 and a 🏳️‍🌈 flag, 😀😀😀",
    "combining": "cafe\u0301 nai\u0308ve Z\u0351\u0352\u0353algo\u0300\u0301\u0302",
    "wide": "富士山の写真、夕焼け 한국어 テスト",
    "rtl": "\u05e9\u05dc\u05d5\u05dd \u202eabc\u202c مرحبا",
    "controls": "a\tred\ncircle\r\n\x00\x1b[31m\x7f",
    "long": " ".join(["antidisestablishmentarianism"] * 60),
    "invalid-utf8": b"a \xff\xfe red \xc3 circle \xed\xa0\x80",
}
for i, (name, text) in enumerate(prompts.items()):
    data = text if isinstance(text, bytes) else text.encode()
    seed("FuzzPromptText", name, bytes([(i * 17) % 80]) + data)
