#!/usr/bin/env bash
# The project's local Elasticsearch node (development, tests and CI).
#
#   search/es/node.sh start    install if needed, start in the background, wait until healthy
#   search/es/node.sh stop     stop the node this script started
#   search/es/node.sh status   say whether it answers (exit 0) or not (exit 3)
#   search/es/node.sh wait     wait until the cluster is yellow or green, fail loudly otherwise
#
# With ELASTICSEARCH_URL set, the project uses that cluster: `start` and `wait`
# only check that it answers, and `stop` leaves it alone.
#
# What `start` installs (once, under var/es/, which git ignores):
#   * the integ-test-zip distribution of Elasticsearch from Maven Central
#     (org.elasticsearch.distribution.integ-test-zip:elasticsearch:$GK_ES_VERSION:zip);
#   * the gk-analysis plugin (search/es/plugin), built with Maven: cjk_width,
#     cjk_bigram and smartcn_tokenizer, which that minimal distribution lacks.
# It runs the node with the machine's JDK, bound to 127.0.0.1, as the
# unprivileged system user gk-es when started as root (Elasticsearch refuses root).
#
# Environment:
#   GK_ES_PORT      HTTP port (default 9200); the transport port is GK_ES_PORT+100
#   GK_ES_VERSION   Elasticsearch version (default 8.19.21)
#   GK_ES_DIR       where the node lives (default <checkout>/var/es)
#   GK_ES_HEAP      heap size (default 512m)
#   GK_ES_WAIT      seconds `wait` allows (default 120)
#   GK_ES_USER      the user the node runs as when started by root (default gk-es)
#   GK_M2_REPO      the local Maven repository (default ~/.m2/repository)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PLUGIN_SRC="$ROOT/search/es/plugin"
ES_VERSION="${GK_ES_VERSION:-8.19.21}"
PORT="${GK_ES_PORT:-9200}"
HEAP="${GK_ES_HEAP:-512m}"
WAIT_SECONDS="${GK_ES_WAIT:-120}"
ES_USER="${GK_ES_USER:-gk-es}"
ES_BASE="${GK_ES_DIR:-$ROOT/var/es}"
LOCAL_URL="http://127.0.0.1:$PORT"

say() { printf 'es: %s\n' "$*"; }
die() { printf 'es: 错误: %s\n' "$*" >&2; exit 1; }

# -- paths --------------------------------------------------------------------

set_paths() {
    ES_HOME="$ES_BASE/elasticsearch-$ES_VERSION"
    DATA_DIR="$ES_BASE/data"
    LOG_DIR="$ES_BASE/logs"
    RUN_DIR="$ES_BASE/run"
    TMP_DIR="$ES_BASE/tmp"
    PID_FILE="$RUN_DIR/es-$PORT.pid"
    BUILD_DIR="$ES_BASE/gk-analysis-build"
}
set_paths

as_root() { [ "$(id -u)" -eq 0 ]; }

# Root must hand the node to an unprivileged user, who must be able to reach
# ES_BASE. A checkout inside a private home directory cannot be reached, so the
# node then lives in a folder of its own under /var/lib (unless GK_ES_DIR says where).
choose_base() {
    as_root || return 0
    [ -n "${GK_ES_DIR:-}" ] && return 0
    id "$ES_USER" >/dev/null 2>&1 || return 0
    mkdir -p "$ES_BASE"
    if ! runuser -u "$ES_USER" -- test -x "$ES_BASE" 2>/dev/null; then
        local key
        key="$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)"
        ES_BASE="/var/lib/gk-es/$key"
        say "用户 $ES_USER 无法访问检出目录，节点改放在 $ES_BASE"
        set_paths
    fi
}

# -- HTTP ---------------------------------------------------------------------

# Prints the HTTP status of GET url (000 when nothing answers).
http_status() {
    curl -s -o /dev/null -m "${2:-5}" -w '%{http_code}' "$1" 2>/dev/null || true
}

healthy() {
    local code
    code="$(http_status "$1/_cluster/health?wait_for_status=yellow&timeout=2s" 5)"
    [ "$code" = "200" ]
}

# -- process ------------------------------------------------------------------

node_pid() {
    [ -f "$PID_FILE" ] || return 1
    local pid
    pid="$(tr -dc '0-9' <"$PID_FILE")"
    [ -n "$pid" ] || return 1
    # Only a process of this installation counts: never signal a recycled pid.
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "-Des.path.home=$ES_HOME"; then
        printf '%s\n' "$pid"
        return 0
    fi
    return 1
}

log_tail() {
    local f
    for f in "$LOG_DIR/gk-portal-local.log" "$LOG_DIR/startup-$PORT.out"; do
        if [ -s "$f" ]; then
            printf -- '---- %s (最后 40 行) ----\n' "$f" >&2
            tail -n 40 "$f" >&2
        fi
    done
}

# -- install ------------------------------------------------------------------

java_home() {
    if [ -n "${ES_JAVA_HOME:-}" ]; then
        printf '%s\n' "$ES_JAVA_HOME"
        return
    fi
    local java
    java="$(command -v java)" || die "找不到 java（需要 JDK 17 或更高版本）"
    dirname "$(dirname "$(readlink -f "$java")")"
}

install_distribution() {
    [ -x "$ES_HOME/bin/elasticsearch" ] && return 0
    command -v mvn >/dev/null || die "找不到 mvn，无法从 Maven Central 获取 Elasticsearch"
    local artifact="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"
    say "获取 $artifact"
    mvn -q -B dependency:get -Dartifact="$artifact" -Dtransitive=false >&2 \
        || die "无法从 Maven Central 获取 $artifact"
    local repo="${GK_M2_REPO:-$HOME/.m2/repository}" zip
    zip="$repo/org/elasticsearch/distribution/integ-test-zip/elasticsearch/$ES_VERSION/elasticsearch-$ES_VERSION.zip"
    [ -f "$zip" ] || die "Maven 报告成功，但找不到 $zip"
    local tmp="$ES_BASE/unpack.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    if command -v unzip >/dev/null; then
        unzip -q "$zip" -d "$tmp"
    else
        python3 -m zipfile -e "$zip" "$tmp"
        chmod -R a+x "$tmp/elasticsearch-$ES_VERSION/bin"
    fi
    rm -rf "$ES_HOME"
    mv "$tmp/elasticsearch-$ES_VERSION" "$ES_HOME"
    rmdir "$tmp"
    say "已解压到 $ES_HOME"
}

install_plugin() {
    [ -d "$ES_HOME/plugins/gk-analysis" ] && return 0
    command -v mvn >/dev/null || die "找不到 mvn，无法构建 gk-analysis 插件"
    say "构建 gk-analysis 分析插件（cjk_width、cjk_bigram、smartcn_tokenizer）"
    mvn -q -B -f "$PLUGIN_SRC/pom.xml" package \
        -Delasticsearch.version="$ES_VERSION" -Dgk.build.dir="$BUILD_DIR" >&2 \
        || die "gk-analysis 插件构建失败"
    local stage="$BUILD_DIR/zip"
    rm -rf "$stage" "$BUILD_DIR/gk-analysis.zip"
    mkdir -p "$stage"
    cp "$BUILD_DIR/gk-analysis.jar" "$BUILD_DIR"/plugin-lib/*.jar "$stage/"
    sed "s/@ES_VERSION@/$ES_VERSION/" "$PLUGIN_SRC/src/main/plugin/stable-plugin-descriptor.properties" \
        >"$stage/stable-plugin-descriptor.properties"
    (cd "$stage" && python3 -m zipfile -c "$BUILD_DIR/gk-analysis.zip" ./*)
    # The installer scans the plugin's classes; its default 64 MB heap is too small
    # for the smartcn jar.
    CLI_JAVA_OPTS="-Xmx512m" ES_JAVA_HOME="$(java_home)" \
        "$ES_HOME/bin/elasticsearch-plugin" install --batch "file://$BUILD_DIR/gk-analysis.zip" >&2 \
        || die "gk-analysis 插件安装失败"
}

write_config() {
    cat >"$ES_HOME/config/elasticsearch.yml" <<EOF
# Written by search/es/node.sh at every start; edit the script, not this file.
cluster.name: gk-portal-local
node.name: gk-es-local
network.host: 127.0.0.1
http.port: $PORT
transport.port: $((PORT + 100))
discovery.type: single-node
path.data: $DATA_DIR
path.logs: $LOG_DIR
xpack.security.enabled: false
# (No xpack.ml.enabled: the integ-test-zip has no machine-learning module and
# refuses settings of modules it lacks.)
# A development node on a shared disk: never turn indices read-only because
# the disk is nearly full.
cluster.routing.allocation.disk.threshold_enabled: false
EOF
}

ensure_user() {
    as_root || return 0
    if ! id "$ES_USER" >/dev/null 2>&1; then
        say "创建系统用户 $ES_USER"
        useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
    fi
}

# -- commands -----------------------------------------------------------------

cmd_wait() {
    local url="${ELASTICSEARCH_URL:-$LOCAL_URL}"
    local deadline=$((SECONDS + WAIT_SECONDS))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if healthy "$url"; then
            return 0
        fi
        if [ -z "${ELASTICSEARCH_URL:-}" ] && [ -f "$PID_FILE" ] && ! node_pid >/dev/null; then
            log_tail
            die "Elasticsearch 进程已退出，未能启动（见上面的日志）"
        fi
        sleep 1
    done
    [ -z "${ELASTICSEARCH_URL:-}" ] && log_tail
    die "$url 在 ${WAIT_SECONDS} 秒内未达到 yellow 状态"
}

cmd_start() {
    if [ -n "${ELASTICSEARCH_URL:-}" ]; then
        healthy "$ELASTICSEARCH_URL" || die "ELASTICSEARCH_URL=$ELASTICSEARCH_URL 无法访问或不健康"
        say "使用外部集群 $ELASTICSEARCH_URL"
        return 0
    fi
    ensure_user
    choose_base
    if node_pid >/dev/null && healthy "$LOCAL_URL"; then
        return 0
    fi
    if ! node_pid >/dev/null && [ "$(http_status "$LOCAL_URL/_cluster/health" 2)" != "000" ]; then
        die "端口 $PORT 已被其他程序占用（不是本脚本启动的节点）；可设置 GK_ES_PORT 换一个端口"
    fi
    mkdir -p "$ES_BASE" "$DATA_DIR" "$LOG_DIR" "$RUN_DIR" "$TMP_DIR"
    install_distribution
    install_plugin
    if ! node_pid >/dev/null; then
        write_config
        rm -f "$PID_FILE"
        local java_dir
        java_dir="$(java_home)"
        # ES_TMPDIR keeps the node's scratch files with the node instead of /tmp.
        local run=(env "ES_JAVA_HOME=$java_dir" "ES_TMPDIR=$TMP_DIR" "ES_JAVA_OPTS=-Xms$HEAP -Xmx$HEAP ${GK_ES_JAVA_OPTS:-}"
            "$ES_HOME/bin/elasticsearch" -d -p "$PID_FILE")
        say "启动 Elasticsearch $ES_VERSION（$LOCAL_URL，堆 $HEAP）"
        if as_root; then
            chown -R "$ES_USER:" "$ES_BASE"
            runuser -u "$ES_USER" -- "${run[@]}" >"$LOG_DIR/startup-$PORT.out" 2>&1 || {
                log_tail
                die "Elasticsearch 启动失败"
            }
        else
            "${run[@]}" >"$LOG_DIR/startup-$PORT.out" 2>&1 || {
                log_tail
                die "Elasticsearch 启动失败"
            }
        fi
    fi
    cmd_wait
    say "就绪：$LOCAL_URL"
}

cmd_stop() {
    if [ -n "${ELASTICSEARCH_URL:-}" ]; then
        say "ELASTICSEARCH_URL 已设置，外部集群不由本脚本停止"
        return 0
    fi
    choose_base
    local pid
    if ! pid="$(node_pid)"; then
        say "没有运行中的本地节点"
        rm -f "$PID_FILE"
        return 0
    fi
    kill -TERM "$pid"
    local i
    for i in $(seq 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "30 秒内未退出，强制结束 $pid"
        kill -KILL "$pid"
    fi
    rm -f "$PID_FILE"
    say "已停止"
}

cmd_status() {
    local url="${ELASTICSEARCH_URL:-$LOCAL_URL}"
    if [ -z "${ELASTICSEARCH_URL:-}" ]; then
        choose_base
        local pid
        if pid="$(node_pid)"; then say "本地节点进程 $pid（$ES_HOME）"; else say "本地节点未运行"; fi
    fi
    if healthy "$url"; then
        say "$url 可用：$(curl -s -m 5 "$url/_cluster/health" || true)"
        return 0
    fi
    say "$url 无法访问"
    return 3
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    wait) cmd_wait ;;
    *)
        echo "用法: $0 {start|stop|status|wait}" >&2
        exit 2
        ;;
esac
