#!/usr/bin/env bash
# tests/pg/run.sh — the PostgreSQL stage: a throw-away cluster (cluster.sh), then
#   0. the store's unit tests on PostgreSQL (tests/unit/test_store_pg.c, via unit.test.mjs),
#   1. the whole HTTP API suite (tests/api/) against it (LIS_TEST_STORE),
#   2. same.test.mjs: the same 1,500 answers from a SQLite store and its PostgreSQL copy;
#      cli.test.mjs: lis copy and lis migrate on both backends,
#   3. scale.test.mjs: two lis serve behind nginx with one killed and restarted under load,
#      PostgreSQL restarted under load (503s, then service without restarting lis serve),
#      a streaming replica serving the public reads,
# and stops the cluster. Node's TAP output goes to stdout (scripts/test counts it).
#
#   LIS_BIN=build/lis tests/pg/run.sh [unit|api|same|scale ...]   (default: all)
set -uo pipefail
cd "$(dirname "$0")/../.."
export LIS_BIN=${LIS_BIN:-build/lis}
WORK=$(mktemp -d /tmp/lis-pg-test.XXXXXX)
trap 'tests/pg/cluster.sh stop "$WORK/replica" >/dev/null 2>&1; tests/pg/cluster.sh stop "$WORK/pg"; rm -rf "$WORK"' EXIT
URL=$(tests/pg/cluster.sh start "$WORK/pg") || { echo "not ok 1 - PostgreSQL cluster did not start"; exit 1; }
export LIS_PG_URL=${URL%/lis}/ LIS_PG_DIR=$WORK/pg
parts=${*:-unit api same scale}
files=()
for p in $parts; do
  case $p in
    unit) files+=(tests/pg/unit.test.mjs) ;;
    api) files+=(tests/api/) ;;
    same) files+=(tests/pg/same.test.mjs tests/pg/cli.test.mjs) ;;
    scale) files+=(tests/pg/scale.test.mjs) ;;
  esac
done
LIS_TEST_STORE=$URL node --test --test-reporter=tap --test-concurrency=1 "${files[@]}"
