//! Effective permissions of a generated 5,000-principal snapshot (target: under 2 s on one core).
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use criterion::{criterion_group, criterion_main, Criterion};
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::ingest::aws_authz;
use whittle_engine::{resolve_all, SourceFile};

#[path = "support/snapshot_gen.rs"]
mod snapshot_gen;

fn bench(c: &mut Criterion) {
    let text = snapshot_gen::snapshot(5_000, 42);
    let source = SourceFile::from_text("generated.json", &text);
    let catalog = AwsCatalog::embedded();
    let report = aws_authz::load_sources(std::slice::from_ref(&source));
    assert!(report.errors.is_empty(), "{:?}", report.errors.first());
    let mut group = c.benchmark_group("effective");
    group.sample_size(10);
    group.bench_function("load 5k-principal snapshot", |b| {
        b.iter(|| aws_authz::load_sources(std::slice::from_ref(&source)))
    });
    group.bench_function("resolve 5k principals", |b| {
        b.iter(|| resolve_all(catalog, &report.inventory))
    });
    group.bench_function("catalog parse", |b| {
        b.iter(|| AwsCatalog::parse(include_str!("../data/aws-iam-catalog.jsonl")).map(|c| c.len()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
