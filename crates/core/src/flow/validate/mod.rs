//! Turns raw flow files into a [`Flows`] graph, collecting every problem with its place.
//!
//! Checks (errors unless said): YAML syntax, unknown fields and duplicate keys (in `crate::yaml`);
//! duplicate node ids across files; unknown gotos, signs, audiences, categories, areas, flows and
//! placeholders; regexes that don't compile; nodes that mix kinds or lead nowhere (dead ends);
//! unreachable nodes; messages that could render longer than Telegram allows; too many buttons,
//! labels too long for a phone, and button data over Telegram's 64 bytes. Readability of
//! messages written for young people is a warning.
//!
//! The work is split by what each part does, in the order they run:
//! - [`cataloguer`]: audiences, categories and signs, and the signs' patterns.
//! - [`declarer`]: flow names and node ids (so gotos can point forwards and across files),
//!   then each flow's start and readers.
//! - [`resolver`]: names written in the flows -> indices (nodes, signs, audiences, flows, areas).
//! - [`node_builder`]: each raw node -> a [`Node`], with its shape checked (one kind, `say:`
//!   where needed, `next:` where it leads on, buttons and typed answers that can be told apart).
//! - [`graph_checker`]: where `typed:` leads, reachability from `/start`, and turn length.
//! - [`length_checker`]: an answer fits a phone screen; a message fits Telegram, placeholders at
//!   their worst.
//! - [`readability_checker`]: plain words for young readers.
//! - [`button_checker`]: button labels, how many buttons a node shows and their data size.

mod button_checker;
mod cataloguer;
mod declarer;
mod graph_checker;
mod length_checker;
mod node_builder;
mod readability_checker;
mod resolver;
#[cfg(test)]
mod tests;

use super::load::parse_file;
use super::raw::RawFile;
use super::{Flows, Node, NodeKind};
use crate::diag::{Diagnostic, Location};
use crate::source::SourceFile;
use crate::yaml::location;
use cataloguer::Cataloguer;
use declarer::Declarer;
use length_checker::LengthChecker;
use node_builder::NodeBuilder;
use resolver::Resolver;
use std::collections::HashMap;

/// What the validator needs to know from outside the flows (the config), passed in so the check
/// stays pure.
#[derive(Debug, Clone, Default)]
pub struct ValidateContext {
    /// Area ids the router knows (`cambridgeshire`, `elsewhere`...).
    pub areas: Vec<String>,
    /// The longest area label, for the worst-case length of `{area}`.
    pub max_area_label_chars: usize,
    /// The longest contact block the router can produce, for the worst-case length of `{contacts}`.
    pub max_contacts_chars: usize,
    /// Characters the engine adds to every message (the 999 line).
    pub footer_chars: usize,
}

/// Validate all files together. Returns the flows when there are no errors, and every
/// diagnostic (errors and warnings) either way.
pub fn validate(files: &[SourceFile], ctx: &ValidateContext) -> (Option<Flows>, Vec<Diagnostic>) {
    let mut report = Report::default();
    let parsed: Vec<(&SourceFile, RawFile)> = files
        .iter()
        .filter_map(|f| match parse_file(f) {
            Ok(raw) => Some((f, raw)),
            Err(d) => {
                report.diags.push(d);
                None
            }
        })
        .collect();
    // A file that cannot be read defines no names, so every node, sign or audience it holds
    // would be reported unknown wherever it is used (one bad catalogue line gave 186 errors).
    // Its own located error is the one to fix first; the rest is checked once it reads.
    if parsed.len() < files.len() {
        return (None, report.diags);
    }
    let flows = build(&parsed, files, ctx, &mut report);
    let failed = crate::diag::has_errors(&report.diags);
    (if failed { None } else { flows }, report.diags)
}

/// Every problem found so far, in the order found; each part of the validator adds to it.
#[derive(Default)]
struct Report {
    diags: Vec<Diagnostic>,
}

impl Report {
    fn err(&mut self, loc: Location, msg: impl Into<String>) {
        self.diags.push(loc.error(msg));
    }

    fn warn(&mut self, loc: Location, msg: impl Into<String>) {
        self.diags.push(loc.warning(msg));
    }
}

fn build(
    parsed: &[(&SourceFile, RawFile)],
    files: &[SourceFile],
    ctx: &ValidateContext,
    report: &mut Report,
) -> Option<Flows> {
    let (audiences, categories, signs, parsed_patterns) = Cataloguer { report }.catalogue(parsed);
    let sign_index: HashMap<String, usize> = signs.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();

    let declared = Declarer { report }.declare(parsed);
    let names = Resolver {
        node_index: &declared.node_index,
        flow_names: &declared.flow_names,
        audiences: &audiences,
        categories: &categories,
        sign_index: &sign_index,
        areas: &ctx.areas,
    };
    let (flows_info, main) = Declarer { report }.describe_flows(&declared, &names, files);

    let nodes: Vec<Node> = {
        let mut builder = NodeBuilder { names: &names, report };
        declared.nodes.iter().map(|d| builder.node(d)).collect()
    };
    graph_checker::check_typed(&declared.nodes, &nodes, report);

    let main = main?;
    let area_node = nodes
        .iter()
        .position(|n| n.flow == main && matches!(n.kind, NodeKind::Area { confirms: false, .. }))
        .or_else(|| nodes.iter().position(|n| matches!(n.kind, NodeKind::Area { confirms: false, .. })));
    let version = version_of(files);
    let (sign_patterns, pattern_sign) = Cataloguer { report }.sign_pattern_set(parsed_patterns, files);
    let flows = Flows {
        version,
        nodes,
        node_index: declared.nodes.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect(),
        flows: flows_info,
        main,
        audiences,
        categories,
        signs,
        sign_index,
        sign_patterns,
        pattern_sign,
        area_node,
    };
    graph_checker::check_reachable(&flows, &declared.nodes, report);
    // Each node's rendering, in node order: its length, its words, then its buttons.
    let lengths = LengthChecker::new(&flows, ctx);
    for (i, node) in flows.nodes.iter().enumerate() {
        let d = &declared.nodes[i];
        if let Some(say) = &node.say {
            let say_loc = d.raw.say.as_ref().map(|s| location(s, d.origin)).unwrap_or_else(|| d.loc.clone());
            lengths.check(node, say, &say_loc, report);
            if flows.flows[node.flow].young_readers {
                readability_checker::check(node, say, &say_loc, report);
            }
        }
        button_checker::check_node(&flows, i, &d.loc, report);
    }
    graph_checker::check_turns(&flows, &declared.nodes, report);
    Some(flows)
}

fn version_of(files: &[SourceFile]) -> String {
    let mut h = blake3::Hasher::new();
    for f in files {
        h.update(f.origin.as_bytes());
        h.update(&[0]);
        h.update(f.text.as_bytes());
        h.update(&[0]);
    }
    h.finalize().to_hex()[..6].to_string()
}
