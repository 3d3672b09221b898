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
}
