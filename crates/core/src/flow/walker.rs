//! The walker: how a turn moves through the flows, and which buttons a node shows. The engine
//! follows it and the validator checks it, so the two read one copy of these rules.
//!
//! A turn sends every message on the way from where the user's answer leads to the next node
//! that waits for them: through branches, calls, returns and messages without a button.
//! [`pass`] says what one node does to a turn passing through it. [`walk`] follows one way, with
//! a [`Traveller`] (the engine) deciding branches and keeping the call stack. [`messages_from`]
//! and [`longest`] count every possible way at once: Telegram lets a chat have only a short
//! burst of messages at once (see `telegram::limit`), so the validator warns about a turn
//! longer than [`super::limits::TURN_MESSAGES`], and the burst is sized to it.
//!
//! [`node_buttons`] are the buttons a node's definition gives; [`every_button`] is all a node
//! can ever show, which the validator checks against Telegram's limits.

use super::callback::{self, GlobalAction};
use super::{Arm, Condition, Flows, Goto, NodeIdx, NodeKind};
use std::collections::{HashMap, HashSet};

// ---- the walk ------------------------------------------------------------------------------

/// What one node does to a turn passing through it.
#[derive(Debug, Clone, Copy)]
pub enum Pass<'f> {
    /// The node waits for the user: the turn ends by showing it.
    Waits,
    /// A message without a button: sent on the way, then on to `next`.
    Says { next: Goto },
    /// On to the first arm whose condition holds; when none holds, `otherwise` (the main
    /// start: the conversation starts again).
    Branches { arms: &'f [Arm], otherwise: Goto },
    /// Into a sub-flow at `start`; its `return` comes back to `back`.
    Calls { start: NodeIdx, back: Goto },
}

/// What node `idx` does to a turn passing through it.
pub fn pass(flows: &Flows, idx: NodeIdx) -> Pass<'_> {
    match &flows.nodes[idx].kind {
        NodeKind::Branch { arms } => Pass::Branches { arms, otherwise: Goto::Node(flows.main_start()) },
        NodeKind::Call { flow, next } => Pass::Calls { start: flows.flows[*flow].start, back: return_point(*next) },
        NodeKind::Message { next, button: None } => Pass::Says { next: *next },
        _ => Pass::Waits,
    }
}

/// Where a sub-flow's `return` comes back to: the call's `next` when it is a node; a call whose
/// `next` is not a node returns further out.
fn return_point(next: Goto) -> Goto {
    if matches!(next, Goto::Node(_)) {
        next
    } else {
        Goto::Return
    }
}

/// Nodes one turn may pass through before the walk stops a loop in the flows.
pub const MAX_HOPS: usize = 64;

/// The one walking a turn: decides branches, sends the messages on the way, and keeps the
/// return points of the calls entered.
pub trait Traveller {
    /// The arm a branch takes now: the first whose condition holds.
    fn choose(&mut self, arms: &[Arm]) -> Option<Goto>;
    /// Node `idx`, a message without a button, is sent on the way.
    fn say(&mut self, idx: NodeIdx);
    /// A call was entered; its `return` comes back to `back`.
    fn enter(&mut self, back: Goto);
    /// A `return`: where the latest call entered comes back to (a node, or `Goto::Return` to
    /// go further out), or `None` when no call is left (back to the main start).
    fn leave(&mut self) -> Option<Goto>;
}

/// Where a walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// At a node that waits for the user: show it.
    Waits(NodeIdx),
    /// At the emergency message.
    Emergency,
    /// Cut short after [`MAX_HOPS`] nodes (a loop of messages without a button), about to go
    /// to the target given.
    Loop(Goto),
}

/// Follow `target` through branches, calls, returns and messages without a button to where
/// the turn stops, with `traveller` deciding and sending on the way.
pub fn walk(flows: &Flows, traveller: &mut impl Traveller, mut target: Goto) -> Stop {
    for _ in 0..MAX_HOPS {
        let idx = match target {
            Goto::Node(i) => i,
            Goto::Return => match traveller.leave() {
                Some(Goto::Node(i)) => i,
                Some(further) => {
                    target = further;
                    continue;
                }
                None => flows.main_start(),
            },
            Goto::Emergency => return Stop::Emergency,
        };
        match pass(flows, idx) {
            Pass::Waits => return Stop::Waits(idx),
            Pass::Says { next } => {
                traveller.say(idx);
                target = next;
            }
            Pass::Branches { arms, otherwise } => target = traveller.choose(arms).unwrap_or(otherwise),
            Pass::Calls { start, back } => {
                traveller.enter(back);
                target = Goto::Node(start);
            }
        }
    }
    Stop::Loop(target)
}

// ---- counting a turn's messages ------------------------------------------------------------

/// The most flow messages a turn can send if it begins by going to `start`, the message of the
/// node that then waits included.
///
/// Every arm of a branch is taken to be possible, so where two branches' conditions exclude
/// each other this over-counts, never under-counts. A `return` with nothing called in this turn
/// may go back to wherever a `call:` of its flow returns to, or to the main start. A loop of
/// messages without a button (which [`walk`] cuts short) counts as no more than the way to it.
pub fn messages_from(flows: &Flows, start: NodeIdx) -> usize {
    TurnCounter::new(flows).node(start, Vec::new())
}

/// The longest turn in the flows: the first node it can begin at, and its messages.
pub fn longest(flows: &Flows) -> Option<(NodeIdx, usize)> {
    let mut counter = TurnCounter::new(flows);
    (0..flows.nodes.len()).map(|i| (i, counter.node(i, Vec::new()))).max_by_key(|&(i, n)| (n, std::cmp::Reverse(i)))
}

/// Calls within calls followed before giving up (a flow that calls itself without waiting).
const MAX_CALL_DEPTH: usize = 16;

/// A return point: where a `return` goes back to, in the calling flow.
type Back = (Goto, usize);

/// Counts every way a turn can go at once, remembering what it has counted.
struct TurnCounter<'a> {
    flows: &'a Flows,
    /// For each flow, where its `return`s can go when nothing was called in this turn.
    callers: HashMap<usize, Vec<Back>>,
    known: HashMap<(NodeIdx, Vec<Back>), usize>,
    on_the_way: HashSet<(NodeIdx, Vec<Back>)>,
}

impl<'a> TurnCounter<'a> {
    fn new(flows: &'a Flows) -> TurnCounter<'a> {
        let mut callers: HashMap<usize, Vec<Back>> = HashMap::new();
        for n in &flows.nodes {
            if let NodeKind::Call { flow, next } = n.kind {
                callers.entry(flow).or_default().push((return_point(next), n.flow));
            }
        }
        TurnCounter { flows, callers, known: HashMap::new(), on_the_way: HashSet::new() }
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
        // A loop: the walk cuts it short, and the validator's reachability makes it rare.
        if key.1.len() > MAX_CALL_DEPTH || !self.on_the_way.insert(key.clone()) {
            return 0;
        }
        let stack = key.1.clone();
        let flows = self.flows;
        let flow = flows.nodes[i].flow;
        let n = match pass(flows, i) {
            Pass::Waits => 1,
            Pass::Says { next } => 1 + self.target(next, flow, stack),
            Pass::Branches { arms, otherwise } => {
                let mut most = arms.iter().map(|a| self.target(a.goto, flow, stack.clone())).max().unwrap_or(0);
                if arms.iter().all(|a| a.condition.is_some()) {
                    // No arm may hold.
                    most = most.max(self.target(otherwise, flow, stack));
                }
                most
            }
            Pass::Calls { start, back } => {
                let mut inner = stack;
                inner.push((back, flow));
                self.node(start, inner)
            }
        };
        self.on_the_way.remove(&key);
        self.known.insert(key, n);
        n
    }
}

// ---- buttons -------------------------------------------------------------------------------

pub const START_AGAIN: &str = "Start again";
pub const CHANGE_AREA: &str = "Change area";
pub const QUICK_EXIT: &str = "Quick exit (clear this chat)";

/// A button: its label, and the data it carries back when pressed ([`callback`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Button {
    pub label: String,
    pub data: String,
}

impl Button {
    pub fn new(label: impl Into<String>, data: String) -> Button {
        Button { label: label.into(), data }
    }
}

/// The button that clears the chat, on every message that waits.
pub fn quick_exit() -> Button {
    Button::new(QUICK_EXIT, callback::global(GlobalAction::Exit))
}

/// Branch and call nodes are never shown: they have no message and no buttons.
pub fn is_shown(kind: &NodeKind) -> bool {
    !matches!(kind, NodeKind::Branch { .. } | NodeKind::Call { .. })
}

/// Every button node `idx` can ever show: all conditional buttons, nothing ticked, and the
/// engine's own. The validator checks button counts and data sizes on this, and transcript
/// coverage lists what was never pressed, so both see exactly what the engine can show. (An
/// area node's area buttons come from the router, not the flows, and are not included.)
pub fn every_button(flows: &Flows, idx: NodeIdx) -> Vec<Button> {
    let mut out = node_buttons(flows, idx, |_| true, |_| false);
    if is_shown(&flows.nodes[idx].kind) {
        out.push(quick_exit());
    }
    out
}

/// The buttons a node's own definition gives, and the engine's per-kind additions (start again,
/// change area), before the quick exit. `shows` decides conditional buttons; `ticked` marks the
/// signs already picked on a pick list.
pub fn node_buttons(
    flows: &Flows,
    idx: NodeIdx,
    shows: impl Fn(&Condition) -> bool,
    ticked: impl Fn(&str) -> bool,
) -> Vec<Button> {
    let node = &flows.nodes[idx];
    let (v, id) = (flows.version.as_str(), node.id.as_str());
    let mut out = Vec::new();
    // The kind's own buttons first (a message's, a list's signs and done), then the flow's
    // buttons (choices, or `also:`), then the engine's for the kind.
    match &node.kind {
        NodeKind::Message { button: Some(label), .. } => out.push(Button::new(label, callback::choice(v, id, 0))),
        NodeKind::Pick { signs, button: done, .. } => {
            for &i in signs {
                let sign = &flows.signs[i];
                let label = if ticked(&sign.id) { format!("✅ {}", sign.label) } else { sign.label.clone() };
                out.push(Button::new(label, callback::toggle(v, id, &sign.id)));
            }
            out.push(Button::new(done, callback::done(v, id)));
        }
        _ => {}
    }
    for (i, ch) in node.kind.choices().iter().enumerate() {
        if ch.when.as_ref().is_none_or(&shows) {
            out.push(Button::new(&ch.label, callback::choice(v, id, i)));
        }
    }
    // An area node's areas come from the router, before these (the engine adds them).
    match &node.kind {
        NodeKind::Ask { .. } => out.push(Button::new(START_AGAIN, callback::global(GlobalAction::Start))),
        NodeKind::End { .. } => {
            out.push(Button::new(CHANGE_AREA, callback::global(GlobalAction::Area)));
            out.push(Button::new(START_AGAIN, callback::global(GlobalAction::Start)));
        }
        _ => {}
    }
    out
}
