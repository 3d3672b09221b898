use crate::cli::{EventsArgs, EventsFormat};
use crate::{exit, render};
use whittle_engine::model::time::{parse_date, parse_time, Epoch, DAY};
use whittle_engine::usage::JournalQuery;

/// A day (`YYYY-MM-DD`: its start, or with `end` the start of the next day) or a date-time.
fn instant(s: &str, end: bool) -> Option<Epoch> {
    match parse_date(s) {
        Some(day) if s.len() == 10 => Some(if end { day + DAY } else { day }),
        _ => parse_time(s),
    }
}

pub fn run(a: EventsArgs) -> miette::Result<u8> {
    let mut bounds = [None, None];
    for (i, (given, end)) in [(&a.since, false), (&a.until, true)]
        .into_iter()
        .enumerate()
    {
        if let Some(s) = given {
            match instant(s, end) {
                Some(t) => bounds[i] = Some(t),
                None => {
                    crate::diagnostics::bad_date(s);
                    return Ok(exit::INPUT_ERROR);
                }
            }
        }
    }
    let query = JournalQuery {
        principal: a.principal,
        operation: a.action,
        resource: a.resource,
        since: bounds[0],
        until: bounds[1],
        class: a.class,
    };
    let (rules, _) = crate::cli::rules_or_default(&a.rules);
    let (events, diags) = whittle_engine::events(&a.db, &query, &rules)?;
    // the journal is answered whatever the rules say; their problems are said
    crate::diagnostics::rule_diagnostics(&diags);
    match a.format {
        EventsFormat::Text => render::events_text(&events)?,
        EventsFormat::Json => render::events_json(&events)?,
        EventsFormat::Jsonl => render::events_jsonl(&events)?,
    }
    Ok(exit::CLEAN)
}
