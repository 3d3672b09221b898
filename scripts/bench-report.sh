#!/usr/bin/env bash
# HTML report benchmark: `whittle report` on the recommend bench's 1,000-principal snapshot and
# 1,000,000-row store (generated once under target/bench-recommend/ by the criterion bench);
# reports the page's size against the 5 MB target, wall time and peak RSS.
#   [RUNS=3] scripts/bench-report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FIXTURE=target/bench-recommend
if [ ! -f "$FIXTURE/done" ]; then
  # the bench builds the fixture before it measures; `--test` runs it once
  cargo bench -q -p whittle-engine --bench recommend -- --test >/dev/null
fi
cargo build --release -q -p whittle
mkdir -p target/bench-report
python3 - "$FIXTURE" "${RUNS:-3}" <<'PY'
import os, resource, statistics, subprocess, sys, time
fixture, runs = sys.argv[1], int(sys.argv[2])
page = "target/bench-report/report.html"
times = []
for _ in range(runs):
    t = time.monotonic()
    subprocess.run(["target/release/whittle", "report", "--snapshot", f"{fixture}/snapshot.json",
                    "--db", f"{fixture}/usage.db", "--now", "2026-11-25", "--rules", "@builtin",
                    "--output", page], check=True, stderr=subprocess.DEVNULL)
    times.append(time.monotonic() - t)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
size = os.path.getsize(page) / 1e6
text = open(page, encoding="utf-8").read()
principals = text.count(' data-granted="')
print(f"report of {principals} principals: page {size:.2f} MB (target < 5 MB); "
      f"{statistics.median(times):.2f} s median of {runs}, runs {', '.join(f'{t:.2f}' for t in times)}; "
      f"peak RSS {rss:.0f} MB")
PY
