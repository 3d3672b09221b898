//! The usage facts rules need, read from the store for one evaluation.

use super::store::{Store, StoreError};
use super::Epoch;
use std::collections::HashMap;

/// What the logs say, per principal, within the observation window.
#[derive(Debug, Clone, Default)]
pub struct UsageFacts {
    /// Principal → action name → last allowed use (within the window).
    pub last_used: HashMap<String, HashMap<String, Epoch>>,
    /// True when the logs cover at least the rules' minimum: absence of use is evidence.
    pub usage_known: bool,
    /// Days the logs cover (first to last day with events, capped to the window).
    pub coverage_days: u64,
}

/// Reads the facts for an evaluation at `now` with the rules' window and minimum coverage.
pub fn usage_facts(
    store: &Store,
    now: Epoch,
    window_days: u32,
    min_coverage_days: u32,
) -> Result<UsageFacts, StoreError> {
    let since = now - i64::from(window_days) * 86_400;
    let mut last_used: HashMap<String, HashMap<String, Epoch>> = HashMap::new();
    for (principal, action, last) in store.last_used_since(since)? {
        last_used.entry(principal).or_default().insert(action, last);
    }
    let summary = store.summary()?;
    let first = summary.regions.iter().map(|r| r.first_day).min();
    let last = summary.regions.iter().map(|r| r.last_day).max();
    let window_start_day = since.div_euclid(86_400);
    let coverage_days = match (first, last) {
        (Some(f), Some(l)) if l >= window_start_day => (l - f.max(window_start_day) + 1) as u64,
        _ => 0,
    };
    Ok(UsageFacts {
        last_used,
        usage_known: coverage_days >= u64::from(min_coverage_days),
        coverage_days,
    })
}
