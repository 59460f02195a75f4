//! The conversation state: small, serialisable, and free of anything the user typed.

use serde::{Deserialize, Serialize};

/// Where one chat is in the conversation. Holds ids only (node, audience, area, signs): never
/// text the user typed. Stores keep it as it is; the engine never mutates it in place.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The flows version the node id belongs to.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    /// The node whose buttons the user is looking at; `None` before the first message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Nodes to come back to when a sub-flow returns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stack: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Area id; `elsewhere` for the national route.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// ONS codes of the councils running children's services where a postcode put the user,
    /// when it is outside the covered areas: named on the national route. Codes, not text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub councils: Vec<String>,
    /// Sign ids the user said they noticed, in catalogue order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signs: Vec<String>,
    /// Sign ids found in the user's own words, waiting for them to confirm.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<String>,
    /// Area ids offered by a follow-up question (a postcode district split between forces, a
    /// name shared by several places, a likely typo).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub area_options: Vec<String>,
    /// That question, in the router's words (which name the place or district it is about),
    /// kept while it is asked. Empty in sessions saved before it was kept.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub area_question: String,
    /// After `/area`, the node to show again for the new area.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_return: Option<String>,
    /// Unrecognised answers in a row at this node.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub misses: u8,
    /// Unix seconds of the last input, for expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<i64>,
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

impl Session {
    /// The follow-up area question is no longer being asked: forget its options and words.
    pub fn forget_area_question(&mut self) {
        self.area_options.clear();
        self.area_question.clear();
    }

    /// True before the conversation has begun (or after quick exit).
    pub fn is_new(&self) -> bool {
        self.node.is_none()
    }
}
