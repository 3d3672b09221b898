//! AWS: the IAM policy language and its evaluation.

pub mod arn;
pub mod known_managed;
pub mod policy;
pub mod resource_grants;
pub mod validate;

/// An AWS snapshot: principals and their IAM policy documents.
pub type Inventory = crate::model::Inventory<policy::PolicyDocument>;

/// An IAM policy with its identity and origin.
pub type Policy = crate::model::Policy<policy::PolicyDocument>;

/// Where a policy's statement comes from: the policy (`id`, `name`, `kind`), the group it is held
/// through, and the statement's place under `base` (the policy's location; `path` is the JSON
/// path from there to the statement list's owner, `Statement[i]` is added).
pub(crate) fn statement_origin(
    (id, name, kind): (&str, &str, crate::model::PolicyKind),
    via_group: Option<&str>,
    base: &crate::source::Location,
    path: &str,
    stmt: &policy::Statement,
) -> crate::model::Origin {
    let mut location = base.clone();
    location.json_path = format!("{}{path}.Statement[{}]", location.json_path, stmt.index);
    if let Some(span) = &stmt.span {
        location.span = Some(span.clone());
    }
    location.line = stmt.line.or(location.line);
    location.column = stmt.column.or(location.column);
    crate::model::Origin {
        policy: id.to_string(),
        policy_name: name.to_string(),
        policy_kind: kind,
        via_group: via_group.map(str::to_string),
        statement: stmt.index,
        sid: stmt.sid.clone(),
        location,
    }
}
