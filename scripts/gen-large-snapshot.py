#!/usr/bin/env python3
"""Generate a large, realistic `aws iam get-account-authorization-details` snapshot for the
snapshot-loading benchmark (scripts/bench-snapshot.sh).

With the defaults: 3,000 managed policies (five versions each, 10-60 statements per version),
12,000 roles (instance profiles, 0-3 inline policies, 1-4 attached policies, tags, last use),
3,000 users in 50 groups — about 210 MB of JSON. Statements use real action names of 16 services
read from the bundled catalog (engine/data/aws-iam-catalog.jsonl), 15 % wildcards, one in ten a
Deny, one in five conditional. Deterministic for a given seed.
"""
import argparse
import json
import pathlib
import random

ACCOUNT = "111122223333"
SERVICES = ["s3", "dynamodb", "ec2", "iam", "logs", "lambda", "sqs", "sns", "kms", "ssm",
            "secretsmanager", "cloudwatch", "ecr", "ecs", "glue", "athena"]
CATALOG = pathlib.Path(__file__).resolve().parent.parent / "engine/data/aws-iam-catalog.jsonl"
CREATED = "2024-01-01T00:00:00Z"


def catalog_actions():
    out = []
    with open(CATALOG) as f:
        next(f)  # header line
        for line in f:
            svc = json.loads(line)
            if svc["prefix"] in SERVICES:
                out += [f'{svc["prefix"]}:{a[0]}' for a in svc["actions"]]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="snapshot file to write")
    ap.add_argument("--policies", type=int, default=3000)
    ap.add_argument("--roles", type=int, default=12000)
    ap.add_argument("--users", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    actions = catalog_actions()
    wild = [f"{s}:{v}*" for s in SERVICES for v in ["Get", "List", "Describe"]]

    def statement():
        acts = [rng.choice(wild) if rng.random() < 0.15 else rng.choice(actions)
                for _ in range(rng.randint(3, 12))]
        resource = rng.choice(["*", f"arn:aws:s3:::bucket-{rng.randint(0, 999)}/*",
                               f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/t{rng.randint(0, 999)}"])
        s = {"Sid": f"S{rng.randint(0, 99999)}", "Effect": "Deny" if rng.random() < 0.1 else "Allow",
             "Action": acts, "Resource": resource}
        if rng.random() < 0.2:
            s["Condition"] = {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "us-east-1"]}}
        return s

    def document(n):
        return {"Version": "2012-10-17", "Statement": [statement() for _ in range(n)]}

    policies = []
    for i in range(args.policies):
        arn = (f"arn:aws:iam::aws:policy/Managed{i}" if i % 3 == 0
               else f"arn:aws:iam::{ACCOUNT}:policy/managed-{i}")
        versions = [{"Document": document(rng.randint(10, 60)), "VersionId": f"v{v}",
                     "IsDefaultVersion": v == 4, "CreateDate": CREATED} for v in range(5)]
        policies.append({"PolicyName": f"p{i}", "PolicyId": f"ANPA{i:012d}", "Arn": arn, "Path": "/",
                         "DefaultVersionId": "v4", "AttachmentCount": 3,
                         "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
                         "CreateDate": CREATED, "UpdateDate": CREATED, "PolicyVersionList": versions})
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    roles = []
    for i in range(args.roles):
        name, arn = f"role-{i}", f"arn:aws:iam::{ACCOUNT}:role/app/role-{i}"
        role = {"Path": "/app/", "RoleName": name, "RoleId": f"AROA{i:012d}", "Arn": arn,
                "CreateDate": CREATED, "AssumeRolePolicyDocument": trust}
        roles.append({**role,
                      "InstanceProfileList": [{"Path": "/", "InstanceProfileName": name,
                                               "InstanceProfileId": f"AIPA{i:012d}",
                                               "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/{name}",
                                               "CreateDate": CREATED, "Roles": [dict(role)]}],
                      "RolePolicyList": [{"PolicyName": f"inline-{j}", "PolicyDocument": document(rng.randint(2, 8))}
                                         for j in range(rng.randint(0, 3))],
                      "AttachedManagedPolicies": [{"PolicyName": f"p{k}", "PolicyArn": policies[k]["Arn"]}
                                                  for k in rng.sample(range(args.policies), rng.randint(1, 4))],
                      "Tags": [{"Key": "team", "Value": f"t{i % 20}"}],
                      "RoleLastUsed": {"LastUsedDate": "2026-11-01T00:00:00Z", "Region": "eu-west-1"}})
    users = [{"Path": "/", "UserName": f"user-{i}", "UserId": f"AIDA{i:012d}",
              "Arn": f"arn:aws:iam::{ACCOUNT}:user/user-{i}", "CreateDate": CREATED,
              "UserPolicyList": [{"PolicyName": "inline", "PolicyDocument": document(3)}],
              "GroupList": [f"group-{i % 50}"], "AttachedManagedPolicies": [], "Tags": []}
             for i in range(args.users)]
    groups = [{"Path": "/", "GroupName": f"group-{g}", "GroupId": f"AGPA{g:012d}",
               "Arn": f"arn:aws:iam::{ACCOUNT}:group/group-{g}", "CreateDate": CREATED,
               "GroupPolicyList": [],
               "AttachedManagedPolicies": [{"PolicyName": "p1", "PolicyArn": policies[1]["Arn"]}]}
              for g in range(50)]
    text = json.dumps({"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles,
                       "Policies": policies}, separators=(",", ":"))
    pathlib.Path(args.out).write_text(text)
    print(f"{args.out}: {len(text) / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
