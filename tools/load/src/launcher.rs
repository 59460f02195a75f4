//! Starts the bot under test as a child process against the fake Bot API, and times its cold
//! start (spawn to first `getUpdates`).

use crate::E2eArgs;
use fake_bot_api::FakeBotApi;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// How long a bot may take to start polling before the run fails.
const START_BOUND: Duration = Duration::from_secs(10);

/// A bot running under the load tool (killed when dropped).
pub struct LaunchedBot {
    pub child: tokio::process::Child,
    pub pid: u32,
    pub cold_start_ms: f64,
}

/// The SQLite file of the `sqlite` target.
pub fn sqlite_file(args: &E2eArgs) -> PathBuf {
    args.tmp.join(format!("signpost-load-{}.db", std::process::id()))
}

/// Start `target` (echo, memory or sqlite) against `fake` and wait for its first poll. Its
/// stderr goes to `TMP/signpost-load-TARGET.log`.
pub async fn launch(args: &E2eArgs, target: &str, fake: &FakeBotApi) -> anyhow::Result<LaunchedBot> {
    let mut cmd = if target == "echo" {
        tokio::process::Command::new(&args.echo)
    } else {
        let mut c = tokio::process::Command::new(&args.signpost);
        let store = if target == "sqlite" {
            let db = sqlite_file(args);
            remove_sqlite(&db);
            format!("sqlite:{}", db.display())
        } else {
            "memory".to_string()
        };
        c.arg("run").arg("--store").arg(store);
        if !args.throttle {
            c.arg("--no-throttle");
        }
        c.arg("--flows").arg(&args.flows).arg("--config").arg(&args.config);
        c
    };
    let log = std::fs::File::create(args.tmp.join(format!("signpost-load-{target}.log")))?;
    cmd.env("TELOXIDE_TOKEN", "123:load-test")
        .env("TELOXIDE_API_URL", fake.url.as_str())
        // A persistent store needs a hash key (the memory store makes up its own).
        .env("SIGNPOST_HASH_KEY", "signpost-load-test-key-not-a-secret-0123456789abcdef")
        .env_remove("SIGNPOST_LOG")
        .env_remove("SIGNPOST_STORE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .kill_on_drop(true);
    let spawned = Instant::now();
    let mut child = cmd.spawn().map_err(|e| anyhow::anyhow!("cannot start the {target} bot: {e}"))?;
    let pid = child.id().unwrap_or(0);

    let first_poll = tokio::select! {
        at = fake.first_poll() => at,
        status = child.wait() => anyhow::bail!(
            "the {target} bot exited before polling: {} (see {}/signpost-load-{target}.log)",
            status.map_or_else(|e| e.to_string(), |s| s.to_string()),
            args.tmp.display()
        ),
        _ = tokio::time::sleep(START_BOUND) => anyhow::bail!("the {target} bot never polled"),
    };
    let cold_start_ms = first_poll.duration_since(spawned).as_secs_f64() * 1000.0;
    Ok(LaunchedBot { child, pid, cold_start_ms })
}

/// Delete an SQLite file and its journals.
fn remove_sqlite(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
}
