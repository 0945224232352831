#!/usr/bin/env python3
"""Measures how long after a write answers the next screen shows it (ops/bench/lag.sh runs it).

For each delay: the write is sent, its answer's arrival is t0, then the read that the next
screen makes is polled (every 10 ms) until it shows the write; the delay is the arrival of the
first read that shows it, minus t0 (so it includes one read's latency: a conservative figure;
the "read" column is the median latency of those reads).

  lag.py URL TENANT SAMPLES LABEL    -> prints one markdown table row per delay
  lag.py --summarize FILE LABEL      -> the rows of the samples that runs with LAG_SAMPLES=FILE appended
"""
import os
import json
import sys
import threading
import time
import urllib.request
import uuid
from datetime import date, timedelta

DEADLINE = 30.0  # a delay longer than this is reported as a failure, not waited for


def pct(values, p):
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # nearest rank
    return ordered[int(rank) - 1]


def print_rows(results, label, target, read_times=None):
    for name, values in results.items():
        if not values:
            continue
        print(f"{label} | {name}: " + " ".join("-" if v is None else f"{v * 1000:.0f}" for v in values), file=sys.stderr)
        failed = sum(1 for v in values if v is None)
        ok = [v for v in values if v is not None]
        if failed:
            print(f"| {name} | {label} | {len(values)} | - | - | - | {failed} failed or not visible within {DEADLINE:.0f} s |")
            continue
        p50, p99 = pct(ok, 50), pct(ok, 99)
        verdict = "(none set)" if target is None else "ok" if p99 <= target else f"over {target:.0f} s"
        read = (read_times or {}).get(name) or []
        read_p50 = f"{pct(read, 50) * 1000:.0f} ms" if read else "-"
        print(f"| {name} | {label} | {len(ok)} | {p50 * 1000:.0f} ms | {p99 * 1000:.0f} ms | {read_p50} | {verdict} |")


if sys.argv[1] == "--summarize":
    merged, merged_reads = {}, {}
    with open(sys.argv[2]) as f:
        for line in f:
            run = json.loads(line)
            for name, values in run["delays"].items():
                merged.setdefault(name, []).extend(values)
            for name, values in run["reads"].items():
                merged_reads.setdefault(name, []).extend(values)
    print_rows(merged, sys.argv[3], None, merged_reads)
    sys.exit(0)

url, tenant, samples, label = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]


def call(method, path, body=None, token=None, expect=(200, 201, 202)):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read().decode()
            status = r.status
    except urllib.error.HTTPError as e:
        text, status = e.read().decode(), e.code
    if status not in expect:
        raise RuntimeError(f"{method} {path} answered {status}: {text[:300]}")
    return json.loads(text) if text else None


token = call("POST", "/dev/token", {"tenant": tenant, "role": "owner"})["token"]


def get(path):
    return call("GET", path, token=token)


def post(path, body=None):
    return call("POST", path, body, token=token)


def put(path, body):
    return call("PUT", path, body, token=token)


reads = {}  # per check's thread: how long the read that showed the write took


def wait_for(check):
    """Polls check() (which reads through the API) until it is true; returns the arrival time of that read."""
    deadline = time.monotonic() + DEADLINE
    while True:
        started = time.monotonic()
        if check():
            done = time.monotonic()
            reads.setdefault(threading.current_thread().name, []).append(done - started)
            return done
        if time.monotonic() > deadline:
            return None
        time.sleep(0.01)


def measure(t0, checks):
    """Runs each named check in its own thread; returns {name: seconds after t0 or None}."""
    found = {}

    def run(name, check):
        try:
            t = wait_for(check)
        except Exception as e:  # a read that fails is a failed sample, reported as such
            print(f"{name}: {e}", file=sys.stderr)
            t = None
        found[name] = None if t is None else t - t0

    threads = [threading.Thread(target=run, args=item, name=item[0]) for item in checks.items()]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return found


# --- setup: weekly cycles from a year back, one agency, one contractor with rates -------------
start = date.today() - timedelta(days=357)
start -= timedelta(days=start.weekday())  # a Monday
put("/api/settings", {"billingCycle": {"frequency": "weekly", "firstCycleStartsOn": start.isoformat()},
                      "requireSignedNote": False, "timeZone": "America/New_York"})
agency = post("/api/agencies", {"name": f"Lag HH {uuid.uuid4().hex[:6]}", "billingEmail": "ap@lag.example"})["id"]
put(f"/api/agencies/{agency}/bill-rates", {"effectiveFrom": (start - timedelta(days=30)).isoformat(),
                                            "rates": [{"discipline": "PT", "visitType": "Routine", "amount": 120}]})
contractor = post("/api/contractors", {"legalName": "Lag Therapist", "email": f"{uuid.uuid4().hex}@lag.example",
                                       "disciplines": ["PT"]})["id"]
post(f"/api/contractors/{contractor}/agencies/{agency}")
put(f"/api/contractors/{contractor}/pay-rates", {"effectiveFrom": (start - timedelta(days=30)).isoformat(),
                                                  "rates": [{"discipline": "PT", "visitType": "Routine", "amount": 80}]})
# Yesterday: never in the future in the tenant's time zone, whatever the hour here.
paid_on = (date.today() - timedelta(days=1)).isoformat()
year = date.today().year - (1 if date.today().timetuple().tm_yday == 1 else 0)

results = {name: [] for name in ["pay stubs issued by a close", "visit marked invoiced by a close",
                                 "1099-NEC totals after a payment", "pay stub year-to-date after a payment",
                                 "audit hash chain after a write"]}

# --- closes: each logs one visit in the open cycle, closes it, and watches pay stubs and the visit --
stub_for_ytd = None
for _ in range(samples):
    cycle = get("/api/cycles/current")
    end = date.fromisoformat(cycle["periodEnd"])
    if end >= date.today() - timedelta(days=1):
        print(f"(ran out of closable cycles after {len(results['pay stubs issued by a close'])} closes)", file=sys.stderr)
        break
    visit = post("/api/visits", {"contractorId": contractor, "agencyId": agency,
                                 "patient": {"name": "Lag Patient", "mrn": f"L-{uuid.uuid4().hex[:10]}"},
                                 "visitDate": end.isoformat(), "discipline": "PT", "visitType": "Routine", "noteSigned": True})["id"]
    closed = post(f"/api/cycles/{cycle['id']}/close")
    t0 = time.monotonic()
    stubs = closed["payStubs"]
    stub_for_ytd = stubs[0]
    found = measure(t0, {
        "pay stubs issued by a close": lambda: get(f"/api/paystubs?cycleId={cycle['id']}")["total"] == len(stubs),
        "visit marked invoiced by a close": lambda: get(f"/api/visits/{visit}")["status"] == "invoiced",
    })
    for name, delay in found.items():
        results[name].append(delay)

# --- payments: each records a manual payment and watches the 1099 totals, the stub's YTD, the chain
paid = 0.0
for i in range(samples):
    amount = 10 + i
    payment = post("/api/payments/manual", {"contractorId": contractor, "amount": amount, "paidOn": paid_on,
                                            "method": "check", "reference": f"LAG {uuid.uuid4().hex[:8]}"})
    t0 = time.monotonic()
    paid += amount
    expected = round(paid, 2)

    def nec_shows():
        rows = [c for c in get(f"/api/tax/1099-nec/{year}")["contractors"] if c["contractorId"] == contractor]
        return bool(rows) and round(rows[0]["total"], 2) == expected

    checks = {
        "1099-NEC totals after a payment": nec_shows,
        "audit hash chain after a write": lambda: get("/api/audit/verify")["pendingEvents"] == 0,
    }
    if stub_for_ytd:
        checks["pay stub year-to-date after a payment"] = lambda: round(get(f"/api/paystubs/{stub_for_ytd}")["ytdPaid"], 2) == expected
    for name, delay in measure(t0, checks).items():
        results[name].append(delay)


if os.environ.get("LAG_SAMPLES"):
    with open(os.environ["LAG_SAMPLES"], "a") as f:
        f.write(json.dumps({"delays": results, "reads": reads}) + "\n")
else:
    print_rows(results, label, 1.0 if label == "at rest" else 2.0, reads)
