"""Runs whittle's CloudTrail queries on real engines, over CloudTrail files laid out as the
table AWS documents for CloudTrail in Athena (`cli/tests/sql_equivalence.rs` drives it).

    equivalence.py layout TRAIL OUT.jsonl      CloudTrail files -> the table's rows, JSON lines
    equivalence.py duckdb ROWS.jsonl QUERY.sql OUT.csv
                                               a Trino query, translated to DuckDB by sqlglot,
                                               run by DuckDB; the result as CSV with a header
    equivalence.py spark ROWS.jsonl QUERY.sql OUT_DIR [QUERY.sql OUT_DIR]...
                                               Spark SQL queries run by Apache Spark in local
                                               mode; each result as Spark writes JSON lines
    equivalence.py parse DIALECT QUERY.sql     parsed by sqlglot for DIALECT (fails on error)
"""

import csv
import gzip
import json
import os
import sys
from pathlib import Path

# The Athena table's columns (AWS's DDL for CloudTrail, manual partitioning), as a type tree:
# a str is a scalar column (STRING), a dict a STRUCT, a one-element list an ARRAY.
S = "string"
TABLE = {
    "eventversion": S,
    "useridentity": {
        "type": S, "principalid": S, "arn": S, "accountid": S, "invokedby": S,
        "accesskeyid": S, "username": S,
        "onbehalfof": {"userid": S, "identitystorearn": S},
        "sessioncontext": {
            "attributes": {"mfaauthenticated": S, "creationdate": S},
            "sessionissuer": {"type": S, "principalid": S, "arn": S, "accountid": S, "username": S},
            "ec2roledelivery": S,
        },
    },
    "eventtime": S, "eventsource": S, "eventname": S, "awsregion": S, "sourceipaddress": S,
    "useragent": S, "errorcode": S, "errormessage": S, "requestparameters": S,
    "responseelements": S, "additionaleventdata": S, "requestid": S, "eventid": S,
    "readonly": S,
    "resources": [{"arn": S, "accountid": S, "type": S}],
    "eventtype": S, "apiversion": S, "recipientaccountid": S, "serviceeventdetails": S,
    "sharedeventid": S, "vpcendpointid": S, "eventcategory": S,
}


def coerce(value, kind):
    """A record's value as the table's SerDe reads it: field names matched case-insensitively,
    a STRING column holding any JSON value as its text."""
    if value is None:
        return None
    if kind == S:
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return json.dumps(value, separators=(",", ":"))
    if isinstance(kind, list):
        return [coerce(v, kind[0]) for v in value] if isinstance(value, list) else None
    if not isinstance(value, dict):
        return None
    lower = {k.lower(): v for k, v in value.items()}
    return {name: coerce(lower.get(name), sub) for name, sub in kind.items()}


def layout(trail, out):
    rows = 0
    with open(out, "w") as f:
        for path in sorted(Path(trail).rglob("*")):
            name = path.name
            if not path.is_file() or "CloudTrail-Digest" in str(path):
                continue
            if not (name.endswith(".json") or name.endswith(".json.gz")):
                continue
            raw = path.read_bytes()
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            for rec in json.loads(raw).get("Records", []):
                f.write(json.dumps(coerce(rec, TABLE)) + "\n")
                rows += 1
    print(f"{rows} rows", file=sys.stderr)


def duckdb_type(kind):
    if kind == S:
        return "VARCHAR"
    if isinstance(kind, list):
        return duckdb_type(kind[0]) + "[]"
    return "STRUCT(" + ", ".join(f"{k} {duckdb_type(v)}" for k, v in kind.items()) + ")"


def spark_type(kind):
    if kind == S:
        return "STRING"
    if isinstance(kind, list):
        return f"ARRAY<{spark_type(kind[0])}>"
    return "STRUCT<" + ", ".join(f"{k}:{spark_type(v)}" for k, v in kind.items()) + ">"


def run_duckdb(rows, query, out):
    import duckdb
    import sqlglot

    sql = sqlglot.transpile(Path(query).read_text(), read="trino", write="duckdb")[0]
    con = duckdb.connect()
    columns = "{" + ", ".join(f"'{k}': '{duckdb_type(v)}'" for k, v in TABLE.items()) + "}"
    con.execute(
        f"CREATE VIEW cloudtrail_logs AS SELECT * FROM read_json('{rows}', "
        f"format = 'newline_delimited', columns = {columns})"
    )
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for row in cur.fetchall():
            w.writerow(["" if v is None else v for v in row])


def run_spark(rows, *queries_and_outs):
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("whittle-equivalence")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.driver.host", "127.0.0.1")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    ddl = ", ".join(f"{k} {spark_type(v)}" for k, v in TABLE.items())
    spark.read.schema(ddl).json(rows).createOrReplaceTempView("cloudtrail_logs")
    pairs = iter(queries_and_outs)
    for query, out in zip(pairs, pairs):
        spark.sql(Path(query).read_text()).coalesce(1).write.mode("overwrite").json(out)
    spark.stop()


def parse(dialect, query):
    import sqlglot

    sqlglot.parse_one(Path(query).read_text(), read=dialect)


if __name__ == "__main__":
    verb, args = sys.argv[1], sys.argv[2:]
    {"layout": layout, "duckdb": run_duckdb, "spark": run_spark, "parse": parse}[verb](*args)
