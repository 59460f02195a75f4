//! Reading flow files from disk, apart from parsing them (unit tests parse string literals).
//!
//! This and `crate::yaml` are the only places flows touch the filesystem or the YAML crate.

use super::raw::RawFile;
use crate::diag::{Diagnostic, Location};
use crate::source::SourceFile;
use std::path::Path;

/// Read every `*.yaml` / `*.yml` file in `dir`, sorted by name so versions hash the same
/// everywhere. A missing or empty directory, or an unreadable file, is a located error.
pub fn load_dir(dir: &Path) -> Result<Vec<SourceFile>, Vec<Diagnostic>> {
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| vec![Location::file(&shown).error(format!("cannot read the flows directory: {e}"))])?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml") | Some("yml")))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(vec![Location::file(&shown).error("no flow files here (expected one or more .yaml files)")]);
    }
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        let origin = path.display().to_string();
        match std::fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push(SourceFile { origin, text }),
                Err(_) => errors.push(Location::file(&origin).error("not a text file (it is not valid UTF-8)")),
            },
            Err(e) => errors.push(Location::file(&origin).error(format!("cannot read: {e}"))),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// Parse one file's YAML into raw types, or say where it is wrong.
pub fn parse_file(file: &SourceFile) -> Result<RawFile, Diagnostic> {
    crate::yaml::from_str(&file.text, &file.origin)
}
