//! Serde types that mirror the flow YAML exactly, with the position of every value that a later
//! check may need to point at. Nothing here is trusted: `validate` turns it into a [`super::Flows`].
//!
//! A flow file reads like this (see the README for the whole format):
//! ```yaml
//! flow: parent
//! start: parent_notice
//! nodes:
//!   parent_notice:
//!     say: What have you noticed?
//!     choices:
//!       - label: Going missing
//!         goto: pick_missing
//! ```

use crate::yaml::Spanned;
use indexmap::IndexMap;
use serde::Deserialize;

/// One file in `flows/`: either a flow (`flow:` + `nodes:`) or the catalogue (`audiences:`,
/// `categories:` and `signs:`). Both shapes share one type so a file can be read without knowing
/// which it is; the validator says if a file mixes them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFile {
    /// The flow's name, used by `call:` and by `signpost graph --flow`.
    pub flow: Option<Spanned<String>>,
    /// A sentence for people reading the file; never shown to users.
    pub about: Option<String>,
    /// The node a `call:` of this flow (or `/start`, for the main flow) begins at.
    pub start: Option<Spanned<String>>,
    /// `young` turns on the readability check for every message in the flow.
    pub readers: Option<Spanned<String>>,
    /// Node id -> node. Ids are global across all files so a `goto` needs no file name.
    pub nodes: Option<Spanned<IndexMap<Spanned<String>, RawNode>>>,
    pub audiences: Option<IndexMap<Spanned<String>, RawAudience>>,
    pub categories: Option<IndexMap<Spanned<String>, RawCategory>>,
    pub signs: Option<IndexMap<Spanned<String>, RawSign>>,
}

/// Who the user is (parent, young person, teacher...). Chosen by a button's `set_audience`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAudience {
    pub label: Spanned<String>,
    /// Young people get Childline first in their contacts and the readability check.
    #[serde(default)]
    pub young: bool,
}

/// A plain-language group of signs ("Going missing", "Gifts and money").
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCategory {
    pub label: Spanned<String>,
}

/// One sign in the catalogue: what the user taps, and why it matters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSign {
    /// Short, fits a phone button.
    pub label: Spanned<String>,
    /// One line saying why this sign matters, shown in the answer.
    pub explain: Spanned<String>,
    pub category: Option<Spanned<String>>,
    /// Regexes (case-insensitive) that find this sign in what a user describes in their own words.
    #[serde(default)]
    pub patterns: Vec<Spanned<String>>,
    /// Say which source this sign comes from (seed file), for reviewers.
    pub source: Option<String>,
    /// Serious enough on its own to report now (drugged, taken to adults or to hotels, a child
    /// telling of abuse): flows branch on it with `if: {severe: true}`, so the reassurance says
    /// "report it now" rather than "there could be other explanations".
    #[serde(default)]
    pub severe: bool,
}

/// One node: one message and what happens next. Which keys are present decides its kind; the
/// validator reports a node that mixes kinds or has none.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNode {
    /// The message. May hold placeholders: {contacts} {signs} {pending_signs} {area} {time}.
    pub say: Option<Spanned<String>>,
    /// Message node: where to go after showing `say` (a "Next" button is added).
    pub next: Option<Spanned<String>>,
    /// Label for the button of a message node (default "Next"), or of a pick node's done button.
    pub button: Option<Spanned<String>>,
    /// Choice node: buttons, each going somewhere.
    pub choices: Option<Spanned<Vec<RawChoice>>>,
    /// Choice node: words typed here that press no button are read as if typed at this node (a
    /// free-text node, or a branch that leads to one), so a description typed where buttons ask
    /// "how would you like to tell me?" is read, not refused. `typed: emergency` fails safe
    /// instead: at "is a child in danger right now?", words that are not a clear answer get the
    /// emergency message, then the question again.
    pub typed: Option<Spanned<String>>,
    /// Multi-select node: sign ids the user can toggle; then `next` on "Done".
    pub pick: Option<Spanned<Vec<Spanned<String>>>>,
    /// Free-text node: rules tried in order on what the user types.
    pub ask: Option<Spanned<RawAsk>>,
    /// Area node: offers the areas as buttons and understands typed places; then `next`.
    pub area: Option<Spanned<bool>>,
    /// Area node only: choosing an area here also accepts the signs found in the user's own
    /// words ("It sounds like you've noticed... If that's right, which area is this in?"), so
    /// confirming and giving the area are one tap.
    pub confirm_pending: Option<Spanned<bool>>,
    /// Branch node: the first rule whose condition holds decides where to go (no message).
    pub branch: Option<Spanned<Vec<RawBranch>>>,
    /// Sub-flow call: run that flow, then come back to `next`.
    pub call: Option<Spanned<String>>,
    /// End node: the answer. The engine adds "Start again" and the quick exit.
    pub end: Option<Spanned<bool>>,
    /// Extra buttons shown on an end node (e.g. "See more signs"), on a free-text node (a way
    /// back to the list from "tell me in your own words"), on a pick list after its done button
    /// ("Another group"), or on an area node after the areas ("Not quite").
    pub also: Option<Spanned<Vec<RawChoice>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChoice {
    pub label: Spanned<String>,
    pub goto: Spanned<String>,
    /// Show this button only when the condition holds.
    pub when: Option<Spanned<RawCondition>>,
    pub set_audience: Option<Spanned<String>>,
    #[serde(default)]
    pub add_signs: Vec<Spanned<String>>,
    /// Accept the signs the bot found in the user's own words.
    #[serde(default)]
    pub confirm_pending: bool,
    /// Forget the signs chosen so far (e.g. "Start again with different signs").
    #[serde(default)]
    pub clear_signs: bool,
    /// Show where it goes in place of the message whose button was pressed (Telegram edits
    /// that message), when it is one message: an answer's "Why these signs matter" and "Back to
    /// my answer" open and close details without a new message each time.
    #[serde(default)]
    pub in_place: bool,
    /// Typed answers that press this button besides its label ("nope", "not sure", "idk"), so a
    /// clear answer at a question that fails safe is never taken for danger.
    #[serde(default)]
    pub words: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAsk {
    #[serde(default)]
    pub rules: Vec<RawRule>,
    /// Also look for every sign's `patterns` in the text; if any are found they become the
    /// pending signs and the conversation goes to `found`.
    pub found: Option<Spanned<String>>,
    /// Where to go when nothing matched.
    pub fallback: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    /// A regex, case-insensitive.
    #[serde(rename = "match")]
    pub pattern: Spanned<String>,
    pub goto: Spanned<String>,
    #[serde(default)]
    pub add_signs: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBranch {
    #[serde(rename = "if")]
    pub condition: Option<Spanned<RawCondition>>,
    pub goto: Spanned<String>,
}

/// All given parts must hold. Lists mean "any of these".
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct RawCondition {
    pub audience: Option<Spanned<Vec<Spanned<String>>>>,
    /// Area ids, or `none` for "no area chosen yet".
    pub area: Option<Spanned<Vec<Spanned<String>>>>,
    /// True when the user's audience is marked `young`.
    pub young: Option<bool>,
    /// True when at least one sign has been chosen (or, false, none).
    pub has_signs: Option<bool>,
    /// Any of these signs chosen.
    pub signs: Option<Spanned<Vec<Spanned<String>>>>,
    /// Any sign of these categories chosen.
    pub category: Option<Spanned<Vec<Spanned<String>>>>,
    /// True when any chosen sign is marked `severe` in the catalogue (or, false, none is).
    pub severe: Option<bool>,
}
