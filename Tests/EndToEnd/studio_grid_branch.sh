#!/usr/bin/env bash
# End-to-end test of the studio's X/Y grid and branching from a step, in tmux (120×40) with the
# bundled demo model: Ctrl-X, a 3×2 sweep (seed=1,2,3 across, the prompt's red|blue down), the
# sheet saved with Ctrl-E (its PNG's parameters hold the sweep), a cell opened and saved as a
# favorite (its own settings); then a run, Shift-← to an earlier step, Ctrl-N, a new prompt,
# Enter: the branch, its history line (↳#parent@step) and its PNG's `Branch` field; last,
# `--from` that PNG and Enter make the same pixels again. Then `flowstudio grid` on the command line.
#
# Usage: bash Tests/EndToEnd/studio_grid_branch.sh [path/to/flowstudio]
set -euo pipefail

BIN="${1:-}"
if [[ -z "$BIN" ]]; then
    if [[ -x .build/release/flowstudio ]]; then BIN=.build/release/flowstudio; else BIN=.build/debug/flowstudio; fi
fi
[[ -x "$BIN" ]] || { echo "studio_grid_branch: no executable at $BIN (build first, or pass its path)" >&2; exit 2; }
command -v tmux >/dev/null || { echo "studio_grid_branch: tmux is not installed" >&2; exit 2; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
HERE="$(cd "$(dirname "$0")" && pwd)"  # png_text.py

WORK="$(mktemp -d)"
SOCKET="flowstudio-grid-$$"
T=(tmux -L "$SOCKET" -f /dev/null)
cleanup() { "${T[@]}" kill-server 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
export XDG_DATA_HOME="$WORK/data"
DATA="$XDG_DATA_HOME/flowstudio"
START=$(date +%s.%N)
"${T[@]}" new-session -d -s keeper "sleep 900"
# Passthrough on, as most people who run pictures in tmux have it: with it off the studio's start
# line names the fallback instead of "ready" (studio_tmux.sh tests that case).
"${T[@]}" set -g allow-passthrough on

fail() {
    echo "FAIL: $*" >&2
    echo "---- screen ----" >&2
    "${T[@]}" capture-pane -p -t studio 2>/dev/null >&2 || true
    exit 1
}
pass() { echo "ok: $*"; }
keys() { "${T[@]}" send-keys -t studio "$@"; }
text() { "${T[@]}" send-keys -t studio -l "$1"; }
screen() { "${T[@]}" capture-pane -p -t studio; }

wait_for() {
    local want="$1" limit="${2:-60}" waited=0
    while ! screen 2>/dev/null | grep -qF -- "$want"; do
        sleep 0.1
        waited=$((waited + 1))
        (( waited < limit * 10 )) || fail "waited ${limit}s for '$want'"
    done
}

start_studio() {
    rm -f "$WORK/exit"
    "${T[@]}" kill-session -t studio 2>/dev/null || true
    "${T[@]}" new-session -d -s studio -x 120 -y 40 \
        "env COLORTERM=truecolor XDG_DATA_HOME='$XDG_DATA_HOME' '$BIN' $*; echo \$? > '$WORK/exit'; exec sleep 900"
    wait_for "${READY:-ready}" 30
}

quit_studio() {
    keys C-q
    local waited=0
    while [[ ! -s "$WORK/exit" ]]; do
        sleep 0.1
        waited=$((waited + 1))
        (( waited < 300 )) || fail "$1: the studio did not exit"
    done
    [[ "$(cat "$WORK/exit")" == 0 ]] || fail "$1: exit code $(cat "$WORK/exit")"
}

# The path of the newest "exported → PATH" in the status line.
exported() { screen | tr -d '\n' | grep -o 'exported → [^ ]*\.png' | tail -1 | sed 's/^exported → //'; }

# 1. A 3×2 grid: seed=1,2,3 across, the prompt's red|blue down.
start_studio --no-live
text "a red|blue circle"
keys C-x
wait_for "X/Y grid · sweep" 10
keys C-u; text "seed=1,2,3"
keys Tab C-u; text "word"
keys Enter
wait_for "grid done: 6 cells" 300
pass "grid: $(screen | grep -o 'grid done: 6 cells in [0-9.]*s' | head -1)"
screen | grep -qF "X/Y grid · 6 of 6 cells" || fail "the preview's title should count the cells"
keys C-e
wait_for "exported → " 20
SHEET="$(exported)"
[[ -f "$SHEET" ]] || fail "no sheet at '$SHEET'"

# 2. A cell full size, saved as a favorite: row 2 (blue), column 2 (seed 2).
keys Right Down Enter
wait_for "Cell 5 of 6 · seed 2 · blue" 10
keys C-s
wait_for "saved favorite" 20
PYTHONPATH="$HERE" python3 - "$SHEET" "$DATA" <<'PY' || fail "sheet / favorite check"
import json, os, struct, sys
from png_text import png_text
sheet, root = sys.argv[1], sys.argv[2]
p = png_text(sheet)["parameters"]
last = p.split("\n")[-1]
assert 'Grid: "X: seed=1,2,3; Y: word=red,blue"' in last, f"the sheet's parameters should hold the sweep: {last}"
assert p.split("\n")[0] == "a red|blue circle", p
w, h = struct.unpack(">II", open(sheet, "rb").read()[16:24])
assert w > 3 * 64 and h > 2 * 64, f"sheet {w}×{h} is too small for 3×2 cells of 64×64"
fav = json.load(open(os.path.join(root, "favorites.json")))["favorites"][-1]["settings"]
assert fav["seed"] == 2 and fav["prompt"] == "a blue circle", f"the favorite should be the cell's own settings: {fav}"
print(f"ok: sheet {w}×{h} with '{last[last.index('Grid'):].split(', Version')[0]}'; the cell's favorite: seed 2, 'a blue circle'")
PY
keys Escape
wait_for "Result" 10 || true

# 3. Branch: a run, two steps back, Ctrl-N, another prompt, Enter.
keys C-u; text "a red circle"
keys Enter
wait_for "done in" 120
keys S-Left S-Left C-n
wait_for "branching from step" 10
BRANCH_AT="$(screen | grep -o 'branching from step [0-9]* of #[0-9]*' | head -1)"
keys C-u; text "a blue square"
keys Enter
wait_for "done in" 120
screen | grep -qF "branched from step" || fail "the status line should say the run is a branch"
keys C-e
wait_for "exported → " 20
BRANCHED="$(exported)"
keys C-p
wait_for "↳#7@" 10
pass "branch: $BRANCH_AT; the history shows $(screen | grep -o '#8 ↳#7@[0-9]*' | head -1)"
keys Escape
quit_studio "after the branch"
PYTHONPATH="$HERE" python3 - "$BRANCHED" <<'PY' || fail "branched PNG check"
import sys
from png_text import png_text
p = png_text(sys.argv[1])["parameters"]
lines = p.split("\n")
assert lines[0] == "a blue square", lines
assert 'Branch: "[{\\"from step\\":' in lines[-1] and '\\"prompt\\":\\"a red circle\\"' in lines[-1], lines[-1]
print("ok: the branch's PNG records its parent:", lines[-1][lines[-1].index("Branch"):].split(", Version")[0])
PY

# 4. --from the branched PNG, Enter: the same pixels.
READY="settings restored" start_studio --no-live --from "'$BRANCHED'"
keys Enter
wait_for "done in" 120
keys C-e
sleep 0.5
wait_for "exported → " 20
REPLAYED="$(exported)"
[[ "$REPLAYED" != "$BRANCHED" ]] || fail "the replay should be a new file"
quit_studio "after the replay"
python3 - "$BRANCHED" "$REPLAYED" <<'PY' || fail "replay check"
import struct, sys, zlib
def pixels(path):
    png, i, data = open(path, "rb").read(), 8, b""
    while i < len(png):
        n, kind = struct.unpack(">I4s", png[i:i + 8])
        if kind == b"IDAT": data += png[i + 8:i + 8 + n]
        i += 12 + n
    return zlib.decompress(data)
a, b = pixels(sys.argv[1]), pixels(sys.argv[2])
assert a == b, "the replayed branch differs from the branch"
print(f"ok: --from the branched PNG makes the same {len(a)} bytes of pixels")
PY

# 5. `flowstudio grid` on the command line: the same sheet and sweep field, and every cell's PNG.
"$BIN" grid "a red|blue circle" --x seed=1,2,3 --y word --steps 4 --out "$WORK/cli-sheet.png" --cells "$WORK/cells" 2>/dev/null \
    || fail "flowstudio grid failed"
PYTHONPATH="$HERE" python3 - "$WORK/cli-sheet.png" "$WORK/cells" <<'PY' || fail "flowstudio grid check"
import os, struct, sys
from png_text import png_text
sheet, cells = sys.argv[1], sys.argv[2]
last = png_text(sheet)["parameters"].split("\n")[-1]
assert 'Grid: "X: seed=1,2,3; Y: word=red,blue"' in last and "Steps: 4," in last, last
names = sorted(os.listdir(cells))
assert names == [f"cell-0{i}.png" for i in range(1, 7)], names
five = png_text(os.path.join(cells, "cell-05.png"))["parameters"].split("\n")
assert five[0] == "a blue circle" and "Seed: 2," in five[-1], five
w, h = struct.unpack(">II", open(sheet, "rb").read()[16:24])
print(f"ok: flowstudio grid wrote a {w}×{h} sheet with the sweep and 6 cells (cell 5: seed 2, 'a blue circle')")
PY

END=$(date +%s.%N)
awk -v s="$START" -v e="$END" 'BEGIN { printf "PASS studio_grid_branch (%.1fs)\n", e - s }'
