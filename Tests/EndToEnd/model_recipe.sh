#!/usr/bin/env bash
# `flowstudio defaults` prints a model's training recipe: the bundled model's eight phases, and
# for a tiny run trained here, a new run and a resume that changes the learning rate, each with
# its steps, command line and options.
#
# Usage: bash Tests/EndToEnd/model_recipe.sh [path/to/flowstudio]
set -uo pipefail
BIN="${1:-.build/debug/flowstudio}"
[[ -x "$BIN" ]] || { echo "model_recipe: no executable at $BIN" >&2; exit 2; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
passed=0 failed=0

# check NAME PATTERN TEXT: TEXT has a line matching PATTERN (grep -E).
check() {
    if grep -qE -e "$2" <<<"$3"; then echo "ok   $1"; passed=$((passed + 1))
    else echo "FAIL $1: no line matches '$2' in:"; head -20 <<<"$3"; failed=$((failed + 1)); fi
}

bundled="$("$BIN" defaults 2>&1)"
check "bundled: sampling defaults" "^flowstudio-shapes-d4: steps 20, CFG 2, shift 5.75$" "$bundled"
check "bundled: eight phases" "^training recipe, 8 phases" "$bundled"
check "bundled: phase 1" "^  1\. runs/shapes-d4, steps 0–5431$" "$bundled"
check "bundled: phase 8" "^  8\. runs/shapes-d4-p2, steps 60000–72000$" "$bundled"
check "bundled: phase 2's density" "timesteps lognorm:1.75,1.25" "$bundled"

tiny=(--depth 1 --resolution 16 --patch 4 --text-layers 1 --batch 2 --warmup 1 --validate-every 2 --checkpoint-every 2 --threads 1)
"$BIN" train --out "$WORK/run" "${tiny[@]}" --steps 2 > "$WORK/train1.log" 2>&1 || { echo "FAIL train: $(tail -2 "$WORK/train1.log")"; exit 1; }
"$BIN" train --out "$WORK/run" --resume --steps 3 --lr 1e-3 --threads 1 > "$WORK/train2.log" 2>&1 || { echo "FAIL resume: $(tail -2 "$WORK/train2.log")"; exit 1; }
run="$("$BIN" defaults --model "$WORK/run/model.safetensors" 2>&1)"
check "tiny run: two phases" "^training recipe, 2 phases" "$run"
check "tiny run: phase 1 steps" "^  1\. .*/run, steps 0–2$" "$run"
check "tiny run: phase 2 steps" "^  2\. .*/run, steps 2–3$" "$run"
check "tiny run: phase 1 command" "^     command: flowstudio train --out .*/run --depth 1 .* --steps 2$" "$run"
check "tiny run: phase 2 command" "^     command: flowstudio train --out .*/run --resume --steps 3 --lr 1e-3 --threads 1$" "$run"
check "tiny run: the resume's rate" "lr 0\.001," "$run"
check "tiny run: the first rate" "lr 0\.0003," "$run"
check "tiny run: a resume starts from the checkpoint" "^     start: resume at step 2 " "$run"

echo "model_recipe: $passed passed, $failed failed"
(( failed == 0 ))
