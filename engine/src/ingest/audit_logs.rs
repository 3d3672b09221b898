//! Audit logs of any provider, told apart by content: CloudTrail delivery files (by their object
//! name, or as the fallback) and Cloud Audit Logs entries (GCP), so `whittle ingest` needs no
//! flag to read either, or both in one run.

use super::cloudtrail::{self, CloudTrail, Mapper};
use super::gcp_audit;
use super::log_source::{FileOutcome, LogObject, LogSource, Skipped};
use crate::source::InputError;
use std::io::Read;
use std::path::{Path, PathBuf};

/// CloudTrail and Cloud Audit Logs.
pub struct AuditLogs<'c> {
    cloudtrail: CloudTrail<'c>,
}

impl<'c> AuditLogs<'c> {
    /// Reads CloudTrail with `cloudtrail` (and its journal), Cloud Audit Logs beside it.
    pub fn new(cloudtrail: CloudTrail<'c>) -> Self {
        AuditLogs { cloudtrail }
    }
}

/// The first bytes of a file, decompressed when it is gzipped.
fn head(path: &Path) -> std::io::Result<String> {
    let mut raw = Vec::with_capacity(16 << 10);
    std::fs::File::open(path)?
        .take(16 << 10)
        .read_to_end(&mut raw)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(16 << 10);
        // a truncated stream still yields its first bytes; what fails is read whole later
        let _ = flate2::read::MultiGzDecoder::new(&raw[..])
            .take(16 << 10)
            .read_to_end(&mut out);
        raw = out;
    }
    Ok(String::from_utf8_lossy(&raw).into_owned())
}

/// True when `obj` holds Cloud Audit Logs entries. CloudTrail's own delivery files (named
/// `…_CloudTrail_…`) are not opened to find out.
fn is_gcp(obj: &LogObject) -> bool {
    !obj.key.starts_with("cloudtrail:") && head(&obj.path).is_ok_and(|h| gcp_audit::looks_like(&h))
}

/// Reads a Cloud Audit Logs object whole.
fn read_gcp(obj: &LogObject) -> FileOutcome {
    let path = obj.path.display().to_string();
    let (mut raw, mut buf) = (Vec::new(), Vec::new());
    if let Err(e) = cloudtrail::load(&obj.path, &mut raw, &mut buf) {
        return FileOutcome::failed(obj, InputError::plain(&path, e));
    }
    match std::str::from_utf8(&buf) {
        Ok(text) => gcp_audit::read_object(obj, text),
        Err(e) => FileOutcome::failed(
            obj,
            InputError::plain(&path, format!("not UTF-8 text: {e}")),
        ),
    }
}

impl LogSource for AuditLogs<'_> {
    type Reader<'a>
        = Mapper<'a>
    where
        Self: 'a;

    fn name(&self) -> &'static str {
        self.cloudtrail.name()
    }

    fn discover(&self, paths: &[PathBuf]) -> (Vec<LogObject>, Vec<Skipped>) {
        self.cloudtrail.discover(paths)
    }

    fn reader(&self) -> Mapper<'_> {
        self.cloudtrail.reader()
    }

    fn read(&self, object: &LogObject, reader: &mut Mapper<'_>) -> FileOutcome {
        if is_gcp(object) {
            let mut out = read_gcp(object);
            out.format = Some("gcp-audit");
            return out;
        }
        cloudtrail::read_object(object, reader)
    }
}
