//! A CloudTrail file of any shape (delivery file, JSON lines, lookup-events, EventBridge, a
//! record): summarising never panics, and record errors render.
#![no_main]
use libfuzzer_sys::fuzz_target;
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::ingest::cloudtrail::{parse, Mapper};

fuzz_target!(|data: &[u8]| {
    let mut mapper = Mapper::new(AwsCatalog::embedded());
    let out = parse("fuzz.json", data, &mut mapper);
    for e in out.failed.iter().chain(&out.record_errors) {
        let _ = format!("{:?}", miette::Report::new(e.clone()));
    }
});
