#!/usr/bin/env python3
"""Generate a realistic CloudTrail corpus for the ingest benchmark (scripts/bench-ingest.sh).

--events N records spread over --files F gzipped delivery files in the S3 key layout (5-minute
files, as CloudTrail delivers them), ~1.5 KB per record with varied request parameters: S3 object
reads and writes over many keys, DynamoDB items, KMS, STS, EC2 describes, Lambda invokes, SQS,
SNS, SSM parameters, Secrets Manager, from ~120 principals (role sessions, users, services), a few
percent denied. Deterministic for a given seed. Written in parallel on all cores.
"""
import argparse
import datetime as dt
import gzip
import json
import os
import pathlib
import random
import zlib
from multiprocessing import Pool

ACCOUNT = "210987654321"
REGIONS = ["eu-west-1", "us-east-1"]


def principals(rng):
    out = []
    for i in range(80):
        name = f"svc-{i:03d}"
        path = "app/" if i % 3 else "service/"
        out.append(("role", name, path))
    for i in range(30):
        out.append(("user", f"dev-{i:02d}", "/"))
    out += [("service", s, "") for s in ["lambda.amazonaws.com", "cloudformation.amazonaws.com", "ec2.amazonaws.com"]]
    return out


def identity(p, rng, file_idx):
    kind, name, path = p
    if kind == "role":
        # sessions last a while: an instance, a Lambda container, a CI run of a few minutes
        session = rng.choice([f"i-{zlib.crc32(name.encode()):08x}{zlib.crc32(path.encode()):09x}", f"{name}-handler",
                              f"gh-run-{file_idx * 8 + rng.randrange(8)}", f"botocore-session-{1717171717 + file_idx // 12}"])
        return {"type": "AssumedRole", "principalId": f"AROA{name.upper().replace('-', '')}:{session}",
                "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}", "accountId": ACCOUNT,
                "accessKeyId": f"ASIA{rng.randrange(16**16):016X}",
                "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": f"AROA{name.upper().replace('-', '')}",
                                                     "arn": f"arn:aws:iam::{ACCOUNT}:role/{path}{name}", "accountId": ACCOUNT,
                                                     "userName": name},
                                   "webIdFederationData": {},
                                   "attributes": {"creationDate": "2026-11-01T10:00:00Z", "mfaAuthenticated": "false"}}}
    if kind == "user":
        return {"type": "IAMUser", "principalId": f"AIDA{name.upper().replace('-', '')}000", "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
                "accountId": ACCOUNT, "accessKeyId": f"AKIA{zlib.crc32(name.encode()) % 16**8:08X}{rng.randrange(2):08X}", "userName": name}
    return {"type": "AWSService", "invokedBy": name}


def call(rng, region):
    r = rng.random()
    bucket = f"data-{rng.randrange(40):02d}"
    if r < 0.30:
        key = f"tenant-{rng.randrange(500)}/{rng.randrange(2020, 2027)}/{rng.randrange(1, 13):02d}/part-{rng.randrange(10**5):05d}.parquet"
        op = rng.choice(["GetObject", "GetObject", "PutObject", "HeadObject"])
        return ("s3", op, {"bucketName": bucket, "Host": f"{bucket}.s3.{region}.amazonaws.com", "key": key},
                [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
                 {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}], True)
    if r < 0.40:
        return ("s3", "ListObjectsV2", {"bucketName": bucket, "list-type": "2", "prefix": f"tenant-{rng.randrange(500)}/", "max-keys": "1000"},
                [{"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}], True)
    if r < 0.55:
        table = f"table-{rng.randrange(25)}"
        op = rng.choice(["GetItem", "PutItem", "Query", "UpdateItem"])
        return ("dynamodb", op, {"tableName": table, "key": {"pk": {"S": f"id-{rng.randrange(10**6)}"}}, "consistentRead": False},
                [{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table", "ARN": f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table}"}], True)
    if r < 0.65:
        kid = f"{rng.randrange(16**8):08x}-1111-2222-3333-444455556666"
        return ("kms", rng.choice(["Decrypt", "GenerateDataKey", "Encrypt"]),
                {"keyId": f"arn:aws:kms:{region}:{ACCOUNT}:key/{kid}", "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                 "encryptionContext": {"aws:s3:arn": f"arn:aws:s3:::{bucket}/x"}},
                [{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": f"arn:aws:kms:{region}:{ACCOUNT}:key/{kid}"}], False)
    if r < 0.72:
        return ("sts", "AssumeRole", {"roleArn": f"arn:aws:iam::{ACCOUNT}:role/app/svc-{rng.randrange(80):03d}",
                                      "roleSessionName": f"s-{rng.randrange(10**4)}", "durationSeconds": 3600},
                [{"accountId": ACCOUNT, "type": "AWS::IAM::Role", "ARN": f"arn:aws:iam::{ACCOUNT}:role/app/svc-{rng.randrange(80):03d}"}], False)
    if r < 0.80:
        return ("ec2", rng.choice(["DescribeInstances", "DescribeSecurityGroups", "DescribeSubnets", "DescribeVpcs"]),
                {"filterSet": {"items": [{"name": "tag:env", "valueSet": {"items": [{"value": "prod"}]}}]}, "maxResults": 200}, None, False)
    if r < 0.86:
        fn = f"fn-{rng.randrange(60)}"
        return ("lambda", "Invoke", {"functionName": f"arn:aws:lambda:{region}:{ACCOUNT}:function:{fn}"},
                [{"accountId": ACCOUNT, "type": "AWS::Lambda::Function", "ARN": f"arn:aws:lambda:{region}:{ACCOUNT}:function:{fn}"}], True)
    if r < 0.91:
        q = f"queue-{rng.randrange(30)}"
        return ("sqs", rng.choice(["SendMessage", "ReceiveMessage", "DeleteMessage"]),
                {"queueUrl": f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/{q}", "messageBody": "HIDDEN_DUE_TO_SECURITY_REASONS"}, None, False)
    if r < 0.95:
        return ("ssm", rng.choice(["GetParameter", "GetParametersByPath"]),
                {"name": f"/app/{rng.randrange(40)}/config", "withDecryption": True}, None, False)
    if r < 0.98:
        return ("secretsmanager", "GetSecretValue",
                {"secretId": f"arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:db-{rng.randrange(20)}-AbCdEf"}, None, False)
    if r < 0.997:
        return ("sns", "Publish", {"topicArn": f"arn:aws:sns:{region}:{ACCOUNT}:alerts-{rng.randrange(10)}", "message": "HIDDEN"}, None, False)
    # 0.3 %: high-risk activity the journal keeps (identity changes, credentials, exposure)
    role = f"app/svc-{rng.randrange(80):03d}"
    return rng.choice([
        ("iam", "PutRolePolicy", {"roleName": role.split("/")[1], "policyName": "inline", "policyDocument": "{}"}, None, False),
        ("iam", "AttachRolePolicy", {"roleName": role.split("/")[1], "policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}, None, False),
        ("iam", "CreateAccessKey", {"userName": f"ci-{rng.randrange(10)}"}, None, False),
        ("s3", "PutBucketPolicy", {"bucketName": f"data-{rng.randrange(40)}", "bucketPolicy": {"Version": "2012-10-17"}}, None, False),
    ])


def record(rng, people, when, region, file_idx):
    src, name, params, resources, data = call(rng, region)
    p = rng.choice(people)
    r = {
        "eventVersion": "1.10",
        "userIdentity": identity(p, rng, file_idx),
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": f"{src}.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        # callers come from their own few networks (a user's office and VPN, a role's subnets)
        "sourceIPAddress": f"10.{zlib.crc32(p[1].encode()) % 256}.{rng.randrange(4)}.{rng.randrange(256)}",
        "userAgent": rng.choice(["aws-sdk-java/2.25.11 Linux/5.10.213 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. md/internal exec-env/AWS_ECS_FARGATE",
                                  "Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#5.10.213 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69",
                                  "aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.1 md/GOOS#linux md/GOARCH#amd64 api/s3#1.53.1"]),
        "requestParameters": params,
        "responseElements": None,
        "additionalEventData": {"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": 0,
                                "AuthenticationMethod": "AuthHeader", "x-amz-id-2": f"{rng.randrange(16**40):040x}", "bytesTransferredOut": rng.randrange(10**6)},
        "requestID": f"{rng.randrange(16**16):016X}",
        "eventID": f"{rng.randrange(16**8):08x}-{rng.randrange(16**4):04x}-{rng.randrange(16**4):04x}-{rng.randrange(16**4):04x}-{rng.randrange(16**12):012x}",
        "readOnly": name.startswith(("Get", "List", "Describe", "Head", "Query", "Receive")),
        "eventType": "AwsApiCall",
        "managementEvent": not data,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Data" if data else "Management",
        "tlsDetails": {"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": f"{src}.{region}.amazonaws.com"},
    }
    if resources:
        r["resources"] = resources
    if rng.random() < 0.03:
        r["errorCode"], r["errorMessage"] = "AccessDenied", "User is not authorized to perform this operation"
    return r


def write_file(args):
    idx, per_file, out = args
    rng = random.Random(1000 + idx)
    people = principals(random.Random(7))
    region = REGIONS[idx % len(REGIONS)]
    start = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc) + dt.timedelta(minutes=5 * idx)
    recs = [record(rng, people, start + dt.timedelta(seconds=rng.randrange(300)), region, idx) for _ in range(per_file)]
    recs.sort(key=lambda r: r["eventTime"])
    name = f"{ACCOUNT}_CloudTrail_{region}_{start:%Y%m%dT%H%MZ}_{idx:016X}.json.gz"
    path = pathlib.Path(out) / "AWSLogs" / ACCOUNT / "CloudTrail" / region / f"{start:%Y/%m/%d}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"Records": recs}, separators=(",", ":")).encode()
    with gzip.open(path, "wb", compresslevel=6) as f:
        f.write(data)
    return len(recs), len(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    per_file = -(-a.events // a.files)
    with Pool(os.cpu_count()) as pool:
        results = pool.map(write_file, [(i, per_file, a.out) for i in range(a.files)])
    n = sum(r[0] for r in results)
    raw = sum(r[1] for r in results)
    (pathlib.Path(a.out) / ".complete").write_text(f"{n} events, {raw} bytes of JSON\n")
    print(f"wrote {n} events in {a.files} files, {raw / 1e6:.0f} MB of JSON ({raw / n:.0f} B/record) under {a.out}")


if __name__ == "__main__":
    main()
