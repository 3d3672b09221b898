//! Parsing throughput of one CloudTrail delivery file (decompressed), per event.
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::ingest::cloudtrail::{parse, Mapper};

fn bench(c: &mut Criterion) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/aws/cloudtrail/delivery-file-mixed-identities.json"
    );
    let one = std::fs::read_to_string(path).expect("fixture");
    let v: serde_json::Value = serde_json::from_str(&one).expect("json");
    let records = v["Records"].as_array().cloned().unwrap_or_default();
    // ~1,600 records, like a busy 5-minute delivery file
    let many: Vec<_> = records.iter().cycle().take(1_600).cloned().collect();
    let text = serde_json::to_vec(&serde_json::json!({ "Records": many })).expect("json");
    let mut group = c.benchmark_group("cloudtrail");
    group.throughput(Throughput::Elements(1_600));
    group.bench_function("parse+aggregate 1600 records", |b| {
        let mut mapper = Mapper::new(AwsCatalog::embedded());
        b.iter(|| parse("bench.json", &text, &mut mapper).summary.events)
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
