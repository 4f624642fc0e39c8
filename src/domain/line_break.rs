//! Korean lines break between words only ("keep-all", as CSS calls it):
//! the text renderer breaks between any two Hangul syllables, so a word
//! joiner (U+2060, no width, no glyph) goes between every two characters of
//! a word that has Hangul in it. Spaces stay the places to break. Used by
//! the UI for text from the district and by `build.rs` for the bundled
//! translations; no dependencies, so the build script can include it.

/// U+2060 WORD JOINER: no line break on either side of it.
pub const WORD_JOINER: char = '\u{2060}';

/// A Hangul syllable or jamo.
pub fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// `text` with a word joiner between every two neighbours that are not
/// white space when either of them is Hangul. Text without Hangul comes
/// back as it was; a joiner already there is not doubled.
pub fn keep_all(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    let mut last: Option<char> = None;
    for c in text.chars() {
        if let Some(prev) = last
            && !prev.is_whitespace()
            && !c.is_whitespace()
            && prev != WORD_JOINER
            && c != WORD_JOINER
            && (is_hangul(prev) || is_hangul(c))
        {
            out.push(WORD_JOINER);
        }
        out.push(c);
        last = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> String {
        text.replace(WORD_JOINER, "|")
    }

    #[test]
    fn a_korean_word_holds_together_and_breaks_at_spaces() {
        assert_eq!(shown(&keep_all("있는 책")), "있|는 책");
        assert_eq!(shown(&keep_all("(한도 2권)")), "(|한|도 2|권|)");
        assert_eq!(shown(&keep_all("주세요.")), "주|세|요|.");
        assert_eq!(shown(&keep_all("{}번 보관함")), "{}|번 보|관|함");
    }

    #[test]
    fn text_without_hangul_is_unchanged_and_joining_twice_changes_nothing() {
        assert_eq!(keep_all("Take your book from locker 3."), "Take your book from locker 3.");
        let once = keep_all("스마트도서관 24시간");
        assert_eq!(keep_all(&once), once);
        assert_eq!(once.replace(WORD_JOINER, ""), "스마트도서관 24시간");
    }
}
