#!/usr/bin/env bash
# Fuzz every parser for SECONDS each (default 600): policy JSON, authorization details,
# CloudTrail files, TOML rules, Cedar rules. Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`). Corpora start from the fixtures in testdata/ and grow under
# fuzz/corpus/<target>; a crash is written to fuzz/artifacts/<target>/ and fails the script —
# keep it as a regression fixture in testdata/fuzz/<target>/ once fixed.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-600}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(policy_json authorization_details cloudtrail_file toml_rules cedar_rules)
fi
seed() {
  local target=$1 dir=fuzz/corpus/$1 seeds=()
  mkdir -p "$dir"
  case $target in
    policy_json) seeds=(testdata/aws/policies/*.json) ;;
    authorization_details) seeds=(testdata/aws/authz/*.json testdata/demo/snapshot/*.json) ;;
    cloudtrail_file) seeds=(testdata/aws/cloudtrail/*) ;;
    toml_rules) seeds=(rules/aws/*.toml rules/aws/tests/*.toml testdata/rules/*/*.toml) ;;
    cedar_rules) seeds=(rules/aws/*.cedar testdata/rules/*/*.cedar) ;;
  esac
  # crashes found before stay in the corpus, so that they are tried first
  if [ -d "testdata/fuzz/$target" ]; then seeds+=(testdata/fuzz/"$target"/*); fi
  for f in "${seeds[@]}"; do
    cp -f "$f" "$dir/seed-${f//\//_}"
  done
}
status=0
for t in "${TARGETS[@]}"; do
  seed "$t"
  log=fuzz/$t.log
  if cargo +nightly fuzz run --fuzz-dir fuzz "$t" "fuzz/corpus/$t" -- \
      -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -max_len=200000 -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  [ "$execs" = "?" ] && execs=$(grep -o '#[0-9]*' "$log" | tail -1 | tr -d '#' || echo "?")
  crashes=$(ls "fuzz/artifacts/$t" 2>/dev/null | wc -l)
  echo "$t: $result, $execs executions in ${SECONDS_EACH}s, $crashes crash artifact(s) (log: $log)"
done
exit $status
