#!/usr/bin/env bash
# kitty graphics in a real kitty (Debian's kitty 0.26, Mesa's software renderer) under Xvfb:
# the studio detects kitty's graphics protocol (status line: "kitty"), a prompt typed through
# kitty's remote control (`kitty @ send-text`), Enter, a screenshot (`import -window root`), and:
#   1. the preview area holds the picture at pixel resolution: the changed region of the
#      screenshot is compared with the favorite's PNG (Ctrl-S), scaled to it;
#   2. a second run (another prompt) replaces the picture (the area now matches the second PNG,
#      not the first), and F1 (the help, which hides the picture) leaves no picture behind;
#   3. quitting (Ctrl-Q) leaves no picture on the screen;
#   4. in tmux with allow-passthrough on, inside kitty: kitty is detected through tmux and the
#      picture, sent through tmux's passthrough, is on the screen at pixel resolution.
# Optionally writes the screenshot of the first run (for the README) to the second argument.
#
# Usage: bash Tests/EndToEnd/studio_kitty.sh [path/to/flowstudio] [screenshot.png]
# Skipped (exit 0) when kitty, Xvfb, xdotool or ImageMagick are missing
# (`.ci/install-deps --with-test-tools` installs them where Debian has them).
set -euo pipefail
[[ -n "${TRACE:-}" ]] && set -x

BIN="${1:-}"
if [[ -z "$BIN" ]]; then
    if [[ -x .build/release/flowstudio ]]; then BIN=.build/release/flowstudio; else BIN=.build/debug/flowstudio; fi
fi
SHOT="${2:-}"
for tool in kitty Xvfb xdotool import convert compare; do
    command -v "$tool" >/dev/null || { echo "SKIP studio_kitty: $tool is not installed"; exit 0; }
done
[[ -x "$BIN" ]] || { echo "studio_kitty: no executable at $BIN (build first, or pass its path)" >&2; exit 2; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

WORK="$(mktemp -d)"
source "$(dirname "$0")/xterm_lib.sh"  # start_xvfb, stop_x
KITTY_PID=""
cleanup() {
    [[ -n "$KITTY_PID" ]] && kill "$KITTY_PID" 2>/dev/null || true
    stop_x
    if [[ -n "${KEEP:-}" ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    [[ -s "$WORK/kitty.log" ]] && tail -5 "$WORK/kitty.log" >&2
    screen_text >&2 || true
    exit 1
}
pass() { echo "ok: $*"; }

start_xvfb 1300x860
SOCK="unix:$WORK/kitty.sock"
export XDG_DATA_HOME="$WORK/data"
# Starts kitty (120×40 cells) running the shell command $1; sets KITTY_PID.
start_kitty() {
    rm -f "$WORK/kitty.sock"
    LIBGL_ALWAYS_SOFTWARE=1 kitty --config NONE -o font_size=9 -o remember_window_size=no \
        -o initial_window_width=120c -o initial_window_height=40c -o background=#000000 -o foreground=#d9d9d9 \
        -o allow_remote_control=yes --listen-on "$SOCK" sh -c "$1" >"$WORK/kitty.log" 2>&1 &
    KITTY_PID=$!
}
# The studio runs inside a shell that stays after it, so the screen after quitting can be seen.
start_kitty "env TERM=xterm-kitty COLORTERM=truecolor '$BIN' --no-live; echo studio exited \$?; exec sleep 600"

screen_text() { kitty @ --to "$SOCK" get-text 2>/dev/null; }
send() { kitty @ --to "$SOCK" send-text -- "$1" >/dev/null; }
# Waits until the screen shows $1 (a fixed string), at most $2 seconds.
wait_for() {
    local text="$1" limit="${2:-60}" waited=0
    until screen_text | grep -qF -- "$text"; do
        sleep 0.2
        waited=$((waited + 1))
        (( waited < limit * 5 )) || fail "waited ${limit}s for '$text'"
        kill -0 "$KITTY_PID" 2>/dev/null || fail "kitty exited"
    done
}
# The kitty window's area on the root window (no window manager: it sits at the top left).
shoot() { sleep 1; import -window root "$1"; }

wait_for "kitty ·" 60
WIN=$(xdotool search --pid "$KITTY_PID" 2>/dev/null | head -1 || true)
[[ -n "$WIN" ]] || fail "no kitty window"
read -r KW KH <<<"$(xdotool getwindowgeometry "$WIN" | awk '/Geometry/ { split($2, a, "x"); print a[1], a[2] }')"
echo "kitty window: ${KW}×${KH} pixels"
pass "the studio chose kitty graphics (status line: $(screen_text | grep -o '[^ ]* · kitty · live [a-z]*' | head -1))"
shoot "$WORK/blank.png"

# The picture's area in pixels: the bounding box of what is not black in the preview pane (the
# right part of the window, between the title row and the progress line below the picture).
picture_box() {  # screenshot.png → WxH+X+Y
    local x0=$((KW * 42 / 100)) y0=$((KH * 6 / 100))
    local crop="$((KW * 99 / 100 - x0))x$((KH * 86 / 100 - y0))+$x0+$y0"
    local bw bh bx by
    read -r bw bh bx by <<<"$(convert "$1" -crop "$crop" +repage -bordercolor black -border 1 -fuzz 4% -trim -format '%w %h %X %Y' info:)"
    echo "${bw}x${bh}+$((x0 + bx - 1))+$((y0 + by - 1))"
}
# Compares the region $2 (WxH+X+Y) of screenshot $1 with PNG $3 scaled to that size (nearest
# neighbour): prints the RMSE in 0–1.
region_rmse() {
    local size="${2%%+*}"
    convert "$1" -crop "$2" +repage "$WORK/region.png"
    convert "$3" -filter point -resize "${size}!" "$WORK/expected.png"
    compare -metric RMSE "$WORK/region.png" "$WORK/expected.png" null: 2>&1 | sed -E 's/.*\(([0-9.e-]+)\).*/\1/'  || true
}
newest_favorite() { ls -t "$XDG_DATA_HOME"/flowstudio/favorites/*.png 2>/dev/null | head -1 || true; }

# 1. A run, its picture at pixel resolution.
send "a red circle on the left and a green triangle on the right"
send $'\r'
wait_for "done in" 120
shoot "$WORK/first.png"
if [[ -n "$SHOT" ]]; then  # the kitty window only (it sits at the top left of the root window)
    import -window "$WIN" "$SHOT"
    echo "screenshot: $SHOT"
fi
send $'\x13'  # Ctrl-S: the favorite's PNG is the picture shown
for _ in $(seq 50); do [[ -n "$(newest_favorite)" ]] && break; sleep 0.1; done
FIRST_PNG=$(newest_favorite)
[[ -n "$FIRST_PNG" ]] || fail "Ctrl-S wrote no favorite PNG"
BOX=$(picture_box "$WORK/first.png")
read -r PW PH <<<"$(identify -format '%w %h' "$FIRST_PNG")"
BW=${BOX%%x*}; BH=${BOX#*x}; BH=${BH%%+*}
echo "picture ${PW}×${PH} px; the picture's region on the screen: $BOX"
(( BW >= 3 * PW && BH >= 3 * PH )) || fail "the region $BOX is not the picture enlarged (half blocks would be 1×2 pixels per cell)"
RMSE1=$(region_rmse "$WORK/first.png" "$BOX" "$FIRST_PNG")
echo "RMSE of the screen region against the first PNG: $RMSE1"
awk -v e="$RMSE1" 'BEGIN { exit !(e < 0.06) }' || fail "the preview does not hold the first picture (RMSE $RMSE1)"
pass "the preview holds the picture at pixel resolution (RMSE $RMSE1 against the PNG scaled to $BOX)"

# 2. A second run replaces it.
send $'\x15'  # Ctrl-U: clear the prompt
send "a blue square at the top"
send $'\r'
sleep 1
wait_for "done in" 120
shoot "$WORK/second.png"
send $'\x13'
for _ in $(seq 50); do [[ "$(newest_favorite)" != "$FIRST_PNG" ]] && break; sleep 0.1; done
SECOND_PNG=$(newest_favorite)
[[ "$SECOND_PNG" != "$FIRST_PNG" ]] || fail "Ctrl-S wrote no second favorite"
RMSE2=$(region_rmse "$WORK/second.png" "$BOX" "$SECOND_PNG")
RMSE21=$(region_rmse "$WORK/second.png" "$BOX" "$FIRST_PNG")
echo "RMSE of the region after the second run: $RMSE2 against the second PNG, $RMSE21 against the first"
awk -v a="$RMSE2" -v b="$RMSE21" 'BEGIN { exit !(a < 0.06 && b > 2 * a) }' || fail "the second picture did not replace the first"
pass "the second run's picture replaced the first (RMSE $RMSE2 vs $RMSE21)"

# The help hides the picture: nothing of it may stay over the help text.
send $'\x1bOP'  # F1
sleep 1
shoot "$WORK/help.png"
RMSEH=$(region_rmse "$WORK/help.png" "$BOX" "$SECOND_PNG")
echo "RMSE of the region under the help against the second PNG: $RMSEH"
awk -v h="$RMSEH" -v a="$RMSE2" 'BEGIN { exit !(h > 4 * a && h > 0.08) }' || fail "the picture stayed over the help"
pass "the help hides the picture (RMSE $RMSEH)"
send $'\x1b'  # close the help

# 3. Quit: the picture goes with the studio.
sleep 0.5
send $'\x11'  # Ctrl-Q
wait_for "studio exited 0" 30
shoot "$WORK/after.png"
# The share of the region that is not black (the picture's background alone is dark blue, not black).
LEFT=$(convert "$WORK/after.png" -crop "$BOX" +repage -colorspace gray -threshold 3% -format '%[fx:mean]' info:)
echo "share of the picture's region not black after quitting: $LEFT"
awk -v f="$LEFT" 'BEGIN { exit !(f < 0.02) }' || fail "a picture stayed on the screen after quitting ($LEFT of the region)"
pass "quitting left no picture behind"
kill "$KITTY_PID" 2>/dev/null || true
wait "$KITTY_PID" 2>/dev/null || true
KITTY_PID=""

# 4. The studio in tmux (allow-passthrough on) in kitty: it asks kitty through tmux and sends its
# pictures through tmux's passthrough; the picture is on the screen at pixel resolution.
if command -v tmux >/dev/null; then
    printf 'set -g allow-passthrough on\nset -g status off\n' > "$WORK/tmux.conf"
    TMUX_SOCKET="flowstudio-kitty-$$"
    start_kitty "tmux -L $TMUX_SOCKET -f '$WORK/tmux.conf' new-session \"env COLORTERM=truecolor XDG_DATA_HOME='$XDG_DATA_HOME' '$BIN' --no-live; exec sleep 600\""
    wait_for "kitty (through tmux passthrough)" 60
    pass "in tmux: $(screen_text | grep -o 'preview: kitty (through tmux passthrough)' | head -1)"
    send "a red circle at the top left and a blue square at the bottom right"
    send $'\r'
    wait_for "done in" 120
    shoot "$WORK/tmux.png"
    send $'\x13'
    for _ in $(seq 50); do [[ "$(newest_favorite)" != "$SECOND_PNG" ]] && break; sleep 0.1; done
    TMUX_PNG=$(newest_favorite)
    [[ "$TMUX_PNG" != "$SECOND_PNG" ]] || fail "in tmux: Ctrl-S wrote no favorite"
    TBOX=$(picture_box "$WORK/tmux.png")
    RMSET=$(region_rmse "$WORK/tmux.png" "$TBOX" "$TMUX_PNG")
    echo "in tmux: the picture's region $TBOX, RMSE $RMSET against its PNG"
    [[ "$TBOX" == "$BOX" ]] || fail "in tmux: the picture is at $TBOX, not where the studio puts it without tmux ($BOX)"
    awk -v e="$RMSET" 'BEGIN { exit !(e < 0.06) }' || fail "in tmux: the preview does not hold the picture (RMSE $RMSET)"
    pass "in tmux with passthrough: the picture at pixel resolution (RMSE $RMSET)"
    send $'\x11'
    sleep 1
    tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null || true
else
    echo "SKIP studio_kitty part 4: tmux is not installed"
fi
echo "PASS studio_kitty"
