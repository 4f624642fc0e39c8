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
pub fn matches(query: &str, text: &str) -> bool {
    let q: Vec<char> = query.chars().filter(|c| !c.is_whitespace()).collect();
    if q.is_empty() {
        return true;
    }
    let t: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    t.windows(q.len()).any(|w| w.iter().zip(&q).all(|(&tc, &qc)| char_matches(qc, tc)))
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
}
