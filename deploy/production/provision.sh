#!/usr/bin/env bash
# Least-privilege credentials for a shared PostgreSQL database and RabbitMQ vhost:
# one database role and one broker user per service.
#   - each database role owns its schema and nothing else (no CREATE on the database,
#     no USAGE on the other services' schemas);
#   - each broker user may declare and read only its own queues (<service>.*), publish to
#     the events exchange and to its own queues through the default exchange, and bind its
#     queues to the events exchange.
#
#   PSQL="psql -h db -U postgres -d coe" RABBITMQCTL="rabbitmqctl -n rabbit@broker" \
#     deploy/production/provision.sh            # prints COE_DATABASE_URL / COE_AMQP_URL per service
#
# Passwords come from COE_<SERVICE>_DB_PASSWORD / COE_<SERVICE>_AMQP_PASSWORD, or are generated.
set -euo pipefail
PSQL="${PSQL:-psql}"
RABBITMQCTL="${RABBITMQCTL:-rabbitmqctl}"
DATABASE="${COE_DB_NAME:-coe}"
DB_HOST="${COE_DB_HOST:-127.0.0.1:5432}"
AMQP_HOST="${COE_AMQP_HOST:-127.0.0.1:5672}"
VHOST="${COE_AMQP_VHOST:-/}"
EXCHANGE="${COE_AMQP_EXCHANGE:-coe.events}"
SERVICES="${COE_SERVICES:-intake workflow funding notifications}"

secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
escape() { printf '%s' "$1" | sed 's/[.[\*^$()+?{|]/\\&/g'; }

$PSQL -v ON_ERROR_STOP=1 -q -c "REVOKE CREATE ON DATABASE \"$DATABASE\" FROM PUBLIC" \
      -c "REVOKE CREATE ON SCHEMA public FROM PUBLIC"

ex="$(escape "$EXCHANGE")"
for service in $SERVICES; do
    upper="$(echo "$service" | tr a-z A-Z)"
    db_var="COE_${upper}_DB_PASSWORD"; amqp_var="COE_${upper}_AMQP_PASSWORD"
    db_password="${!db_var:-$(secret)}"; amqp_password="${!amqp_var:-$(secret)}"

    $PSQL -v ON_ERROR_STOP=1 -q <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$service') THEN
        CREATE ROLE "$service" LOGIN;
    END IF;
END
\$\$;
ALTER ROLE "$service" LOGIN PASSWORD '$db_password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
GRANT CONNECT ON DATABASE "$DATABASE" TO "$service";
CREATE SCHEMA IF NOT EXISTS "$service" AUTHORIZATION "$service";
ALTER SCHEMA "$service" OWNER TO "$service";
ALTER ROLE "$service" SET search_path = "$service";
SQL

    own="$(escape "$service")\\..*"
    $RABBITMQCTL add_user "$service" "$amqp_password" >/dev/null 2>&1 || $RABBITMQCTL change_password "$service" "$amqp_password" >/dev/null
    # configure: declare its queues and the shared exchanges; write: publish to the events
    # exchange, to its own queues (default exchange) and bind them; read: consume its queues
    # and bind from the events exchanges.
    $RABBITMQCTL set_permissions -p "$VHOST" "$service" \
        "^(${ex}|${ex}\\.unrouted|${own})\$" \
        "^(${ex}|${ex}\\.unrouted|amq\\.default|${own})\$" \
        "^(${ex}|${ex}\\.unrouted|${own})\$" >/dev/null

    vhost_encoded="$(printf '%s' "$VHOST" | sed 's#/#%2f#g')"
    echo "$service: COE_DATABASE_URL=postgres://$service:$db_password@$DB_HOST/$DATABASE COE_AMQP_URL=amqp://$service:$amqp_password@$AMQP_HOST/$vhost_encoded"
done
