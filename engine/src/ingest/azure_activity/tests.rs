use super::*;

fn fixture(name: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/azure/activity")
        .join(name);
    std::fs::read_to_string(p).expect("fixture")
}

fn read(text: &str) -> FileOutcome {
    let mut out = FileOutcome::empty("activity.json");
    parse("activity.json", text, AzureCatalog::embedded(), &mut out);
    out
}

fn uses(s: &UsageSummary) -> Vec<(String, String, String, u64, u64)> {
    let c = AzureCatalog::embedded();
    let mut v: Vec<_> = s
        .usage
        .iter()
        .map(|((p, a, r), st)| {
            (
                s.principals[p].1.clone(),
                c.operation(a.id).to_string(),
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
fn az_activity_log_list_records_give_one_use_per_operation() {
    let out = read(&fixture("az-activity-log-list.json"));
    assert!(out.failed.is_none() && out.recognised && out.skipped_records == 0);
    let s = &out.summary;
    // every record is an event; the outcome of an operation is counted once
    assert_eq!((s.events, s.denied_events), (7, 1));
    let u = uses(s);
    let vm = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/app-rg/providers/Microsoft.Compute/virtualMachines/web-1";
    assert!(
        u.contains(&(
            "aaaaaaaa-0000-4000-8000-000000000001".into(),
            "Microsoft.Compute/virtualMachines/write".into(),
            vm.into(),
            1,
            0
        )),
        "{u:#?}"
    );
    assert!(
        u.iter()
            .any(|x| x.0 == "dddddddd-0000-4000-8000-000000000004"
                && x.1 == "Microsoft.Authorization/roleAssignments/write"
                && (x.3, x.4) == (0, 1)),
        "{u:#?}"
    );
    // a conflict is a failure, but not a refusal: no use, no denial
    assert!(
        !u.iter()
            .any(|x| x.1 == "Microsoft.Compute/virtualMachines/delete"),
        "{u:#?}"
    );
    // an application's call; an operation no source names is unmapped
    let app = s
        .principals
        .values()
        .find(|p| p.1 == "bbbbbbbb-0000-4000-8000-000000000002")
        .expect("app");
    assert_eq!(app.2, "service-account");
    assert!(s
        .unmapped
        .keys()
        .any(|(_, ns, op)| ns == "Contoso.Custom" && op == "Contoso.Custom/widgets/write"));
    assert!(s.coverage.keys().all(|c| c.provider == Provider::Azure
        && c.location == "global"
        && c.class == LogClass::Management));
}

#[test]
fn a_diagnostic_settings_export_is_json_lines_and_a_bad_line_is_named() {
    let text = fixture("insights-activity-logs/resourceId=/SUBSCRIPTIONS/11111111-2222-3333-4444-555555555555/y=2026/m=11/d=04/h=10/m=00/PT1H.json");
    let out = read(&text);
    assert_eq!((out.summary.events, out.skipped_records), (2, 1));
    assert!(out.record_errors[0].to_string().contains("line 3"));
    assert_eq!(uses(&out.summary).len(), 1);
    assert!(looks_like(&text));
}

/// Real records from public projects (`$WHITTLE_DATASETS`); skipped when unset.
#[test]
fn conformance_real_activity_log_records() {
    let Some(root) = std::env::var_os("WHITTLE_DATASETS").map(std::path::PathBuf::from) else {
        return;
    };
    // `az monitor activity-log list` output, one record per line
    let text = std::fs::read_to_string(root.join("plaso-test-data/azure_activity_log.jsonl"))
        .expect("plaso");
    assert!(looks_like(&text));
    let out = read(&text);
    assert!(out.failed.is_none() && out.summary.events > 0);
    assert_eq!(out.skipped_records, 0, "{:?}", out.record_errors);
    // Panther's test records: the diagnostic-settings shape; each one that cannot be used named
    let text = std::fs::read_to_string(
        root.join("panther-analysis-test-events/Azure_MonitorActivity.events.jsonl"),
    )
    .expect("panther");
    let out = read(&text);
    assert!(out.failed.is_none());
    assert!(out.summary.events > 50, "{}", out.summary.events);
    assert!(out
        .record_errors
        .iter()
        .all(|e| e.json_path.starts_with("line ")));
}
