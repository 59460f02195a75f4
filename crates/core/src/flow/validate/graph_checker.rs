//! The graph checker: where words typed at a list are read, that every node can be reached,
//! and how many messages a turn can send (counted by the [`walker`]).

use super::declarer::Declared;
use super::Report;
use crate::flow::{limits, walker, Flows, Goto, Node, NodeIdx, NodeKind};
use crate::yaml::location;

/// `typed:` must lead to a free-text node, directly or through branches.
pub(super) fn check_typed(declared: &[Declared], nodes: &[Node], report: &mut Report) {
    for (d, node) in declared.iter().zip(nodes) {
        if let (Some(Goto::Node(t)), Some(raw)) = (&node.typed, &d.raw.typed) {
            if !leads_to_ask(nodes, *t) {
                let msg = format!(
                        "`typed:` goes to \"{}\", which is not a free-text (`ask:`) node or a branch that leads only to them",
                        raw.as_str()
                    );
                report.err(location(raw, d.origin), msg);
            }
        }
    }
}

/// Every node can be reached from `/start` (or `/area`).
pub(super) fn check_reachable(flows: &Flows, declared: &[Declared], report: &mut Report) {
    let mut seen = vec![false; flows.nodes.len()];
    let mut todo = vec![flows.main_start()];
    todo.extend(flows.area_node);
    while let Some(i) = todo.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        for t in successors(flows, i) {
            if !seen[t] {
                todo.push(t);
            }
        }
    }
    for (i, reached) in seen.iter().enumerate() {
        if !reached {
            let d = &declared[i];
            report.err(d.loc.clone(), format!("node \"{}\" can never be reached from /start", d.id));
        }
    }
}

/// The longest turn, if it sends more than a chat gets at once.
pub(super) fn check_turns(flows: &Flows, declared: &[Declared], report: &mut Report) {
    if let Some((i, n)) = walker::longest(flows).filter(|&(_, n)| n > limits::TURN_MESSAGES) {
        report.warn(
            declared[i].loc.clone(),
            format!(
                "going to node \"{}\" can send {n} messages before the user answers; a chat gets {} at \
                     once and the rest a second apart. Put a button between them",
                flows.nodes[i].id,
                limits::TURN_MESSAGES
            ),
        );
    }
}

/// Node `i` is a free-text node, or a branch whose every arm leads to one.
fn leads_to_ask(nodes: &[Node], i: NodeIdx) -> bool {
    fn walk(nodes: &[Node], i: NodeIdx, depth: usize) -> bool {
        match &nodes[i].kind {
            NodeKind::Ask { .. } => true,
            NodeKind::Branch { arms } if depth < 8 => {
                arms.iter().all(|a| matches!(a.goto, Goto::Node(n) if walk(nodes, n, depth + 1)))
            }
            _ => false,
        }
    }
    walk(nodes, i, 0)
}

/// Nodes one step from `i` (a `return` goes back to whoever called, so it adds nothing here).
fn successors(flows: &Flows, i: NodeIdx) -> Vec<NodeIdx> {
    let mut out = Vec::new();
    let mut add = |t: &Goto| {
        if let Goto::Node(n) = t {
            out.push(*n);
        }
    };
    flows.nodes[i].typed.iter().for_each(&mut add);
    match &flows.nodes[i].kind {
        NodeKind::Message { next, .. } => add(next),
        NodeKind::Pick { next, also, .. } | NodeKind::Area { next, also, .. } => {
            add(next);
            also.iter().for_each(|c| add(&c.goto));
        }
        NodeKind::Choice { choices } => choices.iter().for_each(|c| add(&c.goto)),
        NodeKind::End { also: choices } => choices.iter().for_each(|c| add(&c.goto)),
        NodeKind::Ask { rules, found, fallback, also } => {
            also.iter().for_each(|c| add(&c.goto));
            rules.iter().for_each(|r| add(&r.goto));
            found.iter().for_each(&mut add);
            add(fallback);
        }
        NodeKind::Branch { arms } => arms.iter().for_each(|a| add(&a.goto)),
        NodeKind::Call { flow, next } => {
            add(&Goto::Node(flows.flows[*flow].start));
            add(next);
        }
    }
    out
}
