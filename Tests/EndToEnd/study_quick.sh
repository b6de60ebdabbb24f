#!/usr/bin/env bash
# Both studies at --budget quick (the smoke test: tiny models, 4 training steps, 6 prompts), then
# --redraw from the CSV alone, then a rerun that must skip every finished run. Checks that the
# tables and plots exist, that results.csv has the expected rows (per run: 2 validation-loss
# points and 3 evaluations), and that a redraw reproduces results.md byte for byte.
#
# Usage: bash Tests/EndToEnd/study_quick.sh [path/to/flowstudio]
set -uo pipefail
BIN="${1:-.build/debug/flowstudio}"
[[ -x "$BIN" ]] || { echo "study_quick: no executable at $BIN" >&2; exit 2; }
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL study_quick: $*"; exit 1; }

# study, runs, plots
check() {
    local study="$1" runs="$2"; shift 2
    local dir="$WORK/$study"
    "$BIN" study "$study" --budget quick --out "$dir" > "$WORK/$study.out" 2> "$WORK/$study.err" \
        || { cat "$WORK/$study.err"; fail "study $study exited with an error"; }
    for f in results.csv results.md "$@"; do
        [[ -s "$dir/$f" ]] || fail "$study: no $f"
        grep -qx "$dir/$f" "$WORK/$study.out" || fail "$study: $f not listed on stdout"
    done
    # Per run: val_loss at steps 2 and 4; eval_overall at 5, 10, 25 sampling steps.
    local val overall
    val=$(grep -c ",val_loss," "$dir/results.csv")
    overall=$(grep -c ",eval_overall," "$dir/results.csv")
    [[ "$val" == $((2 * runs)) ]] || fail "$study: $val val_loss rows, expected $((2 * runs))"
    [[ "$overall" == $((3 * runs)) ]] || fail "$study: $overall eval_overall rows, expected $((3 * runs))"
    [[ $(ls "$dir/runs" | wc -l) == "$runs" ]] || fail "$study: expected $runs run directories"
    head -1 "$dir/results.csv" | grep -qx "study,variant,label,timesteps,depth,seed,parameters,metric,sampling_steps,step,training_flops,value" \
        || fail "$study: results.csv header"

    # --redraw: from the CSV alone (the run directories moved away), the same tables.
    cp "$dir/results.md" "$WORK/$study.md"
    mv "$dir/runs" "$WORK/$study-runs"
    rm "$dir/results.md" "$dir"/*.png
    "$BIN" study "$study" --budget quick --out "$dir" --redraw > /dev/null 2>&1 || fail "$study --redraw exited with an error"
    cmp -s "$dir/results.md" "$WORK/$study.md" || fail "$study: --redraw wrote another results.md"
    for f in "$@"; do [[ -s "$dir/$f" ]] || fail "$study --redraw: no $f"; done

    # A rerun skips every finished run.
    mv "$WORK/$study-runs" "$dir/runs"
    "$BIN" study "$study" --budget quick --out "$dir" > /dev/null 2> "$WORK/$study.err2" || fail "$study rerun exited with an error"
    [[ $(grep -c "finished earlier, skipped" "$WORK/$study.err2") == "$runs" ]] || fail "$study rerun did not skip all $runs runs"
    echo "ok study $study: $runs runs, $val curve points, $overall evaluations; redraw and rerun ok"
}

check densities 8 val-loss-vs-step.png eval-vs-sampling-steps.png
check scaling 2 val-loss-vs-step.png val-loss-vs-flops.png eval-vs-val-loss.png

# --redraw without results is one clear error.
if "$BIN" study densities --out "$WORK/empty" --redraw > /dev/null 2> "$WORK/empty.err"; then fail "--redraw without results succeeded"; fi
grep -q "no results to draw" "$WORK/empty.err" || fail "--redraw without results: unexpected message $(cat "$WORK/empty.err")"
echo "ok study_quick"
