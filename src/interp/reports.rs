//! Things CPython reports on stderr when an object dies: a coroutine that was never awaited, a
//! task whose exception nobody retrieved. Objects are dropped deep inside Rust code that cannot
//! print (no interpreter at hand), so they leave a report here; the statement loop prints
//! pending reports after the statement that dropped them, at the line CPython names.

use crate::runtime::value::Exc;
use std::cell::{Cell, RefCell};

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
    static PENDING: Cell<bool> = const { Cell::new(false) };
    static REPORTS: RefCell<Vec<Report>> = const { RefCell::new(Vec::new()) };
}

/// Leaves a report for the statement loop.
pub fn push(r: Report) {
    REPORTS.with(|v| v.borrow_mut().push(r));
    PENDING.with(|p| p.set(true));
}

/// Whether reports are waiting (one cheap check per statement).
#[inline]
pub fn pending() -> bool {
    PENDING.with(|p| p.get())
}

/// Takes the waiting reports.
pub fn take() -> Vec<Report> {
    PENDING.with(|p| p.set(false));
    REPORTS.with(|v| std::mem::take(&mut *v.borrow_mut()))
}
