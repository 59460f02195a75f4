//! The declarer: every flow's name and every node's id, before any node is built, so gotos can
//! point forwards and across files; then each flow's start node and readers.

use super::resolver::Resolver;
use super::Report;
use crate::diag::Location;
use crate::flow::raw::{RawFile, RawNode};
use crate::flow::{FlowInfo, NodeIdx};
use crate::source::SourceFile;
use crate::yaml::location;
use std::collections::HashMap;

/// A node id and where it was declared, before nodes are built.
pub(super) struct Declared<'r> {
    pub id: String,
    pub flow: usize,
    pub origin: &'r str,
    pub loc: Location,
    pub raw: &'r RawNode,
}

/// Every flow and node declared, in file order.
pub(super) struct Declarations<'r> {
    /// Each flow's index and where its name is written.
    pub flow_names: HashMap<String, (usize, Location)>,
    /// Each flow's file, raw form and name, by index.
    pub flows: Vec<(&'r SourceFile, &'r RawFile, String)>,
    pub nodes: Vec<Declared<'r>>,
    /// Each node id's index in `nodes`.
    pub node_index: HashMap<String, NodeIdx>,
}

pub(super) struct Declarer<'r> {
    pub report: &'r mut Report,
}

impl Declarer<'_> {
    /// Declare every flow and node id, reporting files that are not a flow or a catalogue, and
    /// names and ids used twice.
    pub fn declare<'p>(&mut self, parsed: &'p [(&'p SourceFile, RawFile)]) -> Declarations<'p> {
        let mut flow_names: HashMap<String, (usize, Location)> = HashMap::new();
        let mut flow_raws: Vec<(&SourceFile, &RawFile, String)> = Vec::new();
        let mut declared: Vec<Declared> = Vec::new();
        let mut node_index: HashMap<String, NodeIdx> = HashMap::new();
        for (file, raw) in parsed {
            let origin = file.origin.as_str();
            match (&raw.flow, &raw.nodes) {
                (None, None) => {
                    if raw.signs.is_none() && raw.audiences.is_none() && raw.categories.is_none() {
                        self.report.err(
                            Location::file(origin),
                            "this file has neither `flow:` and `nodes:` nor a catalogue (`signs:`)",
                        );
                    }
                    continue;
                }
                (Some(name), None) => {
                    self.report.err(location(name, origin), "a flow needs `nodes:`");
                    continue;
                }
                (None, Some(nodes)) => {
                    self.report
                        .err(location(nodes, origin), "these nodes need a flow name: add `flow: <name>` at the top");
                    continue;
                }
                (Some(name), Some(nodes)) => {
                    let flow_idx = flow_raws.len();
                    let loc = location(name, origin);
                    if let Some((_, first)) = flow_names.get(name.as_str()) {
                        let msg = format!("flow \"{}\" is already defined at {first}", name.as_str());
                        self.report.err(loc, msg);
                        continue;
                    }
                    flow_names.insert(name.to_string(), (flow_idx, loc));
                    flow_raws.push((file, raw, name.to_string()));
                    if nodes.is_empty() {
                        self.report.err(location(nodes, origin), "the flow has no nodes");
                    }
                    for (id, node) in nodes.iter() {
                        let loc = location(id, origin);
                        if let Err(why) = check_node_id(id.as_str()) {
                            self.report.err(loc.clone(), why);
                        }
                        if let Some(&first) = node_index.get(id.as_str()) {
                            let first = &declared[first].loc;
                            let msg = format!(
                                "node id \"{}\" is already used at {first}; node ids must be unique across all flows",
                                id.as_str()
                            );
                            self.report.err(loc, msg);
                            continue;
                        }
                        node_index.insert(id.to_string(), declared.len());
                        declared.push(Declared { id: id.to_string(), flow: flow_idx, origin, loc, raw: node });
                    }
                }
            }
        }

        Declarations { flow_names, flows: flow_raws, nodes: declared, node_index }
    }

    /// Each flow's start node (`start:`, else the node written first in the file) and readers;
    /// and which flow is `main`, reported when there is none.
    pub fn describe_flows(
        &mut self,
        declared: &Declarations,
        names: &Resolver,
        files: &[SourceFile],
    ) -> (Vec<FlowInfo>, Option<usize>) {
        let mut flows_info = Vec::new();
        for (file, raw, name) in &declared.flows {
            let origin = file.origin.as_str();
            let start = match &raw.start {
                Some(s) => names.node(s, origin, self.report).unwrap_or(0),
                None => declared
                    .nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| d.origin == origin)
                    .min_by_key(|(_, d)| d.loc.line)
                    .map(|(i, _)| i)
                    .unwrap_or(0),
            };
            let young_readers = match &raw.readers {
                None => false,
                Some(r) if r.as_str() == "young" => true,
                Some(r) if r.as_str() == "adults" => false,
                Some(r) => {
                    self.report.err(
                        location(r, origin),
                        format!("readers must be `young` or `adults`, not \"{}\"", r.as_str()),
                    );
                    false
                }
            };
            flows_info.push(FlowInfo { name: name.clone(), origin: origin.to_string(), start, young_readers });
        }
        let main = flows_info.iter().position(|f| f.name == "main");
        if main.is_none() && !flows_info.is_empty() {
            let origin = files.first().map(|f| f.origin.as_str()).unwrap_or("flows");
            self.report.err(Location::file(origin), "no flow is named `main`: `/start` needs a flow called main");
        }

        (flows_info, main)
    }
}

/// Node ids end up in button data and commands (`/goto`): keep them short and plain.
fn check_node_id(id: &str) -> Result<(), String> {
    if id == "return" || id == "emergency" {
        return Err(format!(
            "\"{id}\" is reserved: `goto: return` goes back from a sub-flow, `goto: emergency` shows the emergency message"
        ));
    }
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(format!("node id \"{id}\" may only use letters, digits, _ and - (no spaces)"));
    }
    Ok(())
}
