#!/usr/bin/env bash
# Peak resident memory of `qinqing serve` while N parallel POST /login
# requests (N-1 wrong passwords and one right one) hit one account.
#
#   scripts/login-rss.sh [N]        (default 100; needs go and curl)
#
# Prints the server's peak RSS (VmHWM) before and after the burst, the
# status codes received, and whether the account is locked afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/qinqing" ./cmd/qinqing
db="$work/rss.db"
"$work/qinqing" migrate --db "$db" >/dev/null
echo 'right-password-1' | "$work/qinqing" user add --db "$db" --username victim --role leader >/dev/null
port=$((20000 + RANDOM % 20000))
"$work/qinqing" serve --db "$db" --addr "127.0.0.1:$port" --data-dir "$work/data" --log-level error >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
rss() { awk '/VmHWM/ {print $2/1024 " MB"}' "/proc/$pid/status"; }
echo "peak RSS after start: $(rss)"
for i in $(seq 1 "$n"); do
  if [ "$i" -eq $((n / 2)) ]; then echo right-password-1; else echo "wrong-$i"; fi
done | xargs -P "$n" -I{} curl -s -o /dev/null -w '%{http_code}\n' \
  --data-urlencode username=victim --data-urlencode 'password={}' \
  "http://127.0.0.1:$port/login" | sort | uniq -c | sed 's/^/status /'
echo "peak RSS after $n parallel logins: $(rss)"
code=$(curl -s -o /dev/null -w '%{http_code}' -d username=victim -d password=right-password-1 "http://127.0.0.1:$port/login")
echo "the right password afterwards: $code (429 = locked)"
