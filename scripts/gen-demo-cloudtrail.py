#!/usr/bin/env python3
"""Regenerate the demo account's CloudTrail logs under testdata/demo/cloudtrail/.

Deterministic (fixed seed, gzip mtime 0): re-running produces identical bytes. The records follow
the CloudTrail record format (eventVersion 1.09: userIdentity, eventSource, eventName, awsRegion,
requestParameters, resources, errorCode, eventCategory, ...) and the S3 key layout
AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<id>.json.gz,
plus one digest file (AWSLogs/<account>/CloudTrail-Digest/...) that ingest must skip.

Who does what over 95 days (2026-08-22 .. 2026-11-24), matching testdata/demo/snapshot/:
  orders-api   DynamoDB items on table `orders`, S3 objects in `demo-orders-invoices`, log streams
  ci-deployer  CloudFormation change sets, Lambda code updates (API-version suffixed event names),
               S3 artifacts, IAM reads; one CreateRole 60 days ago
  alice        console login, S3 reads, Lambda/Logs in eu-west-1; one denied iam:CreateUser
  admin        occasional IAM/Organizations/EC2 reads
  data-analyst Athena queries, Glue reads, S3 datalake reads; one denied read under raw/pii/
  legacy-ops   nothing at all: an unused user
"""
import datetime as dt
import gzip
import hashlib
import io
import json
import pathlib
import random
import uuid

ACCOUNT = "111122223333"
OUT = pathlib.Path(__file__).resolve().parent.parent / "testdata" / "demo" / "cloudtrail"
START = dt.datetime(2026, 8, 22, tzinfo=dt.timezone.utc)
DAYS = 95
rng = random.Random(20261125)


def ident_role(role_path_name, role_id, session):
    name = role_path_name.rsplit("/", 1)[-1]
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/{session}",
        "accountId": ACCOUNT,
        "accessKeyId": "ASIA" + hashlib.sha1(session.encode()).hexdigest()[:16].upper(),
        "sessionContext": {
            "sessionIssuer": {"type": "Role", "principalId": role_id,
                              "arn": f"arn:aws:iam::{ACCOUNT}:role/{role_path_name}",
                              "accountId": ACCOUNT, "userName": name},
            "attributes": {"creationDate": "", "mfaAuthenticated": "false"},
        },
    }


def ident_user(name, user_id, path="/"):
    return {"type": "IAMUser", "principalId": user_id, "arn": f"arn:aws:iam::{ACCOUNT}:user{path}{name}",
            "accountId": ACCOUNT, "accessKeyId": "AKIA" + hashlib.sha1(name.encode()).hexdigest()[:16].upper(),
            "userName": name}


def record(when, who, source, name, region, params=None, resources=None, data=False, error=None,
           read_only=True, ip="198.51.100.23", agent="aws-sdk-go-v2/1.30.3"):
    who = json.loads(json.dumps(who))
    if who["type"] == "AssumedRole":
        who["sessionContext"]["attributes"]["creationDate"] = (when - dt.timedelta(minutes=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = {
        "eventVersion": "1.09",
        "userIdentity": who,
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": f"{source}.amazonaws.com",
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": agent,
        "requestParameters": params,
        "responseElements": None,
        "requestID": str(uuid.UUID(int=rng.getrandbits(128))),
        "eventID": str(uuid.UUID(int=rng.getrandbits(128))),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": not data,
        "recipientAccountId": ACCOUNT,
        "eventCategory": "Data" if data else "Management",
    }
    if resources:
        r["resources"] = resources
    if error:
        r["errorCode"], r["errorMessage"] = error
    if source == "signin" and name == "ConsoleLogin":
        r["eventType"] = "AwsConsoleSignIn"
        r["responseElements"] = {"ConsoleLogin": "Success"}
        r["additionalEventData"] = {"LoginTo": "https://console.aws.amazon.com/console/home", "MobileVersion": "No", "MFAUsed": "Yes"}
    return r


ORDERS = ident_role("app/orders-api", "AROAQDEMOORDERSAPI003", "orders-api-handler")
DEPLOYER = ident_role("service/ci-deployer", "AROAQDEMOCIDEPLOYER02", "GitHubActions")
ADMIN = ident_role("admin", "AROAQDEMOADMIN0000001", "jane.doe")
ANALYST = ident_role("data-analyst", "AROAQDEMODATAANALYST4", "bob.analyst")
ALICE = ident_user("alice", "AIDAQDEMOALICE0000001")


def day_events(day_index, day):
    ev = []
    at = lambda h, m: day + dt.timedelta(hours=h, minutes=m, seconds=rng.randrange(60))
    euw1 = "eu-west-1"
    table = f"arn:aws:dynamodb:{euw1}:{ACCOUNT}:table/orders"
    for _ in range(rng.randrange(3, 7)):
        op = rng.choice(["GetItem", "PutItem", "Query"])
        ev.append(record(at(rng.randrange(24), rng.randrange(60)), ORDERS, "dynamodb", op, euw1,
                         {"tableName": "orders", "key": {"orderId": {"S": f"o-{rng.randrange(10**6)}"}}},
                         [{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table", "ARN": table}],
                         data=True, read_only=op != "PutItem", agent="aws-sdk-js/3.600.0"))
    key = f"invoices/2026/{day.month:02d}/{rng.randrange(10**5)}.pdf"
    op = rng.choice(["GetObject", "PutObject"])
    ev.append(record(at(rng.randrange(24), 5), ORDERS, "s3", op, euw1,
                     {"bucketName": "demo-orders-invoices", "key": key, "Host": "demo-orders-invoices.s3.eu-west-1.amazonaws.com"},
                     [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::demo-orders-invoices/{key}"},
                      {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::demo-orders-invoices"}],
                     data=True, read_only=op == "GetObject"))
    ev.append(record(at(0, 1), ORDERS, "logs", "CreateLogStream", euw1,
                     {"logGroupName": "/aws/lambda/orders-api", "logStreamName": f"2026/{day:%m/%d}/[$LATEST]abc"},
                     read_only=False, ip="lambda.amazonaws.com"))
    if day_index % 2 == 0:
        t = at(14, 10)
        ev.append(record(t, DEPLOYER, "cloudformation", "CreateChangeSet", euw1,
                         {"stackName": "orders-api", "changeSetName": f"deploy-{day:%Y%m%d}"}, read_only=False))
        ev.append(record(t + dt.timedelta(minutes=1), DEPLOYER, "cloudformation", "ExecuteChangeSet", euw1,
                         {"stackName": "orders-api", "changeSetName": f"deploy-{day:%Y%m%d}"}, read_only=False))
        ev.append(record(t + dt.timedelta(minutes=2), DEPLOYER, "cloudformation", "DescribeStacks", euw1, {"stackName": "orders-api"}))
        ev.append(record(t + dt.timedelta(minutes=3), DEPLOYER, "lambda", "UpdateFunctionCode20150331v2", euw1,
                         {"functionName": "orders-api", "s3Bucket": "demo-ci-artifacts"}, read_only=False))
        ev.append(record(t + dt.timedelta(minutes=4), DEPLOYER, "lambda", "GetFunction20150331v2", euw1, {"functionName": "orders-api"}))
        ev.append(record(t + dt.timedelta(minutes=2), DEPLOYER, "iam", "GetRole", "us-east-1", {"roleName": "orders-api"}))
        key = f"orders-api/{day:%Y%m%d}.zip"
        ev.append(record(t - dt.timedelta(minutes=1), DEPLOYER, "s3", "PutObject", euw1,
                         {"bucketName": "demo-ci-artifacts", "key": key},
                         [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::demo-ci-artifacts/{key}"}], data=True, read_only=False))
    if day_index == 35:
        ev.append(record(at(15, 0), DEPLOYER, "iam", "CreateRole", "us-east-1",
                         {"roleName": "orders-api-worker", "path": "/app/"}, read_only=False))
    if day.weekday() < 5:
        ev.append(record(at(8, 55), ALICE, "signin", "ConsoleLogin", "us-east-1", None, read_only=False,
                         agent="Mozilla/5.0"))
        ev.append(record(at(9, 2), ALICE, "s3", "ListBuckets", "us-east-1", {"Host": "s3.amazonaws.com"}))
        ev.append(record(at(9, 30), ALICE, "lambda", "ListFunctions20150331", euw1, None))
        ev.append(record(at(9, 31), ALICE, "logs", "FilterLogEvents", euw1, {"logGroupName": "/aws/lambda/orders-api"}))
    if day_index == 40:
        ev.append(record(at(11, 0), ALICE, "iam", "CreateUser", "us-east-1", {"userName": "tmp-helper"},
                         error=("AccessDenied", f"User: arn:aws:iam::{ACCOUNT}:user/alice is not authorized to perform: iam:CreateUser"),
                         read_only=False))
    if day_index % 9 == 0:
        ev.append(record(at(16, 0), ADMIN, "iam", "ListRoles", "us-east-1", None))
        ev.append(record(at(16, 2), ADMIN, "organizations", "DescribeOrganization", "us-east-1", None))
        ev.append(record(at(16, 4), ADMIN, "ec2", "DescribeInstances", "us-east-1", {"maxResults": 100}))
    if day.weekday() in (1, 3):
        qid = str(uuid.UUID(int=rng.getrandbits(128)))
        ev.append(record(at(10, 0), ANALYST, "athena", "StartQueryExecution", euw1,
                         {"queryString": "SELECT ...", "workGroup": "primary"}, read_only=False))
        ev.append(record(at(10, 1), ANALYST, "athena", "GetQueryResults", euw1, {"queryExecutionId": qid}))
        ev.append(record(at(10, 0), ANALYST, "glue", "GetTable", euw1, {"databaseName": "lake", "name": "orders"}))
        key = f"curated/orders/dt={day:%Y-%m-%d}/part-0.parquet"
        ev.append(record(at(10, 0), ANALYST, "s3", "GetObject", euw1, {"bucketName": "demo-datalake", "key": key},
                         [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::demo-datalake/{key}"}], data=True))
    if day_index == 50:
        key = "raw/pii/customers.csv"
        ev.append(record(at(10, 5), ANALYST, "s3", "GetObject", euw1, {"bucketName": "demo-datalake", "key": key},
                         [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::demo-datalake/{key}"}], data=True,
                         error=("AccessDenied", "Access Denied")))
    return ev


def write_gz(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as gz:
        gz.write(json.dumps(obj, separators=(",", ":")).encode())
    path.write_bytes(buf.getvalue())


def main():
    if OUT.exists():
        for f in sorted(OUT.rglob("*"), reverse=True):
            f.unlink() if f.is_file() else f.rmdir()
    total = 0
    for i in range(DAYS):
        day = START + dt.timedelta(days=i)
        by_region = {}
        for r in day_events(i, day):
            by_region.setdefault(r["awsRegion"], []).append(r)
        for region, recs in sorted(by_region.items()):
            recs.sort(key=lambda r: r["eventTime"])
            stamp = day + dt.timedelta(hours=23, minutes=55)
            uid = hashlib.sha1(f"{region}{i}".encode()).hexdigest()[:16].upper()
            name = f"{ACCOUNT}_CloudTrail_{region}_{stamp:%Y%m%dT%H%MZ}_{uid}.json.gz"
            write_gz(OUT / "AWSLogs" / ACCOUNT / "CloudTrail" / region / f"{day:%Y/%m/%d}" / name, {"Records": recs})
            total += len(recs)
    digest_day = START + dt.timedelta(days=DAYS - 1)
    write_gz(OUT / "AWSLogs" / ACCOUNT / "CloudTrail-Digest" / "us-east-1" / f"{digest_day:%Y/%m/%d}" /
             f"{ACCOUNT}_CloudTrail-Digest_us-east-1_{digest_day:%Y%m%dT2355Z}.json.gz",
             {"awsAccountId": ACCOUNT, "digestStartTime": f"{digest_day:%Y-%m-%d}T22:55:00Z",
              "digestEndTime": f"{digest_day:%Y-%m-%d}T23:55:00Z", "digestS3Bucket": "demo-trail-bucket",
              "logFiles": [], "digestPublicKeyFingerprint": "0" * 32, "digestSignatureAlgorithm": "SHA256withRSA"})
    print(f"wrote {total} events over {DAYS} days under {OUT}")


if __name__ == "__main__":
    main()
