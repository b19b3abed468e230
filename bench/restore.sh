#!/usr/bin/env bash
# Restore-path load test: seeds a feed (default 1,000 packages x 10 versions
# of ~20 KB), starts `wharf serve` on 127.0.0.1, and drives it with
# bench/load at 1, 16 and 64 connections. Prints one table; reuses the seeded
# data directory when it exists.
#
#   bash bench/restore.sh [packages] [versions] [seconds-per-measurement]
set -euo pipefail
cd "$(dirname "$0")/.."
packages=${1:-1000}
versions=${2:-10}
secs=${3:-10}
work=${WHARF_BENCH_DIR:-/tmp/wharf-bench-$packages-$versions}
port=${WHARF_BENCH_PORT:-5699}
mkdir -p "$work"
go build -o "$work/wharf" ./cmd/wharf
go build -o "$work/seed" ./bench/seed
go build -o "$work/load" ./bench/load
if [ ! -e "$work/data/wharf.db" ]; then
  "$work/seed" -data "$work/data" -packages "$packages" -versions "$versions"
fi
"$work/wharf" serve --data "$work/data" --listen "127.0.0.1:$port" 2>"$work/server.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
# Warm the caches once so the figures show the steady state.
"$work/load" -url "http://127.0.0.1:$port" -packages "$packages" -versions "$versions" -c 8 -d 3s >/dev/null
"$work/load" -url "http://127.0.0.1:$port" -packages "$packages" -versions "$versions" -c 1,16,64 -d "${secs}s" \
  -docs versions,nupkg,registration,search,search-empty
echo "peak RSS of wharf: $(grep VmHWM /proc/$pid/status | awk '{print $2/1024 " MB"}')"
