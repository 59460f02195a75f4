//! The contact block: the plain text a user sees for an area, an audience and a moment.
//!
//! Plain text only (no Markdown or HTML: it goes to Telegram and a terminal alike), short lines,
//! a blank line between contacts, and always the 999 line last. Time only changes the ORDER of a
//! day line and its out-of-hours line, never whether a number appears, so a wrong clock can
//! never hide a number.

use super::area::Area;
use super::contact::{Contact, ContactBook, ContactKind};
use super::hours::{BankHolidays, LineState};
use super::index::Authority;
use chrono::NaiveDateTime;

/// What the block needs to look contacts up and tell the time.
pub(super) struct BlockContext<'a> {
    pub book: &'a ContactBook,
    pub holidays: &'a BankHolidays,
    /// UK local time now.
    pub local: NaiveDateTime,
}

/// `councils` (national route only) are the children's services councils where the user is:
/// named first for an adult, after the young person's own lines for them.
pub(super) fn render(area: &Area, councils: &[&Authority], young_person: bool, ctx: &BlockContext<'_>) -> String {
    let place =
        if area.id.is_elsewhere() { ", wherever you are in England".to_string() } else { format!(" in {}", area.name) };
    let heading = if young_person { format!("Who can help you{place}") } else { format!("Who to contact{place}") };
    let mut sections = vec![heading];
    let council = council_section(councils);
    if !young_person {
        sections.extend(council.clone());
    }
    for id in area.contacts_for(young_person) {
        if let Some(contact) = ctx.book.get(id) {
            sections.push(render_contact(contact, ctx).join("\n"));
        }
    }
    if young_person {
        sections.extend(council);
    }
    if let Some(emergency) = ctx.book.emergency() {
        sections.push(emergency_line(emergency));
    }
    sections.join("\n\n")
}

/// "Cambridgeshire County Council" for a county; "Luton council" otherwise, as the formal
/// names of unitary and borough councils vary and the data does not give them.
pub(super) fn council_name(a: &Authority) -> String {
    if a.is_county() {
        format!("{} County Council", a.name)
    } else {
        format!("{} council", a.name)
    }
}

/// What to type into a search engine to find the council's children's services. No number or
/// address is given: none is in the sources for councils outside the covered areas.
fn search_words(a: &Authority) -> String {
    if a.is_county() {
        format!("{} County Council children's services", a.name)
    } else {
        format!("{} children's services", a.name)
    }
}

fn council_section(councils: &[&Authority]) -> Option<String> {
    match councils {
        [] => None,
        [one] => Some(format!(
            "Children's services here are run by {}\nTo reach them, search for \"{}\"",
            council_name(one),
            search_words(one)
        )),
        several => {
            let names: Vec<String> = several.iter().map(|a| council_name(a)).collect();
            let (last, init) = names.split_last().expect("several");
            Some(format!(
                "Children's services here are run by {} or {last}, depending on the address\n\
                 To reach them, search for your council's name and \"children's services\"",
                init.join(", ")
            ))
        }
    }
}

fn render_contact(c: &Contact, ctx: &BlockContext<'_>) -> Vec<String> {
    let mut lines = vec![c.label.clone()];
    if let Some(phone) = &c.phone {
        let out_of_hours = c.out_of_hours.as_deref().and_then(|id| ctx.book.get(id));
        match (&c.hours, out_of_hours.and_then(|o| o.phone.as_deref())) {
            (Some(hours), Some(night)) => {
                let day_hours = hours.describe();
                let night_hours = hours.describe_closed();
                if hours.is_open_at(ctx.local, ctx.holidays) {
                    lines.push(format!("Call now: {phone} ({day_hours})"));
                    lines.push(format!("Out of hours: {night} ({night_hours})"));
                } else {
                    lines.push(format!("Call now: {night} (out of hours: {night_hours})"));
                    lines.push(format!("Daytime: {phone} ({day_hours})"));
                }
            }
            (Some(hours), None) => {
                let hours_text = hours.describe();
                lines.push(match hours.state_at(ctx.local, ctx.holidays) {
                    LineState::Open => format!("Call {phone}, open now (lines open {hours_text})"),
                    LineState::Closed => format!("Call {phone}, closed now (lines open {hours_text})"),
                    // The source gives no bank-holiday hours: claim neither open nor closed.
                    LineState::CheckHours => {
                        format!("Call {phone}. Today is a bank holiday, so check their hours (usually {hours_text})")
                    }
                });
            }
            (None, _) if c.open_any_time => lines.push(format!("Call {phone}, any time")),
            (None, _) => lines.push(format!("Call {phone}")),
        }
    }
    if let Some(tp) = &c.textphone {
        lines.push(format!("Textphone: {tp}"));
    }
    if let Some(web) = &c.web {
        lines.push(format!("{}: {web}", c.web_label.as_deref().unwrap_or("Online")));
    }
    if let Some(email) = &c.email {
        lines.push(format!("Email: {email}"));
    }
    if let Some(note) = &c.note {
        lines.push(note.clone());
    }
    lines
}

/// "If a child is in danger right now, or a crime is happening: call 999 (textphone 18000)".
fn emergency_line(c: &Contact) -> String {
    debug_assert_eq!(c.kind, ContactKind::Emergency);
    let phone = c.phone.as_deref().unwrap_or_default();
    match &c.textphone {
        Some(tp) => format!("{}: call {phone} (textphone {tp})", c.label),
        None => format!("{}: call {phone}", c.label),
    }
}
