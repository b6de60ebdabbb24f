#!/usr/bin/env bash
# Makes the README's three screenshots of the studio in real terminals under Xvfb:
#   studio-ansi.png   tmux (truecolor half blocks) inside xterm
#   studio-sixel.png  xterm -ti vt340 (sixel)
#   studio-kitty.png  kitty (kitty graphics; made by studio_kitty.sh)
# Each: start the studio, type PROMPT, Enter, wait for the run to finish, screenshot the window.
#
# Usage: bash Tests/EndToEnd/readme_screenshots.sh [path/to/flowstudio] [output-dir] [prompt]
# Needs xterm, Xvfb, xdotool, tmux and ImageMagick (`.ci/install-deps --with-test-tools`).
set -euo pipefail

BIN="${1:-.build/release/flowstudio}"
OUT="${2:-Sources/Studio/Studio.docc/Resources}"
PROMPT="${3:-a red circle at the top left and a blue square at the bottom right}"
for tool in xterm Xvfb xdotool import tmux; do
    command -v "$tool" >/dev/null || { echo "readme_screenshots: $tool is not installed" >&2; exit 2; }
done
[[ -x "$BIN" ]] || { echo "readme_screenshots: no executable at $BIN (build first, or pass its path)" >&2; exit 2; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
mkdir -p "$OUT"

WORK="$(mktemp -d)"
SOCKET="flowstudio-shot-$$"
source "$(dirname "$0")/xterm_lib.sh"
cleanup() { stop_x; tmux -L "$SOCKET" kill-server 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
start_xvfb 1400x900

stop_xterm() {
    xdotool key ctrl+q
    sleep 1
    kill "$XTERM_PID" 2>/dev/null || true
    XTERM_PID=""
}

COMMON=(-geometry 120x40+0+0 -fa Monospace -fs 9 -bg black -fg grey85 -xrm 'XTerm*directColor: true')

# 1. tmux in xterm: truecolor half blocks. tmux is told that xterm takes 24-bit colour.
cat > "$WORK/tmux.conf" <<'EOF'
set -g default-terminal "tmux-256color"
set -as terminal-features ",xterm*:RGB"
set -g status off
EOF
start_xterm "${COMMON[@]}" -e tmux -L "$SOCKET" -f "$WORK/tmux.conf" new-session -s studio \
    "env COLORTERM=truecolor XDG_DATA_HOME='$WORK/data' '$BIN' --no-live"
for _ in $(seq 300); do tmux -L "$SOCKET" capture-pane -p -t studio 2>/dev/null | grep -qF ready && break; sleep 0.1; done
xdotool type --delay 20 "$PROMPT"
xdotool key Return
for _ in $(seq 300); do tmux -L "$SOCKET" capture-pane -p -t studio | grep -qF "done in" && break; sleep 0.1; done
sleep 1
import -window "$WINDOW" "$OUT/studio-ansi.png"
echo "wrote $OUT/studio-ansi.png"
stop_xterm

# 2. xterm as a VT340: sixel. No tmux, so wait on time instead of the status line. TERM is
# xterm-256color (xterm's own default, "xterm", says 8 colours, which picks the 16-colour theme).
start_xterm "${COMMON[@]}" -ti vt340 -tn xterm-256color -xrm 'XTerm*numColorRegisters: 256' \
    -e env XDG_DATA_HOME="$WORK/data" COLORTERM= "$BIN" --no-live
xdotool type --delay 20 "$PROMPT"
xdotool key Return
sleep 6
import -window "$WINDOW" "$OUT/studio-sixel.png"
echo "wrote $OUT/studio-sixel.png"
stop_xterm

# 3. kitty with its graphics protocol: the end-to-end kitty test makes the screenshot of its first
# run (skipped where kitty is not installed).
stop_x
bash "$(dirname "$0")/studio_kitty.sh" "$BIN" "$OUT/studio-kitty.png"
