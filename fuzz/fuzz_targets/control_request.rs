//! The control socket's request parser on any line: it never panics, and a
//! request it takes was a JSON object that parses equal again once
//! re-encoded (spacing, escapes and key order do not change a request).

#![no_main]

use bookstation::control::ControlRequest;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let Ok(request) = ControlRequest::parse(line) else { return };
    let value: serde_json::Value = serde_json::from_str(line).expect("a request taken is JSON");
    assert!(value.is_object(), "a request taken is an object");
    let again = ControlRequest::parse(&value.to_string()).expect("re-encoded, it parses again");
    assert_eq!(again, request);
    let _ = format!("{request:?}");
});
