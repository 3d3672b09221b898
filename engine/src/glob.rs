//! Wildcard matching as IAM does it: `*` matches any sequence (including `:` and `/`), `?` matches
//! exactly one character. Everything else is literal.

/// One element of a compiled wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A literal character.
    Lit(char),
    /// `*`: any sequence of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// Compiles `pattern`, treating `*` and `?` as wildcards.
pub(crate) fn compile(pattern: &str) -> Vec<Tok> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Lit(c),
        })
        .collect()
}

/// True when the pattern contains a wildcard.
pub(crate) fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Matches `text` against compiled tokens; `fold` compares literals case-insensitively (ASCII).
pub(crate) fn matches_toks(toks: &[Tok], text: &str, fold: bool) -> bool {
    let eq = |p: char, t: char| {
        if fold {
            p.eq_ignore_ascii_case(&t)
        } else {
            p == t
        }
    };
    if text.is_ascii() {
        // Action names and most ARNs are ASCII: match bytes without allocating.
        match_slice(toks, text.as_bytes(), |p, t: u8| eq(p, t as char))
    } else {
        let chars: Vec<char> = text.chars().collect();
        match_slice(toks, &chars, eq)
    }
}

/// Iterative matcher with a single backtrack point: linear in practice.
fn match_slice<T: Copy>(toks: &[Tok], text: &[T], eq: impl Fn(char, T) -> bool) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match toks.get(p) {
            Some(Tok::Star) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Tok::One) => {
                p += 1;
                t += 1;
            }
            Some(Tok::Lit(c)) if eq(*c, text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    toks[p..].iter().all(|k| *k == Tok::Star)
}

/// Matches `text` against a wildcard `pattern`.
pub(crate) fn matches(pattern: &str, text: &str, fold: bool) -> bool {
    if !has_wildcard(pattern) {
        return if fold {
            pattern.eq_ignore_ascii_case(text)
        } else {
            pattern == text
        };
    }
    if pattern.is_ascii() && text.is_ascii() {
        return match_bytes(pattern.as_bytes(), text.as_bytes(), fold);
    }
    matches_toks(&compile(pattern), text, fold)
}

/// [`matches`] over ASCII bytes, without compiling the pattern: the hot path (policy evaluation,
/// resource matching) allocates nothing.
fn match_bytes(pat: &[u8], text: &[u8], fold: bool) -> bool {
    let eq = |p: u8, t: u8| {
        if fold {
            p.eq_ignore_ascii_case(&t)
        } else {
            p == t
        }
    };
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pat.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(b'?') => {
                p += 1;
                t += 1;
            }
            Some(&c) if eq(c, text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pat[p..].iter().all(|&k| k == b'*')
}

/// A string both patterns match (`*` any run, `?` one character, compared exactly), when there
/// is one: a witness that two resource patterns overlap. Breadth-first over pairs of positions,
/// so the witness is among the shortest.
pub(crate) fn common_witness(a: &str, b: &str) -> Option<String> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (n, m) = (a.len(), b.len());
    let idx = |i: usize, j: usize| i * (m + 1) + j;
    // parent: (previous state, character consumed on the way, if any)
    let mut parent: Vec<Option<(usize, Option<char>)>> = vec![None; (n + 1) * (m + 1)];
    let mut seen = vec![false; (n + 1) * (m + 1)];
    let mut queue = std::collections::VecDeque::from([(0usize, 0usize)]);
    seen[0] = true;
    while let Some((i, j)) = queue.pop_front() {
        if i == n && j == m {
            let mut out = Vec::new();
            let mut at = idx(i, j);
            while let Some((prev, c)) = parent[at] {
                out.extend(c);
                at = prev;
            }
            out.reverse();
            return Some(out.into_iter().collect());
        }
        let mut next: Vec<(usize, usize, Option<char>)> = Vec::new();
        // a `*` may match nothing
        if i < n && a[i] == '*' {
            next.push((i + 1, j, None));
        }
        if j < m && b[j] == '*' {
            next.push((i, j + 1, None));
        }
        // both consume one character
        if i < n && j < m {
            let step = |p: char, k: usize| if p == '*' { k } else { k + 1 };
            let c = match (a[i], b[j]) {
                (x, y) if !matches!(x, '*' | '?') && !matches!(y, '*' | '?') => {
                    (x == y).then_some(x)
                }
                (x, _) if !matches!(x, '*' | '?') => Some(x),
                (_, y) if !matches!(y, '*' | '?') => Some(y),
                _ => Some('x'),
            };
            if let Some(c) = c {
                next.push((step(a[i], i), step(b[j], j), Some(c)));
            }
        }
        for (ni, nj, c) in next {
            let k = idx(ni, nj);
            if !seen[k] {
                seen[k] = true;
                parent[k] = Some((idx(i, j), c));
                queue.push_back((ni, nj));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_matches_across_separators() {
        assert!(matches(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a/b/c",
            false
        ));
        assert!(matches(
            "arn:aws:iam::*",
            "arn:aws:iam::123456789012:role/x",
            false
        ));
        assert!(matches("*", "", false));
        assert!(matches("a*b*c", "aXXbYYc", false));
        assert!(!matches("a*b*c", "aXXbYY", false));
    }

    #[test]
    fn question_mark_is_exactly_one_char() {
        assert!(matches("s3:Get?bject", "s3:GetObject", false));
        assert!(!matches("s3:Get?bject", "s3:Getbject", false));
        assert!(matches("arn:aws:s3:::b/?", "arn:aws:s3:::b/é", false));
    }

    #[test]
    fn case_folding_is_opt_in() {
        assert!(matches("S3:get*", "s3:GetObject", true));
        assert!(!matches(
            "arn:aws:s3:::Bucket",
            "arn:aws:s3:::bucket",
            false
        ));
    }

    #[test]
    fn backtracking_finds_late_match() {
        assert!(matches("iam:*Policy*", "iam:PutRolePolicy", true));
        assert!(matches("*Policy", "iam:PolicyPolicy", true));
        assert!(!matches("*Policy", "iam:PolicyPolicyX", true));
    }

    proptest::proptest! {
        /// The allocation-free byte matcher and the compiled-token matcher agree.
        #[test]
        fn byte_and_token_matchers_agree(
            pat in "[ab*?:/]{0,8}",
            text in "[abAB:/*]{0,10}",
            fold in proptest::bool::ANY,
        ) {
            proptest::prop_assert_eq!(
                match_bytes(pat.as_bytes(), text.as_bytes(), fold),
                matches_toks(&compile(&pat), &text, fold)
            );
        }
    }

    #[test]
    fn a_common_witness_is_matched_by_both_patterns() {
        let w = common_witness("arn:aws:s3:::b/*", "arn:aws:s3:::*/reports/*").expect("overlap");
        assert!(
            matches("arn:aws:s3:::b/*", &w, false)
                && matches("arn:aws:s3:::*/reports/*", &w, false),
            "{w}"
        );
        assert_eq!(common_witness("arn:aws:s3:::a/*", "arn:aws:s3:::b/*"), None);
        assert_eq!(common_witness("a?c", "abc").as_deref(), Some("abc"));
        assert_eq!(common_witness("*", "*").as_deref(), Some(""));
    }

    proptest::proptest! {
        /// What `common_witness` returns is matched by both patterns; when it finds none, no
        /// short string over the patterns' alphabet is matched by both.
        #[test]
        fn common_witnesses_are_sound_and_complete_on_short_strings(
            a in "[ab*?]{0,5}",
            b in "[ab*?]{0,5}",
        ) {
            match common_witness(&a, &b) {
                Some(w) => proptest::prop_assert!(
                    matches(&a, &w, false) && matches(&b, &w, false),
                    "{} {} {}", a, b, w
                ),
                None => {
                    for len in 0..=6u32 {
                        for bits in 0..(1u32 << len) {
                            let t: String = (0..len)
                                .map(|k| if bits >> k & 1 == 1 { 'a' } else { 'b' })
                                .collect();
                            proptest::prop_assert!(!(matches(&a, &t, false) && matches(&b, &t, false)), "{} {} {}", a, b, t);
                        }
                    }
                }
            }
        }
    }
}
