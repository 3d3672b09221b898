#!/usr/bin/env python3
"""Generates a GCP organisation and an Azure tenant of a given size, for scripts/bench-clouds.sh.

    gen-clouds.py OUT_DIR [--bindings 10000] [--assignments 10000]

GCP: OUT_DIR/gcp-iam.jsonl, an Asset Inventory export (snake_case, with ancestors): an
organisation, 50 folders, projects of 20 bindings each (predefined, basic and custom roles,
users, groups, service accounts, a few public and conditional bindings), and
OUT_DIR/gcp-roles.json, the custom roles. Azure: OUT_DIR/azure-assignments.json (`az role
assignment list` shape) over 100 subscriptions and their resource groups, and
OUT_DIR/azure-roles.json (custom roles). Deterministic (a fixed seed).
"""
import argparse
import json
import pathlib
import random

PREDEFINED = ["roles/viewer", "roles/editor", "roles/owner", "roles/storage.objectViewer",
              "roles/storage.admin", "roles/compute.admin", "roles/bigquery.dataViewer",
              "roles/iam.serviceAccountUser", "roles/run.developer", "roles/logging.viewer",
              "roles/pubsub.publisher", "roles/cloudsql.client", "roles/secretmanager.secretAccessor"]
AZURE = [("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Owner"), ("b24988ac-6180-42a0-ab88-20f7382dd24c", "Contributor"),
         ("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader"), ("18d7d88d-d35e-4fb5-a5c3-7773c20a72d9", "User Access Administrator"),
         ("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", "Storage Blob Data Reader"), ("ba92f5b4-2d11-453d-a403-e96b0029c9fe", "Storage Blob Data Contributor")]


def gcp(out, n, rnd):
    org = "organizations/100000000001"
    folders = [f"folders/{200000000000 + i}" for i in range(50)]
    projects = []
    lines = [{"name": f"//cloudresourcemanager.googleapis.com/{org}", "asset_type": "cloudresourcemanager.googleapis.com/Organization",
              "iam_policy": {"bindings": [{"role": "roles/resourcemanager.organizationAdmin", "members": ["user:admin@example.com"]}]},
              "ancestors": [org]}]
    for f in folders:
        lines.append({"name": f"//cloudresourcemanager.googleapis.com/{f}", "asset_type": "cloudresourcemanager.googleapis.com/Folder",
                      "iam_policy": {"bindings": [{"role": "roles/compute.admin", "members": [f"group:ops-{f[-3:]}@example.com"]}]},
                      "ancestors": [f, org]})
    members = [f"user:u{i}@example.com" for i in range(1500)] + [f"serviceAccount:sa{i}@p.iam.gserviceaccount.com" for i in range(400)] + [f"group:g{i}@example.com" for i in range(100)]
    customs = []
    count = 1 + len(folders)
    i = 0
    while count < n:
        p = f"projects/{300000000000 + i}"
        f = folders[i % len(folders)]
        bindings = []
        for j in range(min(20, n - count)):
            if j == 0:
                role = f"{p}/roles/deployer"
                customs.append({"name": role, "title": "Deployer", "stage": "GA",
                                "includedPermissions": ["run.services.update", "run.services.get", "iam.serviceAccounts.actAs"]})
            else:
                role = PREDEFINED[rnd.randrange(len(PREDEFINED))]
            b = {"role": role, "members": rnd.sample(members, 3)}
            if j == 5 and i % 10 == 0:
                b["members"].append("allUsers")
            if j == 7 and i % 4 == 0:
                b["condition"] = {"title": "until", "expression": 'request.time < timestamp("2027-01-01T00:00:00Z")'}
            bindings.append(b)
        count += len(bindings)
        lines.append({"name": f"//cloudresourcemanager.googleapis.com/{p}", "asset_type": "cloudresourcemanager.googleapis.com/Project",
                      "iam_policy": {"bindings": bindings}, "ancestors": [p, f, org]})
        i += 1
    (out / "gcp-iam.jsonl").write_text("\n".join(json.dumps(l) for l in lines) + "\n")
    (out / "gcp-roles.json").write_text(json.dumps(customs))
    return count


def azure(out, n, rnd):
    subs = [f"{i:08d}-0000-4000-8000-000000000000" for i in range(100)]
    principals = [(f"{i:08d}-aaaa-4000-8000-000000000000", f"user{i}@contoso.com", "User") for i in range(2000)] + \
                 [(f"{i:08d}-bbbb-4000-8000-000000000000", f"app-{i}", "ServicePrincipal") for i in range(500)]
    custom = {"assignableScopes": ["/"], "id": "/providers/Microsoft.Authorization/roleDefinitions/c0ffee00-0000-4000-8000-000000000001",
              "name": "c0ffee00-0000-4000-8000-000000000001", "roleName": "Deployer", "roleType": "CustomRole",
              "permissions": [{"actions": ["Microsoft.Web/sites/*", "Microsoft.Resources/deployments/*"], "notActions": [], "dataActions": [], "notDataActions": []}]}
    roles = AZURE + [(custom["name"], "Deployer")]
    items = []
    for k in range(n):
        s = subs[k % len(subs)]
        scope = f"/subscriptions/{s}" if k % 3 == 0 else f"/subscriptions/{s}/resourceGroups/rg-{k % 37}"
        pid, pname, ptype = principals[rnd.randrange(len(principals))]
        rid, rname = roles[rnd.randrange(len(roles))]
        guid = f"{k:08d}-cccc-4000-8000-000000000000"
        items.append({"id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}", "name": guid,
                      "principalId": pid, "principalName": pname, "principalType": ptype,
                      "roleDefinitionId": f"/subscriptions/{s}/providers/Microsoft.Authorization/roleDefinitions/{rid}",
                      "roleDefinitionName": rname, "scope": scope, "type": "Microsoft.Authorization/roleAssignments"})
    (out / "azure-assignments.json").write_text(json.dumps(items))
    (out / "azure-roles.json").write_text(json.dumps([custom]))
    return len(items)


def audit(out, n, rnd, files=50):
    """n Cloud Audit Logs entries in `files` gzipped JSON-lines files, as a sink writes them."""
    import gzip
    d = out / "gcp-audit"
    d.mkdir(exist_ok=True)
    perms = [("storage.googleapis.com", "storage.objects.get", "data_access", "projects/_/buckets/b{}/objects/o{}"),
             ("compute.googleapis.com", "compute.instances.get", "data_access", "projects/p{}/zones/us-central1-a/instances/i{}"),
             ("compute.googleapis.com", "compute.instances.create", "activity", "projects/p{}/zones/us-central1-a/instances/i{}"),
             ("iam.googleapis.com", "iam.serviceAccounts.get", "data_access", "projects/p{}/serviceAccounts/sa{}"),
             ("run.googleapis.com", "run.services.update", "activity", "namespaces/p{}/services/s{}")]
    per = n // files
    for f in range(files):
        lines = []
        for k in range(per):
            svc, perm, log, res = perms[rnd.randrange(len(perms))]
            who = f"u{rnd.randrange(300)}@example.com" if rnd.random() < 0.6 else f"sa{rnd.randrange(200)}@p{rnd.randrange(20)}.iam.gserviceaccount.com"
            r = res.format(rnd.randrange(20), rnd.randrange(500))
            t = f"2026-11-{1 + (f * per + k) * 28 // n:02d}T{rnd.randrange(24):02d}:{rnd.randrange(60):02d}:{rnd.randrange(60):02d}.{rnd.randrange(10**6):06d}Z"
            e = {"protoPayload": {"@type": "type.googleapis.com/google.cloud.audit.AuditLog", "status": {},
                 "authenticationInfo": {"principalEmail": who},
                 "requestMetadata": {"callerIp": "203.0.113.7", "callerSuppliedUserAgent": "google-api-go-client/0.5"},
                 "serviceName": svc, "methodName": perm, "authorizationInfo": [{"resource": r, "permission": perm, "granted": True, "resourceAttributes": {}}],
                 "resourceName": r},
                 "insertId": f"{f:04d}{k:08d}", "resource": {"type": "audited_resource", "labels": {"project_id": f"p{rnd.randrange(20)}", "service": svc, "method": perm}},
                 "timestamp": t, "severity": "INFO", "logName": f"projects/p1/logs/cloudaudit.googleapis.com%2F{log}", "receiveTimestamp": t}
            lines.append(json.dumps(e))
        (d / f"{f:04d}.json.gz").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    return per * files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--bindings", type=int, default=10000)
    ap.add_argument("--assignments", type=int, default=10000)
    ap.add_argument("--audit", type=int, default=200000, help="Cloud Audit Logs entries")
    a = ap.parse_args()
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rnd = random.Random(42)
    print(f"gcp bindings: {gcp(out, a.bindings, rnd)}, azure assignments: {azure(out, a.assignments, rnd)}, "
          f"gcp audit entries: {audit(out, a.audit, rnd)}")


if __name__ == "__main__":
    main()
