//! `sessions`: memory per idle session in the memory store (RSS, with the bot's allocator) and
//! bytes per session on disk in SQLite, filled with chat states as real conversations leave
//! them.

use crate::proc_reader::settled_rss_kb;
use crate::scripts::{scripts, Press, Text};
use crate::SessionsArgs;
use chrono::Utc;
use signpost_core::content::Content;
use signpost_core::engine::{step, Effect, Input, Session};
use signpost_core::privacy::HashKey;
use signpost_store::{BlobStore, MemoryStore, SqliteStore};
use signpost_telegram::chat_state::{self, ChatState};
use signpost_telegram::split::split_reply;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Chat states as they are after real conversations: the engine run along the scripts, with
/// the message ids a chat of that length records.
fn realistic_states(content: &Content) -> Vec<ChatState> {
    let now = Utc::now();
    let mut out = Vec::new();
    for script in scripts() {
        let mut session = Session::default();
        let mut ids = Vec::new();
        let mut next_id = 5_000;
        let mut buttons: Vec<(String, String)> = Vec::new();
        for act in script {
            let (s, effects) = match act {
                Text(t) => {
                    ids.push(next_id);
                    next_id += 1;
                    step(content, &session, Input::Text(t), now)
                }
                Press(prefs) => {
                    let data = prefs
                        .iter()
                        .find_map(|p| buttons.iter().find(|(l, _)| l.contains(p)))
                        .or(buttons.first())
                        .map(|(_, d)| d.clone())
                        .unwrap_or_default();
                    step(content, &session, Input::Button(&data), now)
                }
            };
            session = s;
            for r in effects.iter().filter_map(|e| e.reply()) {
                for _ in split_reply(&r.text) {
                    ids.push(next_id);
                    next_id += 1;
                }
                buttons = r.buttons.iter().map(|b| (b.label.clone(), b.data.clone())).collect();
            }
            if effects.iter().any(|e| matches!(e, Effect::ClearChat)) {
                ids.clear();
            }
            out.push(ChatState {
                session: session.clone(),
                message_ids: ids.clone(),
                last_update_id: Some(900_000_000),
                created_at: now.timestamp() - 600,
                updated_at: now.timestamp(),
                ..ChatState::default()
            });
        }
    }
    out
}

pub fn sessions(args: SessionsArgs) -> anyhow::Result<()> {
    let (content, _) = Content::load(&args.flows, &args.config)
        .map_err(|d| anyhow::anyhow!("the flows do not load ({} problems)", d.len()))?;
    let states = realistic_states(&content);
    let blobs: Vec<Vec<u8>> = states.iter().map(chat_state::encode).collect::<Result<_, _>>()?;
    let json: usize = states.iter().map(|s| serde_json::to_string(s).map(|j| j.len()).unwrap_or(0)).sum();
    let ids: usize = states.iter().map(|s| s.message_ids.len()).sum();
    println!(
        "{} distinct realistic chat states: {:.0} bytes of JSON and {:.1} message ids on average",
        states.len(),
        json as f64 / states.len() as f64,
        ids as f64 / states.len() as f64
    );
    let key = HashKey::from_secret("load");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let ttl = signpost_store::DEFAULT_TTL;
        let before = settled_rss_kb();
        let store = MemoryStore::new(ttl);
        for i in 0..args.count {
            store.save(&key.tag(i as i64), &blobs[i % blobs.len()], None).await?;
        }
        let after = settled_rss_kb();
        println!(
            "memory store: {} idle sessions; RSS {:.1} MB before, {:.1} MB after: {:.0} bytes per session (the process holds the loaded flows too)",
            store.len(),
            before as f64 / 1024.0,
            after as f64 / 1024.0,
            (after.saturating_sub(before) * 1024) as f64 / args.count as f64
        );
        drop(store);

        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", args.sqlite.display()));
        }
        let store = SqliteStore::open(&args.sqlite, ttl)?;
        let t = Instant::now();
        for i in 0..args.count {
            store.save(&key.tag(i as i64), &blobs[i % blobs.len()], None).await?;
        }
        let secs = t.elapsed().as_secs_f64();
        drop(store); // closing checkpoints the WAL into the file
        let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let wal = PathBuf::from(format!("{}-wal", args.sqlite.display()));
        let bytes = size(&args.sqlite) + size(&wal);
        println!(
            "sqlite store: {} sessions in {:.1} MB ({} + WAL): {:.0} bytes per session; {:.0} inserts/s one at a time",
            args.count,
            bytes as f64 / 1e6,
            args.sqlite.display(),
            bytes as f64 / args.count as f64,
            args.count as f64 / secs
        );
        Ok::<_, anyhow::Error>(())
    })
}
