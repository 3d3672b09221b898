use super::*;

fn read(text: &str) -> FileOutcome {
    let mut out = FileOutcome::empty("audit.jsonl");
    parse("audit.jsonl", text, GcpCatalog::embedded(), &mut out);
    out
}

fn fixture(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/gcp/audit")
        .join(name);
    std::fs::read_to_string(p).expect("fixture")
}

/// (principal, permission, resource) → (allowed, denied), by name.
fn uses(s: &UsageSummary) -> Vec<(String, String, String, u64, u64)> {
    let c = GcpCatalog::embedded();
    let mut v: Vec<_> = s
        .usage
        .iter()
        .map(|((p, a, r), st)| {
            (
                s.principals[p].1.clone(),
                c.name(a.id).to_string(),
                s.resources[r].clone(),
                st.count,
                st.denied,
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_sink_export_gives_uses_sessions_denials_and_coverage() {
    let out = read(&fixture("sink-export-activity-and-data-access.jsonl"));
    assert!(out.failed.is_none() && out.recognised);
    // the non-audit line is not counted; the truncated line and the one without a time are
    // record errors, each with its line
    assert_eq!(out.unrecognised, 1);
    assert_eq!(out.skipped_records, 2);
    let errors: Vec<String> = out.record_errors.iter().map(ToString::to_string).collect();
    assert!(
        errors[0].contains("line 10") && errors[0].contains("invalid JSON"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("line 11") && errors[1].contains("no `timestamp`"),
        "{errors:?}"
    );
    let s = &out.summary;
    assert_eq!((s.events, s.denied_events), (8, 1));
    let u = uses(s);
    let has = |p: &str, a: &str, r: &str, ok: u64, no: u64| {
        u.contains(&(p.into(), a.into(), r.into(), ok, no))
    };
    assert!(
        has(
            "user:alice@example.com",
            "storage.objects.get",
            "projects/_/buckets/demo-app-logs/objects/2026/11/01.log",
            1,
            0
        ),
        "{u:#?}"
    );
    let sa = "serviceAccount:ci-deployer@demo-app-prod.iam.gserviceaccount.com";
    assert!(
        has(
            sa,
            "compute.instances.create",
            "projects/demo-app-prod/zones/us-central1-a/instances/web-1",
            1,
            0
        ),
        "{u:#?}"
    );
    assert!(
        has(
            sa,
            "compute.disks.create",
            "projects/demo-app-prod/zones/us-central1-a/disks/web-1",
            1,
            0
        ),
        "{u:#?}"
    );
    // a refused call is a denied use, never a use
    assert!(
        has(
            "user:bob@example.com",
            "resourcemanager.projects.setIamPolicy",
            "projects/demo-app-prod",
            0,
            1
        ),
        "{u:#?}"
    );
    // impersonation: the service account's permission, the impersonator kept as the session
    let sessions: Vec<&String> = s.session_names.values().collect();
    assert_eq!(sessions, [&"impersonated by alice@example.com".to_string()]);
    // no authorizationInfo, an unknown permission: unmapped; anonymous: needs no one's permission
    let unmapped: Vec<(&str, &str)> = s
        .unmapped
        .keys()
        .map(|(_, a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert!(
        unmapped.contains(&("compute.googleapis.com", "v1.compute.instances.insert")),
        "{unmapped:?}"
    );
    assert!(
        unmapped.contains(&("newproduct.googleapis.com", "newproduct.things.create")),
        "{unmapped:?}"
    );
    assert_eq!(s.permissionless.len(), 1);
    // coverage: data access vs admin activity, zones folded into their region
    let cells: Vec<(String, String, LogClass)> = s
        .coverage
        .keys()
        .map(|c| (c.location.clone(), c.service.clone(), c.class))
        .collect();
    assert!(
        cells.contains(&("us-central1".into(), "storage".into(), LogClass::Data)),
        "{cells:?}"
    );
    assert!(
        cells.contains(&("us-central1".into(), "compute".into(), LogClass::Management)),
        "{cells:?}"
    );
    assert!(s
        .coverage
        .keys()
        .all(|c| c.provider == Provider::Gcp && c.scope == "demo-app-prod"));
}

#[test]
fn gcloud_logging_read_prints_an_array() {
    let out = read(&fixture("gcloud-logging-read.json"));
    assert!(out.recognised && out.skipped_records == 0);
    assert_eq!(out.summary.events, 2);
    assert!(uses(&out.summary)
        .iter()
        .any(|u| u.1 == "iam.serviceAccountKeys.create"));
}

#[test]
fn zones_fold_into_regions() {
    for (l, r) in [
        ("us-central1-a", "us-central1"),
        ("europe-west4-c", "europe-west4"),
        ("us", "us"),
        ("global", "global"),
        ("asia-northeast1", "asia-northeast1"),
    ] {
        assert_eq!(region_of(l), r);
    }
}

/// Real entries from public projects (`$WHITTLE_DATASETS`): every audit entry is read; skipped
/// when unset.
#[test]
fn conformance_real_gcp_audit_entries() {
    let Some(root) = std::env::var_os("WHITTLE_DATASETS").map(std::path::PathBuf::from) else {
        return;
    };
    let mut events = 0;
    // `gcloud logging read` output: every entry read
    let text =
        std::fs::read_to_string(root.join("plaso-test-data/gcp_logging.jsonl")).expect("plaso");
    let out = read(&text);
    assert!(out.failed.is_none() && out.summary.events > 0);
    assert_eq!(out.skipped_records, 0, "{:?}", out.record_errors);
    events += out.summary.events;
    // Panther's test events are its own normalised form (`p_event_time`, mostly no `timestamp`):
    // read without a panic, each entry that cannot be used named with its line
    let text = std::fs::read_to_string(
        root.join("panther-analysis-test-events/GCP_AuditLog.events.jsonl"),
    )
    .expect("panther");
    let out = read(&text);
    assert!(out.failed.is_none());
    assert!(out.summary.events + out.skipped_records + out.unrecognised > 100);
    assert!(out
        .record_errors
        .iter()
        .all(|e| e.json_path.starts_with("line ")));
    let dir = root.join("cloud-custodian/gcp/audit-events");
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        let out = read(&text.replace('\n', " "));
        assert!(out.failed.is_none(), "{}", e.path().display());
        events += out.summary.events;
    }
    assert!(events > 40, "{events}");
}
