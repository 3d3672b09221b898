//! Why a job could not run: typed, each with a code and, where there is one, a hint — for the
//! CLI to render with miette.

use crate::usage::StoreError;
use std::path::PathBuf;

/// A name the input does not hold, with the close ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    /// What was asked for.
    pub name: String,
    /// Close names (for "did you mean").
    pub close: Vec<String>,
}

impl NotFound {
    /// `did you mean …?`, when there are close names.
    pub fn hint(&self) -> Option<String> {
        crate::catalog::did_you_mean(&self.close)
    }
}

/// A job that could not run.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum JobError {
    /// No principal by that id or name.
    #[error("no principal `{name}` in the snapshot ({loaded} principals loaded)")]
    #[diagnostic(code(whittle::principal::unknown))]
    UnknownPrincipal {
        /// What was asked for.
        name: String,
        /// Principals in the snapshot.
        loaded: usize,
        /// Close names.
        #[help]
        hint: Option<String>,
    },
    /// A name that matches several principals.
    #[error("`{name}` names several principals; give the ARN: {}", .candidates.join(", "))]
    #[diagnostic(code(whittle::principal::ambiguous))]
    AmbiguousPrincipal {
        /// What was asked for.
        name: String,
        /// The principals it names.
        candidates: Vec<String>,
    },
    /// An action pattern that matches nothing in the catalog.
    #[error("`{name}` matches no action in the catalog")]
    #[diagnostic(code(whittle::catalog::unknown_action))]
    UnknownAction {
        /// The pattern.
        name: String,
        /// Close names.
        #[help]
        hint: Option<String>,
    },
    /// A rule id the rule set does not have.
    #[error("no rule `{name}`")]
    #[diagnostic(code(whittle::rules::unknown_rule))]
    UnknownRule {
        /// The id.
        name: String,
        /// Close ids.
        #[help]
        hint: Option<String>,
    },
    /// A principal the usage store has no usage of.
    #[error("no usage recorded for `{name}`")]
    #[diagnostic(code(whittle::usage::unknown_principal))]
    NoUsage {
        /// The principal.
        name: String,
        /// Close principals of the store.
        #[help]
        hint: Option<String>,
    },
    /// `--db` names a file that does not exist.
    #[error("no usage store at `{}`", path.display())]
    #[diagnostic(
        code(whittle::store::missing),
        help("run `whittle ingest PATH... --db {}` first", path.display())
    )]
    NoStore {
        /// The path given.
        path: PathBuf,
    },
    /// An input path that does not exist.
    #[error("no such file or directory: `{}`", path.display())]
    #[diagnostic(code(whittle::input::missing))]
    NoSuchPath {
        /// The path given.
        path: PathBuf,
    },
    /// Another ingest is writing the store, and this one was told not to wait.
    #[error("usage store `{}` is being written by another whittle ingest ({holder})", path.display())]
    #[diagnostic(
        code(whittle::store::busy),
        help("wait for it to finish, or leave out `--no-wait` to wait for it")
    )]
    StoreBusy {
        /// The store.
        path: PathBuf,
        /// Who holds it, and since when.
        holder: String,
    },
    /// The store's lock file could not be used.
    #[error("cannot lock the usage store `{}`: {message}", path.display())]
    #[diagnostic(code(whittle::store::lock))]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// What the system said.
        message: String,
    },
    /// A store given to `usage merge` cannot be merged; nothing was.
    #[error("cannot merge `{}`: {message}; nothing was merged", shard.display())]
    #[diagnostic(code(whittle::store::merge))]
    Merge {
        /// The shard.
        shard: PathBuf,
        /// Why.
        message: String,
    },
    /// The store could not be read or written.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Store(#[from] StoreError),
}

impl JobError {
    /// An unknown action pattern, with the catalog's closest names.
    pub(crate) fn unknown_action(missing: NotFound) -> Self {
        JobError::UnknownAction {
            hint: missing.hint(),
            name: missing.name,
        }
    }
}
