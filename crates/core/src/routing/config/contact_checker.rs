//! The [`ContactChecker`]: `config/contacts.yaml` -> a [`ContactBook`]. Each contact's kind,
//! audience, facts (in the forms we write them), source and checked date; then what needs every
//! contact: out-of-hours links, facts hidden in free text, and exactly one 999 contact.

use super::file_checker::FileChecker;
use super::hours_checker::check_hours;
use super::raw::{RawContact, RawContactsFile};
use crate::diag::Diagnostic;
use crate::routing::area::AreaId;
use crate::routing::contact::{
    check_email, check_phone, check_web, fact_like_fragments, Contact, ContactAudience, ContactBook, ContactKind,
};
use crate::yaml::Spanned;
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// Checks the contacts file; `today` dates the "checked over 12 months ago" warnings.
pub(super) struct ContactChecker<'s> {
    file: FileChecker<'s>,
    today: NaiveDate,
}

impl<'s> ContactChecker<'s> {
    pub fn new(origin: &'s str, today: NaiveDate) -> Self {
        ContactChecker { file: FileChecker::new(origin), today }
    }

    /// The contacts if the file has no errors, and the file's diagnostics either way.
    pub fn check(mut self, text: &str) -> (Option<ContactBook>, Vec<Diagnostic>) {
        let book = self.file.load(text).and_then(|raw| self.book(&raw));
        (book, self.file.into_diags())
    }

    fn book(&mut self, raw: &RawContactsFile) -> Option<ContactBook> {
        let mut book = ContactBook::default();
        let mut locations: Vec<&Spanned<RawContact>> = Vec::new();
        for entry in &raw.contacts {
            let at = self.file.at(entry);
            let Some(id) = self.file.required(&entry.id, "id", "this contact", &at) else {
                continue;
            };
            let what = format!("contact \"{}\"", id.as_str());
            let id_at = self.file.at(id);
            if AreaId::parse(id).is_err() {
                self.file.err(
                    id_at.clone(),
                    format!("\"{}\" is not a valid contact id: use lowercase letters, digits and _", id.as_str()),
                );
            }
            if book.contains(id) {
                self.file.err(id_at, format!("{what} is defined twice"));
                continue;
            }
            if let Some(contact) = self.contact(entry, id, &what) {
                book.insert(contact);
                locations.push(entry);
            }
        }
        self.links(&book, &locations);
        self.emergency(&book, &locations);
        (!self.file.has_errors()).then_some(book)
    }

    fn contact(&mut self, entry: &RawContact, id: &Spanned<String>, what: &str) -> Option<Contact> {
        // Problems with the contact as a whole are reported at its id, which names it.
        let at = self.file.at(id);
        let mark = self.file.mark();

        let kind = self.file.required(&entry.kind, "kind", what, &at).and_then(|k| {
            let parsed = ContactKind::parse(k);
            if parsed.is_none() {
                self.file.err(
                    self.file.at(k),
                    format!("\"{}\" is not a contact kind; use one of {}", k.as_str(), ContactKind::NAMES),
                );
            }
            parsed
        });
        let audience = self.file.required(&entry.audience, "audience", what, &at).and_then(|a| {
            let parsed = ContactAudience::parse(a);
            if parsed.is_none() {
                self.file.err(
                    self.file.at(a),
                    format!("\"{}\" is not an audience; use one of {}", a.as_str(), ContactAudience::NAMES),
                );
            }
            parsed
        });
        let label = self.file.required(&entry.label, "label", what, &at);
        let source = self.file.required(&entry.source, "source", what, &at);
        let checked = self
            .file
            .required(&entry.checked, "checked", what, &at)
            .and_then(|c| self.file.checked_date(c, what, self.today));

        type FormatCheck = fn(&str) -> Result<(), String>;
        let formats: [(&Option<Spanned<String>>, FormatCheck); 4] = [
            (&entry.phone, check_phone),
            (&entry.textphone, check_phone),
            (&entry.web, check_web),
            (&entry.email, check_email),
        ];
        for (field, check) in formats {
            if let Some(value) = field {
                if let Err(message) = check(value) {
                    self.file.err(self.file.at(value), message);
                }
            }
        }
        if entry.phone.is_none() && entry.web.is_none() && entry.email.is_none() {
            self.file.err(at.clone(), format!("{what} has no `phone:`, `web:` or `email:`; say how to reach it"));
        }
        if entry.web_label.is_some() && entry.web.is_none() {
            self.file.err(at.clone(), format!("{what} has `web_label:` but no `web:`"));
        }
        if entry.textphone.is_some() && entry.phone.is_none() {
            self.file.err(at.clone(), format!("{what} has `textphone:` but no `phone:`"));
        }

        let open_any_time = entry.open_any_time.as_ref().is_some_and(|b| **b);
        let hours = entry.hours.as_ref().and_then(|h| check_hours(&mut self.file, h, what));
        if let Some(h) = &entry.hours {
            let h_at = self.file.at(h);
            if entry.phone.is_none() {
                self.file.err(h_at.clone(), format!("{what} has `hours:` but no `phone:` to keep them"));
            }
            if open_any_time {
                self.file.err(h_at, format!("{what} has both `hours:` and `open_any_time: true`"));
            }
        }
        if let Some(ooh) = &entry.out_of_hours {
            if entry.hours.is_none() {
                self.file.err(
                    self.file.at(ooh),
                    format!("{what} has `out_of_hours:` but no `hours:`, so it would never be closed"),
                );
            }
        }

        if self.file.errors_since(mark) {
            return None;
        }
        Some(Contact {
            id: id.to_string(),
            kind: kind?,
            audience: audience?,
            label: label?.trim().to_string(),
            phone: entry.phone.as_ref().map(|v| v.to_string()),
            textphone: entry.textphone.as_ref().map(|v| v.to_string()),
            web: entry.web.as_ref().map(|v| v.to_string()),
            web_label: entry.web_label.as_ref().map(|v| v.trim().to_string()),
            email: entry.email.as_ref().map(|v| v.to_string()),
            note: entry.note.as_ref().map(|v| v.trim().to_string()),
            open_any_time,
            hours,
            out_of_hours: entry.out_of_hours.as_ref().map(|v| v.to_string()),
            source: source?.trim().to_string(),
            checked: checked?,
        })
    }

    /// Checks that need every contact: out-of-hours links, and free text that states a fact.
    /// `raw` holds each kept contact's entry, in the book's order.
    fn links(&mut self, book: &ContactBook, raw: &[&Spanned<RawContact>]) {
        let list = book.all();
        let phones: BTreeSet<&str> =
            list.iter().flat_map(|c| [c.phone.as_deref(), c.textphone.as_deref()]).flatten().collect();
        for (contact, entry) in list.iter().zip(raw) {
            let what = format!("contact \"{}\"", contact.id);
            if let Some(ooh) = &entry.out_of_hours {
                let at = self.file.at(ooh);
                match book.get(ooh) {
                    None => self.file.err(
                        at,
                        format!("{what} names out-of-hours contact \"{}\", which is not defined", ooh.as_str()),
                    ),
                    Some(other) if other.id == contact.id => {
                        self.file.err(at, format!("{what} cannot be its own out-of-hours line"))
                    }
                    Some(other) if other.phone.is_none() => {
                        self.file.err(at, format!("out-of-hours contact \"{}\" has no `phone:`", other.id))
                    }
                    Some(other) if other.hours.is_some() || other.out_of_hours.is_some() => self.file.err(
                        at,
                        format!(
                            "out-of-hours contact \"{}\" must not have hours of its own: it is the \
                             line for whenever \"{}\" is closed",
                            other.id, contact.id
                        ),
                    ),
                    Some(_) => {}
                }
            }
            let texts = [&entry.label, &entry.note, &entry.web_label];
            for text in texts.into_iter().flatten() {
                for fragment in fact_like_fragments(text) {
                    if !phones.contains(fragment.as_str()) {
                        self.file.err(
                            self.file.at(text),
                            format!(
                                "\"{fragment}\" in free text of {what}: put phone numbers, web addresses \
                                 and emails in `phone:`, `web:` or `email:` so they are checked"
                            ),
                        );
                    }
                }
            }
        }
    }

    /// Exactly one contact is 999, and it has a phone number: it ends every block.
    fn emergency(&mut self, book: &ContactBook, raw: &[&Spanned<RawContact>]) {
        let list = book.all();
        let emergencies: Vec<usize> = (0..list.len()).filter(|i| list[*i].kind == ContactKind::Emergency).collect();
        match emergencies.as_slice() {
            [one] if list[*one].phone.is_none() => {
                self.file.err(self.file.at(raw[*one]), "the emergency contact needs `phone:`")
            }
            [_] => {}
            [] => self.file.err(self.file.whole(), "no contact has `kind: emergency`; 999 must end every block"),
            [_, rest @ ..] => {
                for i in rest {
                    self.file.err(self.file.at(raw[*i]), "only one contact may have `kind: emergency` (999)");
                }
            }
        }
    }
}
