//! A Cedar rule file: parsing, annotation checks, strict validation and the catalog lint never
//! panic; diagnostics render.
#![no_main]
use libfuzzer_sys::fuzz_target;
use whittle_engine::catalog::AwsCatalog;
use whittle_engine::rules;
use whittle_engine::SourceFile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (_, diags) =
        rules::load_sources(&[SourceFile::from_text("fuzz.cedar", text)], AwsCatalog::embedded());
    for d in &diags {
        let _ = format!("{:?}", miette::Report::new(d.clone()));
    }
});
