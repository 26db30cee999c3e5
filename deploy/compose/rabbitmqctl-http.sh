#!/usr/bin/env bash
# The rabbitmqctl commands deploy/production/provision.sh uses, over RabbitMQ's
# management HTTP API: for containers that can reach the broker's port but not its Erlang
# node (docker compose).
#   RABBITMQ_API=http://rabbitmq:15672 RABBITMQ_ADMIN=coe:coe rabbitmqctl-http.sh add_user NAME PASSWORD
#   … change_password NAME PASSWORD
#   … set_permissions -p VHOST NAME CONFIGURE WRITE READ
#   … set_topic_permissions -p VHOST NAME EXCHANGE WRITE READ
set -euo pipefail
API="${RABBITMQ_API:-http://127.0.0.1:15672}"
ADMIN="${RABBITMQ_ADMIN:?set RABBITMQ_ADMIN=user:password of the broker administrator}"

# A JSON object from key value pairs (strings: backslashes and quotes escaped).
json() {
    local out="" key value
    while [ $# -gt 0 ]; do
        key="$1" value="$2"; shift 2
        value="${value//\\/\\\\}"; value="${value//\"/\\\"}"
        out="$out${out:+,}\"$key\":\"$value\""
    done
    printf '{%s}' "$out"
}
# A path segment: user names are provision.sh's (letters, digits, _ . -); the vhost may be "/".
encode() { printf '%s' "$1" | sed 's#%#%25#g; s#/#%2F#g'; }
put() { curl -fsS -u "$ADMIN" -X PUT -H 'content-type: application/json' --data-binary "$2" "$API$1" >/dev/null; }

case "${1:-}" in
    add_user|change_password)
        # PUT creates or updates: a user that exists gets the new password.
        put "/api/users/$(encode "$2")" "$(json password "$3" tags "")" ;;
    set_permissions)
        vhost=/
        if [ "$2" = -p ]; then vhost="$3"; shift 2; fi
        put "/api/permissions/$(encode "$vhost")/$(encode "$2")" "$(json configure "$3" write "$4" read "$5")" ;;
    set_topic_permissions)
        vhost=/
        if [ "$2" = -p ]; then vhost="$3"; shift 2; fi
        put "/api/topic-permissions/$(encode "$vhost")/$(encode "$2")" "$(json exchange "$3" write "$4" read "$5")" ;;
    *) echo "usage: $0 add_user|change_password NAME PASSWORD | set_permissions [-p VHOST] NAME CONF WRITE READ | set_topic_permissions [-p VHOST] NAME EXCHANGE WRITE READ" >&2; exit 2 ;;
esac
