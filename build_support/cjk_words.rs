//! Chinese and Japanese lines break between words only. The text renderer
//! may break between any two ideographs or kana (UAX #14), so "図書館"
//! could end a line at "図書" and "1本" at "1". ICU4X's dictionary word
//! segmenter finds the words; a word joiner (U+2060, no width, no glyph)
//! goes between every two characters inside a word that has Chinese or
//! Japanese in it, and between a number and the counter after it. Used by
//! `build.rs` on the bundled zh and ja translations (the catalogs
//! translators edit stay as they are), so the kiosk itself carries no
//! dictionary.

use icu_segmenter::WordSegmenter;
use icu_segmenter::options::WordBreakInvariantOptions;

/// U+2060 WORD JOINER: no line break on either side of it.
const WORD_JOINER: char = '\u{2060}';

/// An ideograph, a kana or the prolonged sound mark: the characters a
/// line may break between.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'     // hiragana, katakana, ー
        | '\u{3400}'..='\u{4DBF}'   // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}'   // compatibility ideographs
        | '\u{FF66}'..='\u{FF9F}'   // half-width katakana
    )
}

/// The kiosk's own words the dictionary splits (it has no "二维码"): kept
/// whole wherever they stand.
const GLOSSARY: [&str; 6] = ["二维码", "图书馆", "借书证", "还书箱", "智能", "储物柜"];

/// A katakana letter or the prolonged sound mark: a run of them is one
/// loanword (スマート, ロッカー).
fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A0}'..='\u{30FF}' | '\u{FF66}'..='\u{FF9F}')
}

/// A hiragana letter: in Japanese the particles and endings that close a
/// phrase (本を, 入れてください), so a line never starts with one.
fn is_hiragana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{309F}')
}

/// Byte offsets inside a glossary word: no break there.
fn glossary_insides(text: &str) -> Vec<usize> {
    let mut inside = Vec::new();
    for word in GLOSSARY {
        for (start, _) in text.match_indices(word) {
            inside.extend(word.char_indices().skip(1).map(|(i, _)| start + i));
        }
    }
    inside
}

/// `text` with a word joiner inside every word that has Chinese or
/// Japanese in it, and between a number (or a `{}` that becomes one) and
/// the ideograph or kana after it. Other text comes back as it was; a
/// joiner already there is not doubled.
pub fn join_words(text: &str) -> String {
    if !text.chars().any(is_cjk) {
        return text.to_owned();
    }
    let segmenter = WordSegmenter::new_dictionary(WordBreakInvariantOptions::default());
    let glossary = glossary_insides(text);
    let breaks: Vec<usize> = segmenter.segment_str(text).filter(|at| !glossary.contains(at)).collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut last: Option<char> = None;
    for (at, c) in text.char_indices() {
        if let Some(prev) = last {
            let inside_word = (!breaks.contains(&at) && (is_cjk(prev) || is_cjk(c)))
                || (is_katakana(prev) && is_katakana(c))
                // Japanese breaks between phrases: hiragana stays with what
                // it follows (the dictionary splits ください into くだ|さい).
                || (is_hiragana(c) && !"（「『(".contains(prev));
            let counter = (prev.is_ascii_digit() || prev == '}') && is_cjk(c);
            if (inside_word || counter) && prev != WORD_JOINER && c != WORD_JOINER && !prev.is_whitespace() {
                out.push(WORD_JOINER);
            }
        }
        out.push(c);
        last = Some(c);
    }
    out
}
