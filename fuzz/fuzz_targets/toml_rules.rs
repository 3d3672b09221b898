//! A TOML rule file (settings, risks, combinations, unused rules, keep, exemptions, tests):
//! loading, validating and running its tests never panic; diagnostics render.
#![no_main]
use libfuzzer_sys::fuzz_target;
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::rules;
use whittle_engine::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let catalog = AwsCatalog::embedded();
    let (set, diags) = rules::load_sources(&[SourceFile::from_text("fuzz.toml", text)], catalog);
    for d in &diags {
        let _ = format!("{:?}", miette::Report::new(d.clone()));
    }
    if let Some(set) = set {
        let _ = rules::run_tests(&set, catalog);
    }
});
