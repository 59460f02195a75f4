//! The rules no flow can switch off: the danger check on every typed message, the emergency
//! message, and the 999 line on every reply. Pure: cues and rules arrive from
//! `config/danger.yaml`; [`triage`] decides, on text [`text`] prepared.
//!
//! Facts here (999, press 55, textphone 18000, 999 BSL) come from `shared/content/contacts.md`.

pub mod net;
mod text;
mod triage;

pub use net::{Net, NetScore, NET_FILE};
pub use text::prepare_for_cues;
pub use triage::{Cue, DangerDetector, Verdict, LEARNED};

/// The line the engine appends to every message the bot sends.
pub const FOOTER: &str = "🆘 If a child is in danger right now, call 999.";

/// The emergency message: first reply whenever danger is detected, `/emergency`, or a flow's
/// "yes, in danger now" button.
pub const EMERGENCY: &str = "🚨 If a child is in danger right now, call 999 now.\n\
\n\
• From a mobile, if you can't speak: stay on the line and press 55 when asked, so they know it is a real emergency.\n\
• Textphone: 18000.\n\
• British Sign Language: use 999 BSL, a free video relay by app or on the web, any time.\n\
• Say where you are: a 999 call from a mobile may be answered by a neighbouring police force.\n\
\n\
When you and the child are safe, I can carry on helping.";
