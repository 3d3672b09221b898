//! Every check against its fixtures in `testdata/aws/validation/<check id>/`: each `fail*.json`
//! must draw a finding of that check, each `pass*.json` none. The file name says the policy
//! type (`fail.identity.json`, `pass.trust.json`).

use super::*;
use crate::source::SourceFile;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/aws/validation")
}

fn kind_of(path: &Path) -> DocumentKind {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if name.contains(".trust.") {
        DocumentKind::Trust
    } else if name.contains(".resource.") {
        DocumentKind::Resource
    } else {
        DocumentKind::Identity
    }
}

/// The findings of validating the file at `path` (a document that does not parse: its syntax
/// finding).
fn findings_of(path: &Path) -> Vec<Finding> {
    let file = SourceFile::read(path).expect("fixture");
    let kind = kind_of(path);
    let location = file.location(String::new(), None);
    let parsed = PolicyDocument::parse(&file.text, DocumentKind::AsGiven);
    let policy = ("policy.json", "policy.json", PolicyKind::CustomerManaged);
    match &parsed {
        Ok(doc) => validate(
            AwsCatalog::embedded(),
            &Subject {
                doc,
                kind,
                policy,
                location: &location,
                text: Some(&file.text),
                holder: "",
            },
        ),
        Err(e) => vec![syntax(e, policy, &location, Some(&file.text), "")],
    }
}

#[test]
fn every_check_flags_its_failing_fixtures_and_not_its_passing_ones() {
    let mut problems = Vec::new();
    // checks only a plan can trigger, tested on plans (ingest/terraform_plan)
    let plan_only = [checks::KNOWN_AFTER_APPLY.id, checks::ATTACHED_NOT_READ.id];
    for check in checks::ALL.iter().filter(|c| !plan_only.contains(&c.id)) {
        let dir = root().join(check.id);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        let (mut fails, mut passes) = (0, 0);
        for f in &files {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let found: Vec<Finding> = findings_of(f)
                .into_iter()
                .filter(|x| x.rule == check.id)
                .collect();
            if name.starts_with("fail") {
                fails += 1;
                if found.is_empty() {
                    problems.push(format!("{}: no `{}` finding", f.display(), check.id));
                }
            } else {
                passes += 1;
                if let Some(x) = found.first() {
                    problems.push(format!(
                        "{}: unexpected `{}`: {}",
                        f.display(),
                        check.id,
                        x.message
                    ));
                }
            }
        }
        if fails == 0 || passes == 0 {
            problems.push(format!("{}: needs a fail and a pass fixture", check.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn passing_fixtures_draw_no_finding_of_any_check() {
    // a fixture that passes its own check should be clean altogether, or say why not here
    let mut noisy = Vec::new();
    for check in checks::ALL
        .iter()
        .filter(|c| c.id != checks::KNOWN_AFTER_APPLY.id && c.id != checks::ATTACHED_NOT_READ.id)
    {
        for e in std::fs::read_dir(root().join(check.id)).expect("dir") {
            let f = e.expect("entry").path();
            let name = f
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if !name.starts_with("pass") {
                continue;
            }
            for x in findings_of(&f) {
                noisy.push(format!("{}: {} {}", f.display(), x.rule, x.message));
            }
        }
    }
    assert!(noisy.is_empty(), "{}", noisy.join("\n"));
}

#[test]
fn findings_point_at_the_offending_value() {
    let f = findings_of(&root().join("policy-unknown-action/fail.identity.json"));
    let x = f
        .iter()
        .find(|x| x.rule == "policy-unknown-action")
        .expect("finding");
    assert!(
        x.message.contains("did you mean `s3:GetObject`"),
        "{}",
        x.message
    );
    let loc = &x.granted_by.as_ref().expect("origin").location;
    let text = std::fs::read_to_string(root().join("policy-unknown-action/fail.identity.json"))
        .expect("fixture");
    let span = loc.span.clone().expect("span");
    assert_eq!(&text[span], "s3:GetObjct");
    assert_eq!((loc.line, loc.column), (Some(7), Some(10)));
    let s = findings_of(&root().join("policy-syntax/fail.identity.json"));
    assert_eq!(s.len(), 1);
    assert!(s[0].message.contains("Condtion"), "{}", s[0].message);
    assert_eq!(
        s[0].granted_by.as_ref().and_then(|o| o.location.line),
        Some(4)
    );
}

#[test]
fn docs_list_every_check_with_its_severity() {
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/validation.md"),
    )
    .expect("docs/validation.md");
    for c in checks::ALL {
        let row = format!("| `{}` | {} |", c.id, c.severity.as_str());
        assert!(docs.contains(&row), "docs/validation.md lacks `{row}`");
    }
}
