#!/usr/bin/env bash
# Runs coe-bench (release build) against a PostgreSQL and RabbitMQ of its own, with
# durable settings (no test shortcuts), and stops them afterwards.
#   Benchmarks/run.sh [coe-bench options]     e.g. --messages 50000 --relay-rate 1000
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export COE_STACK=bench
export COE_PG_PORT="${COE_BENCH_PG_PORT:-55434}"
export COE_AMQP_PORT="${COE_BENCH_AMQP_PORT:-55674}"
source "$ROOT/deploy/local/common.sh"
"$ROOT/deploy/local/install.sh"
trap '"$ROOT/deploy/local/rabbitmq.sh" stop; "$ROOT/deploy/local/postgres.sh" stop' EXIT
"$ROOT/deploy/local/postgres.sh" start
"$ROOT/deploy/local/rabbitmq.sh" start
swift build -c release --product coe-bench
COE_DATABASE_URL="$(database_url)" COE_AMQP_URL="$(amqp_url)" "$(swift build -c release --show-bin-path)/coe-bench" "$@"
