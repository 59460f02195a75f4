//! `signpost graph` draws every node and edge of the fixture flows, in both formats, with the
//! global routes drawn once.

use crate::support::content::fixture;
use signpost_staff::graph::{edges, render, EdgeEnd, Format};

#[test]
fn mermaid_has_every_node_and_edge_of_the_fixture() {
    let flows = &fixture().flows;
    let out = render(flows, Format::Mermaid, None).unwrap();
    assert!(out.starts_with("flowchart TD\n"));
    for node in &flows.nodes {
        assert!(out.contains(&format!("    n_{}", node.id)), "node {} missing:\n{out}", node.id);
    }
    let all = edges(flows);
    // danger->emergency, danger->who, who->menu x2, menu->pick, menu->describe, pick->route,
    // describe: rule, found, fallback; check x2; route x2; where; intro; reassure: call + after;
    // answer: also; trust -> return.
    assert_eq!(all.len(), 20, "{all:#?}");
    for e in &all {
        let to = match e.to {
            EdgeEnd::Node(n) => format!("n_{}", flows.nodes[n].id),
            EdgeEnd::Return(f) => format!("ret_{f}"),
            EdgeEnd::Emergency => "EMERGENCY".to_string(),
        };
        let arrow = if e.call { "-.->" } else { "-->" };
        let line = format!("  n_{} {arrow}|\"{}\"| {to}", flows.nodes[e.from].id, e.label.replace('"', "#quot;"));
        assert!(out.contains(&line), "edge missing: {line}\n{out}");
    }
    assert!(out.contains("n_danger -->|\"Yes, in danger now\"| EMERGENCY"));
    assert!(out.contains("n_reassure -.->|\"call snippets\"| n_trust"));
    assert_eq!(out.matches("EXIT").count(), 1, "quick exit is drawn once, not from every node");
}

#[test]
fn dot_has_every_node_and_edge_and_balanced_braces() {
    let flows = &fixture().flows;
    let out = render(flows, Format::Dot, None).unwrap();
    assert!(out.starts_with("digraph signpost {"));
    let outside_quotes = regex::Regex::new(r#""(\\.|[^"\\])*""#).unwrap().replace_all(&out, "");
    assert_eq!(outside_quotes.matches('{').count(), outside_quotes.matches('}').count(), "{out}");
    for node in &flows.nodes {
        assert!(out.contains(&format!("    \"{}\" [label=", node.id)), "node {} missing", node.id);
    }
    assert_eq!(out.matches(" -> ").count(), edges(flows).len() + 1, "every edge, plus the danger route once");
}

#[test]
fn one_flow_alone_shows_calls_into_others_as_references() {
    let flows = &fixture().flows;
    let out = render(flows, Format::Mermaid, Some("main")).unwrap();
    assert!(!out.contains("    n_trust"), "the snippet's node is not drawn inside main");
    assert!(out.contains("  n_trust[\"→ trust\"]"), "{out}");
    assert!(render(flows, Format::Mermaid, Some("nope")).unwrap_err().contains("flows: main, snippets"));
}
