//! The length checker: an answer fits one phone screen before its contacts, and every message
//! fits in one Telegram message with its placeholders at their worst (an unknown placeholder is
//! reported here, where they are all read).

use super::{Report, ValidateContext};
use crate::diag::{suggest, Location};
use crate::flow::{limits, Flows, Node, NodeKind, PLACEHOLDERS};

pub(super) struct LengthChecker<'a> {
    ctx: &'a ValidateContext,
    /// `{signs}` at its longest: every sign with its explanation.
    signs_chars: usize,
    /// `{pending_signs}` at its longest: every sign's label, one a line.
    pending_chars: usize,
    /// `{noticed}` at its longest: as many labels as it names, and "and N more".
    noticed_chars: usize,
}

impl<'a> LengthChecker<'a> {
    pub fn new(flows: &Flows, ctx: &'a ValidateContext) -> LengthChecker<'a> {
        let signs_chars: usize =
            flows.signs.iter().map(|s| s.label.chars().count() + s.explain.chars().count() + 8).sum();
        let pending_chars: usize = flows.signs.iter().map(|s| s.label.chars().count() + 3).sum();
        let noticed_chars = limits::NOTICED_SIGNS * (limits::BUTTON_LABEL_CHARS + 2) + 16;
        LengthChecker { ctx, signs_chars, pending_chars, noticed_chars }
    }

    /// Check `node`'s message `say`, written at `say_loc`.
    pub fn check(&self, node: &Node, say: &str, say_loc: &Location, report: &mut Report) {
        if let (NodeKind::End { .. }, Some(at)) = (&node.kind, say.find("{contacts}")) {
            // The answer fits one phone screen before its contacts.
            let before = &say[..at];
            let mut chars = before.chars().count();
            for name in placeholders(before) {
                chars += match name {
                    "signs" => self.signs_chars,
                    "pending_signs" => self.pending_chars,
                    "noticed" => self.noticed_chars,
                    _ => 40,
                };
            }
            if chars > limits::ANSWER_CHARS {
                report.err(
                    say_loc.clone(),
                    format!(
                        "the answer in node \"{}\" could be {chars} characters before the contacts; an answer fits one phone screen ({}). Put the detail behind a button",
                        node.id,
                        limits::ANSWER_CHARS
                    ),
                );
            }
        }
        let mut worst = say.chars().count() + self.ctx.footer_chars;
        for name in placeholders(say) {
            worst += match name {
                "contacts" => self.ctx.max_contacts_chars,
                "noticed" => self.noticed_chars,
                "signs" => self.signs_chars,
                "pending_signs" => self.pending_chars,
                "area" => self.ctx.max_area_label_chars.max(30),
                "time" => 40,
                other => {
                    let hint = suggest(other, PLACEHOLDERS.iter().copied());
                    report.err(
                        say_loc.clone(),
                        format!("unknown placeholder {{{other}}}{hint}; known: {}", PLACEHOLDERS.join(", ")),
                    );
                    0
                }
            };
        }
        if worst > limits::MESSAGE_CHARS {
            report.err(
                say_loc.clone(),
                format!(
                    "node \"{}\" could render {worst} characters; Telegram allows {}. Split it into two nodes",
                    node.id,
                    limits::MESSAGE_CHARS
                ),
            );
        }
    }
}

/// `{name}` placeholders in a message.
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .filter(|name| !name.is_empty() && name.len() < 40 && !name.contains(char::is_whitespace))
}
