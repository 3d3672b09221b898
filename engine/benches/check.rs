//! `whittle check` core: the built-in pack over a generated 5,000-principal snapshot
//! (target: no regression from 2.9 s on 2 cores), and `check` and `inventory` over a
//! real-account-shaped snapshot whose AWS-managed policies name retired actions (target: under
//! 100 ms each). The latter snapshot is also written to `target/bench-real-account.json` so the
//! whole command can be timed (`hyperfine`, see docs/benchmarks.md).
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
    let nothing_planned = std::collections::BTreeSet::new();
    let input = CheckInput {
        inventory: &report.inventory,
        catalog,
        usage: None,
        now: 1_795_000_000,
        planned: &nothing_planned,
        gcp: None,
        azure: None,
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

    let real = snapshot_gen::real_account_shaped(7);
    let out =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench-real-account.json");
    let _ = std::fs::write(out, &real);
    let mut group = c.benchmark_group("real-account-shaped");
    group.bench_function("check: load + built-in pack", |b| {
        b.iter(|| {
            let report = aws_authz::load_sources(&[SourceFile::from_text("real.json", &real)]);
            let input = CheckInput {
                inventory: &report.inventory,
                catalog,
                usage: None,
                now: 1_795_000_000,
                planned: &nothing_planned,
                gcp: None,
                azure: None,
            };
            evaluate(&set, &input).0.len()
        })
    });
    group.bench_function("inventory: load + admins + unknown actions shown", |b| {
        b.iter(|| {
            let load = aws_authz::load_sources(&[SourceFile::from_text("real.json", &real)]);
            let report = whittle_engine::inventory_of(load);
            assert!(
                !report.unknown.is_empty(),
                "the snapshot names retired actions"
            );
            // what `inventory` prints: every unknown action with its closest name
            let hints: usize = report
                .unknown
                .iter()
                .map(|u| catalog.suggest(&u.pattern, 1).len())
                .sum();
            report.admins.len() + hints
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
