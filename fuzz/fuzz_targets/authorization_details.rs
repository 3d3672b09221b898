//! `get-account-authorization-details` output: loading never panics, and every error renders
//! with its snippet.
#![no_main]
use libfuzzer_sys::fuzz_target;
use whittle_engine::ingest::aws_authz;
use whittle_engine::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let report = aws_authz::load_sources(&[SourceFile::from_text("fuzz.json", text)]);
    for e in report.errors.iter().chain(&report.warnings) {
        let _ = format!("{:?}", miette::Report::new(e.clone()));
    }
    let _ = whittle_engine::inventory_of(report);
});
