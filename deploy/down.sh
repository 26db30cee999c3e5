#!/usr/bin/env bash
# Stops the four services (SIGTERM: graceful), RabbitMQ and PostgreSQL of the dev stack.
# Data stays in .local/dev; remove that folder to start from scratch.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export COE_STACK=dev
source "$ROOT/deploy/local/common.sh"
RUN_DIR="$COE_STACK_DIR/run"
for service in intake workflow funding notifications; do
    pidfile="$RUN_DIR/$service.pid"
    [ -f "$pidfile" ] || continue
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        log "coe-$service stopped"
    fi
    rm -f "$pidfile"
done
"$ROOT/deploy/local/gateway.sh" stop
"$ROOT/deploy/local/smtp.sh" stop
"$ROOT/deploy/local/rabbitmq.sh" stop
"$ROOT/deploy/local/postgres.sh" stop
