//! Button data: what a button carries back when pressed, within Telegram's 64 bytes.
//!
//! Node buttons carry the flows version and the node they were shown on, so a press on a button
//! from an old message (or an older version of the flows) is recognised as stale instead of
//! being applied to wherever the user is now. Global buttons (start again, quick exit, change
//! area, carry on) work from any message.

/// A pressed button, decoded. Ids are borrowed from the data; nothing is trusted yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Press<'a> {
    /// A button on a node: which version and node it was shown on, and which button.
    Node {
        version: &'a str,
        node: &'a str,
        action: NodeAction<'a>,
    },
    Global(GlobalAction),
    /// Data we never made (forged, truncated, or from another bot).
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeAction<'a> {
    /// The n-th choice (message nodes use 0 for their one button).
    Choice(usize),
    /// Toggle a sign on a pick node.
    Toggle(&'a str),
    /// "Done" on a pick node.
    Done,
    /// An area (or `unknown`) on an area node or a follow-up question.
    Area(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlobalAction {
    Start,
    Exit,
    Area,
    /// Carry on from where the user was (after the emergency message, help, or a note).
    CarryOn,
    Emergency,
}

const SEP: char = '|';

pub fn choice(version: &str, node: &str, i: usize) -> String {
    format!("c{SEP}{version}{SEP}{node}{SEP}{i}")
}

pub fn toggle(version: &str, node: &str, sign: &str) -> String {
    format!("t{SEP}{version}{SEP}{node}{SEP}{sign}")
}

pub fn done(version: &str, node: &str) -> String {
    format!("d{SEP}{version}{SEP}{node}")
}

pub fn area(version: &str, node: &str, area: &str) -> String {
    format!("a{SEP}{version}{SEP}{node}{SEP}{area}")
}

pub fn global(action: GlobalAction) -> String {
    let code = match action {
        GlobalAction::Start => "start",
        GlobalAction::Exit => "exit",
        GlobalAction::Area => "area",
        GlobalAction::CarryOn => "go",
        GlobalAction::Emergency => "999",
    };
    format!("g{SEP}{code}")
}

pub fn decode(data: &str) -> Press<'_> {
    let mut parts = data.split(SEP);
    let kind = parts.next().unwrap_or("");
    if kind == "g" {
        let action = match parts.next() {
            Some("start") => GlobalAction::Start,
            Some("exit") => GlobalAction::Exit,
            Some("area") => GlobalAction::Area,
            Some("go") => GlobalAction::CarryOn,
            Some("999") => GlobalAction::Emergency,
            _ => return Press::Unknown,
        };
        return match parts.next() {
            None => Press::Global(action),
            Some(_) => Press::Unknown,
        };
    }
    let (Some(version), Some(node)) = (parts.next(), parts.next()) else {
        return Press::Unknown;
    };
    let arg = parts.next();
    if parts.next().is_some() {
        return Press::Unknown;
    }
    let action = match (kind, arg) {
        ("c", Some(i)) => match i.parse() {
            Ok(i) => NodeAction::Choice(i),
            Err(_) => return Press::Unknown,
        },
        ("t", Some(sign)) => NodeAction::Toggle(sign),
        ("d", None) => NodeAction::Done,
        ("a", Some(area)) => NodeAction::Area(area),
        _ => return Press::Unknown,
    };
    Press::Node { version, node, action }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let cases = [
            (choice("ab12cd", "who", 3), Press::Node { version: "ab12cd", node: "who", action: NodeAction::Choice(3) }),
            (
                toggle("ab12cd", "pick", "gifts"),
                Press::Node { version: "ab12cd", node: "pick", action: NodeAction::Toggle("gifts") },
            ),
            (done("ab12cd", "pick"), Press::Node { version: "ab12cd", node: "pick", action: NodeAction::Done }),
            (
                area("ab12cd", "where", "dorset"),
                Press::Node { version: "ab12cd", node: "where", action: NodeAction::Area("dorset") },
            ),
            (global(GlobalAction::Exit), Press::Global(GlobalAction::Exit)),
        ];
        for (data, want) in cases {
            assert_eq!(decode(&data), want, "{data}");
        }
    }

    #[test]
    fn forged_data_is_unknown() {
        for data in ["", "x", "c|v|n|notanumber", "g|nope", "g|exit|more", "c|v|n|1|2", "d|v|n|extra", "t|v|n"] {
            assert_eq!(decode(data), Press::Unknown, "{data:?}");
        }
    }
}
