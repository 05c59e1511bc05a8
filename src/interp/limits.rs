//! Resource limits that count work, never time: steps (statements executed, calls made and
//! items taken from iterators), bytes held (see [`crate::memory`]) and live tasks. A run that
//! goes over one stops at the same step every time.
//!
//! The cost when no limit is set is one decrement and one predictable branch per step: the
//! thread's *fuel* counts down to the next slow check, which comes at least every
//! `CHECK_EVERY` steps (it also notices a pending Ctrl-C). The step limit sets the fuel to the
//! steps left (at most that many); the memory counter, when it crosses its limit, empties the
//! fuel so the next step checks.
//!
//! A limit that is hit is not a Python exception a script could catch: the interpreter records
//! it, raises a carrier exception that `unwind` passes through every `except`, `finally` and
//! `with` without running them, and every later step raises it again, so native code that
//! swallows exceptions cannot outlive it either.

use super::Interp;
use crate::runtime::exceptions::err;
use crate::runtime::value::Exc;
use std::cell::Cell;

/// Limits for one run; `None` is unlimited.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Steps: statements executed, calls made and items taken from iterators.
    pub max_steps: Option<u64>,
    /// Bytes the interpreter holds (values, frames, code), beyond what it held at start.
    pub max_memory: Option<usize>,
    /// Tasks created and not yet done.
    pub max_tasks: Option<usize>,
}

/// Which limit was hit, with its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitHit {
    /// `--max-steps`.
    Steps(u64),
    /// `--max-memory`.
    Memory(usize),
    /// `--max-tasks`.
    Tasks(usize),
    /// Not a limit but stopped the same way: standard output was closed by its reader
    /// (`aio script | head -1`). The run ends quietly.
    OutputClosed,
}

impl std::fmt::Display for LimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LimitHit::Steps(n) => write!(f, "--max-steps {n}"),
            LimitHit::Memory(n) => write!(f, "--max-memory {n}"),
            LimitHit::Tasks(n) => write!(f, "--max-tasks {n}"),
            LimitHit::OutputClosed => write!(f, "standard output closed"),
        }
    }
}

/// The most steps between two slow checks: how late a Ctrl-C is noticed (well under a
/// millisecond of statements).
const CHECK_EVERY: u64 = 1 << 16;

thread_local! {
    /// Steps left before the next slow check.
    static FUEL: Cell<u64> = const { Cell::new(CHECK_EVERY) };
    /// The fuel that was left when the memory counter tripped.
    static BANK: Cell<u64> = const { Cell::new(0) };
    /// Whether the memory counter tripped since the last slow check.
    static TRIPPED: Cell<bool> = const { Cell::new(false) };
    /// The limit that was hit on this thread, once one is.
    static HIT: Cell<Option<LimitHit>> = const { Cell::new(None) };
}

/// The limit hit on this thread, if any.
pub fn current_hit() -> Option<LimitHit> {
    HIT.with(Cell::get)
}

/// Records that a limit was hit (the first one stays) and gives the carrier exception to raise.
/// Every later step raises a carrier again. Usable where no interpreter is at hand (the
/// runtime's checks before a large allocation).
pub fn hit_now(hit: LimitHit) -> Exc {
    if current_hit().is_none() {
        HIT.with(|h| h.set(Some(hit)));
    }
    FUEL.with(|f| f.set(1));
    let what = current_hit().map(|h| h.to_string()).unwrap_or_default();
    err("BaseException", format!("aio: limit reached: {what}"))
}

/// Called by the counting allocator when the thread goes over its memory limit (and by the
/// cycle collector when a collection is due): makes the next step take the slow check, keeping
/// the fuel that was left.
pub(crate) fn trip() {
    let _ = TRIPPED.try_with(|t| {
        if !t.get() {
            t.set(true);
            FUEL.with(|f| {
                BANK.with(|b| b.set(f.get()));
                f.set(1);
            });
        }
    });
}

/// The step-counting state an interpreter keeps.
#[derive(Debug, Default)]
pub struct Budget {
    /// The limits in force.
    pub limits: Limits,
    /// Steps counted up to the last grant of fuel.
    pub steps: u64,
    /// The fuel granted at the last slow check.
    granted: u64,
    /// The first carrier exception raised for it: its traceback shows where the limit was hit.
    pub carrier: Option<Exc>,
    /// Tasks created and not yet done.
    pub live_tasks: usize,
}

impl Interp {
    /// Puts `limits` in force from now on, for this interpreter's thread.
    pub fn set_limits(&mut self, limits: Limits) {
        self.budget = Budget {
            limits,
            live_tasks: self.budget.live_tasks,
            ..Budget::default()
        };
        crate::memory::set_limit(limits.max_memory);
        TRIPPED.with(|t| t.set(false));
        HIT.with(|h| h.set(None));
        let fuel = limits
            .max_steps
            .map_or(CHECK_EVERY, |n| n.saturating_add(1))
            .min(CHECK_EVERY);
        self.budget.granted = fuel;
        FUEL.with(|f| f.set(fuel));
    }

    /// Counts one step. One decrement and one branch unless a check is due.
    #[inline]
    pub fn tick(&mut self) -> Result<(), Exc> {
        let fuel = FUEL.with(|f| {
            let v = f.get().wrapping_sub(1);
            f.set(v);
            v
        });
        if fuel == 0 {
            return self.tick_slow();
        }
        Ok(())
    }

    #[cold]
    fn tick_slow(&mut self) -> Result<(), Exc> {
        let interrupted = crate::repl::INTERRUPT.load(std::sync::atomic::Ordering::Relaxed);
        // A cycle collection asked for by a registration runs here, at a step boundary.
        if crate::runtime::gc::due() {
            crate::runtime::gc::collect();
        }
        let mut left = if TRIPPED.with(|t| t.replace(false)) {
            BANK.with(Cell::get).saturating_sub(1)
        } else {
            0
        };
        let b = &mut self.budget;
        b.steps = b.steps.saturating_add(b.granted.saturating_sub(left));
        if let Some(h) = current_hit() {
            return Err(self.limit_reached(h));
        }
        if let Some(n) = b.limits.max_memory {
            if crate::memory::over_limit() {
                return Err(self.limit_reached(LimitHit::Memory(n)));
            }
        }
        if let Some(n) = b.limits.max_steps {
            if b.steps > n {
                return Err(self.limit_reached(LimitHit::Steps(n)));
            }
            if left == 0 {
                left = n + 1 - b.steps;
            }
        } else if left == 0 {
            left = CHECK_EVERY;
        }
        // Without a step limit the slow check still comes every `CHECK_EVERY` steps, for
        // Ctrl-C.
        left = left.min(CHECK_EVERY);
        self.budget.granted = left;
        FUEL.with(|f| f.set(left));
        if interrupted {
            return Err(Self::interrupted());
        }
        Ok(())
    }

    /// Records that a limit was hit (the first one stays) and gives the carrier exception,
    /// keeping the first carrier: its traceback shows where the limit was hit.
    pub fn limit_reached(&mut self, hit: LimitHit) -> Exc {
        let e = hit_now(hit);
        self.budget.granted = 1;
        if self.budget.carrier.is_none() {
            self.budget.carrier = Some(e.clone());
        }
        e
    }

    /// Whether a limit has been hit: unwinding then runs no handler.
    #[inline]
    pub fn limit_is_hit(&self) -> bool {
        current_hit().is_some()
    }

    /// Counts a task created; fails when that would exceed `--max-tasks`.
    pub fn task_created(&mut self) -> Result<(), Exc> {
        if let Some(n) = self.budget.limits.max_tasks {
            if self.budget.live_tasks >= n {
                return Err(self.limit_reached(LimitHit::Tasks(n)));
            }
        }
        self.budget.live_tasks += 1;
        Ok(())
    }

    /// Counts a task done.
    pub fn task_finished(&mut self) {
        self.budget.live_tasks = self.budget.live_tasks.saturating_sub(1);
    }
}
