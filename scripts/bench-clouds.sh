#!/usr/bin/env bash
# GCP and Azure benchmark: a generated GCP organisation with 10,000 bindings and an Azure tenant
# with 10,000 role assignments (scripts/gen-clouds.py, cached in target/bench-clouds); times
# `whittle inventory` (every binding's role expanded, the hierarchy, the summary), `whittle check`
# with the built-in GCP/Azure guardrails, and `whittle
# explain` of one member / principal with `--action`, and `whittle ingest` of 200,000 Cloud Audit
# Logs entries (50 gzipped sink files), and reports the median of RUNS.
#   [RUNS=5] scripts/bench-clouds.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
DIR=target/bench-clouds
if [ ! -f "$DIR/.complete" ]; then
  python3 scripts/gen-clouds.py "$DIR"
  touch "$DIR/.complete"
fi
cargo build --release -q -p whittle
W=target/release/whittle
python3 - "$W" "$DIR" "$RUNS" <<'PY'
import statistics, subprocess, sys, time
w, d, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
cases = [
    ("gcp inventory (10,000 bindings)", [w, "inventory", "-q", "--snapshot", f"{d}/gcp-iam.jsonl", f"{d}/gcp-roles.json"]),
    ("gcp explain (one member, --action)", [w, "explain", "--snapshot", f"{d}/gcp-iam.jsonl", f"{d}/gcp-roles.json", "--principal", "user:u7@example.com", "--action", "storage.objects.*"]),
    ("gcp check (10,000 bindings, built-in rules)", [w, "check", "--rules", "@builtin", "--fail-on", "never", "--snapshot", f"{d}/gcp-iam.jsonl", f"{d}/gcp-roles.json"]),
    ("azure check (10,000 assignments, built-in rules)", [w, "check", "--rules", "@builtin", "--fail-on", "never", "--snapshot", f"{d}/azure-assignments.json", f"{d}/azure-roles.json"]),
    ("azure inventory (10,000 assignments)", [w, "inventory", "-q", "--snapshot", f"{d}/azure-assignments.json", f"{d}/azure-roles.json"]),
    ("azure explain (one principal, --action)", [w, "explain", "--snapshot", f"{d}/azure-assignments.json", f"{d}/azure-roles.json", "--principal", "user7@contoso.com", "--action", "Microsoft.Web/sites/write"]),
]
import os
# check reads no usage store here: the default one must not exist
os.environ["WHITTLE_DB"] = f"{d}/no-store.db"
def fresh():
    for f in (f"{d}/audit.db", f"{d}/audit.db-wal", f"{d}/audit.db-shm", f"{d}/audit.db.lock"):
        if os.path.exists(f):
            os.remove(f)
cases.append(("gcp audit ingest (200,000 entries)", [w, "ingest", "-q", "--no-journal", "--db", f"{d}/audit.db", f"{d}/gcp-audit"]))
for name, cmd in cases:
    times = []
    for _ in range(runs):
        fresh()
        t = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            sys.exit(f"{name}: exit {r.returncode}: {r.stderr.decode()[:500]}")
    med = statistics.median(times)
    extra = f", {200000 / med:,.0f} events/s" if "ingest" in name else ""
    print(f"{name}: {med:.3f} s median of {runs} (best {min(times):.3f} s){extra}")
PY
