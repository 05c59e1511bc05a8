//! The schedule recorder behind `--trace` and `--timeline`. While it is on, the loop reports
//! task creation, every step a task runs (with why it stopped), who woke it, cancellations,
//! exceptions, completions, timer firings and printed lines; the writers in `trace_json.rs` and
//! `timeline.rs` turn the record into a Chrome trace and an HTML page. When it is off (the
//! usual case) each hook is one `if let Some(..)` on `Interp::tracer`.

use super::future::Future;
use super::waits::describe;
use crate::interp::generator::Outcome;
use crate::interp::Interp;
use crate::runtime::types::types;
use crate::runtime::value::{Exc, Value};
use std::collections::HashMap;
use std::rc::Rc;

/// Who caused something: a running task step or a timer firing (both are slices), or nothing
/// the recorder saw (the program's top level).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Cause {
    /// The slice with this index in `Tracer::slices`.
    Slice(usize),
    /// Not caused by anything recorded.
    #[default]
    Outside,
}

/// A track: one per task, plus track 0 for timers and code outside any task.
#[derive(Clone, Debug)]
pub struct Track {
    /// The task's number (`Task-N` has serial N unless renamed); 0 for the outside track.
    pub serial: u64,
    /// Its name.
    pub name: String,
    /// The coroutine's name (`main`, `factorial`…), empty for the timers track.
    pub coro: String,
    /// When the task was created, on the loop's clock.
    pub created: f64,
    /// When it finished, and how (`"done"`, `"exception: …"`, `"cancelled"`).
    pub end: Option<(f64, String)>,
}

/// One step of a task (or one timer firing on track 0): a running slice.
#[derive(Clone, Debug)]
pub struct Slice {
    /// The track's serial.
    pub track: u64,
    /// Start time on the loop's clock (seconds).
    pub start: f64,
    /// End time.
    pub end: f64,
    /// Order of the slice in the whole run (slices at the same instant ran in this order).
    pub seq: usize,
    /// Why it stopped: what the task waits on next, `"done"`, an exception…
    pub reason: String,
    /// What woke it (the flow arrow's source).
    pub woken_by: Cause,
}

/// A point event on a task's track.
#[derive(Clone, Debug)]
pub struct Instant {
    /// The track's serial.
    pub track: u64,
    /// When.
    pub ts: f64,
    /// `"create"`, `"cancel"`, `"exception"`, `"done"`.
    pub kind: &'static str,
    /// Details (the exception, the cancel message…).
    pub detail: String,
    /// The slice running when it happened (for a creation: the creator).
    pub by: Cause,
}

/// A line the program printed.
#[derive(Clone, Debug)]
pub struct Printed {
    /// When.
    pub ts: f64,
    /// The task that printed it (0: outside any task).
    pub track: u64,
    /// The text, without its newline.
    pub text: String,
    /// The slice that printed it.
    pub by: Cause,
}

/// A sample of the loop's counters.
#[derive(Clone, Copy, Debug)]
pub struct Counters {
    /// When.
    pub ts: f64,
    /// Callbacks in the ready queue.
    pub ready: usize,
    /// Tasks created and not finished.
    pub live: usize,
}

/// The record of one run.
#[derive(Debug, Default)]
pub struct Tracer {
    /// Tracks by creation order (track 0, the timers, is added when a timer first fires).
    pub tracks: Vec<Track>,
    /// Running slices in the order they started.
    pub slices: Vec<Slice>,
    /// Point events.
    pub instants: Vec<Instant>,
    /// Printed lines.
    pub prints: Vec<Printed>,
    /// Counter samples, one per change.
    pub counters: Vec<Counters>,
    /// What is running now.
    pub context: Option<usize>,
    /// For each scheduled callback handle (by address): what scheduled it.
    pub scheduled_by: HashMap<usize, Cause>,
    /// What scheduled the callback about to run (the next task step's waker).
    pub next_cause: Cause,
    /// Text printed since the last newline.
    partial: String,
    live: usize,
}

impl Tracer {
    /// An empty record.
    pub fn new() -> Tracer {
        Tracer::default()
    }

    /// The cause of whatever happens now.
    pub fn cause(&self) -> Cause {
        match self.context {
            Some(i) => Cause::Slice(i),
            None => Cause::Outside,
        }
    }

    /// A task was created.
    pub fn task_created(&mut self, serial: u64, name: &str, coro: &str, now: f64) {
        self.tracks.push(Track {
            serial,
            name: name.to_string(),
            coro: coro.to_string(),
            created: now,
            end: None,
        });
        let by = self.cause();
        self.instants.push(Instant {
            track: serial,
            ts: now,
            kind: "create",
            detail: String::new(),
            by,
        });
        self.live += 1;
    }

    /// A callback handle at `addr` was scheduled now.
    pub fn scheduled(&mut self, addr: usize) {
        let c = self.cause();
        self.scheduled_by.insert(addr, c);
    }

    /// A scheduled handle is about to run (or was dropped): what scheduled it.
    pub fn take_scheduler(&mut self, addr: usize) -> Cause {
        self.scheduled_by.remove(&addr).unwrap_or(Cause::Outside)
    }

    /// A slice starts on `track`; returns its index. It becomes the running context.
    pub fn begin(&mut self, track: u64, now: f64, woken_by: Cause, ready: usize) -> usize {
        let i = self.slices.len();
        self.slices.push(Slice {
            track,
            start: now,
            end: now,
            seq: i,
            reason: String::new(),
            woken_by,
        });
        self.context = Some(i);
        self.sample(now, ready);
        i
    }

    /// The slice `i` ends now for `reason`; the previous context comes back.
    pub fn end(&mut self, i: usize, now: f64, reason: String, prev: Option<usize>) {
        if let Some(s) = self.slices.get_mut(i) {
            s.end = now.max(s.start);
            s.reason = reason;
        }
        self.context = prev;
    }

    /// Makes sure track 0 (timers and code outside any task) exists.
    fn outside_track(&mut self, now: f64) {
        if !self.tracks.iter().any(|t| t.serial == 0) {
            self.tracks.insert(
                0,
                Track {
                    serial: 0,
                    name: "outside tasks".to_string(),
                    coro: String::new(),
                    created: now,
                    end: None,
                },
            );
        }
    }

    /// A timer fires now: a slice on track 0.
    pub fn timer_fired(&mut self, now: f64, ready: usize) -> usize {
        self.outside_track(now);
        self.begin(0, now, Cause::Outside, ready)
    }

    /// A point event on a task's track.
    pub fn instant(&mut self, track: u64, now: f64, kind: &'static str, detail: String) {
        let by = self.cause();
        self.instants.push(Instant {
            track,
            ts: now,
            kind,
            detail,
            by,
        });
    }

    /// A task finished (`how` is `"done"`, `"cancelled"` or `"exception: …"`).
    pub fn task_finished(&mut self, track: u64, now: f64, how: String) {
        if let Some(t) = self.tracks.iter_mut().find(|t| t.serial == track) {
            if t.end.is_some() {
                return;
            }
            t.end = Some((now, how.clone()));
        }
        let kind = if how == "done" {
            "done"
        } else if how == "cancelled" {
            "cancelled"
        } else {
            "exception"
        };
        self.instant(track, now, kind, how);
        self.live = self.live.saturating_sub(1);
    }

    /// Text written to stdout by `track` (0: outside any task).
    pub fn output(&mut self, track: u64, now: f64, text: &str) {
        if track == 0 {
            self.outside_track(now);
        }
        let mut rest = text;
        while let Some(nl) = rest.find('\n') {
            self.partial.push_str(&rest[..nl]);
            let line = std::mem::take(&mut self.partial);
            let by = self.cause();
            self.prints.push(Printed {
                ts: now,
                track,
                text: line,
                by,
            });
            rest = &rest[nl + 1..];
        }
        self.partial.push_str(rest);
    }

    fn sample(&mut self, now: f64, ready: usize) {
        let live = self.live;
        if let Some(last) = self.counters.last() {
            if last.ready == ready && last.live == live {
                return;
            }
        }
        self.counters.push(Counters {
            ts: now,
            ready,
            live,
        });
    }
}

fn serial(task: &Future) -> u64 {
    task.task.as_ref().map_or(0, |t| t.serial)
}

impl Interp {
    /// Records a new task.
    pub(crate) fn trace_created(&mut self, task: &Rc<Future>) {
        let now = self.loop_time();
        let Some(td) = &task.task else { return };
        let coro = match &td.coro {
            Value::Generator(g) => g.code.qualname.to_string(),
            _ => String::new(),
        };
        let name = td.name().to_string();
        if let Some(t) = self.tracer.as_mut() {
            t.task_created(td.serial, &name, &coro, now);
        }
    }

    /// Records a point event (`"cancel"`) on a task.
    pub(crate) fn trace_instant(&mut self, task: &Rc<Future>, kind: &'static str, msg: Value) {
        let now = self.loop_time();
        let detail = match msg {
            Value::None => String::new(),
            v => self.to_str(&v).unwrap_or_default(),
        };
        if let Some(t) = self.tracer.as_mut() {
            t.instant(serial(task), now, kind, detail);
        }
    }

    /// A task step begins: returns its slice and the context to restore.
    pub(crate) fn trace_step_begin(&mut self, task: &Rc<Future>) -> (usize, Option<usize>) {
        let now = self.loop_time();
        let ready = self.event_loop.as_ref().map_or(0, |l| l.ready.len());
        let Some(t) = self.tracer.as_mut() else {
            return (0, None);
        };
        let prev = t.context;
        let cause = std::mem::take(&mut t.next_cause);
        let i = t.begin(serial(task), now, cause, ready);
        (i, prev)
    }

    /// A task step ended with `r`: records why, and the task's end if it finished. The step
    /// stays the running context until `trace_step_done`, so that the callbacks its result
    /// schedules are shown as caused by it.
    pub(crate) fn trace_step_end(
        &mut self,
        task: &Rc<Future>,
        slice: usize,
        r: &Result<Outcome, Exc>,
    ) {
        let now = self.loop_time();
        let (reason, finished) = match r {
            Ok(Outcome::Yield(Value::Future(f))) => {
                let stack = task
                    .task
                    .as_ref()
                    .map(|td| super::waits::await_stack(&td.coro))
                    .unwrap_or_default();
                let here = stack.last().map(|f| f.file.to_string());
                (format!("waits for {}", describe(f, here.as_deref())), None)
            }
            Ok(Outcome::Yield(_)) => ("yields to the loop".to_string(), None),
            Ok(Outcome::Return(_)) => ("done".to_string(), Some("done".to_string())),
            Err(e)
                if e.class()
                    .is_subclass(&types().asyncio_exc("CancelledError")) =>
            {
                ("cancelled".to_string(), Some("cancelled".to_string()))
            }
            Err(e) => {
                let name = e.class().name.to_string();
                let msg = e
                    .args()
                    .first()
                    .cloned()
                    .map(|a| self.to_str(&a).unwrap_or_default())
                    .unwrap_or_default();
                let what = if msg.is_empty() {
                    format!("exception: {name}")
                } else {
                    format!("exception: {name}: {msg}")
                };
                (what.clone(), Some(what))
            }
        };
        if let Some(t) = self.tracer.as_mut() {
            let ctx = t.context;
            t.end(slice, now, reason, ctx);
            if let Some(how) = finished {
                t.task_finished(serial(task), now, how);
            }
        }
    }

    /// The task step's consequences are scheduled: the previous context comes back.
    pub(crate) fn trace_step_done(&mut self, prev: Option<usize>) {
        if let Some(t) = self.tracer.as_mut() {
            t.context = prev;
        }
    }

    /// Records text written to stdout.
    pub(crate) fn trace_output(&mut self, text: &str) {
        let now = self.loop_time();
        let track = self
            .event_loop
            .as_ref()
            .and_then(|l| l.current_task.as_ref())
            .map_or(0, |t| serial(t));
        if let Some(t) = self.tracer.as_mut() {
            t.output(track, now, text);
        }
    }
}
