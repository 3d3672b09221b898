//! Audit logs of any provider, told apart by content: CloudTrail delivery files (by their object
//! name, or as the fallback), Cloud Audit Logs entries (GCP) and Activity Log records (Azure), so
//! `whittle ingest` needs no flag to read any of them, or all in one run.

use super::cloudtrail::{self, CloudTrail, Mapper};
use super::log_source::{FileOutcome, LogObject, LogSource, Skipped};
use super::{azure_activity, gcp_audit};
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

/// Another provider's logs.
#[derive(Clone, Copy)]
enum Other {
    Gcp,
    Azure,
}

/// Which other provider's logs `obj` holds, if any. CloudTrail's own delivery files (named
/// `…_CloudTrail_…`) are not opened to find out.
fn other(obj: &LogObject) -> Option<Other> {
    if obj.key.starts_with("cloudtrail:") {
        return None;
    }
    let h = head(&obj.path).ok()?;
    if gcp_audit::looks_like(&h) {
        Some(Other::Gcp)
    } else if azure_activity::looks_like(&h) {
        Some(Other::Azure)
    } else {
        None
    }
}

/// Reads another provider's log object whole.
fn read_other(obj: &LogObject, which: Other) -> FileOutcome {
    let path = obj.path.display().to_string();
    let (mut raw, mut buf) = (Vec::new(), Vec::new());
    if let Err(e) = cloudtrail::load(&obj.path, &mut raw, &mut buf) {
        return FileOutcome::failed(obj, InputError::plain(&path, e));
    }
    match std::str::from_utf8(&buf) {
        Ok(text) => match which {
            Other::Gcp => gcp_audit::read_object(obj, text),
            Other::Azure => azure_activity::read_object(obj, text),
        },
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
        if let Some(which) = other(object) {
            let mut out = read_other(object, which);
            out.format = Some(match which {
                Other::Gcp => "gcp-audit",
                Other::Azure => "azure-activity",
            });
            return out;
        }
        cloudtrail::read_object(object, reader)
    }
}
