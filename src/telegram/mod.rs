//! The Telegram adapter (being written): Update -> engine input, effects -> Bot API calls.

use crate::content::Content;
use std::path::PathBuf;

/// Options of `signpost run`.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {}

pub async fn run(_args: RunArgs, _content: Content, _flows: PathBuf, _config: PathBuf) -> anyhow::Result<()> {
    anyhow::bail!("the Telegram adapter is not built yet")
}
