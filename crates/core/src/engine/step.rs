//! One turn of the conversation: the user did something; decide the replies and the new session.

use super::callback::{self, GlobalAction, NodeAction, Press};
use super::render::{self, ELSEWHERE, UNKNOWN_AREA};
use super::{Button, Effect, Input, Reply, ReplyKind, Session};
use crate::content::Content;
use crate::flow::walker::{self, quick_exit, Stop, Traveller, START_AGAIN};
use crate::flow::{Arm, Goto, NodeIdx, NodeKind};
use crate::routing::{NationalReason, RouteDecision};
use crate::safety::{EMERGENCY, FOOTER};
use chrono::{DateTime, Utc};

/// On the session's stack, a call that returns further out (its `next` is `return`).
const RETURN_FURTHER: &str = "return";
/// Unrecognised answers in a row before the engine offers to start again and the national contacts.
const MAX_MISSES: u8 = 3;

const EXPIRED: &str =
    "It's been a while since we last talked, so I've started a new conversation. Nothing from before was kept.";
const MOVED: &str =
    "These questions have been updated since your last message, so I've taken you back to the start of your questions.";
const OUTSIDE: &str = "That's outside the areas I know in detail, so here are contacts that work anywhere in England.";
const OUTSIDE_ENGLAND: &str = "That postcode is outside England, and I only know contacts in England. Here they are; if a child is in danger right now, call 999.";
const STALE: &str = "That button is from an earlier message. Here is where you are now:";
const UNSUPPORTED: &str = "I can only read typed messages and button presses, not photos, voice notes, stickers, files or locations. Please type or tap an answer below.";
const EDITED: &str = "I saw that you changed a message you had sent. I only read new messages, so if you meant to change your answer, please send it again.";
const UNREADABLE: &str = "Sorry, I couldn't read your last message. Please send it again, or tap an answer below.";
const RE_ASK: &str =
    "Sorry, I didn't understand that. Please tap one of the buttons below, or type the words on one of them.";
const RE_ASK_AREA: &str =
    "Sorry, I couldn't find that place. You can type a town, county or postcode, or choose below.";
const GIVE_UP: &str = "I'm sorry, I still can't match that to an answer. You can start again, or contact someone now:";
const HELP: &str = "I'm Signpost. I help you think through what you've noticed about a child, what it could mean, and who to contact where you are.\n\
\n\
I'm an automatic helper, not a person, and I don't keep what you type.\n\
\n\
Commands:\n\
/start: start again\n\
/area: change your area\n\
/emergency: what to do if a child is in danger now\n\
/exit: quick exit (clears this chat)\n\
\n\
You can tap the buttons or type your answer.";

/// Decide what happens when the user does `input` in `session` at `now`. Pure and deterministic.
pub fn step(content: &Content, session: &Session, input: Input<'_>, now: DateTime<Utc>) -> (Session, Vec<Effect>) {
    let mut turn = Turn::new(content, session, now);
    turn.run(input);
    turn.flush_carry();
    (turn.s, turn.out)
}

/// Staff sandbox: jump to `node` and show it, as if the conversation had arrived there.
/// `None` when there is no such node.
pub fn jump(content: &Content, session: &Session, node: &str, now: DateTime<Utc>) -> Option<(Session, Vec<Effect>)> {
    let idx = content.flows.node(node)?;
    let mut turn = Turn::new(content, session, now);
    turn.s.version = content.flows.version.clone();
    turn.s.last_seen = Some(now.timestamp());
    turn.s.forget_area_question();
    turn.go(Goto::Node(idx));
    turn.flush_carry();
    Some((turn.s, turn.out))
}

struct Turn<'c> {
    c: &'c Content,
    s: Session,
    out: Vec<Effect>,
    /// A short note to send before the next node (expired session, updated flows).
    note: Option<&'static str>,
    now: DateTime<Utc>,
    /// The turn's first message has offered 999 (the 999 line, or the emergency message), so
    /// the rest of the turn does not repeat it: see [`super::offers_999_once`].
    offered_999: bool,
    /// Button-less flow messages on the way to the node that waits (text, node id): they are
    /// sent as part of its message, so a turn is as few messages as fit (see [`Self::push`]).
    carry: Vec<(String, String)>,
}

/// Characters a turn's joined message may hold: well inside Telegram's 4,096, so it is never
/// split (and an answer can still be edited in place as one message).
const JOINED_CHARS: usize = 3500;

enum Command {
    Start,
    Help,
    Emergency,
    Exit,
    Area,
}

fn command(text: &str) -> Option<Command> {
    let word = text.trim().strip_prefix('/')?.split_whitespace().next()?;
    let name = word.split('@').next()?.to_ascii_lowercase();
    Some(match name.as_str() {
        "start" | "restart" => Command::Start,
        "help" => Command::Help,
        "emergency" | "999" | "sos" => Command::Emergency,
        "exit" | "quit" | "stop" => Command::Exit,
        "area" => Command::Area,
        _ => return None,
    })
}

impl<'c> Turn<'c> {
    fn new(c: &'c Content, session: &Session, now: DateTime<Utc>) -> Turn<'c> {
        Turn { c, s: session.clone(), out: Vec::new(), note: None, now, offered_999: false, carry: Vec::new() }
    }

    fn run(&mut self, input: Input<'_>) {
        self.check_expiry_and_version();
        match input {
            Input::Text(text) => {
                // Before anything else, including commands: a danger phrase gets 999 first.
                if self.c.danger.is_danger(text) {
                    self.emergency();
                    if matches!(command(text), Some(Command::Start)) {
                        // "/start he's hurting her": 999 first, then the first question.
                        return self.restart();
                    }
                    return self.after_emergency(text);
                }
                match command(text) {
                    Some(Command::Start) => self.restart(),
                    Some(Command::Help) => {
                        self.notice(HELP, vec![render::global_button(render::CARRY_ON_PLAIN, GlobalAction::CarryOn)])
                    }
                    Some(Command::Emergency) => self.emergency(),
                    Some(Command::Exit) => self.quick_exit(),
                    Some(Command::Area) => self.change_area(),
                    None => self.text(text),
                }
            }
            Input::Button(data) => self.button(data),
            Input::Unsupported => {
                self.notice_only(UNSUPPORTED);
                self.show_current();
            }
            Input::Edited => {
                self.notice_only(EDITED);
                self.show_current();
            }
            Input::Unreadable => {
                self.notice_only(UNREADABLE);
                self.show_current();
            }
        }
    }

    fn check_expiry_and_version(&mut self) {
        let now = self.now.timestamp();
        let idle = i64::from(self.c.settings.session_idle_hours) * 3600;
        if self.s.last_seen.is_some_and(|t| now - t > idle) {
            self.s = Session::default();
            self.note = Some(EXPIRED);
        }
        self.s.last_seen = Some(now);
        if let Some(node) = &self.s.node {
            if self.c.flows.node(node).is_none() {
                let flows = &self.c.flows;
                let start = self
                    .s
                    .audience
                    .as_deref()
                    .and_then(|a| flows.flows.iter().find(|f| f.name == a))
                    .map(|f| f.start)
                    .unwrap_or_else(|| flows.main_start());
                self.s.node = Some(flows.nodes[start].id.clone());
                self.s.stack.clear();
                self.s.area_return = None;
                self.s.forget_area_question();
                self.note = Some(MOVED);
            }
        }
        self.s.version = self.c.flows.version.clone();
    }

    fn current(&self) -> Option<NodeIdx> {
        self.s.node.as_deref().and_then(|n| self.c.flows.node(n))
    }

    // ---- replies ---------------------------------------------------------------------------

    /// Every message goes out through here. The first of the turn ends with the 999 line (the
    /// emergency message is its own offer); the rest of the turn does not repeat it.
    ///
    /// Flow messages without buttons met on the way ([`Traveller::say`]) wait in `carry` and
    /// open the message of the node that waits, when together they fit in [`JOINED_CHARS`]: the
    /// extra lines that fit some signs and the answer are one message, as are a welcome and its
    /// first question. Anything else (a notice, the emergency message) sends them first, alone.
    fn push(&mut self, text: String, buttons: Vec<Button>, node: Option<String>, kind: ReplyKind) {
        let (text, via) = match self.carried() {
            None => (text, Vec::new()),
            Some((carried, via))
                if kind == ReplyKind::Flow && carried.chars().count() + 2 + text.chars().count() <= JOINED_CHARS =>
            {
                (format!("{carried}\n\n{}", text.trim_start()), via)
            }
            Some((carried, via)) => {
                self.send_carried(carried, via);
                (text, Vec::new())
            }
        };
        self.send(Reply { text, buttons, node, via, kind, replaces: false });
    }

    /// The carried messages as one text, and their nodes.
    fn carried(&mut self) -> Option<(String, Vec<String>)> {
        if self.carry.is_empty() {
            return None;
        }
        let (texts, via): (Vec<String>, Vec<String>) = std::mem::take(&mut self.carry).into_iter().unzip();
        Some((texts.iter().map(|t| t.trim_end()).collect::<Vec<_>>().join("\n\n"), via))
    }

    /// Messages still carried when the turn ends (a walk that stopped without a node to wait at).
    fn flush_carry(&mut self) {
        if let Some((text, via)) = self.carried() {
            self.send_carried(text, via);
        }
    }

    /// Carried messages sent on their own: the first one's node, the rest as where it came via.
    fn send_carried(&mut self, text: String, mut via: Vec<String>) {
        let node = Some(via.remove(0));
        self.send(Reply { text, buttons: Vec::new(), node, via, kind: ReplyKind::Flow, replaces: false });
    }

    /// The one place a reply is added: the turn's first ends with the 999 line.
    fn send(&mut self, mut reply: Reply) {
        reply.text = match (reply.kind, self.offered_999) {
            (ReplyKind::Emergency, _) => reply.text,
            (_, false) => format!("{}\n\n{FOOTER}", reply.text.trim_end()),
            (_, true) => reply.text.trim_end().to_string(),
        };
        self.offered_999 = true;
        self.out.push(Effect::Reply(reply));
    }

    fn flush_note(&mut self) {
        if let Some(note) = self.note.take() {
            self.push(note.to_string(), Vec::new(), None, ReplyKind::Notice);
        }
    }

    /// An engine message with buttons of its own plus the quick exit.
    fn notice(&mut self, text: &str, mut buttons: Vec<Button>) {
        self.flush_note();
        buttons.push(quick_exit());
        let node = self.s.node.clone();
        self.push(text.to_string(), buttons, node, ReplyKind::Notice);
    }

    /// An engine message followed at once by the current node (which carries the buttons).
    fn notice_only(&mut self, text: &str) {
        self.flush_note();
        self.push(text.to_string(), Vec::new(), None, ReplyKind::Notice);
    }

    fn emergency(&mut self) {
        let buttons = vec![render::global_button(render::CARRY_ON, GlobalAction::CarryOn), quick_exit()];
        let node = self.s.node.clone();
        self.push(EMERGENCY.to_string(), buttons, node, ReplyKind::Emergency);
    }

    fn quick_exit(&mut self) {
        self.s = Session::default();
        self.note = None;
        self.out.push(Effect::ClearChat);
    }

    fn restart(&mut self) {
        let last_seen = self.s.last_seen;
        self.s = Session { last_seen, version: self.c.flows.version.clone(), ..Session::default() };
        self.go(Goto::Node(self.c.flows.main_start()));
    }

    fn change_area(&mut self) {
        match self.c.flows.area_node {
            Some(area) => {
                let here = self.s.node.clone();
                if here.as_deref() != Some(self.c.flows.nodes[area].id.as_str()) {
                    self.s.area_return = here;
                }
                self.s.forget_area_question();
                self.go(Goto::Node(area));
            }
            None => self.show_current(),
        }
    }

    /// Show where the user is again (or the start, before the conversation has begun).
    fn show_current(&mut self) {
        match self.current() {
            Some(i) => self.show(i),
            None => self.go(Goto::Node(self.c.flows.main_start())),
        }
    }

    // ---- moving through the graph ----------------------------------------------------------

    /// Follow `target` through branches, calls and button-less messages to the node that waits
    /// for the user, sending each message on the way (the walk is the flows' own: see
    /// [`walker`]).
    fn go(&mut self, target: Goto) {
        let c = self.c;
        match walker::walk(&c.flows, self, target) {
            Stop::Waits(idx) => self.show(idx),
            Stop::Emergency => self.emergency(),
            Stop::Loop(target) => {
                // A loop of button-less messages: stop it rather than flood the user.
                tracing::error!(target_node = ?target, "flow loop: too many messages in one turn");
                self.s.stack.clear();
                self.show(c.flows.main_start());
            }
        }
    }

    /// Go to `target` where the pressed button was: when that is one message, the adapter edits
    /// the pressed message instead of sending a new one.
    fn go_in_place(&mut self, target: Goto) {
        let before = self.out.len();
        self.go(target);
        if let [Effect::Reply(r)] = &mut self.out[before..] {
            r.replaces = true;
        }
    }

    /// Send node `idx` with its buttons and wait there.
    fn show(&mut self, idx: NodeIdx) {
        self.flush_note();
        let node = &self.c.flows.nodes[idx];
        if self.s.node.as_deref() != Some(node.id.as_str()) {
            self.s.misses = 0;
            self.s.node = Some(node.id.clone());
        }
        let buttons = render::buttons(self.c, &self.s, idx);
        let text = match (&node.kind, self.s.area_options.is_empty()) {
            (NodeKind::Area { .. }, false) => self.area_question(),
            _ => render::fill(self.c, &self.s, node.say.as_deref().unwrap_or(""), self.now),
        };
        self.push(text, buttons, Some(node.id.clone()), ReplyKind::Flow);
    }

    /// The router's follow-up question (it says which place or district it is about, and for a
    /// split district asks which side the user is on, never which is nearest), then the way out.
    fn area_question(&self) -> String {
        let question = match self.s.area_question.as_str() {
            "" => "Which of these areas is it in?",
            q => q,
        };
        format!(
            "{question} If you're not sure, tap \"{}\" and I'll give you contacts that work anywhere in England.",
            render::DONT_KNOW_AREA
        )
    }

    // ---- what the user typed ---------------------------------------------------------------

    fn text(&mut self, text: &str) {
        let Some(idx) = self.current() else {
            // Nothing shown yet: begin at the start (what they typed is not kept).
            return self.go(Goto::Node(self.c.flows.main_start()));
        };
        let flows = &self.c.flows;
        match &flows.nodes[idx].kind {
            NodeKind::Ask { rules, found, fallback, .. } => {
                // A button's own words under the question ("Back to the list") press it; nothing
                // looser (a number, a yes), as anything else typed here is a description.
                let key = render::label_key(text);
                let buttons = render::buttons(self.c, &self.s, idx);
                if let Some(b) = buttons.iter().find(|b| render::label_key(&b.label) == key) {
                    return self.button(&b.data.clone());
                }
                if let Some(rule) = rules.iter().find(|r| r.pattern.is_match(text)) {
                    let (goto, add) = (rule.goto, rule.add_signs.clone());
                    self.add_signs(&add);
                    return self.go(goto);
                }
                if let Some(found) = found {
                    let hits: Vec<String> =
                        flows.signs_in(text).into_iter().map(|i| flows.signs[i].id.clone()).collect();
                    if !hits.is_empty() {
                        self.s.pending = hits;
                        return self.go(*found);
                    }
                }
                self.s.pending.clear();
                self.go(*fallback)
            }
            NodeKind::Area { next, .. } => {
                let next = *next;
                let (decision, note) = self.c.router.route_with_note(text);
                if note.is_some() {
                    self.note = note;
                }
                match decision {
                    RouteDecision::Area(id) => self.area_chosen(id.as_str(), Vec::new(), next),
                    RouteDecision::Ask { question, options } => {
                        self.s.area_options = options.iter().map(|a| a.to_string()).collect();
                        self.s.area_question = question;
                        self.s.misses = 0;
                        self.show(idx);
                    }
                    RouteDecision::National { reason } => {
                        let councils = match reason {
                            NationalReason::Outside { councils, .. } => {
                                self.note = self.note.or(Some(OUTSIDE));
                                councils
                            }
                            NationalReason::OutsideEngland { .. } => {
                                self.note = self.note.or(Some(OUTSIDE_ENGLAND));
                                Vec::new()
                            }
                            NationalReason::Unknown => Vec::new(),
                        };
                        self.area_chosen(ELSEWHERE, councils, next);
                    }
                    // Not a place, but maybe a button's words or number ("2" for the second).
                    RouteDecision::NotUnderstood => match self.typed_button(idx, text) {
                        Some(data) => self.button(&data),
                        None => self.miss(idx, RE_ASK_AREA),
                    },
                }
            }
            _ => match (self.typed_button(idx, text), flows.nodes[idx].typed) {
                (Some(data), _) => self.button(&data),
                // A question that fails safe: words that are not a clear answer get 999 first.
                (None, Some(Goto::Emergency)) => match self.clear_answer(idx, text) {
                    // "not now shes at home", "no its more of a general worry": a clear answer
                    // that goes on to say more, with nothing in the rest that could be danger.
                    Some(data) => self.button(&data),
                    None => {
                        self.emergency();
                        self.show(idx);
                    }
                },
                // Words at a list (or where buttons ask how to tell): read them as the free-text
                // question would, so signs found are offered and a disclosure gets its reply.
                (None, Some(Goto::Node(t))) => match self.free_text_node(t) {
                    Some(ask) => {
                        self.s.node = Some(flows.nodes[ask].id.clone());
                        self.s.misses = 0;
                        self.text(text)
                    }
                    None => self.miss(idx, RE_ASK),
                },
                (None, _) => self.miss(idx, RE_ASK),
            },
        }
    }

    /// What follows the emergency message when typed words set it off. Only what fits it: a
    /// question that fails safe is asked again; at a free-text question (or where buttons ask
    /// how to tell) the words are still read, so a disclosure ("he's making me sell drugs") also
    /// gets the flow's support reply, and signs found are offered. Nothing here ever says the
    /// words were not understood or matched: the emergency message, with its way to carry on,
    /// ends the turn instead.
    fn after_emergency(&mut self, text: &str) {
        let Some(idx) = self.current() else { return };
        let node = &self.c.flows.nodes[idx];
        let ask = match (&node.kind, node.typed) {
            (_, Some(Goto::Emergency)) => return self.show(idx),
            (NodeKind::Ask { .. }, _) => Some(idx),
            (_, Some(Goto::Node(t))) => self.free_text_node(t),
            _ => None,
        };
        let Some(ask) = ask else { return };
        let NodeKind::Ask { rules, found, .. } = &self.c.flows.nodes[ask].kind else { return };
        if let Some(rule) = rules.iter().find(|r| r.pattern.is_match(text)) {
            let (goto, add) = (rule.goto, rule.add_signs.clone());
            self.s.node = Some(self.c.flows.nodes[ask].id.clone());
            self.add_signs(&add);
            return self.go(goto);
        }
        if let Some(found) = *found {
            let flows = &self.c.flows;
            let hits: Vec<String> = flows.signs_in(text).into_iter().map(|i| flows.signs[i].id.clone()).collect();
            if !hits.is_empty() {
                self.s.node = Some(flows.nodes[ask].id.clone());
                self.s.pending = hits;
                self.go(found);
            }
        }
    }

    /// Where a branch node goes now: its first arm whose condition holds.
    fn branch(&self, arms: &[Arm]) -> Option<Goto> {
        arms.iter().find(|a| a.condition.as_ref().is_none_or(|c| render::holds(self.c, &self.s, c))).map(|a| a.goto)
    }

    /// The free-text node a choice node's `typed:` leads to now, through any branches.
    fn free_text_node(&self, mut idx: NodeIdx) -> Option<NodeIdx> {
        for _ in 0..8 {
            match &self.c.flows.nodes[idx].kind {
                NodeKind::Ask { .. } => return Some(idx),
                NodeKind::Branch { arms } => {
                    let Goto::Node(next) = self.branch(arms)? else { return None };
                    idx = next;
                }
                _ => return None,
            }
        }
        None
    }

    /// A typed answer that names a button (its words, or its number) presses it. So does a
    /// plain yes or no, when exactly one button begins with that word: "yes" at "is a child in
    /// danger right now?" must reach the emergency message as surely as the button does.
    fn typed_button(&self, idx: NodeIdx, text: &str) -> Option<String> {
        let buttons = render::buttons(self.c, &self.s, idx);
        let key = render::label_key(text);
        if key.is_empty() {
            return None;
        }
        if let Ok(n) = key.parse::<usize>() {
            return buttons.get(n.checked_sub(1)?).map(|b| b.data.clone());
        }
        if let Some(b) = buttons.iter().find(|b| render::label_key(&b.label) == key) {
            return Some(b.data.clone());
        }
        // Other words a button accepts ("nope", "not sure"), as the flow lists them.
        let answer = crate::flow::answer_key(text);
        let pressed = self.c.flows.nodes[idx].kind.choices().iter().find(|c| c.words.contains(&answer));
        if let Some(b) = pressed.and_then(|c| buttons.iter().find(|b| b.label == c.label)) {
            return Some(b.data.clone());
        }
        only_button_starting(&buttons, yes_or_no(&key)?).map(|b| b.data.clone())
    }

    /// At a question that fails safe: a typed answer that begins with a button's words (its
    /// label, one of its `words`, or a plain "no" when one button begins with no) and says more,
    /// when the danger check finds nothing in it at all ([`DangerDetector::is_clear`]): "no
    /// not right now", "not sure tbh", "no, they checked out yesterday". Anything less clear
    /// still fails safe.
    ///
    /// [`DangerDetector::is_clear`]: crate::safety::DangerDetector::is_clear
    fn clear_answer(&self, idx: NodeIdx, text: &str) -> Option<String> {
        let key = crate::flow::answer_key(text);
        let buttons = render::buttons(self.c, &self.s, idx);
        let starts = |with: &str| !with.is_empty() && (key == with || key.starts_with(&format!("{with} ")));
        let mut best: Option<(usize, &Button)> = None;
        for ch in self.c.flows.nodes[idx].kind.choices() {
            let Some(b) = buttons.iter().find(|b| b.label == ch.label) else { continue };
            let label = crate::flow::answer_key(&ch.label);
            for w in ch.words.iter().map(String::as_str).chain([label.as_str()]) {
                if starts(w) && best.is_none_or(|(n, _)| w.len() > n) {
                    best = Some((w.len(), b));
                }
            }
        }
        let pressed = match best {
            Some((_, b)) => b,
            None => {
                key.split(' ').next().filter(|w| ["no", "nope", "nah", "nay"].contains(w))?;
                only_button_starting(&buttons, "no")?
            }
        };
        self.c.danger.is_clear(text).then(|| pressed.data.clone())
    }

    fn miss(&mut self, idx: NodeIdx, sorry: &str) {
        self.s.misses = self.s.misses.saturating_add(1);
        if self.s.misses >= MAX_MISSES {
            self.s.misses = 0;
            let young = render::is_young(self.c, &self.s);
            let national = self.c.router.contact_block(None, young, self.now);
            let text = format!("{GIVE_UP}\n\n{}", national.trim_end());
            let mut buttons = render::buttons(self.c, &self.s, idx);
            buttons.insert(0, render::global_button(START_AGAIN, GlobalAction::Start));
            buttons.dedup_by(|a, b| a.data == b.data);
            self.flush_note();
            let node = self.s.node.clone();
            self.push(text, buttons, node, ReplyKind::Notice);
            return;
        }
        let buttons = render::buttons(self.c, &self.s, idx);
        let node = self.s.node.clone();
        self.flush_note();
        self.push(sorry.to_string(), buttons, node, ReplyKind::Notice);
    }

    /// Accept the signs found in the user's own words.
    fn confirm_pending(&mut self) {
        let pending = std::mem::take(&mut self.s.pending);
        for id in pending {
            if self.c.flows.sign(&id).is_some() && !self.s.signs.contains(&id) {
                self.s.signs.push(id);
            }
        }
        self.sort_signs();
    }

    fn add_signs(&mut self, ids: &[usize]) {
        for &i in ids {
            let id = &self.c.flows.signs[i].id;
            if !self.s.signs.contains(id) {
                self.s.signs.push(id.clone());
            }
        }
        self.sort_signs();
    }

    fn sort_signs(&mut self) {
        let flows = &self.c.flows;
        self.s.signs.sort_by_key(|id| flows.sign(id).unwrap_or(usize::MAX));
    }

    /// `councils`: ONS codes of the children's services councils a postcode settled, named on
    /// the national route; a button press or a town name settles none.
    fn area_chosen(&mut self, area: &str, councils: Vec<String>, next: Goto) {
        // "If that's right, which area is this in?": the area also accepts the signs found.
        if let Some(NodeKind::Area { confirms: true, .. }) = self.current().map(|i| &self.c.flows.nodes[i].kind) {
            self.confirm_pending();
        }
        self.s.area = Some(area.to_string());
        self.s.councils = councils;
        self.s.forget_area_question();
        match self.s.area_return.take().and_then(|n| self.c.flows.node(&n)) {
            Some(back) => self.go(Goto::Node(back)),
            None => self.go(next),
        }
    }

    // ---- buttons ---------------------------------------------------------------------------

    fn button(&mut self, data: &str) {
        match callback::decode(data) {
            Press::Global(GlobalAction::Start) => self.restart(),
            Press::Global(GlobalAction::Exit) => self.quick_exit(),
            Press::Global(GlobalAction::Area) => self.change_area(),
            Press::Global(GlobalAction::CarryOn) => self.show_current(),
            Press::Global(GlobalAction::Emergency) => self.emergency(),
            Press::Unknown => self.stale(),
            Press::Node { version, node, action } => {
                let here = self.current();
                let fresh = version == self.c.flows.version && self.s.node.as_deref() == Some(node);
                match (fresh, here) {
                    (true, Some(idx)) => {
                        if !self.press(idx, action) {
                            self.stale();
                        }
                    }
                    _ => self.stale(),
                }
            }
        }
    }

    fn stale(&mut self) {
        if self.current().is_some() {
            self.notice_only(STALE);
        }
        self.show_current();
    }

    /// Apply a fresh button press on node `idx`. False when the button does not exist there.
    fn press(&mut self, idx: NodeIdx, action: NodeAction<'_>) -> bool {
        let flows = &self.c.flows;
        match (&flows.nodes[idx].kind, action) {
            (NodeKind::Message { next, button: Some(_) }, NodeAction::Choice(0)) => {
                self.go(*next);
            }
            // A flow button of any node (a choice, or an answer's, list's or area's `also:`).
            (kind, NodeAction::Choice(i)) => {
                let Some(ch) = kind.choices().get(i) else { return false };
                if !ch.when.as_ref().is_none_or(|w| render::holds(self.c, &self.s, w)) {
                    return false;
                }
                if ch.clear_signs {
                    self.s.signs.clear();
                }
                if let Some(a) = ch.set_audience {
                    self.s.audience = Some(flows.audiences[a].id.clone());
                }
                if ch.confirm_pending {
                    self.confirm_pending();
                }
                let (add, goto, in_place) = (ch.add_signs.clone(), ch.goto, ch.in_place);
                self.add_signs(&add);
                if in_place {
                    self.go_in_place(goto);
                } else {
                    self.go(goto);
                }
            }
            (NodeKind::Pick { signs, .. }, NodeAction::Toggle(id)) => {
                let Some(i) = flows.sign(id).filter(|i| signs.contains(i)) else { return false };
                let id = flows.signs[i].id.clone();
                match self.s.signs.iter().position(|x| *x == id) {
                    Some(at) => {
                        self.s.signs.remove(at);
                    }
                    None => {
                        self.s.signs.push(id);
                        self.sort_signs();
                    }
                }
                self.show(idx);
                if let Some(Effect::Reply(r)) = self.out.last_mut() {
                    r.replaces = true;
                }
            }
            // The list becomes what comes next (the area question, the answer), as ticking a
            // sign redraws it in place.
            (NodeKind::Pick { next, .. }, NodeAction::Done) => self.go_in_place(*next),
            (NodeKind::Area { next, .. }, NodeAction::Area(area)) => {
                let next = *next;
                if area == UNKNOWN_AREA {
                    self.area_chosen(ELSEWHERE, Vec::new(), next);
                } else if let Some(a) = self.c.router.area(area) {
                    let id = a.id.to_string();
                    self.area_chosen(&id, Vec::new(), next);
                } else {
                    return false;
                }
            }
            _ => return false,
        }
        true
    }
}

/// The engine walks a turn with the session: branches by what it holds, calls on its stack (a
/// node id, or "return" for a call that returns further out), messages sent as it goes.
impl Traveller for Turn<'_> {
    fn choose(&mut self, arms: &[Arm]) -> Option<Goto> {
        self.branch(arms)
    }

    fn say(&mut self, idx: NodeIdx) {
        self.flush_note();
        let node = &self.c.flows.nodes[idx];
        let text = render::fill(self.c, &self.s, node.say.as_deref().unwrap_or(""), self.now);
        self.carry.push((text, node.id.clone()));
    }

    fn enter(&mut self, back: Goto) {
        let back = match back {
            Goto::Node(n) => self.c.flows.nodes[n].id.clone(),
            Goto::Return | Goto::Emergency => RETURN_FURTHER.to_string(),
        };
        self.s.stack.push(back);
    }

    fn leave(&mut self) -> Option<Goto> {
        let flows = &self.c.flows;
        self.s.stack.pop().map(|id| match id.as_str() {
            RETURN_FURTHER => Goto::Return,
            id => Goto::Node(flows.node(id).unwrap_or_else(|| flows.main_start())),
        })
    }
}

/// "yes" or "no", when that is all a typed answer says (a yes may say a little more: "yes she
/// is"; a no must be plain, as "no idea" is not a no).
fn yes_or_no(key: &str) -> Option<&'static str> {
    const YES: [&str; 8] = ["yes", "y", "yeah", "yep", "yup", "yea", "ye", "yess"];
    const NO: [&str; 6] = ["no", "n", "nope", "nah", "no thanks", "no thank you"];
    let words: Vec<&str> = key.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let first = *words.first()?;
    if YES.contains(&first) && words.len() <= 6 {
        return Some("yes");
    }
    NO.contains(&words.join(" ").as_str()).then_some("no")
}

/// The one button whose label begins with `word` ("yes", "no"); `None` when none or several do.
fn only_button_starting<'b>(buttons: &'b [Button], word: &str) -> Option<&'b Button> {
    let mut starting = buttons.iter().filter(|b| first_word(&b.label).as_deref() == Some(word));
    match (starting.next(), starting.next()) {
        (Some(b), None) => Some(b),
        _ => None,
    }
}

/// A button label's first word, in lower case ("Yes, a child is in danger now" -> "yes").
fn first_word(label: &str) -> Option<String> {
    render::label_key(label).split(|c: char| !c.is_alphanumeric()).find(|w| !w.is_empty()).map(str::to_string)
}
