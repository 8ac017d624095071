#!/usr/bin/env bash
# tests/pg/cluster.sh — a throw-away PostgreSQL 15 + PostGIS cluster for tests.
#
#   tests/pg/cluster.sh start DIR [PORT]   initdb in DIR/data, start on 127.0.0.1:PORT
#                                          (a free port when not given), create database
#                                          `lis` with extension postgis; prints the URL
#   tests/pg/cluster.sh stop DIR           stop it (DIR stays; rm -rf it after)
#   tests/pg/cluster.sh restart DIR        stop fast and start again, same port
#   tests/pg/cluster.sh replica DIR RDIR [PORT]
#                                          a streaming replica of DIR's cluster, made with
#                                          pg_basebackup, started on its own port; prints its URL
#
# initdb refuses to run as root, so when run as root (CI) every server command runs as the
# `postgres` user with runuser, in a directory that user owns. Settings favour speed over
# durability (fsync off): the data is thrown away.
set -euo pipefail
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

own_dir() { # make DIR and give it to the server's user (its parent must let that user in)
  mkdir -p "$1"
  chmod 700 "$1"
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$1"
    chmod go+x "$(dirname "$1")"
  fi
}

configure() { # data dir, port, socket dir
  cat >>"$1/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $2
unix_socket_directories = '$3'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 60
shared_buffers = 128MB
log_min_messages = warning
logging_collector = off
track_counts = on
CONF
}

cmd=${1:-}
case $cmd in
  start)
    dir=$2 port=${3:-$(free_port)}
    own_dir "$dir"
    as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    configure "$dir/data" "$port" "$dir"
    echo "$port" >"$dir/port"
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null
    as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt \
      -c 'CREATE DATABASE lis' >/dev/null
    as_pg "$PGBIN/psql" -h 127.0.0.1 -p "$port" -U postgres -d lis -qAt \
      -c 'CREATE EXTENSION postgis' >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/lis"
    ;;
  stop)
    dir=$2
    [ -d "$dir/data" ] && as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    ;;
  restart)
    dir=$2
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null
    ;;
  replica)
    dir=$2 rdir=$3 rport=${4:-$(free_port)}
    port=$(cat "$dir/port")
    [ -d "$rdir/data" ] && { as_pg "$PGBIN/pg_ctl" -D "$rdir/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$rdir"; }
    own_dir "$rdir"
    as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres -D "$rdir/data" -R \
      -X stream --no-sync >"$rdir/basebackup.log" 2>&1 || { cat "$rdir/basebackup.log" >&2; exit 1; }
    # the copied settings name the primary's port and socket: the replica's own come last
    configure "$rdir/data" "$rport" "$rdir"
    echo "hot_standby = on" >>"$rdir/data/postgresql.conf"
    echo "$rport" >"$rdir/port"
    as_pg "$PGBIN/pg_ctl" -D "$rdir/data" -l "$rdir/server.log" -w -t 60 start >/dev/null
    echo "postgres://postgres@127.0.0.1:$rport/lis"
    ;;
  *)
    sed -n '2,14p' "$0" >&2
    exit 2
    ;;
esac
