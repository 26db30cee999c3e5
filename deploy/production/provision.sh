#!/usr/bin/env bash
# Least-privilege credentials for a shared PostgreSQL database and RabbitMQ vhost:
# one database role and one broker user per service.
#   - each database role owns its schema and everything in it, and nothing else (no CREATE
#     on the database, no USAGE on the other services' schemas);
#   - each broker user may declare, bind and read only its own queues and exchanges
#     (<service>.*) and publish to the events exchange and its own `<service>.direct`
#     exchange; not to `amq.default`, through which it could write into any queue;
#   - on the events exchange, topic permissions let each user publish only the event types
#     its service owns and bind only those it consumes (deploy/production/event-catalogue.tsv,
#     the code's catalogue); no user may read `<exchange>.unrouted`, which keeps every
#     service's unrouted events: only an operator (the broker's administrator) replays them.
#
#   PSQL="psql -h db -U postgres -d coe" RABBITMQCTL="rabbitmqctl -n rabbit@broker" \
#     deploy/production/provision.sh            # prints COE_DATABASE_URL / COE_AMQP_URL per service
#
# Passwords come from COE_<SERVICE>_DB_PASSWORD / COE_<SERVICE>_AMQP_PASSWORD, or are generated.
# Running it again is safe when the passwords are supplied (deploy/up.sh and compose's setup
# keep theirs; generated ones change on every run, so running services must be restarted),
# and it hands the objects a service's schema holds (say, made by an earlier single-user
# setup) to the service's role.
# COE_PROVISION_PREFIX=p names the roles and schemas p_<service> and the queues p.<service>.*
# (the layout of COE_DATABASE_SCHEMA / COE_AMQP_QUEUE_PREFIX that isolated test stacks use).
set -euo pipefail
PSQL="${PSQL:-psql}"
RABBITMQCTL="${RABBITMQCTL:-rabbitmqctl}"
DATABASE="${COE_DB_NAME:-coe}"
DB_HOST="${COE_DB_HOST:-127.0.0.1:5432}"
AMQP_HOST="${COE_AMQP_HOST:-127.0.0.1:5672}"
VHOST="${COE_AMQP_VHOST:-/}"
EXCHANGE="${COE_AMQP_EXCHANGE:-coe.events}"
SERVICES="${COE_SERVICES:-intake workflow funding notifications}"
PREFIX="${COE_PROVISION_PREFIX:-}"

secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# Percent-encodes what goes into a URL's user-info (a supplied password may hold @ : / %).
urlencode() {
    local LC_ALL=C text="$1" out="" char i   # byte by byte: UTF-8 is encoded per byte
    for ((i = 0; i < ${#text}; i++)); do
        char="${text:i:1}"
        case "$char" in [a-zA-Z0-9._~-]) out="$out$char" ;; *) out="$out$(printf '%%%02X' "'$char")" ;; esac
    done
    printf '%s' "$out"
}
escape() { printf '%s' "$1" | sed 's/[.[\*^$()+?{|]/\\&/g'; }
CATALOGUE="${COE_EVENT_CATALOGUE:-$(dirname "${BASH_SOURCE[0]}")/event-catalogue.tsv}"
[ -f "$CATALOGUE" ] || { echo "provision.sh: event catalogue $CATALOGUE not found" >&2; exit 1; }
# The routing keys a service owns (column 2) or consumes (column 3) as an anchored regex; "^$" when none.
topics() {
    local column="$1" service="$2" keys
    keys="$(awk -F '\t' -v c="$column" -v s="$service" '!/^#/ && NF >= 3 { n = split($c, a, ","); for (i = 1; i <= n; i++) if (a[i] == s) print $1 }' "$CATALOGUE" \
        | sed 's/[.]/\\./g' | paste -sd '|' -)"
    if [ -z "$keys" ]; then printf '^$'; else printf '^(%s)$' "$keys"; fi
}

# Only the roles granted CONNECT below (and the database's owner) may connect to this
# database: another project's role, or a service role provisioned for another database
# (a database per service in production), can't.
# Provisionings running at once (replicas' init jobs, parallel tests) would race on the same
# catalog rows (the database's ACL: "tuple concurrently updated"): each psql session takes
# one advisory lock first and holds it until it ends.
LOCK="DO \$\$ BEGIN PERFORM pg_advisory_lock(hashtext('coe-workflows.provision')); END \$\$"
$PSQL -v ON_ERROR_STOP=1 -q -c "$LOCK" -c "REVOKE CREATE ON DATABASE \"$DATABASE\" FROM PUBLIC" \
      -c "REVOKE CONNECT, TEMPORARY ON DATABASE \"$DATABASE\" FROM PUBLIC" \
      -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC"

ex="$(escape "$EXCHANGE")"
for service in $SERVICES; do
    upper="$(echo "$service" | tr a-z A-Z)"
    db_var="COE_${upper}_DB_PASSWORD"; amqp_var="COE_${upper}_AMQP_PASSWORD"
    db_password="${!db_var:-$(secret)}"; amqp_password="${!amqp_var:-$(secret)}"
    if [ -n "$PREFIX" ]; then role="${PREFIX}_${service}"; queues="${PREFIX}.${service}"; else role="$service"; queues="$service"; fi

    # The password goes in as a psql variable (quoted by psql), never spliced into the SQL.
    $PSQL -v ON_ERROR_STOP=1 -v password="$db_password" -q <<SQL
SET client_min_messages = warning;
$LOCK;
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$role') THEN
        CREATE ROLE "$role" LOGIN;
    END IF;
END
\$\$;
ALTER ROLE "$role" LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
GRANT CONNECT ON DATABASE "$DATABASE" TO "$role";
CREATE SCHEMA IF NOT EXISTS "$role" AUTHORIZATION "$role";
ALTER SCHEMA "$role" OWNER TO "$role";
ALTER ROLE "$role" SET search_path = "$role";
-- What the schema already holds becomes the role's too.
DO \$\$
DECLARE object record;
BEGIN
    FOR object IN
        SELECT c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = '$role' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          -- a sequence of a serial column follows its table
          AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
    LOOP
        EXECUTE format(CASE object.kind WHEN 'S' THEN 'ALTER SEQUENCE %I.%I OWNER TO %I'
                                        WHEN 'v' THEN 'ALTER VIEW %I.%I OWNER TO %I'
                                        WHEN 'm' THEN 'ALTER MATERIALIZED VIEW %I.%I OWNER TO %I'
                                        WHEN 'f' THEN 'ALTER FOREIGN TABLE %I.%I OWNER TO %I'
                                        ELSE 'ALTER TABLE %I.%I OWNER TO %I' END,
                       '$role', object.name, '$role');
    END LOOP;
    FOR object IN
        SELECT p.oid::regprocedure::text AS name, p.prokind AS kind FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = '$role'
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO %I', CASE object.kind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, object.name, '$role');
    END LOOP;
END
\$\$;
SQL

    own="$(escape "$queues")\\..*"
    $RABBITMQCTL add_user "$role" "$amqp_password" >/dev/null 2>&1 || $RABBITMQCTL change_password "$role" "$amqp_password" >/dev/null
    # configure: declare its own queues and exchanges only (the shared ones are the operator's:
    # `coe-<service> topology`; a service checks them passively, so it can't delete them);
    # write: publish to the events exchange and its own exchanges, bind its queues; read:
    # consume its own queues and bind them to the events exchange. Nothing on the alternate
    # exchange or the unrouted queue: no service binds to the one or reads the other.
    $RABBITMQCTL set_permissions -p "$VHOST" "$role" \
        "^(${own})\$" \
        "^(${ex}|${own})\$" \
        "^(${ex}|${own})\$" >/dev/null
    # Publish only the event types it owns; bind only those it consumes.
    $RABBITMQCTL set_topic_permissions -p "$VHOST" "$role" "$EXCHANGE" "$(topics 2 "$service")" "$(topics 3 "$service")" >/dev/null

    vhost_encoded="$(printf '%s' "$VHOST" | sed 's#/#%2f#g')"
    echo "$service: COE_DATABASE_URL=postgres://$role:$(urlencode "$db_password")@$DB_HOST/$DATABASE COE_AMQP_URL=amqp://$role:$(urlencode "$amqp_password")@$AMQP_HOST/$vhost_encoded"
done
