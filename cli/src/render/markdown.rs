//! Markdown for pull-request comments: a table of findings and, per rule, what it flags and how
//! to fix it.

use super::text::permissions;
use std::io::{self, Write};
use whittle_engine::rules::Finding;

/// What a change adds and removes, per principal, for a PR comment.
pub fn access_diff(
    w: &mut dyn Write,
    diffs: &[whittle_engine::access_diff::AccessDiff],
) -> io::Result<()> {
    if diffs.is_empty() {
        return Ok(());
    }
    writeln!(w, "#### Access this change adds and removes\n")?;
    for d in diffs {
        let new = if d.new_principal { " (new)" } else { "" };
        writeln!(
            w,
            "- `{}`{new}: **+{}** / -{}",
            d.principal,
            d.added_count(),
            d.removed_count()
        )?;
        for (sign, list) in [("+", &d.added), ("−", &d.removed)] {
            for s in list.iter() {
                writeln!(
                    w,
                    "  - {sign} on `{}`: {}",
                    s.resources,
                    permissions(&s.actions).replace('|', "\\|")
                )?;
            }
        }
        if let Some((unused, held)) = d.unused_before {
            writeln!(
                w,
                "  - it did not use {unused} of the {held} permission(s) it already held"
            )?;
        }
    }
    writeln!(w)
}

/// Inputs that could not be read (the check is incomplete) and what was read but is not
/// checked (a template macro, a resource type whittle does not read): a reviewer must not take
/// a short list for a clean one.
pub fn inputs(
    w: &mut dyn Write,
    errors: &[whittle_engine::InputError],
    warnings: &[whittle_engine::InputError],
) -> io::Result<()> {
    for (title, list) in [
        ("Inputs not read: the check is incomplete", errors),
        ("Not checked", warnings),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(w, "\n#### {title}\n")?;
        for e in list {
            writeln!(w, "- {e}")?;
        }
    }
    Ok(())
}

/// The findings as a table, then what each rule flags and how to fix it.
pub fn findings(w: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    writeln!(w, "### whittle: {} finding(s)\n", findings.len())?;
    if findings.is_empty() {
        return writeln!(w, "No findings.");
    }
    writeln!(w, "| severity | rule | principal | what | where |")?;
    writeln!(w, "| --- | --- | --- | --- | --- |")?;
    for f in findings {
        // validation findings have no grant: say what is wrong and where instead
        let validation = f.rule_location == whittle_engine::aws::validate::RULE_LOCATION;
        let by = f
            .granted_by
            .as_ref()
            .map(|o| {
                let at = match (o.location.line, o.location.column) {
                    (Some(l), Some(c)) => format!(" (`{}:{l}:{c}`)", o.location.file),
                    (Some(l), None) => format!(" (`{}:{l}`)", o.location.file),
                    _ => String::new(),
                };
                if o.policy_kind == whittle_engine::model::PolicyKind::RoleBinding {
                    // a GCP binding or an Azure assignment: the role and where it is granted
                    format!("`{}` at `{}`{at}", o.policy_name, o.policy)
                } else {
                    format!("`{}` statement {}{at}", o.policy_name, o.statement)
                }
            })
            .unwrap_or_default();
        let what = if validation || f.permissions.is_empty() {
            f.message.clone()
        } else {
            permissions(&f.permissions)
        };
        let team = f
            .owner
            .as_ref()
            .and_then(|o| o.team.as_ref())
            .map(|t| format!(" ({})", t.replace('|', "\\|")))
            .unwrap_or_default();
        writeln!(
            w,
            "| {} | `{}` | `{}`{team} | {} | {} |",
            f.severity.as_str(),
            f.rule,
            f.principal,
            what.replace('|', "\\|"),
            by
        )?;
    }
    writeln!(w)?;
    let mut seen = std::collections::BTreeSet::new();
    for f in findings.iter().filter(|f| seen.insert(f.rule.clone())) {
        writeln!(
            w,
            "<details><summary><code>{}</code>: {}</summary>\n\n{}\n</details>\n",
            f.rule,
            f.message,
            f.remediation.clone().unwrap_or_default()
        )?;
    }
    Ok(())
}
