#!/usr/bin/env bash
# Snapshot-loading benchmark: generate (once, cached) a ~210 MB authorization-details snapshot
# and time `whittle inventory` on it (load, effective permissions of every principal, admin
# equivalence, unknown actions); report wall time and peak RSS against the 10 s / 1 GB target.
#   [RUNS=3] scripts/bench-snapshot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SNAPSHOT=${SNAPSHOT:-target/bench-snapshot/large.json}
if [ ! -f "$SNAPSHOT" ]; then
  mkdir -p "$(dirname "$SNAPSHOT")"
  python3 scripts/gen-large-snapshot.py "$SNAPSHOT"
fi
cargo build --release -q -p whittle
python3 - "$SNAPSHOT" "${RUNS:-3}" <<'PY'
import os, resource, statistics, subprocess, sys, time
snapshot, runs = sys.argv[1], int(sys.argv[2])
times = []
for _ in range(runs):
    t = time.monotonic()
    subprocess.run(["target/release/whittle", "inventory", "--snapshot", snapshot],
                   check=True, stdout=subprocess.DEVNULL)
    times.append(time.monotonic() - t)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
mb = os.path.getsize(snapshot) / 1e6
print(f"inventory of a {mb:.0f} MB snapshot: {statistics.median(times):.2f} s median of {runs} "
      f"(target < 10 s), runs {', '.join(f'{t:.2f}' for t in times)}; peak RSS {rss:.0f} MB (target < 1024)")
PY
