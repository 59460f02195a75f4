//! The button checker: labels a phone can show, and no node with more buttons than fit on a
//! phone or button data over Telegram's 64 bytes, counted on every button the [`walker`] says
//! the node can show.

use super::Report;
use crate::diag::Location;
use crate::flow::{limits, walker, Flows, NodeIdx};
use crate::yaml::{location, Spanned};

/// A button label is not empty and fits on a phone.
pub(super) fn check_label(label: &Spanned<String>, origin: &str, report: &mut Report) {
    let n = label.chars().count();
    if label.trim().is_empty() {
        report.err(location(label, origin), "a button label cannot be empty");
    } else if n > limits::BUTTON_LABEL_CHARS {
        report.err(
            location(label, origin),
            format!(
                "button label is {n} characters; a phone shows about {} (\"{}\")",
                limits::BUTTON_LABEL_CHARS,
                label.as_str()
            ),
        );
    }
}

/// Node `i`, declared at `loc`, shows no more buttons than fit on a phone, and each button's data
/// fits in Telegram's limit.
pub(super) fn check_node(flows: &Flows, i: NodeIdx, loc: &Location, report: &mut Report) {
    let node = &flows.nodes[i];
    let buttons: Vec<String> = walker::every_button(flows, i).into_iter().map(|b| b.data).collect();
    if buttons.len() > limits::MAX_BUTTONS {
        report.err(
            loc.clone(),
            format!(
                "node \"{}\" shows {} buttons; at most {} fit on a phone. Split the list",
                node.id,
                buttons.len(),
                limits::MAX_BUTTONS
            ),
        );
    }
    for data in buttons {
        if data.len() > limits::CALLBACK_BYTES {
            report.err(
                loc.clone(),
                format!(
                    "button data \"{data}\" is {} bytes; Telegram allows {}. Use a shorter node or sign id",
                    data.len(),
                    limits::CALLBACK_BYTES
                ),
            );
        }
    }
}
