//! `signpost chat`: the conversation in a terminal, interactive or scripted.
//!
//! Interactive (stdin is a terminal): buttons are numbered and a number presses one. Scripted
//! (stdin is a pipe or file): one action per line; a line equal to a button label of the latest
//! message (ignoring case), or `#N`, presses that button; anything else is typed. Every bot
//! message is printed followed by its buttons, one per line as `[N] label`.

use super::{format_reply, Action, Clock, Conversation};
use signpost_core::content::Content;
use signpost_core::engine::{Effect, Input};
use std::io::{BufRead, Write};

pub fn run(
    content: &Content,
    clock: Clock,
    input: impl BufRead,
    mut out: impl Write,
    interactive: bool,
) -> std::io::Result<()> {
    let mut conv = Conversation::new(content, clock);
    if interactive {
        writeln!(out, "Signpost terminal chat. Type a button's number or words, or anything else to send it as a message. Ctrl-D to leave.\n")?;
    }
    // Opening the bot is like pressing Telegram's START button.
    let effects = conv.input(Input::Text("/start"));
    print_effects(&mut out, &effects)?;
    prompt(&mut out, interactive)?;
    for line in input.lines() {
        let line = line?;
        let action = if interactive {
            // A bare number presses that button.
            match line.trim().parse::<usize>() {
                Ok(n) if n >= 1 && n <= conv.buttons.len() => Action::Press(conv.buttons[n - 1].clone()),
                _ => conv.action(&line),
            }
        } else {
            conv.action(&line)
        };
        if !interactive {
            match &action {
                Action::Press(b) => writeln!(out, "> [{}]", b.label)?,
                Action::Type(t) => writeln!(out, "> {t}")?,
            }
        }
        let effects = conv.act(&action);
        print_effects(&mut out, &effects)?;
        prompt(&mut out, interactive)?;
    }
    Ok(())
}

fn prompt(out: &mut impl Write, interactive: bool) -> std::io::Result<()> {
    if interactive {
        write!(out, "you> ")?;
        out.flush()?;
    }
    Ok(())
}

fn print_effects(out: &mut impl Write, effects: &[Effect]) -> std::io::Result<()> {
    for e in effects {
        match e {
            Effect::Reply(r) => writeln!(out, "{}", format_reply(r))?,
            Effect::ClearChat => writeln!(out, "(quick exit: the conversation has been cleared)\n")?,
        }
    }
    Ok(())
}
