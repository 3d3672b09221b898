//! IAM conditions are kept verbatim; the ones that depend only on the request time (temporary
//! access: `request.time < timestamp("2027-01-01T00:00:00Z")`) are decided here, so an expired
//! grant is not counted as held.

use crate::model::time::{parse_time, Epoch};

/// What a condition means at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConditionState {
    /// It holds (time-only, and true now).
    Active,
    /// It never holds again (time-only, and an upper bound has passed): the grant has expired.
    Expired,
    /// It does not hold yet (time-only, a lower bound still ahead): the grant begins later.
    NotYet,
    /// It depends on the request (resource names, tags, …): the grant holds only sometimes.
    Conditional,
    /// It names resources, and not this one: the grant does not apply here.
    NotHere,
}

/// Decides `expression` for a request on `resource` at `now`: a conjunction of comparisons of
/// `request.time` with `timestamp("…")` and tests of the resource's name
/// (`resource.name.startsWith("…")`, `resource.name.endsWith("…")`, `resource.name == "…"`). A
/// name test false for `resource` makes the binding not apply there
/// ([`ConditionState::NotHere`]); what is left is decided as [`evaluate`] does.
pub fn evaluate_for(expression: &str, resource: &str, now: Epoch) -> ConditionState {
    if expression.contains("||") || expression.contains('!') {
        return ConditionState::Conditional;
    }
    let mut rest = Vec::new();
    for clause in expression.split("&&") {
        let c = unparenthesize(clause.trim());
        match name_test(c, resource) {
            Some(true) => {}
            Some(false) => return ConditionState::NotHere,
            None => rest.push(c),
        }
    }
    if rest.is_empty() {
        ConditionState::Active
    } else {
        evaluate(&rest.join(" && "), now)
    }
}

/// `resource.name.startsWith("x")`, `.endsWith("x")`, `resource.name == "x"` decided for
/// `resource`; `None` when `clause` is not such a test.
fn name_test(clause: &str, resource: &str) -> Option<bool> {
    let quoted = |s: &str| -> Option<String> {
        let s = s.trim();
        s.strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .or_else(|| s.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
            .map(str::to_string)
    };
    let arg = |rest: &str| rest.strip_suffix(')').and_then(quoted);
    if let Some(rest) = clause.strip_prefix("resource.name.startsWith(") {
        return arg(rest).map(|p| resource.starts_with(&p));
    }
    if let Some(rest) = clause.strip_prefix("resource.name.endsWith(") {
        return arg(rest).map(|p| resource.ends_with(&p));
    }
    if let Some(rest) = clause.strip_prefix("resource.name") {
        if let Some(v) = rest.trim().strip_prefix("==") {
            return quoted(v).map(|n| resource == n);
        }
    }
    None
}

/// Decides `expression` at `now` when it is a conjunction of comparisons of `request.time` with
/// `timestamp("…")`; anything else is [`ConditionState::Conditional`].
pub fn evaluate(expression: &str, now: Epoch) -> ConditionState {
    if expression.contains("||") || expression.contains('!') {
        return ConditionState::Conditional;
    }
    let (mut expired, mut not_yet) = (false, false);
    for clause in expression.split("&&") {
        match time_clause(unparenthesize(clause.trim())) {
            Some((holds, upper)) if !holds(now) => {
                if upper {
                    expired = true;
                } else {
                    not_yet = true;
                }
            }
            Some(_) => {}
            None => return ConditionState::Conditional,
        }
    }
    match (expired, not_yet) {
        (true, _) => ConditionState::Expired,
        (false, true) => ConditionState::NotYet,
        (false, false) => ConditionState::Active,
    }
}

/// `(x)` → `x`, as often as the outer parentheses enclose the whole clause.
fn unparenthesize(mut clause: &str) -> &str {
    while let Some(inner) = clause.strip_prefix('(').and_then(|c| c.strip_suffix(')')) {
        let mut depth = 0i32;
        let balanced = inner.chars().all(|c| {
            depth += match c {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            depth >= 0
        });
        if !balanced || depth != 0 {
            break;
        }
        clause = inner.trim();
    }
    clause
}

type Test = Box<dyn Fn(Epoch) -> bool>;

/// `request.time OP timestamp("T")` (either way round) as a test of the time, and whether it is
/// an upper bound (once false, false for ever).
fn time_clause(clause: &str) -> Option<(Test, bool)> {
    for op in ["<=", ">=", "<", ">"] {
        if let Some((l, r)) = clause.split_once(op) {
            let (l, r) = (l.trim(), r.trim());
            let (t, flipped) = if l == "request.time" {
                (timestamp(r)?, false)
            } else if r == "request.time" {
                (timestamp(l)?, true)
            } else {
                return None;
            };
            // `T < request.time` is `request.time > T`
            let op = match (op, flipped) {
                (o, false) => o,
                ("<", true) => ">",
                (">", true) => "<",
                ("<=", true) => ">=",
                (_, true) => "<=",
            };
            let test: Test = match op {
                "<" => Box::new(move |now| now < t),
                "<=" => Box::new(move |now| now <= t),
                ">" => Box::new(move |now| now > t),
                _ => Box::new(move |now| now >= t),
            };
            return Some((test, op.starts_with('<')));
        }
    }
    None
}

fn timestamp(s: &str) -> Option<Epoch> {
    let inner = s.strip_prefix("timestamp(")?.strip_suffix(')')?.trim();
    let quoted = inner
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| inner.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))?;
    parse_time(quoted)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Epoch = 1_795_000_000; // 2026-11-17

    #[test]
    fn time_only_conditions_are_decided() {
        use ConditionState::*;
        let cases = [
            (
                r#"request.time < timestamp("2027-01-01T00:00:00Z")"#,
                Active,
            ),
            (
                r#"request.time < timestamp("2026-01-01T00:00:00Z")"#,
                Expired,
            ),
            (
                r#"request.time > timestamp("2026-01-01T00:00:00Z") && request.time < timestamp("2027-01-01T00:00:00Z")"#,
                Active,
            ),
            (
                r#"(request.time >= timestamp('2026-12-01T00:00:00Z'))"#,
                NotYet,
            ),
            (
                r#"request.time >= timestamp("2026-12-01T00:00:00Z") && request.time < timestamp("2026-02-01T00:00:00Z")"#,
                Expired,
            ),
            (
                r#"timestamp("2026-01-01T00:00:00Z") < request.time"#,
                Active,
            ),
            (
                r#"resource.name.startsWith("projects/_/buckets/logs")"#,
                Conditional,
            ),
            (
                r#"request.time < timestamp("2027-01-01T00:00:00Z") || resource.type == "x""#,
                Conditional,
            ),
            (
                r#"request.time < timestamp("2027-01-01T00:00:00Z") && resource.name.startsWith("x")"#,
                Conditional,
            ),
            (r#"request.time < timestamp("not a time")"#, Conditional),
        ];
        for (e, want) in cases {
            assert_eq!(evaluate(e, NOW), want, "{e}");
        }
    }

    #[test]
    fn resource_name_conditions_are_decided_for_a_resource() {
        use ConditionState::*;
        let logs = "projects/_/buckets/demo-app-logs/objects/a.log";
        let other = "projects/_/buckets/demo-app-data/objects/b";
        let e = r#"resource.name.startsWith("projects/_/buckets/demo-app-logs")"#;
        assert_eq!(
            (evaluate_for(e, logs, NOW), evaluate_for(e, other, NOW)),
            (Active, NotHere)
        );
        let e = r#"resource.name.startsWith("projects/_/buckets/demo-app-logs") && request.time < timestamp("2026-01-01T00:00:00Z")"#;
        assert_eq!(evaluate_for(e, logs, NOW), Expired);
        assert_eq!(
            evaluate_for(r#"resource.name == "projects/p""#, "projects/p", NOW),
            Active
        );
        assert_eq!(
            evaluate_for(r#"resource.name.endsWith(".log")"#, other, NOW),
            NotHere
        );
        assert_eq!(
            evaluate_for(
                r#"resource.type == "storage.googleapis.com/Bucket""#,
                logs,
                NOW
            ),
            Conditional
        );
    }
}
