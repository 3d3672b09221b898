#!/usr/bin/env python3
"""Regenerate engine/data/azure-roles.jsonl, the Azure built-in role definitions whittle embeds.

Source: iam-dataset (github.com/iann0036/iam-dataset, MIT, Copyright (c) 2021 Ian Mckay; see
engine/data/LICENSE-iam-dataset.txt), `azure/built-in-roles-raw.json` at commit COMMIT below —
`az role definition list` output for the built-in roles, scraped from Microsoft's public
documentation. whittle reads it from the copy beside the project
(`../shared/datasets/iam-dataset-reference/azure/built-in-roles-raw.json`) or from `--from FILE`.
Only facts are kept: each role's id, name and permissions (actions, notActions, dataActions,
notDataActions); descriptions are dropped.

Usage:
    python3 scripts/gen-azure-catalog.py              # rewrites the file
    python3 scripts/gen-azure-catalog.py --check      # exit 1 if the committed file differs (CI)
    python3 scripts/gen-azure-catalog.py --from FILE  # an iam-dataset checkout's file

Output: JSON lines. Line 1 is a header (source, version: the commit, licence, counts); line 2 is
{"operations": [...]}, every operation the sources name (the ARM map `azure/map.json` beside the
roles file, and the roles' wildcard-free actions) — not Azure's whole list, which is
`az provider operation list`; every following line is one role, sorted by name: {"id": "8e3af657-…", "name": "Owner",
"actions": [...], "not_actions": [...], "data_actions": [...], "not_data_actions": [...]}
(the union of the role's permission blocks; none of the built-in roles has more than one).
Exit codes: 0 done, 1 the committed file is out of date (--check), 3 the source cannot be had.
"""
import argparse
import json
import pathlib
import sys

COMMIT = "2073fa52ac008a45477aa0b1b4580cd99135bf60"
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "engine" / "data" / "azure-roles.jsonl"
DEFAULT_FROM = ROOT.parent / "shared" / "datasets" / "iam-dataset-reference" / "azure" / "built-in-roles-raw.json"
MAP = "map.json"  # beside the roles file: ARM REST method and path -> the operations it needs


def operations(path, roles):
    """Every operation the sources name: the ARM map's (method and path -> operation) and the
    built-in roles' explicit (wildcard-free) actions and data actions; one casing per name (the
    first seen, in sorted order)."""
    names = set()
    m = pathlib.Path(path).with_name(MAP)
    if m.is_file():
        for paths in json.loads(m.read_text()).values():
            for ops in paths.values():
                names.update(ops.keys())
    for r in roles:
        names.update(a for a in r["actions"] + r["data_actions"] if "*" not in a)
    seen, out = set(), []
    for n in sorted(names):
        if n.lower() not in seen and "/" in n:
            seen.add(n.lower())
            out.append(n)
    return out


def render(path):
    roles = []
    for r in json.loads(pathlib.Path(path).read_text()):
        if r.get("roleType") not in (None, "BuiltInRole"):
            continue
        blocks = r.get("permissions") or []
        def union(key):
            out = []
            for b in blocks:
                for a in b.get(key) or []:
                    if a not in out:
                        out.append(a)
            return out
        roles.append({
            "id": r["name"],
            "name": r["roleName"],
            "actions": union("actions"),
            "not_actions": union("notActions"),
            "data_actions": union("dataActions"),
            "not_data_actions": union("notDataActions"),
        })
    roles.sort(key=lambda r: (r["name"].lower(), r["id"]))
    ops = operations(path, roles)
    header = {
        "source": "github:iann0036/iam-dataset azure/built-in-roles-raw.json",
        "version": COMMIT[:12],
        "date": "unknown",
        "licence": "MIT, Copyright (c) 2021 Ian Mckay (iam-dataset; see engine/data/LICENSE-iam-dataset.txt); facts from Microsoft's Azure built-in roles documentation",
        "services": len({a.split("/")[0].lower() for r in roles for a in r["actions"] + r["data_actions"] if "/" in a}),
        "actions": len(ops),
        "roles": len(roles),
    }
    lines = [json.dumps(header), json.dumps({"operations": ops}, separators=(",", ":"))]
    lines += [json.dumps(r, separators=(",", ":")) for r in roles]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--from", dest="src", default=str(DEFAULT_FROM))
    a = ap.parse_args()
    if not pathlib.Path(a.src).is_file():
        print(f"cannot read the roles: {a.src} is not a file", file=sys.stderr)
        return 3
    text = render(a.src)
    if a.check:
        if OUT.read_text() != text:
            print(f"{OUT} is out of date: run scripts/gen-azure-catalog.py", file=sys.stderr)
            return 1
        print("azure catalog up to date")
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
