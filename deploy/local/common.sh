# Shared settings of the local stack scripts. Sourced, not run.
# Every value can be overridden from the environment, so a test run and a dev run
# can live side by side (different folder, different ports).
set -euo pipefail

COE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COE_STACK="${COE_STACK:-dev}"                              # name of this stack: dev, test, ...
COE_STACK_DIR="${COE_STACK_DIR:-$COE_ROOT/.local/$COE_STACK}"   # git-ignored
# Ports below Linux's ephemeral range (32768-60999), so an outgoing connection can't hold them.
COE_PG_PORT="${COE_PG_PORT:-25432}"
COE_AMQP_PORT="${COE_AMQP_PORT:-26672}"
COE_AMQP_MANAGEMENT_PORT="${COE_AMQP_MANAGEMENT_PORT:-0}"  # 0 = no management plugin
COE_PG_BIN="${COE_PG_BIN:-}"
COE_DB_NAME="${COE_DB_NAME:-coe}"
COE_DB_USER="${COE_DB_USER:-coe}"
COE_DB_PASSWORD="${COE_DB_PASSWORD:-coe}"
COE_AMQP_USER="${COE_AMQP_USER:-coe}"
COE_AMQP_PASSWORD="${COE_AMQP_PASSWORD:-coe}"

log() { printf '[%s] %s\n' "$COE_STACK" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$COE_STACK" "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@";
    elif command -v sudo >/dev/null 2>&1; then sudo "$@";
    else die "need root to run: $*"; fi
}

# Waits until a TCP port on 127.0.0.1 accepts connections.
wait_for_port() {
    local port="$1" seconds="$2" what="$3" i=0
    while ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -gt $((seconds * 10)) ] && die "$what did not open port $port within ${seconds}s"
        sleep 0.1
    done
}

pg_bin() {
    if [ -n "$COE_PG_BIN" ]; then echo "$COE_PG_BIN"; return; fi
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$dir" ] || die "PostgreSQL server binaries not found (run deploy/local/install.sh)"
    echo "$dir"
}

database_url() { echo "postgres://$COE_DB_USER:$COE_DB_PASSWORD@127.0.0.1:$COE_PG_PORT/$COE_DB_NAME"; }
amqp_url() { echo "amqp://$COE_AMQP_USER:$COE_AMQP_PASSWORD@127.0.0.1:$COE_AMQP_PORT/%2f"; }

# An ES256 key pair for access tokens, made once per stack: services verify with the
# public key, `coe-<service> token` signs with the private one.
ensure_jwt_keys() {
    local dir="$COE_STACK_DIR/jwt"
    if [ ! -f "$dir/private.pem" ]; then
        mkdir -p "$dir"
        ( umask 077; openssl ecparam -name prime256v1 -genkey -noout -out "$dir/private.pem" 2>/dev/null
          openssl pkcs8 -topk8 -nocrypt -in "$dir/private.pem" -out "$dir/private.p8.pem" && mv "$dir/private.p8.pem" "$dir/private.pem" )
        openssl ec -in "$dir/private.pem" -pubout -out "$dir/public.pem" 2>/dev/null
        log "generated a signing key for access tokens in $dir"
    fi
    export COE_JWT_PUBLIC_KEY_FILE="$dir/public.pem"
    # Not exported: only `coe-<service> token` reads the private key; a serving process never has it.
    JWT_PRIVATE_KEY_FILE="$dir/private.pem"
}
