//! The one place that touches the YAML crate, so it can be swapped in one file.
//!
//! Flows and config are parsed with `marked-yaml`, which keeps the line and column of every value
//! (`Spanned<T>`) and rejects duplicate keys. serde_yaml silently keeps the last of two equal keys
//! in a typed map and forgets positions after parsing, which would hide exactly the mistakes
//! staff most need pointed out.

use crate::diag::{Diagnostic, Location};
use marked_yaml::{LoaderOptions, Marker};
use serde::de::DeserializeOwned;

pub use marked_yaml::Spanned;

/// Parse `src` (read from `origin`) into `T`, or say exactly where and why it is not valid.
pub fn from_str<T: DeserializeOwned>(src: &str, origin: &str) -> Result<T, Diagnostic> {
    if src.trim().is_empty() {
        return Err(Location::file(origin).error("the file is empty"));
    }
    let options = LoaderOptions::default().error_on_duplicate_keys(true);
    marked_yaml::from_yaml_with_options(0, src, options).map_err(|e| describe(e, src, origin))
}

/// Where a spanned value starts, as a [`Location`] in `origin`.
pub fn location<T>(value: &Spanned<T>, origin: &str) -> Location {
    at(origin, value.span().start())
}

fn at(origin: &str, m: Option<&Marker>) -> Location {
    match m {
        Some(m) => Location::new(origin, m.line(), m.column()),
        None => Location::file(origin),
    }
}

fn describe(err: marked_yaml::FromYamlError, src: &str, origin: &str) -> Diagnostic {
    use marked_yaml::{FromYamlError, LoadError};
    match err {
        FromYamlError::ParseYaml(load) => match load {
            LoadError::DuplicateKey(inner) => {
                let first = at(origin, inner.prev_key.span().start());
                at(origin, inner.key.span().start()).error(format!(
                    "\"{}\" appears twice (first at line {}); each key and node id must be unique",
                    inner.key.as_str(),
                    first.line
                ))
            }
            LoadError::TopLevelMustBeMapping(m) => {
                at(origin, Some(&m)).error("the file must be a YAML mapping (key: value lines)")
            }
            LoadError::TopLevelMustBeSequence(m) => at(origin, Some(&m)).error("the file must be a YAML list"),
            LoadError::UnexpectedAnchor(m) => {
                at(origin, Some(&m)).error("YAML anchors and aliases (& and *) are not supported; write it out")
            }
            LoadError::MappingKeyMustBeScalar(m) => {
                at(origin, Some(&m)).error("keys must be plain words, not lists or mappings")
            }
            LoadError::UnexpectedTag(m) => at(origin, Some(&m)).error("YAML tags (!something) are not supported"),
            LoadError::ScanError(m, scan) => {
                at(origin, Some(&m)).error(format!("not valid YAML: {}", scan_message(&scan)))
            }
        },
        FromYamlError::FromNode(node_err) => {
            let mut loc = at(origin, node_err.start_mark().as_ref());
            let inner = node_err.into_inner();
            // The parser places an unknown field at its parent mapping; point at the key itself.
            if let marked_yaml::Error::UnknownFieldError(field, _, _) = &inner {
                if let Some(key) = find_key(src, origin, field, loc.line) {
                    loc = key;
                }
            }
            loc.error(inner.to_string())
        }
    }
}

/// The first line at or after `from_line` whose key is `key` (`key:` or `- key:`).
fn find_key(src: &str, origin: &str, key: &str, from_line: usize) -> Option<Location> {
    src.lines().enumerate().skip(from_line.saturating_sub(1)).find_map(|(i, line)| {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let (body, dash) = match body.strip_prefix("- ") {
            Some(rest) => (rest.trim_start(), line.len() - rest.trim_start().len() - indent),
            None => (body, 0),
        };
        let rest = body.strip_prefix(key)?;
        rest.trim_start().starts_with(':').then(|| Location::new(origin, i + 1, indent + dash + 1))
    })
}

/// The scanner's own words without its position suffix (we print the position ourselves).
fn scan_message(scan: &impl std::fmt::Display) -> String {
    let text = scan.to_string();
    match text.find(" at byte ").or_else(|| text.find(" at line ")) {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        #[allow(dead_code)]
        name: Spanned<String>,
        #[serde(default)]
        #[allow(dead_code)]
        items: BTreeMap<String, String>,
    }

    #[test]
    fn duplicate_keys_are_located_at_the_second_one() {
        let err = from_str::<Doc>("name: a\nitems:\n  x: 1\n  x: 2\n", "f.yaml").unwrap_err();
        assert_eq!((err.line, err.column), (4, 3), "{err}");
        assert!(err.message.contains("\"x\" appears twice"), "{err}");
    }

    #[test]
    fn unknown_fields_are_located() {
        let err = from_str::<Doc>("name: a\nnmae: b\n", "f.yaml").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.message.contains("nmae"), "{err}");
    }

    #[test]
    fn syntax_errors_and_empty_files_are_located() {
        let err = from_str::<Doc>("name: [a\n", "f.yaml").unwrap_err();
        assert!(err.line >= 1, "{err}");
        let err = from_str::<Doc>("  \n", "f.yaml").unwrap_err();
        assert_eq!(err.to_string(), "f.yaml: the file is empty");
    }

    #[test]
    fn spans_point_at_values() {
        let doc: Doc = from_str("name: hello\n", "f.yaml").unwrap();
        assert_eq!(location(&doc.name, "f.yaml").to_string(), "f.yaml:1:7");
    }
}
