//! The clock behind `time.*` and the event loop: real (monotonic, with real waiting) or
//! virtual (time jumps to the next timer whenever nothing is ready). Everything else is blind to
//! which one runs.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A clock: real or virtual.
#[derive(Debug)]
pub struct Clock {
    virtual_time: bool,
    start: Instant,
    wall_start: f64,
    elapsed: f64,
}

impl Clock {
    /// A clock starting now; `virtual_time` makes waiting free.
    pub fn new(virtual_time: bool) -> Clock {
        let wall_start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        Clock {
            virtual_time,
            start: Instant::now(),
            wall_start,
            elapsed: 0.0,
        }
    }

    /// Whether time is virtual.
    pub fn is_virtual(&self) -> bool {
        self.virtual_time
    }

    /// Seconds on the monotonic clock (`time.monotonic()`, `loop.time()`).
    pub fn monotonic(&self) -> f64 {
        if self.virtual_time {
            self.elapsed
        } else {
            self.start.elapsed().as_secs_f64()
        }
    }

    /// Seconds since the Unix epoch (`time.time()`).
    pub fn wall(&self) -> f64 {
        if self.virtual_time {
            self.wall_start + self.elapsed
        } else {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0)
        }
    }

    /// Waits until the monotonic clock reads at least `t`: really, or by jumping.
    pub fn wait_until(&mut self, t: f64) {
        let now = self.monotonic();
        if t <= now {
            return;
        }
        self.sleep(t - now);
    }

    /// Blocks for `secs` seconds (`time.sleep`).
    pub fn sleep(&mut self, secs: f64) {
        if secs <= 0.0 || !secs.is_finite() {
            return;
        }
        if self.virtual_time {
            self.elapsed += secs;
            return;
        }
        // Sleep in slices so that Ctrl-C at the prompt interrupts a long wait at once.
        let end = Instant::now() + Duration::from_secs_f64(secs.min(1e9));
        loop {
            let now = Instant::now();
            if now >= end || crate::repl::INTERRUPT.load(std::sync::atomic::Ordering::Relaxed) {
                break;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(50)));
        }
    }
}
