//! Coverage: which days the audit logs covered, per provider × scope (AWS account, GCP project,
//! Azure subscription) × location (region) × service × log class. Absence of use is evidence
//! only where coverage says the logs could have seen the use; [`Coverage::vouch`] is the one
//! function that answers "could the logs have seen principal P use permission A on resource R
//! during window W?", and everything that concludes "unused" asks it.

use super::principal::Provider;
use super::time::{iso_day, iso_days, Day};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Which logs an event belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogClass {
    /// Control-plane events, logged by default (CloudTrail management events, GCP Admin Activity,
    /// Azure Activity Log).
    Management,
    /// Data-plane events, logged only where switched on (S3 object reads, DynamoDB items, GCP
    /// Data Access logs).
    Data,
}

impl LogClass {
    /// Lower-case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            LogClass::Management => "management",
            LogClass::Data => "data",
        }
    }

    /// Parses [`LogClass::as_str`].
    pub fn parse(s: &str) -> Option<LogClass> {
        match s {
            "management" => Some(LogClass::Management),
            "data" => Some(LogClass::Data),
            _ => None,
        }
    }
}

/// How the use of a permission shows in audit logs (the catalog says, per permission).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Logging {
    /// Its calls are events of this class.
    Logged(LogClass),
    /// Its use never appears as an event of its own (`iam:PassRole` is checked inside another
    /// call): the logs can never vouch that it was not used.
    Never,
}

/// One cell of coverage: events of one service and log class, in one scope and location, on one day.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CoverageCell {
    /// Cloud provider.
    pub provider: Provider,
    /// AWS account id, GCP project, Azure subscription.
    pub scope: String,
    /// Region (or `global`).
    pub location: String,
    /// Service prefix (`s3`).
    pub service: String,
    /// Management or data events.
    pub class: LogClass,
    /// The UTC day.
    pub day: Day,
}

/// How coverage is counted (`coverage = "per-account"` or `"per-region"` in a rule set's
/// `[settings]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
pub enum CoverageMode {
    /// A scope's logs cover all its locations on the days it has logs: a multi-region trail,
    /// the common setup.
    #[default]
    #[serde(
        rename = "per-account",
        alias = "per-scope",
        alias = "per-project",
        alias = "per-subscription"
    )]
    PerScope,
    /// Each location is covered only on the days it has logs itself: single-region trails.
    #[serde(rename = "per-region", alias = "per-location")]
    PerLocation,
}

/// The question [`Coverage::vouch`] answers: could the logs have seen a use of a permission of
/// `service` with logging `logging`, by a principal of `scope`, in `location`, during the days
/// `first..=last`?
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    /// Provider.
    pub provider: Provider,
    /// The principal's scope (its account).
    pub scope: &'a str,
    /// The location the use would be in, when the resource says so; `None`: any location.
    pub location: Option<&'a str>,
    /// The permission's service prefix.
    pub service: &'a str,
    /// How the permission's use shows in logs.
    pub logging: Logging,
    /// First day of the window.
    pub first: Day,
    /// Last day of the window (inclusive).
    pub last: Day,
}

/// What the logs of data events of one service show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum DataEvents {
    /// No data event of the service was seen: data events are not logged (or nothing used them).
    NotLogged,
    /// Data events of the service were seen from `first` to `last`: logged on those days.
    Logged {
        /// First day with a data event.
        first: Day,
        /// Last day with a data event.
        last: Day,
    },
}

/// The answer to a [`Question`]: how much of the window the logs could have seen, and why not more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vouch {
    /// The window asked about.
    pub first: Day,
    /// Its last day.
    pub last: Day,
    /// Days of the window on which the logs could have seen the use.
    pub covered_days: u32,
    /// Runs of days in the window with no logs for the scope (or location).
    pub gaps: Vec<(Day, Day)>,
    /// The scope has logs at all (anywhere in time).
    pub scope_has_logs: bool,
    /// For a data-event permission: whether its service's data events are logged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_events: Option<DataEvents>,
    /// The permission's use never appears in logs.
    pub never_logged: bool,
    /// The service, for the words.
    pub service: String,
    /// The scope, for the words.
    pub scope: String,
}

impl Vouch {
    /// Days in the window.
    pub fn window_days(&self) -> u32 {
        (self.last - self.first + 1).max(0) as u32
    }

    /// True when the logs could have seen the use on at least `min_days` days of the window.
    pub fn vouches(&self, min_days: u32) -> bool {
        !self.never_logged && self.scope_has_logs && self.covered_days >= min_days.max(1)
    }

    /// In words: `logs cover 85 of 90 days (gaps 2026-09-01..2026-09-05); s3 data events: not logged`.
    pub fn words(&self) -> String {
        if self.never_logged {
            return "its use never appears in audit logs as an event of its own".into();
        }
        if !self.scope_has_logs {
            return format!("no logs for {}", self.scope);
        }
        if self.data_events == Some(DataEvents::NotLogged) {
            // the days with other events say nothing about these
            return format!(
                "{} data events: not logged (the trail records no {} data events)",
                self.service, self.service
            );
        }
        let mut s = format!(
            "logs cover {} of {} days",
            self.covered_days,
            self.window_days()
        );
        if !self.gaps.is_empty() {
            let shown: Vec<String> = self
                .gaps
                .iter()
                .take(3)
                .map(|&(a, b)| iso_days(a, b))
                .collect();
            let more = if self.gaps.len() > 3 {
                format!(" and {} more", self.gaps.len() - 3)
            } else {
                String::new()
            };
            s.push_str(&format!(" (gaps {}{more})", shown.join(", ")));
        }
        match &self.data_events {
            Some(DataEvents::NotLogged) => {
                s.push_str(&format!("; {} data events: not logged", self.service))
            }
            Some(DataEvents::Logged { first, last }) => s.push_str(&format!(
                "; {} data events: logged {}..{}",
                self.service,
                iso_day(*first),
                iso_day(*last)
            )),
            None => {}
        }
        s
    }
}

/// location → first and last day with a data event.
type DataSpans = BTreeMap<String, (Day, Day)>;

/// Coverage loaded for an evaluation: an index over [`CoverageCell`]s.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    mode: CoverageMode,
    /// (provider, scope) → location → days with any event.
    days: BTreeMap<(Provider, String), BTreeMap<String, BTreeSet<Day>>>,
    /// (provider, scope, service) → location → (first, last) day with a data event.
    data: BTreeMap<(Provider, String, String), DataSpans>,
}

impl Coverage {
    /// An index over `cells`, counted as `mode` says.
    pub fn new<'c>(cells: impl IntoIterator<Item = &'c CoverageCell>, mode: CoverageMode) -> Self {
        let mut c = Coverage {
            mode,
            ..Coverage::default()
        };
        for cell in cells {
            c.add(cell);
        }
        c
    }

    /// Adds one cell.
    pub fn add(&mut self, cell: &CoverageCell) {
        self.days
            .entry((cell.provider, cell.scope.clone()))
            .or_default()
            .entry(cell.location.clone())
            .or_default()
            .insert(cell.day);
        if cell.class == LogClass::Data {
            let span = self
                .data
                .entry((cell.provider, cell.scope.clone(), cell.service.clone()))
                .or_default()
                .entry(cell.location.clone())
                .or_insert((cell.day, cell.day));
            span.0 = span.0.min(cell.day);
            span.1 = span.1.max(cell.day);
        }
    }

    /// True when no cell was added.
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }

    /// The mode coverage is counted in.
    pub fn mode(&self) -> CoverageMode {
        self.mode
    }

    /// Could the logs have seen the use the question describes? See [`Vouch`].
    pub fn vouch(&self, q: &Question<'_>) -> Vouch {
        let mut v = Vouch {
            first: q.first,
            last: q.last,
            covered_days: 0,
            gaps: Vec::new(),
            scope_has_logs: false,
            data_events: None,
            never_logged: q.logging == Logging::Never,
            service: q.service.to_string(),
            scope: q.scope.to_string(),
        };
        let Some(locations) = self.days.get(&(q.provider, q.scope.to_string())) else {
            return v;
        };
        v.scope_has_logs = true;
        if q.last < q.first {
            return v;
        }
        // The days the scope (or location) had logs.
        let trail: Vec<Day> = match (self.mode, q.location) {
            (CoverageMode::PerScope, _) => {
                let mut all: BTreeSet<Day> = BTreeSet::new();
                for days in locations.values() {
                    all.extend(days.range(q.first..=q.last));
                }
                all.into_iter().collect()
            }
            (CoverageMode::PerLocation, Some(loc)) => locations
                .get(loc)
                .map(|d| d.range(q.first..=q.last).copied().collect())
                .unwrap_or_default(),
            // no location: only the days every location with logs was covered
            (CoverageMode::PerLocation, None) => {
                let mut sets = locations
                    .values()
                    .filter(|d| d.range(q.first..=q.last).next().is_some());
                match sets.next() {
                    None => Vec::new(),
                    Some(first) => {
                        let mut common: BTreeSet<Day> =
                            first.range(q.first..=q.last).copied().collect();
                        for s in sets {
                            common.retain(|d| s.contains(d));
                        }
                        common.into_iter().collect()
                    }
                }
            }
        };
        v.gaps = gaps(&trail, q.first, q.last);
        let mut covered: Vec<Day> = trail;
        if let Logging::Logged(LogClass::Data) = q.logging {
            let spans = self
                .data
                .get(&(q.provider, q.scope.to_string(), q.service.to_string()));
            let span = spans.and_then(|by_loc| match (self.mode, q.location) {
                (CoverageMode::PerLocation, Some(loc)) => by_loc.get(loc).copied(),
                _ => by_loc
                    .values()
                    .copied()
                    .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1))),
            });
            match span {
                None => {
                    v.data_events = Some(DataEvents::NotLogged);
                    covered.clear();
                }
                Some((first, last)) => {
                    v.data_events = Some(DataEvents::Logged { first, last });
                    covered.retain(|d| (first..=last).contains(d));
                }
            }
        }
        if v.never_logged {
            covered.clear();
        }
        v.covered_days = covered.len() as u32;
        v
    }
}

/// Runs of days in `first..=last` missing from the sorted `days`.
fn gaps(days: &[Day], first: Day, last: Day) -> Vec<(Day, Day)> {
    let mut out = Vec::new();
    let mut next = first;
    for &d in days {
        if d > next {
            out.push((next, d - 1));
        }
        next = d + 1;
    }
    if next <= last {
        out.push((next, last));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUG_22: Day = 20687;

    fn cell(scope: &str, location: &str, service: &str, class: LogClass, day: Day) -> CoverageCell {
        CoverageCell {
            provider: Provider::Aws,
            scope: scope.into(),
            location: location.into(),
            service: service.into(),
            class,
            day,
        }
    }

    fn q<'a>(
        scope: &'a str,
        service: &'a str,
        logging: Logging,
        first: Day,
        last: Day,
    ) -> Question<'a> {
        Question {
            provider: Provider::Aws,
            scope,
            location: None,
            service,
            logging,
            first,
            last,
        }
    }

    const MGMT: Logging = Logging::Logged(LogClass::Management);
    const DATA: Logging = Logging::Logged(LogClass::Data);

    /// Three days in August and one in November inside a 90-day window: four covered days and
    /// the gaps between them, not "first to last day".
    #[test]
    fn gaps_are_not_coverage() {
        let cells = [
            cell("1", "eu-west-1", "iam", LogClass::Management, AUG_22),
            cell("1", "eu-west-1", "iam", LogClass::Management, AUG_22 + 1),
            cell("1", "us-east-1", "ec2", LogClass::Management, AUG_22 + 2),
            cell("1", "eu-west-1", "iam", LogClass::Management, AUG_22 + 94),
        ];
        let c = Coverage::new(&cells, CoverageMode::PerScope);
        let v = c.vouch(&q("1", "iam", MGMT, AUG_22 + 5, AUG_22 + 94));
        assert_eq!(v.covered_days, 1);
        assert_eq!(v.window_days(), 90);
        assert_eq!(v.gaps, vec![(AUG_22 + 5, AUG_22 + 93)]);
        assert!(!v.vouches(60));
        assert_eq!(
            v.words(),
            "logs cover 1 of 90 days (gaps 2026-08-27..2026-11-23)"
        );
        let v = c.vouch(&q("1", "iam", MGMT, AUG_22, AUG_22 + 4));
        assert_eq!(
            (v.covered_days, v.gaps.clone()),
            (3, vec![(AUG_22 + 3, AUG_22 + 4)])
        );
    }

    #[test]
    fn a_scope_without_logs_vouches_for_nothing() {
        let cells = [cell("1", "eu-west-1", "iam", LogClass::Management, AUG_22)];
        let c = Coverage::new(&cells, CoverageMode::PerScope);
        let v = c.vouch(&q("2", "iam", MGMT, AUG_22, AUG_22));
        assert!(!v.scope_has_logs && !v.vouches(1));
        assert_eq!(v.words(), "no logs for 2");
    }

    #[test]
    fn data_events_vouch_only_where_logged() {
        let mut cells: Vec<CoverageCell> = (0..10)
            .map(|d| cell("1", "eu-west-1", "iam", LogClass::Management, AUG_22 + d))
            .collect();
        cells.push(cell(
            "1",
            "eu-west-1",
            "dynamodb",
            LogClass::Data,
            AUG_22 + 3,
        ));
        cells.push(cell(
            "1",
            "eu-west-1",
            "dynamodb",
            LogClass::Data,
            AUG_22 + 7,
        ));
        let c = Coverage::new(&cells, CoverageMode::PerScope);
        let s3 = c.vouch(&q("1", "s3", DATA, AUG_22, AUG_22 + 9));
        assert_eq!(s3.covered_days, 0);
        assert!(
            s3.words() == "s3 data events: not logged (the trail records no s3 data events)",
            "{}",
            s3.words()
        );
        let ddb = c.vouch(&q("1", "dynamodb", DATA, AUG_22, AUG_22 + 9));
        assert_eq!(ddb.covered_days, 5, "days 3..=7 only");
        // management permissions of the same service are covered on every day
        let mgmt = c.vouch(&q("1", "dynamodb", MGMT, AUG_22, AUG_22 + 9));
        assert_eq!(mgmt.covered_days, 10);
    }

    #[test]
    fn never_logged_permissions_are_never_vouched_for() {
        let cells: Vec<CoverageCell> = (0..90)
            .map(|d| cell("1", "us-east-1", "iam", LogClass::Management, AUG_22 + d))
            .collect();
        let c = Coverage::new(&cells, CoverageMode::PerScope);
        let v = c.vouch(&q("1", "iam", Logging::Never, AUG_22, AUG_22 + 89));
        assert_eq!(v.covered_days, 0);
        assert!(!v.vouches(1));
    }

    #[test]
    fn per_location_counts_each_region_on_its_own() {
        let mut cells: Vec<CoverageCell> = (0..10)
            .map(|d| cell("1", "eu-west-1", "s3", LogClass::Management, AUG_22 + d))
            .collect();
        cells.extend(
            (0..5).map(|d| cell("1", "us-east-1", "iam", LogClass::Management, AUG_22 + d)),
        );
        let scope = Coverage::new(&cells, CoverageMode::PerScope);
        let region = Coverage::new(&cells, CoverageMode::PerLocation);
        let mut ask = q("1", "s3", MGMT, AUG_22, AUG_22 + 9);
        assert_eq!(scope.vouch(&ask).covered_days, 10);
        assert_eq!(
            region.vouch(&ask).covered_days,
            5,
            "no location: days every region had logs"
        );
        ask.location = Some("us-east-1");
        assert_eq!(region.vouch(&ask).covered_days, 5);
        ask.location = Some("eu-west-1");
        assert_eq!(region.vouch(&ask).covered_days, 10);
        ask.location = Some("ap-south-1");
        assert_eq!(region.vouch(&ask).covered_days, 0);
        assert_eq!(
            scope.vouch(&ask).covered_days,
            10,
            "a multi-region trail covers it"
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    const SERVICES: [&str; 3] = ["s3", "iam", "dynamodb"];
    const LOCATIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-south-1"];

    fn cells() -> impl Strategy<Value = Vec<CoverageCell>> {
        prop::collection::vec((0..3usize, 0..3usize, any::<bool>(), 0..120i64), 0..60).prop_map(
            |v| {
                v.into_iter()
                    .map(|(l, s, data, day)| CoverageCell {
                        provider: Provider::Aws,
                        scope: "1".into(),
                        location: LOCATIONS[l].into(),
                        service: SERVICES[s].into(),
                        class: if data {
                            LogClass::Data
                        } else {
                            LogClass::Management
                        },
                        day,
                    })
                    .collect()
            },
        )
    }

    fn ask(
        c: &Coverage,
        service: &str,
        logging: Logging,
        location: Option<&str>,
        first: Day,
        last: Day,
    ) -> Vouch {
        c.vouch(&Question {
            provider: Provider::Aws,
            scope: "1",
            location,
            service,
            logging,
            first,
            last,
        })
    }

    proptest! {
        /// Covered days and gaps partition the window; nothing is counted that no cell shows.
        #[test]
        fn covered_days_and_gaps_partition_the_window(cells in cells(), first in 0..100i64, len in 1..60i64) {
            let last = first + len - 1;
            let c = Coverage::new(&cells, CoverageMode::PerScope);
            let v = ask(&c, "iam", Logging::Logged(LogClass::Management), None, first, last);
            let gap_days: i64 = v.gaps.iter().map(|(a, b)| b - a + 1).sum();
            if v.scope_has_logs {
                prop_assert_eq!(i64::from(v.covered_days) + gap_days, len);
            }
            let distinct: std::collections::BTreeSet<Day> =
                cells.iter().map(|c| c.day).filter(|d| (first..=last).contains(d)).collect();
            prop_assert_eq!(v.covered_days as usize, distinct.len());
        }

        /// Data events, one region, or a permission never logged vouch for no more than the
        /// account's management coverage; more logs never vouch for less.
        #[test]
        fn narrower_questions_vouch_for_less_and_more_logs_for_more(
            cells in cells(), extra in cells(), first in 0..100i64, len in 1..60i64
        ) {
            let last = first + len - 1;
            let scope = Coverage::new(&cells, CoverageMode::PerScope);
            let region = Coverage::new(&cells, CoverageMode::PerLocation);
            let mgmt = ask(&scope, "s3", Logging::Logged(LogClass::Management), None, first, last);
            let data = ask(&scope, "s3", Logging::Logged(LogClass::Data), None, first, last);
            let never = ask(&scope, "s3", Logging::Never, None, first, last);
            prop_assert!(data.covered_days <= mgmt.covered_days);
            prop_assert_eq!(never.covered_days, 0);
            prop_assert!(!never.vouches(1));
            for loc in LOCATIONS.iter().map(|l| Some(*l)).chain([None]) {
                let r = ask(&region, "s3", Logging::Logged(LogClass::Management), loc, first, last);
                prop_assert!(r.covered_days <= mgmt.covered_days);
            }
            let mut more = cells.clone();
            more.extend(extra);
            let wider = Coverage::new(&more, CoverageMode::PerScope);
            let m2 = ask(&wider, "s3", Logging::Logged(LogClass::Management), None, first, last);
            prop_assert!(m2.covered_days >= mgmt.covered_days);
        }
    }
}
