//! Unified diffs of documents, as reviewers read them in pull requests.

use similar::{Algorithm, TextDiff};

/// The unified diff (3 lines of context) from `old` to `new`, with `---`/`+++` headers naming
/// them; empty when they are equal.
pub fn unified(old_name: &str, new_name: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    // patience: fast on long lists where most lines go, and what reviewers expect to read
    TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .diff_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_show_removed_and_added_lines_with_headers() {
        let d = unified("a.json", "b.json", "x\ny\nz\n", "x\nz\nw\n");
        assert!(d.starts_with("--- a.json\n+++ b.json\n"), "{d}");
        assert!(d.contains("\n-y\n"), "{d}");
        assert!(d.contains("\n+w\n"), "{d}");
        assert_eq!(unified("a", "b", "same\n", "same\n"), "");
    }
}
