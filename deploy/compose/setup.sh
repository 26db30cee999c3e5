#!/usr/bin/env bash
# The one-shot `setup` service of docker-compose.yml, run before the four services start:
#   1. an ES256 key pair for access tokens: the public key in /jwt (every service mounts it),
#      the private one in /jwt-private (only this and the `token` tool mount it);
#   2. a database role and a broker user per service (deploy/production/provision.sh), with
#      passwords made once and kept in /state, their URLs written to
#      /credentials/<service>/service.env — a volume per service, each mounted by its service only.
# Running it again (every `docker compose up`) changes nothing for services already running.
set -euo pipefail
umask 077
mkdir -p /jwt /jwt-private /state
if [ ! -f /jwt-private/private.pem ]; then
    openssl ecparam -name prime256v1 -genkey -noout -out /jwt-private/private.pem
fi
openssl ec -in /jwt-private/private.pem -pubout -out /jwt/public.pem 2>/dev/null
# The services run as uid 10001.
chown 10001 /jwt-private /jwt-private/private.pem
chmod 755 /jwt
chmod 644 /jwt/public.pem

SERVICES="intake workflow funding notifications"
if [ ! -f /state/passwords.env ]; then
    for service in $SERVICES; do
        upper="$(echo "$service" | tr a-z A-Z)"
        echo "COE_${upper}_DB_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
        echo "COE_${upper}_AMQP_PASSWORD=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    done > /state/passwords.env
fi
set -a
. /state/passwords.env
set +a

export PSQL="psql -h ${POSTGRES_HOST:-postgres} -U ${POSTGRES_USER:-coe} -d ${COE_DB_NAME:-coe}"
export PGPASSWORD="${POSTGRES_PASSWORD:-coe}"
export RABBITMQCTL="/setup/rabbitmqctl-http.sh"
export COE_SERVICES="$SERVICES"
/setup/provision.sh | while read -r name database amqp; do
    service="${name%:}"
    mkdir -p "/credentials/$service"
    printf "COE_DATABASE_URL='%s'\nCOE_AMQP_URL='%s'\n" "${database#COE_DATABASE_URL=}" "${amqp#COE_AMQP_URL=}" > "/credentials/$service/service.env"
    chown -R 10001 "/credentials/$service"
done
echo "setup: token keys ready; credentials for $SERVICES"
