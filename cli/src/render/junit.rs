//! JUnit XML of rule tests, as CI systems (GitHub, GitLab, Jenkins) read test reports: one
//! `testsuite` per rule file, one `testcase` per `[[test]]`, a `failure` with what was expected
//! and not found, and what was found and not expected.

use super::markup_escape as esc;
use std::collections::BTreeMap;
use std::io::{self, Write};
use whittle_engine::rules::TestOutcome;

/// The JUnit report of `outcomes`.
pub fn report(w: &mut dyn Write, outcomes: &[TestOutcome]) -> io::Result<()> {
    let mut by_file: BTreeMap<&str, Vec<&TestOutcome>> = BTreeMap::new();
    for o in outcomes {
        let file = o
            .location
            .rsplit_once(':')
            .map_or(o.location.as_str(), |(f, _)| f);
        by_file.entry(file).or_default().push(o);
    }
    let failures = outcomes.iter().filter(|o| !o.passed).count();
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        w,
        r#"<testsuites name="whittle rules test" tests="{}" failures="{failures}">"#,
        outcomes.len()
    )?;
    for (file, cases) in by_file {
        let failed = cases.iter().filter(|o| !o.passed).count();
        writeln!(
            w,
            r#"  <testsuite name="{}" tests="{}" failures="{failed}">"#,
            esc(file),
            cases.len()
        )?;
        for o in cases {
            let line = o.location.rsplit_once(':').map_or("", |(_, l)| l);
            write!(
                w,
                r#"    <testcase name="{}" classname="{}" file="{}" line="{}""#,
                esc(&o.name),
                esc(file),
                esc(file),
                esc(line)
            )?;
            if o.passed {
                writeln!(w, "/>")?;
                continue;
            }
            writeln!(w, ">")?;
            let lines: Vec<String> = o
                .missing
                .iter()
                .map(|m| format!("expected, not found: {m}"))
                .chain(
                    o.unexpected
                        .iter()
                        .map(|u| format!("found, not expected: {u}")),
                )
                .collect();
            writeln!(
                w,
                r#"      <failure message="{}">{}</failure>"#,
                esc(lines.first().map_or("failed", String::as_str)),
                esc(&lines.join("\n"))
            )?;
            writeln!(w, "    </testcase>")?;
        }
        writeln!(w, "  </testsuite>")?;
    }
    writeln!(w, "</testsuites>")
}
