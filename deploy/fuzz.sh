#!/usr/bin/env bash
# Fuzzes the HTTP contract of the four services with schemathesis: every operation of each
# service's served OpenAPI document (/openapi.yaml) gets generated valid and invalid requests,
# once per role's access token and once without a token. A 5xx, a status code the document
# does not list, another content type or a body off its schema fails the run.
#   deploy/fuzz.sh
# Needs what deploy/test.sh exports, with PostgreSQL and RabbitMQ running: COE_TEST_DATABASE_URL,
# COE_TEST_AMQP_URL, COE_TEST_BIN_PATH, COE_JWT_PUBLIC_KEY_FILE, COE_JWT_PRIVATE_KEY_FILE.
# Tuning (environment):
#   COE_FUZZ_SERVICES      which services (default: intake workflow funding notifications)
#   COE_FUZZ_MAX_EXAMPLES  generated cases per operation and phase (default 10)
#   COE_FUZZ_RUN_TIMEOUT   seconds one schemathesis run may take before it is killed and fails (default 120)
#   COE_FUZZ_WORKERS       concurrent schemathesis workers per run (default 1: more hit a CPython 3.11 ast race)
#   COE_FUZZ_SEED          the seed (default: random, printed); the same seed repeats the run
#   COE_FUZZ_SPEC          served (default): the document the service serves; file: Services/*/openapi.yaml
#                          (to fuzz an edited document before rebuilding)
#   COE_FUZZ_ARGS          more schemathesis arguments, e.g. '--report har' (reports land in .local/fuzz/)
# schemathesis lives in .local/fuzz-venv (made once); logs and reports in .local/fuzz/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

SCHEMATHESIS_VERSION=4.32.5
SERVICES=(${COE_FUZZ_SERVICES:-intake workflow funding notifications})
MAX_EXAMPLES="${COE_FUZZ_MAX_EXAMPLES:-10}"
RUN_TIMEOUT="${COE_FUZZ_RUN_TIMEOUT:-120}"
WORKERS="${COE_FUZZ_WORKERS:-1}"
# CI repeats one seed, so a red run is the code's and can be replayed; a developer's run explores new ones.
if [ "${CI:-}" = true ]; then SEED="${COE_FUZZ_SEED:-20261130}"; else SEED="${COE_FUZZ_SEED:-$(( (RANDOM << 15 | RANDOM) ))}"; fi
SPEC_SOURCE="${COE_FUZZ_SPEC:-served}"
VENV="$ROOT/.local/fuzz-venv"
OUT="$ROOT/.local/fuzz"
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance

log() { printf '[fuzz] %s\n' "$*" >&2; }
die() { printf '[fuzz] error: %s\n' "$*" >&2; exit 1; }

for variable in COE_TEST_DATABASE_URL COE_TEST_AMQP_URL COE_TEST_BIN_PATH COE_JWT_PUBLIC_KEY_FILE COE_JWT_PRIVATE_KEY_FILE; do
    [ -n "${!variable:-}" ] || die "$variable is not set: run this with the environment deploy/test.sh sets up"
done
BIN="$COE_TEST_BIN_PATH"
case "$SPEC_SOURCE" in served|file) ;; *) die "COE_FUZZ_SPEC must be served or file, not '$SPEC_SOURCE'" ;; esac
command -v curl >/dev/null || die "curl is missing (deploy/local/install.sh installs it)"
command -v python3 >/dev/null || die "python3 is missing"

# schemathesis, pinned, in a virtual environment of its own: made once, reused while the version holds.
ensure_schemathesis() {
    local marker="$VENV/.schemathesis-$SCHEMATHESIS_VERSION"
    [ -f "$marker" ] && [ -x "$VENV/bin/st" ] && return
    log "installing schemathesis $SCHEMATHESIS_VERSION into ${VENV#"$ROOT"/}"
    rm -rf "$VENV"
    python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install --quiet --no-input "schemathesis==$SCHEMATHESIS_VERSION" \
        || { rm -rf "$VENV"; die "pip install schemathesis==$SCHEMATHESIS_VERSION failed"; }
    touch "$marker"
}
ensure_schemathesis
"$VENV/bin/st" --version | grep -q "$SCHEMATHESIS_VERSION" || die "$VENV/bin/st is not schemathesis $SCHEMATHESIS_VERSION"

rm -rf "$OUT"
mkdir -p "$OUT"
ISOLATION="fuzz_$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
AMQP_USER="$(printf '%s' "$COE_TEST_AMQP_URL" | sed -E 's#^amqps?://([^:@/]*).*#\1#')"
[ -n "$AMQP_USER" ] || die "COE_TEST_AMQP_URL names no user"
SENDERS="intake=$AMQP_USER,workflow=$AMQP_USER,funding=$AMQP_USER,notifications=$AMQP_USER"

# A port below Linux's ephemeral range (32768+) that nothing is bound to now.
free_port() {
    "$VENV/bin/python" - <<'EOF'
import random, socket
for _ in range(500):
    port = random.randrange(24000, 32000)
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    break
else:
    raise SystemExit("no free port below 32000")
EOF
}

declare -A PIDS PORTS
stop_services() {
    local service pid
    for service in "${!PIDS[@]}"; do
        pid="${PIDS[$service]}"
        kill -TERM "$pid" 2>/dev/null || continue
    done
    for service in "${!PIDS[@]}"; do
        pid="${PIDS[$service]}"
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}
drop_schemas() {
    # The test stack is thrown away after deploy/test.sh; on a longer-lived one, leave no schemas behind.
    command -v psql >/dev/null || return 0
    local service
    for service in "${SERVICES[@]}"; do
        psql -q "$COE_TEST_DATABASE_URL" -c "DROP SCHEMA IF EXISTS \"${ISOLATION}_$service\" CASCADE" >/dev/null 2>&1 || true
    done
}
cleanup() {
    local status=$?
    stop_services
    drop_schemas
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_service() {
    local service="$1" port
    port="$(free_port)"
    PORTS[$service]="$port"
    log "starting coe-$service on port $port (schema ${ISOLATION}_$service; log .local/fuzz/$service.log)"
    env -u COE_JWT_PRIVATE_KEY_FILE \
        COE_DATABASE_URL="$COE_TEST_DATABASE_URL" \
        COE_DATABASE_SCHEMA="${ISOLATION}_$service" \
        COE_AMQP_URL="$COE_TEST_AMQP_URL" \
        COE_AMQP_EXCHANGE="$ISOLATION.events" \
        COE_AMQP_QUEUE_PREFIX="$ISOLATION.$service" \
        COE_AMQP_SENDERS="$SENDERS" COE_AMQP_DECLARE_SHARED=true \
        COE_HTTP_HOST=127.0.0.1 \
        COE_HTTP_PORT="$port" \
        COE_RETRY_DELAYS=200ms,400ms,800ms \
        COE_LOG_LEVEL="${COE_FUZZ_LOG_LEVEL:-info}" \
        COE_SMTP_URL="${COE_TEST_SMTP_URL:-smtp://127.0.0.1:25026}" \
        COE_WEBHOOK_HOSTS=127.0.0.1 COE_WEBHOOK_ALLOW_INTERNAL=true COE_WEBHOOK_TIMEOUT_SECONDS=2 \
        "$BIN/coe-$service" serve > "$OUT/$service.log" 2>&1 < /dev/null &
    PIDS[$service]=$!
}

wait_ready() {
    local service="$1" port="${PORTS[$1]}" pid="${PIDS[$1]}"
    for _ in $(seq 1 600); do
        curl -fs -o /dev/null "http://127.0.0.1:$port/health/ready" && return
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 30 "$OUT/$service.log" >&2
            die "coe-$service exited while starting (log: .local/fuzz/$service.log)"
        fi
        sleep 0.1
    done
    tail -n 30 "$OUT/$service.log" >&2
    die "coe-$service did not become ready within 60s (log: .local/fuzz/$service.log)"
}

for service in "${SERVICES[@]}"; do
    [ -x "$BIN/coe-$service" ] || die "$BIN/coe-$service is missing: build first (swift build)"
    start_service "$service"
done
for service in "${SERVICES[@]}"; do wait_ready "$service"; done

# One access token per role; the services only verify (they have no signing key).
declare -A TOKENS
ROLES=(focal_point secretariat reviewer finance admin)
TOKENS[focal_point]="$("$BIN/coe-intake" token --role focal_point --country KZ --sub fuzz-focal-point)"
TOKENS[secretariat]="$("$BIN/coe-intake" token --role secretariat --region CA --sub fuzz-secretariat)"
TOKENS[reviewer]="$("$BIN/coe-intake" token --role reviewer --sub fuzz-reviewer)"
TOKENS[finance]="$("$BIN/coe-intake" token --role finance --sub fuzz-finance)"
TOKENS[admin]="$("$BIN/coe-intake" token --role admin --sub fuzz-admin)"

# Something to find: a submitted proposal (and, with workflow, its review case with a reviewer),
# so lists answer real items whose schema gets checked too.
seed_data() {
    # Notifications knows the fuzzing secretariat and focal point first, so the seeded submission
    # gives them feed items and a mail (deliveries) to list.
    if [ -n "${PORTS[notifications]:-}" ]; then
        local notifications="http://127.0.0.1:${PORTS[notifications]}" person
        for person in '{"sub":"fuzz-secretariat","name":"Fuzz Secretariat","email":"sec@fuzz.test","role":"secretariat","region":"CA"}' \
                      '{"sub":"fuzz-focal-point","name":"Fuzz Focal Point","email":"fp@fuzz.test","language":"fr","role":"focal_point","country":"KZ"}'; do
            curl -fsS -o /dev/null "$notifications/v1/recipients" -H "Authorization: Bearer ${TOKENS[admin]}" \
                -H 'content-type: application/json' -d "$person" || die "could not add a recipient to notifications"
        done
        log "seeded notifications' directory with fuzz-secretariat and fuzz-focal-point"
    fi
    [ -n "${PORTS[intake]:-}" ] || return 0
    local intake="http://127.0.0.1:${PORTS[intake]}" auth=(-H "Authorization: Bearer ${TOKENS[focal_point]}") location id
    location="$(curl -fsS -o /dev/null -w '%header{location}' "$intake/v1/proposals" "${auth[@]}" -H 'content-type: application/json' \
        -d '{"title":"Radiation detection at the Kazakh-Uzbek border","summary":"Portal monitors and training.",
             "objectives":["Install portal monitors"],"region":"CA","participatingCountries":["UZ","KG"],
             "cbrnCategories":["radiological","nuclear"],"cbrnAreas":["border_control"],"requestedBudget":"1250000.00",
             "durationMonths":24,"implementingPartners":[{"name":"Customs Committee","country":"KZ","role":"beneficiary"}],
             "contact":{"name":"Aigerim S.","email":"aigerim@example.kz","phone":"+7 700 000 0000"}}')" \
        || die "could not create the seed proposal"
    id="${location##*/}"
    curl -fsS -o /dev/null -X POST "$intake/v1/proposals/$id/submit" "${auth[@]}" || die "could not submit the seed proposal"
    curl -fsS -o /dev/null "$intake/v1/proposals" "${auth[@]}" -H 'content-type: application/json' -d '{"title":"A draft"}' \
        || die "could not create the seed draft"
    log "seeded proposal $id (submitted) and a draft"
    [ -n "${PORTS[workflow]:-}" ] || return 0
    local workflow="http://127.0.0.1:${PORTS[workflow]}" secretariat=(-H "Authorization: Bearer ${TOKENS[secretariat]}")
    for _ in $(seq 1 100); do
        curl -fs -o /dev/null "$workflow/v1/reviews/$id" "${secretariat[@]}" && break
        sleep 0.1
    done
    curl -fsS -o /dev/null "$workflow/v1/reviews/$id/assignments" "${secretariat[@]}" -H 'content-type: application/json' \
        -d '{"reviewer":"fuzz-reviewer","name":"Camille Laurent","email":"camille.laurent@example.fr","country":"FR"}' \
        || die "could not assign the seed reviewer (did workflow open the review case?)"
    log "seeded its review case with reviewer fuzz-reviewer"
}
seed_data

# The document to fuzz (in $LOCATION): what the service serves, which must be the file (the contract test checks that too).
spec_of() {
    local service="$1" file="$ROOT/Services/${1^}/openapi.yaml" served="$OUT/$1.openapi.yaml"
    curl -fsS -o "$served" "http://127.0.0.1:${PORTS[$service]}/openapi.yaml" || die "coe-$service serves no /openapi.yaml"
    if ! cmp -s "$served" "$file"; then
        if [ "$SPEC_SOURCE" = served ]; then
            log "warning: coe-$service serves another document than ${file#"$ROOT"/} (a build older than the file?); fuzzing the served one"
        else
            log "fuzzing ${file#"$ROOT"/} (coe-$service serves another one: rebuild)"
        fi
    fi
    if [ "$SPEC_SOURCE" = file ]; then LOCATION="$file"; else LOCATION="http://127.0.0.1:${PORTS[$service]}/openapi.yaml"; fi
}

declare -a SUMMARY
failed=0
# The live feed (SSE) answers a person of the directory with a stream that never ends, which a
# fuzzer can only time out on; its answers are checked by OpenAPIContractTests and NotificationServiceTests.
declare -A EXCLUDE=([notifications]="--exclude-operation-id streamNotifications")
run_schemathesis() {
    local service="$1" who="$2" location="$3" report="$OUT/$1-$2" status=0 started elapsed auth=()
    [ "$who" = anonymous ] || auth=(-H "Authorization: Bearer ${TOKENS[$who]}")
    log "coe-$service as $who: schemathesis (positive and negative data, at most $MAX_EXAMPLES cases per operation and phase)"
    started=$SECONDS
    # From $OUT: schemathesis keeps its replay cache in ./.schemathesis (st replay ID, run there).
    (cd "$OUT" && timeout --signal=INT --kill-after=15 "$RUN_TIMEOUT" \
        "$VENV/bin/st" run "$location" --url "http://127.0.0.1:${PORTS[$service]}" \
            "${auth[@]}" \
            --checks "$CHECKS" \
            --mode all \
            --max-examples "$MAX_EXAMPLES" \
            --seed "$SEED" \
            --workers "$WORKERS" \
            --request-timeout 20 \
            --generation-database none \
            --suppress-health-check all \
            --report junit --report-junit-path "$report.junit.xml" \
            --output-sanitize false \
            --no-color ${EXCLUDE[$service]:-} ${COE_FUZZ_ARGS:-}) \
            > "$report.out" 2>&1 || status=$?
    elapsed=$((SECONDS - started))
    local counts
    counts="$(grep -A1 -E '^Test cases:' "$report.out" | tail -1 | sed -E 's/^ +//')" || true
    if [ "$status" -eq 0 ]; then
        SUMMARY+=("coe-$service as $who: ok in ${elapsed}s (${counts:-no cases})")
    else
        failed=1
        if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
            SUMMARY+=("coe-$service as $who: FAILED, killed after ${RUN_TIMEOUT}s (COE_FUZZ_RUN_TIMEOUT)")
        else
            SUMMARY+=("coe-$service as $who: FAILED in ${elapsed}s (${counts:-see report})")
        fi
        log "coe-$service as $who failed (exit $status); schemathesis' report (all of it in .local/fuzz/$service-$who.out):"
        # From its FAILURES (or ERRORS) section on: each failing case with its curl reproduction.
        if grep -qE '^=+ (FAILURES|ERRORS) =+$' "$report.out"; then
            sed -n -E '/^=+ (FAILURES|ERRORS) =+$/,$p' "$report.out" >&2
        else
            cat "$report.out" >&2
        fi
        if ! kill -0 "${PIDS[$service]}" 2>/dev/null; then
            log "coe-$service is no longer running; the end of its log:"
            tail -n 30 "$OUT/$service.log" >&2
        fi
    fi
}

log "seed $SEED (COE_FUZZ_SEED=$SEED repeats this run); checks: $CHECKS"
for service in "${SERVICES[@]}"; do
    spec_of "$service"
    for who in "${ROLES[@]}" anonymous; do
        run_schemathesis "$service" "$who" "$LOCATION"
    done
done

for line in "${SUMMARY[@]}"; do log "$line"; done
if [ "$failed" -ne 0 ]; then
    log "FAILED: the services answered off their OpenAPI documents (reports above and in .local/fuzz/)"
    exit 1
fi
log "every run passed"
