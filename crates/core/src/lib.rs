//! Signpost's pure core: everything the bot decides, and nothing that does I/O. The store, the
//! Telegram adapter, the staff tools and the `signpost` binary are crates above this one; this
//! crate uses no async runtime, network or database, and reads files only in its loaders.
//!
//! The map (the engine decides; adapters act):
//! - [`flow`]: YAML flows -> validated graph (`raw` serde types -> `validate` -> `Flows`).
//! - [`engine`]: PURE `step(content, session, input, now) -> (session, effects)`.
//! - [`safety`]: the danger check, the emergency message and the 999 line (pure).
//! - [`routing`]: areas, contacts, the postcode index and opening hours (pure, data from `config/`).
//! - [`content`]: loads and validates flows and config together into one `Content`.
//! - [`privacy`]: keyed hashes so logs and storage never hold a raw chat id.
//! - [`pattern`]: how staff-written regexes are compiled (case-insensitive, ASCII word boundaries).
//! - [`diag`]: located diagnostics (`path:line:column: message`) shared by every loader.
//! - [`yaml`]: the one place that parses YAML, keeping positions and refusing duplicate keys.
//! - [`source`]: a source file's text and the name diagnostics print for it.
pub mod content;
pub mod diag;
pub mod engine;
pub mod flow;
pub mod pattern;
pub mod privacy;
pub mod routing;
pub mod safety;
pub mod source;
pub mod yaml;
