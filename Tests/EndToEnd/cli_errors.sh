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
    if (( rc == 0 || rc >= 128 )) || ! grep -qiE "$pattern" <<<"$err" || grep -qE "Fatal error|Stack dump|backtrace" <<<"$err"; then
        echo "FAIL $name (exit $rc): $err" | head -5; failed=$((failed + 1))
    else
        echo "ok   $name: $(grep -iE "$pattern" <<<"$err" | head -1 | cut -c1-150)"; passed=$((passed + 1))
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
expect "unwritable output" "write|permission|directory" -- train --out /proc/flowstudio-run --steps 1
expect "generate with a non-model file" "not a FlowStudio demo model|SD3 MM-DiT" -- generate "a red circle" --model "$FIX/forward_a.io.safetensors" --out "$WORK/x.png"
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

echo "$passed passed, $failed failed"
(( failed == 0 ))
