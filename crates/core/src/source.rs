//! One source file's text and the name to print for it, as every loader takes it: flows, the
//! routing config, the danger cues and the bot settings. Loaders read files into these; the
//! validators only ever see text, so they stay pure and tests can hand them string literals.

/// A file's text and its origin, the path diagnostics name (`flows/parent.yaml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub origin: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(origin: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile { origin: origin.into(), text: text.into() }
    }
}
