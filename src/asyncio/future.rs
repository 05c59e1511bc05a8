//! Futures and tasks: the objects a coroutine waits on, with CPython's state machine, done
//! callbacks scheduled through the loop in registration order, and a task's coroutine.

use crate::runtime::value::{Exc, Value};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// An optional owned value in a `Cell`: one word for a pointer, where a `RefCell` takes two
/// (a task's rarely-set fields, kept small because a program may hold a hundred thousand
/// tasks). Read by taking the value out and putting it back, with no program code in between.
pub struct TakeCell<T>(Cell<Option<T>>);

impl<T> TakeCell<T> {
    /// A cell holding `v`.
    pub const fn new(v: Option<T>) -> TakeCell<T> {
        TakeCell(Cell::new(v))
    }

    /// Takes the value out, leaving nothing.
    pub fn take(&self) -> Option<T> {
        self.0.take()
    }

    /// Puts `v` in, returning what was there (for the caller to drop).
    pub fn replace(&self, v: Option<T>) -> Option<T> {
        self.0.replace(v)
    }

    /// Whether it holds a value.
    pub fn is_some(&self) -> bool {
        let v = self.0.take();
        let some = v.is_some();
        self.0.set(v);
        some
    }

    /// Runs `f` on the value held. `f` must not reach this cell (it would find it empty);
    /// the callers only copy or visit what it holds.
    pub fn with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        let v = self.0.take();
        let r = f(v.as_ref());
        let stray = self.0.replace(v);
        debug_assert!(stray.is_none(), "a TakeCell was written while it was read");
        r
    }
}

impl<T: Clone> TakeCell<T> {
    /// A copy of the value held.
    pub fn get(&self) -> Option<T> {
        self.with(|v| v.cloned())
    }
}

impl<T> Default for TakeCell<T> {
    fn default() -> TakeCell<T> {
        TakeCell::new(None)
    }
}

impl<T> std::fmt::Debug for TakeCell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.is_some() {
            "TakeCell(Some(..))"
        } else {
            "TakeCell(None)"
        })
    }
}

/// A value in a `Cell`, borrowed by moving it out into a guard that puts it back when it
/// goes: no borrow flag, so a future's rarely-contended fields take a word less than in a
/// `RefCell` (a program may hold a hundred thousand futures). The guard must not outlive
/// anything that touches the same cell (such code would find the default value, and its
/// changes would be lost); the callers keep their guards to a few lines of Rust.
#[derive(Default)]
pub struct SwapCell<T: Default>(Cell<T>);

/// A [`SwapCell`]'s value, out of the cell while the guard lives.
pub struct SwapGuard<'a, T: Default> {
    cell: &'a SwapCell<T>,
    value: T,
}

impl<T: Default> SwapCell<T> {
    /// A cell holding `v`.
    pub const fn new(v: T) -> SwapCell<T> {
        SwapCell(Cell::new(v))
    }

    /// The value, to read.
    pub fn borrow(&self) -> SwapGuard<'_, T> {
        SwapGuard {
            cell: self,
            value: self.0.take(),
        }
    }

    /// The value, to change.
    pub fn borrow_mut(&self) -> SwapGuard<'_, T> {
        self.borrow()
    }
}

impl<T: Default> std::ops::Deref for SwapGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: Default> std::ops::DerefMut for SwapGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: Default> Drop for SwapGuard<'_, T> {
    fn drop(&mut self) {
        self.cell.0.set(std::mem::take(&mut self.value));
    }
}

impl<T: Default + std::fmt::Debug> std::fmt::Debug for SwapCell<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.borrow().fmt(f)
    }
}

/// Where a future is.
#[derive(Clone, Debug, Default)]
pub enum FutState {
    /// Not done.
    #[default]
    Pending,
    /// Done with a result.
    Finished(Value),
    /// Done with an exception.
    Failed(Exc),
    /// Cancelled (boxed: the common states stay the size of a value).
    Cancelled(Box<Cancelled>),
}

/// How a future was cancelled.
#[derive(Clone, Debug)]
pub struct Cancelled {
    /// The cancel message.
    pub msg: Value,
    /// For tasks: the CancelledError that ended the coroutine, which `result()` re-raises
    /// the first time.
    pub exc: Option<Exc>,
}

/// A future's done callbacks, in registration order: one is kept inline (most futures have
/// just their awaiting task's wake-up), more in a boxed vector. Two words (a program may hold
/// a hundred thousand futures).
#[derive(Clone, Debug, Default)]
pub enum Callbacks {
    /// None.
    #[default]
    Zero,
    /// Just this one.
    One(DoneCallback),
    /// Two or more.
    Many(Box<Vec<DoneCallback>>),
}

impl Callbacks {
    /// No callbacks.
    pub const fn new() -> Callbacks {
        Callbacks::Zero
    }

    /// The callbacks, in registration order.
    pub fn as_slice(&self) -> &[DoneCallback] {
        match self {
            Callbacks::Zero => &[],
            Callbacks::One(c) => std::slice::from_ref(c),
            Callbacks::Many(v) => v,
        }
    }

    /// The callbacks, in registration order.
    pub fn iter(&self) -> std::slice::Iter<'_, DoneCallback> {
        self.as_slice().iter()
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        matches!(self, Callbacks::Zero)
    }

    /// Adds `cb` after the others.
    pub fn push(&mut self, cb: DoneCallback) {
        *self = match std::mem::take(self) {
            Callbacks::Zero => Callbacks::One(cb),
            Callbacks::One(a) => Callbacks::Many(Box::new(vec![a, cb])),
            Callbacks::Many(mut v) => {
                v.push(cb);
                Callbacks::Many(v)
            }
        };
    }

    /// Drops them all.
    pub fn clear(&mut self) {
        *self = Callbacks::Zero;
    }

    /// Keeps the callbacks `keep` is true of, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&DoneCallback) -> bool) {
        *self = match std::mem::take(self) {
            Callbacks::One(a) if keep(&a) => Callbacks::One(a),
            Callbacks::Many(mut v) => {
                v.retain(|c| keep(c));
                match v.len() {
                    0 => Callbacks::Zero,
                    1 => Callbacks::One(v.pop().expect("one left")),
                    _ => Callbacks::Many(v),
                }
            }
            _ => Callbacks::Zero,
        };
    }
}

impl IntoIterator for Callbacks {
    type Item = DoneCallback;
    type IntoIter =
        std::iter::Chain<std::option::IntoIter<DoneCallback>, std::vec::IntoIter<DoneCallback>>;

    fn into_iter(self) -> Self::IntoIter {
        let (one, many) = match self {
            Callbacks::Zero => (None, Vec::new()),
            Callbacks::One(c) => (Some(c), Vec::new()),
            Callbacks::Many(v) => (None, *v),
        };
        one.into_iter().chain(many)
    }
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
    /// Its name and pending cancel, boxed together in one word (see [`TaskRare`]).
    rare: TakeCell<Box<TaskRare>>,
    /// The future the task waits on.
    pub fut_waiter: TakeCell<Rc<Future>>,
    /// The code of the program's call that created it, for reports (`created_pos` is where
    /// in it).
    created_code: Option<Rc<crate::compile::code::Code>>,
    /// The offset in `created_code` of that call.
    created_pos: u32,
    /// `cancelling()`: cancel requests not yet uncancelled.
    pub num_cancels: Cell<u32>,
    /// The task's number on its interpreter (1 for the first task), for traces.
    pub serial: u64,
    /// The deadline of its sleep with no future (see [`Future::sleep`]; the delay is the
    /// sleeping frame's delegate).
    pub sleep_deadline: Cell<f64>,
}

/// A task's rarely-set fields, made when the first is set (most tasks never have them).
#[derive(Debug, Default)]
struct TaskRare {
    /// `get_name()`, when it is not the default `Task-<serial>` (or once that was asked for).
    name: Option<Rc<str>>,
    /// A cancel that arrived while no future was awaited, with its message: delivered at the
    /// next step (CPython's `_must_cancel` and `_cancel_message`).
    must_cancel: Option<Value>,
}

impl TaskData {
    /// `get_name()`.
    pub fn name(&self) -> Rc<str> {
        if let Some(n) = self.rare.with(|r| r.and_then(|r| r.name.clone())) {
            return n;
        }
        let n: Rc<str> = Rc::from(format!("Task-{}", self.serial));
        self.set_name(n.clone());
        n
    }

    /// Changes the rare fields with `f`.
    fn change_rare<R>(&self, f: impl FnOnce(&mut TaskRare) -> R) -> R {
        let mut rare = self.rare.take().unwrap_or_default();
        let r = f(&mut rare);
        drop(self.rare.replace(Some(rare)));
        r
    }

    /// The message of the pending cancel, if one is pending.
    pub fn pending_cancel(&self) -> Option<Value> {
        self.rare.with(|r| r.and_then(|r| r.must_cancel.clone()))
    }

    /// Runs `f` on the pending cancel's message (for the cycle collector: no copy is made).
    pub fn visit_pending_cancel(&self, f: impl FnOnce(&Value)) {
        self.rare.with(|r| {
            if let Some(msg) = r.and_then(|r| r.must_cancel.as_ref()) {
                f(msg);
            }
        });
    }

    /// Makes a cancel with `msg` pending (replacing any).
    pub fn set_must_cancel(&self, msg: Value) {
        let old = self.change_rare(|r| r.must_cancel.replace(msg));
        drop(old);
    }

    /// Takes the pending cancel's message, if one is pending.
    pub fn take_must_cancel(&self) -> Option<Value> {
        if !self.rare.is_some() {
            return None;
        }
        self.change_rare(|r| r.must_cancel.take())
    }

    /// `set_name(name)`.
    pub fn set_name(&self, name: Rc<str>) {
        let old = self.change_rare(|r| r.name.replace(name));
        drop(old);
    }

    /// The program's call that created it: its code and the offset in it.
    pub fn created_at(&self) -> Option<(&Rc<crate::compile::code::Code>, u32)> {
        self.created_code.as_ref().map(|c| (c, self.created_pos))
    }
}

/// An `asyncio.Future` or (with `task`) an `asyncio.Task`.
#[derive(Debug)]
pub struct Future {
    /// State.
    pub state: SwapCell<FutState>,
    /// Done callbacks, in registration order.
    pub callbacks: SwapCell<Callbacks>,
    /// Set while a task is being asked to block on it (`_asyncio_future_blocking`).
    pub blocking: Cell<bool>,
    /// For tasks: a sleep with no future. `await asyncio.sleep(delay)` in a frame that
    /// yields straight to its task's step needs no future: its timer holds the task and this
    /// token, and wakes the task if the token is still here. [`NO_SLEEP`], [`SLEEP_OVER`]
    /// (the timer fired; the task's next step ends the sleep) or the token of a pending
    /// sleep. A sleep becomes the future it stands for if something outside acts on it
    /// (`Interp::sleep_to_future`).
    ///
    /// [`NO_SLEEP`]: crate::asyncio::event_loop::NO_SLEEP
    /// [`SLEEP_OVER`]: crate::asyncio::event_loop::SLEEP_OVER
    pub sleep: Cell<u32>,
    /// An exception was set and nobody retrieved it yet.
    pub log_traceback: Cell<bool>,
    /// Called instead of the normal cancel (used by `gather` for its outer future; boxed, as
    /// it is rare).
    pub cancel_hook: TakeCell<Box<Value>>,
    /// For tasks: the coroutine and cancel state (boxed: most futures are not tasks).
    pub task: Option<Box<TaskData>>,
    /// What this future stands for (a sleep, a gather, a lock acquisition…), for deadlock
    /// reports, `:tasks` and traces.
    pub waits: SwapCell<Option<Box<Waits>>>,
}

/// Where in a program something was created.
#[derive(Clone, Debug)]
pub struct Site {
    /// The file name tracebacks print.
    pub file: Rc<str>,
    /// The 1-based line.
    pub line: u32,
}

/// The timer of a sleep's future.
#[derive(Debug)]
pub enum SleepTimer {
    /// A timer handle the library's `sleep` cancels itself (`_aio_sleep_timer`). Weak: the
    /// handle's callback holds the future.
    Handle(std::rc::Weak<crate::asyncio::event_loop::Handle>),
    /// A timer with no handle, in the loop's heap for an `await asyncio.sleep(delay)` run by
    /// its first step (see `Interp::await_builtin`); `live` is cleared when the await ends,
    /// which cancels it.
    Direct {
        /// Not cancelled.
        live: bool,
    },
}

/// The futures a [`Waits::Group`] waits for.
#[derive(Debug)]
pub enum GroupOf {
    /// As they were when it was labelled.
    Futures(Vec<std::rc::Weak<Future>>),
    /// The futures in a list that does not change (`gather`'s children), read when a report
    /// asks: one word for a group of a hundred thousand tasks.
    List(std::rc::Weak<RefCell<Vec<Value>>>),
}

impl GroupOf {
    /// The futures, those still alive as futures and the others as `None`.
    pub fn futures(&self) -> Vec<Option<Rc<Future>>> {
        match self {
            GroupOf::Futures(of) => of.iter().map(std::rc::Weak::upgrade).collect(),
            GroupOf::List(list) => list.upgrade().map_or_else(Vec::new, |l| {
                l.borrow()
                    .iter()
                    .filter_map(|v| match v {
                        Value::Future(f) => Some(Some(f.clone())),
                        _ => None,
                    })
                    .collect()
            }),
        }
    }
}

/// What a future represents, as the asyncio functions that create futures label them.
#[derive(Debug)]
pub enum Waits {
    /// A future created directly by the program (`loop.create_future()`), where.
    Created(Site),
    /// `asyncio.sleep(delay)`, ending at `deadline` on the loop's clock.
    Sleep {
        /// The delay asked for.
        delay: f64,
        /// When it ends.
        deadline: f64,
        /// What the sleep returns (the future's result once its timer fires; taken then).
        result: Value,
        /// The timer that completes it.
        timer: SleepTimer,
    },
    /// A future that completes when other futures do (`gather`, `wait`, `wait_for`, `shield`…).
    Group {
        /// The function, e.g. `"gather"`.
        what: Rc<str>,
        /// The futures it waits for.
        of: GroupOf,
    },
    /// An operation on a synchronisation primitive or queue (`"Event.wait()"`), with the
    /// primitive's creation site.
    Primitive {
        /// The operation, e.g. `"Lock.acquire()"`.
        what: Rc<str>,
        /// Where the primitive was created.
        site: Option<Site>,
    },
}

impl Future {
    /// A pending future.
    pub fn new() -> Rc<Future> {
        let f = Rc::new(Future::bare(None));
        crate::runtime::gc::track(&f);
        f
    }

    /// A pending future the cycle collector does not know (for the loop's own futures that
    /// no cycle can pass through; references from it count as outside ones).
    pub fn untracked() -> Rc<Future> {
        Rc::new(Future::bare(None))
    }

    /// A pending task for `coro` named `name` (`None`: `Task-<serial>`).
    pub fn new_task(
        coro: Value,
        name: Option<Rc<str>>,
        serial: u64,
        created_at: Option<(Rc<crate::compile::code::Code>, u32)>,
    ) -> Rc<Future> {
        let t = Rc::new(Future::bare(Some(Box::new(TaskData {
            coro,
            rare: TakeCell::new(name.map(|name| {
                Box::new(TaskRare {
                    name: Some(name),
                    must_cancel: None,
                })
            })),
            fut_waiter: TakeCell::new(None),
            created_pos: created_at.as_ref().map_or(0, |c| c.1),
            created_code: created_at.map(|c| c.0),
            num_cancels: Cell::new(0),
            serial,
            sleep_deadline: Cell::new(0.0),
        }))));
        crate::runtime::gc::track(&t);
        t
    }

    fn bare(task: Option<Box<TaskData>>) -> Future {
        Future {
            state: SwapCell::new(FutState::Pending),
            callbacks: SwapCell::new(Callbacks::new()),
            blocking: Cell::new(false),
            sleep: Cell::new(0),
            log_traceback: Cell::new(false),
            cancel_hook: TakeCell::new(None),
            task,
            waits: SwapCell::new(None),
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

impl Future {
    /// CPython's `Future.__del__`: a future dying (dropped, or found unreachable by the cycle
    /// collector) with an exception nobody retrieved reports it, once. Whether it did.
    pub(crate) fn report_unretrieved(&self) -> bool {
        if !self.log_traceback.get() {
            return false;
        }
        let state = self.state.borrow();
        let FutState::Failed(e) = &*state else {
            return false;
        };
        self.log_traceback.set(false);
        let task = self.task.as_ref().map(|t| (t.name(), t.coro.clone()));
        crate::interp::reports::push(crate::interp::reports::Report::TaskException(
            task,
            e.clone(),
        ));
        true
    }
}

impl Drop for Future {
    fn drop(&mut self) {
        self.report_unretrieved();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_cell_reads_put_the_value_back() {
        let c = TakeCell::new(Some(Rc::new(5)));
        assert!(c.is_some());
        let v = c.get().expect("a value was put in");
        assert_eq!(*v, 5);
        // The copy and the value still held: two counts.
        assert_eq!(Rc::strong_count(&v), 2);
        assert_eq!(c.with(|x| x.map(|x| **x)), Some(5));
        assert_eq!(c.replace(None).map(|x| *x), Some(5));
        assert!(!c.is_some());
        assert!(c.get().is_none());
    }

    #[test]
    fn a_swap_cell_gets_its_value_back_from_the_guard() {
        let c: SwapCell<Vec<u32>> = SwapCell::new(vec![1]);
        {
            let mut g = c.borrow_mut();
            g.push(2);
            // While the guard holds the value the cell is empty.
            assert!(c.borrow().is_empty());
        }
        assert_eq!(*c.borrow(), [1, 2]);
    }

    #[test]
    fn callbacks_keep_registration_order_through_push_and_retain() {
        let num = |c: &DoneCallback| match c {
            DoneCallback::Py(Value::Int(n)) => *n,
            _ => -1,
        };
        let mut cbs = Callbacks::new();
        assert!(cbs.is_empty());
        for n in 0..4 {
            cbs.push(DoneCallback::Py(Value::Int(n)));
        }
        assert_eq!(cbs.iter().map(num).collect::<Vec<_>>(), [0, 1, 2, 3]);
        cbs.retain(|c| num(c) % 2 == 1);
        assert_eq!(cbs.len(), 2);
        cbs.retain(|c| num(c) == 3);
        assert!(matches!(cbs, Callbacks::One(_)));
        cbs.push(DoneCallback::StopLoop);
        let all: Vec<i64> = cbs.clone().into_iter().map(|c| num(&c)).collect();
        assert_eq!(all, [3, -1]);
        cbs.retain(|_| false);
        assert!(cbs.is_empty());
    }

    #[test]
    fn a_task_stays_small() {
        // 100,000 live tasks each hold one of these (bench/spawn.py): a field that grows it
        // past a mimalloc size class costs megabytes.
        assert!(std::mem::size_of::<TaskData>() <= 64);
        assert!(std::mem::size_of::<Future>() <= 64);
        assert_eq!(std::mem::size_of::<Callbacks>(), 16);
    }
}
