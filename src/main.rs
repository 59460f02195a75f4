//! The `signpost` command: parse the command line, set up logging, call into the library.

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use signpost_core::content::Content;
use signpost_core::diag::Diagnostic;
use signpost_core::privacy::HashKey;
use signpost_staff::{self as sandbox, Clock};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// mimalloc rather than the system allocator: a Bot API call allocates and frees dozens of small
/// buffers, and glibc's free was the largest single cost in the bot's profile (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "signpost", version, about = "Signs of child exploitation, and who to contact, for people in England")]
struct Cli {
    /// Log format: text for people, json for log collectors. Logs never hold message text or raw ids.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Expect {
    /// Every message should get the emergency message first.
    Danger,
    /// No message should.
    Ordinary,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum GraphFormat {
    Mermaid,
    Dot,
}

impl From<GraphFormat> for sandbox::graph::Format {
    fn from(f: GraphFormat) -> Self {
        match f {
            GraphFormat::Mermaid => sandbox::graph::Format::Mermaid,
            GraphFormat::Dot => sandbox::graph::Format::Dot,
        }
    }
}

/// Options of `signpost run`.
#[derive(clap::Args, Debug, Clone)]
struct RunArgs {
    /// Serve a webhook at this public HTTPS URL instead of long polling. Needs
    /// SIGNPOST_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -), which Telegram sends back with every
    /// update; requests without it are refused.
    #[arg(long, value_name = "URL")]
    webhook_url: Option<reqwest::Url>,
    /// Where the webhook server listens (behind your HTTPS proxy).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Where conversations are kept: memory, sqlite:PATH or redis://HOST:PORT[?prefix=P].
    #[arg(long, value_name = "SPEC", env = "SIGNPOST_STORE", default_value = "sqlite:data/signpost.db")]
    store: String,
    /// Do not keep Telegram's limits on sending. Only for load tests against a fake Bot API
    /// server: against Telegram this gets the bot rate-limited. 429 (retry after) is still
    /// honoured.
    #[arg(long, env = "SIGNPOST_NO_THROTTLE")]
    no_throttle: bool,
}

/// A variable that is set to something other than spaces.
fn env_set(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// `signpost run`'s command line and environment, resolved: every variable is read here and
/// nowhere else.
fn run_config(args: RunArgs, dirs: &Dirs) -> Result<signpost_telegram::RunConfig> {
    let Some(token) = env_set("TELOXIDE_TOKEN") else {
        bail!("TELOXIDE_TOKEN is not set: set it to the bot token from @BotFather");
    };
    let api_url = match env_set("TELOXIDE_API_URL") {
        Some(u) => Some(u.trim().parse().context("TELOXIDE_API_URL is not a URL (for example http://127.0.0.1:8081)")?),
        None => None,
    };
    let webhook = match args.webhook_url {
        None => None,
        Some(url) => {
            let secret = std::env::var("SIGNPOST_WEBHOOK_SECRET").unwrap_or_default();
            if !signpost_telegram::valid_secret(&secret) {
                bail!("SIGNPOST_WEBHOOK_SECRET is not set: set it to 1-256 characters from A-Z, a-z, 0-9, _ and - (Telegram sends it with every update)");
            }
            Some(signpost_telegram::WebhookConfig { url, listen: args.listen, secret })
        }
    };
    let store = signpost_store::StoreSpec::parse(&args.store)?;
    // Sessions are stored under keyed hashes of chat ids, so a store that outlives the process
    // needs the same key after a restart: without one, every conversation would be lost and
    // redelivered updates answered twice.
    let hash_key = match env_set("SIGNPOST_HASH_KEY") {
        Some(secret) => HashKey::from_secret(&secret),
        None if store == signpost_store::StoreSpec::Memory => HashKey::for_this_process(),
        None => bail!(
            "SIGNPOST_HASH_KEY is not set: set it to a long random secret (e.g. `openssl rand -hex 32`) and keep it the same across restarts; it keeps chat ids out of storage and logs"
        ),
    };
    Ok(signpost_telegram::RunConfig {
        token: token.trim().to_string(),
        api_url,
        throttle: !args.no_throttle,
        webhook,
        store,
        hash_key,
        flows_dir: dirs.flows.clone(),
        config_dir: dirs.config.clone(),
    })
}

#[derive(clap::Args, Clone)]
struct Dirs {
    /// Directory of flow files.
    #[arg(long, default_value = "flows")]
    flows: PathBuf,
    /// Directory of config files (areas, contacts, danger patterns).
    #[arg(long, default_value = "config")]
    config: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Talk to the bot in this terminal (no Telegram token needed).
    Chat {
        #[command(flatten)]
        dirs: Dirs,
        /// Fix the clock, in UK time, e.g. 2026-11-23T21:00.
        #[arg(long)]
        at: Option<String>,
    },
    /// Check flows and config; print every problem as path:line:column: message.
    Check {
        #[command(flatten)]
        dirs: Dirs,
    },
    /// Run conversation transcripts.
    Test {
        #[command(flatten)]
        dirs: Dirs,
        /// Transcript files or directories (default tests/conversations).
        paths: Vec<PathBuf>,
        /// List every node and button no transcript reaches.
        #[arg(long)]
        coverage: bool,
        /// Print what each turn costs the reader: messages, characters, phone screens, 999
        /// lines, and the actions it took to reach each answer.
        #[arg(long)]
        report: bool,
    },
    /// Run the Telegram bot (long polling, or a webhook with --webhook-url).
    Run {
        #[command(flatten)]
        dirs: Dirs,
        #[command(flatten)]
        args: RunArgs,
    },
    /// Draw the flows as a map (Mermaid renders on Git forges; DOT renders with `dot -Tsvg`).
    Graph {
        #[command(flatten)]
        dirs: Dirs,
        #[arg(long, value_enum, default_value = "mermaid")]
        format: GraphFormat,
        /// Only this flow (edges into other flows are shown as references).
        #[arg(long)]
        flow: Option<String>,
    },
    /// Show whether a message gets the emergency message first, and why: the cues found, what
    /// calmed any of them, and the rule that fired.
    Danger {
        #[command(flatten)]
        dirs: Dirs,
        /// The message, as a user would type it.
        #[arg(required_unless_present_any = ["file", "train", "cross_validate"])]
        text: Option<String>,
        /// Read many messages instead, one per line or `voice<TAB>where<TAB>message`, and say
        /// how many get the emergency message first. `where` is `first`, `mid` or a question
        /// (tests/danger/blind/README.md): a message is typed at its question, through the
        /// engine; `mid` and bare messages go to the danger check alone.
        #[arg(long, conflicts_with = "text")]
        file: Option<PathBuf>,
        /// With --file: what every message should get; the ones that do not are listed.
        #[arg(long, value_enum, requires = "file")]
        expect: Option<Expect>,
        /// Fit the learned net on the tables in these folders (`*-danger.tsv`,
        /// `*-ordinary.tsv`) and write it to the config folder's danger-net.tsv (or --out).
        /// The shipped net: `--train tests/danger/blind tests/danger/written`.
        #[arg(long, num_args = 1.., conflicts_with_all = ["text", "file", "cross_validate"])]
        train: Vec<PathBuf>,
        /// With --train: where to write the net.
        #[arg(long, requires = "train")]
        out: Option<PathBuf>,
        /// With --train: the score at which the net fires (default: the shipped net's).
        #[arg(long, requires = "train")]
        threshold: Option<f64>,
        /// Leave each set of the tables in these folders out in turn, fit the net on the rest,
        /// and print recall and false alarms on the set left out, by threshold.
        #[arg(long, num_args = 1.., conflicts_with_all = ["text", "file"])]
        cross_validate: Vec<PathBuf>,
    },
    /// Show how what a user typed is routed to an area, and the contacts it gives.
    Route {
        #[command(flatten)]
        dirs: Dirs,
        /// What the user typed: a town, county, postcode or "I don't know".
        typed: String,
        /// UK time, e.g. 2026-12-25T10:00.
        #[arg(long)]
        at: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Libraries are capped at warn whatever SIGNPOST_LOG says: at debug or trace an HTTP client
    // may log request bodies, and those hold what users typed.
    let wanted = std::env::var("SIGNPOST_LOG").unwrap_or_else(|_| "warn".into());
    let capped = format!("{wanted},teloxide=warn,teloxide_core=warn,reqwest=warn,hyper=warn,hyper_util=warn,h2=warn,axum=warn,tower=warn,rustls=warn,redis=warn,rusqlite=warn");
    let filter = tracing_subscriber::EnvFilter::try_new(capped).unwrap_or_else(|_| "warn".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.init(),
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("signpost: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn clock(at: Option<&str>) -> Result<Clock> {
    Ok(match at {
        Some(at) => {
            Clock::Fixed(signpost_core::routing::parse_uk_local(at).map_err(anyhow::Error::msg).context("--at")?)
        }
        None => Clock::Real,
    })
}

/// Load flows and config; on errors print every one and fail with a one-line summary.
fn load(dirs: &Dirs) -> Result<Content> {
    match Content::load(&dirs.flows, &dirs.config) {
        Ok((content, warnings)) => {
            print_diags(&warnings);
            Ok(content)
        }
        Err(diags) => {
            print_diags(&diags);
            let n = diags.iter().filter(|d| d.is_error()).count();
            bail!("{n} error(s) in {} / {}", dirs.flows.display(), dirs.config.display())
        }
    }
}

fn print_diags(diags: &[Diagnostic]) {
    for d in diags {
        eprintln!("{d}");
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Chat { dirs, at } => {
            let clock = clock(at.as_deref())?;
            let content = load(&dirs)?;
            let danger = content.danger.clone();
            std::thread::spawn(move || danger.compile());
            let stdin = std::io::stdin();
            let interactive = stdin.is_terminal();
            sandbox::chat::run(&content, clock, stdin.lock(), std::io::stdout().lock(), interactive)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { dirs } => match Content::load(&dirs.flows, &dirs.config)
            .and_then(|(c, w)| c.danger.compile().map(|()| (c, w)).map_err(|d| vec![d]))
        {
            Ok((content, warnings)) => {
                print_diags(&warnings);
                // The bot reads the sector lines at the first postcode; check reads them all now.
                let index = content.router.index().check();
                if !index.is_empty() {
                    print_diags(&index);
                    eprintln!("{} error(s)", index.len());
                    return Ok(ExitCode::FAILURE);
                }
                println!(
                    "ok: {} flows, {} nodes, {} signs, {} areas, postcode index {} ({} sectors) ({} warning(s))",
                    content.flows.flows.len(),
                    content.flows.nodes.len(),
                    content.flows.signs.len(),
                    content.router.areas().len(),
                    content.router.index().edition(),
                    content.router.index().sector_count(),
                    warnings.len()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(diags) => {
                print_diags(&diags);
                let n = diags.iter().filter(|d| d.is_error()).count();
                eprintln!("{n} error(s)");
                Ok(ExitCode::FAILURE)
            }
        },
        Command::Test { dirs, paths, coverage, report } => {
            let content = load(&dirs)?;
            let default = [PathBuf::from("tests/conversations")];
            let paths: Vec<&Path> = if paths.is_empty() {
                default.iter().map(PathBuf::as_path).collect()
            } else {
                paths.iter().map(PathBuf::as_path).collect()
            };
            let files = sandbox::transcript::collect(&paths).map_err(|d| {
                print_diags(&d);
                anyhow::anyhow!("cannot read the transcripts")
            })?;
            let mut outcomes = Vec::new();
            let mut failed = 0;
            for file in &files {
                match sandbox::transcript::run(&content, file) {
                    Ok(o) => {
                        if o.passed() {
                            println!("ok   {} ({})", o.name, o.origin);
                        } else {
                            failed += 1;
                            println!("FAIL {} ({})", o.name, o.origin);
                            for f in &o.failures {
                                println!("  {f}");
                            }
                            println!("  --- transcript (expected and actual) ---\n{}", indent(&o.report));
                        }
                        if report {
                            print_report(&o);
                        }
                        outcomes.push(o);
                    }
                    Err(d) => {
                        failed += 1;
                        println!("FAIL {d}");
                    }
                }
            }
            if coverage {
                let gaps = sandbox::transcript::uncovered(&content, &outcomes);
                if gaps.is_empty() {
                    println!("coverage: every node and button is reached");
                } else {
                    println!("coverage: {} gap(s)", gaps.len());
                    for g in gaps {
                        println!("  {g}");
                    }
                }
            }
            println!("{} passed, {} failed", files.len() - failed, failed);
            Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Run { dirs, args } => {
            let config = run_config(args, &dirs)?;
            let content = load(&dirs)?;
            // The danger cues compile and the postcode sectors are read while the bot connects,
            // so the first message is quick too; one that comes sooner waits for them.
            let danger = content.danger.clone();
            std::thread::spawn(move || danger.compile());
            let router = content.router.clone();
            std::thread::spawn(move || router.index().warm());
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
            // On a worker thread, not the thread that calls block_on: the loop wakes for every
            // finished update, and waking a worker is far cheaper than unparking this thread.
            let bot = runtime.spawn(signpost_telegram::run(config, content));
            runtime.block_on(bot).context("the bot stopped unexpectedly")??;
            Ok(ExitCode::SUCCESS)
        }
        Command::Graph { dirs, format, flow } => {
            let content = load(&dirs)?;
            let out =
                sandbox::graph::render(&content.flows, format.into(), flow.as_deref()).map_err(anyhow::Error::msg)?;
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Danger { dirs, text, file, expect, train, out, threshold, cross_validate } => {
            if !train.is_empty() {
                return danger_train(&dirs, &train, out, threshold);
            }
            if !cross_validate.is_empty() {
                return danger_cross_validate(&dirs, &cross_validate);
            }
            match (text, file) {
                // A set is typed at the flows' questions, so it needs the flows as well as the cues.
                (None, Some(file)) => danger_file(&load(&dirs)?, &file, expect),
                (Some(text), _) => {
                    print!("{}", explain(&danger_detector(&dirs, true)?.explain(&text)));
                    Ok(ExitCode::SUCCESS)
                }
                (None, None) => unreachable!("clap requires one"),
            }
        }
        Command::Route { dirs, typed, at } => {
            let now = clock(at.as_deref())?.now();
            let (router, warnings) = signpost_core::routing::Router::load_dir(&dirs.config).map_err(|d| {
                print_diags(&d);
                anyhow::anyhow!("config errors in {}", dirs.config.display())
            })?;
            print_diags(&warnings);
            println!("{}", router.explain(&typed, now));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The danger cues alone, without the flows, and the learned net under them when `with_net`
/// and the config folder has one.
fn danger_detector(dirs: &Dirs, with_net: bool) -> Result<signpost_core::safety::DangerDetector> {
    use signpost_core::safety::{DangerDetector, Net, NET_FILE};
    let read = |name: &str| -> Result<(String, String)> {
        let path = dirs.config.join(name);
        let origin = path.display().to_string();
        let src = std::fs::read_to_string(&path).with_context(|| format!("cannot read {origin}"))?;
        Ok((src, origin))
    };
    let (src, origin) = read("danger.yaml")?;
    let detector = DangerDetector::from_str(&src, &origin).map_err(|d| {
        print_diags(&d);
        anyhow::anyhow!("errors in {origin}")
    })?;
    if !with_net || !dirs.config.join(NET_FILE).exists() {
        return Ok(detector);
    }
    let (src, origin) = read(NET_FILE)?;
    let net = Net::from_str(&src, &origin).map_err(|d| {
        print_diags(&d);
        anyhow::anyhow!("errors in {origin}")
    })?;
    Ok(detector.with_net(Some(net)))
}

/// The tables of some folders, `*-danger.tsv` and `*-ordinary.tsv`, folder by folder in name
/// order. A folder without a table is an error: a mistyped path must not train a smaller net.
fn net_examples(dirs: &[PathBuf]) -> Result<Vec<sandbox::net_train::Example>> {
    let mut files = Vec::new();
    for dir in dirs {
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| sandbox::net_train::table_kind(n).is_some())
            })
            .collect();
        if names.is_empty() {
            bail!("{} holds no *-danger.tsv or *-ordinary.tsv tables", dir.display());
        }
        names.sort();
        for p in names {
            let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
            files.push((p.display().to_string(), text));
        }
    }
    sandbox::net_train::examples(&files).map_err(|d| {
        print_diags(&d);
        anyhow::anyhow!("the tables cannot be read")
    })
}

/// `signpost danger --train DIR`: fit the net on the tables and write it.
fn danger_train(dirs: &Dirs, tables: &[PathBuf], out: Option<PathBuf>, threshold: Option<f64>) -> Result<ExitCode> {
    use sandbox::net_train::{self, Fit};
    let examples = net_examples(tables)?;
    let threshold = match threshold {
        Some(t) if (0.0..=1.0).contains(&t) => t,
        Some(t) => bail!("--threshold {t} is not between 0 and 1"),
        None => danger_detector(dirs, true)?.net().map_or(net_train::THRESHOLD, |n| n.threshold()),
    };
    let all: Vec<&net_train::Example> = examples.iter().collect();
    let net = net_train::train(&all, Fit::default(), threshold);
    let out = out.unwrap_or_else(|| dirs.config.join(signpost_core::safety::NET_FILE));
    std::fs::write(&out, net.to_file(net_train::HEADER)).with_context(|| format!("cannot write {}", out.display()))?;
    let danger = examples.iter().filter(|e| e.danger).count();
    let ordinary = examples.len() - danger;
    println!(
        "fitted on {danger} danger and {ordinary} ordinary lines; wrote {} (threshold {threshold})",
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `signpost danger --cross-validate DIR`: each set left out in turn, by threshold.
fn danger_cross_validate(dirs: &Dirs, tables: &[PathBuf]) -> Result<ExitCode> {
    use sandbox::net_train::{self, Fit};
    let examples = net_examples(tables)?;
    let rules = danger_detector(dirs, false)?;
    let scored = net_train::cross_validate(&examples, Fit::default(), |e| rules.rules_fire(&e.prepared));
    println!("each set left out in turn, the net fitted on the others; the rules were tuned on every");
    println!("set, so the figures with the rules flatter them");
    println!("threshold  net recall  net false alarms  with the rules: recall  false alarms");
    for t in [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95] {
        let a = net_train::at_threshold(&scored, t);
        println!(
            "{:>9}  {:>9.1}%  {:>15.1}%  {:>21.1}%  {:>11.1}%",
            t,
            100.0 * a.net_recall,
            100.0 * a.net_false,
            100.0 * a.both_recall,
            100.0 * a.both_false
        );
    }
    println!();
    println!(
        "calming a rule's alarm (not a firm rule's) when the held-out net scores a message of at least {} words below:",
        net_train::CALM_MIN_WORDS
    );
    for below in [0.005, 0.01, 0.02, 0.05, 0.1] {
        let v = net_train::veto(&scored, below, net_train::CALM_MIN_WORDS);
        let shipped = if below == net_train::CALM_BELOW { "  (the shipped calm_below)" } else { "" };
        println!(
            "{:>6}  calms {} of {} danger lines the rules catch, and {} of {} of their false alarms{shipped}",
            below, v.danger_calmed, v.danger_by_rules, v.false_calmed, v.false_by_rules
        );
    }
    let lost: Vec<&net_train::Scored> =
        scored.iter().filter(|s| s.danger && s.calmed(net_train::CALM_BELOW, net_train::CALM_MIN_WORDS)).collect();
    if !lost.is_empty() {
        println!("danger lines the shipped calm_below would calm (held out):");
        for s in lost {
            println!("  {}: {:.3}  {}", s.set, s.score, s.prepared);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `signpost danger "<text>"`: the verdict, how the text was read, and every cue.
fn explain(v: &signpost_core::safety::Verdict) -> String {
    let mut out = match &v.rule {
        Some(rule) => format!("FIRES: the emergency message comes first (rule \"{rule}\")\n"),
        None => match &v.overruled {
            Some(rule) => format!(
                "calm: rule \"{rule}\" fired, but the learned net is sure this long message is ordinary, so the flow answers as usual (every reply still offers 999)\n"
            ),
            None => "calm: no rule fires, so the flow answers as usual (every reply still offers 999)\n".to_string(),
        },
    };
    out.push_str(&format!("read as: {}\n", v.prepared));
    if v.cues.is_empty() {
        out.push_str("cues: none\n");
    } else {
        out.push_str("cues:\n");
        let width = v.cues.iter().map(|c| c.family.len()).max().unwrap_or(0);
        for c in &v.cues {
            let calmed = c.calmed_by.as_ref().map(|by| format!("  (calmed by {by})")).unwrap_or_default();
            out.push_str(&format!("  {:width$}  \"{}\"{calmed}\n", c.family, c.words));
        }
    }
    if let Some(n) = &v.net {
        let verdict = if n.too_short {
            "not read: too few words, the rules alone decide"
        } else if n.calms {
            "sure it is ordinary: it would calm a rule that is not firm"
        } else if n.fires() {
            "fires"
        } else {
            "calm"
        };
        out.push_str(&format!("learned net: {:.2} (fires at {}): {verdict}\n", n.score, n.threshold));
        for l in &n.leans {
            out.push_str(&format!("  {:+.2}  {} \"{}\"\n", l.weight, l.kind.tag(), l.feature));
        }
    }
    out
}

/// `signpost danger --file F`: how many of a file's messages fire, typed where the file says
/// they were (see [`sandbox::danger_set`]), for each place and in all, and which are not as
/// expected.
fn danger_file(content: &Content, file: &Path, expect: Option<Expect>) -> Result<ExitCode> {
    use sandbox::danger_set::{self, DangerSet};
    let origin = file.display().to_string();
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {origin}"))?;
    let now = Clock::Real.now();
    let (lines, mut errors) = danger_set::parse(&text, &origin);
    let set = DangerSet::resolve(lines, &origin, content, now).map_err(|d| errors.extend(d)).ok();
    let set = match set {
        Some(set) if errors.is_empty() => set,
        _ => {
            errors.sort_by_key(|d| d.line);
            print_diags(&errors);
            bail!("{} line(s) of {origin} cannot be measured", errors.len());
        }
    };
    let measured = set.measure(content, now).map_err(|d| anyhow::anyhow!("{d}"))?;
    let (total, mut fired, mut wrong) = (measured.len(), 0, 0);
    for m in &measured {
        fired += usize::from(m.fires);
        if expect.is_some_and(|e| m.fires != (e == Expect::Danger)) {
            wrong += 1;
            println!("{}: {}", if m.fires { "fires" } else { "calm " }, m.message);
        }
    }
    let pct = |n: usize| if total == 0 { 0.0 } else { 100.0 * n as f64 / total as f64 };
    println!("{fired} of {total} fire ({:.1}%)", pct(fired));
    if expect.is_some() {
        println!("{wrong} not as expected ({:.1}%)", pct(wrong));
    }
    println!("fired, by where it was typed:");
    for (place, fired, total) in danger_set::by_place(&measured) {
        println!("  {} {fired}/{total}", place.key());
    }
    Ok(if wrong == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// `signpost test --report`: each turn of a transcript, and a summary line.
fn print_report(o: &sandbox::transcript::Outcome) {
    use sandbox::transcript::{SCREEN_COLUMNS, SCREEN_LINES};
    println!("     turn: messages, characters, screens ({SCREEN_COLUMNS}x{SCREEN_LINES}), 999 lines");
    for t in &o.turns {
        let answer = t.answer_after.map(|n| format!("  <- answer, {n} actions after /start")).unwrap_or_default();
        println!(
            "     step {:>2}: {} msg, {:>4} chars, {} screen(s), {} 999 line(s)  {}{answer}",
            t.step, t.messages, t.chars, t.screens, t.lines_999, t.action
        );
    }
    let answers: Vec<_> = o.turns.iter().filter(|t| t.answer_after.is_some()).collect();
    let most_999 = o.turns.iter().map(|t| t.lines_999).max().unwrap_or(0);
    if let Some(first) = answers.first() {
        println!(
            "     first answer: {} actions, {} msg, {} chars, {} screen(s); most 999 lines in a turn: {most_999}",
            first.answer_after.unwrap_or(0),
            first.messages,
            first.chars,
            first.screens
        );
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}
