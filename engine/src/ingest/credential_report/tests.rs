use super::*;
use crate::model::time::parse_time;

fn fixture() -> CredentialReport {
    load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/aws/credential-report/stale-password-and-keys-and-one-bad-time.csv"),
    )
}

#[test]
fn active_credentials_are_read_with_their_last_use() {
    let r = fixture();
    assert_eq!(r.users, 5);
    let of = |user: &str, kind| {
        r.credentials
            .iter()
            .find(|c| c.user == user && c.kind == kind)
            .unwrap_or_else(|| panic!("{user} {kind:?}"))
    };
    assert_eq!(
        of("legacy-ops", CredentialKind::Password).last_used,
        parse_time("2026-03-14T11:20:00+00:00")
    );
    let key2 = of("legacy-ops", CredentialKind::AccessKey2);
    assert_eq!(key2.last_used, None, "never used");
    assert_eq!(key2.since, parse_time("2025-12-01T10:00:00+00:00"));
    assert!(!r
        .credentials
        .iter()
        .any(|c| c.user == "build-bot" && c.kind == CredentialKind::Password));
    assert!(
        !r.credentials.iter().any(|c| c.user == "<root_account>"),
        "no active root credential"
    );
}

#[test]
fn a_bad_time_names_the_row_and_column_and_the_rest_is_read() {
    let r = fixture();
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    let e = r.errors[0].to_string();
    assert!(e.contains("row 6, column user_creation_time"), "{e}");
    assert_eq!((r.errors[0].line, r.errors[0].column), (Some(6), Some(54)));
    assert!(e.contains("`yesterday` is not a time"), "{e}");
    assert!(r.credentials.iter().any(|c| c.user == "broken-row"));
}

#[test]
fn the_json_of_get_credential_report_is_accepted() {
    use base64::Engine as _;
    let csv = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testdata/aws/credential-report/stale-password-and-keys-and-one-bad-time.csv"),
    )
    .expect("fixture");
    let json = format!(
        r#"{{"Content": "{}", "ReportFormat": "text/csv", "GeneratedTime": "2026-11-25T00:00:00Z"}}"#,
        base64::engine::general_purpose::STANDARD.encode(&csv)
    );
    let r = parse(&SourceFile::from_text("report.json", &json));
    assert_eq!(r.users, 5);
    assert_eq!(r.credentials.len(), fixture().credentials.len());
    // as some tools save it: `Content` already decoded
    let decoded = serde_json::json!({ "Content": csv }).to_string();
    let r = parse(&SourceFile::from_text("report.json", &decoded));
    assert_eq!(r.credentials.len(), fixture().credentials.len());
}

#[test]
fn other_files_are_refused_with_what_is_missing() {
    let r = parse(&SourceFile::from_text("x.csv", "a,b\n1,2\n"));
    assert_eq!(r.credentials.len(), 0);
    assert!(
        r.errors[0]
            .to_string()
            .contains("the header lacks user, arn"),
        "{:?}",
        r.errors
    );
    let r = parse(&SourceFile::from_text("x.json", "{\"Content\": \"@@@\"}"));
    assert!(
        r.errors[0].to_string().contains("not base64"),
        "{:?}",
        r.errors
    );
}
