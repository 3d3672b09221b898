//! `whittle check` core: the built-in pack over a generated 5,000-principal snapshot
//! (target: under 5 s on 2 cores).
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use criterion::{criterion_group, criterion_main, Criterion};
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::ingest::aws_authz;
use whittle_engine::rules::{self, evaluate, CheckInput};
use whittle_engine::SourceFile;

#[path = "support/snapshot_gen.rs"]
mod snapshot_gen;

fn bench(c: &mut Criterion) {
    let text = snapshot_gen::snapshot(5_000, 42);
    let catalog = AwsCatalog::embedded();
    let report = aws_authz::load_sources(&[SourceFile::from_text("generated.json", &text)]);
    let (set, diags) = rules::load(&[rules::builtin_dir().to_path_buf()], catalog);
    assert!(diags.is_empty());
    let set = set.expect("built-in pack");
    let input = CheckInput {
        inventory: &report.inventory,
        catalog,
        usage: None,
        now: 1_795_000_000,
    };
    let (findings, _) = evaluate(&set, &input);
    assert!(
        !findings.is_empty(),
        "the generated snapshot over-grants: the pack must find something"
    );
    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.bench_function("built-in pack over 5k principals", |b| {
        b.iter(|| evaluate(&set, &input).0.len())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
