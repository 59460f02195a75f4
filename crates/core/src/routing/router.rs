//! The [`Router`]: from what a user typed (or a button id) to a [`RouteDecision`], and from a
//! decision to the contacts to show.
//!
//! Rules it keeps, from the issue and `shared/content/contacts.md`:
//! - not knowing (or not saying) an area never blocks help: it gives the national route at once;
//! - a full postcode is looked up exactly in the postcode index and never asks; a sector or
//!   district asks only when its postcodes really are in different areas; a postcode the index
//!   does not have is said so kindly, and the sector, then the district, decides;
//! - a name shared by several places, or a typo, gets one follow-up question, never a guess;
//! - a place outside the covered areas gets the national route, which works anywhere, with the
//!   council that runs children's services there named when the postcode settles it.

use super::area::{Area, AreaId};
use super::block::{self, BlockContext};
use super::config::{self, RoutingSources};
use super::contact::{Contact, ContactBook};
use super::hours::{describe_uk, uk_local, BankHolidays};
use super::index::{Authority, AuthorityId, PostcodeIndex, UnitLookup};
use super::place::{place_key, strip_fillers, NameEntry, NameIndex, NameKind, Target};
use super::postcode::{find_postcode, parse_postcode, PostcodeDistrict, PostcodeInput};
use crate::diag::{Diagnostic, Location};
use crate::source::SourceFile;
use chrono::{DateTime, NaiveDate, Utc};
use std::path::Path;
use std::sync::Arc;

/// File names inside the config directory.
pub const AREAS_FILE: &str = "areas.yaml";
pub const CONTACTS_FILE: &str = "contacts.yaml";
pub const HOLIDAYS_FILE: &str = "bank-holidays.yaml";
pub const INDEX_FILE: &str = "postcode-index.txt";

/// Where the user is, as far as the bot needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteDecision {
    Area(AreaId),
    /// A split district, a name shared by several places, or a likely typo: ask one question.
    /// `options` are area ids in button order and always end with `elsewhere` (national).
    Ask {
        question: String,
        options: Vec<AreaId>,
    },
    /// The national route, at once.
    National {
        reason: NationalReason,
    },
    /// Nothing we could read as a place: the caller asks again with the area buttons and offers
    /// the national route.
    NotUnderstood,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NationalReason {
    /// The user does not know, or would rather not say.
    Unknown,
    /// A place in England outside the covered areas: a district ("PE30") or a town ("King's
    /// Lynn"); never a full postcode, only its district. `councils` are the ONS codes of the
    /// councils running children's services there, when a postcode says (largest first).
    Outside { place: String, councils: Vec<String> },
    /// A postcode in Wales, Scotland, Northern Ireland, the Channel Islands or the Isle of Man.
    OutsideEngland { country: String },
}

/// Said before the answer when a full postcode is not in the index.
pub const POSTCODE_NOT_FOUND: &str = "I couldn't find that exact postcode: it may be new, mistyped, \
     or no longer used. I've gone by the area around it.";

/// Areas, contacts, opening hours and the postcode index, validated from `config/`.
#[derive(Debug, Clone)]
pub struct Router {
    areas: Vec<Area>,
    contacts: ContactBook,
    holidays: BankHolidays,
    index: Arc<PostcodeIndex>,
    /// Authority id -> the covered area it is in, if any (by its own code or its county's).
    area_of: Vec<Option<usize>>,
    names: NameIndex,
    elsewhere: usize,
}

/// A decision with what `signpost route` shows about it.
struct Routed {
    decision: RouteDecision,
    /// Why, for staff; never echoes what was typed beyond a district.
    why: String,
    /// Authorities the postcode (or its sector or district) is in, with numbers of postcodes.
    found: Vec<(AuthorityId, u32)>,
    /// Said to the user before the answer.
    note: Option<&'static str>,
}

impl Routed {
    fn new(decision: RouteDecision, why: impl Into<String>) -> Routed {
        Routed { decision, why: why.into(), found: Vec::new(), note: None }
    }
}

impl Router {
    /// Read the four config files from `dir` and build the router. `Ok` carries warnings (such
    /// as facts checked over 12 months ago); `Err` carries every error and warning. A missing
    /// file is a diagnostic naming its path. This is the only function here that touches the
    /// file system or the clock.
    pub fn load_dir(dir: &Path) -> Result<(Router, Vec<Diagnostic>), Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut read = |name: &str| {
            let path = dir.join(name);
            let origin = path.display().to_string();
            match std::fs::read_to_string(&path) {
                Ok(text) => Some(SourceFile::new(origin, text)),
                Err(e) => {
                    diags.push(Location::file(origin).error(format!("cannot read the file: {e}")));
                    None
                }
            }
        };
        let files = (read(AREAS_FILE), read(CONTACTS_FILE), read(HOLIDAYS_FILE), read(INDEX_FILE));
        let (Some(areas), Some(contacts), Some(holidays), Some(index)) = files else {
            return Err(diags);
        };
        let sources = RoutingSources { areas, contacts, holidays, index };
        let today = uk_local(Utc::now()).date();
        Router::from_sources(&sources, today)
    }

    /// Build from file contents. `today` (UK date) dates the "checked over 12 months ago" and
    /// "bank holidays running out" warnings.
    pub fn from_sources(
        sources: &RoutingSources,
        today: NaiveDate,
    ) -> Result<(Router, Vec<Diagnostic>), Vec<Diagnostic>> {
        let (validated, diags) = config::validate(sources, today);
        let Some(v) = validated else {
            return Err(diags);
        };
        let Some(elsewhere) = v.areas.iter().position(|a| a.id.is_elsewhere()) else {
            return Err(diags);
        };
        let area_of = v
            .index
            .authorities()
            .map(|(_, a)| {
                let upper = &v.index.authority(a.upper).code;
                v.areas.iter().position(|area| area.authorities.iter().any(|c| c == &a.code || c == upper))
            })
            .collect();
        let router = Router {
            areas: v.areas,
            contacts: v.contacts,
            holidays: v.holidays,
            index: v.index,
            area_of,
            names: v.names,
            elsewhere,
        };
        Ok((router, diags))
    }

    /// Areas to offer as buttons, in display order, ending with "elsewhere in England".
    pub fn areas(&self) -> &[Area] {
        &self.areas
    }

    pub fn area(&self, id: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.id.as_str() == id)
    }

    pub fn contact(&self, id: &str) -> Option<&Contact> {
        self.contacts.get(id)
    }

    /// Every contact in config, for checks against the sources.
    pub fn contacts(&self) -> &[Contact] {
        self.contacts.all()
    }

    /// The postcode index, for its edition and for measuring.
    pub fn index(&self) -> &PostcodeIndex {
        &self.index
    }

    /// Decide where the user is from what they typed or a button id.
    pub fn route(&self, typed: &str) -> RouteDecision {
        self.decide(typed).decision
    }

    /// The decision, and a sentence to say before it when there is one ([`POSTCODE_NOT_FOUND`]).
    pub fn route_with_note(&self, typed: &str) -> (RouteDecision, Option<&'static str>) {
        let routed = self.decide(typed);
        (routed.decision, routed.note)
    }

    /// The contact block for an area (`None`, `elsewhere` or an unknown id: the national route),
    /// for an adult or a young person, at `now`. Plain text; always ends with the 999 line.
    pub fn contact_block(&self, area: Option<&AreaId>, young_person: bool, now: DateTime<Utc>) -> String {
        self.contact_block_for(area, &[], young_person, now)
    }

    /// As [`Router::contact_block`], naming on the national route the councils (ONS codes from
    /// [`NationalReason::Outside`]) that run children's services where the user is.
    pub fn contact_block_for(
        &self,
        area: Option<&AreaId>,
        councils: &[String],
        young_person: bool,
        now: DateTime<Utc>,
    ) -> String {
        let area = area.and_then(|id| self.area(id.as_str())).unwrap_or(&self.areas[self.elsewhere]);
        let councils: Vec<&Authority> = if area.id.is_elsewhere() {
            councils.iter().filter_map(|c| self.index.find_code(c)).map(|id| self.index.authority(id)).collect()
        } else {
            Vec::new()
        };
        let ctx = BlockContext { book: &self.contacts, holidays: &self.holidays, local: uk_local(now) };
        block::render(area, &councils, young_person, &ctx)
    }

    /// The two councils with the longest names, so the flow validator can measure the longest
    /// block the national route can show.
    pub fn longest_councils(&self) -> Vec<String> {
        let mut uppers: Vec<&Authority> =
            self.index.authorities().filter(|(id, a)| a.in_england() && a.upper == *id).map(|(_, a)| a).collect();
        uppers.sort_by_cached_key(|a| std::cmp::Reverse(block::council_name(a).len()));
        uppers.iter().take(2).map(|a| a.code.clone()).collect()
    }

    /// What `signpost route` prints: the decision and why, then the blocks it would show.
    pub fn explain(&self, typed: &str, now: DateTime<Utc>) -> String {
        let Routed { decision, why, found, note } = self.decide(typed);
        let mut out = Vec::new();
        let show: Option<Option<AreaId>> = match &decision {
            RouteDecision::Area(id) => {
                let area = self.area(id.as_str()).unwrap_or(&self.areas[self.elsewhere]);
                if id.is_elsewhere() {
                    out.push(format!("Decision: national route (button \"{}\")", area.label));
                } else {
                    out.push(format!("Decision: area {id} ({})", area.force));
                }
                Some(Some(id.clone()))
            }
            RouteDecision::Ask { question, options } => {
                out.push("Decision: ask one follow-up question".to_string());
                out.push(format!("Question: {question}"));
                for id in options {
                    let label = self.area(id.as_str()).map_or("?", |a| a.label.as_str());
                    out.push(format!("Option: {id} (button \"{label}\")"));
                }
                None
            }
            RouteDecision::National { reason } => {
                out.push(match reason {
                    NationalReason::Unknown => {
                        "Decision: national route (the user does not know or would rather not say)".to_string()
                    }
                    NationalReason::Outside { place, .. } => {
                        format!("Decision: national route ({place} is outside the areas with local contacts)")
                    }
                    NationalReason::OutsideEngland { country } => {
                        format!("Decision: national route (the postcode is in {country}, outside England)")
                    }
                });
                Some(None)
            }
            RouteDecision::NotUnderstood => {
                out.push(
                    "Decision: not understood; ask again with the area buttons and offer the \
                     national route below"
                        .to_string(),
                );
                Some(None)
            }
        };
        out.push(format!("Why: {why}"));
        for (id, count) in &found {
            let a = self.index.authority(*id);
            let up = self.index.authority(a.upper);
            let share = if found.len() > 1 { format!(" ({count} postcodes)") } else { String::new() };
            out.push(format!(
                "Authority: {} ({}); children's services: {} ({}){share}",
                a.name,
                a.code,
                block::council_name(up),
                up.code
            ));
        }
        if !found.is_empty() {
            out.push(format!("Data: {} (postcode index generated {})", self.index.edition(), self.index.generated()));
        }
        if let Some(note) = note {
            out.push(format!("Said first: {note}"));
        }
        out.push(format!("Time: {}", describe_uk(now)));
        let councils = match &decision {
            RouteDecision::National { reason: NationalReason::Outside { councils, .. } } => councils.clone(),
            _ => Vec::new(),
        };
        match show {
            None => out.push("\nNo contacts until the user answers.".to_string()),
            Some(area) => {
                let adult = self.contact_block_for(area.as_ref(), &councils, false, now);
                let young = self.contact_block_for(area.as_ref(), &councils, true, now);
                out.push(format!("\n--- For an adult ---\n{adult}"));
                if young != adult {
                    out.push(format!("\n--- For a young person ---\n{young}"));
                }
            }
        }
        out.join("\n")
    }

    /// Every phone number, web address and email the router can ever state.
    pub fn stated_facts(&self) -> Vec<String> {
        let mut facts: Vec<String> = Vec::new();
        for contact in self.contacts.all() {
            for fact in contact.facts() {
                if !facts.iter().any(|f| f == fact) {
                    facts.push(fact.to_string());
                }
            }
        }
        facts
    }

    /// The decision, and in words for staff why it was made (never echoing what was typed).
    fn decide(&self, typed: &str) -> Routed {
        let normal = place_key(typed);
        if normal.is_empty() {
            return Routed::new(RouteDecision::NotUnderstood, "nothing to read");
        }
        let mut attempts = vec![normal.clone()];
        attempts.extend(strip_fillers(&normal));
        for text in &attempts {
            if let Some(postcode) = parse_postcode(text) {
                return self.route_postcode(postcode);
            }
        }
        if let Some(postcode) = find_postcode(&normal) {
            return self.route_postcode(postcode);
        }
        if normal.chars().any(|c| c.is_ascii_digit()) {
            return Routed::new(RouteDecision::NotUnderstood, "has digits but is not a postcode");
        }
        for text in &attempts {
            let hits = self.names.exact(text);
            if !hits.is_empty() {
                let (decision, why) = self.resolve_names(&hits, false);
                return Routed::new(decision, why);
            }
        }
        for text in &attempts {
            let hits = self.names.near(text);
            if !hits.is_empty() {
                let (decision, why) = self.resolve_names(&hits, true);
                return Routed::new(decision, why);
            }
        }
        // A place inside other words: "poole dorset", "luton, beds", "near cambridge".
        for text in &attempts {
            let hits = self.names.within(text);
            if !hits.is_empty() {
                let (decision, why) = self.resolve_names(&hits, false);
                return Routed::new(decision, format!("inside the words: {why}"));
            }
        }
        Routed::new(RouteDecision::NotUnderstood, "not a postcode, place or phrase we know")
    }

    /// A full postcode exactly; a sector or district by where its postcodes are. A full postcode
    /// the index lacks falls back to its sector, then its district, and says so.
    fn route_postcode(&self, postcode: PostcodeInput) -> Routed {
        let Some(district) = postcode.district().cloned() else {
            return Routed::new(RouteDecision::NotUnderstood, "looks like a postcode but is not a valid one");
        };
        if !district.in_real_area() {
            return Routed::new(RouteDecision::NotUnderstood, format!("{} is not a UK postcode area", district.area()));
        }
        let mut note = None;
        let mut tried = Vec::new();
        let sector = match &postcode {
            PostcodeInput::Full(p) => match self.index.unit(p) {
                UnitLookup::Found(a) => {
                    let said = format!("full postcode in {district}, found in the index");
                    return self.settle(&[(a, 1)], &district, said);
                }
                UnitLookup::NotInSector | UnitLookup::NoSector => {
                    note = Some(POSTCODE_NOT_FOUND);
                    tried.push("full postcode not in the index");
                    Some(p.sector().clone())
                }
            },
            PostcodeInput::Sector(s) => Some(s.clone()),
            _ => None,
        };
        if let Some(sector) = sector {
            match self.index.sector(&sector) {
                Some(spread) => {
                    let routed = self.settle(&spread, &district, format!("{}postcode sector {sector}", lead(&tried)));
                    // A sector wholly in one area settles it; a split one asks about the district.
                    if !matches!(routed.decision, RouteDecision::Ask { .. }) {
                        return Routed { note, ..routed };
                    }
                    tried.push("sector split");
                }
                None => tried.push("sector not in the index"),
            }
        }
        let said = format!("{}postcode district {district}", lead(&tried));
        match self.index.district(&district) {
            Some(spread) => Routed { note, ..self.settle(spread, &district, said) },
            None if self.index.has_area(district.area()) => Routed {
                note,
                ..Routed::new(
                    RouteDecision::NotUnderstood,
                    format!("{said}: not a district of {} in the postcode index", district.area()),
                )
            },
            None => {
                Routed { note, ..Routed::new(outside(district.as_str()), format!("{said}: not in the postcode index")) }
            }
        }
    }

    /// From the authorities a postcode, sector or district is in to a decision: one covered
    /// area, the national route (naming the councils), or a question when it really is split.
    fn settle(&self, spread: &[(AuthorityId, u32)], district: &PostcodeDistrict, said: String) -> Routed {
        let mut covered: Vec<usize> = Vec::new();
        let mut councils: Vec<AuthorityId> = Vec::new();
        let mut countries: Vec<AuthorityId> = Vec::new();
        for (id, _) in spread {
            let upper = self.index.upper(*id);
            match self.area_of[id.index()] {
                Some(area) => covered.push(area),
                None if self.index.authority(*id).in_england() => councils.push(upper),
                None => countries.push(*id),
            }
        }
        covered.sort_unstable();
        covered.dedup();
        dedup_keep_order(&mut councils);
        dedup_keep_order(&mut countries);
        let codes = |ids: &[AuthorityId]| ids.iter().map(|id| self.index.authority(*id).code.clone()).collect();
        let decision = match (covered.as_slice(), councils.is_empty(), countries.is_empty()) {
            ([one], true, true) => RouteDecision::Area(self.areas[*one].id.clone()),
            ([], true, false) => national(NationalReason::OutsideEngland {
                country: join_or(&countries.iter().map(|c| self.index.authority(*c).name.clone()).collect::<Vec<_>>()),
            }),
            ([], false, _) => {
                national(NationalReason::Outside { place: district.to_string(), councils: codes(&councils) })
            }
            _ => {
                let mut parts: Vec<String> =
                    covered.iter().map(|i| format!("partly in {}", self.areas[*i].name)).collect();
                for other in councils.iter().chain(&countries) {
                    parts.push(format!("partly in {}", self.index.authority(*other).name));
                }
                let question = format!(
                    "{district} is {}. Which are you in? You can also type your full postcode.",
                    join_and(&parts)
                );
                let why = format!("{said}: split, so ask");
                return Routed { found: spread.to_vec(), ..Routed::new(self.ask(question, &covered), why) };
            }
        };
        Routed { found: spread.to_vec(), ..Routed::new(decision, said) }
    }

    /// Turn the names that matched into a decision. Several different places: ask. A typo that
    /// points at a covered area: ask "did you mean". A typo that can only mean the national
    /// route (an outside place, "elsewhere", "not sure"): give it, as it is safe anywhere.
    fn resolve_names(&self, hits: &[&NameEntry], typo: bool) -> (RouteDecision, String) {
        let mut targets: Vec<&Target> = Vec::new();
        for hit in hits {
            if !targets.contains(&&hit.target) {
                targets.push(&hit.target);
            }
        }
        let mut displays: Vec<&str> = Vec::new();
        for hit in hits {
            if !displays.contains(&hit.display.as_str()) {
                displays.push(&hit.display);
            }
        }
        let slip = if typo { "a one-letter slip from " } else { "" };
        let described: Vec<String> = hits.iter().map(|h| self.describe_name(h)).collect();
        let why = format!("{slip}{}", join_or(&described));

        let has_unknown = targets.iter().any(|t| **t == Target::Unknown);
        if has_unknown {
            return if targets.len() == 1 {
                (national(NationalReason::Unknown), why)
            } else {
                (RouteDecision::NotUnderstood, format!("{why}: a place or a phrase, unclear"))
            };
        }
        let mut covered: Vec<usize> = targets
            .iter()
            .filter_map(|t| match t {
                Target::Area(i) if *i != self.elsewhere => Some(*i),
                _ => None,
            })
            .collect();
        covered.sort_unstable();
        covered.dedup();
        let outside_place = || {
            let places: Vec<String> =
                hits.iter().filter(|h| matches!(h.target, Target::Outside { .. })).map(|h| h.display.clone()).collect();
            join_or(&places)
        };
        if covered.is_empty() {
            let any_outside = targets.iter().any(|t| matches!(t, Target::Outside { .. }));
            return if any_outside {
                (outside(&outside_place()), why)
            } else {
                (RouteDecision::Area(self.areas[self.elsewhere].id.clone()), why)
            };
        }
        if !typo && targets.len() == 1 {
            return (RouteDecision::Area(self.areas[covered[0]].id.clone()), why);
        }
        let question = match (typo, displays.as_slice(), covered.as_slice()) {
            (false, [name], _) => {
                format!("There is more than one place called {name}. Which area is it in?")
            }
            (false, _, _) => "That name fits more than one place. Which area is it in?".to_string(),
            (true, [name], [one]) if targets.len() == 1 => {
                // A town gets its area named; a name for the area itself ("Cambs") needs none.
                if hits.iter().all(|h| h.kind == NameKind::Town) {
                    format!("Did you mean {name}, in {}?", self.areas[*one].name)
                } else {
                    format!("Did you mean {name}?")
                }
            }
            (true, [name], _) => {
                format!("Did you mean {name}? There is more than one; which area is it in?")
            }
            (true, names, _) => {
                let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
                format!("Did you mean {}? Which area is it in?", join_or(&names))
            }
        };
        (self.ask(question, &covered), format!("{why}; ask"))
    }

    fn describe_name(&self, hit: &NameEntry) -> String {
        let target = match &hit.target {
            Target::Area(i) => format!(" -> {}", self.areas[*i].id),
            Target::Outside { region } => format!(" ({region}, outside)"),
            Target::Unknown => String::new(),
        };
        let kind = match hit.kind {
            NameKind::ButtonId => "the button id",
            NameKind::ButtonLabel => "the button label",
            NameKind::AreaName => "the area name",
            NameKind::Town => "the town",
            NameKind::OutsidePlace => "the place",
            NameKind::Phrase => "the phrase",
        };
        format!("{kind} \"{}\"{target}", hit.display)
    }

    /// A question whose options are these areas in button order, then `elsewhere`.
    fn ask(&self, question: String, areas: &[usize]) -> RouteDecision {
        let mut options: Vec<AreaId> =
            areas.iter().filter(|i| **i != self.elsewhere).map(|i| self.areas[*i].id.clone()).collect();
        options.push(self.areas[self.elsewhere].id.clone());
        RouteDecision::Ask { question, options }
    }
}

fn national(reason: NationalReason) -> RouteDecision {
    RouteDecision::National { reason }
}

fn outside(place: &str) -> RouteDecision {
    national(NationalReason::Outside { place: place.to_string(), councils: Vec::new() })
}

/// "full postcode not in the index; " before what was used instead.
fn lead(tried: &[&str]) -> String {
    tried.iter().map(|t| format!("{t}; ")).collect()
}

fn dedup_keep_order(ids: &mut Vec<AuthorityId>) {
    let mut seen = Vec::with_capacity(ids.len());
    ids.retain(|id| {
        let new = !seen.contains(id);
        seen.push(*id);
        new
    });
}

/// "a", "a and b", "a, b and c".
fn join_and(parts: &[String]) -> String {
    join_with(parts, "and")
}

fn join_or(parts: &[String]) -> String {
    join_with(parts, "or")
}

fn join_with(parts: &[String], word: &str) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {word} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::fixture::{sources, today};
    use super::*;

    fn router() -> Router {
        Router::from_sources(&sources(), today()).unwrap().0
    }

    fn id(s: &str) -> AreaId {
        AreaId::parse(s).unwrap()
    }

    fn ask(options: &[&str]) -> Vec<AreaId> {
        options.iter().map(|o| id(o)).collect()
    }

    #[test]
    fn decisions_on_the_fixture() {
        let r = router();
        let area = |s: &str| RouteDecision::Area(id(s));
        let out = |s: &str| outside(s);
        let cases: Vec<(&str, RouteDecision)> = vec![
            ("CB4", area("cambridgeshire")),
            ("cb4 1ab", area("cambridgeshire")),
            ("PE1", area("peterborough")),
            ("PE30", national(NationalReason::Outside { place: "PE30".into(), councils: vec!["E10000020".into()] })),
            // Not in the index at all, though a real postcode area: the national route.
            ("M1 1AA", out("M1")),
            // Exactly, from a split sector: no question.
            ("cb8 0ab", national(NationalReason::Outside { place: "CB8".into(), councils: vec!["E10000029".into()] })),
            ("CB80BA", area("cambridgeshire")),
            ("CB8 9", national(NationalReason::Outside { place: "CB8".into(), councils: vec!["E10000029".into()] })),
            ("LL11 1AA", national(NationalReason::OutsideEngland { country: "Wales".into() })),
            // Not in the index: the sector decides, then the district.
            ("CB4 1ZZ", area("cambridgeshire")),
            ("PE7 2AB", area("peterborough")),
            ("not sure", national(NationalReason::Unknown)),
            ("NOT  SURE!", national(NationalReason::Unknown)),
            ("I’d rather not say", national(NationalReason::Unknown)),
            ("kings lynn", out("King's Lynn")),
            ("cambs", area("cambridgeshire")),
            ("i live in cambridge", area("cambridgeshire")),
            // Regression: a postcode with any other words was not understood.
            ("my postcode is PE1 1AA", area("peterborough")),
            ("cb4 1ab, please", area("cambridgeshire")),
            ("on the M1", RouteDecision::NotUnderstood),
            ("elsewhere", area("elsewhere")),
            ("Elsewhere in England", area("elsewhere")),
            ("", RouteDecision::NotUnderstood),
            ("???", RouteDecision::NotUnderstood),
            ("ZZ1 1AA", RouteDecision::NotUnderstood),
            ("CB99", RouteDecision::NotUnderstood),
            ("12345", RouteDecision::NotUnderstood),
            ("xyzzy", RouteDecision::NotUnderstood),
        ];
        for (typed, want) in cases {
            assert_eq!(r.route(typed), want, "{typed:?}");
        }
    }

    #[test]
    fn questions_offer_the_right_areas_then_elsewhere() {
        let r = router();
        let cases: &[(&str, &[&str], &str)] = &[
            (
                "CB8",
                &["cambridgeshire", "elsewhere"],
                "CB8 is partly in Cambridgeshire and partly in Suffolk. Which are you in? You can also type your full postcode.",
            ),
            ("CB8 0", &["cambridgeshire", "elsewhere"], "CB8 is partly in Cambridgeshire and partly in Suffolk."),
            // Not in the index and its sector split: the district asks.
            ("CB8 0ZZ", &["cambridgeshire", "elsewhere"], "CB8 is partly in Cambridgeshire and partly in Suffolk."),
            ("St Ives", &["cambridgeshire", "elsewhere"], "There is more than one place called St Ives."),
            ("Cambrige", &["cambridgeshire", "elsewhere"], "Did you mean Cambridge, in Cambridgeshire?"),
            ("Cambz", &["cambridgeshire", "elsewhere"], "Did you mean Cambs?"),
        ];
        for (typed, options, question_start) in cases {
            match r.route(typed) {
                RouteDecision::Ask { question, options: got } => {
                    assert_eq!(got, ask(options), "{typed:?}");
                    assert!(question.starts_with(question_start), "{typed:?}: {question}");
                }
                other => panic!("{typed:?}: want a question, got {other:?}"),
            }
        }
    }

    #[test]
    fn a_typo_between_two_places_is_never_guessed() {
        // "Marsh" is one letter from "March" (Cambridgeshire) and a prefix-typo of nothing else;
        // "Marsh Gibbo" is one letter from an outside place only.
        let r = router();
        assert!(matches!(r.route("Marsh"), RouteDecision::Ask { .. }));
        assert_eq!(r.route("Marsh Gibbo"), outside("Marsh Gibbon"));
    }

    #[test]
    fn the_day_line_and_out_of_hours_line_swap_places_but_both_show() {
        let r = router();
        let cambs = id("cambridgeshire");
        let cases = [
            ("2026-11-24T10:00", true),
            ("2026-11-24T18:30", false),
            ("2026-11-28T10:00", false),
            ("2026-12-25T10:00", false),
            ("2026-12-28T10:00", false),
        ];
        for (at, day_first) in cases {
            let now = parse_uk_local_for_test(at);
            let block = r.contact_block(Some(&cambs), false, now);
            let day = block.find("0345 045 5203").expect("day line shown");
            let night = block.find("01733 234 724").expect("out-of-hours line shown");
            assert_eq!(day < night, day_first, "{at}:\n{block}");
            assert!(block.ends_with("In an emergency: call 999"), "{at}:\n{block}");
        }
    }

    #[test]
    fn unknown_or_missing_areas_get_the_national_block() {
        let r = router();
        let now = parse_uk_local_for_test("2026-11-24T10:00");
        let national = r.contact_block(None, false, now);
        assert_eq!(r.contact_block(Some(&id("elsewhere")), false, now), national);
        assert_eq!(r.contact_block(Some(&id("atlantis")), false, now), national);
        assert!(national.starts_with("Who to contact, wherever you are in England"));
        let young = r.contact_block(None, true, now);
        assert!(young.contains("Childline") && !young.contains("Council"), "{young}");
    }

    #[test]
    fn explain_says_what_was_decided_and_why_without_echoing_a_postcode() {
        let r = router();
        let now = parse_uk_local_for_test("2026-11-24T10:00");
        let text = r.explain("cb4 1ab", now);
        let want = "Decision: area cambridgeshire (Cambridgeshire Constabulary)\n\
            Why: full postcode in CB4, found in the index\n\
            Authority: Cambridge (E07000008); children's services: Cambridgeshire County Council (E10000003)\n\
            Data: ONSPD test (postcode index generated 2026-01-01)\n";
        assert!(text.starts_with(want), "{text}");
        assert!(!text.to_uppercase().contains("1AB"), "{text}");
        assert!(text.contains("--- For an adult ---\nWho to contact in Cambridgeshire"), "{text}");
        assert!(text.contains("--- For a young person ---\nWho can help you in Cambridgeshire"), "{text}");
        let text = r.explain("CB8", now);
        assert!(text.contains("Option: elsewhere (button \"Elsewhere in England\")"), "{text}");
    }

    #[test]
    fn a_postcode_outside_the_areas_names_its_council_and_how_to_find_it() {
        let r = router();
        let now = parse_uk_local_for_test("2026-11-24T10:00");
        let RouteDecision::National { reason: NationalReason::Outside { councils, .. } } = r.route("pe30 1aa") else {
            panic!("want the national route")
        };
        let adult = r.contact_block_for(None, &councils, false, now);
        assert!(
            adult.starts_with(
                "Who to contact, wherever you are in England\n\n\
                 Children's services here are run by Norfolk County Council\n\
                 To reach them, search for \"Norfolk County Council children's services\"\n\nPolice"
            ),
            "{adult}"
        );
        assert!(adult.ends_with("In an emergency: call 999"), "{adult}");
        let young = r.contact_block_for(None, &councils, true, now);
        assert!(young.starts_with("Who can help you, wherever you are in England\n\nChildline"), "{young}");
        assert!(young.contains("Norfolk County Council") && young.ends_with("call 999"), "{young}");
        // A covered area's block is its own: no council line is added to it.
        let cambs = r.contact_block_for(Some(&id("cambridgeshire")), &councils, false, now);
        assert!(!cambs.contains("Norfolk"), "{cambs}");
    }

    #[test]
    fn a_postcode_the_index_lacks_is_said_kindly_and_its_district_decides() {
        let r = router();
        let (decision, note) = r.route_with_note("PE7 2AB");
        assert_eq!(decision, RouteDecision::Area(id("peterborough")));
        assert_eq!(note, Some(POSTCODE_NOT_FOUND));
        assert_eq!(r.route_with_note("PE7 3AA").1, None);
        let text = r.explain("PE7 2AB", parse_uk_local_for_test("2026-11-24T10:00"));
        assert!(
            text.contains("Why: full postcode not in the index; sector not in the index; postcode district PE7"),
            "{text}"
        );
        assert!(!text.contains("2AB"), "{text}");
    }

    #[test]
    fn the_router_can_be_shared_between_threads() {
        fn shareable<T: Clone + Send + Sync + std::fmt::Debug>() {}
        shareable::<Router>();
        shareable::<RouteDecision>();
    }

    #[test]
    fn stated_facts_list_every_number_once() {
        let facts = router().stated_facts();
        assert_eq!(facts, ["101", "0345 045 5203", "01733 234 724", "0800 1111", "999"]);
    }

    #[test]
    fn a_missing_config_directory_names_each_file() {
        let dir = Path::new("/nonexistent/signpost-config");
        let diags = Router::load_dir(dir).unwrap_err();
        assert_eq!(diags.len(), 4, "{diags:#?}");
        assert!(diags[0].to_string().starts_with("/nonexistent/signpost-config/areas.yaml: cannot read the file"));
        assert!(diags.iter().all(Diagnostic::is_error));
    }

    fn parse_uk_local_for_test(s: &str) -> DateTime<Utc> {
        super::super::hours::parse_uk_local(s).unwrap()
    }
}
