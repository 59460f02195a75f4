//! Engine buttons -> Telegram inline keyboards, and the callback data that comes back.
//!
//! Telegram refuses a whole message if any button's callback data is over 64 bytes, which
//! would lose the reply (and its 999 line). The flow validator keeps data short; as a last
//! guard, a button whose data is too long is kept but made to show the current step (stale
//! handling in the engine), and the problem is logged without content.

use signpost_core::engine::callback::{self, GlobalAction};
use signpost_core::engine::Button;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

/// Telegram's limit on callback data, in bytes.
pub const MAX_CALLBACK_BYTES: usize = 64;

/// One button per row, as the engine lists them.
pub fn keyboard(buttons: &[Button]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(buttons.iter().map(|b| {
        let data = safe_data(&b.data);
        vec![InlineKeyboardButton::callback(b.label.clone(), data)]
    }))
}

/// The data to put on a button: its own when it fits, otherwise "carry on".
pub fn safe_data(data: &str) -> String {
    if !data.is_empty() && data.len() <= MAX_CALLBACK_BYTES {
        return data.to_string();
    }
    tracing::error!(
        bytes = data.len(),
        "button data does not fit Telegram's 64 bytes; showing the current step instead"
    );
    callback::global(GlobalAction::CarryOn)
}

/// What a pressed button carried, ready for the engine. Whatever arrives (missing, oversized,
/// forged, from another bot) becomes a press the engine answers: unknown data is stale, and a
/// stale press shows the user where they are now.
pub fn pressed(data: Option<&str>) -> &str {
    match data {
        Some(d) if d.len() <= MAX_CALLBACK_BYTES => d,
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use signpost_core::engine::callback::{decode, Press};

    #[test]
    fn engine_data_is_kept_and_oversized_data_shows_the_current_step() {
        let ok = callback::choice("0123456789ab", "parent_how", 3);
        assert_eq!(safe_data(&ok), ok);
        let long = callback::choice("0123456789ab", &"n".repeat(80), 3);
        assert_eq!(decode(&safe_data(&long)), Press::Global(GlobalAction::CarryOn));
        assert_eq!(decode(&safe_data("")), Press::Global(GlobalAction::CarryOn));
    }

    #[test]
    fn any_pressed_data_reaches_the_engine_as_something_it_answers() {
        assert_eq!(pressed(Some("g|exit")), "g|exit");
        assert_eq!(decode(pressed(None)), Press::Unknown);
        assert_eq!(decode(pressed(Some(&"x".repeat(65)))), Press::Unknown);
        assert_eq!(
            decode(pressed(Some("c|old|gone|1"))),
            Press::Node { version: "old", node: "gone", action: callback::NodeAction::Choice(1) }
        );
    }

    #[test]
    fn one_button_per_row_in_order() {
        let buttons = vec![
            Button { label: "Yes".into(), data: "c|v|n|0".into() },
            Button { label: "Quick exit".into(), data: "g|exit".into() },
        ];
        let k = keyboard(&buttons);
        assert_eq!(k.inline_keyboard.len(), 2);
        assert!(k.inline_keyboard.iter().all(|row| row.len() == 1));
        assert_eq!(k.inline_keyboard[1][0].text, "Quick exit");
    }
}
