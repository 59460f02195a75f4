//! `signpost-load`: end-to-end load test and memory-per-session measurement (issue 8).
//!
//! `e2e`: starts the fake Telegram Bot API server (`fake-bot-api`, the one the
//! tests use, in its load setting) on loopback, spawns the real `signpost run --no-throttle`
//! (and the baseline `echo-bot`) against it as child processes, and drives N private chats,
//! each sending K messages (typed text and button presses, following the shipped flows), each
//! waiting for the bot's whole answer before sending the next, like a person with no thinking
//! time (or, with `--rate`, at a steady offered load below saturation). Reports exchanges per
//! second, reply latency p50 / p99 / max, cold start (spawn to first `getUpdates`), the bot's
//! CPU time per exchange and per Bot API call, and peak RSS.
//!
//! - [`scripts`]: what the virtual users say and press.
//! - [`scripted_user`]: one virtual user, which knows how many messages each answer has.
//! - [`launcher`]: spawns the bot under test and times its cold start.
//! - [`runner`]: one run of one target, and the interleaved rounds of `e2e`.
//! - [`reporter`]: the tables. [`proc_reader`]: CPU, memory and steal from /proc.
//! - [`session_meter`]: `sessions`, which fills a `MemoryStore` with realistic idle chats and
//!   reports RSS per session, then does the same in a SQLite file and reports bytes per
//!   session on disk.
//!
//! ```text
//! cargo build --release --bins
//! target/release/signpost-load e2e --chats 200 --messages 60 --repeat 3
//! target/release/signpost-load sessions --count 100000
//! ```
//! See BENCHMARKS.md.

mod launcher;
mod proc_reader;
mod reporter;
mod runner;
mod scripted_user;
mod scripts;
mod session_meter;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// The bot's allocator, so that `sessions` measures memory as the bot would use it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "signpost-load",
    about = "Load test Signpost end to end against a fake Bot API, and measure memory per session"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Drive the real bot (and the echo baseline) through a fake Bot API server.
    E2e(E2eArgs),
    /// Memory per idle session (memory store, RSS) and disk per session (SQLite).
    Sessions(SessionsArgs),
}

#[derive(clap::Args, Clone)]
pub struct E2eArgs {
    /// Concurrent chats.
    #[arg(long, default_value_t = 200)]
    pub chats: usize,
    /// Measured messages per chat (after the warm-up).
    #[arg(long, default_value_t = 60)]
    pub messages: usize,
    /// Messages per chat before measuring starts (not counted).
    #[arg(long, default_value_t = 6)]
    pub warmup: usize,
    /// Runs of each target; they are interleaved (echo, memory, sqlite, echo, ...) so that
    /// noise from other work on the machine falls on all of them alike.
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
    /// What to run, comma separated: echo, memory, sqlite.
    #[arg(long, default_value = "echo,memory,sqlite", value_delimiter = ',')]
    pub targets: Vec<String>,
    /// The signpost binary.
    #[arg(long, default_value = "target/release/signpost")]
    pub signpost: PathBuf,
    /// The echo bot binary.
    #[arg(long, default_value = "target/release/echo-bot")]
    pub echo: PathBuf,
    #[arg(long, default_value = "flows")]
    pub flows: PathBuf,
    #[arg(long, default_value = "config")]
    pub config: PathBuf,
    /// Directory for the SQLite file (deleted and recreated for each run).
    #[arg(long, default_value = "/tmp")]
    pub tmp: PathBuf,
    /// Worker threads of the load tool's own runtime (fake server and virtual users). The
    /// bot under test gets the rest of the machine.
    #[arg(long, default_value_t = 1)]
    pub driver_threads: usize,
    /// Give up waiting for an answer after this many seconds (counted as an error).
    #[arg(long, default_value_t = 15)]
    pub timeout_secs: u64,
    /// Print each exchange of chat 0, with how long its answer took (to check the script
    /// follows the flows, and to find which exchange is slow).
    #[arg(long)]
    pub trace: bool,
    /// Offered load in exchanges per second, spread evenly over the chats (each chat sends
    /// every CHATS/RATE seconds, still waiting for the whole answer first). 0: every chat sends
    /// as soon as its answer is complete, which saturates the machine. Below saturation the
    /// latency is the bot's own, without queueing behind other chats; at saturation it is
    /// mostly queueing (Little's law: latency = chats / throughput).
    #[arg(long, default_value_t = 0.0)]
    pub rate: f64,
    /// Run Signpost with Telegram's limits on sending kept, as in production (a burst of ten
    /// messages a chat, then one a second; 30 a second in all), instead of `--no-throttle`.
    /// This measures how long a user waits for a whole answer, not the bot's capacity; offer a
    /// human pace with `--rate`. Echo has no limits to switch on.
    #[arg(long)]
    pub throttle: bool,
    /// Make Telegram slow for chat 0 only: the fake holds each of its `sendMessage` and
    /// `editMessageText` calls this long before it delivers and answers (as a slow answer, or a
    /// wait for `retry_after`, would). Chat 0's own exchanges are then left out of the figures,
    /// which show whether the other chats were held up behind it. 0: off.
    #[arg(long, default_value_t = 0)]
    pub slow_chat_ms: u64,
}

#[derive(clap::Args)]
pub struct SessionsArgs {
    #[arg(long, default_value_t = 100_000)]
    pub count: usize,
    #[arg(long, default_value = "flows")]
    pub flows: PathBuf,
    #[arg(long, default_value = "config")]
    pub config: PathBuf,
    /// The SQLite file to fill (deleted first).
    #[arg(long, default_value = "/tmp/signpost-sessions.db")]
    pub sqlite: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Sessions(args) => session_meter::sessions(args),
        Command::E2e(args) => runner::e2e(args),
    }
}
