#!/usr/bin/env bash
# Merge benchmark: 10 stores of 1M events each merged into one (`whittle usage merge`); reports
# usage rows/s and peak RSS. The shards are the bench-ingest corpus's store, rewritten into 10
# accounts (principal and resource ids, ARNs, log-object keys, event ids, coverage scopes), so
# they are disjoint like per-account shards — generating and ingesting 10M fresh events would
# take minutes and measure ingest, not merge.
#   [SHARDS=10] [RUNS=3] scripts/bench-merge.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SHARDS=${SHARDS:-10}
RUNS=${RUNS:-3}
CORPUS=target/bench-cloudtrail/1000000x200-v4
DIR=target/bench-merge
if [ ! -f "$CORPUS/.complete" ]; then
  rm -rf "$CORPUS"
  python3 scripts/gen-bench-cloudtrail.py --events 1000000 --files 200 --out "$CORPUS"
fi
cargo build --release -q -p whittle
mkdir -p "$DIR"
if [ ! -f "$DIR/.complete-$SHARDS" ]; then
  rm -f "$DIR"/*.db*
  target/release/whittle ingest "$CORPUS" --db "$DIR/base.db" -q --rules @builtin >/dev/null
  python3 - "$DIR" "$SHARDS" <<'PY'
import shutil, sqlite3, sys
d, n = sys.argv[1], int(sys.argv[2])
src = sqlite3.connect(f"{d}/base.db")
src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
src.close()
for k in range(n):
    path = f"{d}/shard-{k:02d}.db"
    shutil.copy(f"{d}/base.db", path)
    c = sqlite3.connect(path)
    c.execute("PRAGMA journal_mode=DELETE")
    x = (k + 1) * 0x9E3779B97F4A7C15 % (1 << 62)   # a different odd-ish mask per shard
    acct = f"{900000000000 + k:012d}"
    # XOR by (a | b) - (a & b): SQLite has no XOR operator
    c.executescript(f"""
      UPDATE principals SET id = (id | {x}) - (id & {x}), ident = replace(ident, '210987654321', '{acct}');
      UPDATE resources SET id = (id | {x}) - (id & {x}), ident = replace(ident, '210987654321', '{acct}');
      UPDATE usage SET principal = (principal | {x}) - (principal & {x}), resource = (resource | {x}) - (resource & {x});
      UPDATE sessions SET principal = (principal | {x}) - (principal & {x});
      UPDATE coverage SET scope = '{acct}';
      UPDATE log_objects SET key = key || '#{acct}';
      UPDATE journal SET event_id = event_id || '#{acct}', principal = replace(principal, '210987654321', '{acct}');
    """)
    c.commit()
    c.execute("VACUUM")
    c.close()
PY
  touch "$DIR/.complete-$SHARDS"
fi
python3 - "$DIR" "$SHARDS" "$RUNS" <<'PY'
import glob, json, os, resource, statistics, subprocess, sys, time
d, n, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
shards = sorted(glob.glob(f"{d}/shard-*.db"))[:n]
out = f"{d}/merged.db"
times, rows = [], 0
for i in range(runs):
    for f in (out, out + "-wal", out + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    t = time.monotonic()
    r = subprocess.run(["target/release/whittle", "usage", "merge", "--format", "json", "--db", out, *shards],
                       check=True, capture_output=True, text=True)
    times.append(time.monotonic() - t)
    rows = json.loads(r.stdout)["usage_rows"]
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
for label, e in [("median", statistics.median(times)), ("best", min(times))]:
    print(f"{len(shards)} shards, {rows:,} usage rows in {e:.2f} s ({label} of {runs}): {rows / e:,.0f} rows/s")
print(f"runs: {', '.join(f'{t:.2f} s' for t in times)}; peak RSS {rss:.0f} MB; "
      f"merged store {os.path.getsize(out) / 1e6:.0f} MB")
PY
