//! Engine speed: one step, loading and validating flows, routing a postcode (and one lookup in
//! the postcode index, and parsing it), and the danger
//! check on a 4,096-character message. Run with `cargo bench`; results in BENCHMARKS.md.

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use signpost_core::content::Content;
use signpost_core::engine::{step, Input, Session};
use signpost_core::routing::postcode::Postcode;
use signpost_core::routing::PostcodeIndex;
use std::hint::black_box;
use std::path::{Path, PathBuf};

/// The shipped flows and config, as the bot serves them.
fn dirs() -> (PathBuf, PathBuf) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    (root.join("flows"), root.join("config"))
}

fn benches(c: &mut Criterion) {
    let (flows, config) = dirs();
    let (content, _) = Content::load(&flows, &config).expect("flows load");
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0).unwrap();
    let (started, effects) = step(&content, &Session::default(), Input::Text("/start"), now);
    let first_button = effects
        .iter()
        .filter_map(|e| e.reply())
        .flat_map(|r| r.buttons.iter())
        .nth(1)
        .expect("the start has buttons")
        .data
        .clone();

    c.bench_function("engine step: button press", |b| {
        b.iter(|| step(black_box(&content), black_box(&started), Input::Button(&first_button), now))
    });
    c.bench_function("engine step: typed text", |b| {
        b.iter(|| {
            step(
                black_box(&content),
                black_box(&started),
                Input::Text("my son has a new phone and won't say where from"),
                now,
            )
        })
    });
    c.bench_function("load and validate flows and config", |b| {
        b.iter(|| Content::load(black_box(&flows), black_box(&config)).expect("loads"))
    });
    // Off the start-up path: done on a thread while the bot connects, and before a reload serves.
    c.bench_function("compile the danger cues", |b| {
        b.iter(|| {
            let (fresh, _) = Content::load(&flows, &config).expect("loads");
            fresh.danger.compile().expect("compiles")
        })
    });
    c.bench_function("route a postcode", |b| b.iter(|| content.router.route(black_box("lu1  3jh"))));
    // The index alone: one full postcode in a split sector (LU1 3 is Luton and Central Bedfordshire).
    let index = content.router.index();
    let postcode = Postcode::parse("LU1 3JH").expect("a postcode");
    c.bench_function("postcode index: one full postcode lookup", |b| b.iter(|| index.unit(black_box(&postcode))));
    c.bench_function("route a district that asks", |b| b.iter(|| content.router.route(black_box("SG8"))));
    let text = std::fs::read_to_string(config.join("postcode-index.txt")).expect("the index");
    c.bench_function("parse the postcode index", |b| {
        b.iter(|| PostcodeIndex::parse(black_box(&text), "postcode-index.txt").expect("parses"))
    });
    eprintln!(
        "postcode index: {} sectors, about {:.1} MB in memory, {:.1} MB on disk",
        index.sector_count(),
        index.heap_bytes() as f64 / 1e6,
        text.len() as f64 / 1e6
    );
    let long: String = "my daughter has been acting differently and I am worried about her friends "
        .repeat(60)
        .chars()
        .take(4096)
        .collect();
    c.bench_function("danger check: 4096 characters", |b| b.iter(|| content.danger.is_danger(black_box(&long))));
    // The learned net's part of that check: the features of the prepared text, looked up.
    let net = content.danger.net().expect("the shipped config has a learned net");
    let prepared = signpost_core::safety::prepare_for_cues(&long);
    c.bench_function("learned net: 4096 characters, prepared", |b| b.iter(|| net.fires(black_box(&prepared))));
    let net_src = std::fs::read_to_string(config.join(signpost_core::safety::NET_FILE)).expect("the net");
    c.bench_function("parse the learned net", |b| {
        b.iter(|| signpost_core::safety::Net::from_str(black_box(&net_src), "danger-net.tsv").expect("parses"))
    });
    let rules = content.danger.clone().with_net(None);
    c.bench_function("danger check, the rules alone: 4096 characters", |b| {
        b.iter(|| rules.is_danger(black_box(&long)))
    });
    // The worst case: cues all the way through, so every sentence is read, and danger only at the end.
    let mut cued: String = "he used to hit her years ago and she was missing last year but shes home now. "
        .repeat(60)
        .chars()
        .take(4096 - 40)
        .collect();
    cued.push_str(". hes hitting her right now");
    assert!(content.danger.is_danger(&cued));
    c.bench_function("danger check: 4096 characters of calmed cues, danger at the end", |b| {
        b.iter(|| content.danger.is_danger(black_box(&cued)))
    });
}

criterion_group!(engine, benches);
criterion_main!(engine);
