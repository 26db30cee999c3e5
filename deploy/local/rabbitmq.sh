#!/usr/bin/env bash
# Starts or stops a private RabbitMQ node with its data in $COE_STACK_DIR/rabbitmq.
#   deploy/local/rabbitmq.sh start|stop|status|ctl ARGS...
# The /usr/sbin wrappers switch users and write to /var; we call the real scripts
# with an environment that keeps everything in our own folder.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

MQ_DIR="$COE_STACK_DIR/rabbitmq"
MQ_BIN=/usr/lib/rabbitmq/bin
NODE="coe-$COE_STACK-$COE_AMQP_PORT@localhost"

mq_env() {
    export HOME="$MQ_DIR/home"
    export RABBITMQ_NODENAME="$NODE"
    export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT="$COE_AMQP_PORT"
    export RABBITMQ_DIST_PORT="${COE_AMQP_DIST_PORT:-$((COE_AMQP_PORT + 1000))}"
    export RABBITMQ_MNESIA_BASE="$MQ_DIR/mnesia"
    export RABBITMQ_LOG_BASE="$MQ_DIR/log"
    export RABBITMQ_CONFIG_FILE="$MQ_DIR/rabbitmq.conf"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$MQ_DIR/enabled_plugins"
    export RABBITMQ_PID_FILE="$MQ_DIR/rabbitmq.pid"
    export RABBITMQ_CONF_ENV_FILE="$MQ_DIR/rabbitmq-env.conf"
    # Erlang writes a crash dump into the working directory unless told otherwise: keep it here.
    export ERL_CRASH_DUMP="$MQ_DIR/log/erl_crash.dump"
}

ctl() { mq_env; "$MQ_BIN/rabbitmqctl" -n "$NODE" "$@"; }

start() {
    if (exec 3<>"/dev/tcp/127.0.0.1/$COE_AMQP_PORT") 2>/dev/null; then
        log "RabbitMQ already answers on port $COE_AMQP_PORT"; return
    fi
    mkdir -p "$MQ_DIR/home" "$MQ_DIR/mnesia" "$MQ_DIR/log"
    if [ ! -f "$MQ_DIR/home/.erlang.cookie" ]; then
        head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$MQ_DIR/home/.erlang.cookie"
        chmod 400 "$MQ_DIR/home/.erlang.cookie"
    fi
    {
        echo "listeners.tcp.default = 127.0.0.1:$COE_AMQP_PORT"
        echo "loopback_users = none"
        echo "heartbeat = 30"
        # No `guest`: a fresh node's only user is the stack's administrator.
        echo "default_user = $COE_AMQP_USER"
        echo "default_pass = $COE_AMQP_PASSWORD"
        echo "default_user_tags.administrator = true"
        echo "default_permissions.configure = .*"
        echo "default_permissions.read = .*"
        echo "default_permissions.write = .*"
        if [ "$COE_AMQP_MANAGEMENT_PORT" != 0 ]; then
            echo "management.tcp.port = $COE_AMQP_MANAGEMENT_PORT"
            echo "management.tcp.ip = 127.0.0.1"
        fi
    } > "$MQ_DIR/rabbitmq.conf"
    if [ "$COE_AMQP_MANAGEMENT_PORT" != 0 ]; then
        echo "[rabbitmq_management]." > "$MQ_DIR/enabled_plugins"
    else
        echo "[]." > "$MQ_DIR/enabled_plugins"
    fi
    : > "$MQ_DIR/rabbitmq-env.conf"
    mq_env
    log "starting RabbitMQ node $NODE"
    setsid "$MQ_BIN/rabbitmq-server" > "$MQ_DIR/log/console.log" 2>&1 < /dev/null &
    local pid=$! i=0
    while ! (exec 3<>"/dev/tcp/127.0.0.1/$COE_AMQP_PORT") 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -5 "$MQ_DIR/log/console.log" >&2
            die "RabbitMQ exited while starting (log: $MQ_DIR/log/console.log)"
        fi
        i=$((i + 1)); [ "$i" -gt 1200 ] && die "RabbitMQ did not open port $COE_AMQP_PORT within 120s"
        sleep 0.1
    done
    ctl await_startup >/dev/null
    if ! ctl list_users --quiet 2>/dev/null | grep -q "^$COE_AMQP_USER[[:space:]]"; then
        ctl add_user "$COE_AMQP_USER" "$COE_AMQP_PASSWORD" >/dev/null
        ctl set_user_tags "$COE_AMQP_USER" administrator >/dev/null
        ctl set_permissions -p / "$COE_AMQP_USER" '.*' '.*' '.*' >/dev/null
    fi
    # A node made before this script stopped creating it still has `guest`.
    if ctl list_users --quiet 2>/dev/null | grep -q "^guest[[:space:]]"; then
        ctl delete_user guest >/dev/null
        log "removed the default guest user"
    fi
    log "RabbitMQ ready: $(amqp_url)"
}

stop() {
    if [ -f "$MQ_DIR/rabbitmq.pid" ] || (exec 3<>"/dev/tcp/127.0.0.1/$COE_AMQP_PORT") 2>/dev/null; then
        ctl shutdown >/dev/null 2>&1 || true
        rm -f "$MQ_DIR/rabbitmq.pid"
        log "RabbitMQ stopped"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) ctl status ;;
    ctl) shift; ctl "$@" ;;
    *) echo "usage: $0 start|stop|status|ctl ARGS..." >&2; exit 2 ;;
esac
