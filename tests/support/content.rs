//! The content the tests run, and where it lives: the shipped `flows/` and `config/`, and the
//! fixtures in `tests/fixtures/`. Shared content is loaded once per test run.
//!
//! - `tests/fixtures/flows/`: the engine's fixture flows (engine, graph, property, CLI tests),
//!   run with the shipped config.
//! - `tests/fixtures/bot/`: a tiny flow (`flows/`), a broken draft of it (`broken/`) and two
//!   routing configs for the bot tests (adapter, faults, bad input, restarts, staff sandbox):
//!   `config/` has only the national route; `config-office-hours/` adds a day line with office
//!   hours, so the sandbox clock visibly changes which number comes first. Both run with the
//!   shipped danger patterns and bot settings.
//! - `tests/fixtures/sources/`: a copy of the project's source material for the routing facts.

#![allow(dead_code)] // Each test uses a different part.

use signpost_core::content::{ConfigSources, Content};
use signpost_core::diag::Diagnostic;
use signpost_core::routing::Router;
use signpost_core::source::SourceFile;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The shipped config files the bot fixtures borrow: the danger patterns and the bot settings.
const SHIPPED_FOR_THE_BOT: [&str; 2] = ["danger.yaml", "bot.yaml"];

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn shipped_flows() -> PathBuf {
    root().join("flows")
}

pub fn shipped_config() -> PathBuf {
    root().join("config")
}

/// A path inside `tests/fixtures/`.
pub fn fixtures(path: &str) -> PathBuf {
    root().join("tests/fixtures").join(path)
}

/// Which routing a bot fixture runs with.
#[derive(Debug, Clone, Copy)]
pub enum BotRouting {
    /// Only the national route (`tests/fixtures/bot/config/`).
    National,
    /// The national route with a council day line first (`tests/fixtures/bot/config-office-hours/`).
    OfficeHours,
}

impl BotRouting {
    pub fn dir(self) -> PathBuf {
        match self {
            BotRouting::National => fixtures("bot/config"),
            BotRouting::OfficeHours => fixtures("bot/config-office-hours"),
        }
    }
}

fn listed(diags: &[Diagnostic]) -> String {
    diags.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")
}

/// The shipped `flows/` and `config/`, as the bot serves them.
pub fn shipped() -> &'static Content {
    static SHIPPED: OnceLock<Content> = OnceLock::new();
    SHIPPED.get_or_init(|| match Content::load(&shipped_flows(), &shipped_config()) {
        Ok((content, _warnings)) => content,
        Err(diags) => panic!("the shipped flows must load:\n{}", listed(&diags)),
    })
}

/// The engine's fixture flows (`tests/fixtures/flows/`) with the shipped config.
pub fn fixture() -> &'static Content {
    static FIXTURE: OnceLock<Content> = OnceLock::new();
    FIXTURE.get_or_init(|| match Content::load(&fixtures("flows"), &shipped_config()) {
        Ok((content, _warnings)) => content,
        Err(diags) => panic!("fixture flows must load: {diags:#?}"),
    })
}

/// The bot fixture: the tiny flow and the national routing from `tests/fixtures/bot/`, with the
/// shipped danger patterns and settings. A copy of its own for each bot.
pub fn bot() -> Content {
    static BOT: OnceLock<Content> = OnceLock::new();
    BOT.get_or_init(|| {
        let files = signpost_core::flow::load_dir(&fixtures("bot/flows")).expect("fixture flows");
        let (router, _) = Router::load_dir(&BotRouting::National.dir()).expect("fixture routing config");
        let read = |name: &str| {
            let path = shipped_config().join(name);
            SourceFile::new(path.display().to_string(), std::fs::read_to_string(&path).expect("shipped config"))
        };
        let sources = ConfigSources {
            danger: read("danger.yaml"),
            danger_net: Some(read(signpost_core::safety::NET_FILE)),
            bot: Some(read("bot.yaml")),
        };
        match Content::from_sources(&files, router, sources) {
            Ok((content, _)) => content,
            Err(diags) => panic!("fixture content: {diags:#?}"),
        }
    })
    .clone()
}

/// The router of the shipped `config/` alone (the routing tests need no flows).
pub fn router() -> &'static Router {
    static ROUTER: OnceLock<Router> = OnceLock::new();
    ROUTER.get_or_init(|| match Router::load_dir(&shipped_config()) {
        Ok((router, _warnings)) => router,
        Err(diags) => panic!("config/ does not load:\n{}", listed(&diags)),
    })
}

/// Copy the files of `from` into `to` (created if need be).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

/// Write the bot fixture's config into `to`, the layout `signpost run --config` reads: `routing`,
/// and the shipped danger patterns and bot settings.
pub fn write_bot_config(to: &Path, routing: BotRouting) {
    copy_dir(&routing.dir(), to);
    for name in SHIPPED_FOR_THE_BOT {
        std::fs::copy(shipped_config().join(name), to.join(name)).unwrap();
    }
}
