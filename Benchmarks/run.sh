#!/usr/bin/env bash
# Runs the benchmarks against a PostgreSQL and RabbitMQ of their own, with durable settings (no
# test shortcuts; commit timestamps on, for the per-hop timelines), and stops them afterwards.
#   Benchmarks/run.sh                      both, release build (the first build takes a while)
#   Benchmarks/run.sh broker [options]     the AMQP client and the outbox relay alone
#   Benchmarks/run.sh system [options]     the services against the database's and broker's limits
#   COE_BENCH_CONFIGURATION=debug Benchmarks/run.sh system --short    (reuses the test build)
# The whole run writes its results to docs/benchmarks/ (system.md, broker.md, hop-latency.svg).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export COE_STACK=bench
export COE_PG_PORT="${COE_BENCH_PG_PORT:-25434}"
export COE_AMQP_PORT="${COE_BENCH_AMQP_PORT:-26674}"
export COE_PG_OPTIONS="-c track_commit_timestamp=on"
source "$ROOT/deploy/local/common.sh"
"$ROOT/deploy/local/install.sh"
trap '"$ROOT/deploy/local/rabbitmq.sh" stop; "$ROOT/deploy/local/postgres.sh" stop' EXIT
# A fresh cluster each time, so that every run starts from the same empty state.
"$ROOT/deploy/local/rabbitmq.sh" stop 2>/dev/null || true
"$ROOT/deploy/local/postgres.sh" stop 2>/dev/null || true
rm -rf "$COE_STACK_DIR/pg" "$COE_STACK_DIR/rabbitmq" "$COE_STACK_DIR/work"
"$ROOT/deploy/local/postgres.sh" start
"$ROOT/deploy/local/rabbitmq.sh" start
CONFIGURATION="${COE_BENCH_CONFIGURATION:-release}"   # debug reuses the test build: quicker, slower services
# COE_BENCH_SCRATCH_PATH=.build-release keeps the release build apart (another SwiftPM may hold .build).
SCRATCH=(${COE_BENCH_SCRATCH_PATH:+--scratch-path "$COE_BENCH_SCRATCH_PATH"})
swift build -c "$CONFIGURATION" "${SCRATCH[@]}"
BIN="$(swift build -c "$CONFIGURATION" "${SCRATCH[@]}" --show-bin-path)"
ensure_jwt_keys
mkdir -p "$COE_STACK_DIR/work"
export COE_JWT_PRIVATE_KEY_FILE="$JWT_PRIVATE_KEY_FILE" COE_DATABASE_URL="$(database_url)" COE_AMQP_URL="$(amqp_url)" \
    COE_BENCH_BIN_PATH="$BIN" COE_BENCH_WORK_DIR="$COE_STACK_DIR/work" COE_BENCH_PGBENCH="$(pg_bin)/pgbench" \
    COE_BENCH_POSTGRES_SCRIPT="$ROOT/deploy/local/postgres.sh" COE_BENCH_POSTGRES_LOG="$COE_STACK_DIR/pg/server.log"
case "${1:-all}" in
    broker | system) command="$1"; shift; "$BIN/coe-bench" "$command" "$@" ;;
    all)
        mkdir -p "$ROOT/docs/benchmarks"
        "$BIN/coe-bench" broker | tee "$ROOT/docs/benchmarks/broker.md"
        "$BIN/coe-bench" system --report "$ROOT/docs/benchmarks/system.md" --plot "$ROOT/docs/benchmarks/hop-latency.svg"
        ;;
    *) "$BIN/coe-bench" "$@" ;;
esac
