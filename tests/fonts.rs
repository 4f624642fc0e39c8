//! The faces the touch screen embeds (`ui/fonts/`, imported in `ui/app.slint`)
//! draw every character of every catalog: Slint falls back to whatever the
//! system has when a glyph is missing, which on a kiosk PC may be nothing
//! (a box), so only a test notices. Korean and English are in NanumGothic;
//! Chinese and Japanese in the Noto Sans CJK subsets `make fonts` cuts from
//! the catalogs (`ui/fonts/cjk-subsets.py`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn ui() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("ui")
}

/// Every character a catalog's translations use.
fn catalog_chars(lang: &str) -> BTreeSet<char> {
    let path = ui().join(format!("translations/{lang}/LC_MESSAGES/bookstation.po"));
    let po = rspolib::pofile(path.as_path()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    po.entries
        .iter()
        .filter(|e| !e.obsolete)
        .flat_map(|e| e.msgstr.iter().chain(e.msgstr_plural.iter()).flat_map(|s| s.chars()).collect::<Vec<_>>())
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect()
}

/// The characters of `chars` that `font` has no glyph for.
fn missing(font: &Path, chars: &BTreeSet<char>) -> Vec<char> {
    let data = std::fs::read(font).unwrap_or_else(|e| panic!("{}: {e}", font.display()));
    let face = ttf_parser::Face::parse(&data, 0).unwrap_or_else(|e| panic!("{}: {e}", font.display()));
    chars.iter().copied().filter(|c| face.glyph_index(*c).is_none()).collect()
}

#[test]
fn each_language_s_face_draws_its_whole_catalog() {
    for (lang, face) in [("ko", "NanumGothic"), ("zh", "BookstationCJKSC"), ("ja", "BookstationCJKJP")] {
        let chars = catalog_chars(lang);
        assert!(chars.len() > 100, "{lang}: only {} characters", chars.len());
        for weight in ["", "Bold"] {
            let file = match (face, weight) {
                ("NanumGothic", w) => format!("NanumGothic{w}.ttf"),
                (f, "") => format!("{f}-Regular.otf"),
                (f, w) => format!("{f}-{w}.otf"),
            };
            let gaps = missing(&ui().join("fonts").join(&file), &chars);
            assert!(gaps.is_empty(), "{file} has no glyph for {gaps:?} of the {lang} catalog: run `make fonts`");
        }
    }
}

/// Slint does not fall back from one embedded face to another, so the
/// Chinese and Japanese faces draw what the district gives in Korean and
/// Latin too: every demo title and author, and the language switch.
#[test]
fn the_chinese_and_japanese_faces_draw_korean_titles_too() {
    let seed = bookstation::demo::seed::demo_sized(1000);
    let mut chars: BTreeSet<char> = seed
        .items
        .iter()
        .flat_map(|i| i.item.title.chars().chain(i.item.author.chars()).collect::<Vec<_>>())
        .filter(|c| !c.is_whitespace())
        .collect();
    chars.extend("한국어가".chars());
    for file in [
        "BookstationCJKSC-Regular.otf",
        "BookstationCJKSC-Bold.otf",
        "BookstationCJKJP-Regular.otf",
        "BookstationCJKJP-Bold.otf",
    ] {
        let gaps = missing(&ui().join("fonts").join(file), &chars);
        assert!(gaps.is_empty(), "{file} has no glyph for {gaps:?}: run `make fonts`");
    }
}

/// What the kiosk writes itself in Chinese or Japanese, outside the
/// catalogs: every date of a week in the patron's form (12月17日(木),
/// 12月17日(周四)), and the symbols the screens put before their words.
#[test]
fn the_chinese_and_japanese_faces_draw_dates_and_the_screens_symbols() {
    use bookstation::domain::{Language, dates::display_date};
    for (lang, face) in [(Language::Zh, "BookstationCJKSC"), (Language::Ja, "BookstationCJKJP")] {
        let mut chars: BTreeSet<char> =
            (14..=20).flat_map(|d| display_date(&format!("2026-12-{d}"), lang).chars().collect::<Vec<_>>()).collect();
        chars.extend("×←→↑↓◐가".chars());
        for weight in ["Regular", "Bold"] {
            let file = format!("{face}-{weight}.otf");
            let gaps = missing(&ui().join("fonts").join(&file), &chars);
            assert!(
                gaps.is_empty(),
                "{file} has no glyph for {gaps:?}: add them to cjk-subsets.py and run `make fonts`"
            );
        }
    }
}

#[test]
fn a_missing_glyph_is_noticed() {
    // Nanum has Korean hanja (書, 館) and kana, not simplified Chinese.
    let chars: BTreeSet<char> = "图書书館".chars().collect();
    assert_eq!(missing(&ui().join("fonts/NanumGothic.ttf"), &chars), ['书', '图']);
}
