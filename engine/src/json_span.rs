//! Where a value sits in JSON text, by its JSON path (`.policy.bindings[2]`, `[6]`,
//! `.value[3].properties`): a scan of the text, for readers that parse into `serde_json::Value`
//! and still want to point users at the line of a binding or an assignment.

use std::ops::Range;

enum Step<'p> {
    Key(&'p str),
    Index(usize),
}

fn steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            out.push(Step::Key(&r[..end]));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            out.push(Step::Index(r[..end].parse().ok()?));
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(out)
}

fn ws(b: &[u8], mut at: usize) -> usize {
    while b.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The end of the string starting at `at` (just past its closing quote).
fn string_end(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 1;
    loop {
        match b.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The end of the value starting at `at`.
fn value_end(b: &[u8], at: usize) -> Option<usize> {
    match b.get(at)? {
        b'"' => string_end(b, at),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            loop {
                match b.get(i)? {
                    b'"' => {
                        i = string_end(b, i)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        _ => {
            let mut i = at;
            while b
                .get(i)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace())
            {
                i += 1;
            }
            (i > at).then_some(i)
        }
    }
}

/// The byte range of the value at `path` in `text`; `None` when the path is not there (or the
/// text is not JSON up to it).
pub fn span_of(text: &str, path: &str) -> Option<Range<usize>> {
    let b = text.as_bytes();
    let mut at = ws(b, 0);
    for step in steps(path)? {
        match step {
            Step::Key(key) => {
                if *b.get(at)? != b'{' {
                    return None;
                }
                at = ws(b, at + 1);
                loop {
                    if *b.get(at)? != b'"' {
                        return None;
                    }
                    let key_end = string_end(b, at)?;
                    let name = &text[at + 1..key_end - 1];
                    at = ws(b, key_end);
                    if *b.get(at)? != b':' {
                        return None;
                    }
                    at = ws(b, at + 1);
                    if name == key {
                        break;
                    }
                    at = ws(b, value_end(b, at)?);
                    if *b.get(at)? != b',' {
                        return None;
                    }
                    at = ws(b, at + 1);
                }
            }
            Step::Index(n) => {
                if *b.get(at)? != b'[' {
                    return None;
                }
                at = ws(b, at + 1);
                for _ in 0..n {
                    at = ws(b, value_end(b, at)?);
                    if *b.get(at)? != b',' {
                        return None;
                    }
                    at = ws(b, at + 1);
                }
            }
        }
    }
    Some(at..value_end(b, at)?)
}

/// Every object and array of a JSON text by its path, found in one pass: for a reader that
/// locates thousands of items of one file (`[i]`, `.value[i]`, `.policy.bindings[k]`), where
/// [`span_of`] for each would scan the file again and again.
pub fn containers(text: &str) -> std::collections::HashMap<String, Range<usize>> {
    let mut out = std::collections::HashMap::new();
    let b = text.as_bytes();
    let at = ws(b, 0);
    let mut path = String::new();
    walk(b, text, at, &mut path, &mut out);
    out
}

/// Records the container at `at` (and those inside it) under `path`; returns where it ends.
fn walk(
    b: &[u8],
    text: &str,
    at: usize,
    path: &mut String,
    out: &mut std::collections::HashMap<String, Range<usize>>,
) -> Option<usize> {
    let open = *b.get(at)?;
    if open != b'{' && open != b'[' {
        return value_end(b, at);
    }
    let mut i = ws(b, at + 1);
    let mut n = 0usize;
    let base = path.len();
    loop {
        match *b.get(i)? {
            b'}' | b']' => {
                out.insert(path.clone(), at..i + 1);
                return Some(i + 1);
            }
            b',' => i = ws(b, i + 1),
            _ if open == b'{' => {
                let key_end = string_end(b, i)?;
                let key = text.get(i + 1..key_end - 1)?;
                i = ws(b, key_end);
                if *b.get(i)? != b':' {
                    return None;
                }
                path.push('.');
                path.push_str(key);
                let end = walk(b, text, ws(b, i + 1), path, out)?;
                path.truncate(base);
                i = ws(b, end);
            }
            _ => {
                path.push_str(&format!("[{n}]"));
                n += 1;
                let end = walk(b, text, i, path, out)?;
                path.truncate(base);
                i = ws(b, end);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{containers, span_of};

    #[test]
    fn one_pass_finds_every_container_where_span_of_does() {
        let index = containers(DOC);
        for path in [
            "",
            ".policy",
            ".policy.bindings",
            ".policy.bindings[0]",
            ".policy.bindings[1]",
            ".policy.bindings[1].members",
        ] {
            assert_eq!(index.get(path).cloned(), span_of(DOC, path), "{path}");
        }
        assert!(
            !index.contains_key(".resource"),
            "scalars are not containers"
        );
        let arr = "[{\"a\": 1}, [2, {\"b\": []}], 3]";
        let index = containers(arr);
        assert_eq!(index.get("[1][1].b").map(|r| &arr[r.clone()]), Some("[]"));
        assert_eq!(
            index.get("[0]").map(|r| &arr[r.clone()]),
            Some("{\"a\": 1}")
        );
    }

    const DOC: &str = r#"{
  "resource": "projects/p",
  "policy": {
    "etag": "BwX{]\"x",
    "bindings": [
      {"role": "roles/owner", "members": ["user:a@example.com"]},
      {
        "role": "roles/viewer",
        "members": ["allUsers"]
      }
    ]
  }
}"#;

    fn at<'t>(text: &'t str, path: &str) -> Option<&'t str> {
        span_of(text, path).map(|r| &text[r])
    }

    #[test]
    fn values_are_found_by_their_json_path() {
        assert_eq!(at(DOC, ".resource"), Some("\"projects/p\""));
        assert_eq!(
            at(DOC, ".policy.bindings[0]"),
            Some(r#"{"role": "roles/owner", "members": ["user:a@example.com"]}"#)
        );
        let second = at(DOC, ".policy.bindings[1]").unwrap_or_default();
        assert!(second.starts_with('{') && second.contains("allUsers") && second.ends_with('}'));
        assert_eq!(
            at(DOC, ".policy.bindings[1].members[0]"),
            Some("\"allUsers\"")
        );
        assert_eq!(at("[1, {\"a\": [true, null]}]", "[1].a[1]"), Some("null"));
        assert_eq!(at(DOC, ""), Some(DOC));
    }

    #[test]
    fn paths_that_are_not_there_are_none() {
        assert_eq!(span_of(DOC, ".policy.bindings[2]"), None);
        assert_eq!(span_of(DOC, ".nope"), None);
        assert_eq!(span_of(DOC, ".resource[0]"), None);
        assert_eq!(span_of("{\"a\": ", ".a"), None);
        assert_eq!(span_of(DOC, "policy"), None);
    }
}
