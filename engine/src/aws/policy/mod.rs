//! The AWS IAM policy language: documents as AWS accepts them, matching, conditions and evaluation.

mod condition;
mod decision;
mod document;
mod eval;
mod terraform;
mod variables;
mod write;

pub use condition::{Condition, ConditionOp, RequestContext, SetQualifier};
pub(crate) use decision::RCP_SERVICES;
pub use decision::{decide, naming, Caller, Chain, ChainDecision, Named, PolicyType};
pub use document::{
    ActionSpec, DocError, DocumentKind, Effect, PolicyDocument, PolicyVersion, PrincipalSpec,
    ResourceSpec, Statement,
};
pub use eval::{
    simulate, simulate_knowing, Decision, MatchedStatement, PolicyRole, Request, Simulation,
    SimulationInput,
};
pub use terraform::{identifier as terraform_identifier, to_terraform};
pub use variables::{Template, Unresolved};
pub use write::{quota_size, to_json};

/// Three-valued logic: a condition whose context is unknown is neither true nor false.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    /// Holds.
    True,
    /// Does not hold.
    False,
    /// Depends on request context that was not supplied.
    Unknown,
}

impl Truth {
    /// From a plain bool.
    pub fn of(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    /// Kleene conjunction.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }

    /// Kleene disjunction.
    pub fn or(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        }
    }

    /// Negation.
    pub fn negate(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}
