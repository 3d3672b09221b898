//! Time, in one place: instants are seconds since the Unix epoch, days are whole UTC days since
//! the epoch. Parsing accepts what audit logs and users write; formatting is ISO 8601 in UTC.

/// Seconds since the Unix epoch.
pub type Epoch = i64;

/// A UTC day: days since the Unix epoch (`2026-08-22` is 20687).
pub type Day = i64;

/// Seconds in a day.
pub const DAY: Epoch = 86_400;

/// The current time.
pub fn now() -> Epoch {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as Epoch)
}

/// The UTC day of an instant.
pub fn day_of(t: Epoch) -> Day {
    t.div_euclid(DAY)
}

/// `1787400000` → `2026-08-22T10:40:00Z`.
pub fn iso(t: Epoch) -> String {
    chrono::DateTime::from_timestamp(t, 0).map_or_else(
        || t.to_string(),
        |d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

/// Day number since the epoch → `2026-08-22`.
pub fn iso_day(day: Day) -> String {
    chrono::DateTime::from_timestamp(day * DAY, 0)
        .map_or_else(|| day.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// A run of days: `2026-09-01` or `2026-09-01..2026-09-05`.
pub fn iso_days(first: Day, last: Day) -> String {
    if first == last {
        iso_day(first)
    } else {
        format!("{}..{}", iso_day(first), iso_day(last))
    }
}

/// `2026-08-22T10:15:03Z` (and `2026-08-22 10:15:03Z`, fractions, offsets, and zone-less
/// `2022-09-29 23:04:35.000000000` as some exports write UTC) → epoch seconds.
pub fn parse_time(s: &str) -> Option<Epoch> {
    let b = s.as_bytes();
    if b.len() == 20 && (b[10] == b'T' || b[10] == b' ') && b[19] == b'Z' {
        let n = |r: std::ops::Range<usize>| -> Option<u32> {
            std::str::from_utf8(&b[r]).ok()?.parse().ok()
        };
        let date = chrono::NaiveDate::from_ymd_opt(n(0..4)? as i32, n(5..7)?, n(8..10)?)?;
        let t = date.and_hms_opt(n(11..13)?, n(14..16)?, n(17..19)?)?;
        return Some(t.and_utc().timestamp());
    }
    let normalised = s.replacen(' ', "T", 1);
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(&normalised) {
        return Some(d.timestamp());
    }
    chrono::NaiveDateTime::parse_from_str(&normalised, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|d| d.and_utc().timestamp())
}

/// `2026-11-25` → its midnight (UTC); anything [`parse_time`] accepts is accepted too.
pub fn parse_date(s: &str) -> Option<Epoch> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp())
        .or_else(|| parse_time(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsing_and_formatting_round_trip() {
        let t = parse_time("2026-08-22T10:40:00Z").expect("time");
        assert_eq!(iso(t), "2026-08-22T10:40:00Z");
        assert_eq!(parse_time("2026-08-22 10:40:00Z"), Some(t));
        assert_eq!(parse_time("2026-08-22T12:40:00+02:00"), Some(t));
        assert_eq!(parse_time("2026-08-22 10:40:00.000000000"), Some(t));
        assert_eq!(parse_date("2026-08-22"), Some(t - 10 * 3600 - 40 * 60));
        assert_eq!(day_of(t), 20687);
        assert_eq!(iso_day(20687), "2026-08-22");
        assert_eq!(iso_days(20687, 20689), "2026-08-22..2026-08-24");
        assert_eq!(day_of(-1), -1, "days before the epoch round down");
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_time("yesterday").is_none());
    }
}
