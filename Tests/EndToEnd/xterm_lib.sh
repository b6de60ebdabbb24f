# Shared by the scripts that drive xterm under Xvfb (source it; needs WORK set to a temp folder).
#   start_xvfb WIDTHxHEIGHT   starts Xvfb on a free display, exports DISPLAY, sets XVFB_PID
#   start_xterm ARGS…         starts xterm (up to 3 tries), waits for its window; sets XTERM_PID and WINDOW
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
    # And wait until a client really connects (a server still shutting down from an earlier run
    # can hold or remove the display's socket for a moment).
    for _ in $(seq 300); do xdotool getdisplaygeometry >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "FAIL: cannot connect to Xvfb on $DISPLAY within 30 s" >&2; cat "$WORK/xvfb.log" >&2; exit 1
}

start_xterm() {
    WINDOW=""
    local attempt
    for attempt in 1 2 3; do  # xterm exits at once when it cannot open the display: try again
        xterm "$@" 2>"$WORK/xterm.log" &
        XTERM_PID=$!
        for _ in $(seq 100); do
            WINDOW=$(xdotool search --pid "$XTERM_PID" 2>/dev/null | head -1 || true)
            [[ -n "$WINDOW" ]] && break 2
            kill -0 "$XTERM_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill "$XTERM_PID" 2>/dev/null || true
        sleep 1
    done
    [[ -n "$WINDOW" ]] || { echo "FAIL: no xterm window after 3 tries of 10 s" >&2; cat "$WORK/xterm.log" "$WORK/xvfb.log" >&2; exit 1; }
    sleep 2
    # XTEST events (not XSendEvent, which xterm ignores): no window manager, so focus follows the pointer.
    xdotool mousemove 400 300
}

stop_x() {
    [[ -n "$XTERM_PID" ]] && kill "$XTERM_PID" 2>/dev/null || true
    # Wait for Xvfb to be gone, so that the next run does not meet its socket and lock.
    [[ -n "$XVFB_PID" ]] && { kill "$XVFB_PID" 2>/dev/null; wait "$XVFB_PID" 2>/dev/null; } || true
    XTERM_PID="" XVFB_PID=""
}
