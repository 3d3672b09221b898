//! How a long job tells its caller how far it is. The engine only counts; the CLI draws.

/// What a stage counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Bytes of input read and parsed.
    Bytes,
    /// Items (principals, files) done.
    Items,
}

/// Receives a job's stages and their progress; called from worker threads.
pub trait Stages: Sync {
    /// A stage begins: what it does and how many `unit`s it has.
    fn stage(&self, what: &str, total: u64, unit: Unit);
    /// `n` more units of the current stage are done.
    fn advance(&self, n: u64);
}

/// Reports nothing.
pub struct Silent;

impl Stages for Silent {
    fn stage(&self, _: &str, _: u64, _: Unit) {}
    fn advance(&self, _: u64) {}
}
