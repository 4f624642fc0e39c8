//! `bookstation status`: ask the running daemon how the kiosk is — the same
//! health the heartbeat sends the district — and print it for an operator.
//! Exit 0: running, no fault; 2: running with faults; 1: could not ask.

use bookstation::control;
use bookstation::district::Health;
use bookstation::domain::health::duration;
use std::path::Path;
use std::process::ExitCode;

/// Longer than any wait the engine may be in (a district call, a board poll).
const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(20);

pub fn run(state_dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let socket = control::socket_path(state_dir);
    // A stuck engine never answers: say so rather than hang a monitoring script.
    let asked = async { tokio::time::timeout(ANSWER_WITHIN, control::request(&socket, r#"{"status":true}"#)).await };
    let answer = runtime.block_on(asked).map_err(|_| {
        anyhow::anyhow!("the daemon at {} did not answer within {ANSWER_WITHIN:?}: it is stuck", socket.display())
    })??;
    if answer.get("ok").and_then(serde_json::Value::as_bool) != Some(true) {
        let error = answer.get("error").and_then(serde_json::Value::as_str).unwrap_or("no reason given");
        anyhow::bail!("the daemon could not report its status: {error}");
    }
    let health: Health = serde_json::from_value(answer["status"].clone())
        .map_err(|e| anyhow::anyhow!("the daemon's status is unreadable: {e}"))?;
    if json {
        outln!("{}", serde_json::to_string_pretty(&answer["status"])?)?;
    } else {
        let screen = answer["view"]["screen"].as_str().unwrap_or("unknown");
        let online = answer["view"]["online"].as_bool();
        out!("{}", render(&health, screen, online))?;
    }
    Ok(if health.faults.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) })
}

fn render(h: &Health, screen: &str, online: Option<bool>) -> String {
    let district = match online {
        Some(true) => "answers",
        Some(false) => "unreachable (offline policy applies)",
        None => "unknown",
    };
    let outbox = match (h.queue_depth, h.oldest_pending_age_secs) {
        (0, _) => "empty".to_owned(),
        (n, Some(age)) => format!("{n} events waiting, oldest {}", duration(age)),
        (n, None) => format!("{n} events waiting"),
    };
    let mut out = format!(
        "kiosk:    {} (bookstation {})\nscreen:   {screen}\ndistrict: {district}\noutbox:   {outbox}\n",
        h.kiosk_id, h.version
    );
    if h.faults.is_empty() {
        out.push_str("faults:   none\n");
    } else {
        out.push_str(&format!("faults:   {}\n", h.faults.len()));
        for f in &h.faults {
            let code =
                serde_json::to_value(f.code).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            out.push_str(&format!("  {code:<22} {}\n", f.message));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bookstation::domain::{Fault, FaultCode};

    #[test]
    fn a_healthy_kiosk_reads_in_four_lines_and_says_none() {
        let h = Health { kiosk_id: "K1".into(), version: "0.1.0".into(), ..Health::default() };
        let text = render(&h, "attract", Some(true));
        assert!(text.contains("kiosk:    K1 (bookstation 0.1.0)"), "{text}");
        assert!(text.contains("outbox:   empty"), "{text}");
        assert!(text.ends_with("faults:   none\n"), "{text}");
    }

    #[test]
    fn faults_are_listed_with_their_code() {
        let h = Health {
            kiosk_id: "K1".into(),
            queue_depth: 3,
            oldest_pending_age_secs: Some(4000),
            faults: vec![Fault::new(FaultCode::DoorLeftOpen, Some(3))],
            version: "0.1.0".into(),
            last_seq: Some(7),
        };
        let text = render(&h, "home", Some(false));
        assert!(text.contains("district: unreachable"), "{text}");
        assert!(text.contains("outbox:   3 events waiting, oldest 1 h 06 min"), "{text}");
        assert!(text.contains("  door_left_open         door 3 left open\n"), "{text}");
    }
}
