#!/usr/bin/env bash
# `make serve` / `make stop`: a standing code server, the Dagster webserver and the daemon on this
# machine, over the instance in $DAGSTER_HOME (the embedded SQLite one `make dagster-home` writes, or
# deploy/dagster.yaml's PostgreSQL one copied there). Each runs in its own session, so closing the
# terminal does not stop it; logs and process ids are in $DAGSTER_HOME/serve/, and `stop` ends each
# process group by the id recorded at its start.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
: "${DAGSTER_HOME:?DAGSTER_HOME must be set (make serve sets it)}"
export OHWB_CODE_SERVER_PORT=${OHWB_CODE_SERVER_PORT:-4266}
UI_PORT=${OHWB_UI_PORT:-3000}
LOG_LEVEL=$(echo "${OHWB_LOG_LEVEL:-warning}" | tr 'A-Z' 'a-z')
RUN=$DAGSTER_HOME/serve
SERVICES=(code-server webserver daemon)

running() {  # pid: a live process (an exited one not yet reaped by its parent counts as gone)
    local state; state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ $state != Z* ]]
}
alive() { [[ -f $RUN/$1.pid ]] && running "$(cat "$RUN/$1.pid")"; }

# A command started with & by a script inherits SIGINT ignored, and Dagster's code server maps SIGTERM
# to SIGINT's handler, so it would ignore both and never stop: restore SIGINT before exec (same pid).
DEFAULT_SIGINT='import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])'

launch() {  # name, command...: in a new session (its own process group), output to its log
    local name=$1; shift
    setsid "$BIN/python" -c "$DEFAULT_SIGINT" "$@" >"$RUN/$name.log" 2>&1 < /dev/null &
    echo $! >"$RUN/$name.pid"
}

wait_for() {  # what, seconds, command...: poll until the command succeeds
    local what=$1 seconds=$2; shift 2
    for _ in $(seq "$seconds"); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 1
    done
    echo "$what did not come up in ${seconds} s; see $RUN/" >&2
    return 1
}

start() {
    mkdir -p "$RUN"
    for name in "${SERVICES[@]}"; do
        if alive "$name"; then
            echo "$name is already running (pid $(cat "$RUN/$name.pid")); make stop first" >&2
            exit 1
        fi
    done
    # Runs are launched by the code server as `<its python> -m dagster`, not a `dagster` found on PATH.
    launch code-server "$BIN/dagster" code-server start -h 127.0.0.1 -p "$OHWB_CODE_SERVER_PORT" \
        -m ohwb_pipeline.definitions --location-name ohwb_pipeline.definitions --log-level "$LOG_LEVEL" \
        --use-python-environment-entry-point
    wait_for "the code server" 180 "$BIN/dagster" api grpc-health-check -h 127.0.0.1 -p "$OHWB_CODE_SERVER_PORT" \
        || { stop; exit 1; }
    launch webserver "$BIN/dagster-webserver" -w deploy/workspace.yaml -h 127.0.0.1 -p "$UI_PORT" \
        --log-level "$LOG_LEVEL"
    launch daemon "$BIN/dagster-daemon" run -w deploy/workspace.yaml --log-level "$LOG_LEVEL"
    wait_for "the webserver" 120 "$BIN/python" -c \
        "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$UI_PORT/server_info', timeout=2)" \
        || { stop; exit 1; }
    echo "Dagster UI: http://127.0.0.1:$UI_PORT (code server on 127.0.0.1:$OHWB_CODE_SERVER_PORT, daemon running)"
    echo "instance: $DAGSTER_HOME; logs and pids: $RUN/"
    echo "stop them with: make stop"
}

stop() {
    local stopped=0
    for name in daemon webserver code-server; do
        [[ -f $RUN/$name.pid ]] || continue
        local pid; pid=$(cat "$RUN/$name.pid")
        if running "$pid"; then
            # TERM to the process itself, so Dagster shuts down in order; its group only if it hangs.
            kill -TERM "$pid" 2>/dev/null || true
            local waited=0
            while running "$pid" && ((waited < 30)); do sleep 1; waited=$((waited + 1)); done
            if running "$pid"; then
                kill -KILL -- "-$pid" 2>/dev/null || true
                echo "stopped $name (pid $pid): killed after 30 s"
            else
                echo "stopped $name (pid $pid)"
            fi
            stopped=1
        fi
        rm -f "$RUN/$name.pid"
    done
    [[ $stopped == 1 ]] || echo "nothing was running"
}

status() {
    for name in "${SERVICES[@]}"; do
        if alive "$name"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"; else echo "$name: stopped"; fi
    done
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
