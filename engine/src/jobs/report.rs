//! The `report` job: one periodic review for people — the recommendations, the findings, the
//! logs' coverage and the alerts raised — from one evidence store, composed into [`ReportData`].

use super::check::{check, CheckReport, CheckRequest, FindingFilter};
use super::recommend::{recommend, Evidence, EvidenceRequest, RecommendReport, RecommendRequest};
use super::report_data::ReportData;
use super::JobError;
use crate::usage::{Progress, Store};

/// Alerts shown at most (the newest).
const ALERTS_SHOWN: usize = 500;

/// What to report on.
pub struct ReportRequest<'p> {
    /// Snapshots, usage evidence, rules and window.
    pub evidence: EvidenceRequest,
    /// Told about the temporary ingest's progress.
    pub progress: &'p dyn Progress,
}

/// What `report` found: the two jobs' own reports, and the data composed from them.
pub struct ReportRun {
    /// The recommendations.
    pub recommend: RecommendReport,
    /// The findings.
    pub check: CheckReport,
    /// Everything the report shows.
    pub data: ReportData,
}

impl ReportRun {
    /// True when some input could not be used.
    pub fn input_failed(&self) -> bool {
        self.recommend.input_failed() || self.check.input_failed()
    }
}

/// Runs `recommend` and `check` over one evidence store (the logs are ingested once) and
/// composes their reports with the alerts the store holds.
pub fn report(request: &ReportRequest<'_>) -> Result<ReportRun, JobError> {
    let req = &request.evidence;
    let mut evidence = Evidence::open(req.db.as_ref(), &req.logs, request.progress, req.now)?;
    // both jobs read the store made once, never the logs again
    let from_store = EvidenceRequest {
        db: Some(evidence.path.clone()),
        logs: Vec::new(),
        ..req.clone()
    };
    let mut recommended = recommend(&RecommendRequest {
        evidence: from_store,
        principal: None,
        resources: None,
        credential_report: None,
        progress: request.progress,
    })?;
    recommended.ingest = evidence.ingest.take();
    let checked = check(&CheckRequest {
        paths: Vec::new(),
        snapshots: req.snapshots.clone(),
        baseline: Vec::new(),
        rules: req.rules.clone(),
        db: Some(evidence.path.clone()),
        now: req.now,
        window_days: req.window_days,
        filter: FindingFilter::default(),
    })?;
    let alerts = Store::open_read_only(&evidence.path)?.raised_alerts(
        recommended.window.since,
        req.now,
        ALERTS_SHOWN,
    )?;
    let data = ReportData::compose(Some(&recommended), Some(&checked), alerts);
    Ok(ReportRun {
        recommend: recommended,
        check: checked,
        data,
    })
}
