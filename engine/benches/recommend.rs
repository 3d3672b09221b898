//! `whittle recommend` end to end from a populated store: 1,000 principals of a generated
//! snapshot and 1,000,000 usage rows (1,000 each, on the permissions they hold and on resources
//! of their own), 90 days of coverage. Target: under 10 s on 2 cores. The snapshot and store are
//! built once under `target/bench-recommend/` so the whole command can be timed too
//! (`whittle recommend --snapshot target/bench-recommend/snapshot.json --db
//! target/bench-recommend/usage.db --now 2026-11-25 --format json > /dev/null`).
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::{Path, PathBuf};
use whittle_engine::catalog::{AwsCatalog, Registry};
use whittle_engine::ingest::aws_authz;
use whittle_engine::model::time::{parse_date, DAY};
use whittle_engine::model::{LogClass, PermissionRef, Provider, UsageSummary};
use whittle_engine::usage::{NoProgress, Store};
use whittle_engine::{recommend, resolve_all, EvidenceRequest, RecommendRequest};

#[path = "support/snapshot_gen.rs"]
mod snapshot_gen;

const PRINCIPALS: usize = 1_000;
const ROWS_EACH: usize = 1_000;

fn fixture() -> (PathBuf, PathBuf) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-recommend");
    let snapshot = dir.join("snapshot.json");
    let db = dir.join("usage.db");
    let done = dir.join("done");
    if done.exists() {
        return (snapshot, db);
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench dir");
    let text = snapshot_gen::snapshot(PRINCIPALS, 42);
    std::fs::write(&snapshot, &text).expect("snapshot written");
    let catalog = AwsCatalog::embedded();
    let loaded = aws_authz::load_files(std::slice::from_ref(&snapshot));
    let now = parse_date("2026-11-25").expect("date");
    let mut rng = snapshot_gen::Rng::new(7);
    let mut batch = UsageSummary::default();
    for e in resolve_all(catalog, &loaded.inventory) {
        let held: Vec<_> = e.held(catalog).iter().collect();
        if held.is_empty() {
            continue;
        }
        let p = batch.principal(Provider::Aws, &e.principal, "role");
        for i in 0..ROWS_EACH {
            let a = held[rng.below(held.len())];
            let action = catalog.action(a);
            let resource = if action.scopable() {
                format!(
                    "arn:aws:{}:eu-west-1:111122223333:thing/{}/{i}",
                    action.prefix(),
                    e.principal.rsplit('/').next().unwrap_or("p")
                )
            } else {
                "*".to_string()
            };
            let at = now - (1 + rng.below(89) as i64) * DAY;
            batch.record(
                p,
                PermissionRef::new(Provider::Aws, a),
                &resource,
                whittle_engine::model::Calls::one(at),
                false,
            );
        }
    }
    for day in 1..=95 {
        let at = now - day * DAY;
        for (service, class) in [
            ("sts", LogClass::Management),
            ("s3", LogClass::Data),
            ("dynamodb", LogClass::Data),
        ] {
            batch.cover(
                Provider::Aws,
                "111122223333",
                "eu-west-1",
                service,
                class,
                at,
            );
        }
    }
    let mut store = Store::open(&db).expect("store");
    store
        .commit(&batch, &[], "bench", Registry::embedded(), now)
        .expect("committed");
    std::fs::write(&done, "").expect("marker");
    (snapshot, db)
}

fn bench(c: &mut Criterion) {
    let (snapshot, db) = fixture();
    let req = RecommendRequest {
        evidence: EvidenceRequest {
            snapshots: vec![snapshot],
            db: Some(db),
            logs: Vec::new(),
            rules: vec![PathBuf::from("@builtin")],
            window_days: None,
            now: parse_date("2026-11-25").expect("date"),
        },
        principal: None,
        resources: None,
        credential_report: None,
        progress: &NoProgress,
    };
    let report = recommend(&req).expect("runs");
    assert!(report.proposals.len() >= PRINCIPALS / 2);
    assert!(report.proposals.iter().all(|p| p.safe()));
    let mut group = c.benchmark_group("recommend");
    group.sample_size(10);
    group.bench_function("1k principals, 1M usage rows, from the store", |b| {
        b.iter(|| recommend(&req).expect("runs").proposals.len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
