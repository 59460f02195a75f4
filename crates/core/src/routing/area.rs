//! Area identifiers and the validated areas the bot offers as buttons.
//!
//! An [`AreaId`] is what a button press sends and what sessions store, so it has rules (short,
//! lowercase, no spaces) checked once in [`AreaId::parse`]; nothing downstream sees a raw string.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The id of the "elsewhere in England" area: the national route, always offered last.
pub const ELSEWHERE: &str = "elsewhere";

/// Buttons on a phone show about 30 characters before cutting the text.
pub const MAX_LABEL_CHARS: usize = 30;

/// Which area a user is in: `cambridgeshire`, `peterborough`, `bedfordshire`, `dorset` or
/// `elsewhere`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AreaId(String);

impl AreaId {
    /// Lowercase ASCII letters, digits, `_` or `-`, starting with a letter, at most 40 long: an id
    /// travels in Telegram callback data (64 bytes) with a prefix, and is typed in config.
    pub fn parse(text: &str) -> Result<AreaId, String> {
        let ok_start = text.chars().next().is_some_and(|c| c.is_ascii_lowercase());
        let ok_chars = text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
        if ok_start && ok_chars && text.len() <= 40 {
            Ok(AreaId(text.to_string()))
        } else {
            Err(format!(
                "\"{text}\" is not a valid area id: use lowercase letters, digits, _ or -, \
                 starting with a letter (e.g. \"cambridgeshire\")"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The national route ("elsewhere in England").
    pub fn elsewhere() -> AreaId {
        AreaId(ELSEWHERE.to_string())
    }

    pub fn is_elsewhere(&self) -> bool {
        self.0 == ELSEWHERE
    }
}

impl TryFrom<String> for AreaId {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        AreaId::parse(&value)
    }
}

impl From<AreaId> for String {
    fn from(value: AreaId) -> Self {
        value.0
    }
}

impl fmt::Display for AreaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One area the bot can route to, validated from `config/areas.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub id: AreaId,
    /// Button text; at most [`MAX_LABEL_CHARS`] so it is not cut off on a phone.
    pub label: String,
    /// Short name used in sentences: "Who to contact in Cambridgeshire".
    pub name: String,
    /// The police force, shown to staff and in the block heading; for `elsewhere`, a phrase.
    pub force: String,
    /// ONS codes of the councils covered (`E10000003`); a county covers its districts. Empty
    /// for `elsewhere`, which is everywhere else.
    pub authorities: Vec<String>,
    /// Contact ids shown to an adult, in order (validated to exist).
    pub adult_contacts: Vec<String>,
    /// Contact ids shown to a young person, in order (validated to exist).
    pub young_person_contacts: Vec<String>,
}

impl Area {
    pub fn contacts_for(&self, young_person: bool) -> &[String] {
        if young_person {
            &self.young_person_contacts
        } else {
            &self.adult_contacts
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_ids_follow_their_rules() {
        let cases: &[(&str, bool)] = &[
            ("cambridgeshire", true),
            ("elsewhere", true),
            ("bcp-2", true),
            ("north_east", true),
            ("", false),
            ("Cambridgeshire", false),
            ("st neots", false),
            ("2dorset", false),
            (&"a".repeat(41), false),
        ];
        for (text, ok) in cases {
            assert_eq!(AreaId::parse(text).is_ok(), *ok, "{text:?}");
        }
    }

    #[test]
    fn area_ids_travel_as_plain_strings() {
        let id = AreaId::parse("dorset").unwrap();
        assert_eq!(String::from(id.clone()), "dorset");
        assert!(AreaId::try_from("Dorset".to_string()).is_err());
        assert_eq!(id.to_string(), "dorset");
        assert!(AreaId::elsewhere().is_elsewhere());
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"dorset\"");
        let back: AreaId = serde_json::from_str("\"dorset\"").unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<AreaId>("\"Dorset Police\"").is_err());
    }
}
