use super::*;
use crate::model::UsageSummary;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/aws/cloudtrail")
        .join(name)
}

fn read(name: &str) -> FileOutcome {
    let path = fixture(name);
    let obj = log_object(path.clone(), name, 0);
    read_object(&obj, &mut Mapper::new(AwsCatalog::embedded()))
}

/// (principal, action, resource) → (allowed, denied), by name.
fn usage(b: &UsageSummary) -> Vec<(String, String, String, u64, u64)> {
    let c = AwsCatalog::embedded();
    let mut v: Vec<_> = b
        .usage
        .iter()
        .map(|((p, a, r), s)| {
            (
                b.principals[p].1.clone(),
                c.action(a.id).name.clone(),
                b.resources[r].clone(),
                s.count,
                s.denied,
            )
        })
        .collect();
    v.sort();
    v
}

fn has(
    u: &[(String, String, String, u64, u64)],
    p: &str,
    a: &str,
    r: &str,
    allowed: u64,
    denied: u64,
) -> bool {
    u.iter()
        .any(|x| x.0 == p && x.1 == a && x.2 == r && x.3 == allowed && x.4 == denied)
}

#[test]
fn delivery_file_attribution_mapping_resources_outcomes() {
    let out = read("delivery-file-mixed-identities.json");
    assert!(
        out.succeeded() && out.record_errors.is_empty(),
        "{:?}",
        out.record_errors
    );
    let b = &out.summary;
    assert_eq!(b.events, 16);
    let u = usage(b);
    let orders = "arn:aws:iam::111122223333:role/app/orders-api";
    // sessions of one role are one principal; object-level resources for object actions
    assert!(
        has(
            &u,
            orders,
            "s3:GetObject",
            "arn:aws:s3:::invoices/2026/10/a.pdf",
            2,
            0
        ),
        "{u:#?}"
    );
    assert!(
        has(&u, orders, "s3:ListBucket", "arn:aws:s3:::invoices", 1, 0),
        "{u:#?}"
    );
    assert!(
        has(
            &u,
            orders,
            "s3:PutObject",
            "arn:aws:s3:::invoices/copy.pdf",
            1,
            0
        ),
        "CopyObject writes: {u:#?}"
    );
    assert!(
        has(
            &u,
            orders,
            "s3:GetObject",
            "arn:aws:s3:::invoices/copy.pdf",
            1,
            0
        ),
        "CopyObject reads too: {u:#?}"
    );
    assert_eq!(b.sessions.len(), 4, "handler-1, handler-2, run-7, audit");
    assert!(has(
        &u,
        "arn:aws:iam::111122223333:role/service/ci-deployer",
        "lambda:UpdateFunctionCode",
        "arn:aws:lambda:eu-west-1:111122223333:function:orders-api",
        1,
        0
    ));
    let alice = "arn:aws:iam::111122223333:user/alice";
    assert!(has(
        &u,
        alice,
        "lambda:InvokeFunction",
        "arn:aws:lambda:eu-west-1:111122223333:function:report",
        1,
        0
    ));
    // denied is never use; other errors are (the call was authorised)
    assert!(has(
        &u,
        alice,
        "iam:CreateUser",
        "arn:aws:iam::111122223333:user/tmp",
        0,
        1
    ));
    assert!(has(
        &u,
        alice,
        "dynamodb:GetItem",
        "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
        1,
        0
    ));
    assert!(has(&u, alice, "cloudwatch:GetMetricData", "*", 1, 0));
    assert_eq!(b.denied_events, 1);
    assert!(has(
        &u,
        "arn:aws:iam::111122223333:root",
        "iam:ListUsers",
        "*",
        1,
        0
    ));
    assert!(has(
        &u,
        "service:cloudtrail.amazonaws.com",
        "s3:PutObject",
        "arn:aws:s3:::trail-bucket/AWSLogs/x.json.gz",
        1,
        0
    ));
    // a caller from another account keeps its own account
    assert!(has(
        &u,
        "arn:aws:iam::444455556666:role/external-auditor",
        "ec2:DescribeInstances",
        "*",
        1,
        0
    ));
    assert!(has(
        &u,
        "arn:aws:sts::111122223333:federated-user/bob",
        "sqs:SendMessage",
        "arn:aws:sqs:eu-west-1:111122223333:jobs",
        1,
        0
    ));
    // sign-in and service events need no permission; unknown events are listed, not guessed
    let pl: Vec<&str> = b
        .permissionless
        .keys()
        .map(|(_, _, n)| n.as_str())
        .collect();
    assert!(
        pl.contains(&"ConsoleLogin") && pl.contains(&"RotateKey"),
        "{pl:?}"
    );
    assert_eq!(
        b.unmapped
            .keys()
            .map(|(_, s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>(),
        ["madeup.amazonaws.com DoSomething"]
    );
    // every emitted action exists in the catalog (ids come from it), coverage splits data from management
    let events = |service: &str, class: LogClass| -> u64 {
        b.coverage
            .iter()
            .filter(|(c, _)| {
                c.scope == "111122223333"
                    && c.location == "eu-west-1"
                    && c.service == service
                    && c.class == class
            })
            .map(|(_, n)| n)
            .sum()
    };
    assert_eq!(
        (
            events("s3", LogClass::Data),
            events("s3", LogClass::Management)
        ),
        (5, 0)
    );
    let all: u64 = b.coverage.values().sum();
    assert_eq!(all, 16);
}

#[test]
fn lookup_events_and_eventbridge_envelopes() {
    let out = read("lookup-events-output.json");
    assert!(
        out.succeeded() && out.record_errors.is_empty(),
        "{:?}",
        out.record_errors
    );
    assert_eq!(out.summary.events, 3);
    assert!(has(
        &usage(&out.summary),
        "arn:aws:iam::111122223333:user/alice",
        "iam:CreateUser",
        "arn:aws:iam::111122223333:user/tmp",
        0,
        1
    ));
    let out = read("eventbridge-envelopes.jsonl");
    assert!(
        out.succeeded() && out.record_errors.is_empty(),
        "{:?}",
        out.record_errors
    );
    assert_eq!(out.summary.events, 2);
    assert!(has(
        &usage(&out.summary),
        "arn:aws:iam::111122223333:user/alice",
        "lambda:InvokeFunction",
        "arn:aws:lambda:eu-west-1:111122223333:function:report",
        1,
        0
    ));
}

#[test]
fn bad_records_are_skipped_with_their_index_and_the_rest_counts() {
    let out = read("records-without-event-name-and-wrong-type.json");
    assert!(out.succeeded());
    assert_eq!(out.skipped_records, 2);
    assert_eq!(out.summary.events, 1);
    let msgs: Vec<String> = out.record_errors.iter().map(|e| e.to_string()).collect();
    assert!(
        msgs[0].contains("record 0") && msgs[0].contains("no `eventName`"),
        "{msgs:?}"
    );
    assert!(
        msgs[1].contains("record 1") && msgs[1].contains("invalid type: integer `5`"),
        "{msgs:?}"
    );

    let out = read("json-lines-with-one-bad-line.jsonl");
    assert!(out.succeeded());
    assert_eq!((out.summary.events, out.skipped_records), (2, 1));
    assert!(
        out.record_errors[0].to_string().contains("line 2"),
        "{}",
        out.record_errors[0]
    );
}

#[test]
fn truncated_gzip_and_invalid_json_fail_the_whole_file() {
    let dir = std::env::temp_dir().join(format!("whittle-ct-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let text = std::fs::read(fixture("delivery-file-mixed-identities.json")).expect("fixture");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &text).expect("gzip");
    let gz = gz.finish().expect("gzip");
    let name = "111122223333_CloudTrail_eu-west-1_20261001T1200Z_TRUNCATEDFIXTURE.json.gz";
    let path = dir.join(name);
    std::fs::write(&path, &gz[..gz.len() / 2]).expect("write");
    let out = read_object(
        &log_object(path.clone(), name, 0),
        &mut Mapper::new(AwsCatalog::embedded()),
    );
    let e = out.failed.expect("truncated gzip fails");
    assert!(e.to_string().contains("gzip"), "{e}");
    assert_eq!(out.summary.events, 0, "nothing from a failed file counts");
    std::fs::write(&path, &gz).expect("write");
    let out = read_object(
        &log_object(path.clone(), name, 0),
        &mut Mapper::new(AwsCatalog::embedded()),
    );
    assert!(out.succeeded());
    assert_eq!(out.summary.events, 16, "the repaired file reads in full");

    let broken = dir.join("broken.json");
    std::fs::write(&broken, b"{\"Records\": [{\"eventName\": \"GetObject\",").expect("write");
    let out = read_object(
        &log_object(broken.clone(), "broken.json", 0),
        &mut Mapper::new(AwsCatalog::embedded()),
    );
    let e = out.failed.expect("invalid JSON fails");
    assert!(
        e.to_string().contains("invalid JSON") && e.line == Some(1),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn discovery_skips_digests_and_non_logs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/demo/cloudtrail");
    let (logs, skipped) = discover(&[root]);
    assert_eq!(logs.len(), 178);
    assert!(logs
        .iter()
        .all(|l| l.key.starts_with("cloudtrail:111122223333_CloudTrail_")));
    assert_eq!(skipped.len(), 1);
    assert_eq!(skipped[0].reason, "CloudTrail digest file");
    let out = read("not-a-cloudtrail-file.json");
    assert!(!out.recognised && out.summary.events == 0);
}

#[test]
fn times_in_every_shape_seen() {
    assert_eq!(parse_time("2026-08-22T10:15:03Z"), Some(1_787_393_703));
    assert_eq!(parse_time("2026-08-22 10:15:03Z"), Some(1_787_393_703));
    assert_eq!(parse_time("2026-08-22T10:15:03.000Z"), Some(1_787_393_703));
    assert_eq!(parse_time("2026-08-22T12:15:03+02:00"), Some(1_787_393_703));
    assert_eq!(
        parse_time("2026-08-22 10:15:03.000000000"),
        Some(1_787_393_703)
    );
    assert_eq!(parse_time("yesterday"), None);
    // the per-day cache gives the same answers, across days and for bad clocks
    let mut m = Mapper::new(AwsCatalog::embedded());
    for t in [
        "2026-08-22T10:15:03Z",
        "2026-08-22T23:59:59Z",
        "2026-08-23T00:00:00Z",
        "2026-08-22 10:15:03Z",
        "2024-02-29T12:00:00Z",
    ] {
        assert_eq!(m.time(t), parse_time(t), "{t}");
    }
    assert_eq!(m.time("2026-08-22T25:00:00Z"), None);
    assert_eq!(m.time("2026-02-30T10:00:00Z"), None);
}

#[test]
fn hostile_input_never_panics() {
    let mut m = Mapper::new(AwsCatalog::embedded());
    // deep nesting once overflowed the stack
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let out = parse("deep.json", deep.as_bytes(), &mut m);
    assert_eq!(out.summary.events, 0);
    assert!(
        out.record_errors
            .iter()
            .any(|e| e.message.contains("nested array")),
        "{:?}",
        out.record_errors
    );
    // odd values where records should be
    let out = parse(
        "odd.json",
        br#"{"Records": [null, 1, "x", [], {"eventName": {}}]}"#,
        &mut m,
    );
    assert_eq!((out.summary.events, out.skipped_records), (0, 5));
    // bytes that are not text
    let out = parse("bin.json", &[0xff, 0xfe, 0x00, 0x81], &mut m);
    assert!(out.failed.is_some());
}

#[test]
fn the_one_pass_and_the_general_reading_keep_the_same_records_whole() {
    use crate::model::{ActivityClass, ActivityRules, Outcome};
    let rules = ActivityRules {
        classes: vec![ActivityClass {
            id: "logging-tampering".into(),
            description: "stops the trail".into(),
            events: vec!["cloudtrail:StopLogging".into()],
            identity_types: Vec::new(),
            mfa: None,
            critical_resources: false,
            outcome: Outcome::Any,
        }],
        critical_resources: Vec::new(),
    };
    let activity = super::activity::Activity::new(&rules);
    let rec = |id: &str, name: &str| {
        format!(
            r#"{{"eventVersion":"1.09","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/a","accountId":"111122223333"}},"eventTime":"2026-11-20T09:05:00Z","eventSource":"cloudtrail.amazonaws.com","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9","requestParameters":{{"name":"t \"quoted\" ]}}"}},"eventID":"{id}","recipientAccountId":"111122223333"}}"#
        )
    };
    let records = [
        rec("e1", "DescribeTrails"),
        rec("e2", "StopLogging"),
        rec("e3", "StopLogging"),
    ];
    let layouts = [
        // CloudTrail's own: read in one pass, records handed out with their text
        format!(r#"{{"Records":[{}]}}"#, records.join(",")),
        format!(
            "{{\n \"Records\" : [\n  {}\n ]\n}}\n",
            records.join(",\n  ")
        ),
        // another key first: read by the general path, records found again by index
        format!(r#"{{"Other":1,"Records":[{}]}}"#, records.join(",")),
    ];
    let mut kept = Vec::new();
    for text in &layouts {
        let mut m = Mapper::with_activity(AwsCatalog::embedded(), &activity);
        let out = parse("layout.json", text.as_bytes(), &mut m);
        assert_eq!((out.summary.events, out.skipped_records), (3, 0), "{text}");
        let journal: Vec<(String, String)> = out
            .summary
            .journal
            .iter()
            .map(|e| {
                (
                    e.event_id.clone(),
                    super::decompress(&e.record).unwrap_or_default(),
                )
            })
            .collect();
        kept.push(journal);
    }
    assert_eq!(
        kept[0],
        [
            ("e2".to_string(), records[1].clone()),
            ("e3".to_string(), records[2].clone())
        ]
    );
    assert_eq!(kept[0], kept[1]);
    assert_eq!(kept[0], kept[2]);
    // not valid after the array: the general path says what is wrong
    let mut m = Mapper::with_activity(AwsCatalog::embedded(), &activity);
    let broken = format!(r#"{{"Records":[{}]"#, records.join(","));
    let out = parse("broken.json", broken.as_bytes(), &mut m);
    assert!(
        out.failed.is_some() || !out.record_errors.is_empty(),
        "{out:?}"
    );
}

/// CloudTrail Insights events carry no `eventName` or `eventSource` of their own (those are in
/// `insightDetails`): they are not calls, and were reported as skipped records.
#[test]
fn insights_events_are_not_calls_and_not_errors() {
    let out = read("insights-events-have-no-event-name.json");
    assert!(out.succeeded());
    assert_eq!(
        (out.skipped_records, out.summary.events),
        (0, 1),
        "{:?}",
        out.record_errors
    );
}
