//! Voice guidance's real voice: espeak-ng renders Korean, English, Chinese
//! (`cmn`) and Japanese to WAV
//! files (the `-w` mode beside the speaker's), which must be valid PCM, not
//! silent, and longer for a longer text. Needs espeak-ng (`make deps`).

use bookstation::domain::Language;
use bookstation::speech::{Espeak, Prosody, Utterance};

/// A PCM WAV file's sample rate and its 16-bit mono samples.
fn read_wav(bytes: &[u8]) -> (u32, Vec<i16>) {
    assert_eq!(&bytes[0..4], b"RIFF", "a RIFF file");
    assert_eq!(&bytes[8..12], b"WAVE", "a WAVE file");
    let mut at = 12;
    let (mut rate, mut samples) = (0, None);
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().expect("4 bytes")) as usize;
        let body = &bytes[at + 8..(at + 8 + len).min(bytes.len())];
        if id == b"fmt " {
            assert_eq!(u16::from_le_bytes([body[0], body[1]]), 1, "PCM");
            assert_eq!(u16::from_le_bytes([body[2], body[3]]), 1, "mono");
            rate = u32::from_le_bytes(body[4..8].try_into().expect("4 bytes"));
            assert_eq!(u16::from_le_bytes([body[14], body[15]]), 16, "16-bit");
        } else if id == b"data" {
            samples = Some(body.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect());
        }
        at += 8 + len + (len & 1);
    }
    assert!(rate > 0, "a fmt chunk");
    (rate, samples.expect("a data chunk"))
}

fn rms(samples: &[i16]) -> f64 {
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// Seconds of speech and its loudness (RMS, of full scale 32767).
fn render(language: Language, text: &str) -> (f64, f64) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("said.wav");
    let espeak = Espeak::new("espeak-ng");
    let utterance = Utterance { language, text: text.into() };
    espeak.render_wav(&utterance, Prosody { rate: 160, volume: 100 }, &path).expect("espeak-ng renders (make deps)");
    let (rate, samples) = read_wav(&std::fs::read(&path).expect("the WAV file"));
    (samples.len() as f64 / f64::from(rate), rms(&samples))
}

#[test]
fn speech_in_each_language_is_valid_audible_and_as_long_as_its_text() {
    for (language, short, long) in [
        (
            Language::Ko,
            "보관함 2번",
            "보관함 2번에서 책을 꺼내 주세요. 문을 닫으면 대출이 저장됩니다. 반납일은 12월 14일입니다.",
        ),
        (
            Language::En,
            "Locker 2",
            "Take your book from locker 2. When you close the door your loan is saved. It is due back on Monday 14 December.",
        ),
        (Language::Zh, "2号柜", "请从2号柜取书。关门后借阅即被保存。归还日期是12月14日。"),
        (
            Language::Ja,
            "ロッカー2",
            "ロッカー2から本を取ってください。ドアを閉めると貸出が保存されます。返却日は12月14日です。",
        ),
    ] {
        let (short_secs, short_rms) = render(language, short);
        let (long_secs, long_rms) = render(language, long);
        for (secs, loud) in [(short_secs, short_rms), (long_secs, long_rms)] {
            assert!(secs > 0.3, "{language:?}: {secs} s of speech");
            assert!(loud > 500.0, "{language:?}: not silent (RMS {loud:.0})");
        }
        assert!(
            long_secs > 2.0 * short_secs,
            "{language:?}: {long_secs:.2} s for the long text, {short_secs:.2} s for the short"
        );
    }
}

#[test]
fn a_quieter_voice_is_quieter() {
    let dir = tempfile::tempdir().expect("temp dir");
    let espeak = Espeak::new("espeak-ng");
    let u = Utterance { language: Language::Ko, text: "다시 듣기".into() };
    let loudness = |volume, name: &str| {
        let path = dir.path().join(name);
        espeak.render_wav(&u, Prosody { rate: 160, volume }, &path).expect("espeak-ng renders");
        rms(&read_wav(&std::fs::read(&path).expect("WAV")).1)
    };
    let (quiet, loud) = (loudness(30, "quiet.wav"), loudness(150, "loud.wav"));
    assert!(quiet * 2.0 < loud, "volume 30 gives RMS {quiet:.0}, 150 gives {loud:.0}");
}
