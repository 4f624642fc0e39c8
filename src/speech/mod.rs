//! Voice guidance's voice: text in the patron's language to sound, through
//! espeak-ng run as a child process (its own audio output, or a WAV file).
//! What is said comes from the screen (`src/ui/narrator.rs`); this module
//! only speaks it. It never logs what it says: a screen shows book titles,
//! and a log is no place for what a patron borrows.
//!
//! Not part of the engine: the engine knows nothing of speech.

use crate::config::AccessibilityConfig;
use crate::domain::Language;
use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::sync::Mutex;

/// espeak-ng's voice for each language of the screen.
pub fn voice(language: Language) -> &'static str {
    match language {
        Language::Ko => "ko",
        Language::En => "en",
        Language::Zh => "cmn",
        Language::Ja => "ja",
    }
}

/// How fast and how loud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prosody {
    /// Words per minute (espeak-ng `-s`).
    pub rate: u16,
    /// Amplitude (espeak-ng `-a`, 100 is its default).
    pub volume: u16,
}

impl Prosody {
    pub const MIN_RATE: u16 = 80;
    pub const MAX_RATE: u16 = 450;
    pub const MIN_VOLUME: u16 = 10;
    pub const MAX_VOLUME: u16 = 200;

    pub fn from_config(c: &AccessibilityConfig) -> Self {
        Self { rate: c.rate, volume: c.volume }
    }

    /// One step faster (+1) or slower (-1): a tenth of the range.
    pub fn step_rate(self, by: i32) -> Self {
        Self { rate: step(self.rate, by, Self::MIN_RATE, Self::MAX_RATE), ..self }
    }

    pub fn step_volume(self, by: i32) -> Self {
        Self { volume: step(self.volume, by, Self::MIN_VOLUME, Self::MAX_VOLUME), ..self }
    }

    /// Where the rate is, 1 to 10 (what the patron hears: "speed 6 of 10").
    pub fn rate_level(self) -> i32 {
        level(self.rate, Self::MIN_RATE, Self::MAX_RATE)
    }

    pub fn volume_level(self) -> i32 {
        level(self.volume, Self::MIN_VOLUME, Self::MAX_VOLUME)
    }
}

fn step(value: u16, by: i32, min: u16, max: u16) -> u16 {
    let tenth = i32::from(max - min) / 9;
    let v = i32::from(value) + by * tenth;
    u16::try_from(v.clamp(i32::from(min), i32::from(max))).unwrap_or(min)
}

fn level(value: u16, min: u16, max: u16) -> i32 {
    let tenth = f32::from(max - min) / 9.0;
    1 + ((f32::from(value.clamp(min, max) - min) / tenth).round() as i32)
}

/// One thing to say.
#[derive(Clone, PartialEq, Eq)]
pub struct Utterance {
    pub language: Language,
    pub text: String,
}

impl std::fmt::Debug for Utterance {
    // A title may be in it: a log prints its length only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Utterance({}, {} chars)", self.language.code(), self.text.chars().count())
    }
}

/// Where speech goes. `say` interrupts whatever was being said.
pub trait Speaker {
    fn say(&self, utterance: &Utterance, prosody: Prosody);
    /// Stop talking now.
    fn stop(&self);
}

#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    #[error("cannot run {program}: {source}")]
    Spawn { program: PathBuf, source: std::io::Error },
    #[error("{program} failed ({status})")]
    Failed { program: PathBuf, status: std::process::ExitStatus },
}

/// espeak-ng as a child process, one at a time: a new utterance kills the
/// one still speaking. The text goes on its standard input (never on its
/// command line, which `ps` shows to everyone).
pub struct Espeak {
    program: PathBuf,
    current: Mutex<Option<Child>>,
}

impl Espeak {
    pub fn new(program: impl Into<PathBuf>) -> Self {
        Self { program: program.into(), current: Mutex::new(None) }
    }

    fn command(&self, utterance: &Utterance, prosody: Prosody) -> Command {
        let mut c = Command::new(&self.program);
        c.arg("-v")
            .arg(voice(utterance.language))
            .arg("-s")
            .arg(prosody.rate.to_string())
            .arg("-a")
            .arg(prosody.volume.to_string())
            .arg("--stdin")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    }

    fn spawn(&self, mut command: Command, text: &str) -> Result<Child, SpeechError> {
        let mut child =
            command.spawn().map_err(|source| SpeechError::Spawn { program: self.program.clone(), source })?;
        if let Some(mut stdin) = child.stdin.take() {
            // A screen's text is far below a pipe's buffer: this does not block.
            let _ = stdin.write_all(text.as_bytes());
        }
        Ok(child)
    }

    /// Render to a WAV file instead of the speaker (`espeak-ng -w`), and wait for it.
    pub fn render_wav(&self, utterance: &Utterance, prosody: Prosody, path: &Path) -> Result<(), SpeechError> {
        let mut c = self.command(utterance, prosody);
        c.arg("-w").arg(path);
        let mut child = self.spawn(c, &utterance.text)?;
        let status = child.wait().map_err(|source| SpeechError::Spawn { program: self.program.clone(), source })?;
        if !status.success() {
            return Err(SpeechError::Failed { program: self.program.clone(), status });
        }
        Ok(())
    }

    fn stop_current(current: &mut Option<Child>) {
        if let Some(mut child) = current.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Speaker for Espeak {
    fn say(&self, utterance: &Utterance, prosody: Prosody) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        Self::stop_current(&mut current);
        match self.spawn(self.command(utterance, prosody), &utterance.text) {
            Ok(child) => *current = Some(child),
            Err(e) => tracing::warn!(error = %e, "voice guidance cannot speak"),
        }
    }

    fn stop(&self) {
        Self::stop_current(&mut self.current.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

impl Drop for Espeak {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One entry of a [`Recorder`]: what was said and how, or `None` for a stop.
pub type Said = Option<(Utterance, Prosody)>;

/// What was said, kept in order (tests; a `stop` is kept as `None`).
#[derive(Default, Clone)]
pub struct Recorder {
    pub said: Rc<RefCell<Vec<Said>>>,
}

impl Recorder {
    /// The texts said so far, stops left out.
    pub fn texts(&self) -> Vec<String> {
        self.said.borrow().iter().flatten().map(|(u, _)| u.text.clone()).collect()
    }

    /// Forget what was said so far.
    pub fn clear(&self) {
        self.said.borrow_mut().clear();
    }
}

impl Speaker for Recorder {
    fn say(&self, utterance: &Utterance, prosody: Prosody) {
        self.said.borrow_mut().push(Some((utterance.clone(), prosody)));
    }

    fn stop(&self) {
        self.said.borrow_mut().push(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_stay_in_range_and_levels_run_one_to_ten() {
        let p = Prosody { rate: Prosody::MIN_RATE, volume: Prosody::MAX_VOLUME };
        assert_eq!(p.rate_level(), 1);
        assert_eq!(p.volume_level(), 10);
        assert_eq!(p.step_rate(-1).rate, Prosody::MIN_RATE);
        assert_eq!(p.step_volume(1).volume, Prosody::MAX_VOLUME);
        let mut q = p;
        for _ in 0..9 {
            q = q.step_rate(1);
        }
        assert_eq!(q.rate_level(), 10);
        assert!(p.step_rate(1).rate > p.rate);
    }

    #[test]
    fn an_utterance_never_prints_its_text() {
        let u = Utterance { language: Language::Ko, text: "어린 왕자".into() };
        assert_eq!(format!("{u:?}"), "Utterance(ko, 5 chars)");
    }
}
