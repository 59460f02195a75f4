//! What the virtual users do: four scripted conversations through the shipped flows.

#[derive(Clone, Copy)]
pub enum Act {
    Text(&'static str),
    /// Press the first button whose label contains one of these (in order of preference);
    /// if none does, the first button that moves on.
    Press(&'static [&'static str]),
}

pub use Act::{Press, Text};

/// What people do, as loops that end back at the start. Each chat follows one of them.
pub fn scripts() -> Vec<Vec<Act>> {
    vec![
        // A parent describing a sign in their own words, then reading more signs.
        vec![
            Text("/start"),
            Press(&["No, not right now"]),
            Press(&["A parent or carer"]),
            Press(&["Describe it in my own words"]),
            Text("he's got a new iphone and won't say where from"),
            Press(&["Yes, that's right"]),
            Press(&["That's everything"]),
            Text("Luton"),
            Press(&["See more signs"]),
            Press(&["Going missing"]),
            Press(&["Staying out overnight"]),
            Press(&["Done"]),
            Press(&["That's everything"]),
        ],
        // A young person worried about a friend, choosing from the list, then quick exit.
        vec![
            Text("/start"),
            Press(&["No, not right now"]),
            Press(&["worried about a friend"]),
            Press(&["Choose from a list", "Yes", "Carry on"]),
            Press(&["Gifts and money", "Going missing"]),
            Press(&["Done"]),
            Press(&["That's everything"]),
            Text("LU1 3JH"),
            Press(&["How exploitation works", "Who is more at risk"]),
            Text("/exit"),
        ],
        // A taxi driver, typing answers instead of pressing.
        vec![
            Text("/start"),
            Text("no"),
            Press(&["taxi"]),
            Press(&["Describe it in my own words", "Choose from a list", "Carry on"]),
            Text("young girl picked up from a hotel late at night by older men"),
            Press(&["Yes, that's right", "Yes"]),
            Press(&["That's everything"]),
            Text("Bournemouth"),
            Press(&["Change area"]),
            Text("Peterborough"),
            Press(&["Start again"]),
        ],
        // A teacher going through signs, with an unclear answer on the way.
        vec![
            Text("/start"),
            Press(&["No, not right now"]),
            Press(&["I work in a school"]),
            Text("not sure really"),
            Press(&["Choose from a list", "Carry on"]),
            Press(&["Behaviour and mood", "Phone and online"]),
            Press(&["Done"]),
            Press(&["That's everything"]),
            Press(&["I don't know", "Elsewhere in England"]),
            Press(&["Start again"]),
        ],
    ]
}
