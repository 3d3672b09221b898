//! An IAM policy document, as JSON or URL-encoded, of any kind: parsing never panics, and an
//! error always renders.
#![no_main]
use libfuzzer_sys::fuzz_target;
use whittle_engine::aws::policy::{DocumentKind, PolicyDocument};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in [DocumentKind::Identity, DocumentKind::Trust, DocumentKind::Resource] {
        if let Err(e) = PolicyDocument::parse_maybe_encoded(text, kind) {
            let _ = format!("{} at {}", e.message, e.json_path);
        }
    }
});
