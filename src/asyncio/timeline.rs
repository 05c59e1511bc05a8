//! `--timeline FILE.html`: the recorded schedule as one self-contained page — the record as a
//! JSON block, a small script that draws one lane per task into an inline SVG (running steps,
//! waiting spans labelled with what the task waits for, wake-up arrows, a marker for every
//! printed line, cancellations and exceptions), a time axis and a legend. No network access.

use super::trace::{Cause, Tracer};
use serde_json::json;

const CSS: &str = include_str!("timeline/timeline.css");
const JS: &str = include_str!("timeline/timeline.js");

fn cause(c: Cause) -> serde_json::Value {
    match c {
        Cause::Slice(i) => json!(i),
        Cause::Outside => serde_json::Value::Null,
    }
}

/// Escapes text for HTML element content.
fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page for a recorded run of `program` that ended at `end` on the loop's clock.
pub fn to_html(t: &Tracer, program: &str, end: f64, virtual_clock: bool) -> String {
    let start = t
        .tracks
        .iter()
        .map(|x| x.created)
        .chain(t.slices.first().map(|s| s.start))
        .fold(f64::INFINITY, f64::min);
    let start = if start.is_finite() { start } else { 0.0 };
    let tracks: Vec<_> = t
        .tracks
        .iter()
        .map(|x| {
            json!({"serial": x.serial, "name": x.name, "coro": x.coro, "created": x.created,
                   "end": x.end.as_ref().map(|(ts, how)| json!({"ts": ts, "how": how}))})
        })
        .collect();
    let slices: Vec<_> = t
        .slices
        .iter()
        .map(|s| {
            json!({"track": s.track, "start": s.start, "end": s.end, "seq": s.seq,
                   "reason": s.reason, "from": cause(s.woken_by)})
        })
        .collect();
    let instants: Vec<_> = t
        .instants
        .iter()
        .map(|i| {
            json!({"track": i.track, "ts": i.ts, "kind": i.kind, "detail": i.detail,
                   "by": cause(i.by)})
        })
        .collect();
    let prints: Vec<_> = t
        .prints
        .iter()
        .map(|p| json!({"track": p.track, "ts": p.ts, "text": p.text, "by": cause(p.by)}))
        .collect();
    let data = json!({
        "program": program,
        "clock": if virtual_clock { "virtual clock" } else { "real clock" },
        "start": start,
        "end": end.max(start),
        "tracks": tracks,
        "slices": slices,
        "instants": instants,
        "prints": prints,
    });
    // `</` cannot appear inside a script element.
    let data = data.to_string().replace("</", "<\\/");
    let ntasks = t.tracks.iter().filter(|x| x.serial != 0).count();
    let title = html_escape(program);
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>aio timeline — {title}</title>
<style>
{CSS}</style>
</head>
<body>
<header>
<h1>aio timeline</h1>
<p>{title} — {ntasks} task{plural}, {secs:.3} s on the {clock}. Hover over anything for details.</p>
</header>
<div id="legend">
<span><svg width="22" height="12"><rect class="run" width="22" height="12" rx="2"/></svg>task runs a step</span>
<span><svg width="22" height="12"><rect class="wait" y="2" width="22" height="8" rx="3"/></svg>task waits (labelled with what for)</span>
<span><svg width="26" height="12"><path class="wake" d="M1,6 L22,6"/><path d="M19,2 L25,6 L19,10 z" fill="#7a52c7"/></svg>wakes another task</span>
<span><svg width="12" height="12"><circle class="print" cx="6" cy="6" r="4"/></svg>printed a line</span>
<span><svg width="12" height="12"><line class="cancel" x1="1" y1="1" x2="11" y2="11"/><line class="cancel" x1="11" y1="1" x2="1" y2="11"/></svg>cancel requested</span>
<span><svg width="12" height="12"><path class="exception" d="M6,0 l6,11 l-12,0 z"/></svg>ended by an exception</span>
<span><svg width="12" height="12"><rect class="run timer" width="12" height="12" rx="2"/></svg>timer fired</span>
</div>
<div id="chart"></div>
<div id="output"><h2>Output</h2><ol></ol></div>
<div id="tip" hidden></div>
<script id="data" type="application/json">{data}</script>
<script>
{JS}</script>
</body>
</html>
"##,
        plural = if ntasks == 1 { "" } else { "s" },
        secs = (end - start).max(0.0),
        clock = if virtual_clock {
            "virtual clock"
        } else {
            "real clock"
        },
    )
}
