#!/usr/bin/env python3
"""Regenerate engine/data/gcp-roles.jsonl, the GCP predefined roles whittle embeds.

Source: iam-dataset (github.com/iann0036/iam-dataset, MIT, Copyright (c) 2021 Ian Mckay; see
engine/data/LICENSE-iam-dataset.txt), `gcp/roles/<role>.json` at commit COMMIT below — one file
per predefined role with its `includedPermissions`, scraped from Google Cloud's public IAM
documentation. whittle reads it from the copy beside the project
(`../shared/datasets/iam-dataset-reference/gcp/roles`) or from a checkout given with `--from`.
Only facts are kept: each role's name, stage, title and permissions; descriptions are dropped.

Usage:
    python3 scripts/gen-gcp-catalog.py                  # rewrites the file
    python3 scripts/gen-gcp-catalog.py --check          # exit 1 if the committed file differs (CI)
    python3 scripts/gen-gcp-catalog.py --from DIR       # DIR: an iam-dataset checkout's gcp/roles

Output: JSON lines. Line 1 is a header (source, version: the commit, licence; counts of services,
permissions — "actions" — and roles); line 2 is
{"permissions": [...]}, every permission named by some role, sorted; every following line is one
role, sorted by name: {"role": "roles/storage.objectViewer", "stage": "GA",
"title": "Storage Object Viewer", "p": [indexes into the permissions]}.
Exit codes: 0 done, 1 the committed file is out of date (--check), 3 the source cannot be had.
"""
import argparse
import json
import pathlib
import sys

COMMIT = "2073fa52ac008a45477aa0b1b4580cd99135bf60"
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "engine" / "data" / "gcp-roles.jsonl"
DEFAULT_FROM = ROOT.parent / "shared" / "datasets" / "iam-dataset-reference" / "gcp" / "roles"


def render(roles_dir):
    roles = []
    for path in sorted(pathlib.Path(roles_dir).glob("*.json")):
        d = json.loads(path.read_text())
        name = d.get("name")
        if not isinstance(name, str) or not name.startswith("roles/"):
            raise SystemExit(f"{path}: no role name")
        perms = sorted(set(d.get("includedPermissions") or []))
        roles.append((name, d.get("stage", ""), d.get("title", ""), perms))
    roles.sort()
    permissions = sorted({p for r in roles for p in r[3]})
    index = {p: i for i, p in enumerate(permissions)}
    header = {
        "source": "github:iann0036/iam-dataset gcp/roles",
        "version": COMMIT[:12],
        "date": "unknown",
        "licence": "MIT, Copyright (c) 2021 Ian Mckay (iam-dataset; see engine/data/LICENSE-iam-dataset.txt); facts from Google Cloud's IAM documentation",
        "services": len({p.split(".")[0] for p in permissions}),
        "actions": len(permissions),
        "roles": len(roles),
    }
    lines = [json.dumps(header), json.dumps({"permissions": permissions}, separators=(",", ":"))]
    for name, stage, title, perms in roles:
        lines.append(json.dumps({"role": name, "stage": stage, "title": title,
                                 "p": [index[p] for p in perms]}, separators=(",", ":")))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true", help="fail if the committed catalog differs")
    ap.add_argument("--from", dest="src", default=str(DEFAULT_FROM), help="gcp/roles directory")
    a = ap.parse_args()
    if not pathlib.Path(a.src).is_dir():
        print(f"cannot read the roles: {a.src} is not a directory", file=sys.stderr)
        return 3
    text = render(a.src)
    if a.check:
        if OUT.read_text() != text:
            print(f"{OUT} is out of date: run scripts/gen-gcp-catalog.py", file=sys.stderr)
            return 1
        print("gcp catalog up to date")
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
