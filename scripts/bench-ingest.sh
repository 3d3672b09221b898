#!/usr/bin/env bash
# Ingest benchmark: generate (once, cached) a realistic CloudTrail corpus and time
# `whittle ingest` on it end to end into a fresh SQLite store; report events/s and peak RSS.
#   EVENTS=1000000 FILES=200 scripts/bench-ingest.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-1000000}
FILES=${FILES:-200}
DIR=${BENCH_DIR:-target/bench-cloudtrail/${EVENTS}x${FILES}}
if [ ! -f "$DIR/.complete" ]; then
  rm -rf "$DIR"
  python3 scripts/gen-bench-cloudtrail.py --events "$EVENTS" --files "$FILES" --out "$DIR"
fi
cargo build --release -q -p whittle
DB=target/bench-ingest.db
rm -f "$DB" "$DB-wal" "$DB-shm"
python3 - "$DIR" "$DB" "$EVENTS" <<'PY'
import resource, subprocess, sys, time
corpus, db, events = sys.argv[1], sys.argv[2], int(sys.argv[3])
t = time.monotonic()
subprocess.run(["target/release/whittle", "ingest", corpus, "--db", db, "-q"], check=True)
elapsed = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
rate = events / elapsed
# ~800k events/s: bare gunzip + typed parse + aggregate on this machine kind, 2 cores
# (../shared/notes/performance.md); the target is 400k into the SQLite store
print(f"{events} events in {elapsed:.2f} s: {rate:,.0f} events/s ({rate / 800_000:.2f} of the ~800k/s ceiling); peak RSS {rss:.0f} MB")
t = time.monotonic()
subprocess.run(["target/release/whittle", "ingest", corpus, "--db", db, "-q"], check=True, stdout=subprocess.DEVNULL)
print(f"incremental re-run (nothing new): {time.monotonic() - t:.2f} s")
PY
