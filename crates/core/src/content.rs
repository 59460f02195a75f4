//! Everything the engine reads, loaded and validated together: flows, areas and contacts, danger
//! patterns and bot settings. `load` reads the directories; `from_sources` is pure.
//!
//! Loading either yields a complete, checked [`Content`] or every located problem at once. A
//! running bot swaps in a new `Content` only when it loaded without errors, so a broken edit
//! never reaches the public.

use crate::diag::{has_errors, Diagnostic, Location};
use crate::flow::{self, Flows, ValidateContext};
use crate::routing::Router;
use crate::safety::{self, DangerDetector, Net};
use crate::source::SourceFile;
use crate::yaml;
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;
use std::path::Path;

/// Bot settings from `config/bot.yaml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// How long an idle conversation is kept before it starts fresh. 48 hours is also as long as
    /// Telegram lets a bot delete a user's messages, so quick exit works for a whole session.
    #[serde(default = "default_idle_hours")]
    pub session_idle_hours: u32,
}

fn default_idle_hours() -> u32 {
    48
}

impl Default for Settings {
    fn default() -> Self {
        Settings { session_idle_hours: default_idle_hours() }
    }
}

#[derive(Debug, Clone)]
pub struct Content {
    pub flows: Flows,
    pub router: Router,
    pub danger: DangerDetector,
    pub settings: Settings,
}

/// The config files `from_sources` needs besides the router's own.
pub struct ConfigSources {
    pub danger: SourceFile,
    /// The learned net under the cues (`danger-net.tsv`); without it only the rules decide.
    pub danger_net: Option<SourceFile>,
    pub bot: Option<SourceFile>,
}

impl Content {
    /// Read and validate `flows_dir` and `config_dir`. `Ok` carries warnings; `Err` carries
    /// every diagnostic (with at least one error).
    pub fn load(flows_dir: &Path, config_dir: &Path) -> Result<(Content, Vec<Diagnostic>), Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let router = match Router::load_dir(config_dir) {
            Ok((r, w)) => {
                diags.extend(w);
                Some(r)
            }
            Err(d) => {
                diags.extend(d);
                None
            }
        };
        let read = |name: &str| -> Result<SourceFile, Diagnostic> {
            let path = config_dir.join(name);
            let origin = path.display().to_string();
            std::fs::read_to_string(&path)
                .map(|text| SourceFile::new(origin.clone(), text))
                .map_err(|e| Location::file(&origin).error(format!("cannot read: {e}")))
        };
        let danger = read("danger.yaml").map_err(|d| diags.push(d)).ok();
        let bot = config_dir.join("bot.yaml").exists().then(|| read("bot.yaml")).transpose();
        let bot = bot.map_err(|d| diags.push(d)).ok().flatten();
        let net = config_dir.join(safety::NET_FILE).exists().then(|| read(safety::NET_FILE)).transpose();
        let danger_net = net.map_err(|d| diags.push(d)).ok().flatten();
        let files = match flow::load_dir(flows_dir) {
            Ok(f) => f,
            Err(d) => {
                diags.extend(d);
                return Err(diags);
            }
        };
        let (Some(router), Some(danger)) = (router, danger) else {
            return Err(diags);
        };
        match Content::from_sources(&files, router, ConfigSources { danger, danger_net, bot }) {
            Ok((c, w)) => {
                diags.extend(w);
                if has_errors(&diags) {
                    Err(diags)
                } else {
                    Ok((c, diags))
                }
            }
            Err(d) => {
                diags.extend(d);
                Err(diags)
            }
        }
    }

    /// Validate flows against an already-loaded router and the other config files.
    pub fn from_sources(
        flow_files: &[SourceFile],
        router: Router,
        config: ConfigSources,
    ) -> Result<(Content, Vec<Diagnostic>), Vec<Diagnostic>> {
        let mut diags = Vec::new();
        // The danger cues are read on a second thread while the flows are validated: each is
        // about half of loading, and neither needs the other.
        let (danger, (flows, fd)) = std::thread::scope(|scope| {
            let danger = scope.spawn(|| {
                let net = match &config.danger_net {
                    Some(f) => Some(Net::from_str(&f.text, &f.origin)?),
                    None => None,
                };
                Ok::<_, Vec<Diagnostic>>(
                    DangerDetector::from_str(&config.danger.text, &config.danger.origin)?.with_net(net),
                )
            });
            let flows = flow::validate(flow_files, &validate_context(&router));
            (danger.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), flows)
        });
        let danger = danger.map_err(|d| diags.extend(d)).ok();
        let settings = match &config.bot {
            Some(f) => yaml::from_str::<Settings>(&f.text, &f.origin).map_err(|d| diags.push(d)).ok(),
            None => Some(Settings::default()),
        };
        diags.extend(fd);
        match (flows, danger, settings) {
            (Some(flows), Some(danger), Some(settings)) if !has_errors(&diags) => {
                Ok((Content { flows, router, danger, settings }, diags))
            }
            _ => Err(diags),
        }
    }
}

/// What the flow validator needs from the router: area ids and the longest texts it renders.
fn validate_context(router: &Router) -> ValidateContext {
    let mut areas: Vec<String> = router.areas().iter().map(|a| a.id.to_string()).collect();
    areas.sort();
    // The longest contact block over every area, audience and a week of times (opening hours
    // change which line comes first, not which lines appear, but measure rather than assume).
    let mut max_contacts_chars = 0;
    let week_start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
    let mut area_ids: Vec<Option<&crate::routing::AreaId>> = router.areas().iter().map(|a| Some(&a.id)).collect();
    area_ids.push(None);
    let councils = router.longest_councils();
    for area in area_ids {
        for young in [false, true] {
            for hour in (0..24 * 7).step_by(5) {
                let at = week_start + chrono::Duration::hours(hour);
                max_contacts_chars = max_contacts_chars.max(router.contact_block(area, young, at).chars().count());
                if area.is_none() {
                    let longest = router.contact_block_for(area, &councils, young, at).chars().count();
                    max_contacts_chars = max_contacts_chars.max(longest);
                }
            }
        }
    }
    ValidateContext {
        areas,
        max_area_label_chars: router.areas().iter().map(|a| a.label.chars().count()).max().unwrap_or(0),
        max_contacts_chars,
        footer_chars: safety::FOOTER.chars().count() + 2,
    }
}
