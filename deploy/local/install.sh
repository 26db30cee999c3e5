#!/usr/bin/env bash
# Installs what the local stack needs and is missing, with Debian's packages:
# PostgreSQL, RabbitMQ, rabbitmq-c (librabbitmq-dev) and Python's aiosmtpd (an SMTP catcher).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

missing=()
ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
pkg-config --exists librabbitmq 2>/dev/null || missing+=(librabbitmq-dev pkg-config)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)

if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # policy-rc.d keeps the packages from starting system-wide services we don't use.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
