//! Futures and tasks: the objects a coroutine waits on, with CPython's state machine, done
//! callbacks scheduled through the loop in registration order, and a task's coroutine.

use crate::runtime::value::{Exc, Value};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Where a future is.
#[derive(Clone, Debug)]
pub enum FutState {
    /// Not done.
    Pending,
    /// Done with a result.
    Finished(Value),
    /// Done with an exception.
    Failed(Exc),
    /// Cancelled, with the cancel message and (for tasks) the CancelledError that ended the
    /// coroutine, which `result()` re-raises.
    Cancelled(Value, Option<Exc>),
}

/// What runs when a future completes.
#[derive(Clone, Debug)]
pub enum DoneCallback {
    /// A Python callable, called with the future.
    Py(Value),
    /// Wake the task that awaits this future (CPython's `Task.__wakeup`).
    Wakeup(Rc<Future>),
    /// Stop the running loop (`run_until_complete`'s callback).
    StopLoop,
}

/// The task part of a future.
#[derive(Debug)]
pub struct TaskData {
    /// The coroutine the task drives.
    pub coro: Value,
    /// `get_name()`.
    pub name: RefCell<Rc<str>>,
    /// A cancel arrived while no future was awaited: deliver it at the next step.
    pub must_cancel: Cell<bool>,
    /// The message of the pending cancel.
    pub cancel_msg: RefCell<Value>,
    /// The future the task waits on.
    pub fut_waiter: RefCell<Option<Rc<Future>>>,
    /// `cancelling()`: cancel requests not yet uncancelled.
    pub num_cancels: Cell<u32>,
}

/// An `asyncio.Future` or (with `task`) an `asyncio.Task`.
#[derive(Debug)]
pub struct Future {
    /// State.
    pub state: RefCell<FutState>,
    /// Done callbacks, in registration order.
    pub callbacks: RefCell<Vec<DoneCallback>>,
    /// Set while a task is being asked to block on it (`_asyncio_future_blocking`).
    pub blocking: Cell<bool>,
    /// An exception was set and nobody retrieved it yet.
    pub log_traceback: Cell<bool>,
    /// Called instead of the normal cancel (used by `gather` for its outer future).
    pub cancel_hook: RefCell<Option<Value>>,
    /// For tasks: the coroutine and cancel state.
    pub task: Option<TaskData>,
}

impl Future {
    /// A pending future.
    pub fn new() -> Rc<Future> {
        Rc::new(Future::bare(None))
    }

    /// A pending task for `coro` named `name`.
    pub fn new_task(coro: Value, name: Rc<str>) -> Rc<Future> {
        Rc::new(Future::bare(Some(TaskData {
            coro,
            name: RefCell::new(name),
            must_cancel: Cell::new(false),
            cancel_msg: RefCell::new(Value::None),
            fut_waiter: RefCell::new(None),
            num_cancels: Cell::new(0),
        })))
    }

    fn bare(task: Option<TaskData>) -> Future {
        Future {
            state: RefCell::new(FutState::Pending),
            callbacks: RefCell::new(Vec::new()),
            blocking: Cell::new(false),
            log_traceback: Cell::new(false),
            cancel_hook: RefCell::new(None),
            task,
        }
    }

    /// Whether it is done (finished, failed or cancelled).
    pub fn done(&self) -> bool {
        !matches!(*self.state.borrow(), FutState::Pending)
    }

    /// Whether it was cancelled.
    pub fn cancelled(&self) -> bool {
        matches!(*self.state.borrow(), FutState::Cancelled(..))
    }

    /// CPython's state name, for reprs and InvalidStateError messages.
    pub fn state_name(&self) -> &'static str {
        match *self.state.borrow() {
            FutState::Pending => "PENDING",
            FutState::Cancelled(..) => "CANCELLED",
            _ => "FINISHED",
        }
    }
}

impl Drop for Future {
    fn drop(&mut self) {
        if !self.log_traceback.get() {
            return;
        }
        if let FutState::Failed(e) = self.state.get_mut() {
            let task = self
                .task
                .as_ref()
                .map(|t| (t.name.borrow().clone(), t.coro.clone()));
            crate::interp::reports::push(crate::interp::reports::Report::TaskException(
                task,
                e.clone(),
            ));
        }
    }
}
