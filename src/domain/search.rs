//! Finding books by title or author the way Korean patrons type: ignoring
//! case, and matching Hangul initial consonants (`ㅎㄱㄷ` finds 홍길동전).

use super::hangul::{initial_of, is_choseong};

/// One query character against one text character.
fn char_matches(q: char, t: char) -> bool {
    if is_choseong(q) {
        return t == q || initial_of(t) == Some(q);
    }
    q == t || q.to_lowercase().eq(t.to_lowercase())
}

/// Does `text` contain `query`, where a bare initial consonant in the query
/// stands for any syllable that starts with it? Spaces in the query are
/// ignored so `ㅎ ㄱ ㄷ` and `홍길 동` match as well. An empty query matches.
///
/// Allocates nothing: it runs for every title and author on the shelf at
/// each keystroke (1,000 books, 2,000 texts).
pub fn matches(query: &str, text: &str) -> bool {
    let q = query.chars().filter(not_space);
    if q.clone().next().is_none() {
        return true;
    }
    // Each place in the text in turn: does the query start there?
    let mut from = text.chars().filter(not_space);
    loop {
        let mut t = from.clone();
        if q.clone().all(|qc| t.next().is_some_and(|tc| char_matches(qc, tc))) {
            return true;
        }
        if from.next().is_none() {
            return false;
        }
    }
}

fn not_space(c: &char) -> bool {
    !c.is_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_consonants_find_korean_titles() {
        assert!(matches("ㅎㄱㄷ", "홍길동전"));
        assert!(matches("ㄱㄷㅈ", "홍길동전"));
        assert!(!matches("ㄱㅎ", "홍길동전"));
        assert!(matches("홍ㄱ", "홍길동전"), "mixed syllables and initials");
        assert!(matches("ㅎ ㄱ ㄷ", "홍길동전"));
    }

    #[test]
    fn latin_is_case_insensitive() {
        assert!(matches("little prince", "The Little Prince"));
        assert!(matches("SAINT", "Antoine de Saint-Exupéry"));
        assert!(!matches("prince2", "The Little Prince"));
    }

    #[test]
    fn empty_query_matches_everything() {
        assert!(matches("", "anything"));
        assert!(matches("  ", "anything"));
    }

    #[test]
    fn query_longer_than_text_does_not_match() {
        assert!(!matches("홍길동전전", "홍길동전"));
    }

    /// The search as it was written first, with a window of the text per
    /// place (two vectors a call): the allocation-free one must agree.
    fn by_windows(query: &str, text: &str) -> bool {
        let q: Vec<char> = query.chars().filter(|c| !c.is_whitespace()).collect();
        if q.is_empty() {
            return true;
        }
        let t: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        t.windows(q.len()).any(|w| w.iter().zip(&q).all(|(&tc, &qc)| char_matches(qc, tc)))
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_windowed_search(
            query in "[ㄱㅎ홍길동 aAbB]{0,4}",
            text in "[ㄱ홍길동전 abAB]{0,12}",
        ) {
            proptest::prop_assert_eq!(matches(&query, &text), by_windows(&query, &text));
        }
    }
}
