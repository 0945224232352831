#!/usr/bin/env bash
# The async 1099 projection catching up on its own (ops/bench/README.md, "The 1099-NEC year alone"):
# CONTRACTORS through the API, the host stopped, their payments appended by tax-payments.cs, the host
# started again, then the time until ContractorTaxYear has passed the last payment (the audit chain
# catches up beside it, as after any restart). Build the loader first:
#   dotnet build ops/bench/tax-payments.cs -c Release
#   ops/bench/tax-catchup.sh [CONTRACTORS=10000] [PAYMENTS_EACH=26]
set -euo pipefail
cd "$(dirname "$0")/../.."
connections=32
source ops/bench/lib.sh
n=${1:-10000}; each=${2:-26}
tenant=tax-iso
otoken=$(curl -sf -X POST "$url/dev/token" -H 'Content-Type: application/json' -d "{\"tenant\":\"$tenant\",\"role\":\"owner\"}" | json_field token)
python3 - "$url" "$otoken" "$n" <<'PY'
import json, sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def post(i):
    req = urllib.request.Request(url + "/api/contractors", data=json.dumps({"legalName": f"Iso {i}", "email": f"iso{i}@bench.example", "disciplines": ["PT"]}).encode(), method="POST")
    req.add_header("Content-Type", "application/json"); req.add_header("Authorization", "Bearer " + token)
    urllib.request.urlopen(req, timeout=60).read()
with ThreadPoolExecutor(16) as p: list(p.map(post, range(n)))
PY
echo "[$(date -u +%T)] $n contractors created" >&2
sleep 3
stop_host
conn="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=bench"
read -r payments secs first last < <(dotnet run --no-build -c Release ops/bench/tax-payments.cs -- "$conn" "$tenant" 2026 "$each" --no-wait | tail -1)
echo "[$(date -u +%T)] appended $payments payments in $secs s (host stopped), sequence $first..$last; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
progress() { ops/postgres.sh psql "$data" "$pg_port" bench "select coalesce(max(last_seq_id),0) from contracttherapy.mt_event_progression where name = 'ContractorTaxYear:All'"; }
p0=$(progress)
t0=$(date +%s%N)
start_host
t1=$(date +%s%N)
while [ "$(progress)" -lt "$last" ]; do sleep 0.5; done
t2=$(date +%s%N)
echo "catch-up: projection at $p0 before the start; host ready in $(( (t1 - t0) / 1000000 )) ms; holds every payment $(( (t2 - t1) / 1000000 )) ms after ready: $(( (last - p0) * 1000000000 / (t2 - t1) )) events/s, $(( payments * 1000000000 / (t2 - t1) )) payments/s; load $(cut -d' ' -f1-3 /proc/loadavg)"
