//! The mobile card's QR payload: `QrPattern::parse` on any scanned text,
//! with any prefix, never panics, and a credential it finds is a member
//! number made of the text after the prefix, digits only.

#![no_main]

use bookstation::domain::{Credential, QrPattern};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte says how much of the rest is the configured prefix.
    let Some((&cut, rest)) = data.split_first() else { return };
    let cut = usize::from(cut).min(rest.len());
    let (Ok(prefix), Ok(text)) = (std::str::from_utf8(&rest[..cut]), std::str::from_utf8(&rest[cut..])) else {
        return;
    };
    for pattern in [QrPattern::new(prefix), QrPattern::new("MAPO-MEMBER:")] {
        match pattern.parse(text) {
            Some(Credential::MemberNumber(number)) => {
                let body = text.trim().strip_prefix(pattern.prefix.as_str()).expect("the text starts with the prefix");
                assert!(body.contains(&*number), "the number comes from the text");
                assert!(!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()), "digits only");
            }
            Some(Credential::Card(_)) => panic!("a QR code is never a card"),
            None => {}
        }
    }
});
