# Shared by the scripts that drive xterm under Xvfb (source it; needs WORK set to a temp folder).
#   start_xvfb WIDTHxHEIGHT   starts Xvfb on a free display, exports DISPLAY, sets XVFB_PID
#   start_xterm ARGS…         starts xterm, waits for its window; sets XTERM_PID and WINDOW
#   stop_x                    kills xterm and Xvfb (call it from the EXIT trap)

XVFB_PID="" XTERM_PID="" WINDOW=""

start_xvfb() {
    # -displayfd: Xvfb picks a free display itself and writes its number when it is ready
    # (a fixed number can collide with a stale lock; a busy machine can take seconds to start).
    Xvfb -displayfd 3 -screen 0 "${1}x24" -nolisten tcp 3>"$WORK/xvfb.display" >"$WORK/xvfb.log" 2>&1 &
    XVFB_PID=$!
    for _ in $(seq 300); do [[ -s "$WORK/xvfb.display" ]] && break; sleep 0.1; done
    local number
    number=$(head -1 "$WORK/xvfb.display" 2>/dev/null || true)
    [[ -n "$number" ]] || { echo "FAIL: Xvfb did not start within 30 s" >&2; cat "$WORK/xvfb.log" >&2; exit 1; }
    export DISPLAY=":$number"
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
