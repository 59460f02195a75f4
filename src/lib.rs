//! Signpost: helps people in England recognise the signs of child exploitation and reach the right
//! people, over Telegram or a terminal.
//!
//! The map (the engine decides; adapters act):
//! - [`flow`]: YAML flows -> validated graph (`raw` serde types -> `validate` -> `Flows`).
//! - [`engine`]: PURE `step(content, session, input, now) -> (session, effects)`.
//! - [`safety`]: the danger check, the emergency message and the 999 line (pure).
//! - [`routing`]: areas, contacts, the postcode index and opening hours (pure, data from `config/`).
//! - [`content`]: loads and validates flows and config together into one `Content`.
//! - [`sandbox`]: the terminal chat and conversation transcript tests.
//! - [`store`]: where conversations are kept between messages (memory, SQLite, Redis).
//! - [`privacy`]: keyed hashes so logs and storage never hold a raw chat id.
//! - [`pattern`]: how staff-written regexes are compiled (case-insensitive, ASCII word boundaries).
//! - [`diag`]: located diagnostics (`path:line:column: message`) shared by every loader.
//! - [`yaml`]: the one place that parses YAML, keeping positions and refusing duplicate keys.
pub mod content;
pub mod diag;
pub mod engine;
pub mod flow;
pub mod pattern;
pub mod privacy;
pub mod routing;
pub mod safety;
pub mod sandbox;
pub mod store;
pub mod telegram;
pub mod yaml;
