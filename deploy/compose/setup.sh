#!/usr/bin/env bash
# The one-shot `setup` service of docker-compose.yml, run before the four services start:
#   1. an ES256 key pair for access tokens in /jwt (made once, kept in its volume);
#   2. a database role and a broker user per service (deploy/production/provision.sh), their
#      URLs written to /credentials/<service>.env, which each service reads at start.
set -euo pipefail
umask 077
mkdir -p /jwt /credentials
if [ ! -f /jwt/private.pem ]; then
    openssl ecparam -name prime256v1 -genkey -noout -out /jwt/private.pem
    openssl ec -in /jwt/private.pem -pubout -out /jwt/public.pem 2>/dev/null
fi
# The services run as uid 10001: they read the public key; `token` reads the private one.
chown 10001 /jwt /jwt/private.pem /jwt/public.pem /credentials
chmod 755 /jwt
chmod 644 /jwt/public.pem

export PSQL="psql -h ${POSTGRES_HOST:-postgres} -U ${POSTGRES_USER:-coe} -d ${COE_DB_NAME:-coe}"
export PGPASSWORD="${POSTGRES_PASSWORD:-coe}"
export RABBITMQCTL="/setup/rabbitmqctl-http.sh"
/setup/provision.sh | while read -r name database amqp; do
    service="${name%:}"
    printf '%s\n%s\n' "$database" "$amqp" > "/credentials/$service.env"
    chown 10001 "/credentials/$service.env"
done
echo "setup: keys in /jwt, credentials for $(ls /credentials | tr '\n' ' ')"
