//! Things CPython reports on stderr when an object dies: a coroutine that was never awaited, a
//! task whose exception nobody retrieved. Objects are dropped deep inside Rust code that cannot
//! print (no interpreter at hand), so they leave a report here; the statement loop prints
//! pending reports after the statement that dropped them, at the line CPython names.
//!
//! Generators and coroutines that die suspended inside a `try` or `with` wait here too, to be
//! closed (their `finally` clauses and `__exit__`s run) at the next safe point: after the call
//! or statement that dropped them, as close to CPython's "at the drop" as Rust's `Drop` allows.
//! One flag says whether anything waits, so the safe points cost one branch.

use crate::interp::generator::Generator;
use crate::runtime::value::Exc;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// A report left by a dying object.
#[derive(Debug)]
pub enum Report {
    /// `RuntimeWarning: coroutine 'NAME' was never awaited`.
    NeverAwaited(std::rc::Rc<str>),
    /// `Task exception was never retrieved` (or `Future …`): the task's name and coroutine
    /// (`None` for a plain future) and its exception.
    TaskException(
        Option<(std::rc::Rc<str>, crate::runtime::value::Value)>,
        Exc,
    ),
}

thread_local! {
    /// Whether anything waits; shared with the thread's interpreter ([`flag`]), which checks
    /// it without a thread-local lookup.
    static PENDING: Rc<Cell<bool>> = Rc::new(Cell::new(false));
    static REPORTS: RefCell<Vec<Report>> = const { RefCell::new(Vec::new()) };
    static CLOSES: RefCell<Vec<Rc<Generator>>> = const { RefCell::new(Vec::new()) };
}

/// Leaves a report for the statement loop.
pub fn push(r: Report) {
    REPORTS.with(|v| v.borrow_mut().push(r));
    PENDING.with(|p| p.set(true));
}

/// Leaves a dying generator (revived around its frame) to be closed.
pub fn push_close(g: Rc<Generator>) {
    // A generator dropped while thread-locals are torn down is not closed, as at CPython's
    // final shutdown.
    if CLOSES.try_with(|v| v.borrow_mut().push(g)).is_ok() {
        let _ = PENDING.try_with(|p| p.set(true));
    }
}

/// Takes the generators waiting to be closed; the flag stays up while reports wait.
pub fn take_closes() -> Vec<Rc<Generator>> {
    let gens = CLOSES.with(|v| std::mem::take(&mut *v.borrow_mut()));
    let more = REPORTS.with(|v| !v.borrow().is_empty());
    PENDING.with(|p| p.set(more));
    gens
}

/// Whether reports or closes are waiting (an interpreter checks its [`flag`] instead).
#[inline]
pub fn pending() -> bool {
    PENDING.with(|p| p.get())
}

/// The flag behind [`pending`], for the interpreter of this thread to keep: its safe points
/// (every statement and call) check it with one load.
pub fn flag() -> Rc<Cell<bool>> {
    PENDING.with(Rc::clone)
}

/// Takes the waiting reports (call [`take_closes`] first: the flag goes down).
pub fn take() -> Vec<Report> {
    PENDING.with(|p| p.set(false));
    REPORTS.with(|v| std::mem::take(&mut *v.borrow_mut()))
}

/// Drops everything waiting, closing nothing (a run stopped by a limit, or torn down).
pub fn discard() {
    // A revived generator is no longer hooked, but its frame may hold others that are.
    loop {
        let (gens, reports) = (take_closes(), take());
        if gens.is_empty() && reports.is_empty() {
            break;
        }
    }
}
