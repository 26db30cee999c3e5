#!/usr/bin/env bash
# Runs every test against a throwaway PostgreSQL and RabbitMQ of its own, started here
# and stopped at exit (also on failure). Installs what is missing first.
#   deploy/test.sh [extra swift test arguments]
# Ports and folder can be moved with COE_TEST_PG_PORT, COE_TEST_AMQP_PORT, COE_TEST_STACK_DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export COE_STACK=test
export COE_STACK_DIR="${COE_TEST_STACK_DIR:-$ROOT/.local/test}"
export COE_PG_PORT="${COE_TEST_PG_PORT:-25433}"
export COE_AMQP_PORT="${COE_TEST_AMQP_PORT:-26673}"
export COE_PG_FAST=1
export COE_SMTP_PORT="${COE_TEST_SMTP_PORT:-25026}"
# Commit timestamps: the benchmark's short run reads each event's timeline with them.
export COE_PG_OPTIONS="-c track_commit_timestamp=on"
source "$ROOT/deploy/local/common.sh"

"$ROOT/deploy/local/install.sh"

stop_stack() {
    "$ROOT/deploy/local/smtp.sh" stop || true
    "$ROOT/deploy/local/rabbitmq.sh" stop || true
    "$ROOT/deploy/local/postgres.sh" stop || true
}
trap stop_stack EXIT
stop_stack 2>/dev/null
rm -rf "$COE_STACK_DIR"
mkdir -p "$ROOT/.local"

# The broker and the database boot while the code compiles.
"$ROOT/deploy/local/postgres.sh" start > "$ROOT/.local/test-postgres.log" 2>&1 &
pg_pid=$!
"$ROOT/deploy/local/rabbitmq.sh" start > "$ROOT/.local/test-rabbitmq.log" 2>&1 &
mq_pid=$!

log "building"
swift build --build-tests

wait "$pg_pid" || { cat "$ROOT/.local/test-postgres.log" >&2; die "PostgreSQL did not start"; }
wait "$mq_pid" || { cat "$ROOT/.local/test-rabbitmq.log" >&2; die "RabbitMQ did not start"; }
# The stack's SMTP server (the fuzzed notifications service mails through it); the mail tests
# start servers of their own, which they stop and start.
"$ROOT/deploy/local/smtp.sh" start

ensure_jwt_keys
# The tests mint tokens with it (TestSupport drops it from the services they start).
export COE_JWT_PRIVATE_KEY_FILE="$JWT_PRIVATE_KEY_FILE"
export COE_TEST_DATABASE_URL="$(database_url)"
export COE_TEST_AMQP_URL="$(amqp_url)"
export COE_TEST_BIN_PATH="$(swift build --show-bin-path)"
export COE_TEST_BROKER_SCRIPT="$ROOT/deploy/local/rabbitmq.sh"
export COE_TEST_POSTGRES_SCRIPT="$ROOT/deploy/local/postgres.sh"
export COE_TEST_SMTP_URL="$("$ROOT/deploy/local/smtp.sh" url)"

# Fault tests stop the broker, restart the database and kill services: they run after the rest,
# on their own; the API fuzzer runs between (a restart would show it 503s).
log "running tests"
status=0
swift test --skip-build --skip FaultTests "$@" || status=$?
if [ $# -eq 0 ]; then
    log "checking the monitoring rules, their tests and the dashboard"
    "$ROOT/deploy/monitoring/check.sh" || status=$?
fi
if [ $# -eq 0 ]; then
    log "fuzzing the HTTP contract of every service"
    "$ROOT/deploy/fuzz.sh" || status=$?
fi
if [ $# -eq 0 ]; then
    # The system benchmark's short run, for its own correctness: it fails if any event is lost or
    # applied twice while it measures (the figures of the debug build on a test stack mean little).
    log "system benchmark, short run"
    COE_DATABASE_URL="$COE_TEST_DATABASE_URL" COE_AMQP_URL="$COE_TEST_AMQP_URL" COE_BENCH_BIN_PATH="$COE_TEST_BIN_PATH" \
        COE_BENCH_WORK_DIR="$COE_STACK_DIR/bench" COE_BENCH_PGBENCH="$(pg_bin)/pgbench" \
        COE_BENCH_POSTGRES_SCRIPT="$ROOT/deploy/local/postgres.sh" COE_BENCH_POSTGRES_LOG="$COE_STACK_DIR/pg/server.log" \
        "$COE_TEST_BIN_PATH/coe-bench" system --short || status=$?
fi
log "running fault tests"
swift test --skip-build --no-parallel --filter FaultTests "$@" || status=$?
exit "$status"
