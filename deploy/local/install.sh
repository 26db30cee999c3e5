#!/usr/bin/env bash
# Installs what the local stack needs and is missing, with Debian's packages: PostgreSQL
# (server, psql and libpq-dev for the tooling: psql, pg_isready, pgbench), RabbitMQ,
# rabbitmq-c (librabbitmq-dev, the services' AMQP client), libcurl (libcurl4-openssl-dev:
# notifications' SMTP client), Python's aiosmtpd (the SMTP server that keeps mail), venv (the API fuzzer's virtual environment) and xmllint (libxml2-utils: the
# tests validate the IATI export against the IATI 2.03 schema).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

missing=()
ls -d /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
pkg-config --exists libpq 2>/dev/null || [ -f /usr/include/postgresql/libpq-fe.h ] || missing+=(libpq-dev)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
pkg-config --exists librabbitmq 2>/dev/null || missing+=(librabbitmq-dev pkg-config)
pkg-config --exists libcurl 2>/dev/null || missing+=(libcurl4-openssl-dev pkg-config)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The mail catcher runs with Debian's own Python (/usr/bin/python3), whatever else is on PATH.
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
# promtool (Debian's prometheus package: only its promtool is used) and Debian Python's
# yaml module: deploy/monitoring/check.sh validates the alerts, their tests and the dashboard.
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
# The gateway (one address in front of the four services) and the browser tests' headless
# Chromium with its WebDriver.
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)

if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # A policy-rc.d that says no keeps the packages from starting system-wide services we don't
    # use (a Prometheus on :9090, a second PostgreSQL or RabbitMQ); made here if the machine has none.
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
        made_policy=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ "$made_policy" = 0 ] || as_root rm -f /usr/sbin/policy-rc.d
fi
