#!/usr/bin/env python3
"""Generate a `terraform show -json` plan with N IAM resources for the pre-merge benchmark.

Deterministic (seeded). A quarter of the resources are roles (trust policies for services, some
for other accounts), the rest managed policies, inline role policies and attachments, with
policies the size of real managed policies (10-40 statements, wildcards, conditions).

    scripts/gen-large-plan.py OUT.json [RESOURCES] [SEED]
"""
import json
import random
import sys

SERVICES = {
    "s3": ["GetObject", "PutObject", "DeleteObject", "ListBucket", "GetBucketPolicy", "PutBucketPolicy"],
    "dynamodb": ["GetItem", "PutItem", "Query", "Scan", "DeleteItem", "UpdateItem"],
    "sqs": ["SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueAttributes"],
    "kms": ["Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey"],
    "logs": ["CreateLogStream", "PutLogEvents", "DescribeLogGroups"],
    "lambda": ["InvokeFunction", "UpdateFunctionCode", "GetFunction"],
    "iam": ["PassRole", "GetRole", "PutRolePolicy", "ListRoles"],
    "ec2": ["DescribeInstances", "RunInstances", "TerminateInstances"],
}


def statement(rng, i):
    svc = rng.choice(list(SERVICES))
    if rng.random() < 0.15:
        actions = [f"{svc}:*"] if rng.random() < 0.5 else [f"{svc}:Get*", f"{svc}:List*"]
    else:
        actions = [f"{svc}:{a}" for a in rng.sample(SERVICES[svc], rng.randint(1, 3))]
    resource = "*" if rng.random() < 0.3 else f"arn:aws:{svc}:eu-west-1:111122223333:thing-{rng.randint(1, 500)}/*"
    if svc == "s3" and resource != "*":
        resource = f"arn:aws:s3:::bucket-{rng.randint(1, 500)}/*"
    s = {"Sid": f"S{i}", "Effect": "Deny" if rng.random() < 0.05 else "Allow", "Action": actions, "Resource": resource}
    if rng.random() < 0.2:
        s["Condition"] = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    return s


def document(rng):
    return json.dumps({"Version": "2012-10-17", "Statement": [statement(rng, i) for i in range(rng.randint(10, 40))]})


def change(address, type_, after, unknown=None):
    return {"address": address, "mode": "managed", "type": type_, "name": address.split(".")[-1],
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": ["create"], "before": None, "after": after,
                       "after_unknown": unknown or {}, "before_sensitive": False, "after_sensitive": {}}}


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    changes, config = [], []
    roles = max(1, n // 4)
    for r in range(roles):
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                 "Principal": {"Service": "lambda.amazonaws.com"} if rng.random() < 0.8 else {"AWS": "arn:aws:iam::444455556666:root"}}]}
        changes.append(change(f"aws_iam_role.r{r}", "aws_iam_role",
                              {"name": f"role-{r}", "path": "/app/", "assume_role_policy": json.dumps(trust)},
                              {"arn": True, "id": True, "unique_id": True}))
    rest = n - roles
    for i in range(rest):
        kind = i % 3
        role = f"role-{rng.randrange(roles)}"
        if kind == 0:
            changes.append(change(f"aws_iam_policy.p{i}", "aws_iam_policy",
                                  {"name": f"policy-{i}", "path": "/", "policy": document(rng)}, {"arn": True, "id": True}))
        elif kind == 1:
            changes.append(change(f"aws_iam_role_policy.i{i}", "aws_iam_role_policy",
                                  {"name": f"inline-{i}", "role": role, "policy": document(rng)}, {"id": True}))
        else:
            target = f"aws_iam_policy.p{i - 2}"
            changes.append(change(f"aws_iam_role_policy_attachment.a{i}", "aws_iam_role_policy_attachment",
                                  {"role": role}, {"id": True, "policy_arn": True}))
            config.append({"address": f"aws_iam_role_policy_attachment.a{i}", "mode": "managed",
                           "type": "aws_iam_role_policy_attachment", "name": f"a{i}",
                           "expressions": {"role": {"constant_value": role},
                                           "policy_arn": {"references": [f"{target}.arn", target]}}})
    plan = {"format_version": "1.2", "terraform_version": "1.9.5", "planned_values": {"root_module": {}},
            "resource_changes": changes, "configuration": {"root_module": {"resources": config}},
            "applyable": True, "complete": True, "errored": False}
    with open(out, "w") as f:
        json.dump(plan, f)


if __name__ == "__main__":
    main()
