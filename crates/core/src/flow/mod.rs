//! YAML -> validated flow graph: `raw` (serde types) -> `validate` -> [`Flows`].
//!
//! Nothing downstream sees an unchecked id: every `goto`, sign, audience and area has been
//! resolved, every regex compiled, and every problem reported with its file, line and column.
//! Reading files lives in `load`; everything else is pure and takes strings.
//!
//! [`walker`] holds how a turn moves through the graph and which buttons a node shows, and
//! [`callback`] the data those buttons carry: the engine follows both and the validator checks
//! them, so this module never depends on the engine.

pub mod callback;
pub mod load;
pub mod raw;
pub mod validate;
pub mod walker;

use crate::diag::Location;
use crate::pattern::{Pattern, Set};
use std::collections::HashMap;

pub use load::{load_dir, parse_file};
pub use validate::{validate, ValidateContext};

/// Index of a node in [`Flows::nodes`].
pub type NodeIdx = usize;

/// Where a button or rule leads: a `goto:` (or `next:`, `typed:`...), resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Goto {
    Node(NodeIdx),
    /// Back to the node after the `call:` that entered this sub-flow (or the main start).
    Return,
    /// The engine's emergency message (999), with nothing else in the way. The user stays where
    /// they were, so "carry on" shows the same question again.
    Emergency,
}

/// The validated flows: a graph with resolved indices and compiled regexes.
#[derive(Debug, Clone)]
pub struct Flows {
    /// Short hash of every source file: stale buttons from an older version are recognised.
    pub version: String,
    pub nodes: Vec<Node>,
    pub node_index: HashMap<String, NodeIdx>,
    pub flows: Vec<FlowInfo>,
    /// The flow `/start` begins (named `main`).
    pub main: usize,
    pub audiences: Vec<Audience>,
    pub categories: Vec<Category>,
    pub signs: Vec<Sign>,
    pub sign_index: HashMap<String, usize>,
    /// Every sign's patterns in one set, so a message is read once for all signs (and the flows
    /// load fast: building one set costs far less than a regex per pattern).
    pub sign_patterns: Set,
    /// For each pattern in `sign_patterns`, the sign it belongs to.
    pub pattern_sign: Vec<usize>,
    /// The node `/area` goes to (the first `area: true` node of the main flow, else any).
    pub area_node: Option<NodeIdx>,
}

#[derive(Debug, Clone)]
pub struct FlowInfo {
    pub name: String,
    pub origin: String,
    pub start: NodeIdx,
    /// Messages in this flow are written for young people (readability check applies).
    pub young_readers: bool,
}

#[derive(Debug, Clone)]
pub struct Audience {
    pub id: String,
    pub label: String,
    pub young: bool,
}

#[derive(Debug, Clone)]
pub struct Category {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct Sign {
    pub id: String,
    pub label: String,
    pub explain: String,
    pub category: Option<usize>,
    /// The sign's own-words patterns as written (compiled together in [`Flows::sign_patterns`]).
    pub patterns: Vec<String>,
    /// Serious enough on its own to report now; conditions test it with `severe:`.
    pub severe: bool,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub id: String,
    pub flow: usize,
    pub loc: Location,
    /// The message, with placeholders still in it (filled at render time).
    pub say: Option<String>,
    pub kind: NodeKind,
    /// What words that press no button do at a node with buttons (a choice, a pick list or an
    /// answer): `Goto::Node`, read them there (a free-text node, or a branch that leads to
    /// one), so a description typed at a list is read, not refused; `Goto::Emergency`, fail
    /// safe (the emergency message, then this question again). Without it they get "Sorry, I
    /// didn't understand".
    pub typed: Option<Goto>,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Message {
        next: Goto,
        /// With a button, wait for the press; without, go straight on to `next` (a short run of
        /// messages, one idea each, sent together).
        button: Option<String>,
    },
    Choice {
        choices: Vec<Choice>,
    },
    Pick {
        signs: Vec<usize>,
        next: Goto,
        button: String,
        /// Buttons after the done button ("Another group").
        also: Vec<Choice>,
    },
    Ask {
        rules: Vec<Rule>,
        /// Where to go when the catalogue's sign patterns found something.
        found: Option<Goto>,
        fallback: Goto,
        /// Buttons shown under the question besides "Start again" (a way back to the list).
        also: Vec<Choice>,
    },
    Area {
        next: Goto,
        /// Buttons after the areas ("Some of them", "Not quite").
        also: Vec<Choice>,
        /// Choosing an area also accepts the pending signs (found in the user's own words).
        confirms: bool,
    },
    Branch {
        arms: Vec<Arm>,
    },
    Call {
        flow: usize,
        next: Goto,
    },
    End {
        also: Vec<Choice>,
    },
}

impl NodeKind {
    /// The buttons the flow gives this node (a choice node's choices, or another kind's `also:`).
    pub fn choices(&self) -> &[Choice] {
        match self {
            NodeKind::Choice { choices }
            | NodeKind::End { also: choices }
            | NodeKind::Ask { also: choices, .. }
            | NodeKind::Pick { also: choices, .. }
            | NodeKind::Area { also: choices, .. } => choices,
            NodeKind::Message { .. } | NodeKind::Branch { .. } | NodeKind::Call { .. } => &[],
        }
    }
}

#[derive(Debug, Clone)]
pub struct Choice {
    pub label: String,
    pub goto: Goto,
    pub when: Option<Condition>,
    pub set_audience: Option<usize>,
    pub add_signs: Vec<usize>,
    pub confirm_pending: bool,
    pub clear_signs: bool,
    /// What this button leads to replaces the message it is on, when that is one message.
    pub in_place: bool,
    /// Other typed answers that press this button, folded by [`answer_key`].
    pub words: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub pattern: Pattern,
    pub goto: Goto,
    pub add_signs: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Arm {
    pub condition: Option<Condition>,
    pub goto: Goto,
}

/// All parts that are `Some` must hold; each list means "any of these".
#[derive(Debug, Clone, Default)]
pub struct Condition {
    pub audience: Option<Vec<usize>>,
    /// Area ids; the empty string stands for "no area chosen".
    pub area: Option<Vec<String>>,
    pub young: Option<bool>,
    pub has_signs: Option<bool>,
    pub signs: Option<Vec<usize>>,
    pub category: Option<Vec<usize>>,
    /// Whether any chosen sign is severe.
    pub severe: Option<bool>,
}

/// Placeholders a message may use, filled by the engine at render time.
pub const PLACEHOLDERS: &[&str] = &["contacts", "signs", "noticed", "pending_signs", "area", "time"];

/// Telegram's limits, checked by the validator so a flow can never produce a message or button
/// Telegram would refuse.
pub mod limits {
    /// Characters in one message.
    pub const MESSAGE_CHARS: usize = 4096;
    /// Bytes of callback data per button.
    pub const CALLBACK_BYTES: usize = 64;
    /// Buttons on one message: more than this is unreadable on a phone.
    pub const MAX_BUTTONS: usize = 12;
    /// Characters in a button label before a phone cuts it off.
    pub const BUTTON_LABEL_CHARS: usize = 40;
    /// Flow messages one turn may send (see [`super::walker`]): a chat gets this many at once, and
    /// one more for a note of the engine's; past that each waits a second. The shipped flows'
    /// longest turn is 9 (an answer for someone at work in Cambridgeshire, with online and
    /// missing signs and an injury).
    pub const TURN_MESSAGES: usize = 9;
    /// Characters of an answer (an end node with `{contacts}`) before the contacts, placeholders
    /// at their worst: about one phone screen, so what to do now is seen without scrolling.
    /// Detail belongs behind the answer's buttons.
    pub const ANSWER_CHARS: usize = 700;
    /// Sign labels `{noticed}` names before "and N more", which keeps it to a line or two.
    pub const NOTICED_SIGNS: usize = 4;
}

impl Flows {
    pub fn node(&self, id: &str) -> Option<NodeIdx> {
        self.node_index.get(id).copied()
    }

    pub fn audience(&self, id: &str) -> Option<usize> {
        self.audiences.iter().position(|a| a.id == id)
    }

    pub fn sign(&self, id: &str) -> Option<usize> {
        self.sign_index.get(id).copied()
    }

    /// Signs whose patterns match `text`, in catalogue order, each once.
    pub fn signs_in(&self, text: &str) -> Vec<usize> {
        let mut found: Vec<usize> =
            self.sign_patterns.matches(text).into_iter().map(|p| self.pattern_sign[p]).collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Where `/start` begins.
    pub fn main_start(&self) -> NodeIdx {
        self.flows[self.main].start
    }
}

/// Lower case, trimmed, tick marks and surrounding punctuation removed: how a typed answer is
/// compared with button labels.
pub fn label_key(text: &str) -> String {
    text.trim()
        .trim_start_matches("✅")
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a typed answer is compared with a button's `words:`: lower case, apostrophes dropped,
/// every other mark a space ("No, she's safe!" is "no shes safe").
pub fn answer_key(text: &str) -> String {
    let folded: String = text
        .chars()
        .filter(|c| !matches!(c, '\'' | '’' | '‘' | '`'))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded.to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}
