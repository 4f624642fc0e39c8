//! Issue 22: Chinese and Japanese words are never broken across lines (the
//! joiners `build.rs` puts into the bundled zh and ja catalogs).

#[path = "../build_support/cjk_words.rs"]
mod cjk_words;

use cjk_words::join_words;

/// Where a line may break in `text`: between two characters with no joiner.
fn breakable_pairs(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).filter(|w| w[0] != '\u{2060}' && w[1] != '\u{2060}').map(|w| w.iter().collect()).collect()
}

#[test]
fn japanese_words_stay_whole() {
    let joined = join_words("スマート図書館の本を借りてください。");
    let pairs = breakable_pairs(&joined);
    for inside in ["図書", "書館", "スマ", "マー", "ート"] {
        assert!(!pairs.contains(&inside.to_owned()), "{inside:?} may break in {joined:?}");
    }
    assert_eq!(joined.replace('\u{2060}', ""), "スマート図書館の本を借りてください。", "only joiners are added");
}

/// Issue 22: "い。" alone on a line. Japanese breaks between phrases: a
/// line may start at a kanji, never at the hiragana that ends a phrase.
#[test]
fn japanese_phrases_keep_their_endings() {
    let joined = join_words("本を返却口（41番扉）に入れてください。");
    let pairs = breakable_pairs(&joined);
    for inside in ["くだ", "ださ", "さい", "てく", "れて", "本を"] {
        assert!(!pairs.contains(&inside.to_owned()), "{inside:?} may break in {joined:?}");
    }
    assert!(pairs.contains(&"に入".to_owned()), "a phrase may still begin at 入: {joined:?}");
}

#[test]
fn chinese_words_stay_whole() {
    let joined = join_words("请扫描二维码，然后按按钮。");
    let pairs = breakable_pairs(&joined);
    for inside in ["二维", "维码", "按钮"] {
        assert!(!pairs.contains(&inside.to_owned()), "{inside:?} may break in {joined:?}");
    }
}

#[test]
fn a_number_keeps_its_counter() {
    for (text, pair) in [("1本", "1本"), ("{}冊借りられます", "}冊"), ("还可以借{}本", "}本")] {
        let joined = join_words(text);
        assert!(!breakable_pairs(&joined).contains(&pair.to_owned()), "{pair:?} may break in {joined:?}");
    }
}

#[test]
fn other_text_is_left_alone() {
    for text in ["Borrow {n} books", "책을 빌리세요", "", "a\\\"b"] {
        assert_eq!(join_words(text), text);
    }
    let once = join_words("図書館");
    assert_eq!(join_words(&once), once, "no joiner doubled");
}
