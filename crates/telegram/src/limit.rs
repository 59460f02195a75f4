//! Telegram's limits on sending messages, kept without a timer.
//!
//! Telegram asks a bot to send about one message a second to a chat (it tolerates short
//! bursts), no more than 20 a minute to a group, and about 30 a second in all. Past that it
//! answers 429 with `retry_after`, which [`super::api`] honours on every call.
//!
//! teloxide's `Throttle` kept these limits with a worker that sleeps 250 ms after every pass
//! over its queue, so even a lone reply in a quiet hour waited up to a quarter of a second, and
//! a five-message answer took over four seconds (BENCHMARKS.md, "Answer time in production").
//! Here each message asks governor's rate limiters (GCRA) when it may go: at once while it is
//! inside every limit, otherwise after exactly the wait they name. Nothing runs between sends.
//!
//! Only new messages are limited, as `Throttle` did: edits, callback answers and deletes are
//! not counted by Telegram's published limits.

use governor::clock::{Clock, MonotonicClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Messages a private chat may receive at once before the one-a-second pace applies: the most
/// a turn of the flows may send ([`signpost_core::flow::limits::TURN_MESSAGES`], which the validator
/// warns past and the shipped flows keep to), and one note of the engine's before them. So a
/// whole answer arrives together, its contacts last.
pub const CHAT_BURST: u32 = signpost_core::flow::limits::TURN_MESSAGES as u32 + 1;
/// A private chat's pace once its burst is spent.
const CHAT_PERIOD: Duration = Duration::from_secs(1);
/// Messages a group may receive at once; after that one every [`GROUP_PERIOD`] (20 a minute).
const GROUP_BURST: u32 = 3;
const GROUP_PERIOD: Duration = Duration::from_secs(3);
/// Messages a second to all chats together, and as many at once.
const OVERALL_PER_SECOND: u32 = 30;
/// Forget chats that have been back at a full burst for a while (governor keeps them for one
/// more period), once every so many messages, so the limiters' memory follows the chats active
/// now, not every chat ever seen.
const FORGET_EVERY: u32 = 1024;

type Keyed<C> = RateLimiter<i64, DashMapStateStore<i64>, C, NoOpMiddleware<<C as Clock>::Instant>>;
type Direct<C> = RateLimiter<NotKeyed, InMemoryState, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// Telegram's limits for every chat this bot sends to.
pub(crate) struct SendLimits<C: Clock = MonotonicClock> {
    chat: Keyed<C>,
    group: Keyed<C>,
    overall: Direct<C>,
    since_forget: AtomicU32,
}

fn nonzero(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).expect("limits are positive")
}

fn paced(period: Duration, burst: u32) -> Quota {
    Quota::with_period(period).expect("periods are positive").allow_burst(nonzero(burst))
}

impl SendLimits {
    /// On `std::time::Instant`, the clock `tokio::time::sleep` keeps too, so a wait the limits
    /// name is the wait slept.
    pub(crate) fn new() -> SendLimits {
        SendLimits::with_clock(MonotonicClock)
    }

    /// Wait until a message to `chat` may go. Sleeping here is keeping Telegram's limits.
    pub(crate) async fn wait_turn(&self, chat: i64) {
        let mut turn = self.turn(chat);
        while let Some(wait) = turn.wait() {
            tokio::time::sleep(wait).await;
        }
    }
}

impl<C: Clock + Clone> SendLimits<C> {
    pub(crate) fn with_clock(clock: C) -> SendLimits<C> {
        SendLimits {
            chat: RateLimiter::dashmap_with_clock(paced(CHAT_PERIOD, CHAT_BURST), clock.clone()),
            group: RateLimiter::dashmap_with_clock(paced(GROUP_PERIOD, GROUP_BURST), clock.clone()),
            overall: RateLimiter::direct_with_clock(Quota::per_second(nonzero(OVERALL_PER_SECOND)), clock),
            since_forget: AtomicU32::new(0),
        }
    }

    /// One message to `chat`, about to pass the limits.
    pub(crate) fn turn(&self, chat: i64) -> Turn<'_, C> {
        if self.since_forget.fetch_add(1, Ordering::Relaxed) + 1 >= FORGET_EVERY {
            self.since_forget.store(0, Ordering::Relaxed);
            self.forget_quiet_chats();
        }
        Turn { limits: self, chat, gate: Gate::Chat }
    }

    fn forget_quiet_chats(&self) {
        for keyed in [&self.chat, &self.group] {
            keyed.retain_recent();
            keyed.shrink_to_fit();
        }
    }

    /// Chats the limiters are keeping a pace for.
    #[cfg(test)]
    fn chats_tracked(&self) -> usize {
        self.chat.len()
    }
}

/// The limits a message passes in turn. A limit passed is not asked again, so a message held
/// at a later one does not spend its chat's allowance twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    Chat,
    Group,
    Overall,
    Through,
}

/// How far one message has got through the limits.
pub(crate) struct Turn<'a, C: Clock> {
    limits: &'a SendLimits<C>,
    chat: i64,
    gate: Gate,
}

impl<C: Clock> Turn<'_, C> {
    /// `None`: the message may go now. `Some(wait)`: ask again after `wait`.
    pub(crate) fn wait(&mut self) -> Option<Duration> {
        let limits = self.limits;
        loop {
            let passed = match self.gate {
                Gate::Chat => limits.chat.check_key(&self.chat),
                // Telegram numbers groups and channels below zero, private chats above.
                Gate::Group if self.chat < 0 => limits.group.check_key(&self.chat),
                Gate::Group => Ok(()),
                Gate::Overall => limits.overall.check(),
                Gate::Through => return None,
            };
            match passed {
                Ok(()) => {
                    self.gate = match self.gate {
                        Gate::Chat => Gate::Group,
                        Gate::Group => Gate::Overall,
                        Gate::Overall | Gate::Through => Gate::Through,
                    }
                }
                // The three limiters share one clock.
                Err(not_until) => return Some(not_until.wait_time_from(limits.overall.clock().now())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    const PRIVATE: i64 = 5550001;
    const GROUP: i64 = -100200300;

    fn limits() -> (SendLimits<FakeRelativeClock>, FakeRelativeClock) {
        let clock = FakeRelativeClock::default();
        (SendLimits::with_clock(clock.clone()), clock)
    }

    /// Messages to `chat` that may go now, without advancing time.
    fn sent_now(limits: &SendLimits<FakeRelativeClock>, chat: i64, tries: u32) -> u32 {
        (0..tries).filter(|_| limits.turn(chat).wait().is_none()).count() as u32
    }

    #[test]
    fn a_whole_answer_goes_at_once_then_one_a_second() {
        let (limits, clock) = limits();
        for i in 0..CHAT_BURST {
            assert_eq!(limits.turn(PRIVATE).wait(), None, "message {} of the answer was held", i + 1);
        }
        let mut next = limits.turn(PRIVATE);
        let wait = next.wait().expect("a sixth message at once must wait");
        assert_eq!(wait, CHAT_PERIOD, "the burst refills one message a second");
        clock.advance(wait);
        assert_eq!(next.wait(), None, "after the wait it goes");
        assert!(limits.turn(PRIVATE).wait().is_some(), "and the one after waits again");
    }

    #[test]
    fn one_busy_chat_does_not_hold_up_another() {
        let (limits, _clock) = limits();
        assert_eq!(sent_now(&limits, PRIVATE, 50), CHAT_BURST);
        assert_eq!(sent_now(&limits, PRIVATE + 1, CHAT_BURST), CHAT_BURST);
    }

    #[test]
    fn a_group_gets_twenty_a_minute() {
        let (limits, clock) = limits();
        let mut sent = 0;
        let mut turn = limits.turn(GROUP);
        for _ in 0..60 {
            while turn.wait().is_none() {
                sent += 1;
                turn = limits.turn(GROUP);
            }
            clock.advance(Duration::from_secs(1));
        }
        assert_eq!(sent, GROUP_BURST + 20 - 1, "a burst of {GROUP_BURST}, then one every 3 s");
        // A private chat is not paced as a group.
        assert_eq!(sent_now(&limits, PRIVATE, 10), CHAT_BURST);
    }

    #[test]
    fn thirty_a_second_in_all() {
        let (limits, clock) = limits();
        let sent: u32 = (0..40).map(|c| sent_now(&limits, PRIVATE + c, 1)).sum();
        assert_eq!(sent, OVERALL_PER_SECOND, "every chat is within its own limit; the total is not");
        let mut held = limits.turn(PRIVATE + 100);
        let wait = held.wait().expect("the 31st message in a second waits");
        assert!(wait <= Duration::from_secs(1) / OVERALL_PER_SECOND, "{wait:?}");
        clock.advance(wait);
        assert_eq!(held.wait(), None);
    }

    #[test]
    fn a_message_held_by_the_total_spends_its_chats_allowance_once() {
        let (limits, clock) = limits();
        for c in 0..OVERALL_PER_SECOND as i64 {
            assert_eq!(limits.turn(PRIVATE + 1 + c).wait(), None);
        }
        let mut held = limits.turn(PRIVATE);
        for _ in 0..10 {
            assert!(held.wait().is_some(), "the total is spent");
        }
        clock.advance(Duration::from_secs(1) / OVERALL_PER_SECOND);
        assert_eq!(held.wait(), None);
        let left = (0..10).filter(|_| limits.chat.check_key(&PRIVATE).is_ok()).count() as u32;
        assert_eq!(left, CHAT_BURST - 1, "asking eleven times cost the chat one message");
    }

    #[test]
    fn quiet_chats_are_forgotten() {
        let (limits, clock) = limits();
        for c in 0..FORGET_EVERY as i64 - 1 {
            limits.turn(PRIVATE + c).wait();
            clock.advance(Duration::from_millis(1));
        }
        assert_eq!(limits.chats_tracked(), FORGET_EVERY as usize - 1);
        // The last of them is back at a full burst after one period; governor keeps a chat for
        // one period more.
        clock.advance(CHAT_PERIOD * 2);
        limits.turn(PRIVATE).wait();
        assert!(limits.chats_tracked() <= 1, "{} chats still tracked", limits.chats_tracked());
    }
}
