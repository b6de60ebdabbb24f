#!/usr/bin/env bash
# End-to-end test of the studio in a real terminal (tmux, 120×40), as issue 5 describes:
# start flowstudio, type a prompt, Enter, wait for `done` in the status line, check with
# capture-pane -e that the preview holds coloured half blocks, Ctrl-S, check favorites.json and
# the PNG's `parameters` chunk, Ctrl-Q, check the exit code and that the terminal is restored.
# Then the model list (Ctrl-O: a missing file, then the bundled model by another path, a run
# with it, models.json), and two more exits: Ctrl-C in the middle of a run, and SIGTERM (the
# crash-signal handler). Last, the tiny SD3 model: a step decoded with the VAE (Ctrl-D) saved with
# Ctrl-S says which step it is.
#
# Usage: bash Tests/EndToEnd/studio_tmux.sh [path/to/flowstudio]
# (builds nothing; default .build/release/flowstudio, else .build/debug/flowstudio)
set -euo pipefail

BIN="${1:-}"
if [[ -z "$BIN" ]]; then
    if [[ -x .build/release/flowstudio ]]; then BIN=.build/release/flowstudio; else BIN=.build/debug/flowstudio; fi
fi
[[ -x "$BIN" ]] || { echo "studio_tmux: no executable at $BIN (build first, or pass its path)" >&2; exit 2; }
command -v tmux >/dev/null || { echo "studio_tmux: tmux is not installed" >&2; exit 2; }
command -v python3 >/dev/null || { echo "studio_tmux: python3 is needed to read the PNG chunk" >&2; exit 2; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
HERE="$(cd "$(dirname "$0")" && pwd)"  # png_text.py

WORK="$(mktemp -d)"
SOCKET="flowstudio-e2e-$$"
T=(tmux -L "$SOCKET" -f /dev/null)
cleanup() { "${T[@]}" kill-server 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
export XDG_DATA_HOME="$WORK/data"
START=$(date +%s.%N)
# A session that outlives the studio's, so killing that one never takes the server down with it.
"${T[@]}" new-session -d -s keeper "sleep 600"
# Passthrough on (no outer terminal answers in a detached session, so the studio draws half
# blocks and says nothing about it); section 8 turns it off.
"${T[@]}" set -g allow-passthrough on

fail() {
    echo "FAIL: $*" >&2
    echo "---- screen ----" >&2
    "${T[@]}" capture-pane -p -t studio 2>/dev/null >&2 || true
    exit 1
}
pass() { echo "ok: $*"; }

# Waits until the pane shows $1 (a fixed string), at most $2 seconds.
wait_for() {
    local text="$1" limit="${2:-60}" waited=0
    while ! "${T[@]}" capture-pane -p -t studio 2>/dev/null | grep -qF -- "$text"; do
        sleep 0.1
        waited=$((waited + 1))
        (( waited < limit * 10 )) || fail "waited ${limit}s for '$text'"
    done
}

# Starts the studio in a fresh 120×40 session; its exit code goes to $WORK/exit.
start_studio() {
    rm -f "$WORK/exit"
    "${T[@]}" kill-session -t studio 2>/dev/null || true
    "${T[@]}" new-session -d -s studio -x 120 -y 40 \
        "env COLORTERM=truecolor XDG_DATA_HOME='$XDG_DATA_HOME' '$BIN' $*; echo \$? > '$WORK/exit'; exec sleep 600"
    wait_for "${READY:-ready}" 30  # READY: what the screen shows once started (a model's notes replace "ready")
}

# Waits for the program to exit and checks the exit code and the terminal state.
check_exit() {
    local expected="$1" what="$2" waited=0
    while [[ ! -s "$WORK/exit" ]]; do
        sleep 0.1
        waited=$((waited + 1))
        (( waited < 300 )) || fail "$what: the studio did not exit"
    done
    local code; code=$(cat "$WORK/exit")
    [[ "$code" == "$expected" ]] || fail "$what: exit code $code, expected $expected"
    local flags; flags=$("${T[@]}" display -p -t studio '#{alternate_on} #{cursor_flag} #{keypad_cursor_flag}')
    [[ "$flags" == "0 1 0" ]] || fail "$what: terminal not restored (alternate screen, cursor visible, keypad: '$flags', want '0 1 0')"
    pass "$what: exit code $code, terminal restored (normal screen, cursor shown, keypad off)"
}

# 1. Type, generate, look at the preview.
start_studio
PROMPT='a red circle above a blue square'
"${T[@]}" send-keys -t studio -l "$PROMPT"
"${T[@]}" send-keys -t studio Enter
wait_for "done in" 120
pass "generation finished: $("${T[@]}" capture-pane -p -t studio | grep -o 'done in [0-9.]*s ([^)]*)' | head -1)"
SCREEN="$("${T[@]}" capture-pane -p -e -t studio)"
BLOCKS=$(grep -o $'\e\\[38;2;[0-9]*;[0-9]*;[0-9]*m\e\\[48;2;[0-9]*;[0-9]*;[0-9]*m▀' <<<"$SCREEN" | wc -l)
(( BLOCKS >= 200 )) || fail "the preview should hold coloured half blocks (found $BLOCKS with 24-bit colours)"
COLOURS=$(grep -o $'\e\\[38;2;[0-9]*;[0-9]*;[0-9]*m' <<<"$SCREEN" | sort -u | wc -l)
(( COLOURS >= 20 )) || fail "the preview should have many colours (found $COLOURS)"
pass "preview: $BLOCKS half blocks with 24-bit colours, $COLOURS distinct foreground colours"

# 2. Save a favorite; check favorites.json and the PNG's parameters chunk.
"${T[@]}" send-keys -t studio C-s
wait_for "saved favorite" 20
FAV="$XDG_DATA_HOME/flowstudio/favorites.json"
[[ -f "$FAV" ]] || fail "no $FAV"
PYTHONPATH="$HERE" python3 - "$FAV" "$PROMPT" "$XDG_DATA_HOME/flowstudio" <<'PY' || fail "favorites.json / PNG check"
import json, sys, os
from png_text import png_text
fav, prompt, root = sys.argv[1], sys.argv[2], sys.argv[3]
doc = json.load(open(fav))
entries = doc["favorites"]
assert len(entries) == 1, f"expected one favorite, got {len(entries)}"
e = entries[0]
s = e["settings"]
assert s["prompt"] == prompt, s["prompt"]
for key in ("steps", "cfgScale", "seed", "shift", "sampler", "width", "height", "negativePrompt"):
    assert key in s, f"setting {key} missing"
for key in ("modelName", "modelHash", "created", "imagePath"):
    assert e.get(key), f"{key} missing"
text = png_text(os.path.join(root, e["imagePath"]))
p = text.get("parameters")
assert p, f"no parameters chunk; chunks: {list(text)}"
lines = p.split("\n")
assert lines[0] == prompt, lines
last = lines[-1]
for field in (f"Steps: {s['steps']}", "Sampler: Euler", f"Seed: {s['seed']}", f"Size: {s['width']}x{s['height']}", "CFG scale: ", "Model: "):
    assert field in last, f"'{field}' not in '{last}'"
print("ok: favorites.json holds the prompt and every setting; PNG parameters:", last)
PY

# 3. Quit with Ctrl-Q.
"${T[@]}" send-keys -t studio C-q
check_exit 0 "Ctrl-Q"

# 4. The model list (Ctrl-O): a path that does not load leaves the model in use; the bundled
# model by another path (a symbolic link: another path, so it really loads again) takes over;
# generate with it; the recent list on disk has both.
BUNDLED="$(find -H "$(dirname "$BIN")" -maxdepth 2 -name shapes-demo.safetensors -path '*Generation*' | head -1)"
[[ -n "$BUNDLED" ]] || fail "no bundled shapes-demo.safetensors beside $BIN"
mkdir -p "$WORK/models"
ln -s "$BUNDLED" "$WORK/models/demo-again.safetensors"
start_studio --no-live
"${T[@]}" send-keys -t studio -l "$PROMPT"
"${T[@]}" send-keys -t studio C-o
wait_for "Models (0 recent)" 20
wait_for "(in use)" 5
"${T[@]}" send-keys -t studio -l "$WORK/models/nothing-here.safetensors"
"${T[@]}" send-keys -t studio Enter
wait_for "cannot load $WORK/models/nothing-here.safetensors" 30
wait_for "still using" 5
pass "model list: a missing file is one error and the model stays"
"${T[@]}" send-keys -t studio F4
wait_for "Open a model file or folder" 20
"${T[@]}" send-keys -t studio -l "$WORK/models/demo-again.safetensors"
"${T[@]}" send-keys -t studio Enter
wait_for "loaded " 120
STATUS="$("${T[@]}" capture-pane -p -t studio | grep -o 'loaded [^ ]* in [0-9.]*s: .*' | head -1)"
NAME="$(sed -E 's/^loaded ([^ ]*) in.*/\1/' <<<"$STATUS")"
[[ -n "$NAME" ]] || fail "the status line should name the loaded model"
"${T[@]}" capture-pane -p -t studio | grep -qF "FlowStudio · $NAME —" || fail "the title should name the loaded model $NAME"
pass "model list: $STATUS"
"${T[@]}" capture-pane -p -t studio | grep -qF "$PROMPT" || fail "the prompt should stay after switching models"
"${T[@]}" send-keys -t studio Enter
wait_for "done in" 120
pass "generated with the loaded model: $("${T[@]}" capture-pane -p -t studio | grep -o 'done in [0-9.]*s ([^)]*)' | head -1)"
"${T[@]}" send-keys -t studio C-o
wait_for "Models (1 recent)" 20
"${T[@]}" send-keys -t studio Escape
python3 - "$XDG_DATA_HOME/flowstudio/models.json" "$WORK/models/demo-again.safetensors" "$BUNDLED" <<'PY' || fail "models.json check"
import json, os, sys
doc = json.load(open(sys.argv[1]))
paths = [m["path"] for m in doc["models"]]
assert len(paths) == 2 and paths[0] == sys.argv[2], f"models.json lists {paths}, expected {sys.argv[2]} first"
assert os.path.realpath(paths[1]) == os.path.realpath(sys.argv[3]), f"models.json lists {paths}, expected the bundled model second"
for m in doc["models"]:
    assert m["name"] and m["summary"] and m["lastUsed"], m
print("ok: models.json lists the loaded model above the starting one:", paths)
PY
"${T[@]}" send-keys -t studio C-q
check_exit 0 "Ctrl-Q after switching models"

# 5. Ctrl-C in the middle of a long run.
start_studio --no-live
"${T[@]}" send-keys -t studio Tab Tab
"${T[@]}" send-keys -t studio -l "1000"
"${T[@]}" send-keys -t studio Enter
wait_for "running" 30
"${T[@]}" send-keys -t studio C-c
check_exit 0 "Ctrl-C mid-run"

# 6. SIGTERM (the crash-signal path: the handler restores the terminal, then dies by the signal).
start_studio --no-live
# The studio is the pane shell's child (matching its path with pgrep -f would also find this
# script, whose command line may hold the same path).
PANE=$("${T[@]}" display-message -p -t studio '#{pane_pid}')
PID=$(pgrep -P "$PANE" | head -1 || true)
[[ -n "$PID" ]] || fail "cannot find the studio's process"
kill -TERM "$PID"
check_exit 143 "SIGTERM"

# 7. A step decoded with the VAE is what Ctrl-S saves (the tiny SD3 model's fixture folder): its
# PNG says which step it is (`Step: N/STEPS`) and favorites.json records it.
TINY="$(cd "$(dirname "$0")/../Reference/fixtures/sd3-tiny" && pwd)"
rm -rf "$XDG_DATA_HOME/flowstudio/favorites.json" "$XDG_DATA_HOME/flowstudio/favorites"
READY="FlowStudio · sd3-tiny" start_studio --no-live --model "'$TINY'"
"${T[@]}" send-keys -t studio -l "a red apple"
"${T[@]}" send-keys -t studio Enter
wait_for "done in" 120
"${T[@]}" send-keys -t studio S-Left C-d
wait_for "decoded in" 60
"${T[@]}" send-keys -t studio C-s
wait_for "saved favorite (step" 20
PYTHONPATH="$HERE" python3 - "$XDG_DATA_HOME/flowstudio" <<'PY' || fail "decoded step favorite check"
import json, os, sys
from png_text import png_text
root = sys.argv[1]
entry = json.load(open(os.path.join(root, "favorites.json")))["favorites"][-1]
steps, step = entry["settings"]["steps"], entry.get("decodedStep")
assert step == steps - 1, f"favorites.json: decodedStep {step}, expected {steps - 1} (one step back from the last of {steps})"
text = png_text(os.path.join(root, entry["imagePath"]))
last = text["parameters"].split("\n")[-1]
assert f"Step: {step}/{steps}, " in last and f"Steps: {steps}, " in last, f"the PNG's parameters should say the step: {last}"
print(f"ok: Ctrl-S on a decoded step saved step {step} of {steps} (favorites.json decodedStep, PNG 'Step: {step}/{steps}')")
PY
"${T[@]}" send-keys -t studio C-q
check_exit 0 "Ctrl-Q after saving a decoded step"

# 8. tmux passthrough off: the status line says pictures fall back to half blocks and how to
# turn passthrough on; the preview is half blocks. With --preview kitty as well.
"${T[@]}" set -g allow-passthrough off
READY="tmux passthrough off: set -g allow-passthrough on" start_studio --no-live
pass "passthrough off: $("${T[@]}" capture-pane -p -t studio | grep -o 'preview: half-blocks (tmux passthrough off[^)]*)' | head -1)"
"${T[@]}" send-keys -t studio -l "a red circle"
"${T[@]}" send-keys -t studio Enter
wait_for "done in" 120
BLOCKS=$(grep -o $'\e\\[38;2;[0-9]*;[0-9]*;[0-9]*m\e\\[48;2;[0-9]*;[0-9]*;[0-9]*m▀' <<<"$("${T[@]}" capture-pane -p -e -t studio)" | wc -l)
(( BLOCKS >= 200 )) || fail "passthrough off: the preview should be half blocks (found $BLOCKS)"
pass "passthrough off: the preview is $BLOCKS half blocks"
"${T[@]}" send-keys -t studio C-q
check_exit 0 "Ctrl-Q with passthrough off"
READY="not kitty (tmux passthrough off" start_studio --no-live --preview kitty
"${T[@]}" send-keys -t studio C-q
check_exit 0 "Ctrl-Q after --preview kitty with passthrough off"
# Passthrough on and --preview kitty: the pictures go to the outer terminal wrapped for tmux
# (the pane shows nothing of them, and nothing of the escape sequences either).
"${T[@]}" set -g allow-passthrough on
start_studio --no-live --preview kitty
"${T[@]}" send-keys -t studio -l "a red circle"
"${T[@]}" send-keys -t studio Enter
wait_for "done in" 120
"${T[@]}" capture-pane -p -t studio | grep -qE '_G|a=T|tmux;' && fail "passthrough on: kitty commands leaked into the pane"
pass "passthrough on, --preview kitty: the kitty commands went through, none shows in the pane"
"${T[@]}" send-keys -t studio C-q
check_exit 0 "Ctrl-Q with --preview kitty through passthrough"

END=$(date +%s.%N)
awk -v s="$START" -v e="$END" 'BEGIN { printf "PASS studio_tmux (%.1fs)\n", e - s }'
