//! How a chat's message ids are written in a stored state: each run of ids that follow on from
//! one another as `[first, last]`, any other id as it is, in the list's order.
//!
//! Telegram numbers a private chat's messages, the user's and the bot's, in one sequence, so a
//! conversation's ids come almost entirely in runs: `[[5021, 5310]]` instead of 290 numbers.
//! Every update loads the list and saves it twice; written in full it was most of a long
//! conversation's stored state, and in SQLite it pushed the row past what fits in its page.
//!
//! Reading accepts the older form (every id as a number) too: it is the same list with no runs.
//! The list read back is exactly the list written, order included.

use super::MAX_MESSAGE_IDS;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::Deserialize;
use std::fmt;

pub fn serialize<S: Serializer>(ids: &[i32], serializer: S) -> Result<S::Ok, S::Error> {
    let mut seq = serializer.serialize_seq(Some(Runs(ids).count()))?;
    for (first, last) in Runs(ids) {
        if first == last {
            seq.serialize_element(&first)?;
        } else {
            seq.serialize_element(&[first, last])?;
        }
    }
    seq.end()
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<i32>, D::Error> {
    deserializer.deserialize_seq(ListVisitor)
}

/// The runs of `ids` in order, as `(first, last)`; a lone id is a run of one.
struct Runs<'a>(&'a [i32]);

impl Iterator for Runs<'_> {
    type Item = (i32, i32);

    fn next(&mut self) -> Option<(i32, i32)> {
        let (&first, rest) = self.0.split_first()?;
        let mut last = first;
        let mut taken = 1;
        for &id in rest {
            if last.checked_add(1) != Some(id) {
                break;
            }
            last = id;
            taken += 1;
        }
        self.0 = &self.0[taken..];
        Some((first, last))
    }
}

struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = Vec<i32>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of message ids and [first, last] runs of them")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<i32>, A::Error> {
        let mut ids = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_MESSAGE_IDS));
        while let Some(Run(first, last)) = seq.next_element()? {
            // Only the newest MAX_MESSAGE_IDS are ever kept, so a longer run (which the bot never
            // writes) is not expanded in full.
            let first = first.max(last.saturating_sub(i32::try_from(MAX_MESSAGE_IDS).unwrap_or(i32::MAX) - 1));
            ids.extend(first..=last);
            if ids.len() > 2 * MAX_MESSAGE_IDS {
                ids.drain(..ids.len() - MAX_MESSAGE_IDS);
            }
        }
        if ids.len() > MAX_MESSAGE_IDS {
            ids.drain(..ids.len() - MAX_MESSAGE_IDS);
        }
        Ok(ids)
    }
}

/// One element of the list: an id, or a `[first, last]` run.
struct Run(i32, i32);

impl<'de> Deserialize<'de> for Run {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Run, D::Error> {
        deserializer.deserialize_any(RunVisitor)
    }
}

struct RunVisitor;

impl RunVisitor {
    fn id<E: de::Error>(v: impl TryInto<i32> + Copy + fmt::Display) -> Result<Run, E> {
        let id = v.try_into().map_err(|_| E::custom(format_args!("message id {v} is out of range")))?;
        Ok(Run(id, id))
    }
}

impl<'de> Visitor<'de> for RunVisitor {
    type Value = Run;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a message id or a [first, last] run of them")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Run, E> {
        Self::id(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Run, E> {
        Self::id(v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Run, A::Error> {
        let first: i32 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let last: i32 = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::invalid_length(3, &self));
        }
        if last < first {
            return Err(de::Error::custom(format_args!(
                "the run of message ids [{first}, {last}] ends before it starts"
            )));
        }
        Ok(Run(first, last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Ids(#[serde(with = "super")] Vec<i32>);

    fn write(ids: &[i32]) -> String {
        serde_json::to_string(&Ids(ids.to_vec())).unwrap()
    }

    fn read(json: &str) -> Result<Vec<i32>, serde_json::Error> {
        serde_json::from_str::<Ids>(json).map(|ids| ids.0)
    }

    #[test]
    fn a_conversation_is_written_as_its_runs() {
        let conversation: Vec<i32> = (5021..=5310).chain([5400]).chain(5402..=5403).collect();
        assert_eq!(write(&conversation), "[[5021,5310],5400,[5402,5403]]");
        assert_eq!(read("[[5021,5310],5400,[5402,5403]]").unwrap(), conversation);
        assert_eq!(write(&[]), "[]");
    }

    #[test]
    fn a_list_stored_before_runs_reads_as_it_was() {
        assert_eq!(read("[7,8,9,3,12]").unwrap(), vec![7, 8, 9, 3, 12]);
    }

    #[test]
    fn a_chat_state_is_stored_with_runs_and_read_in_either_form() {
        let state = super::super::ChatState { message_ids: vec![1, 2, 3, 7], ..Default::default() };
        let json = String::from_utf8(super::super::encode(&state).unwrap()).unwrap();
        assert!(json.contains(r#""message_ids":[[1,3],7]"#), "{json}");
        let older = json.replace("[[1,3],7]", "[1,2,3,7]");
        assert_eq!(super::super::decode(older.as_bytes()).unwrap(), state);
        assert_eq!(super::super::decode(json.as_bytes()).unwrap(), state);
    }

    #[test]
    fn a_damaged_list_is_an_error_not_a_guess() {
        for bad in ["[[9,3]]", "[[1]]", "[[1,2,3]]", "[3000000000]", "[\"7\"]", "7"] {
            assert!(read(bad).is_err(), "{bad} was read");
        }
    }

    #[test]
    fn a_run_longer_than_is_ever_kept_gives_only_its_newest_ids() {
        let ids = read(&format!("[1,[10,{}]]", i32::MAX)).unwrap();
        assert_eq!(ids.len(), MAX_MESSAGE_IDS);
        assert_eq!(ids.first(), Some(&(i32::MAX - 999)));
        assert_eq!(ids.last(), Some(&i32::MAX));
        let many: Vec<i32> = (0..3000).map(|i| i * 2).collect();
        assert_eq!(read(&write(&many)).unwrap(), many[many.len() - MAX_MESSAGE_IDS..]);
    }

    proptest! {
        /// Any list the bot keeps (at most MAX_MESSAGE_IDS, in any order, runs or not) reads
        /// back exactly as written.
        #[test]
        fn any_list_reads_back_as_written(
            runs in proptest::collection::vec((prop_oneof![any::<i32>(), 0..40i32, (i32::MAX - 3)..=i32::MAX], 1..30i32), 0..100)
        ) {
            let mut ids: Vec<i32> = runs.iter().flat_map(|&(first, len)| first..=first.saturating_add(len - 1)).collect();
            ids.truncate(MAX_MESSAGE_IDS);
            prop_assert_eq!(read(&write(&ids)).unwrap(), ids);
        }
    }
}
