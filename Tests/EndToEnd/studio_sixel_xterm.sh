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
DISPLAY_NUMBER=$((90 + $$ % 100))
XVFB_PID="" XTERM_PID=""
cleanup() {
    [[ -n "$XTERM_PID" ]] && kill "$XTERM_PID" 2>/dev/null || true
    [[ -n "$XVFB_PID" ]] && kill "$XVFB_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

Xvfb ":$DISPLAY_NUMBER" -screen 0 1300x860x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
export DISPLAY=":$DISPLAY_NUMBER"
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done 2>/dev/null || sleep 1

# vt340 emulation has sixel; 256 colour registers instead of the VT340's 16.
xterm -ti vt340 -xrm 'XTerm*numColorRegisters: 256' -xrm 'XTerm*sixelScrolling: true' \
      -geometry 120x40+0+0 -fa Monospace -fs 9 -bg black -fg grey85 \
      -e env XDG_DATA_HOME="$WORK/data" COLORTERM= "$BIN" --no-live \
      2>"$WORK/xterm.log" &
XTERM_PID=$!

# Wait for the window, then type.
WINDOW=""
for _ in $(seq 300); do
    WINDOW=$(xdotool search --pid "$XTERM_PID" 2>/dev/null | head -1 || true)
    [[ -n "$WINDOW" ]] && break
    sleep 0.1
done
[[ -n "$WINDOW" ]] || { echo "FAIL: no xterm window after 30 s" >&2; cat "$WORK/xterm.log" "$WORK/xvfb.log" >&2; exit 1; }
sleep 2
# XTEST events (not XSendEvent, which xterm ignores): no window manager, so focus follows the pointer.
xdotool mousemove 400 300
xdotool type --delay 20 "a red circle above a blue square"
xdotool key Return
sleep 6
import -window root "$SHOT"
echo "screenshot: $SHOT"

# The preview pane (right of the left column) should be colourful: count distinct colours in it.
COLOURS=$(convert "$SHOT" -crop 600x500+480+40 +repage -unique-colors txt:- | tail -n +2 | wc -l)
echo "distinct colours in the preview area: $COLOURS"
(( COLOURS >= 30 )) || { echo "FAIL: the preview area has only $COLOURS colours: no sixel image?" >&2; exit 1; }

xdotool key ctrl+q
for _ in $(seq 50); do kill -0 "$XTERM_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$XTERM_PID" 2>/dev/null && { echo "FAIL: the studio did not quit on Ctrl-Q" >&2; exit 1; }
XTERM_PID=""
echo "PASS studio_sixel_xterm"
