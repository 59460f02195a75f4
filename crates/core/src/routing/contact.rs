//! Contacts: who to call, write to or visit, validated from `config/contacts.yaml`.
//!
//! Every phone number, web address and email the bot states lives in a field of a [`Contact`],
//! never in free text, so [`crate::routing::Router::stated_facts`] can list them all and a test
//! can check each against the shared sources. This module owns the shape and the format rules of
//! those fields; it does not decide who sees which contact.

use super::hours::OpeningHours;
use chrono::NaiveDate;
use std::collections::HashMap;

/// What sort of organisation a contact is; shown to staff, and lets validation find the 999 line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    Police,
    Council,
    Charity,
    NationalLine,
    /// Further reading, such as a local partnership's website.
    Information,
    /// 999. Exactly one; it ends every block and is never listed by hand.
    Emergency,
}

impl ContactKind {
    pub const NAMES: &'static str = "police, council, charity, national_line, information, emergency";

    pub fn parse(text: &str) -> Option<ContactKind> {
        Some(match text {
            "police" => ContactKind::Police,
            "council" => ContactKind::Council,
            "charity" => ContactKind::Charity,
            "national_line" => ContactKind::NationalLine,
            "information" => ContactKind::Information,
            "emergency" => ContactKind::Emergency,
            _ => return None,
        })
    }
}

/// Who a contact is for. Childline is for young people, the NSPCC adult helpline for adults;
/// validation stops one landing in the other's block by mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactAudience {
    Everyone,
    Adults,
    YoungPeople,
}

impl ContactAudience {
    pub const NAMES: &'static str = "everyone, adults, young_people";

    pub fn parse(text: &str) -> Option<ContactAudience> {
        Some(match text {
            "everyone" => ContactAudience::Everyone,
            "adults" => ContactAudience::Adults,
            "young_people" => ContactAudience::YoungPeople,
            _ => return None,
        })
    }

    pub fn suits(self, young_person: bool) -> bool {
        match self {
            ContactAudience::Everyone => true,
            ContactAudience::Adults => !young_person,
            ContactAudience::YoungPeople => young_person,
        }
    }
}

/// One validated contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: String,
    pub kind: ContactKind,
    pub audience: ContactAudience,
    /// First line of the contact in a block: who this is, in plain words.
    pub label: String,
    pub phone: Option<String>,
    /// Textphone (for Deaf people and people who cannot speak on a call).
    pub textphone: Option<String>,
    pub web: Option<String>,
    /// Words before the web address ("Report online"); "Online" when not given.
    pub web_label: Option<String>,
    pub email: Option<String>,
    /// One plain sentence or two; validated to hold no number or address not stated elsewhere.
    pub note: Option<String>,
    /// The phone is answered day and night (101, Crimestoppers).
    pub open_any_time: bool,
    /// When the phone is answered, if limited.
    pub hours: Option<OpeningHours>,
    /// The contact whose phone applies while this one is closed (the council out-of-hours line).
    pub out_of_hours: Option<String>,
    /// Where the facts come from (a seed file name or a source named in contacts.md).
    pub source: String,
    /// When someone last checked the facts against the source.
    pub checked: NaiveDate,
}

impl Contact {
    /// The facts this contact states: phone, textphone, web, email.
    pub fn facts(&self) -> impl Iterator<Item = &str> {
        [&self.phone, &self.textphone, &self.web, &self.email].into_iter().filter_map(|f| f.as_deref())
    }
}

/// All contacts, found by id. Validation guarantees every id an area or contact names is here
/// and that exactly one contact is the 999 line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactBook {
    list: Vec<Contact>,
    index: HashMap<String, usize>,
}

impl ContactBook {
    /// Add a contact; `false` (and nothing added) if its id is already taken.
    pub fn insert(&mut self, contact: Contact) -> bool {
        if self.index.contains_key(&contact.id) {
            return false;
        }
        self.index.insert(contact.id.clone(), self.list.len());
        self.list.push(contact);
        true
    }

    pub fn get(&self, id: &str) -> Option<&Contact> {
        self.index.get(id).map(|i| &self.list[*i])
    }

    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// Contacts in the order of the config file.
    pub fn all(&self) -> &[Contact] {
        &self.list
    }

    /// The 999 contact that ends every block.
    pub fn emergency(&self) -> Option<&Contact> {
        self.list.iter().find(|c| c.kind == ContactKind::Emergency)
    }
}

/// Digits and single spaces only ("0345 045 5203", "101"): what a phone dials and a reader
/// copies. No "+44", brackets or dashes, so the text matches the sources letter for letter.
pub fn check_phone(text: &str) -> Result<(), String> {
    let ok = !text.is_empty()
        && text.starts_with(|c: char| c.is_ascii_digit())
        && text.ends_with(|c: char| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_digit() || c == ' ')
        && !text.contains("  ");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{text}\" is not a phone number as we write them: digits and single spaces only, \
             e.g. \"0345 045 5203\""
        ))
    }
}

/// A bare address as the sources print it ("www.cambs.police.uk/report"): no scheme, no spaces.
pub fn check_web(text: &str) -> Result<(), String> {
    let host = text.split('/').next().unwrap_or("");
    let ok = !text.contains(char::is_whitespace)
        && !text.contains("://")
        && host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{text}\" is not a web address as we write them: no http://, no spaces, \
             e.g. \"www.cambs.police.uk/report\""
        ))
    }
}

pub fn check_email(text: &str) -> Result<(), String> {
    let ok = match text.split_once('@') {
        Some((user, host)) => {
            !user.is_empty() && host.contains('.') && !host.contains('@') && !text.contains(char::is_whitespace)
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("\"{text}\" is not an email address"))
    }
}

/// Things in free text that look like a phone number, web address or email, so validation can
/// insist they are stated in a field (and so checked) instead.
pub fn fact_like_fragments(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut digits = String::new();
    for c in text.chars().chain(std::iter::once('.')) {
        if c.is_ascii_digit() || (c == ' ' && !digits.is_empty()) {
            digits.push(c);
        } else if !digits.is_empty() {
            // Ages and counts ("under 19") are not phone numbers; three digits or more might be.
            if digits.chars().filter(char::is_ascii_digit).count() >= 3 {
                found.push(digits.trim().to_string());
            }
            digits.clear();
        }
    }
    for word in text.split_whitespace() {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        let lower = word.to_lowercase();
        let looks_web = lower.starts_with("www.") || [".org", ".uk", ".com", ".net"].iter().any(|t| lower.contains(t));
        if word.contains('@') || looks_web {
            found.push(word.to_string());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_web_and_email_formats() {
        let phones = [
            ("0345 045 5203", true),
            ("101", true),
            ("+44 345 045 5203", false),
            ("0345-045-5203", false),
            ("0345  045", false),
            (" 101", false),
            ("", false),
        ];
        for (p, ok) in phones {
            assert_eq!(check_phone(p).is_ok(), ok, "{p:?}");
        }
        let webs = [
            ("www.cambs.police.uk/report", true),
            ("Crimestoppers-uk.org", true),
            ("https://www.ceop.police.uk", false),
            ("www.example .org", false),
            ("nowhere", false),
        ];
        for (w, ok) in webs {
            assert_eq!(check_web(w).is_ok(), ok, "{w:?}");
        }
        let emails = [
            ("referralcentre.children@cambridgeshire.gov.uk", true),
            ("no-at-sign.gov.uk", false),
            ("a@b@c.uk", false),
        ];
        for (e, ok) in emails {
            assert_eq!(check_email(e).is_ok(), ok, "{e:?}");
        }
    }

    #[test]
    fn fact_like_fragments_find_numbers_and_addresses() {
        let cases: &[(&str, &[&str])] = &[
            ("Free, and it will not show on the phone bill.", &[]),
            ("For anyone under 19, or 18 and in care.", &[]),
            ("If it is urgent, call 999.", &["999"]),
            ("Ring 0800 123 456 today", &["0800 123 456"]),
            ("See www.example.org for more", &["www.example.org"]),
            ("Write to someone@example.com.", &["someone@example.com"]),
        ];
        for (text, want) in cases {
            assert_eq!(fact_like_fragments(text), *want, "{text}");
        }
    }

    #[test]
    fn audiences_suit_the_right_people() {
        assert!(ContactAudience::Everyone.suits(true) && ContactAudience::Everyone.suits(false));
        assert!(ContactAudience::Adults.suits(false) && !ContactAudience::Adults.suits(true));
        assert!(ContactAudience::YoungPeople.suits(true) && !ContactAudience::YoungPeople.suits(false));
    }
}
