//! How many messages one turn can send, found from the graph rather than by walking it.
//!
//! A turn sends every message on the way from where the user's answer leads to the next node
//! that waits for them: through branches, calls, returns and messages without a button, as the
//! engine's `go` follows them. Telegram lets a chat have only a short burst of messages at once
//! (see `telegram::limit`); past it each message waits a second. So the validator warns about
//! a turn longer than [`super::limits::TURN_MESSAGES`], and the burst is sized to it.

use super::{Flows, Goto, NodeIdx, NodeKind};
use std::collections::{HashMap, HashSet};

/// The most flow messages a turn can send if it begins by going to `start`, the message of the
/// node that then waits included.
///
/// Every arm of a branch is taken to be possible, so where two branches' conditions exclude
/// each other this over-counts, never under-counts. A `return` with nothing called in this turn
/// may go back to wherever a `call:` of its flow returns to, or to the main start. A
/// loop of messages without a button (which the engine cuts short) counts as no more than the
/// way to it.
pub fn messages_from(flows: &Flows, start: NodeIdx) -> usize {
    Walk::new(flows).node(start, Vec::new())
}

/// The longest turn in the flows: the first node it can begin at, and its messages.
pub fn longest(flows: &Flows) -> Option<(NodeIdx, usize)> {
    let mut walk = Walk::new(flows);
    (0..flows.nodes.len()).map(|i| (i, walk.node(i, Vec::new()))).max_by_key(|&(i, n)| (n, std::cmp::Reverse(i)))
}

/// Calls within calls followed before giving up (a flow that calls itself without waiting).
const MAX_CALL_DEPTH: usize = 16;

/// Where a `return` goes back to: a call's `next`, in the calling flow. As in the engine, a call
/// whose `next` is not a node returns further out.
type Back = (Goto, usize);

fn back(next: Goto, caller_flow: usize) -> Back {
    (if matches!(next, Goto::Node(_)) { next } else { Goto::Return }, caller_flow)
}

struct Walk<'a> {
    flows: &'a Flows,
    /// For each flow, where its `return`s can go when nothing was called in this turn.
    callers: HashMap<usize, Vec<Back>>,
    known: HashMap<(NodeIdx, Vec<Back>), usize>,
    on_the_way: HashSet<(NodeIdx, Vec<Back>)>,
}

impl<'a> Walk<'a> {
    fn new(flows: &'a Flows) -> Walk<'a> {
        let mut callers: HashMap<usize, Vec<Back>> = HashMap::new();
        for n in &flows.nodes {
            if let NodeKind::Call { flow, next } = n.kind {
                callers.entry(flow).or_default().push(back(next, n.flow));
            }
        }
        Walk { flows, callers, known: HashMap::new(), on_the_way: HashSet::new() }
    }

    /// Go to `target` from a node of `flow`, with the calls entered so far in `stack`.
    fn target(&mut self, target: Goto, flow: usize, mut stack: Vec<Back>) -> usize {
        match target {
            Goto::Emergency => 1,
            Goto::Node(i) => self.node(i, stack),
            Goto::Return => match stack.pop() {
                Some((back, caller)) => self.target(back, caller, stack),
                None => {
                    // Back to any caller, or (with nothing on the session's stack) the start.
                    let backs = self.callers.get(&flow).cloned().unwrap_or_default();
                    let start = self.node(self.flows.main_start(), Vec::new());
                    backs.into_iter().map(|(t, caller)| self.target(t, caller, Vec::new())).fold(start, usize::max)
                }
            },
        }
    }

    fn node(&mut self, i: NodeIdx, stack: Vec<Back>) -> usize {
        let key = (i, stack);
        if let Some(&n) = self.known.get(&key) {
            return n;
        }
        // A loop: the engine cuts it short, and the validator's reachability makes it rare.
        if key.1.len() > MAX_CALL_DEPTH || !self.on_the_way.insert(key.clone()) {
            return 0;
        }
        let stack = key.1.clone();
        let flows = self.flows;
        let node = &flows.nodes[i];
        let n = match &node.kind {
            NodeKind::Branch { arms } => {
                let mut most = arms.iter().map(|a| self.target(a.goto, node.flow, stack.clone())).max().unwrap_or(0);
                if arms.iter().all(|a| a.condition.is_some()) {
                    // No arm held: the engine starts again.
                    most = most.max(self.node(flows.main_start(), stack));
                }
                most
            }
            NodeKind::Call { flow, next } => {
                let mut inner = stack;
                inner.push(back(*next, node.flow));
                self.node(flows.flows[*flow].start, inner)
            }
            NodeKind::Message { next, button: None } => 1 + self.target(*next, node.flow, stack),
            _ => 1,
        };
        self.on_the_way.remove(&key);
        self.known.insert(key, n);
        n
    }
}
