//! The rows of a query result: CSV with a header, or JSON lines, as a table of strings with where
//! each row and cell is in the file, and the cells every result has (times, counts) read with
//! errors that name the line and column.

use crate::model::time::{parse_time, Epoch};
use crate::source::{InputError, SourceFile};
use serde_json::{Map, Value};

/// A table of strings: the header's (lower-cased) names, and each row's cells by column with
/// where the row starts in the text.
pub(super) struct Table {
    pub(super) names: Vec<String>,
    /// Where each name is first written.
    pub(super) name_offsets: Vec<usize>,
    pub(super) rows: Vec<Row>,
    /// JSON lines leave out the keys of null values (Spark does): only the columns never empty
    /// must be there.
    pub(super) sparse: bool,
}

pub(super) struct Row {
    /// Byte offset of the row in the file.
    pub(super) at: usize,
    /// Cells by column; `None` for an empty cell or JSON `null`.
    pub(super) cells: Vec<Option<String>>,
    /// Byte offset of each cell (the row's start when unknown).
    pub(super) offsets: Vec<usize>,
}

impl Row {
    pub(super) fn cell(&self, i: Option<usize>) -> Option<&str> {
        i.and_then(|i| self.cells[i].as_deref())
            .filter(|s| !s.is_empty())
    }
}

pub(super) fn cell_error(
    src: &SourceFile,
    row: &Row,
    i: Option<usize>,
    name: &str,
    msg: String,
) -> InputError {
    let at = i.map_or(row.at, |i| row.offsets[i]);
    src.error(name, Some(at), msg)
}

pub(super) fn time_cell(
    src: &SourceFile,
    row: &Row,
    i: Option<usize>,
    name: &str,
) -> Result<Epoch, InputError> {
    let v = row
        .cell(i)
        .ok_or_else(|| cell_error(src, row, i, name, "empty".to_string()))?;
    // BigQuery's CSV writes `2026-11-30 10:00:00 UTC`
    let t = v.strip_suffix(" UTC").unwrap_or(v);
    parse_time(t).ok_or_else(|| cell_error(src, row, i, name, format!("`{v}` is not a date-time")))
}

pub(super) fn count_cell(src: &SourceFile, row: &Row, i: Option<usize>) -> Result<u64, InputError> {
    let v = row.cell(i).unwrap_or("");
    match v.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(cell_error(
            src,
            row,
            i,
            "events",
            format!("`{v}` is not a count of at least 1"),
        )),
    }
}

/// A CSV result with a header. Column names are compared lower-cased (engines differ).
pub(super) fn csv_table(src: &SourceFile, text: &str) -> Result<Table, InputError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let names: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(src, &e))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let name_offsets = field_offsets(text, 0, names.len());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(src, &e))?;
        let at = record.position().map_or(0, |p| p.byte() as usize);
        let offsets = field_offsets(text, at, record.len());
        rows.push(Row {
            at,
            cells: record.iter().map(|c| Some(c.to_string())).collect(),
            offsets,
        });
    }
    Ok(Table {
        names,
        name_offsets,
        rows,
        sparse: false,
    })
}

fn csv_error(src: &SourceFile, e: &csv::Error) -> InputError {
    let at = e.position().map(|p| p.byte() as usize);
    let msg = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("a row of {len} fields where the header has {expected_len}")
        }
        _ => format!("invalid CSV: {e}"),
    };
    src.error("", at, msg)
}

/// Where each of a CSV record's `n` fields starts, scanning the record's text from `start`.
fn field_offsets(text: &str, start: usize, n: usize) -> Vec<usize> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(n);
    let mut i = start;
    while out.len() < n && i <= b.len() {
        out.push(i);
        if b.get(i) == Some(&b'"') {
            i += 1;
            while i < b.len() {
                if b[i] == b'"' {
                    if b.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
        }
        while i < b.len() && b[i] != b',' && b[i] != b'\n' {
            i += 1;
        }
        i += 1;
    }
    while out.len() < n {
        out.push(start);
    }
    out
}

/// A JSON-lines result: one object per line; a key a line leaves out is an empty cell there.
pub(super) fn json_lines(src: &SourceFile, text: &str) -> Result<Table, InputError> {
    let mut names: Vec<String> = Vec::new();
    let mut name_offsets = Vec::new();
    let mut parsed = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        if line.trim().is_empty() {
            continue;
        }
        let obj: Map<String, Value> = serde_json::from_str(line).map_err(|e| {
            let col = crate::source::offset_of(line, e.line(), e.column());
            let msg = crate::source::json_message(&e);
            src.error("", Some(at + col), format!("invalid JSON line: {msg}"))
        })?;
        for k in obj.keys() {
            let k = k.to_ascii_lowercase();
            if !names.contains(&k) {
                name_offsets.push(at + line.find(&format!("\"{k}\"")).unwrap_or(0));
                names.push(k);
            }
        }
        parsed.push((at, line, obj));
    }
    let rows = parsed
        .into_iter()
        .map(|(at, line, obj)| {
            let mut cells = vec![None; names.len()];
            let mut offsets = vec![at; names.len()];
            for (k, v) in obj {
                let i = names
                    .iter()
                    .position(|n| n.eq_ignore_ascii_case(&k))
                    .unwrap_or_default();
                offsets[i] = at + line.find(&format!("\"{k}\"")).unwrap_or(0);
                cells[i] = match v {
                    Value::Null => None,
                    Value::String(s) => Some(s),
                    other => Some(other.to_string()),
                };
            }
            Row { at, cells, offsets }
        })
        .collect();
    Ok(Table {
        names,
        name_offsets,
        rows,
        sparse: true,
    })
}
