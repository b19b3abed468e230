#!/usr/bin/env bash
# Restore-path load test: seeds a feed (default 1,000 packages x 10 versions
# of ~20 KB), starts `wharf serve` on 127.0.0.1, and drives it with
# bench/load at 1, 16 and 64 connections. Prints one table; reuses the seeded
# data directory when it exists.
#
#   bash bench/restore.sh [packages] [versions] [seconds-per-measurement]
#
# WHARF_BENCH_DATABASE_URL=postgres://... seeds and serves on PostgreSQL
# instead of SQLite (an empty database); WHARF_BENCH_REPLICAS=2 then runs two
# replicas on one database and package folder, on consecutive ports, and
# spreads the connections over them. WHARF_BENCH_STORAGE_URL=s3://... keeps
# the packages in a bucket (credentials from WHARF_S3_*).
set -euo pipefail
cd "$(dirname "$0")/.."
packages=${1:-1000}
versions=${2:-10}
secs=${3:-10}
work=${WHARF_BENCH_DIR:-/tmp/wharf-bench-$packages-$versions}
port=${WHARF_BENCH_PORT:-5699}
dburl=${WHARF_BENCH_DATABASE_URL:-}
replicas=${WHARF_BENCH_REPLICAS:-1}
storage=${WHARF_BENCH_STORAGE_URL:-}
if [ "$replicas" -gt 1 ] && [ -z "$dburl" ]; then
  echo "several replicas need WHARF_BENCH_DATABASE_URL (PostgreSQL)" >&2
  exit 2
fi
mkdir -p "$work"
go build -o "$work/wharf" ./cmd/wharf
go build -o "$work/seed" ./bench/seed
go build -o "$work/load" ./bench/load
if [ ! -e "$work/data/.seeded" ]; then
  "$work/seed" -data "$work/data" -packages "$packages" -versions "$versions" -database-url "$dburl" -storage-url "$storage"
  touch "$work/data/.seeded"
fi
pids=()
urls=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done' EXIT
for r in $(seq 0 $((replicas - 1))); do
  p=$((port + r))
  data="$work/data"
  if [ "$r" -gt 0 ]; then data="$work/data-replica$r"; fi
  WHARF_DATABASE_URL="$dburl" WHARF_STORAGE_URL="${storage:-file://$work/data/packages}" \
    "$work/wharf" serve --data "$data" --listen "127.0.0.1:$p" 2>"$work/server$r.log" &
  pids+=($!)
  urls+=("http://127.0.0.1:$p")
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$p/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
done
all=$(IFS=,; echo "${urls[*]}")
# Warm the caches once so the figures show the steady state.
"$work/load" -url "$all" -packages "$packages" -versions "$versions" -c 8 -d 3s >/dev/null
"$work/load" -url "$all" -packages "$packages" -versions "$versions" -c 1,16,64 -d "${secs}s" \
  -docs versions,nupkg,registration,search,search-empty
for p in "${pids[@]}"; do
  echo "peak RSS of wharf ($p): $(grep VmHWM /proc/"$p"/status | awk '{print $2/1024 " MB"}')"
done
