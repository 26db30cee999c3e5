#!/usr/bin/env bash
# Starts or stops the gateway: nginx from Debian on one address in front of the four services,
# with deploy/gateway/routes.conf, its config, logs and temporary files in $COE_STACK_DIR/gateway.
#   deploy/local/gateway.sh start|stop|status|url
# COE_GATEWAY_PORT (8080) is where people go; COE_INTAKE_PORT, COE_WORKFLOW_PORT, COE_FUNDING_PORT
# and COE_NOTIFICATIONS_PORT (8081-8084) are where the services answer.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

GW_DIR="$COE_STACK_DIR/gateway"
COE_GATEWAY_PORT="${COE_GATEWAY_PORT:-8080}"
NGINX="${COE_NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}"

configure() {
    mkdir -p "$GW_DIR/temp" "$GW_DIR/log"
    local user=""
    # As root, nginx's workers would run as nobody, who can't write our temporary folders.
    [ "$(id -u)" -eq 0 ] && user="user root;"
    cat > "$GW_DIR/nginx.conf" <<CONF
$user
worker_processes 1;
pid $GW_DIR/nginx.pid;
error_log $GW_DIR/log/error.log warn;
events { worker_connections 512; }
http {
    access_log $GW_DIR/log/access.log;
    client_body_temp_path $GW_DIR/temp/body;
    proxy_temp_path $GW_DIR/temp/proxy;
    fastcgi_temp_path $GW_DIR/temp/fastcgi;
    uwsgi_temp_path $GW_DIR/temp/uwsgi;
    scgi_temp_path $GW_DIR/temp/scgi;
    server_tokens off;
    upstream coe_intake { server 127.0.0.1:${COE_INTAKE_PORT:-8081}; keepalive 8; }
    upstream coe_workflow { server 127.0.0.1:${COE_WORKFLOW_PORT:-8082}; keepalive 8; }
    upstream coe_funding { server 127.0.0.1:${COE_FUNDING_PORT:-8083}; keepalive 8; }
    upstream coe_notifications { server 127.0.0.1:${COE_NOTIFICATIONS_PORT:-8084}; keepalive 8; }
    server {
        listen 127.0.0.1:$COE_GATEWAY_PORT;
        include $COE_ROOT/deploy/gateway/routes.conf;
    }
}
CONF
}

running() { [ -f "$GW_DIR/nginx.pid" ] && kill -0 "$(cat "$GW_DIR/nginx.pid")" 2>/dev/null; }

start() {
    [ -x "$NGINX" ] || die "nginx is not installed (deploy/local/install.sh installs it)"
    configure
    "$NGINX" -t -q -c "$GW_DIR/nginx.conf" -p "$GW_DIR" -e "$GW_DIR/log/error.log" || die "the gateway's configuration is invalid"
    if running; then
        "$NGINX" -s reload -c "$GW_DIR/nginx.conf" -p "$GW_DIR" -e "$GW_DIR/log/error.log"
        log "gateway reloaded on http://127.0.0.1:$COE_GATEWAY_PORT"
        return
    fi
    "$NGINX" -c "$GW_DIR/nginx.conf" -p "$GW_DIR" -e "$GW_DIR/log/error.log"
    wait_for_port "$COE_GATEWAY_PORT" 10 "nginx"
    log "gateway on http://127.0.0.1:$COE_GATEWAY_PORT"
}

stop() {
    if running; then
        "$NGINX" -s quit -c "$GW_DIR/nginx.conf" -p "$GW_DIR" -e "$GW_DIR/log/error.log" || kill "$(cat "$GW_DIR/nginx.pid")"
        for _ in $(seq 1 50); do running || break; sleep 0.1; done
        log "gateway stopped"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) if running; then echo "running on http://127.0.0.1:$COE_GATEWAY_PORT"; else echo "stopped"; exit 1; fi ;;
    url) echo "http://127.0.0.1:$COE_GATEWAY_PORT" ;;
    *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
