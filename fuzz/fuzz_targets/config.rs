//! The config parser (TOML text to a validated `Config`) on any text: it
//! never panics, and a config it takes is taken again, equal, once written
//! back out with `to_toml` (what `demo` does with its own config).

#![no_main]

use bookstation::config::Config;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let origin = Path::new("/etc/bookstation/fuzz.toml");
    match Config::parse(text, origin) {
        Ok(config) => {
            let written = config.to_toml();
            let again = Config::parse(&written, origin).unwrap_or_else(|e| panic!("{e}\n{written}"));
            assert_eq!(again, config, "{written}");
        }
        Err(e) => {
            let message = e.to_string();
            assert!(message.contains("fuzz.toml"), "the error names the file: {message}");
        }
    }
});
