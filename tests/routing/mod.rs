use signpost::routing::{parse_uk_local, Router};
use std::path::Path;

#[test]
fn smoke() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let (router, warnings) = match Router::load_dir(&dir) {
        Ok(x) => x,
        Err(d) => panic!("{}", d.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")),
    };
    for w in &warnings { println!("{w}"); }
    let now = parse_uk_local("2026-11-24T10:00").unwrap();
    for t in ["cb4 1ab", "CB8", "St Ives", "Bedfrod", "kings lynn", "I'd rather not say", "PE7", "SG8", "asdf", "elsewhere"] {
        println!("=== {t}\n{}\n", router.explain(t, now));
    }
}
