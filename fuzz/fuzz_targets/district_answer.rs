//! The district's answer bodies (authenticate, inventory, events, error) on
//! any bytes: parsing never panics, its error says where and never quotes
//! the body (category, line and column only), and an
//! answer that parses survives a round trip through its JSON form.

#![no_main]

use bookstation::district::api::{ErrorAnswer, SubmitAnswer, parse_answer};
use bookstation::district::{AuthAnswer, DistrictError, Inventory};
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn check<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(body: &[u8]) {
    match parse_answer::<T>(body) {
        Ok(answer) => {
            let again = serde_json::to_vec(&answer).expect("an answer serialises");
            assert_eq!(parse_answer::<T>(&again).expect("its own JSON parses"), answer);
        }
        Err(DistrictError::BadAnswer(message)) => {
            // Where, never what: the message is made of serde's category,
            // a line and a column, and nothing of the body.
            let (category, place) = message.split_once(" error at line ").expect("where the answer is wrong");
            assert!(["Io", "Syntax", "Data", "Eof"].contains(&category), "{message}");
            let (line, column) = place.split_once(" column ").expect("a column");
            assert!(line.parse::<usize>().is_ok() && column.parse::<usize>().is_ok(), "{message}");
        }
        Err(other) => panic!("a body is a BadAnswer or an answer, not {other:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    check::<AuthAnswer>(data);
    check::<Inventory>(data);
    check::<SubmitAnswer>(data);
    check::<ErrorAnswer>(data);
});
