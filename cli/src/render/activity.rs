//! Text of the activity journal: `events`, `usage prune`.

use super::json::outcome;
use std::io::{self, Write};
use whittle_engine::model::time::iso;
use whittle_engine::model::JournalEntry;

/// Each event on three lines: when, what and how it ended; who (and who behind), from where;
/// on what, of which classes.
pub fn events(w: &mut dyn Write, events: &[JournalEntry]) -> io::Result<()> {
    if events.is_empty() {
        return writeln!(w, "no journal entries match");
    }
    for e in events {
        let code = e
            .error_code
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        writeln!(w, "{}  {}  {}{code}", iso(e.time), e.operation, outcome(e))?;
        let behind = e
            .actor
            .as_deref()
            .map(|a| format!(" as {a}"))
            .unwrap_or_default();
        let from = e
            .source_ip
            .as_deref()
            .map(|ip| format!(" from {ip}"))
            .unwrap_or_default();
        writeln!(
            w,
            "    by {}{behind}{from}  ({} {})",
            e.principal, e.scope, e.location
        )?;
        if let Some(o) = &e.owner {
            writeln!(w, "    owner: {}", super::text::owner_text(o))?;
        }
        if !e.resources.is_empty() {
            writeln!(w, "    on {}", e.resources.join(", "))?;
        }
        writeln!(w, "    {}  event {}", e.classes.join(", "), e.event_id)?;
    }
    writeln!(w, "{} event(s)", events.len())
}

pub fn prune(
    w: &mut dyn Write,
    db: &std::path::Path,
    r: &whittle_engine::PruneReport,
) -> io::Result<()> {
    if r.retention_days == 0 {
        return writeln!(w, "no retention: nothing pruned from {}", db.display());
    }
    writeln!(
        w,
        "pruned {} journal entr{} before {} (retention {} days) from {}",
        r.pruned,
        if r.pruned == 1 { "y" } else { "ies" },
        iso(r.cutoff),
        r.retention_days,
        db.display()
    )?;
    match r.span {
        (Some(first), Some(last)) => writeln!(
            w,
            "{} kept, {} … {}; usage aggregates are not pruned",
            r.kept,
            iso(first),
            iso(last)
        ),
        _ => writeln!(w, "the journal is empty; usage aggregates are not pruned"),
    }
}
