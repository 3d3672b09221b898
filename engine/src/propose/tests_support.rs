//! Fixtures for the proposal tests: a one-role snapshot from inline policy JSON, coverage of
//! the window, observations.

use super::*;
use crate::aws::policy::DocumentKind;
use crate::catalog::AwsCatalog;
use crate::effective::Resolver;
use crate::model::time::DAY;
use crate::model::{CoverageCell, CoverageMode, LogClass, PrincipalKind, Provider, ResourceMode};
use crate::source::Location;
use std::collections::BTreeMap;

pub(super) const ACCOUNT: &str = "111122223333";
pub(super) const ROLE: &str = "arn:aws:iam::111122223333:role/app";
/// 2026-11-25T00:00Z
pub(super) const NOW: Epoch = 20_782 * DAY;

pub(super) fn cat() -> &'static AwsCatalog {
    AwsCatalog::embedded()
}

pub(super) fn location() -> Location {
    Location {
        file: "test.json".into(),
        json_path: String::new(),
        span: None,
        line: None,
        column: None,
    }
}

/// A snapshot with one role holding `inline` policies (name, JSON) and, optionally, a boundary.
pub(super) fn inventory(inline: &[(&str, &str)], boundary: Option<&str>) -> Inventory {
    let mut inv = Inventory::default();
    let mut ids = Vec::new();
    for (name, text) in inline {
        let id = format!("{ROLE}#{name}");
        inv.policies.insert(
            id.clone(),
            Policy {
                id: id.clone(),
                name: name.to_string(),
                kind: PolicyKind::Inline,
                document: PolicyDocument::parse(text, DocumentKind::Identity)
                    .expect("valid test policy"),
                location: location(),
            },
        );
        ids.push(id);
    }
    let boundary_id = boundary.map(|text| {
        let id = format!("arn:aws:iam::{ACCOUNT}:policy/boundary");
        inv.policies.insert(
            id.clone(),
            Policy {
                id: id.clone(),
                name: "boundary".into(),
                kind: PolicyKind::CustomerManaged,
                document: PolicyDocument::parse(text, DocumentKind::Identity)
                    .expect("valid boundary"),
                location: location(),
            },
        );
        id
    });
    inv.principals.push(Principal {
        id: ROLE.into(),
        provider: Provider::Aws,
        kind: PrincipalKind::Role,
        scope: ACCOUNT.into(),
        name: "app".into(),
        path: "/".into(),
        tags: BTreeMap::new(),
        groups: Vec::new(),
        policies: ids,
        boundary: boundary_id,
        trust_policy: None,
        created: None,
        last_used: None,
        location: location(),
    });
    inv
}

pub(super) fn window() -> Window {
    Window::ending(NOW, 90)
}

/// Coverage of every day of the window, management events, and data events for `data`.
pub(super) fn coverage(days: i64, data: &[&str]) -> Coverage {
    let w = window();
    let mut cells = Vec::new();
    for day in (w.last - days + 1)..=w.last {
        let cell = |service: &str, class| CoverageCell {
            provider: Provider::Aws,
            scope: ACCOUNT.into(),
            location: "eu-west-1".into(),
            service: service.into(),
            class,
            day,
        };
        cells.push(cell("sts", LogClass::Management));
        for s in data {
            cells.push(cell(s, LogClass::Data));
        }
    }
    Coverage::new(&cells, CoverageMode::PerScope)
}

pub(super) fn seen(permission: &str, resource: &str) -> Observation {
    Observation {
        permission: permission.into(),
        resource: resource.into(),
        first_seen: Some(NOW - 30 * DAY),
        last_seen: NOW - 2 * DAY,
        count: 3,
    }
}

pub(super) struct Case<'a> {
    pub inline: Vec<(&'a str, &'a str)>,
    pub boundary: Option<&'a str>,
    pub seen: Vec<Observation>,
    pub coverage: Coverage,
    pub mode: ResourceMode,
    pub keep: Vec<KeepEntry>,
}

impl<'a> Case<'a> {
    pub fn new(inline: &[(&'a str, &'a str)]) -> Self {
        Case {
            inline: inline.to_vec(),
            boundary: None,
            seen: Vec::new(),
            coverage: coverage(90, &["s3"]),
            mode: ResourceMode::Granted,
            keep: Vec::new(),
        }
    }

    pub fn run(&self) -> Proposal {
        let inv = inventory(&self.inline, self.boundary);
        let p = &inv.principals[0];
        let effective = Resolver::new(cat(), &inv).resolve(p);
        propose(&ProposeInput {
            catalog: cat(),
            inventory: &inv,
            principal: p,
            effective: &effective,
            observations: &self.seen,
            coverage: &self.coverage,
            window: window(),
            min_coverage_days: 60,
            resources: self.mode,
            keep: &self.keep,
        })
    }
}
