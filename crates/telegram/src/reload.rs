//! Reloading flows and config while the bot runs: validate first, swap only what loaded cleanly.
//!
//! One function, [`reload`], serves both SIGHUP (the live flows, for everyone) and the staff
//! sandbox's `/reload` (the draft flows, for sandbox-mode staff chats only). A broken edit never
//! replaces working content: the caller gets every located problem and the old content stays.
//! Sessions standing on a node that no longer exists are taken to their audience's start by the
//! engine, with a short note.

use super::sandbox::Sandbox;
use super::SharedContent;
use signpost_core::content::Content;
use signpost_core::diag::Diagnostic;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Load and validate `flows_dir` with `config_dir`. On success hand the new content to
/// `install` and return the warnings; on any error return every diagnostic and install nothing.
pub fn reload(
    flows_dir: &Path,
    config_dir: &Path,
    install: impl FnOnce(Arc<Content>),
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    let (content, warnings) = Content::load(flows_dir, config_dir)?;
    // Compiled before it serves anyone, so that the first message after a reload is not slowed.
    content.danger.compile().map_err(|d| vec![d])?;
    install(Arc::new(content));
    Ok(warnings)
}

/// [`reload`] into the live content every public chat reads.
pub fn reload_live(
    live: &SharedContent,
    flows_dir: &Path,
    config_dir: &Path,
) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
    reload(flows_dir, config_dir, |new| *live.write().unwrap_or_else(|e| e.into_inner()) = new)
}

/// On each SIGHUP: reload the live flows and config, and the staff list. Problems are logged
/// (they are about staff files, never user content) and the old content keeps serving.
#[cfg(unix)]
pub(crate) async fn on_hangup(live: SharedContent, sandbox: Arc<Sandbox>, flows_dir: PathBuf, config_dir: PathBuf) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = match signal(SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(cause = %e, "cannot listen for SIGHUP: flows will not reload");
            return;
        }
    };
    while hangups.recv().await.is_some() {
        let (live, sandbox, flows, config) = (live.clone(), sandbox.clone(), flows_dir.clone(), config_dir.clone());
        let done = tokio::task::spawn_blocking(move || {
            sandbox.reload_staff();
            reload_live(&live, &flows, &config)
        })
        .await;
        match done {
            Ok(Ok(warnings)) => {
                for w in &warnings {
                    tracing::warn!(diagnostic = %w, "flows reload");
                }
                tracing::info!(warnings = warnings.len(), "SIGHUP: flows and config reloaded");
            }
            Ok(Err(diags)) => {
                for d in &diags {
                    tracing::error!(diagnostic = %d, "flows reload");
                }
                tracing::error!(problems = diags.len(), "SIGHUP: reload refused; still serving the previous flows");
            }
            Err(e) => tracing::error!(cause = %e, "SIGHUP: reload task failed; still serving the previous flows"),
        }
    }
}
