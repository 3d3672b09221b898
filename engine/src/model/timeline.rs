//! Coverage over time, for people: per provider × scope × location, the days of a window the
//! logs covered, as runs of consecutive days, and the gaps between them — what a coverage
//! timeline draws.

use super::coverage::CoverageCell;
use super::principal::Provider;
use super::time::{iso_day, Day};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Consecutive days, first and last included, as ISO dates and as offsets from the window's
/// first day (what a chart places).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayRun {
    /// First day.
    pub first: String,
    /// Last day.
    pub last: String,
    /// Days from the window's first day to `first`.
    pub offset: i64,
    /// Days in the run.
    pub days: i64,
}

impl DayRun {
    fn new(window_first: Day, first: Day, last: Day) -> DayRun {
        DayRun {
            first: iso_day(first),
            last: iso_day(last),
            offset: first - window_first,
            days: last - first + 1,
        }
    }
}

/// One scope and location over the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoverageLine {
    /// Cloud provider.
    pub provider: Provider,
    /// Account, project or subscription.
    pub scope: String,
    /// Region (or `global`).
    pub location: String,
    /// Days with events.
    pub covered_days: i64,
    /// The covered days as runs.
    pub covered: Vec<DayRun>,
    /// The days of the window without events, as runs.
    pub gaps: Vec<DayRun>,
}

/// The timeline of `cells` over the window `first..=last`, sorted by provider, scope and
/// location.
pub fn timeline(cells: &[CoverageCell], first: Day, last: Day) -> Vec<CoverageLine> {
    let mut days: BTreeMap<(Provider, &str, &str), BTreeSet<Day>> = BTreeMap::new();
    for c in cells.iter().filter(|c| (first..=last).contains(&c.day)) {
        days.entry((c.provider, &c.scope, &c.location))
            .or_default()
            .insert(c.day);
    }
    days.into_iter()
        .map(|((provider, scope, location), set)| {
            let (covered, gaps) = runs(&set, first, last);
            CoverageLine {
                provider,
                scope: scope.to_string(),
                location: location.to_string(),
                covered_days: set.len() as i64,
                covered,
                gaps,
            }
        })
        .collect()
}

/// The runs of `set` within `first..=last`, and the runs of the days between them.
fn runs(set: &BTreeSet<Day>, first: Day, last: Day) -> (Vec<DayRun>, Vec<DayRun>) {
    let mut covered = Vec::new();
    let mut gaps = Vec::new();
    let mut day = first;
    while day <= last {
        let on = set.contains(&day);
        let start = day;
        while day <= last && set.contains(&day) == on {
            day += 1;
        }
        let run = DayRun::new(first, start, day - 1);
        if on {
            covered.push(run);
        } else {
            gaps.push(run);
        }
    }
    (covered, gaps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::coverage::LogClass;

    fn cell(scope: &str, location: &str, service: &str, day: Day) -> CoverageCell {
        CoverageCell {
            provider: Provider::Aws,
            scope: scope.into(),
            location: location.into(),
            service: service.into(),
            class: LogClass::Management,
            day,
        }
    }

    #[test]
    fn days_become_runs_and_the_days_between_them_gaps() {
        let cells = [
            cell("111", "us-east-1", "s3", 100),
            cell("111", "us-east-1", "iam", 100),
            cell("111", "us-east-1", "s3", 101),
            cell("111", "us-east-1", "s3", 104),
            cell("111", "eu-west-1", "s3", 99), // before the window
            cell("111", "eu-west-1", "s3", 105),
        ];
        let lines = timeline(&cells, 100, 105);
        assert_eq!(lines.len(), 2);
        let eu = &lines[0];
        assert_eq!((eu.location.as_str(), eu.covered_days), ("eu-west-1", 1));
        assert_eq!(
            eu.gaps
                .iter()
                .map(|r| (r.offset, r.days))
                .collect::<Vec<_>>(),
            [(0, 5)]
        );
        let us = &lines[1];
        assert_eq!(us.covered_days, 3, "two services on one day count once");
        assert_eq!(
            us.covered
                .iter()
                .map(|r| (r.offset, r.days))
                .collect::<Vec<_>>(),
            [(0, 2), (4, 1)]
        );
        assert_eq!(
            us.gaps
                .iter()
                .map(|r| (r.offset, r.days))
                .collect::<Vec<_>>(),
            [(2, 2), (5, 1)]
        );
        assert_eq!(us.gaps[0].first, iso_day(102));
    }

    proptest::proptest! {
        /// Runs and gaps tile the window: in order, without overlap, every day once, the
        /// covered ones exactly the days with cells.
        #[test]
        fn runs_and_gaps_tile_the_window(days in proptest::collection::btree_set(0i64..40, 0..40), len in 1i64..40) {
            let cells: Vec<CoverageCell> = days.iter().map(|&d| cell("1", "r", "s3", 1000 + d)).collect();
            let lines = timeline(&cells, 1000, 1000 + len - 1);
            let inside: Vec<i64> = days.iter().copied().filter(|&d| d < len).collect();
            if inside.is_empty() {
                proptest::prop_assert!(lines.is_empty());
                return Ok(());
            }
            let l = &lines[0];
            proptest::prop_assert_eq!(l.covered_days, inside.len() as i64);
            let mut all: Vec<(i64, i64, bool)> = l.covered.iter().map(|r| (r.offset, r.days, true))
                .chain(l.gaps.iter().map(|r| (r.offset, r.days, false))).collect();
            all.sort();
            let mut next = 0;
            let mut last_kind = None;
            for (offset, n, covered) in all {
                proptest::prop_assert_eq!(offset, next);
                proptest::prop_assert!(n > 0);
                proptest::prop_assert_ne!(Some(covered), last_kind, "neighbouring runs differ");
                for d in offset..offset + n {
                    proptest::prop_assert_eq!(inside.contains(&d), covered);
                }
                next = offset + n;
                last_kind = Some(covered);
            }
            proptest::prop_assert_eq!(next, len);
        }
    }
}
