# Shared by the benchmarks under bench/: the cached 1,000,000-parcel demo,
# a throw-away nginx, wrk runs and their parsing. Source it; don't run it.
set -euo pipefail
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LIS=${LIS_BIN:-$BENCH_ROOT/build/lis}
BENCH_VAR=$BENCH_ROOT/var/bench
BENCH_PARCELS=${BENCH_PARCELS:-1000000}
mkdir -p "$BENCH_VAR"

bench_build() {
  (cd "$BENCH_ROOT" && make -s build >/dev/null)
}

# The cached demo store; rebuilt when missing, migrated when older than lis.
bench_demo() {
  BENCH_DEMO=$BENCH_VAR/demo$BENCH_PARCELS
  if [ ! -f "$BENCH_DEMO/land.gpkg" ]; then
    echo "building a $BENCH_PARCELS-parcel demo in $BENCH_DEMO (cached for later runs)" >&2
    rm -rf "$BENCH_DEMO"
    "$LIS" demo --parcels "$BENCH_PARCELS" --seed 1 --out "$BENCH_DEMO" >&2
  fi
  "$LIS" migrate --data "$BENCH_DEMO" >/dev/null # a demo cached by an older lis
}

# Map clicks on the cached demo, as bench/identify and bench/login-flood make
# them: sets CLICK_POINTS (a Lua table of points inside parcels; cached) and
# CLICK_SCRIPT (a wrk script asking GET /api/v1/parcels/at at random ones).
# The national identifier is a GeoHash of each parcel's point on surface, so
# decoding a sample of them gives points inside parcels.
bench_clicks() {
  CLICK_POINTS=$BENCH_VAR/click-points$BENCH_PARCELS.lua
  if [ ! -f "$CLICK_POINTS" ] || [ "$BENCH_DEMO/land.gpkg" -nt "$CLICK_POINTS" ]; then
    sqlite3 "$BENCH_DEMO/land.gpkg" \
      "SELECT national_id FROM parcels WHERE fid % 97 = 0 ORDER BY fid LIMIT 20000" |
    python3 -c '
import sys
A = "0123456789bcdefghjkmnpqrstuvwxyz"
def decode(h):
    lo, la = [-180.0, 180.0], [-90.0, 90.0]
    even = True
    for c in h:
        v = A.index(c)
        for b in range(4, -1, -1):
            r = lo if even else la
            mid = (r[0] + r[1]) / 2
            if v >> b & 1: r[0] = mid
            else: r[1] = mid
            even = not even
    return (lo[0] + lo[1]) / 2, (la[0] + la[1]) / 2
pts = [decode(l.strip()) for l in sys.stdin if l.strip()]
print("points = {")
for x, y in pts: print("{%.7f,%.7f}," % (x, y))
print("}")
' >"$CLICK_POINTS"
  fi
  CLICK_SCRIPT=$BENCH_VAR/click$BENCH_PARCELS.lua
  cat >"$CLICK_SCRIPT" <<LUA
dofile("$CLICK_POINTS")
math.randomseed(42)
request = function()
  local p = points[math.random(#points)]
  return wrk.format("GET", string.format("/api/v1/parcels/at?lon=%.7f&lat=%.7f", p[1], p[2]))
end
LUA
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() { # url
  for _ in $(seq 1 200); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "no answer from $1" >&2
  return 1
}

# nginx serving directory $1 on port $2 with $3 workers; sets NGINX_PID.
nginx_start() {
  local root=$1 port=$2 workers=$3 dir
  dir=$(mktemp -d "$BENCH_VAR/nginx.XXXX")
  mkdir -p "$dir/logs"
  cat >"$dir/nginx.conf" <<CONF
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { application/json json; application/vnd.mapbox-vector-tile mvt; }
  server {
    listen 127.0.0.1:$port reuseport;
    root $root;
  }
}
CONF
  nginx -c "$dir/nginx.conf" -p "$dir" -g 'daemon off;' &
  NGINX_PID=$!
  NGINX_DIR=$dir
}

nginx_stop() {
  [ -n "${NGINX_PID:-}" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null || true
  [ -n "${NGINX_DIR:-}" ] && rm -rf "$NGINX_DIR"
  NGINX_PID=
}

# wrk run; prints "rate p99_ms non2xx"
wrk_run() { # url, seconds, connections, [lua script]
  local url=$1 secs=$2 conns=$3 script=${4:-} out
  out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency ${script:+-s "$script"} "$url" 2>&1)
  local rate p99 non2xx
  rate=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  echo "${rate:-0} ${p99:-0} ${non2xx:-0}"
}

median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

rss_mb() { # pid -> peak resident MB (VmHWM)
  awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"
}
