//! The resolver: names written in the flows -> the indices the graph uses (nodes, signs,
//! audiences, categories, flows, areas). An unknown name is reported where it is written, with
//! a suggestion when a known one is a slip away.

use super::Report;
use crate::diag::{suggest, Location};
use crate::flow::raw::RawCondition;
use crate::flow::{Audience, Category, Condition, Goto, NodeIdx};
use crate::yaml::{location, Spanned};
use std::collections::HashMap;

/// Every name the flows can refer to, declared before any node is built.
pub(super) struct Resolver<'a> {
    pub node_index: &'a HashMap<String, NodeIdx>,
    pub flow_names: &'a HashMap<String, (usize, Location)>,
    pub audiences: &'a [Audience],
    pub categories: &'a [Category],
    pub sign_index: &'a HashMap<String, usize>,
    pub areas: &'a [String],
}

impl Resolver<'_> {
    pub fn node(&self, id: &Spanned<String>, origin: &str, report: &mut Report) -> Option<NodeIdx> {
        match self.node_index.get(id.as_str()) {
            Some(&i) => Some(i),
            None => {
                let hint = suggest(id.as_str(), self.node_index.keys().map(String::as_str));
                report.err(location(id, origin), format!("goes to unknown node \"{}\"{hint}", id.as_str()));
                None
            }
        }
    }

    /// A `goto:` (or `next:`, `typed:`...): a node, `return` or `emergency`.
    pub fn goto(&self, id: &Spanned<String>, origin: &str, report: &mut Report) -> Option<Goto> {
        match id.as_str() {
            "return" => return Some(Goto::Return),
            "emergency" => return Some(Goto::Emergency),
            _ => {}
        }
        self.node(id, origin, report).map(Goto::Node)
    }

    pub fn signs(&self, ids: &[Spanned<String>], origin: &str, report: &mut Report) -> Vec<usize> {
        ids.iter()
            .filter_map(|s| match self.sign_index.get(s.as_str()) {
                Some(&i) => Some(i),
                None => {
                    let hint = suggest(s.as_str(), self.sign_index.keys().map(String::as_str));
                    report.err(location(s, origin), format!("unknown sign \"{}\"{hint}", s.as_str()));
                    None
                }
            })
            .collect()
    }

    /// The flow a `call:` names.
    pub fn flow(&self, name: &Spanned<String>, origin: &str, report: &mut Report) -> Option<usize> {
        match self.flow_names.get(name.as_str()) {
            Some((i, _)) => Some(*i),
            None => {
                let hint = suggest(name.as_str(), self.flow_names.keys().map(String::as_str));
                report.err(location(name, origin), format!("calls unknown flow \"{}\"{hint}", name.as_str()));
                None
            }
        }
    }

    /// The audience a `set_audience:` names.
    pub fn audience(&self, a: &Spanned<String>, origin: &str, report: &mut Report) -> Option<usize> {
        let found = self.audiences.iter().position(|x| x.id == a.as_str());
        if found.is_none() {
            let hint = suggest(a.as_str(), self.audiences.iter().map(|x| x.id.as_str()));
            report.err(location(a, origin), format!("unknown audience \"{}\"{hint}", a.as_str()));
        }
        found
    }

    /// A `when:` or `if:` condition, every name in it resolved.
    pub fn condition(&self, c: &Spanned<RawCondition>, origin: &str, report: &mut Report) -> Condition {
        let ids = |report: &mut Report, list: &Option<Spanned<Vec<Spanned<String>>>>, what: &str, known: &[&str]| {
            list.as_ref().map(|list| {
                list.iter()
                    .filter_map(|s| {
                        let found = known.iter().position(|k| *k == s.as_str());
                        if found.is_none() {
                            let hint = suggest(s.as_str(), known.iter().copied());
                            report.err(location(s, origin), format!("unknown {what} \"{}\"{hint}", s.as_str()));
                        }
                        found
                    })
                    .collect::<Vec<_>>()
            })
        };
        let audiences: Vec<&str> = self.audiences.iter().map(|a| a.id.as_str()).collect();
        let categories: Vec<&str> = self.categories.iter().map(|a| a.id.as_str()).collect();
        let mut areas: Vec<&str> = self.areas.iter().map(String::as_str).collect();
        areas.push("none");
        let audience = ids(report, &c.audience, "audience", &audiences);
        let category = ids(report, &c.category, "category", &categories);
        let area = ids(report, &c.area, "area", &areas).map(|found| {
            found.into_iter().map(|i| if areas[i] == "none" { String::new() } else { areas[i].to_string() }).collect()
        });
        let signs = c.signs.as_ref().map(|s| self.signs(s, origin, report));
        Condition { audience, area, young: c.young, has_signs: c.has_signs, signs, category, severe: c.severe }
    }
}
