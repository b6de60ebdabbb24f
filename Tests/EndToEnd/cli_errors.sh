#!/usr/bin/env bash
# Bad input to the command-line tool: each case must exit non-zero with one clear error line
# (naming what is wrong) and never crash (no signal exit, no Swift fatal error / backtrace).
#
# Usage: bash Tests/EndToEnd/cli_errors.sh [path/to/flowstudio]
set -uo pipefail
BIN="${1:-.build/debug/flowstudio}"
[[ -x "$BIN" ]] || { echo "cli_errors: no executable at $BIN" >&2; exit 2; }
FIX="$(cd "$(dirname "$0")/../Reference/fixtures" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
passed=0 failed=0

# expect NAME PATTERN -- ARGS...: non-zero exit below 128, stderr matches PATTERN, no crash text.
expect() {
    local name="$1" pattern="$2"; shift 3
    local err rc
    err="$("$BIN" "$@" 2>&1 >/dev/null)"; rc=$?
    if (( rc == 0 || rc >= 128 )) || ! grep -qiE -e "$pattern" <<<"$err" || grep -qE "Fatal error|Stack dump|backtrace" <<<"$err"; then
        echo "FAIL $name (exit $rc): $err" | head -5; failed=$((failed + 1))
    else
        echo "ok   $name: $(grep -iE -e "$pattern" <<<"$err" | head -1 | cut -c1-150)"; passed=$((passed + 1))
    fi
}

# expect_fast NAME PATTERN -- ARGS...: as expect, within 10 seconds (a FIFO given as an input
# must be refused, not opened and waited on: a regression fails here instead of hanging CI).
expect_fast() {
    local name="$1" pattern="$2"; shift 3
    local err rc
    err="$(timeout 10 "$BIN" "$@" 2>&1 >/dev/null </dev/null)"; rc=$?
    if (( rc == 124 )); then
        echo "FAIL $name: still running after 10 s (blocked?)"; failed=$((failed + 1))
    elif (( rc == 0 || rc >= 128 )) || ! grep -qiE -e "$pattern" <<<"$err" || grep -qE "Fatal error|Stack dump|backtrace" <<<"$err"; then
        echo "FAIL $name (exit $rc): $err" | head -5; failed=$((failed + 1))
    else
        echo "ok   $name: $(grep -iE -e "$pattern" <<<"$err" | head -1 | cut -c1-150)"; passed=$((passed + 1))
    fi
}

# Corrupt safetensors files.
printf 'abc' > "$WORK/short.safetensors"
printf '\xff\x00\x00\x00\x00\x00\x00\x00{}' > "$WORK/huge-header.safetensors"
python3 - "$WORK/bad-dtype.safetensors" <<'PY'
import json, struct, sys
h = json.dumps({"x": {"dtype": "I8", "shape": [2], "data_offsets": [0, 2]}}).encode()
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h + b"\0\0")
PY
head -c 100000 "$FIX/forward_a.weights.safetensors" > "$WORK/truncated.safetensors"

expect "file shorter than a header" "short|header|8 bytes" -- forward --model "$WORK/short.safetensors" --inputs "$FIX/forward_a.io.safetensors" --out "$WORK/o.safetensors"
expect "header longer than the file" "header|length|larger" -- forward --model "$WORK/huge-header.safetensors" --inputs "$FIX/forward_a.io.safetensors" --out "$WORK/o.safetensors"
expect "unknown dtype" "I8|dtype" -- forward --model "$WORK/bad-dtype.safetensors" --inputs "$FIX/forward_a.io.safetensors" --out "$WORK/o.safetensors"
expect "truncated file" "offset|range|bytes|truncat" -- forward --model "$WORK/truncated.safetensors" --inputs "$FIX/forward_a.io.safetensors" --out "$WORK/o.safetensors"
expect "inputs for another model" "shape|channels|text tokens|pooled" -- forward --model "$FIX/forward_b.weights.safetensors" --inputs "$FIX/forward_a.io.safetensors" --out "$WORK/o.safetensors"
expect "missing input tensor" "no tensor 'latents'" -- sample --model "$FIX/forward_b.weights.safetensors" --inputs "$FIX/forward_a.io.safetensors" --out "$WORK/o.safetensors"
expect "steps 0" "steps" -- sample --model "$FIX/forward_b.weights.safetensors" --inputs "$FIX/sample_b.io.safetensors" --out "$WORK/o.safetensors" --steps 0
expect "steps 1001" "steps" -- sample --model "$FIX/forward_b.weights.safetensors" --inputs "$FIX/sample_b.io.safetensors" --out "$WORK/o.safetensors" --steps 1001
expect "negative CFG" "cfg" -- sample --model "$FIX/forward_b.weights.safetensors" --inputs "$FIX/sample_b.io.safetensors" --out "$WORK/o.safetensors" --cfg=-1
expect "NaN CFG" "cfg" -- sample --model "$FIX/forward_b.weights.safetensors" --inputs "$FIX/sample_b.io.safetensors" --out "$WORK/o.safetensors" --cfg nan
expect "shift 0" "shift" -- sample --model "$FIX/forward_b.weights.safetensors" --inputs "$FIX/sample_b.io.safetensors" --out "$WORK/o.safetensors" --shift 0
expect "unknown timestep density" "density|timestep|unknown" -- train --out "$WORK/run" --timesteps gaussian --steps 1
expect "malformed lognorm" "lognorm|number|parameter" -- train --out "$WORK/run" --timesteps lognorm:0 --steps 1
expect "defaults of the bundled model need a file" "--model FILE" -- defaults --cfg 2
expect "defaults out of range" "cfg" -- defaults --model "$FIX/forward_a.io.safetensors" --cfg 99
expect "defaults of a non-model file" "not a FlowStudio demo model|SD3 MM-DiT" -- defaults --model "$FIX/forward_a.io.safetensors" --cfg 2
expect "malformed scene mix" "scene mix.*ONE,TWO,COUNT" -- train --out "$WORK/run" --scene-mix 1,2 --steps 1
expect "unwritable output" "write|permission|directory" -- train --out /proc/flowstudio-run --steps 1
expect "generate with a non-model file" "not an SD3-family checkpoint.*or a FlowStudio demo model" -- generate "a red circle" --model "$FIX/forward_a.io.safetensors" --out "$WORK/x.png"
expect "generate into a missing directory" "cannot write" -- generate "a red circle" --out "$WORK/missing/x.png"

# A latent larger than the positional table (forward_a's table is 4×4 patches of 2 → at most 8×8).
python3 - "$FIX/forward_a.io.safetensors" "$WORK/big.safetensors" <<'PY'
import json, struct, sys
src = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", src[:8])[0]
header = json.loads(src[8:8 + n]); data = src[8 + n:]
out, blobs, offset = {}, b"", 0
for name, info in header.items():
    if name == "__metadata__": continue
    blob = data[info["data_offsets"][0]:info["data_offsets"][1]]
    shape = info["shape"]
    if name == "hidden_states":
        shape = [shape[0], shape[1], 16, 16]; blob = b"\0" * (4 * shape[0] * shape[1] * 256)
    out[name] = {"dtype": info["dtype"], "shape": shape, "data_offsets": [offset, offset + len(blob)]}
    blobs += blob; offset += len(blob)
h = json.dumps(out).encode(); h += b" " * (-len(h) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(h)) + h + blobs)
PY
expect "latent larger than the positional table" "positional table|larger" -- forward --model "$FIX/forward_a.weights.safetensors" --inputs "$WORK/big.safetensors" --out "$WORK/o.safetensors"

# Output paths that are not a file name.
mkdir -p "$WORK/adir"
expect "generate into an empty --out" "--out is empty" -- generate "a red circle" --out ""
expect "generate onto a directory" "is a directory" -- generate "a red circle" --out "$WORK/adir"

# Values outside the ranges the studio's fields also use (negative numbers included).
expect "negative steps" "--steps must be" -- generate "a red circle" --steps -1 --out "$WORK/x.png"
expect "negative threads" "--threads must be between 1 and 1024 \(got -3\)" -- generate "a red circle" --threads -3 --out "$WORK/x.png"
expect "tiny shift" "--shift must be" -- generate "a red circle" --shift 1e-8 --out "$WORK/x.png"
expect "huge CFG" "--cfg must be" -- generate "a red circle" --cfg 1e9 --out "$WORK/x.png"

# Model files whose description was damaged: a text encoder with 0 heads, a description that is not JSON.
BUNDLED="$(cd "$(dirname "$0")/../.." && pwd)/Sources/Generation/Resources/shapes-demo.safetensors"
python3 - "$BUNDLED" "$WORK" <<'PY'
import json, struct, sys
src = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", src[:8])[0]
header = json.loads(src[8:8 + n]); data = src[8 + n:]
def write(name, description):
    h = dict(header); h["__metadata__"] = dict(header["__metadata__"], **{"flowstudio.model": description})
    text = json.dumps(h).encode(); text += b" " * (-len(text) % 8)
    open(sys.argv[2] + "/" + name, "wb").write(struct.pack("<Q", len(text)) + text + data)
d = json.loads(header["__metadata__"]["flowstudio.model"]); d["textEncoder"]["heads"] = 0
write("heads0.safetensors", json.dumps(d))
write("notjson.safetensors", "{ not json")
# Issue 17, finding 2: hostile values in the description.
for name, value in [("neg", -64), ("1e9", 10**9), ("max", 2**63 - 1)]:
    d = json.loads(header["__metadata__"]["flowstudio.model"]); d["resolution"] = value
    write(f"resolution-{name}.safetensors", json.dumps(d))
d = json.loads(header["__metadata__"]["flowstudio.model"]); d["transformer"]["contextDim"] = 2**32
write("context-2e32.safetensors", json.dumps(d))
PY
# Issue 17, finding 3: legal zero-byte tensors with huge dimensions.
python3 - "$WORK/zero-byte.safetensors" <<'PY'
import json, struct, sys
shapes = {"pos_embed.proj.weight": [2**40, 0, 0, 0], "pos_embed.pos_embed": [1, 0, 2**40],
          "transformer_blocks.0.ff.net.0.proj.weight": [0, 2**40], "context_embedder.weight": [2**40, 0],
          "time_text_embed.text_embedder.linear_1.weight": [2**40, 0], "proj_out.weight": [0, 2**40]}
h = json.dumps({k: {"dtype": "F32", "shape": v, "data_offsets": [0, 0]} for k, v in shapes.items()}).encode()
open(sys.argv[1], "wb").write(struct.pack("<Q", len(h)) + h)
PY
expect "text encoder with 0 heads" "heads" -- generate "a red circle" --model "$WORK/heads0.safetensors" --out "$WORK/x.png"
expect "description not JSON" "cannot be read: not valid JSON" -- generate "a red circle" --model "$WORK/notjson.safetensors" --out "$WORK/x.png"
expect "resolution -64" "resolution is -64; it must be in 1…4096" -- generate "a red circle" --model "$WORK/resolution-neg.safetensors" --out "$WORK/x.png"
expect "resolution 10^9" "resolution is 1000000000; it must be in 1…4096" -- generate "a red circle" --model "$WORK/resolution-1e9.safetensors" --out "$WORK/x.png"
expect "resolution 2^63-1" "resolution is 9223372036854775807; it must be in 1…4096" -- generate "a red circle" --model "$WORK/resolution-max.safetensors" --out "$WORK/x.png"
expect "context width 2^32 (defaults)" "contextDim is 4294967296; it must be in 1…16384" -- defaults --model "$WORK/context-2e32.safetensors"
expect "context width 2^32 (eval)" "contextDim is 4294967296; it must be in 1…16384" -- eval --count 6 --model "$WORK/context-2e32.safetensors" --out "$WORK/eval"
expect "zero-byte tensors with huge dimensions (forward)" "pos_embed.proj.weight has shape \[1099511627776, 0, 0, 0\].*must be in 1…16384" -- forward --model "$WORK/zero-byte.safetensors" --inputs "$FIX/forward_a.io.safetensors" --out "$WORK/o.safetensors"
expect "zero-byte tensors with huge dimensions (sample)" "pos_embed.proj.weight has shape \[1099511627776, 0, 0, 0\].*must be in 1…16384" -- sample --model "$WORK/zero-byte.safetensors" --inputs "$FIX/sample_b.io.safetensors" --out "$WORK/o.safetensors"
expect "eval --count 10^12" "--count must be between 1 and 10000 \(got 1000000000000\)" -- eval --count 1000000000000 --out "$WORK/eval"

# Training: a resume needs a run, a new run keeps an earlier run's files, a resume keeps the run's options.
expect "resume with nothing to resume" "nothing to resume" -- train --out "$WORK/empty-run" --resume --steps 1
mkdir -p "$WORK/leftover" && printf 'earlier' > "$WORK/leftover/model.safetensors"
expect "new run over an earlier run's model" "earlier run" -- train --out "$WORK/leftover" --steps 1
expect "batch beyond memory" "smaller --batch" -- train --out "$WORK/run" --batch 100000000 --steps 1
expect "negative warm-up" "warm-up" -- train --out "$WORK/run" --warmup=-1 --steps 1
expect "absurd resolution" "smaller --batch" -- train --out "$WORK/run" --resolution 65536 --steps 1
tiny=(--depth 1 --resolution 16 --patch 4 --batch 2 --threads 1)
if "$BIN" train --out "$WORK/tiny" --steps 1 "${tiny[@]}" >/dev/null 2>&1; then
    expect "resume changing the batch" "cannot change --batch 4 \(the run has 2\)" -- train --out "$WORK/tiny" --resume --batch 4 --steps 2
    expect "resume with no steps left" "already at step 1 of its 1" -- train --out "$WORK/tiny" --resume --steps 1
    expect "resume keeps the run's steps and accepts its own options" "already at step 1 of its 1" -- train --out "$WORK/tiny" --resume --batch 2 --timesteps lognorm:0.0,1.0
else
    echo "FAIL a one-step training run for the resume cases"; failed=$((failed + 1))
fi
[[ "$(cat "$WORK/leftover/model.safetensors")" == earlier ]] || { echo "FAIL the earlier run's model was overwritten"; failed=$((failed + 1)); }

# Things that must work: a symlinked --out keeps the link, a pipe is written through, --seed -1 draws one.
"$BIN" generate "a red circle" --steps 2 --out "$WORK/target.png" >/dev/null 2>&1
ln -s target.png "$WORK/link.png"
if "$BIN" generate "a blue square" --steps 2 --out "$WORK/link.png" >/dev/null 2>&1 && [[ -L "$WORK/link.png" ]]; then
    echo "ok   --out through a symlink keeps the link"; passed=$((passed + 1))
else
    echo "FAIL --out through a symlink"; failed=$((failed + 1))
fi
"$BIN" generate "a red circle" --steps 2 --out /dev/stdout 2>/dev/null > "$WORK/piped.png"
if [[ "$(head -c 4 "$WORK/piped.png" | tail -c 3)" == PNG ]]; then
    echo "ok   --out /dev/stdout writes the PNG to the pipe"; passed=$((passed + 1))
else
    echo "FAIL --out /dev/stdout"; failed=$((failed + 1))
fi
seed_note="$("$BIN" generate "a red circle" --steps 2 --seed -1 --out "$WORK/random.png" 2>&1 >/dev/null)"
if grep -q "(random)" <<<"$seed_note"; then
    echo "ok   --seed -1 draws a random seed and says which"; passed=$((passed + 1))
else
    echo "FAIL --seed -1"; failed=$((failed + 1))
fi

# Not a file: a FIFO, a device or a folder where a file is read fails at once with one message
# (FlowCore's ReadableFile opens non-blocking and checks the type before reading).
mkfifo "$WORK/fifo"
A_MODEL="$FIX/forward_a.weights.safetensors" A_IO="$FIX/forward_a.io.safetensors"
expect_fast "FIFO as --model" "fifo is a FIFO.*not a file; give a safetensors file" -- generate "a red circle" --model "$WORK/fifo" --out "$WORK/x.png"
expect_fast "FIFO as forward --model" "fifo is a FIFO.*not a file" -- forward --model "$WORK/fifo" --inputs "$A_IO" --out "$WORK/o.safetensors"
expect_fast "FIFO as --inputs" "fifo is a FIFO.*not a file" -- forward --model "$A_MODEL" --inputs "$WORK/fifo" --out "$WORK/o.safetensors"
expect_fast "FIFO as train --init" "fifo is a FIFO.*not a file" -- train --init "$WORK/fifo" --out "$WORK/init-run" --steps 1
expect_fast "FIFO as defaults --model" "fifo is a FIFO.*not a file" -- defaults --model "$WORK/fifo"
expect_fast "FIFO as studio --from" "--from: .*fifo is a FIFO.*not a file; give a PNG file" -- studio --from "$WORK/fifo"
expect_fast "FIFO as studio --model (falls back, then needs a tty)" "needs a terminal" -- studio --model "$WORK/fifo"
expect_fast "FIFO as eval --prompts" "--prompts: .*fifo is a FIFO.*not a file" -- eval --prompts "$WORK/fifo" --out "$WORK/eval"
expect_fast "a device as --model" "/dev/zero is a character device, not a file" -- generate "a red circle" --model /dev/zero --out "$WORK/x.png"
expect_fast "a folder as --inputs" "adir is a directory, not a file" -- forward --model "$A_MODEL" --inputs "$WORK/adir" --out "$WORK/o.safetensors"

# Writers (FlowCore's WritableFile, the PNG writer's rules): --out through a symlink writes the
# file it leads to and keeps the link; into a FIFO writes through it; `defaults` rewrites the
# model a link leads to and keeps its permissions.
timeout 60 "$BIN" forward --model "$A_MODEL" --inputs "$A_IO" --out "$WORK/sample-ref.safetensors" >/dev/null 2>&1
printf 'old' > "$WORK/sample-target.safetensors"
ln -s sample-target.safetensors "$WORK/sample-link.safetensors"
if timeout 60 "$BIN" forward --model "$A_MODEL" --inputs "$A_IO" --out "$WORK/sample-link.safetensors" >/dev/null 2>&1 \
    && [[ -L "$WORK/sample-link.safetensors" ]] && cmp -s "$WORK/sample-target.safetensors" "$WORK/sample-ref.safetensors"; then
    echo "ok   forward --out through a symlink keeps the link and writes its target"; passed=$((passed + 1))
else
    echo "FAIL forward --out through a symlink"; failed=$((failed + 1))
fi
mkfifo "$WORK/out-fifo"
timeout 30 cat "$WORK/out-fifo" > "$WORK/from-fifo.safetensors" &
reader=$!
if timeout 60 "$BIN" forward --model "$A_MODEL" --inputs "$A_IO" --out "$WORK/out-fifo" >/dev/null 2>&1 && wait "$reader" \
    && [[ -p "$WORK/out-fifo" ]] && cmp -s "$WORK/from-fifo.safetensors" "$WORK/sample-ref.safetensors"; then
    echo "ok   forward --out into a FIFO writes through it (the FIFO stays)"; passed=$((passed + 1))
else
    echo "FAIL forward --out into a FIFO"; failed=$((failed + 1)); kill "$reader" 2>/dev/null
fi
cp "$BUNDLED" "$WORK/readonly-model.safetensors" && chmod 0400 "$WORK/readonly-model.safetensors"
ln -s readonly-model.safetensors "$WORK/model-link.safetensors"
if timeout 60 "$BIN" defaults --model "$WORK/model-link.safetensors" --cfg 3 >/dev/null 2>&1 && [[ -L "$WORK/model-link.safetensors" ]] \
    && [[ "$(stat -c %a "$WORK/readonly-model.safetensors")" == 400 ]] \
    && grep -q "CFG 3," <<<"$(timeout 60 "$BIN" defaults --model "$WORK/readonly-model.safetensors" 2>/dev/null)"; then
    echo "ok   defaults --model LINK --cfg 3 updates the file the link leads to and keeps its mode 0400"; passed=$((passed + 1))
else
    echo "FAIL defaults --model LINK: link $(ls -l "$WORK/model-link.safetensors" | cut -c1-10), target mode $(stat -c %a "$WORK/readonly-model.safetensors")"
    failed=$((failed + 1))
fi

# NaN in a forward's inputs is refused, not turned into an all-NaN output (issue 17, finding 7).
python3 - "$FIX/forward_a.io.safetensors" "$WORK/nan-inputs.safetensors" <<'PY'
import json, struct, sys
raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = bytearray(raw[8 + n:])
start = header["hidden_states"]["data_offsets"][0]
data[start:start + 4] = struct.pack("<f", float("nan"))
open(sys.argv[2], "wb").write(raw[:8 + n] + bytes(data))
PY
expect "NaN in forward inputs" "hidden_states' holds 1 NaN or infinite value" -- forward --model "$FIX/forward_a.weights.safetensors" --inputs "$WORK/nan-inputs.safetensors" --out "$WORK/o.safetensors"

# train --init with a config.json that is not JSON says so in words (issue 17, finding 7).
mkdir -p "$WORK/badinit" && printf '{' > "$WORK/badinit/config.json"
expect "train --init with a broken config.json" "config.json.*not valid JSON" -- train --init "$WORK/badinit" --out "$WORK/init-run2" --steps 1

# SD3 models (issue 20): what is missing, sizes and blocks that do not fit, other checkpoint kinds.
expect "SD3 single file without encoders" "No CLIP-L weights.*--clip-l" -- generate "a cat" --model "$FIX/sd3-tiny.safetensors" --out "$WORK/x.png"
expect "SD3 size past the positional table" "at most 128 pixels a side" -- generate "a cat" --model "$FIX/sd3-tiny" --size 256x64 --out "$WORK/x.png"
expect "SD3 size not a multiple of 16" "not a multiple of 16 pixels" -- generate "a cat" --model "$FIX/sd3-tiny" --size 100x64 --out "$WORK/x.png"
expect "SD3 skip-layer block out of range" "cannot skip joint block 5" -- generate "a cat" --model "$FIX/sd3-tiny" --slg 5 --out "$WORK/x.png"
mkdir -p "$WORK/sdxl" && printf '{"_class_name": "StableDiffusionXLPipeline"}' > "$WORK/sdxl/model_index.json"
expect "an SDXL folder" "StableDiffusionXLPipeline" -- generate "a cat" --model "$WORK/sdxl" --out "$WORK/x.png"
expect "component options without --model" "go with --model" -- generate "a cat" --clip-l "$FIX/sd3-tiny/text_encoder" --out "$WORK/x.png"

# GGUF MM-DiTs (issue 16): what is missing, a truncated file, a block type FlowStudio does not read.
expect "GGUF MM-DiT without encoders" "No CLIP-L weights.*--clip-l" -- generate "a cat" --model "$FIX/sd3-tiny.Q4_0.gguf" --out "$WORK/x.png"
head -c 200000 "$FIX/sd3-tiny.Q4_0.gguf" > "$WORK/truncated.gguf"
expect "GGUF data past the end" "past the end of the 200000-byte file" -- generate "a cat" --model "$WORK/truncated.gguf" --out "$WORK/x.png"
# One Q3_K tensor (type 11, 256 values in 110 bytes) at offset 0; the 59-byte header padded to 64.
{ printf 'GGUF\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
  printf '\x03\x00\x00\x00\x00\x00\x00\x00q3k\x01\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00'
  printf '\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'; head -c 5 /dev/zero; head -c 110 /dev/zero; } > "$WORK/q3k.gguf"
expect "GGUF unsupported block type" "Q3_K .* not supported; re-quantize to Q8_0 or Q4_0" -- generate "a cat" --model "$WORK/q3k.gguf" --out "$WORK/x.png"

# X/Y grids (`grid`): axes it cannot sweep are refused before the model loads; a PNG whose
# `Branch` field is damaged is refused by `studio --from` naming the field.
expect_fast "grid: unknown axis" "'colour=1,2' is not an axis.*seed, cfg, steps, shift, sampler, word" -- grid "a red circle" --x colour=1,2
expect_fast "grid: word without A|B|C" "word axis sweeps a word of the prompt written as A\|B\|C" -- grid "a red circle" --x word
expect_fast "grid: bad value" "'lots' is not a cfg value" -- grid "a red circle" --x cfg=3,lots
expect_fast "grid: both axes the same" "both axes sweep seed" -- grid "a red circle" --x seed=1,2 --y seed=3,4
expect_fast "grid: too many values" "13 values; a grid takes at most 12" -- grid "a red circle" --x seed=1,2,3,4,5,6,7,8,9,10,11,12,13
python3 - "$WORK/bad-branch.png" <<'PY'
import struct, sys, zlib
def chunk(kind, body): return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
text = b'parameters\0a blue square\nSteps: 20, Sampler: Euler, CFG scale: 5, Seed: 1, Size: 64x64, Branch: "[{\\"from step\\":40}]"'
raw = b"".join(b"\0" + b"\0\0\0" * 64 for _ in range(64))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)) + chunk(b"tEXt", text)
open(sys.argv[1], "wb").write(png + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
expect_fast "studio --from a damaged Branch field" "the 'Branch' setting .* is not valid" -- studio --from "$WORK/bad-branch.png"

echo "$passed passed, $failed failed"
(( failed == 0 ))
