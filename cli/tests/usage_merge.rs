//! `whittle usage merge`: stores built from parts of a trail merge into exactly the store the
//! whole trail makes — usage, sessions, coverage, unmapped events, log objects and the journal —
//! a log object two shards ingested counts once, and a shard that cannot be merged leaves the
//! output as it was.

use std::path::{Path, PathBuf};

mod common;
use common::{outcome, tmp, whittle};

const TRAIL: &str = "testdata/demo/cloudtrail";

/// Everything a store holds that ingest order cannot change, as sorted text.
fn dump(db: &Path) -> Vec<String> {
    common::store_dump(db, common::STORE_CONTENT)
}

/// The trail's region directories (and the digest directory), in order.
fn parts() -> Vec<PathBuf> {
    let root = common::root().join(TRAIL).join("AWSLogs/111122223333");
    let mut dirs = Vec::new();
    for kind in std::fs::read_dir(&root).expect("dir").flatten() {
        for region in std::fs::read_dir(kind.path()).expect("dir").flatten() {
            dirs.push(region.path());
        }
    }
    dirs.sort();
    dirs
}

fn ingest(db: &Path, paths: &[PathBuf]) {
    let (code, _, err) = outcome(
        whittle()
            .args([
                "ingest",
                "-q",
                "--rules",
                "@builtin",
                "--now",
                "2026-11-25",
                "--db",
            ])
            .arg(db)
            .args(paths),
    );
    assert_eq!(code, Some(0), "{err}");
}

fn merge(out: &Path, shards: &[&Path]) -> (Option<i32>, String, String) {
    outcome(
        whittle()
            .args(["usage", "merge", "--db"])
            .arg(out)
            .args(shards),
    )
}

#[test]
fn shards_merge_into_exactly_the_store_of_the_whole_trail() {
    let dir = tmp("merge-exact");
    let whole = dir.join("whole.db");
    ingest(&whole, &[common::root().join(TRAIL)]);
    let parts = parts();
    assert!(parts.len() >= 3, "{parts:?}");
    let (first, rest) = parts.split_at(1);
    let (a, b) = (dir.join("a.db"), dir.join("b.db"));
    ingest(&a, first);
    ingest(&b, rest);
    let out = dir.join("merged.db");
    let (code, text, err) = merge(&out, &[&a, &b]);
    assert_eq!(code, Some(0), "{err}");
    insta::assert_snapshot!(
        "merge_text",
        text.replace(&dir.display().to_string(), "<tmp>")
    );
    assert_eq!(dump(&out), dump(&whole));
    // merging into an existing store: the same answer, in two steps and the other order
    let stepwise = dir.join("stepwise.db");
    assert_eq!(merge(&stepwise, &[&b]).0, Some(0));
    assert_eq!(merge(&stepwise, &[&a]).0, Some(0));
    assert_eq!(dump(&stepwise), dump(&whole));
}

#[test]
fn a_log_object_two_shards_ingested_counts_once() {
    let dir = tmp("merge-overlap");
    let whole = dir.join("whole.db");
    ingest(&whole, &[common::root().join(TRAIL)]);
    let parts = parts();
    let (a, b) = (dir.join("a.db"), dir.join("b.db"));
    // both shards read the second part (its objects overlap)
    ingest(&a, &parts[..2]);
    ingest(&b, &parts[1..]);
    let out = dir.join("merged.db");
    let (code, out_json, err) = outcome(
        whittle()
            .args(["usage", "merge", "--format", "json", "--db"])
            .arg(&out)
            .arg(&a)
            .arg(&b),
    );
    assert_eq!(code, Some(0), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out_json).expect("json");
    let overlapping = report["shards"][1]["overlapping"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0);
    assert!(overlapping > 0, "{report:#}");
    assert_eq!(dump(&out), dump(&whole));
}

#[test]
fn what_cannot_be_merged_leaves_the_output_as_it_was() {
    let dir = tmp("merge-refused");
    let logs = dir.join("logs");
    // a copy of one part, so its files can be taken away
    let part = parts().remove(1);
    let rel = part
        .strip_prefix(common::root().join(TRAIL))
        .expect("under the trail");
    for f in common::walk(&part) {
        let to = logs.join(rel).join(f.strip_prefix(&part).expect("under"));
        std::fs::create_dir_all(to.parent().expect("parent")).expect("dir");
        std::fs::copy(&f, &to).expect("copy");
    }
    let (a, b) = (dir.join("a.db"), dir.join("b.db"));
    ingest(&a, std::slice::from_ref(&logs));
    ingest(&b, std::slice::from_ref(&logs));
    let out = dir.join("merged.db");
    assert_eq!(merge(&out, &[&a]).0, Some(0));
    let before = dump(&out);
    // the overlapping objects cannot be read again
    std::fs::remove_dir_all(&logs).expect("rm");
    let (code, _, err) = merge(&out, &[&b]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("was ingested by an earlier shard too"),
        "{err}"
    );
    assert!(err.contains("cannot be read"), "{err}");
    assert!(err.contains("nothing was merged"), "{err}");
    assert_eq!(dump(&out), before);
    // a store of another schema version
    let old = dir.join("old.db");
    std::fs::copy(&a, &old).expect("copy");
    rusqlite::Connection::open(&old)
        .and_then(|c| {
            c.execute(
                "UPDATE meta SET value = '3' WHERE key = 'schema_version'",
                [],
            )
        })
        .expect("edit");
    let (code, _, err) = merge(&out, &[&old]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("schema version 3"), "{err}");
    assert_eq!(dump(&out), before);
    // not a store at all, and the output itself
    let junk = dir.join("junk.db");
    std::fs::write(&junk, "not sqlite").expect("write");
    assert_eq!(merge(&out, &[&junk]).0, Some(2));
    let (code, _, err) = merge(&out, &[&out]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(dump(&out), before);
    assert!(
        std::fs::read_dir(&dir)
            .expect("dir")
            .flatten()
            .all(|e| !e.file_name().to_string_lossy().contains(".merging-")),
        "no temporary store is left behind"
    );
}

#[test]
fn a_store_migrated_from_version_1_merges_with_its_legacy_totals_and_an_unmigrated_one_is_refused()
{
    let dir = tmp("merge-v1");
    let v1 = dir.join("v1.db");
    std::fs::copy(
        common::root().join("testdata/usage/store-v1-four-days-and-mixed-identities.db"),
        &v1,
    )
    .expect("copy");
    let out = dir.join("merged.db");
    let (code, _, err) = merge(&out, &[&v1]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("schema version 1"), "{err}");
    assert!(!out.exists());
    // reading it once migrates it in place; then it merges, legacy per-service totals included
    let summary = |db: &Path| {
        let (code, text, err) = outcome(
            whittle()
                .args(["usage", "summary", "--format", "json", "--db"])
                .arg(db),
        );
        assert_eq!(code, Some(0), "{err}");
        let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
        if let Some(o) = v.as_object_mut() {
            // where it is, and whether it was itself migrated, differ by design
            o.remove("db");
            o.remove("migrated_from");
        }
        v
    };
    let migrated = summary(&v1);
    assert_eq!(merge(&out, &[&v1]).0, Some(0));
    let merged = summary(&out);
    assert!(
        merged.to_string().contains("v1_service_totals"),
        "{merged:#}"
    );
    assert_eq!(merged, migrated);
}
