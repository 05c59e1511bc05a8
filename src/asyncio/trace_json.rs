//! `--trace FILE.json`: the recorded schedule as Chrome Trace Event Format, which Perfetto UI
//! and chrome://tracing open. One track (thread) per task, named after it; a complete event
//! (`ph: X`) per step with why it stopped; instants for create, cancel, exception and done;
//! flow arrows (`s` / `f`) from the step or timer that woke a task to its next step; counters for
//! the ready queue and live tasks; an instant per printed line. Timestamps are the loop's clock
//! in microseconds, so a run on the virtual clock writes the same bytes every time.

use super::trace::{Cause, Tracer};
use serde_json::{json, Value as Json};

/// Microseconds on the trace's time axis.
fn us(t: f64) -> f64 {
    // Rounded to a nanosecond so that float noise does not make two runs differ.
    (t * 1e9).round() / 1e3
}

/// The process id used for every event.
const PID: u32 = 1;

/// The Chrome trace document for a recorded run of `program`.
pub fn to_json(t: &Tracer, program: &str) -> Json {
    let mut ev: Vec<Json> = Vec::new();
    ev.push(
        json!({"ph": "M", "name": "process_name", "pid": PID, "tid": 0,
                   "args": {"name": format!("aio {program}")}}),
    );
    for tr in &t.tracks {
        let label = if tr.serial == 0 {
            "outside tasks (timers, top level)".to_string()
        } else if tr.coro.is_empty() {
            tr.name.clone()
        } else {
            format!("{} {}()", tr.name, tr.coro)
        };
        ev.push(
            json!({"ph": "M", "name": "thread_name", "pid": PID, "tid": tr.serial,
                       "args": {"name": label}}),
        );
        ev.push(
            json!({"ph": "M", "name": "thread_sort_index", "pid": PID, "tid": tr.serial,
                       "args": {"sort_index": tr.serial}}),
        );
    }
    let coro_of = |track: u64| -> String {
        t.tracks
            .iter()
            .find(|x| x.serial == track)
            .map(|x| {
                if x.serial == 0 {
                    "timer".to_string()
                } else if x.coro.is_empty() {
                    x.name.clone()
                } else {
                    format!("{}()", x.coro)
                }
            })
            .unwrap_or_default()
    };
    for s in &t.slices {
        ev.push(json!({
            "ph": "X", "name": coro_of(s.track), "cat": if s.track == 0 { "timer" } else { "step" },
            "pid": PID, "tid": s.track, "ts": us(s.start), "dur": us(s.end) - us(s.start),
            "args": {"step": s.seq, "ended": s.reason},
        }));
    }
    for (id, s) in t.slices.iter().enumerate() {
        let Cause::Slice(from) = s.woken_by else {
            continue;
        };
        let Some(src) = t.slices.get(from) else {
            continue;
        };
        if src.track == s.track {
            continue;
        }
        ev.push(
            json!({"ph": "s", "name": "wakes", "cat": "wake", "id": id, "pid": PID,
                       "tid": src.track, "ts": us(src.end)}),
        );
        ev.push(
            json!({"ph": "f", "bp": "e", "name": "wakes", "cat": "wake", "id": id,
                       "pid": PID, "tid": s.track, "ts": us(s.start)}),
        );
    }
    for i in &t.instants {
        let mut args = serde_json::Map::new();
        if !i.detail.is_empty() {
            args.insert("detail".into(), Json::from(i.detail.clone()));
        }
        ev.push(
            json!({"ph": "i", "s": "t", "name": i.kind, "cat": "task", "pid": PID,
                       "tid": i.track, "ts": us(i.ts), "args": args}),
        );
    }
    for p in &t.prints {
        ev.push(
            json!({"ph": "i", "s": "t", "name": "print", "cat": "output", "pid": PID,
                       "tid": p.track, "ts": us(p.ts), "args": {"text": p.text}}),
        );
    }
    for c in &t.counters {
        ev.push(
            json!({"ph": "C", "name": "loop", "pid": PID, "ts": us(c.ts),
                       "args": {"ready callbacks": c.ready, "live tasks": c.live}}),
        );
    }
    json!({
        "traceEvents": ev,
        "displayTimeUnit": "ms",
        "otherData": {"program": program, "clock": "event loop time"},
    })
}
