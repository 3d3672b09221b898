//! A template as a tree with positions: YAML (with CloudFormation's short-form intrinsics,
//! `!Ref`, `!Sub`, `!GetAtt`, `!Join`, …, turned into their long forms) or JSON, which the YAML
//! parser reads too. Every node keeps its 1-based line and column.

use serde_json::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A node of the template with where it starts.
#[derive(Debug, Clone)]
pub struct Node {
    pub value: Tree,
    pub line: usize,
    pub column: usize,
}

/// The node's content.
#[derive(Debug, Clone)]
pub enum Tree {
    Null,
    /// A scalar, and whether it was quoted (quoted scalars are always strings).
    Scalar(String, bool),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The entry `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Tree::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The scalar text, when the node is one.
    pub fn str(&self) -> Option<&str> {
        match &self.value {
            Tree::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// The entries of a mapping, in order.
    pub fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Tree::Map(m) => m,
            _ => &[],
        }
    }

    /// The items of a sequence (a lone node counts as a sequence of itself).
    pub fn items(&self) -> Vec<&Node> {
        match &self.value {
            Tree::Seq(v) => v.iter().collect(),
            Tree::Null => Vec::new(),
            _ => vec![self],
        }
    }

    /// The node as JSON (scalars as strings, except plain `null`/`~` and JSON numbers and
    /// booleans written unquoted, which stay as they are).
    pub fn to_json(&self) -> Value {
        match &self.value {
            Tree::Null => Value::Null,
            Tree::Scalar(s, quoted) => {
                if !quoted {
                    if let Ok(v) = serde_json::from_str::<Value>(s) {
                        if v.is_number() || v.is_boolean() {
                            return v;
                        }
                    }
                }
                Value::String(s.clone())
            }
            Tree::Seq(v) => Value::Array(v.iter().map(Node::to_json).collect()),
            Tree::Map(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }
}

/// A YAML or JSON syntax error: its message and 1-based line and column.
#[derive(Debug)]
pub struct SyntaxError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// Parses a template.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut b, false).map_err(|e| SyntaxError {
        message: e.info().to_string(),
        line: e.marker().line(),
        column: e.marker().col() + 1,
    })?;
    b.done.ok_or_else(|| SyntaxError {
        message: "the file is empty".into(),
        line: 1,
        column: 1,
    })
}

/// A container being built: its node, a pending mapping key, and the tag to apply when it ends.
struct Open {
    node: Node,
    /// A mapping's pending key, with its line and column.
    key: Option<(String, usize, usize)>,
    tag: Option<String>,
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    done: Option<Node>,
}

/// The long form of a short-form intrinsic: `!Ref x` → `{"Ref": x}`, `!GetAtt a.b` →
/// `{"Fn::GetAtt": ["a", "b"]}`, `!Sub …` → `{"Fn::Sub": …}`; other tags are kept as the value.
fn intrinsic(tag: &str, node: Node) -> Node {
    let (line, column) = (node.line, node.column);
    let key = match tag {
        "Ref" => "Ref".to_string(),
        "Condition" => "Condition".to_string(),
        other => format!("Fn::{other}"),
    };
    let inner = match (tag, &node.value) {
        ("GetAtt", Tree::Scalar(s, _)) => {
            let (a, b) = s.split_once('.').unwrap_or((s, ""));
            Node {
                value: Tree::Seq(vec![
                    Node {
                        value: Tree::Scalar(a.to_string(), true),
                        line,
                        column,
                    },
                    Node {
                        value: Tree::Scalar(b.to_string(), true),
                        line,
                        column,
                    },
                ]),
                line,
                column,
            }
        }
        _ => node,
    };
    Node {
        value: Tree::Map(vec![(key, inner)]),
        line,
        column,
    }
}

impl Builder {
    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.done = Some(node),
            Some(open) => match &mut open.node.value {
                Tree::Seq(v) => v.push(node),
                Tree::Map(m) => match open.key.take() {
                    Some((k, line, column)) => {
                        // a block collection starts where its key is (the parser marks its
                        // first entry instead)
                        let mut node = node;
                        if matches!(node.value, Tree::Map(_) | Tree::Seq(_)) {
                            node.line = line;
                            node.column = column;
                        }
                        m.push((k, node))
                    }
                    None => {
                        let (line, column) = (node.line, node.column);
                        if m.is_empty() {
                            // a mapping starts at its first key
                            open.node.line = line;
                            open.node.column = column;
                        }
                        let k = match node.value {
                            Tree::Scalar(s, _) => s,
                            Tree::Null => String::new(),
                            other => format!("{other:?}"),
                        };
                        open.key = Some((k, line, column));
                    }
                },
                _ => {}
            },
        }
    }
}

fn tag_of(t: Option<yaml_rust2::parser::Tag>) -> Option<String> {
    t.filter(|t| t.handle == "!").map(|t| t.suffix)
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let (line, column) = (mark.line(), mark.col() + 1);
        let seq = matches!(ev, Event::SequenceStart(..));
        match ev {
            Event::Scalar(s, style, _, tag) => {
                let quoted = style != TScalarStyle::Plain;
                let value = if !quoted && (s.is_empty() || s == "~" || s == "null") {
                    Tree::Null
                } else {
                    Tree::Scalar(s, quoted)
                };
                let node = Node {
                    value,
                    line,
                    column,
                };
                let node = match tag_of(tag) {
                    Some(t) => intrinsic(&t, node),
                    None => node,
                };
                self.push(node);
            }
            Event::SequenceStart(_, tag) | Event::MappingStart(_, tag) => {
                let value = if seq {
                    Tree::Seq(Vec::new())
                } else {
                    Tree::Map(Vec::new())
                };
                self.stack.push(Open {
                    node: Node {
                        value,
                        line,
                        column,
                    },
                    key: None,
                    tag: tag_of(tag),
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(open) = self.stack.pop() {
                    let node = match open.tag {
                        Some(t) => intrinsic(&t, open.node),
                        None => open.node,
                    };
                    self.push(node);
                }
            }
            _ => {}
        }
    }
}
