//! The tables `e2e` prints, as Markdown: a row per run as it finishes, then, over several
//! rounds, the median of each figure per target. Notes for the reader go to stderr.

use crate::proc_reader::count_processes;
use crate::runner::RunResult;
use crate::E2eArgs;

/// The echo run of the same round, which a bot's run is compared with.
#[derive(Clone, Copy)]
pub struct EchoBaseline {
    pub rate: f64,
    pub p99_ms: f64,
}

/// What is run, on what machine, and the per-run table's head.
pub fn print_header(args: &E2eArgs) {
    println!(
        "signpost-load: {} chats x {} messages (+{} warm-up), {} run(s) of {}; offered load: {}; {} cores; rustc processes running at start: {}",
        args.chats,
        args.messages,
        args.warmup,
        args.repeat,
        args.targets.join(", "),
        if args.rate > 0.0 { format!("{} exchanges/s", args.rate) } else { "as fast as answered".to_string() },
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        count_processes("rustc"),
    );
    println!();
    println!("| run | target | exchanges/s | ratio to echo | p50 ms | p99 ms | max ms | added p99 ms | errors | cold start ms | peak RSS MB | bot CPU µs/exchange | bot CPU cores | API calls/exchange | bot CPU µs/call | rustc running | steal % |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
}

/// One run's row, against its round's echo when there is one; `busy`: compilers running when
/// it started.
pub fn print_run(round: usize, res: &RunResult, baseline: Option<EchoBaseline>, busy: usize, chats: usize) {
    let (ratio, added) = match baseline {
        Some(echo) => (format!("{:.2}", res.rate() / echo.rate), format!("{:+.2}", res.p99_ms - echo.p99_ms)),
        None => ("".to_string(), "".to_string()),
    };
    let steal = res.steal_pct.map(|p| format!("{p:.1}")).unwrap_or_default();
    println!(
        "| {round} | {} | {:.0} | {ratio} | {:.2} | {:.2} | {:.2} | {added} | {} | {:.0} | {:.1} | {:.0} | {:.2} | {:.2} | {:.0} | {busy} | {steal} |",
        res.name,
        res.rate(),
        res.p50_ms,
        res.p99_ms,
        res.max_ms,
        res.errors,
        res.cold_start_ms,
        res.peak_rss_kb as f64 / 1024.0,
        res.cpu_us_per_exchange,
        res.cpu_cores,
        res.calls_per_exchange(),
        res.cpu_us_per_call(),
    );
    if let Some(b) = res.db_bytes {
        eprintln!("  (sqlite file after the run: {:.1} KB for {chats} chats)", b as f64 / 1024.0);
    }
    eprintln!("  ({} Bot API calls in {:.1} s)", res.calls, res.seconds);
}

/// The median of each figure per target over `repeat` rounds.
pub fn print_medians(targets: &[String], repeat: usize, all: &[(RunResult, Option<EchoBaseline>)]) {
    println!();
    println!("Medians over {repeat} runs:");
    println!();
    println!(
        "| target | exchanges/s | ratio to echo | p50 ms | p99 ms | max ms | added p99 ms | cold start ms | peak RSS MB | bot CPU µs/exchange | API calls/exchange | bot CPU µs/call |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for target in targets {
        let runs: Vec<&(RunResult, Option<EchoBaseline>)> = all.iter().filter(|(r, _)| &r.name == target).collect();
        let of = |f: &dyn Fn(&RunResult) -> f64| median(runs.iter().map(|(r, _)| f(r)).collect()).unwrap_or(f64::NAN);
        // Ratio and added p99 are taken in each round against that round's echo, then the
        // median of those: the machine's noise moves both bots of a round together.
        let paired = |f: &dyn Fn(&RunResult, EchoBaseline) -> f64, format: &dyn Fn(f64) -> String| {
            median(runs.iter().filter_map(|(r, e)| e.map(|echo| f(r, echo))).collect()).map(format).unwrap_or_default()
        };
        println!(
            "| {target} | {:.0} | {} | {:.2} | {:.2} | {:.2} | {} | {:.0} | {:.1} | {:.0} | {:.2} | {:.0} |",
            of(&|r| r.rate()),
            paired(&|r, echo| r.rate() / echo.rate, &|v| format!("{v:.2}")),
            of(&|r| r.p50_ms),
            of(&|r| r.p99_ms),
            of(&|r| r.max_ms),
            paired(&|r, echo| r.p99_ms - echo.p99_ms, &|v| format!("{v:+.2}")),
            of(&|r| r.cold_start_ms),
            of(&|r| r.peak_rss_kb as f64 / 1024.0),
            of(&|r| r.cpu_us_per_exchange),
            of(&|r| r.calls_per_exchange()),
            of(&|r| r.cpu_us_per_call()),
        );
    }
}

/// The upper median (of two, the greater), as the tables have always shown it.
fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied()
}
