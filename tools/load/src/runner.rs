//! `e2e`: runs each target against a fresh fake Bot API, its scripted users all talking at
//! once, and measures the run; rounds are interleaved so that noise on the machine falls on
//! every target alike.

use crate::launcher::{launch, sqlite_file};
use crate::proc_reader::{clock_ticks_per_sec, count_processes, cpu_ticks, machine_ticks, status_kb};
use crate::reporter::{self, EchoBaseline};
use crate::scripted_user::{Pace, ScriptedUser};
use crate::scripts::scripts;
use crate::E2eArgs;
use fake_bot_api::{FakeBotApi, Settings};
use signpost_core::content::Content;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Barrier;

/// What one run of one target measured.
pub struct RunResult {
    pub name: String,
    pub exchanges: usize,
    pub errors: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub cold_start_ms: f64,
    pub peak_rss_kb: u64,
    /// Bot CPU time (user + system) during the measured part, per exchange.
    pub cpu_us_per_exchange: f64,
    /// The bot's CPU use during the measured part, in cores.
    pub cpu_cores: f64,
    /// Bot API calls over the whole run (with warm-up and polls).
    pub calls: u64,
    /// Bot API calls during the measured part (polls included).
    pub measured_calls: u64,
    pub db_bytes: Option<u64>,
    /// The share of the machine's CPU time the hypervisor gave to others during the measured
    /// part (`steal` in /proc/stat), in percent; `None` where the kernel does not say.
    pub steal_pct: Option<f64>,
}

impl RunResult {
    pub fn rate(&self) -> f64 {
        self.exchanges as f64 / self.seconds
    }

    pub fn calls_per_exchange(&self) -> f64 {
        self.measured_calls as f64 / self.exchanges.max(1) as f64
    }

    /// Bot CPU per Bot API call: the cost of one call plus the bot's own work spread over them.
    pub fn cpu_us_per_call(&self) -> f64 {
        self.cpu_us_per_exchange / self.calls_per_exchange().max(f64::MIN_POSITIVE)
    }
}

/// Every round of every target in `args`, printed as they finish.
pub fn e2e(args: E2eArgs) -> anyhow::Result<()> {
    for t in &args.targets {
        anyhow::ensure!(["echo", "memory", "sqlite"].contains(&t.as_str()), "unknown target {t:?}");
    }
    let (content, _) = Content::load(&args.flows, &args.config)
        .map_err(|d| anyhow::anyhow!("the flows do not load ({} problems): run signpost check", d.len()))?;
    let content = Arc::new(content);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(args.driver_threads).enable_all().build()?;
    reporter::print_header(&args);
    // Each run with its echo baseline from the same round, when there is one.
    let mut all: Vec<(RunResult, Option<EchoBaseline>)> = Vec::new();
    for round in 1..=args.repeat {
        let mut echo: Option<EchoBaseline> = None;
        for target in &args.targets {
            let busy = count_processes("rustc");
            let res = runtime.block_on(run_one(&args, target, Arc::clone(&content)))?;
            if target == "echo" {
                echo = Some(EchoBaseline { rate: res.rate(), p99_ms: res.p99_ms });
            }
            let baseline = echo.filter(|_| target != "echo");
            reporter::print_run(round, &res, baseline, busy, args.chats);
            all.push((res, baseline));
        }
    }
    if args.repeat > 1 {
        reporter::print_medians(&args.targets, args.repeat, &all);
    }
    Ok(())
}

/// One run of `target`: a fresh fake, the bot, and a scripted user per chat.
async fn run_one(args: &E2eArgs, target: &str, content: Arc<Content>) -> anyhow::Result<RunResult> {
    let echo = target == "echo";
    let fake = Arc::new(FakeBotApi::start_with(Settings::LOAD).await);
    let users: Vec<ScriptedUser> = {
        let scripts = scripts();
        let timeout = Duration::from_secs(args.timeout_secs);
        (0..args.chats)
            .map(|i| {
                let script = scripts[i % scripts.len()].clone();
                ScriptedUser::new(
                    Arc::clone(&fake),
                    i,
                    script,
                    Arc::clone(&content),
                    echo,
                    timeout,
                    args.trace && i == 0,
                )
            })
            .collect()
    };
    if args.slow_chat_ms > 0 {
        fake.slow_chat(users[0].chat(), Duration::from_millis(args.slow_chat_ms));
    }
    let mut bot = launch(args, target, &fake).await?;

    let start = Arc::new(Barrier::new(args.chats + 1));
    let done = Arc::new(Barrier::new(args.chats + 1));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, user) in users.into_iter().enumerate() {
        let (warmup, measured) = (args.warmup, args.messages);
        let pace = Pace::of(i, args.chats, args.rate);
        let (start, done) = (Arc::clone(&start), Arc::clone(&done));
        tasks.spawn(async move { (i, user.run(warmup, measured, pace, &start, &done).await) });
    }
    start.wait().await;
    let t0 = Instant::now();
    let cpu0 = cpu_ticks(bot.pid);
    let machine0 = machine_ticks();
    let calls0 = fake.requests();
    done.wait().await;
    let seconds = t0.elapsed().as_secs_f64();
    let cpu1 = cpu_ticks(bot.pid);
    let steal_pct = match (machine0, machine_ticks()) {
        (Some((all0, steal0)), Some((all1, steal1))) if all1 > all0 => {
            Some(steal1.saturating_sub(steal0) as f64 * 100.0 / (all1 - all0) as f64)
        }
        _ => None,
    };
    let calls1 = fake.requests();
    let peak_rss_kb = status_kb(bot.pid, "VmHWM:");
    let mut latencies = Vec::new();
    let mut errors = 0;
    while let Some(joined) = tasks.join_next().await {
        let (i, tally) = joined?;
        if i == 0 && args.slow_chat_ms > 0 {
            // The slow chat: the figures are the others'.
            continue;
        }
        latencies.extend(tally.latencies);
        errors += tally.errors;
    }
    let _ = bot.child.kill().await;
    latencies.sort_unstable();
    let exchanges = latencies.len();
    let cpu_secs = cpu1.saturating_sub(cpu0) as f64 / clock_ticks_per_sec();
    let db_bytes = (target == "sqlite").then(|| {
        let db = sqlite_file(args);
        ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
            .map(|m| m.len())
            .sum()
    });
    Ok(RunResult {
        name: target.to_string(),
        exchanges,
        errors,
        seconds,
        p50_ms: percentile_ms(&latencies, 0.50),
        p99_ms: percentile_ms(&latencies, 0.99),
        max_ms: percentile_ms(&latencies, 1.0),
        cold_start_ms: bot.cold_start_ms,
        peak_rss_kb,
        cpu_us_per_exchange: cpu_secs * 1e6 / exchanges.max(1) as f64,
        cpu_cores: cpu_secs / seconds,
        calls: fake.requests(),
        measured_calls: calls1 - calls0,
        db_bytes,
        steal_pct,
    })
}

/// The `p` quantile (nearest rank) of latencies in µs, sorted, in ms; NaN for none.
fn percentile_ms(sorted_us: &[u64], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted_us.len() as f64 * p).ceil() as usize).clamp(1, sorted_us.len()) - 1;
    sorted_us[i] as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let us: Vec<u64> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile_ms(&us, 0.50), 50.0);
        assert_eq!(percentile_ms(&us, 0.99), 99.0);
        assert_eq!(percentile_ms(&us, 1.0), 100.0);
        assert_eq!(percentile_ms(&[7000], 0.5), 7.0);
        assert!(percentile_ms(&[], 0.5).is_nan());
    }
}
