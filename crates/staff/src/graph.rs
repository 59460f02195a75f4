//! `signpost graph`: the flows as a picture, in Mermaid (renders on any Git forge) or Graphviz
//! DOT (`dot -Tsvg`). Nodes carry a short label, buttons are labelled edges, free-text outcomes
//! and sub-flow calls are drawn, and the routes that apply everywhere (danger intercept, quick
//! exit, commands) are drawn once, not as an arrow from every node.

use signpost_core::flow::{Flows, Goto, NodeIdx, NodeKind};
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Mermaid,
    Dot,
}

/// One edge: from a node to a target, with the words a reader needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: NodeIdx,
    pub to: EdgeEnd,
    pub label: String,
    /// A sub-flow call (drawn dotted).
    pub call: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeEnd {
    Node(NodeIdx),
    /// `goto: return` in the given flow.
    Return(usize),
    Emergency,
}

/// Every edge of the graph, in node order.
pub fn edges(flows: &Flows) -> Vec<Edge> {
    let mut out = Vec::new();
    for (i, node) in flows.nodes.iter().enumerate() {
        let mut add = |t: Goto, label: String, call: bool| {
            let to = match t {
                Goto::Node(n) => EdgeEnd::Node(n),
                Goto::Return => EdgeEnd::Return(node.flow),
                Goto::Emergency => EdgeEnd::Emergency,
            };
            out.push(Edge { from: i, to, label, call });
        };
        if let Some(t) = node.typed {
            add(t, "typed words".into(), false);
        }
        for c in node.kind.choices() {
            let mut label = c.label.clone();
            if c.when.is_some() {
                label.push_str(" (when…)");
            }
            add(c.goto, label, false);
        }
        match &node.kind {
            NodeKind::Message { next, button } => add(*next, button.clone().unwrap_or_else(|| "then".into()), false),
            NodeKind::Choice { .. } | NodeKind::End { .. } => {}
            NodeKind::Pick { next, button, .. } => add(*next, button.clone(), false),
            NodeKind::Area { next, .. } => add(*next, "area chosen".into(), false),
            NodeKind::Ask { rules, found, fallback, .. } => {
                for r in rules {
                    add(r.goto, format!("typed /{}/", r.pattern.as_str()), false);
                }
                if let Some(f) = found {
                    add(*f, "signs found in the words".into(), false);
                }
                add(*fallback, "nothing matched".into(), false);
            }
            NodeKind::Branch { arms } => {
                for (n, a) in arms.iter().enumerate() {
                    let label = if a.condition.is_some() { format!("if rule {}", n + 1) } else { "otherwise".into() };
                    add(a.goto, label, false);
                }
            }
            NodeKind::Call { flow, next } => {
                add(Goto::Node(flows.flows[*flow].start), format!("call {}", flows.flows[*flow].name), true);
                add(*next, "after the call".into(), false);
            }
        }
    }
    out
}

/// A node's short label: its id and the start of its message.
pub fn node_label(flows: &Flows, i: NodeIdx) -> String {
    let node = &flows.nodes[i];
    let kind = match &node.kind {
        NodeKind::Message { .. } => "",
        NodeKind::Choice { .. } => "",
        NodeKind::Pick { .. } => "pick: ",
        NodeKind::Ask { .. } => "typed: ",
        NodeKind::Area { .. } => "area: ",
        NodeKind::Branch { .. } => "branch",
        NodeKind::Call { flow, .. } => return format!("{}\ncall {}", node.id, flows.flows[*flow].name),
        NodeKind::End { .. } => "answer: ",
    };
    let say: String = node.say.as_deref().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ");
    let short: String = say.chars().take(40).collect();
    let ellipsis = if say.chars().count() > 40 { "…" } else { "" };
    format!("{}\n{kind}{short}{ellipsis}", node.id)
}

/// Draw the flows (or only `only`, a flow name) in `format`.
pub fn render(flows: &Flows, format: Format, only: Option<&str>) -> Result<String, String> {
    let only = match only {
        Some(name) => Some(flows.flows.iter().position(|f| f.name == name).ok_or_else(|| {
            let names: Vec<&str> = flows.flows.iter().map(|f| f.name.as_str()).collect();
            format!("no flow named \"{name}\" (flows: {})", names.join(", "))
        })?),
        None => None,
    };
    let shown = |i: NodeIdx| only.is_none_or(|f| flows.nodes[i].flow == f);
    let edges: Vec<Edge> = edges(flows).into_iter().filter(|e| shown(e.from)).collect();
    // Nodes of other flows that edges reach are drawn as plain references.
    let mut external: Vec<NodeIdx> = edges
        .iter()
        .filter_map(|e| match e.to {
            EdgeEnd::Node(n) if !shown(n) => Some(n),
            _ => None,
        })
        .collect();
    external.sort_unstable();
    external.dedup();
    Ok(match format {
        Format::Mermaid => mermaid(flows, &edges, &shown, &external),
        Format::Dot => dot(flows, &edges, &shown, &external),
    })
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('\n', "<br/>")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
        .replace("#lt;br/#gt;", "<br/>")
}

fn mermaid(flows: &Flows, edges: &[Edge], shown: &dyn Fn(NodeIdx) -> bool, external: &[NodeIdx]) -> String {
    let mut out = String::from("flowchart TD\n");
    out.push_str(
        "  ANY[\"Any typed message with a danger phrase,<br/>/emergency, or a 'danger now' button\"] -.-> EMERGENCY\n",
    );
    out.push_str("  EMERGENCY([\"🚨 Emergency message: call 999<br/>press 55 · textphone 18000\"])\n");
    out.push_str("  EXIT([\"Quick exit on every message, or /exit:<br/>chat deleted, session forgotten\"])\n");
    out.push_str("  CMDS[\"/start · /help · /area · /emergency work from any node\"]\n");
    for (f, flow) in flows.flows.iter().enumerate() {
        let nodes: Vec<NodeIdx> = (0..flows.nodes.len()).filter(|&i| flows.nodes[i].flow == f && shown(i)).collect();
        if nodes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  subgraph flow_{f}[\"flow: {}\"]", mermaid_text(&flow.name));
        for i in nodes {
            let label = mermaid_text(&node_label(flows, i));
            let id = &flows.nodes[i].id;
            let shape = match flows.nodes[i].kind {
                NodeKind::End { .. } => format!("([\"{label}\"])"),
                NodeKind::Branch { .. } => format!("{{\"{label}\"}}"),
                NodeKind::Call { .. } => format!("[[\"{label}\"]]"),
                NodeKind::Ask { .. } => format!("[/\"{label}\"/]"),
                _ => format!("[\"{label}\"]"),
            };
            let _ = writeln!(out, "    n_{id}{shape}");
        }
        if edges.iter().any(|e| e.to == EdgeEnd::Return(f)) {
            let _ = writeln!(out, "    ret_{f}([\"↩ back to the caller\"])");
        }
        out.push_str("  end\n");
    }
    for &i in external {
        let _ = writeln!(out, "  n_{}[\"→ {}\"]", flows.nodes[i].id, mermaid_text(&flows.nodes[i].id));
    }
    for e in edges {
        let to = match e.to {
            EdgeEnd::Node(n) => format!("n_{}", flows.nodes[n].id),
            EdgeEnd::Return(f) => format!("ret_{f}"),
            EdgeEnd::Emergency => "EMERGENCY".into(),
        };
        let arrow = if e.call { "-.->" } else { "-->" };
        let _ = writeln!(out, "  n_{} {arrow}|\"{}\"| {to}", flows.nodes[e.from].id, mermaid_text(&e.label));
    }
    out
}

fn dot_text(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn dot(flows: &Flows, edges: &[Edge], shown: &dyn Fn(NodeIdx) -> bool, external: &[NodeIdx]) -> String {
    let mut out = String::from("digraph signpost {\n  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
    out.push_str("  ANY [label=\"Any typed message with a danger phrase,\\n/emergency, or a 'danger now' button\", shape=note];\n");
    out.push_str("  EMERGENCY [label=\"Emergency message: call 999\\npress 55 · textphone 18000\", shape=doubleoctagon, color=red];\n");
    out.push_str(
        "  EXIT [label=\"Quick exit on every message, or /exit:\\nchat deleted, session forgotten\", shape=note];\n",
    );
    out.push_str("  ANY -> EMERGENCY [style=dashed];\n");
    for (f, flow) in flows.flows.iter().enumerate() {
        let nodes: Vec<NodeIdx> = (0..flows.nodes.len()).filter(|&i| flows.nodes[i].flow == f && shown(i)).collect();
        if nodes.is_empty() {
            continue;
        }
        let _ = writeln!(out, "  subgraph cluster_{f} {{\n    label=\"flow: {}\";", dot_text(&flow.name));
        for i in nodes {
            let shape = match flows.nodes[i].kind {
                NodeKind::End { .. } => "oval",
                NodeKind::Branch { .. } => "diamond",
                NodeKind::Call { .. } => "component",
                NodeKind::Ask { .. } => "parallelogram",
                _ => "box",
            };
            let _ = writeln!(
                out,
                "    \"{}\" [label=\"{}\", shape={shape}];",
                dot_text(&flows.nodes[i].id),
                dot_text(&node_label(flows, i))
            );
        }
        if edges.iter().any(|e| e.to == EdgeEnd::Return(f)) {
            let _ = writeln!(out, "    \"return_{f}\" [label=\"back to the caller\", shape=plaintext];");
        }
        out.push_str("  }\n");
    }
    for &i in external {
        let id = dot_text(&flows.nodes[i].id);
        let _ = writeln!(out, "  \"{id}\" [label=\"→ {id}\", shape=plaintext];");
    }
    for e in edges {
        let to = match e.to {
            EdgeEnd::Node(n) => dot_text(&flows.nodes[n].id),
            EdgeEnd::Return(f) => format!("return_{f}"),
            EdgeEnd::Emergency => "EMERGENCY".into(),
        };
        let style = if e.call { ", style=dashed" } else { "" };
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{to}\" [label=\"{}\"{style}];",
            dot_text(&flows.nodes[e.from].id),
            dot_text(&e.label)
        );
    }
    out.push_str("}\n");
    out
}
