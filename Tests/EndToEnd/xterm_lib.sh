# Shared by the scripts that drive xterm under Xvfb (source it; needs WORK set to a temp folder).
#   start_xvfb WIDTHxHEIGHT   starts Xvfb on a free display, exports DISPLAY, sets XVFB_PID
#   start_xterm ARGS…         starts xterm, waits for its window; sets XTERM_PID and WINDOW
#   stop_x                    kills xterm and Xvfb (call it from the EXIT trap)

XVFB_PID="" XTERM_PID="" WINDOW=""

start_xvfb() {
    local number=$((90 + $$ % 100))
    Xvfb ":$number" -screen 0 "${1}x24" -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
    XVFB_PID=$!
    export DISPLAY=":$number"
    for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done 2>/dev/null || sleep 1
}

start_xterm() {
    xterm "$@" 2>"$WORK/xterm.log" &
    XTERM_PID=$!
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
}

stop_x() {
    [[ -n "$XTERM_PID" ]] && kill "$XTERM_PID" 2>/dev/null || true
    [[ -n "$XVFB_PID" ]] && kill "$XVFB_PID" 2>/dev/null || true
    XTERM_PID="" XVFB_PID=""
}
