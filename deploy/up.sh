#!/usr/bin/env bash
# Brings the whole system up on this machine: installs what is missing, starts
# PostgreSQL and RabbitMQ (data in .local/dev), builds, migrates, and starts the four
# services in the background; loads the demonstration initiative through the services'
# APIs unless it is there already (every start checks; a second adds nothing). Prints their URLs. Stop everything with deploy/down.sh.
#   deploy/up.sh [--no-demo]      (or COE_DEMO=0: no demonstration data)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEMO="${COE_DEMO:-1}"
for argument in "$@"; do
    case "$argument" in
        --no-demo) DEMO=0 ;;
        *) echo "usage: deploy/up.sh [--no-demo]" >&2; exit 2 ;;
    esac
done
export COE_STACK=dev
export COE_AMQP_MANAGEMENT_PORT="${COE_AMQP_MANAGEMENT_PORT:-15672}"
source "$ROOT/deploy/local/common.sh"

"$ROOT/deploy/local/install.sh"
"$ROOT/deploy/local/postgres.sh" start
"$ROOT/deploy/local/rabbitmq.sh" start
"$ROOT/deploy/local/smtp.sh" start

log "building (the first build fetches and compiles the dependencies: several minutes)"
swift build
BIN="$(swift build --show-bin-path)"

ensure_jwt_keys
RUN_DIR="$COE_STACK_DIR/run"
mkdir -p "$RUN_DIR"

# Each service gets a database role owning only its schema and a broker user limited to its
# own queues (deploy/production/provision.sh), with passwords made once and kept in
# $COE_STACK_DIR/credentials.env. Set COE_DATABASE_URL and COE_AMQP_URL to run every
# service with those instead.
declare -A DATABASE_URLS AMQP_URLS
if [ -z "${COE_DATABASE_URL:-}" ] && [ -z "${COE_AMQP_URL:-}" ]; then
    credentials="$COE_STACK_DIR/credentials.env"
    if [ ! -f "$credentials" ]; then
        (umask 077; for service in INTAKE WORKFLOW FUNDING NOTIFICATIONS; do
            echo "COE_${service}_DB_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
            echo "COE_${service}_AMQP_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
        done > "$credentials")
    fi
    log "provisioning a database role and a broker user per service"
    provisioned="$(set -a; source "$credentials"; set +a
        PSQL="$ROOT/deploy/local/postgres.sh psql" RABBITMQCTL="$ROOT/deploy/local/rabbitmq.sh ctl" \
        COE_DB_NAME="$COE_DB_NAME" COE_DB_HOST="127.0.0.1:$COE_PG_PORT" COE_AMQP_HOST="127.0.0.1:$COE_AMQP_PORT" \
        "$ROOT/deploy/production/provision.sh")"
    # The stack's admin user keeps working everywhere (the CLI's defaults, psql): it is made a
    # member of every service role. The services themselves use only their own.
    "$ROOT/deploy/local/postgres.sh" psql -v ON_ERROR_STOP=1 -q \
        -c "GRANT intake, workflow, funding, notifications TO \"$COE_DB_USER\""
    while read -r name database amqp; do
        DATABASE_URLS[${name%:}]="${database#COE_DATABASE_URL=}"
        AMQP_URLS[${name%:}]="${amqp#COE_AMQP_URL=}"
    done <<< "$provisioned"
else
    for service in intake workflow funding notifications; do
        DATABASE_URLS[$service]="${COE_DATABASE_URL:-$(database_url)}"
        AMQP_URLS[$service]="${COE_AMQP_URL:-$(amqp_url)}"
    done
fi

# The operator's step: what all services share on the broker (the events exchange, its
# alternate exchange, the unrouted keeper), declared with the administrator's rights;
# least-privileged services only check that it exists.
COE_AMQP_URL="$(amqp_url)" "$BIN/coe-intake" topology >/dev/null

declare -A PORTS=([intake]=8081 [workflow]=8082 [funding]=8083 [notifications]=8084)
for service in intake workflow funding notifications; do
    COE_DATABASE_URL="${DATABASE_URLS[$service]}" COE_AMQP_URL="${AMQP_URLS[$service]}" "$BIN/coe-$service" migrate
done
for service in intake workflow funding notifications; do
    pidfile="$RUN_DIR/$service.pid"
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
        log "coe-$service already running (pid $(cat "$pidfile")); restarting"
        kill -TERM "$(cat "$pidfile")" && while kill -0 "$(cat "$pidfile")" 2>/dev/null; do sleep 0.1; done
    fi
    # Notifications mails through the stack's SMTP server and knows the people of recipients.json.
    extra=()
    if [ "$service" = notifications ]; then
        extra=(COE_SMTP_URL="${COE_SMTP_URL:-$("$ROOT/deploy/local/smtp.sh" url)}" COE_RECIPIENTS_FILE="${COE_RECIPIENTS_FILE:-$ROOT/deploy/local/recipients.json}"
            COE_PUBLIC_URL="${COE_PUBLIC_URL:-http://127.0.0.1:${COE_GATEWAY_PORT:-8080}}")
    fi
    # The local stack's sign-in page (intake's /signin) mints session tokens for the
    # demonstration people: only here does a serving process hold the signing key.
    if [ "$service" = intake ]; then
        extra=(COE_SIGNIN_PEOPLE_FILE="$ROOT/deploy/local/demo-people.json" COE_SIGNIN_KEY_FILE="$JWT_PRIVATE_KEY_FILE")
    fi
    env "${extra[@]}" COE_HTTP_PORT="${PORTS[$service]}" COE_DATABASE_URL="${DATABASE_URLS[$service]}" COE_AMQP_URL="${AMQP_URLS[$service]}" \
        setsid "$BIN/coe-$service" serve >> "$RUN_DIR/$service.log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
done
for service in intake workflow funding notifications; do
    port="${PORTS[$service]}"
    for _ in $(seq 1 300); do
        curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
        kill -0 "$(cat "$RUN_DIR/$service.pid")" 2>/dev/null || { tail -20 "$RUN_DIR/$service.log" >&2; die "coe-$service exited"; }
        sleep 0.1
    done
    curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null || die "coe-$service is not ready (log: $RUN_DIR/$service.log)"
done

# One address for people and clients: nginx routes the pages and APIs to their services.
"$ROOT/deploy/local/gateway.sh" start

# The demonstration initiative: people of every role, envelopes of every region, some forty
# proposals in every state (deploy/local/demo-people.json, Services/Demo), loaded through the
# APIs as those people. Nothing is added when it is there already.
if [ "$DEMO" = 1 ]; then
    log "loading the demonstration initiative (skip with --no-demo)"
    COE_JWT_PRIVATE_KEY_FILE="$JWT_PRIVATE_KEY_FILE" "$BIN/coe-demo" load --quiet --people-file "$ROOT/deploy/local/demo-people.json" \
        || die "the demonstration data did not load (the services keep running; see $RUN_DIR/*.log)"
fi

cat <<MSG

CoE Workflows is up at http://127.0.0.1:${COE_GATEWAY_PORT:-8080}/  (sign in as any demonstration person)
  gateway        http://127.0.0.1:${COE_GATEWAY_PORT:-8080}   nginx: the pages and every API below, by path
  intake         http://127.0.0.1:8081   (API: /v1/proposals, spec: /openapi.yaml)
  workflow       http://127.0.0.1:8082   (API: /v1/reviews)
  funding        http://127.0.0.1:8083
  notifications  http://127.0.0.1:8084   (API: /v1/notifications, /v1/recipients, /v1/subscriptions, /v1/deliveries)
  SMTP server    $("$ROOT/deploy/local/smtp.sh" url)   keeps every mail in $COE_STACK_DIR/mail (.eml and .json)
  each also serves /health/live, /health/ready and /metrics
  PostgreSQL     $(database_url)   (each service: its own role, see $COE_STACK_DIR/credentials.env)
  RabbitMQ       $(amqp_url)   management UI: http://127.0.0.1:$COE_AMQP_MANAGEMENT_PORT (user $COE_AMQP_USER / $COE_AMQP_PASSWORD)
  logs           $RUN_DIR/*.log
Access tokens (signed with $JWT_PRIVATE_KEY_FILE, which the services never see), for example:
  TOKEN=\$(COE_JWT_PRIVATE_KEY_FILE=$JWT_PRIVATE_KEY_FILE $BIN/coe-intake token --role focal_point --country KZ)
  curl -H "Authorization: Bearer \$TOKEN" http://127.0.0.1:8081/v1/proposals
One person of every role of the demonstration, with the command for their token: $BIN/coe-demo people
Stop everything with deploy/down.sh.
MSG
