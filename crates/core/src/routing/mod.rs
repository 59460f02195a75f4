//! Area routing: the right contacts for where the user is, by county, town or postcode, at the
//! right time of day.
//!
//! Owns: the areas the bot covers and their contacts (`config/areas.yaml`, `contacts.yaml`),
//! the postcode index (`postcode-index.txt`), bank holidays and opening
//! hours in UK time (`bank-holidays.yaml`), and the plain-text contact blocks.
//!
//! Pure: no network, no clock, no logging. The one exception is [`Router::load_dir`], which reads
//! the four files (and today's date, for staleness warnings) and hands them to
//! [`Router::from_sources`]. Callers pass "now" into every time-dependent call.
//!
//! - [`area`]: [`AreaId`] and [`Area`].
//! - [`contact`]: [`Contact`], its kinds and the format rules for phone numbers and addresses.
//! - [`hours`]: opening hours in Europe/London, bank holidays, [`parse_uk_local`].
//! - [`postcode`]: reading typed postcodes (full, sector, district); a full one is never kept.
//! - [`index`]: the postcode index (`postcode-index.txt`, generated from the ONS Postcode
//!   Directory): postcode -> local authority -> children's services council.
//! - [`place`]: normalising names, one-typo tolerance, the name index.
//! - [`config`]: raw YAML types, then one checker per file (collecting every located problem).
//! - [`router`]: [`Router`], [`RouteDecision`].
//! - `block`: rendering the contact block.

pub mod area;
mod block;
pub mod config;
pub mod contact;
pub mod hours;
pub mod index;
pub mod place;
pub mod postcode;
pub mod router;

pub use area::{Area, AreaId};
pub use config::RoutingSources;
pub use contact::{Contact, ContactAudience, ContactKind};
pub use hours::parse_uk_local;
pub use index::{Authority, AuthorityId, PostcodeIndex, UnitLookup};
pub use router::{NationalReason, RouteDecision, Router, POSTCODE_NOT_FOUND};
