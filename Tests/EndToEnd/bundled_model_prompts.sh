#!/usr/bin/env bash
# The bundled model draws what simple prompts ask for: each prompt of bundled_model_prompts.txt
# is generated with SEEDS seeds at the model's default settings by `flowstudio eval --prompts`
# (the same generation and Shapes-world checker as `flowstudio eval`), and the images the checker
# finds right must reach MIN_CORRECT, with every prompt right at least once. Prints a line per
# prompt and the time taken. The seeds are fixed (prompt line i of the expanded list, counting
# from 0, uses seed i), so the result is the same on every run on a machine.
#
# Usage: bash Tests/EndToEnd/bundled_model_prompts.sh [path/to/flowstudio] [output directory]
# (the output directory keeps the images, manifest.tsv and contact-sheet.png; default: temporary)
set -uo pipefail
BIN="${1:-.build/debug/flowstudio}"
[[ -x "$BIN" ]] || { echo "bundled_model_prompts: no executable at $BIN" >&2; exit 2; }
HERE="$(cd "$(dirname "$0")" && pwd)"
SEEDS=3
# Of 8 prompts × 3 seeds = 24 images the shipped model gets 23 right (measured 2026-12-03; the
# miss is seed 22, "a red square and a blue circle" drawn touching, read as one purple object).
# Over 9–11 distinct seeds per prompt it got 79 of 85 right (93%; two objects 7 of 11, the
# rest 9 of 9 to 11 of 11), so 20 leaves a margin of 3 images for round-off that flips a
# borderline picture on another machine, while a model that lost a skill (position, colour,
# counting…) drops below it.
MIN_CORRECT=20
if [[ -n "${2:-}" ]]; then OUT="$2"; mkdir -p "$OUT"; else OUT="$(mktemp -d)"; trap 'rm -rf "$OUT"' EXIT; fi

grep -vE '^[[:space:]]*(#|$)' "$HERE/bundled_model_prompts.txt" | while IFS= read -r prompt; do
    for ((s = 0; s < SEEDS; s++)); do printf '%s\n' "$prompt"; done
done > "$OUT/prompts.txt"
images=$(wc -l < "$OUT/prompts.txt")

start=$SECONDS
if ! "$BIN" eval --prompts "$OUT/prompts.txt" --out "$OUT" --json "$OUT/report.json" > "$OUT/eval.log" 2>&1; then
    echo "FAIL flowstudio eval exited with an error:"; tail -5 "$OUT/eval.log"; exit 1
fi
elapsed=$((SECONDS - start))
[[ -f "$OUT/manifest.tsv" ]] && (( $(wc -l < "$OUT/manifest.tsv") == images )) || {
    echo "FAIL expected $images images in $OUT/manifest.tsv"; exit 1; }

# manifest.tsv: prompt <TAB> png <TAB> category <TAB> "ok" or "wrong: why"
awk -F'\t' -v min="$MIN_CORRECT" -v images="$images" -v elapsed="$elapsed" '
    !($1 in total) { order[++n] = $1 }
    { total[$1]++; if ($4 == "ok") { right[$1]++; correct++ } else { why[$1] = why[$1] "\n       seed " (NR - 1) ": " substr($4, 8) } }
    END {
        bad = 0
        for (i = 1; i <= n; i++) {
            p = order[i]; r = right[p] + 0
            printf "%s %d/%d  %s%s\n", (r > 0 ? "ok  " : "FAIL"), r, total[p], p, why[p]
            if (r == 0) bad++
        }
        printf "%d of %d images right (at least %d needed), %d prompts never right; %d s for %d images\n", correct, images, min, bad, elapsed, images
        exit (correct >= min && bad == 0) ? 0 : 1
    }' "$OUT/manifest.tsv"
