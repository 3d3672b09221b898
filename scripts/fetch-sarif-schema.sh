#!/usr/bin/env bash
# Regenerates testdata/sarif/sarif-schema-2.1.0.json, the SARIF 2.1.0 JSON schema the SARIF
# tests validate whittle's output against (cli/tests/sarif_schema.rs).
#
# Source: the OASIS SARIF 2.1.0 schema as republished in the serde-sarif crate (MIT) on
# crates.io, pinned by the crate's registry checksum. Its content is the OASIS schema
# (https://docs.oasis-open.org/sarif/sarif/v2.1.0/) with the header declaring JSON Schema
# draft-07 instead of draft-04; crates.io is used because CI machines reach package registries,
# not docs.oasis-open.org. See testdata/sarif/README.md for the licence.
#   scripts/fetch-sarif-schema.sh
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=0.8.0
CRATE_SHA256=a053c46f18a8043570d4e32fefc4c6377f82bf29ec310a33e93f273048e3b0be
SCHEMA_SHA256=af47e7b67f24efe74076621fd3a5fbe7398add9e84fe820c971219a385895cea
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -sSfL -o "$work/serde-sarif.crate" \
  "https://static.crates.io/crates/serde-sarif/serde-sarif-$VERSION.crate"
echo "$CRATE_SHA256  $work/serde-sarif.crate" | sha256sum -c --quiet
tar -xzf "$work/serde-sarif.crate" -C "$work" "serde-sarif-$VERSION/src/schema.json"
echo "$SCHEMA_SHA256  $work/serde-sarif-$VERSION/src/schema.json" | sha256sum -c --quiet
cp "$work/serde-sarif-$VERSION/src/schema.json" testdata/sarif/sarif-schema-2.1.0.json
echo "wrote testdata/sarif/sarif-schema-2.1.0.json"
