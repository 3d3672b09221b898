#!/usr/bin/env bash
# Pre-merge benchmark: generate (once, cached under target/) a Terraform plan with 1,000 IAM
# resources (about 500 managed-policy-sized documents) and a directory of 1,500 policy files of
# that size, then time `whittle check` with the built-in packs on each. Targets: < 1 s each.
#   [RUNS=3] scripts/bench-premerge.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=target/bench-premerge
PLAN=$DIR/plan-1000-iam-resources.json
DOCS=$DIR/policies-1500
mkdir -p "$DIR"
[ -f "$PLAN" ] || python3 scripts/gen-large-plan.py "$PLAN" 1000 42
if [ ! -d "$DOCS" ]; then
  python3 - "$DOCS" <<'PY'
import json, os, random, sys, importlib.util
spec = importlib.util.spec_from_file_location("gen", "scripts/gen-large-plan.py")
gen = importlib.util.module_from_spec(spec); spec.loader.exec_module(gen)
rng = random.Random(7)
os.makedirs(sys.argv[1], exist_ok=True)
for i in range(1500):
    with open(os.path.join(sys.argv[1], f"policy-{i:04}.json"), "w") as f:
        f.write(gen.document(rng))
PY
fi
# validation alone: a rule set whose one guardrail is scoped to a single permission
NARROW=$DIR/narrow-rules
mkdir -p "$NARROW"
cat > "$NARROW/one.cedar" <<'CEDAR'
@id("bench-one-permission")
@severity("low")
@message("bench: account closure held")
@why("benchmark rule set: validation cost alone")
forbid (principal, action == Guard::Action::"hold", resource == Iam::Permission::"account:CloseAccount");
CEDAR
cargo build --release -q -p whittle
python3 - "$PLAN" "$DOCS" "${RUNS:-3}" "$NARROW" <<'PY'
import resource, statistics, subprocess, sys, time
plan, docs, runs, narrow = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
for label, target, rules in [
    ("plan with 1,000 IAM resources, built-in packs", plan, "@builtin"),
    ("1,500 policy documents, built-in packs", docs, "@builtin"),
    ("1,500 policy documents, validation alone", docs, narrow),
]:
    times = []
    for _ in range(runs):
        t = time.monotonic()
        r = subprocess.run(["target/release/whittle", "check", target, "--rules", rules,
                            "--fail-on", "never", "--format", "json", "--now", "2026-11-25"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.monotonic() - t)
        if r.returncode != 0:
            sys.exit(f"{label}: exit {r.returncode}: {r.stderr.decode()[:500]}")
    print(f"check, {label}: {statistics.median(times):.2f} s median of {runs} (target < 1 s), "
          f"runs {', '.join(f'{t:.2f}' for t in times)}")
print(f"peak RSS {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
PY
