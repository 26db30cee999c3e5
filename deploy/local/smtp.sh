#!/usr/bin/env bash
# The local stack's SMTP server: a real one that keeps what it receives (mailcatcher.py,
# Debian's python3-aiosmtpd), each mail as .eml and .json in $COE_STACK_DIR/mail.
#   deploy/local/smtp.sh start|stop|status|url
# Port: COE_SMTP_PORT (25025; the test stack 25026).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
COE_SMTP_PORT="${COE_SMTP_PORT:-25025}"
MAIL_DIR="$COE_STACK_DIR/mail"
PIDFILE="$COE_STACK_DIR/run/smtp.pid"

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

case "${1:-}" in
    start)
        mkdir -p "$MAIL_DIR" "$(dirname "$PIDFILE")"
        if running; then log "SMTP server already running on $COE_SMTP_PORT"; exit 0; fi
        setsid /usr/bin/python3 "$COE_ROOT/deploy/local/mailcatcher.py" --host 127.0.0.1 --port "$COE_SMTP_PORT" --dir "$MAIL_DIR" \
            >> "$COE_STACK_DIR/smtp.log" 2>&1 < /dev/null &
        echo $! > "$PIDFILE"
        wait_for_port "$COE_SMTP_PORT" 20 "the SMTP server"
        log "SMTP server on smtp://127.0.0.1:$COE_SMTP_PORT, mail kept in $MAIL_DIR"
        ;;
    stop)
        if running; then
            pid="$(cat "$PIDFILE")"
            kill -TERM "$pid"
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
            log "SMTP server stopped"
        fi
        rm -f "$PIDFILE"
        ;;
    status) running && echo "running on $COE_SMTP_PORT" || { echo "stopped"; exit 3; } ;;
    url) echo "smtp://127.0.0.1:$COE_SMTP_PORT" ;;
    *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
