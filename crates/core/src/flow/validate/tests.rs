//! The validator's diagnostics, each checked by its exact text and place.

use super::{validate, ValidateContext};
use crate::flow::{limits, walker, Flows, Goto, NodeKind};
use crate::source::SourceFile;

const CATALOGUE: &str = "audiences:\n  parent: {label: Parent}\n  yp: {label: Young person, young: true}\ncategories:\n  missing: {label: Going missing}\nsigns:\n  overnight:\n    label: Missing overnight\n    explain: Why it matters.\n    category: missing\n    patterns: ['overnight']\n";

fn ctx() -> ValidateContext {
    ValidateContext {
        areas: vec!["dorset".into(), "elsewhere".into()],
        max_area_label_chars: 20,
        max_contacts_chars: 600,
        footer_chars: 50,
    }
}

fn run(files: &[(&str, &str)]) -> (Option<Flows>, Vec<String>) {
    let mut all = vec![SourceFile::new("flows/catalogue.yaml", CATALOGUE)];
    all.extend(files.iter().map(|(o, t)| SourceFile::new(*o, *t)));
    let (flows, diags) = validate(&all, &ctx());
    (flows, diags.iter().map(ToString::to_string).collect())
}

/// Each case: a main flow, and the one diagnostic it must produce (exact text, or a prefix
/// ending in "..." for long messages).
macro_rules! flow_error {
    ($name:ident, $src:expr, $want:expr) => {
        #[test]
        fn $name() {
            let (flows, diags) = run(&[("flows/main.yaml", $src)]);
            let want: &str = $want;
            let found = diags.iter().any(|d| match want.strip_suffix("...") {
                Some(prefix) => d.starts_with(prefix),
                None => d == want,
            });
            assert!(found, "wanted {want:?}\n got {diags:#?}");
            if !want.contains("warning:") {
                assert!(flows.is_none(), "an error must stop the flows loading");
            }
        }
    };
}

// Issue 22: an answer longer than a phone screen before its contacts is refused, so a flow
// author can't grow it back into six messages' worth.
flow_error!(
    an_answer_longer_than_a_phone_screen_before_its_contacts_is_refused,
    concat!("flow: main\nnodes:\n  start:\n    say: \"", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "\\n{contacts}\"\n    end: true\n"),
    "flows/main.yaml:4:10: the answer in node \"start\" could be 721 characters before the contacts; an answer fits one phone screen (700). Put the detail behind a button"
);

flow_error!(
    typed_must_lead_to_a_free_text_node,
    "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: A\n        goto: done\n    typed: done\n  done:\n    say: Bye\n    end: true\n",
    "flows/main.yaml:8:12: `typed:` goes to \"done\", which is not a free-text (`ask:`) node or a branch that leads only to them"
);

flow_error!(
    typed_belongs_on_a_node_with_buttons,
    "flow: main\nnodes:\n  start:\n    say: Hi\n    next: start\n    typed: start\n",
    "flows/main.yaml:6:12: `typed:` belongs on a node with buttons (choices, pick or end): it says where words that press no button are read"
);

flow_error!(
    misspelt_goto_is_located_with_a_suggestion,
    "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: Signs\n        goto: sings_menu\n  signs_menu:\n    say: Menu\n    end: true\n",
    "flows/main.yaml:7:15: goes to unknown node \"sings_menu\" (did you mean \"signs_menu\"?)"
);
flow_error!(
    duplicate_node_id_in_one_file_is_located_at_the_second,
    "flow: main\nnodes:\n  start:\n    say: Hi\n    end: true\n  start:\n    say: Again\n    end: true\n",
    "flows/main.yaml:6:3: \"start\" appears twice (first at line 3)..."
);
flow_error!(
    unknown_field_is_located,
    "flow: main\nnodes:\n  start:\n    say: Hi\n    ends: true\n",
    "flows/main.yaml:5:5: Unknown field `ends`..."
);
flow_error!(
    unreachable_node,
    "flow: main\nnodes:\n  start:\n    say: Hi\n    end: true\n  orphan:\n    say: Nobody comes here\n    end: true\n",
    "flows/main.yaml:6:3: node \"orphan\" can never be reached from /start"
);
flow_error!(
    message_without_next_is_a_dead_end,
    "flow: main\nnodes:\n  start:\n    say: Hi\n",
    "flows/main.yaml:3:3: dead end: message node \"start\" needs `next:`"
);
flow_error!(
    empty_choices_are_a_dead_end,
    "flow: main\nnodes:\n  start:\n    say: Hi\n    choices: []\n",
    "flows/main.yaml:5:14: dead end: node \"start\" has no choices"
);
flow_error!(
    branch_without_a_last_rule_may_fall_through,
    "flow: main\nnodes:\n  start:\n    branch:\n      - if: {has_signs: true}\n        goto: done\n  done:\n    say: Hi\n    end: true\n",
    "flows/main.yaml:5:7: possible dead end: branch \"start\"..."
);
flow_error!(
    bad_regex_is_located,
    "flow: main\nnodes:\n  start:\n    say: Tell me\n    ask:\n      rules:\n        - match: '(older'\n          goto: done\n      fallback: done\n  done:\n    say: Thanks\n    end: true\n",
    "flows/main.yaml:7:18: pattern \"(older\" is not a valid regex..."
);
#[test]
fn a_bad_sign_pattern_is_located_and_the_others_are_matched_by_their_sign() {
    const MAIN: &str = "flow: main\nnodes:\n  start:\n    say: Hi\n    end: true\n";
    let signs =
        |patterns: &str| format!("signs:\n  gifts:\n    label: Gifts\n    explain: Why.\n    patterns: [{patterns}]\n");
    let broken = signs("'new phone', '(older'");
    let (flows, diags) = run(&[("flows/gifts.yaml", &broken), ("flows/main.yaml", MAIN)]);
    assert!(flows.is_none());
    assert_eq!(diags, ["flows/gifts.yaml:5:29: pattern \"(older\" is not a valid regex: error: unclosed group"]);

    let fine = signs("'new (i)?phone', 'older friends?'");
    let (flows, diags) = run(&[("flows/gifts.yaml", &fine), ("flows/main.yaml", MAIN)]);
    assert!(diags.is_empty(), "{diags:#?}");
    let flows = flows.unwrap();
    let (overnight, gifts) = (flows.sign("overnight").unwrap(), flows.sign("gifts").unwrap());
    // Each pattern is matched case-insensitively and credited to its own sign.
    assert_eq!(flows.signs_in("A NEW iPhone from his Older Friend"), vec![gifts]);
    assert_eq!(flows.signs_in("out OVERNIGHT with a new phone"), [overnight, gifts]);
    assert!(flows.signs_in("nothing here").is_empty());
}

flow_error!(
    unknown_sign_audience_and_area,
    "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: A\n        add_signs: [ovrnight]\n        set_audience: parnet\n        when: {area: [cornwall]}\n        goto: done\n      - label: B\n        goto: done\n  done:\n    say: Hi\n    end: true\n",
    "flows/main.yaml:7:21: unknown sign \"ovrnight\" (did you mean \"overnight\"?)"
);
flow_error!(
    unknown_placeholder,
    "flow: main\nnodes:\n  start:\n    say: Call {contact}\n    end: true\n",
    "flows/main.yaml:4:10: unknown placeholder {contact} (did you mean \"contacts\"?)..."
);
flow_error!(
    message_that_could_render_too_long,
    &format!("flow: main\nnodes:\n  start:\n    say: '{}{{contacts}}'\n    end: true\n", "x".repeat(3500)),
    "flows/main.yaml:4:10: node \"start\" could render..."
);
flow_error!(
    too_many_buttons,
    &format!(
        "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n{}  done:\n    say: Bye\n    end: true\n",
        (0..12).map(|i| format!("      - label: Option {i}\n        goto: done\n")).collect::<String>()
    ),
    "flows/main.yaml:3:3: node \"start\" shows 13 buttons..."
);
flow_error!(
    label_too_long_for_a_phone,
    "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: This label is far too long to fit on any phone screen at all\n        goto: start\n",
    "flows/main.yaml:6:16: button label is 60 characters..."
);
flow_error!(
    button_data_over_64_bytes,
    "flow: main\nnodes:\n  a_very_long_node_identifier_that_will_not_fit_in_the_callback_data_limit:\n    say: Hi\n    pick: [overnight]\n    next: done\n  done:\n    say: Bye\n    end: true\n",
    "flows/main.yaml:3:3: button data \"t|..."
);
flow_error!(
    mixed_kinds,
    "flow: main\nnodes:\n  start:\n    say: Hi\n    end: true\n    choices:\n      - label: A\n        goto: start\n",
    "flows/main.yaml:3:3: node \"start\" mixes choices and end..."
);
flow_error!(
    unknown_flow_in_call,
    "flow: main\nnodes:\n  start:\n    call: reasurance\n    next: done\n  done:\n    say: Bye\n    end: true\n",
    "flows/main.yaml:4:11: calls unknown flow \"reasurance\""
);
flow_error!(
    young_readers_get_readability_warnings,
    "flow: main\nreaders: young\nnodes:\n  start:\n    say: Notwithstanding institutional considerations, practitioners should contemplate multidisciplinary safeguarding arrangements whenever concerns arise about exploitation, trafficking, radicalisation or any other comparable vulnerability.\n    end: true\n",
    "flows/main.yaml:5:10: warning: hard to read for a young person in node \"start\": a sentence of 21 words..."
);

#[test]
fn duplicate_node_ids_across_files_name_both_places() {
    let (_, diags) = run(&[
        (
            "flows/main.yaml",
            "flow: main\nnodes:\n  start:\n    call: other\n    next: start2\n  start2:\n    say: Hi\n    end: true\n",
        ),
        ("flows/other.yaml", "flow: other\nnodes:\n  start2:\n    say: Hi\n    next: return\n"),
    ]);
    assert!(
        diags.contains(&"flows/other.yaml:3:3: node id \"start2\" is already used at flows/main.yaml:6:3; node ids must be unique across all flows".to_string()),
        "{diags:#?}"
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let (_, diags) = run(&[(
        "flows/main.yaml",
        "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: A\n        goto: nowhere\n      - label: B\n        goto: elsewhere_too\n",
    )]);
    assert_eq!(diags.len(), 2, "{diags:#?}");
}

#[test]
fn a_valid_flow_loads_with_resolved_targets() {
    let (flows, diags) = run(&[(
        "flows/main.yaml",
        "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: Yes\n        goto: emergency\n      - label: No\n        goto: done\n  done:\n    say: Bye\n    end: true\n",
    )]);
    assert!(diags.is_empty(), "{diags:#?}");
    let flows = flows.unwrap();
    let NodeKind::Choice { choices, .. } = &flows.nodes[flows.main_start()].kind else {
        panic!("start should be a choice node")
    };
    assert_eq!(choices[0].goto, Goto::Emergency);
    assert_eq!(choices[1].goto, Goto::Node(flows.node("done").unwrap()));
}

/// A main flow and a sub-flow: "a" sends a message, a branch picks the longer arm, the
/// sub-flow's message and its return carry on to a question.
const TURNS: &str = "flow: main\nnodes:\n  start:\n    say: Who?\n    choices:\n      - label: Go\n        goto: a\n  a:\n    say: One\n    next: b\n  b:\n    branch:\n      - if: {audience: [parent]}\n        goto: c\n      - goto: d\n  c:\n    say: Two\n    next: c_call\n  c_call:\n    call: sub\n    next: e\n  d:\n    say: Short way\n    end: true\n  e:\n    say: Last, with buttons\n    end: true\n";
const SUB: &str = "flow: sub\nnodes:\n  s1:\n    say: From the sub-flow\n    next: return\n";

#[test]
fn a_turn_is_counted_through_branches_calls_and_returns() {
    let (flows, diags) = run(&[("flows/main.yaml", TURNS), ("flows/sub.yaml", SUB)]);
    let flows = flows.unwrap_or_else(|| panic!("{diags:#?}"));
    let at = |id: &str| walker::messages_from(&flows, flows.node(id).unwrap());
    assert_eq!(at("a"), 4, "One, Two, the sub-flow's message, Last");
    assert_eq!(at("d"), 1);
    assert_eq!(at("start"), 1, "a question waits");
    // Entered on its own, the sub-flow returns to where its caller carries on.
    assert_eq!(at("s1"), 2);
    assert_eq!(walker::longest(&flows), Some((flows.node("a").unwrap(), 4)));
    assert!(diags.iter().all(|d| !d.contains("messages before the user answers")), "{diags:#?}");
}

#[test]
fn a_turn_longer_than_a_chat_gets_at_once_is_a_warning() {
    let mut src = String::from(
        "flow: main\nnodes:\n  start:\n    say: Who?\n    choices:\n      - label: Go\n        goto: m0\n",
    );
    for i in 0..limits::TURN_MESSAGES {
        src.push_str(&format!("  m{i}:\n    say: Message {i}\n    next: m{}\n", i + 1));
    }
    src.push_str(&format!("  m{}:\n    say: The question\n    end: true\n", limits::TURN_MESSAGES));
    let (flows, diags) = run(&[("flows/main.yaml", &src)]);
    assert!(flows.is_some(), "a warning, not an error: {diags:#?}");
    let want = format!(
        "flows/main.yaml:8:3: warning: going to node \"m0\" can send {} messages before the user answers; a chat gets {} at once and the rest a second apart. Put a button between them",
        limits::TURN_MESSAGES + 1,
        limits::TURN_MESSAGES
    );
    assert!(diags.contains(&want), "wanted {want:?}\n got {diags:#?}");
}

#[test]
fn missing_main_flow_is_reported() {
    let (_, diags) = run(&[("flows/x.yaml", "flow: x\nnodes:\n  a:\n    say: Hi\n    end: true\n")]);
    assert!(diags.iter().any(|d| d.contains("no flow is named `main`")), "{diags:#?}");
}

// Issue 22: "If that's right, which area is this in?" accepts the pending signs with the area;
// a `confirm_pending:` anywhere else on a node would do nothing, so it is refused where written.
flow_error!(
    confirm_pending_on_a_node_belongs_on_an_area_node,
    "flow: main\nnodes:\n  start:\n    say: Hi\n    confirm_pending: true\n    choices:\n      - label: A\n        goto: start\n",
    "flows/main.yaml:5:22: `confirm_pending:` on a node belongs on an area node (on a button, it goes on the choice)"
);

flow_error!(
    also_buttons_do_nothing_on_a_choice_node,
    "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: A\n        goto: start\n    also:\n      - label: B\n        goto: start\n",
    "flows/main.yaml:3:3: `also:` buttons belong on an end node, a free-text (`ask:`) node, a pick list or an area node"
);

#[test]
fn a_pick_list_and_an_area_node_take_also_buttons_after_their_own() {
    let src = "flow: main\nnodes:\n  start:\n    say: Tick\n    pick: [overnight]\n    next: where\n    also:\n      - label: Another group\n        goto: start\n  where:\n    say: Where?\n    area: true\n    confirm_pending: true\n    next: done\n    also:\n      - label: Not quite\n        goto: start\n  plain:\n    say: Where?\n    area: true\n    next: done\n  done:\n    say: Bye\n    end: true\n";
    let (flows, diags) = run(&[("flows/main.yaml", src)]);
    let flows = flows.unwrap_or_else(|| panic!("{diags:#?}"));
    let labels = |id: &str| -> Vec<String> {
        walker::every_button(&flows, flows.node(id).unwrap()).into_iter().map(|b| b.label).collect()
    };
    assert_eq!(labels("start"), ["Missing overnight", "Done", "Another group", walker::QUICK_EXIT]);
    assert_eq!(labels("where"), ["Not quite", walker::QUICK_EXIT]);
    let where_ = flows.node("where").unwrap();
    assert!(matches!(flows.nodes[where_].kind, NodeKind::Area { confirms: true, .. }));
    // `/area` goes to the plain area question, never to one that would accept pending signs.
    assert_eq!(flows.area_node, flows.node("plain"));
}

/// Regression: one YAML mistake in the catalogue made every sign and audience it defines
/// unknown wherever a flow used them (186 errors for one bad quote). Only the located syntax
/// error is reported now.
#[test]
fn a_file_that_cannot_be_read_is_the_only_error_reported() {
    let broken = "audiences:\n  parent: {label: \"Parent\" x}\n";
    let main = "flow: main\nnodes:\n  start:\n    say: Hi\n    choices:\n      - label: A\n        set_audience: parent\n        goto: start\n";
    let all = [SourceFile::new("flows/catalogue.yaml", broken), SourceFile::new("flows/main.yaml", main)];
    let (flows, diags) = validate(&all, &ctx());
    assert!(flows.is_none());
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(diags[0].to_string().starts_with("flows/catalogue.yaml:2:"), "{}", diags[0]);
}
