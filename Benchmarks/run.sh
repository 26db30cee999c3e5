#!/usr/bin/env bash
# Runs coe-bench (release build) against a PostgreSQL and RabbitMQ of its own, with
# durable settings (no test shortcuts), and stops them afterwards.
#   Benchmarks/run.sh [coe-bench options]     e.g. --messages 50000 --relay-rate 1000
#   COE_BENCH_CONFIGURATION=debug Benchmarks/run.sh   (skips the long release build)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export COE_STACK=bench
export COE_PG_PORT="${COE_BENCH_PG_PORT:-25434}"
export COE_AMQP_PORT="${COE_BENCH_AMQP_PORT:-26674}"
source "$ROOT/deploy/local/common.sh"
"$ROOT/deploy/local/install.sh"
trap '"$ROOT/deploy/local/rabbitmq.sh" stop; "$ROOT/deploy/local/postgres.sh" stop' EXIT
"$ROOT/deploy/local/postgres.sh" start
"$ROOT/deploy/local/rabbitmq.sh" start
CONFIGURATION="${COE_BENCH_CONFIGURATION:-release}"   # debug reuses the test build: quicker, same broker-bound rates
swift build -c "$CONFIGURATION" --product coe-bench
COE_DATABASE_URL="$(database_url)" COE_AMQP_URL="$(amqp_url)" "$(swift build -c "$CONFIGURATION" --show-bin-path)/coe-bench" "$@"
