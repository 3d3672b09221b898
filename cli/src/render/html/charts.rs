//! The report's charts, drawn as inline SVG: horizontal bars (granted against used or
//! proposed), findings per severity, and the coverage timeline. Each chart is an `img` with a
//! title and a description; the tables beside it carry the same numbers for screen readers.

use super::{esc, principal_link};
use std::fmt::Write;
use whittle_engine::model::timeline::CoverageLine;
use whittle_engine::{Reduction, SeverityCount};

const WIDTH: f64 = 760.0;
const LABEL: f64 = 230.0;
const ROW: f64 = 22.0;

/// One bar of a two-part bar chart: the whole and the part of it drawn over it.
pub struct Bar<'a> {
    pub label: &'a str,
    pub href: Option<String>,
    pub whole: usize,
    pub part: usize,
}

/// Bars of `whole` with `part` drawn over each, on one linear scale; `whole_name` and
/// `part_name` name them in the legend and in each bar's tooltip.
pub fn bars(out: &mut String, id: &str, title: &str, bars: &[Bar<'_>], names: (&str, &str)) {
    let (whole_name, part_name) = names;
    // a bar's length is on a logarithmic scale, so that one `Action: *` holder (22,000
    // permissions) beside roles of a few dozen leaves the dozens visible; the part drawn over
    // it is its share, linear within the bar, so that 3 of 22,321 reads as the sliver it is
    let scale = |n: usize| (n as f64 + 1.0).log10();
    let max = scale(
        bars.iter()
            .map(|b| b.whole.max(b.part))
            .max()
            .unwrap_or(0)
            .max(1),
    );
    let plot = WIDTH - LABEL - 110.0;
    let height = ROW * bars.len() as f64 + 34.0;
    let _ = write!(
        out,
        r#"<svg id="{id}" class="chart" role="img" aria-labelledby="{id}-t" viewBox="0 0 {WIDTH} {height}" width="100%"><title id="{id}-t">{}</title>"#,
        esc(title)
    );
    legend(out, 0.0, &[("whole", whole_name), ("part", part_name)]);
    for (i, b) in bars.iter().enumerate() {
        let y = 26.0 + ROW * i as f64;
        let w_whole = plot * scale(b.whole) / max;
        let w_part = if b.whole == 0 {
            0.0
        } else {
            w_whole * b.part.min(b.whole) as f64 / b.whole as f64
        };
        let tip = format!(
            "{}: {} {whole_name}, {} {part_name}",
            b.label, b.whole, b.part
        );
        if let Some(h) = &b.href {
            let _ = write!(out, r#"<a href="{}">"#, esc(h));
        }
        let _ = write!(
            out,
            r#"<g><title>{}</title><text x="{}" y="{}" class="label" text-anchor="end">{}</text><rect class="whole" x="{LABEL}" y="{}" width="{w_whole:.1}" height="{}"/><rect class="part" x="{LABEL}" y="{}" width="{w_part:.1}" height="{}"/><text x="{:.1}" y="{}" class="value">{} / {}</text></g>"#,
            esc(&tip),
            LABEL - 6.0,
            y + 14.0,
            esc(&shorten(b.label, 34)),
            y + 3.0,
            ROW - 6.0,
            y + 3.0,
            ROW - 6.0,
            LABEL + w_whole.max(w_part) + 5.0,
            y + 14.0,
            super::thousands(b.part),
            super::thousands(b.whole)
        );
        if b.href.is_some() {
            out.push_str("</a>");
        }
    }
    out.push_str("</svg>");
}

/// The reduction of each group: granted, with what the proposals keep drawn over it.
pub fn reductions(out: &mut String, id: &str, title: &str, groups: &[Reduction], filter: &str) {
    let shown: Vec<Bar<'_>> = groups
        .iter()
        .take(20)
        .map(|g| Bar {
            label: &g.name,
            href: Some(format!("#{filter}={}", super::fragment(&g.name))),
            whole: g.granted,
            part: g.proposed,
        })
        .collect();
    bars(out, id, title, &shown, ("granted", "proposed"));
}

fn legend(out: &mut String, x: f64, items: &[(&str, &str)]) {
    let mut x = x + LABEL;
    for (class, name) in items {
        let _ = write!(
            out,
            r#"<rect class="{class}" x="{x}" y="4" width="12" height="12"/><text x="{}" y="14" class="legend">{}</text>"#,
            x + 16.0,
            esc(name)
        );
        x += 30.0 + 7.0 * name.len() as f64;
    }
}

/// Findings per severity, one bar each.
pub fn severities(out: &mut String, counts: &[SeverityCount]) {
    let max = counts.iter().map(|c| c.count).max().unwrap_or(0).max(1) as f64;
    let plot = WIDTH - 120.0 - 60.0;
    let height = ROW * counts.len() as f64 + 8.0;
    let _ = write!(
        out,
        r#"<svg id="chart-severity" class="chart" role="img" aria-labelledby="chart-severity-t" viewBox="0 0 {WIDTH} {height}" width="100%"><title id="chart-severity-t">Findings by severity</title>"#
    );
    for (i, c) in counts.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let sev = c.severity.as_str();
        let w = plot * c.count as f64 / max;
        let _ = write!(
            out,
            r##"<a href="#severity={sev}"><g><title>{sev}: {n} finding(s)</title><text x="110" y="{}" class="label" text-anchor="end">{sev}</text><rect class="sev-{sev}" x="120" y="{}" width="{w:.1}" height="{}"/><text x="{:.1}" y="{}" class="value">{n}</text></g></a>"##,
            y + 14.0,
            y + 3.0,
            ROW - 6.0,
            120.0 + w + 5.0,
            y + 14.0,
            n = c.count
        );
    }
    out.push_str("</svg>");
}

/// The coverage timeline: one row per scope and location, the covered days as green runs and
/// the gaps as red ones, over the window's `days`.
pub fn timeline(out: &mut String, lines: &[CoverageLine], days: i64, first: &str, last: &str) {
    let plot = WIDTH - LABEL - 10.0;
    let day_w = plot / days.max(1) as f64;
    let height = ROW * lines.len() as f64 + 44.0;
    let _ = write!(
        out,
        r#"<svg id="chart-coverage" class="chart" role="img" aria-labelledby="chart-coverage-t" viewBox="0 0 {WIDTH} {height}" width="100%"><title id="chart-coverage-t">Log coverage per account and region, {} to {}</title>"#,
        esc(first),
        esc(last)
    );
    legend(out, 0.0, &[("covered", "logs"), ("gap", "no logs")]);
    for (i, l) in lines.iter().enumerate() {
        let y = 26.0 + ROW * i as f64;
        let label = format!("{} / {}", l.scope, l.location);
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" class="label" text-anchor="end">{}</text>"#,
            LABEL - 6.0,
            y + 14.0,
            esc(&label)
        );
        for (class, runs) in [("covered", &l.covered), ("gap", &l.gaps)] {
            for r in runs.iter() {
                let _ = write!(
                    out,
                    r#"<rect class="{class}" x="{:.2}" y="{}" width="{:.2}" height="{}"><title>{}: {} {} to {} ({} day(s))</title></rect>"#,
                    LABEL + day_w * r.offset as f64,
                    y + 3.0,
                    day_w * r.days as f64,
                    ROW - 6.0,
                    esc(&label),
                    if class == "gap" { "no logs" } else { "logs" },
                    r.first,
                    r.last,
                    r.days
                );
            }
        }
    }
    let axis = 26.0 + ROW * lines.len() as f64 + 12.0;
    let _ = write!(
        out,
        r#"<text x="{LABEL}" y="{axis}" class="axis">{}</text><text x="{}" y="{axis}" class="axis" text-anchor="end">{}</text></svg>"#,
        esc(first),
        LABEL + plot,
        esc(last)
    );
}

/// Principals as bars of granted with used drawn over them: those holding the most unused
/// permissions first.
pub fn principals(out: &mut String, rows: &[(&str, &str, usize, usize)]) {
    let shown: Vec<Bar<'_>> = rows
        .iter()
        .map(|(id, name, granted, used)| Bar {
            label: name,
            href: Some(principal_link(id)),
            whole: *granted,
            part: *used,
        })
        .collect();
    bars(
        out,
        "chart-principals",
        "Permissions granted and used, principals with the most unused first",
        &shown,
        ("granted", "used"),
    );
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let head: String = s.chars().take(n - 1).collect();
    format!("{head}…")
}
