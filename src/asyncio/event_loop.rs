//! The event loop: a FIFO ready queue of callbacks and a timer heap ordered by (deadline,
//! insertion sequence). One iteration moves due timers to the ready queue and then runs exactly
//! the callbacks that were ready when it began — CPython 3.11's `BaseEventLoop._run_once`.

use super::future::{Cancelled, DoneCallback, FutState, Future, SleepTimer, Waits};
use super::trace::Cause;
use crate::interp::generator::{Outcome, Resume};
use crate::interp::Interp;
use crate::runtime::exceptions::{err, new_exception};
use crate::runtime::types::types;
use crate::runtime::value::{Exc, PyResult, Value};
use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};
use std::rc::Rc;

/// CPython's `time.get_clock_info('monotonic').resolution` on Linux.
const CLOCK_RESOLUTION: f64 = 1e-9;

/// Something the loop runs.
#[derive(Debug)]
pub enum Callback {
    /// `callback(*args)` from `call_soon` / `call_later` (boxed, as is `Done`: the loop's own
    /// callbacks, most of the ready queue, stay small).
    Py(Box<(Value, Vec<Value>)>),
    /// A program's done callback, called with the future that finished.
    Done(Box<(Value, Rc<Future>)>),
    /// One step of a task, optionally throwing an exception in (CPython's `Task.__step`).
    Step(Rc<Future>, Option<Exc>),
    /// A task's awaited future finished (CPython's `Task.__wakeup`).
    Wakeup(Rc<Future>, Rc<Future>),
    /// `asyncio.sleep`'s timer: finish the sleep's future with its result (kept in its
    /// [`Waits::Sleep`]) unless it was cancelled (CPython's
    /// `futures._set_result_unless_cancelled`).
    SleepDone(Rc<Future>),
    /// The timer of a task's sleep with no future fired (its token given): the task's next
    /// step ends the sleep, unless the sleep was cancelled meanwhile (see [`Future::sleep`]).
    WakeSleeper(Rc<Future>, u32),
    /// Stop the loop at the end of this iteration.
    StopLoop,
}

/// A scheduled callback: `asyncio.Handle` / `asyncio.TimerHandle`.
#[derive(Debug)]
pub struct Handle {
    /// What to run; taken when it runs.
    pub callback: RefCell<Option<Callback>>,
    /// Set by `cancel()`.
    pub cancelled: Cell<bool>,
    /// For timers: the deadline on the loop's clock.
    pub when: Option<f64>,
}

/// An entry of the ready queue.
#[derive(Debug)]
pub enum Ready {
    /// A callback with its `asyncio.Handle` (the program's `call_soon`, a due timer, or any
    /// callback while a trace records, which names callbacks by their handles).
    Handle(Rc<Handle>),
    /// The loop's own callback (a task's step or wakeup, a done callback) that nothing can
    /// cancel: no handle is made for it.
    Soon(Callback),
}

/// A timer in the heap: earliest deadline first, then insertion order. 24 bytes (a program
/// with many sleeping tasks has as many timers): what it runs is a raw `Rc` whose kind is in
/// the low two bits of its key.
pub struct Timer {
    when: f64,
    /// The insertion number shifted left two bits, or'ed with the kind of `ptr`
    /// ([`TIMER_HANDLE`], [`TIMER_SLEEP`] or [`TIMER_WAKE`]).
    key: u64,
    /// `Rc::into_raw` of the `Handle` or `Future` it runs, owned by the timer.
    ptr: std::ptr::NonNull<()>,
}

/// What a timer runs.
#[derive(Debug)]
enum Timed {
    /// A callback with its `asyncio.TimerHandle`.
    Handle(Rc<Handle>),
    /// The end of a sleep whose timer has no handle ([`SleepTimer::Direct`]).
    Sleep(Rc<Future>),
    /// The end of a task's sleep with no future (its token is the low half of the key).
    Wake(Rc<Future>),
}

/// The kinds of [`Timer::key`].
const TIMER_HANDLE: u64 = 0;
const TIMER_SLEEP: u64 = 1;
const TIMER_WAKE: u64 = 2;
const TIMER_KIND: u64 = 3;

impl Timer {
    /// A timer running `what` at `when`, the `seq`-th inserted.
    fn new(when: f64, seq: u64, what: Timed) -> Timer {
        let (kind, ptr) = match what {
            Timed::Handle(h) => (TIMER_HANDLE, Rc::into_raw(h) as *mut ()),
            Timed::Sleep(f) => (TIMER_SLEEP, Rc::into_raw(f) as *mut ()),
            Timed::Wake(t) => (TIMER_WAKE, Rc::into_raw(t) as *mut ()),
        };
        Timer {
            when,
            key: (seq << 2) | kind,
            // SAFETY: `Rc::into_raw` never gives a null pointer.
            ptr: unsafe { std::ptr::NonNull::new_unchecked(ptr) },
        }
    }

    /// The token of a [`Timed::Wake`] timer: the low half of its key (never [`NO_SLEEP`] or
    /// [`SLEEP_OVER`], its kind bits being [`TIMER_WAKE`]).
    fn token(&self) -> u32 {
        self.key as u32
    }

    /// The handle a [`TIMER_HANDLE`] timer runs.
    fn handle(&self) -> &Handle {
        debug_assert_eq!(self.key & TIMER_KIND, TIMER_HANDLE);
        // SAFETY: the timer owns a count of this `Rc<Handle>` (its kind says so).
        unsafe { &*(self.ptr.as_ptr() as *const Handle) }
    }

    /// The future (a sleep's or a task) a [`TIMER_SLEEP`] or [`TIMER_WAKE`] timer runs.
    fn future(&self) -> &Future {
        debug_assert_ne!(self.key & TIMER_KIND, TIMER_HANDLE);
        // SAFETY: the timer owns a count of this `Rc<Future>` (its kind says so).
        unsafe { &*(self.ptr.as_ptr() as *const Future) }
    }

    /// What the timer runs, taken out of it.
    fn into_what(self) -> Timed {
        let t = std::mem::ManuallyDrop::new(self);
        // SAFETY: the timer is not dropped (it is in a `ManuallyDrop`), so its count is given
        // back once, here.
        unsafe { t.take_what() }
    }

    /// What the timer runs, rebuilt from its raw pointer with the count the timer owns.
    ///
    /// # Safety
    /// Called once, after which the timer's pointer must not be used (by `into_what`, or by
    /// `drop`).
    unsafe fn take_what(&self) -> Timed {
        let p = self.ptr.as_ptr();
        // SAFETY: the pointer is `Rc::into_raw` of the kind the key names; the caller gives
        // its count back once.
        unsafe {
            match self.key & TIMER_KIND {
                TIMER_HANDLE => Timed::Handle(Rc::from_raw(p as *const Handle)),
                TIMER_SLEEP => Timed::Sleep(Rc::from_raw(p as *const Future)),
                _ => Timed::Wake(Rc::from_raw(p as *const Future)),
            }
        }
    }

    /// Whether it was cancelled (it is then dropped unrun).
    fn cancelled(&self) -> bool {
        match self.key & TIMER_KIND {
            TIMER_HANDLE => self.handle().cancelled.get(),
            TIMER_SLEEP => !sleep_timer_live(self.future()),
            _ => self.future().sleep.get() != self.token(),
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        // SAFETY: the timer goes now; its count is given back once.
        drop(unsafe { self.take_what() });
    }
}

impl std::fmt::Debug for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Timer")
            .field("when", &self.when)
            .field("key", &self.key)
            .finish()
    }
}

/// [`Future::sleep`] of a task with no sleep of its own going.
pub const NO_SLEEP: u32 = 0;
/// [`Future::sleep`] of a task whose sleep's timer fired: the task's next step ends it.
pub const SLEEP_OVER: u32 = 1;
/// Tokens of pending sleeps are at least this (a wake timer's key has [`TIMER_WAKE`] in its
/// low bits).
const FIRST_SLEEP_TOKEN: u32 = 2;

/// The future a task's sleep with no future stands for, as `asyncio.sleep` would have made
/// it: pending, labelled with the sleep, the task's wake-up its callback. It has no timer:
/// made when something outside the sleep acts on it (a cancel) or shows it (a report).
fn stand_in_sleep(task: &Rc<Future>) -> Rc<Future> {
    let deadline = task.task.as_ref().map_or(0.0, |td| td.sleep_deadline.get());
    // The delay is the sleeping frame's delegate (see `Interp::sleep_direct`).
    let delay = match task.task.as_ref().map(|td| &td.coro) {
        Some(Value::Generator(g)) => sleeping_end(g).map_or(f64::NAN, |(_, d)| d),
        _ => f64::NAN,
    };
    let fut = Future::untracked();
    *fut.waits.borrow_mut() = Some(Box::new(Waits::Sleep {
        delay,
        deadline,
        result: Value::None,
        timer: SleepTimer::Direct { live: false },
    }));
    fut.callbacks
        .borrow_mut()
        .push(DoneCallback::Wakeup(task.clone()));
    fut
}

/// The room to shrink a queue of `len` items and room for `cap` to, when a burst grew it and
/// it has drained to a quarter (halving then keeps shrinking amortized O(1), as doubling
/// keeps growing).
fn drained(len: usize, cap: usize) -> Option<usize> {
    (cap > 4096 && len < cap / 4).then_some(cap / 2)
}

/// The next timer insertion number of `l`.
fn next_seq(l: &mut EventLoop) -> u64 {
    l.seq += 1;
    l.seq
}

/// The innermost coroutine of `g`'s chain of suspended awaits and its sleep's delay, when it
/// sleeps with no future (its frame's delegate is the delay, a float: see
/// `Interp::sleep_direct`).
fn sleeping_end(
    g: &Rc<crate::interp::generator::Generator>,
) -> Option<(Rc<crate::interp::generator::Generator>, f64)> {
    let mut g = g.clone();
    loop {
        let next = {
            let state = g.state.try_borrow().ok()?;
            let crate::interp::generator::GenState::Suspended(frame) = &*state else {
                return None;
            };
            match &frame.delegate {
                Some(Value::Generator(inner)) => inner.clone(),
                Some(Value::Float(delay)) => {
                    let delay = delay.get();
                    drop(state);
                    return Some((g, delay));
                }
                _ => return None,
            }
        };
        g = next;
    }
}

/// Whether the handle-less timer of the sleep's future `f` is still to fire.
fn sleep_timer_live(f: &Future) -> bool {
    matches!(
        f.waits.borrow().as_deref(),
        Some(Waits::Sleep {
            timer: SleepTimer::Direct { live: true },
            ..
        })
    )
}

impl PartialEq for Timer {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}
impl Eq for Timer {}
impl PartialOrd for Timer {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Timer {
    fn cmp(&self, o: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest first.
        o.when.total_cmp(&self.when).then(o.key.cmp(&self.key))
    }
}

/// The running loop's state.
#[derive(Debug, Default)]
pub struct EventLoop {
    /// Callbacks ready to run, in order.
    pub ready: VecDeque<Ready>,
    /// Timers.
    pub timers: BinaryHeap<Timer>,
    /// Insertion counter for timers.
    pub seq: u64,
    /// The task whose step is running.
    pub current_task: Option<Rc<Future>>,
    /// Tasks created on this loop (done ones are pruned as it goes).
    pub tasks: Vec<Rc<Future>>,
    /// Set by a stop callback; checked after each iteration.
    pub stopping: bool,
    /// `asyncio.run(debug=...)`.
    pub debug: bool,
    /// Which loop this is (each `asyncio.run` makes a new one).
    pub id: u64,
    /// Async generators started on this loop, closed when `asyncio.run` ends.
    pub asyncgens: Vec<std::rc::Weak<crate::interp::generator::Generator>>,
}

/// The event loops a program made outside `asyncio.run` (`asyncio.new_event_loop()`, or
/// `asyncio.get_event_loop()` before any loop was set) while they are not running, and the
/// loop `get_event_loop` gives (CPython's policy's current loop).
#[derive(Debug, Default)]
pub struct IdleLoops {
    /// The loops neither running nor closed, with their pending tasks and callbacks.
    pub loops: Vec<EventLoop>,
    /// `None` until a loop is set (`get_event_loop` then makes one); `Some(None)` after
    /// `set_event_loop(None)` or an `asyncio.run`, when `get_event_loop` outside a running
    /// loop is an error.
    pub current: Option<Option<u64>>,
}

impl IdleLoops {
    /// Takes the idle loop `id` out (to run it or close it).
    pub fn take(&mut self, id: u64) -> Option<EventLoop> {
        let i = self.loops.iter().position(|l| l.id == id)?;
        Some(self.loops.remove(i))
    }

    /// Whether loop `id` is idle (made, not closed, not running).
    pub fn has(&self, id: u64) -> bool {
        self.loops.iter().any(|l| l.id == id)
    }
}

impl EventLoop {
    /// The deadline of the earliest timer not cancelled.
    pub fn next_timer(&self) -> Option<f64> {
        self.timers
            .iter()
            .filter(|t| !t.cancelled())
            .map(|t| t.when)
            .min_by(|a, b| a.total_cmp(b))
    }
}

/// Registers a handle that runs a program's callback with the cycle collector (its arguments
/// may refer back to it); the loop's own step and wake-up handles never reach the program.
fn track_handle(h: &Rc<Handle>) {
    if matches!(
        *h.callback.borrow(),
        Some(Callback::Py(..) | Callback::Done(..))
    ) {
        crate::runtime::gc::track(h);
    }
}

impl Interp {
    fn event_loop(&mut self) -> PyResult<&mut EventLoop> {
        self.event_loop
            .as_mut()
            .ok_or_else(|| err("RuntimeError", "no running event loop"))
    }

    /// `loop.call_soon`.
    pub fn call_soon(&mut self, cb: Callback) -> Rc<Handle> {
        let h = Rc::new(Handle {
            callback: RefCell::new(Some(cb)),
            cancelled: Cell::new(false),
            when: None,
        });
        track_handle(&h);
        if let Some(t) = self.tracer.as_mut() {
            t.scheduled(Rc::as_ptr(&h) as usize);
        }
        if let Some(l) = self.event_loop.as_mut() {
            l.ready.push_back(Ready::Handle(h.clone()));
        }
        h
    }

    /// Schedules one of the loop's own callbacks, which no handle is needed for (one is made
    /// while a trace records).
    pub fn schedule(&mut self, cb: Callback) {
        if self.tracer.is_some() {
            self.call_soon(cb);
            return;
        }
        if let Some(l) = self.event_loop.as_mut() {
            l.ready.push_back(Ready::Soon(cb));
        }
    }

    /// `loop.call_at`: runs `cb` when the loop's clock reaches `when`.
    pub fn call_at(&mut self, when: f64, cb: Callback) -> Rc<Handle> {
        let h = Rc::new(Handle {
            callback: RefCell::new(Some(cb)),
            cancelled: Cell::new(false),
            when: Some(when),
        });
        track_handle(&h);
        self.push_timer(when, Timed::Handle(h.clone()));
        h
    }

    /// The future of `asyncio.sleep(delay, result)`, with a timer that has no handle
    /// ([`SleepTimer::Direct`]) to finish it `delay` seconds from now. The future is the
    /// loop's own until the await ends (the timer and the awaiting frame hold it): not
    /// registered with the cycle collector.
    pub fn sleep_future(&mut self, delay: f64, result: Value) -> Rc<Future> {
        let deadline = self.loop_time() + delay;
        let fut = Future::untracked();
        *fut.waits.borrow_mut() = Some(Box::new(Waits::Sleep {
            delay,
            deadline,
            result,
            timer: SleepTimer::Direct { live: true },
        }));
        self.push_timer(deadline, Timed::Sleep(fut.clone()));
        fut
    }

    /// Whether an `await asyncio.sleep(...)` run now, in a frame of compiled code, yields
    /// straight to the running task's step: a task is stepping, no trace records, and every
    /// frame between that step and this one is a coroutine the next one awaits (each such
    /// resume adds one to `depth` and one to `await_links`; any other call or resume — a
    /// program's `coro.send()`, an async generator's step — adds to `depth` alone).
    pub(crate) fn sleeps_direct(&self) -> bool {
        self.depth == self.task_depth + 1 + self.await_links && self.tracer.is_none()
    }

    /// Starts a sleep of the running task of `delay` seconds with no future: its timer wakes
    /// the task (see [`Future::sleep`]). The caller has checked [`Interp::sleeps_direct`].
    pub(crate) fn sleep_direct(&mut self, delay: f64) {
        let deadline = self.loop_time() + delay;
        let Some(l) = self.event_loop.as_mut() else {
            return;
        };
        let Some(task) = l.current_task.clone() else {
            return;
        };
        let Some(td) = &task.task else { return };
        td.sleep_deadline.set(deadline);
        let seq = next_seq(l);
        // The token is the low half of the timer's key, from which `sleep_to_future` finds
        // the key again.
        let timer = Timer::new(deadline, seq, Timed::Wake(task.clone()));
        task.sleep.set(timer.token());
        l.timers.push(timer);
    }

    /// Turns a task's sleep with no future ([`Future::sleep`] not [`NO_SLEEP`]) into the sleep
    /// with a future it stands for, as if it had had one from the start: the future — pending,
    /// with the task's wake-up as its callback and a timer in the sleep's place in the heap;
    /// or done, when the timer already fired — becomes what the task waits on and the awaiting
    /// frame's delegate (found down the task's chain of suspended awaits). For whatever acts
    /// on the sleep from outside its task's step: a cancel, a program resuming the
    /// coroutine by hand. `None` when the task has no such sleep.
    pub(crate) fn sleep_to_future(&mut self, task: &Rc<Future>) -> Option<Rc<Future>> {
        let token = task.sleep.get();
        if token == NO_SLEEP {
            return None;
        }
        let td = task.task.as_ref()?;
        task.sleep.set(NO_SLEEP);
        let fut = stand_in_sleep(task);
        if token == SLEEP_OVER {
            // Its timer fired and the task's step is scheduled: the future is done.
            fut.callbacks.borrow_mut().clear();
            *fut.state.borrow_mut() = FutState::Finished(Value::None);
        } else {
            drop(td.fut_waiter.replace(Some(fut.clone())));
            if let Some(Waits::Sleep { timer, .. }) = fut.waits.borrow_mut().as_deref_mut() {
                *timer = SleepTimer::Direct { live: true };
            }
            if let Some(l) = self.event_loop.as_mut() {
                // The sleep's own timer (now stale) had the key whose low half is the
                // token: fewer than 2^30 timers came since. The new one takes its place.
                let back = ((l.seq << 2) as u32).wrapping_sub(token & !(TIMER_KIND as u32));
                let seq = ((l.seq << 2) - u64::from(back)) >> 2;
                l.timers.push(Timer::new(
                    td.sleep_deadline.get(),
                    seq,
                    Timed::Sleep(fut.clone()),
                ));
            }
        }
        let mut d = td.coro.clone();
        while let Value::Generator(g) = d {
            let Ok(mut state) = g.state.try_borrow_mut() else {
                break;
            };
            let crate::interp::generator::GenState::Suspended(frame) = &mut *state else {
                break;
            };
            match &frame.delegate {
                Some(Value::Generator(inner)) => {
                    let inner = Value::Generator(inner.clone());
                    drop(state);
                    d = inner;
                }
                Some(Value::Float(_)) => {
                    frame.delegate = Some(Value::Future(fut.clone()));
                    break;
                }
                _ => break,
            }
        }
        Some(fut)
    }

    /// Before `g`, a coroutine, is resumed from outside its task's step (by hand, or closed):
    /// if its chain of suspended awaits ends in a task's sleep with no future, that sleep
    /// becomes its future ([`Interp::sleep_to_future`]), so that the resume meets what it
    /// would meet in CPython.
    pub(crate) fn sleep_reached_from_outside(
        &mut self,
        g: &Rc<crate::interp::generator::Generator>,
    ) {
        let Some((innermost, _)) = sleeping_end(g) else {
            return;
        };
        let owner = self.event_loop.as_ref().and_then(|l| {
            l.tasks
                .iter()
                .filter(|t| t.sleep.get() != NO_SLEEP)
                .find(|t| match t.task.as_ref().map(|td| &td.coro) {
                    Some(Value::Generator(c)) => {
                        sleeping_end(c).is_some_and(|(e, _)| Rc::ptr_eq(&e, &innermost))
                    }
                    _ => false,
                })
                .cloned()
        });
        if let Some(t) = owner {
            self.sleep_to_future(&t);
        }
    }

    /// The future a task waits on: the one its step awaited, or the stand-in for a sleep with
    /// no future (for reprs and reports, which show it as such a sleep).
    pub fn task_waiter(&self, task: &Rc<Future>) -> Option<Rc<Future>> {
        let td = task.task.as_ref()?;
        td.fut_waiter
            .get()
            .or_else(|| (task.sleep.get() >= FIRST_SLEEP_TOKEN).then(|| stand_in_sleep(task)))
    }

    /// The end of a sleep with no future, resumed through its delegate (the delay, a float) by
    /// its task's step after the timer fired: it returns `None` (a throw raises). Anything else
    /// that reaches the sleep has turned it into its future first (`sleep_to_future`); were one
    /// to slip through, the sleep ends as one whose future is not done.
    pub(crate) fn end_direct_sleep(&mut self, resume: Resume) -> PyResult<Value> {
        let own = self
            .event_loop
            .as_ref()
            .and_then(|l| l.current_task.as_ref())
            .filter(|t| t.sleep.get() == SLEEP_OVER);
        if let Some(t) = own {
            t.sleep.set(NO_SLEEP);
            return match resume {
                Resume::Send(_) => Ok(Value::None),
                Resume::Throw(e) => Err(e),
            };
        }
        match resume {
            Resume::Throw(e) => Err(e),
            Resume::Send(_) => Err(err("RuntimeError", "await wasn't used with future")),
        }
    }

    /// Puts a timer in the heap, after the ones already there for the same moment.
    fn push_timer(&mut self, when: f64, what: Timed) {
        if let Some(l) = self.event_loop.as_mut() {
            let seq = next_seq(l);
            l.timers.push(Timer::new(when, seq, what));
        }
    }

    /// `loop.time()`.
    pub fn loop_time(&self) -> f64 {
        self.clock.monotonic()
    }

    /// Runs done callbacks of a future that just completed: each goes through the ready queue.
    pub fn schedule_callbacks(&mut self, fut: &Rc<Future>) {
        // A done future needs no cancel hook, and `gather`'s closes over the future itself:
        // dropping it breaks that reference cycle.
        let hook = fut.cancel_hook.take();
        drop(hook);
        let cbs = std::mem::take(&mut *fut.callbacks.borrow_mut());
        for cb in cbs {
            let c = match cb {
                DoneCallback::Py(f) => Callback::Done(Box::new((f, fut.clone()))),
                DoneCallback::Wakeup(task) => Callback::Wakeup(task, fut.clone()),
                DoneCallback::StopLoop => Callback::StopLoop,
            };
            self.schedule(c);
        }
    }

    /// `fut.add_done_callback(cb)`: scheduled at once when already done.
    pub fn add_done_callback(&mut self, fut: &Rc<Future>, cb: DoneCallback) {
        {
            let mut cbs = fut.callbacks.borrow_mut();
            cbs.push(cb);
        }
        if fut.done() {
            self.schedule_callbacks(fut);
        }
    }

    fn invalid_state(&mut self, _fut: &Rc<Future>) -> Exc {
        new_exception(
            types().asyncio_exc("InvalidStateError"),
            vec![Value::str("invalid state")],
        )
    }

    /// `fut.set_result(v)`.
    pub fn future_set_result(&mut self, fut: &Rc<Future>, v: Value) -> PyResult<()> {
        if fut.done() {
            return Err(self.invalid_state(fut));
        }
        *fut.state.borrow_mut() = FutState::Finished(v);
        if fut.task.is_some() {
            self.task_finished();
        }
        self.schedule_callbacks(fut);
        Ok(())
    }

    /// `fut.set_exception(e)`.
    pub fn future_set_exception(&mut self, fut: &Rc<Future>, e: Exc) -> PyResult<()> {
        if fut.done() {
            return Err(self.invalid_state(fut));
        }
        if e.is("StopIteration") {
            return Err(err(
                "TypeError",
                "StopIteration interacts badly with generators and cannot be raised into a Future",
            ));
        }
        *fut.state.borrow_mut() = FutState::Failed(e);
        if fut.task.is_some() {
            self.task_finished();
        }
        fut.log_traceback.set(true);
        self.schedule_callbacks(fut);
        Ok(())
    }

    /// `Future.cancel(msg)` for a plain future.
    pub fn future_cancel_plain(&mut self, fut: &Rc<Future>, msg: Value, exc: Option<Exc>) -> bool {
        fut.log_traceback.set(false);
        if fut.done() {
            return false;
        }
        *fut.state.borrow_mut() = FutState::Cancelled(Box::new(Cancelled { msg, exc }));
        if fut.task.is_some() {
            self.task_finished();
        }
        self.schedule_callbacks(fut);
        true
    }

    /// `cancel(msg)` on any future: tasks cancel their coroutine, hooked futures call the hook.
    pub fn cancel_any(&mut self, fut: &Rc<Future>, msg: Value) -> PyResult<bool> {
        if fut.task.is_some() {
            return self.task_cancel(fut, msg);
        }
        let hook = fut.cancel_hook.with(|h| h.map(|h| (**h).clone()));
        if let Some(h) = hook {
            if !fut.done() {
                let r = self.call(&h, vec![msg], vec![])?;
                return self.truthy(&r);
            }
        }
        Ok(self.future_cancel_plain(fut, msg, None))
    }

    /// A new CancelledError with the cancel message, as `Future._make_cancelled_error`.
    pub fn cancelled_error(&self, msg: &Value) -> Exc {
        let args = if msg.is_none() {
            vec![]
        } else {
            vec![msg.clone()]
        };
        new_exception(types().asyncio_exc("CancelledError"), args)
    }

    /// `fut.result()`.
    pub fn future_result(&mut self, fut: &Rc<Future>) -> PyResult<Value> {
        let st = fut.state.borrow().clone();
        match st {
            FutState::Pending => Err(new_exception(
                types().asyncio_exc("InvalidStateError"),
                vec![Value::str("Result is not set.")],
            )),
            FutState::Finished(v) => Ok(v),
            FutState::Failed(e) => {
                fut.log_traceback.set(false);
                // `raise self._exception` in CPython's `Future.result`.
                self.chain_context(&e);
                Err(e)
            }
            FutState::Cancelled(c) => Err(self.take_cancelled_error(fut, &c.msg)),
        }
    }

    /// The CancelledError a cancelled future raises: the one that ended the task the first
    /// time, a fresh one with the cancel message afterwards (as CPython's C Future).
    pub fn take_cancelled_error(&mut self, fut: &Rc<Future>, msg: &Value) -> Exc {
        if let FutState::Cancelled(c) = &mut *fut.state.borrow_mut() {
            if let Some(e) = c.exc.take() {
                return e;
            }
        }
        self.cancelled_error(msg)
    }

    /// `fut.exception()`.
    pub fn future_exception(&mut self, fut: &Rc<Future>) -> PyResult<Value> {
        let st = fut.state.borrow().clone();
        match st {
            FutState::Pending => Err(new_exception(
                types().asyncio_exc("InvalidStateError"),
                vec![Value::str("Exception is not set.")],
            )),
            FutState::Finished(_) => Ok(Value::None),
            FutState::Failed(e) => {
                fut.log_traceback.set(false);
                Ok(e.value())
            }
            FutState::Cancelled(c) => Err(self.take_cancelled_error(fut, &c.msg)),
        }
    }

    /// One loop iteration. `Ok(false)`: nothing can ever run again (a deadlock).
    pub fn run_once(&mut self) -> PyResult<bool> {
        self.finalize_asyncgens()?;
        let (timeout_at, stopping) = {
            let l = self.event_loop()?;
            while l.timers.peek().is_some_and(|t| t.cancelled()) {
                l.timers.pop();
            }
            if l.ready.is_empty() && l.timers.is_empty() && !l.stopping {
                return Ok(false);
            }
            let t = if l.ready.is_empty() && !l.stopping {
                l.timers.peek().map(|t| t.when)
            } else {
                None
            };
            (t, l.stopping)
        };
        if let (Some(when), false) = (timeout_at, stopping) {
            self.clock.wait_until(when);
        }
        if crate::repl::INTERRUPT.swap(false, std::sync::atomic::Ordering::SeqCst) {
            return Err(new_exception(types().exc("KeyboardInterrupt"), vec![]));
        }
        let end = self.loop_time() + CLOCK_RESOLUTION;
        let traced = self.tracer.is_some();
        let ntodo = {
            let l = self.event_loop()?;
            while let Some(t) = l.timers.peek() {
                if t.when >= end {
                    break;
                }
                let t = l.timers.pop().expect("peeked above");
                // Thousands of timers due at once move to the ready queue: the heap's room
                // goes back as the queue's grows.
                if l.timers.len() % 1024 == 0 {
                    if let Some(room) = drained(l.timers.len(), l.timers.capacity()) {
                        l.timers.shrink_to(room);
                    }
                }
                let (when, token) = (t.when, t.token());
                l.ready.push_back(match t.into_what() {
                    Timed::Handle(h) => Ready::Handle(h),
                    // A trace names a timer firing by its handle: one is made for it then.
                    Timed::Sleep(f) if traced => Ready::Handle(Rc::new(Handle {
                        callback: RefCell::new(Some(Callback::SleepDone(f))),
                        cancelled: Cell::new(false),
                        when: Some(when),
                    })),
                    Timed::Sleep(f) => Ready::Soon(Callback::SleepDone(f)),
                    Timed::Wake(task) if traced => Ready::Handle(Rc::new(Handle {
                        callback: RefCell::new(Some(Callback::WakeSleeper(task, token))),
                        cancelled: Cell::new(false),
                        when: Some(when),
                    })),
                    Timed::Wake(task) => Ready::Soon(Callback::WakeSleeper(task, token)),
                });
            }
            l.ready.len()
        };
        for k in 0..ntodo {
            let Some(l) = self.event_loop.as_mut() else {
                break;
            };
            // A queue that a burst (thousands of tasks created at once) grew gives its room
            // back as it drains, as CPython's deque frees its blocks: the tasks' next wait
            // (their timers) grows other memory meanwhile.
            if k % 1024 == 1023 {
                if let Some(room) = drained(l.ready.len(), l.ready.capacity()) {
                    l.ready.shrink_to(room);
                }
            }
            let Some(next) = l.ready.pop_front() else {
                break;
            };
            match next {
                Ready::Soon(cb) => self.run_callback(cb)?,
                Ready::Handle(h) if self.tracer.is_some() => self.run_traced(&h)?,
                Ready::Handle(h) => {
                    if h.cancelled.get() {
                        continue;
                    }
                    let cb = h.callback.borrow_mut().take();
                    match cb {
                        Some(cb) => self.run_callback(cb)?,
                        None => continue,
                    }
                }
            }
            if let Some(hit) = crate::interp::limits::current_hit() {
                return Err(self.limit_reached(hit));
            }
        }
        Ok(true)
    }

    /// Runs a ready handle while the tracer records: a timer firing is a slice of its own; any
    /// other callback runs in the context of whatever scheduled it, so that the task it wakes
    /// is shown woken by that.
    fn run_traced(&mut self, h: &Rc<Handle>) -> PyResult<()> {
        let now = self.loop_time();
        let ready = self.event_loop.as_ref().map_or(0, |l| l.ready.len());
        let Some(t) = self.tracer.as_mut() else {
            return Ok(());
        };
        let cause = if h.when.is_some() {
            Cause::Outside
        } else {
            t.take_scheduler(Rc::as_ptr(h) as usize)
        };
        if h.cancelled.get() {
            return Ok(());
        }
        let Some(cb) = h.callback.borrow_mut().take() else {
            return Ok(());
        };
        let prev = t.context;
        let timer_slice = if h.when.is_some() {
            Some(t.timer_fired(now, ready))
        } else {
            t.context = match cause {
                Cause::Slice(i) => Some(i),
                Cause::Outside => None,
            };
            None
        };
        t.next_cause = match timer_slice {
            Some(i) => Cause::Slice(i),
            None => cause,
        };
        let r = self.run_callback(cb);
        let now = self.loop_time();
        if let Some(t) = self.tracer.as_mut() {
            match timer_slice {
                Some(i) => t.end(i, now, "timer".to_string(), prev),
                None => t.context = prev,
            }
        }
        r
    }

    fn run_callback(&mut self, cb: Callback) -> PyResult<()> {
        match cb {
            Callback::Py(call) => {
                let (f, args) = *call;
                self.run_py_callback(&f, args)?;
            }
            Callback::Done(call) => {
                let (f, fut) = *call;
                self.run_py_callback(&f, vec![Value::Future(fut)])?;
            }
            Callback::Step(task, exc) => self.task_step(&task, exc)?,
            Callback::Wakeup(task, fut) => {
                let exc = self.future_result(&fut).err();
                self.task_step(&task, exc)?;
            }
            Callback::SleepDone(fut) => {
                let result = {
                    let mut waits = fut.waits.borrow_mut();
                    match waits.as_deref_mut() {
                        // Cancelled after it was due, before it ran.
                        Some(Waits::Sleep {
                            timer: SleepTimer::Direct { live: false },
                            ..
                        }) => return Ok(()),
                        Some(Waits::Sleep { result, .. }) => std::mem::take(result),
                        _ => Value::None,
                    }
                };
                if !fut.cancelled() {
                    if let Err(e) = self.future_set_result(&fut, result) {
                        let name = Value::str("_set_result_unless_cancelled");
                        self.report_callback_error(&name, &e);
                    }
                }
            }
            Callback::WakeSleeper(task, token) => {
                // As the sleep's future finishing would: the task's wake-up goes through the
                // ready queue.
                if task.sleep.get() == token {
                    task.sleep.set(SLEEP_OVER);
                    self.schedule(Callback::Step(task, None));
                }
            }
            Callback::StopLoop => {
                if let Some(l) = self.event_loop.as_mut() {
                    l.stopping = true;
                }
            }
        }
        Ok(())
    }

    /// Calls a program's callback; its error goes to the default exception handler, unless it
    /// ends the program.
    fn run_py_callback(&mut self, f: &Value, args: Vec<Value>) -> PyResult<()> {
        if let Err(e) = self.call(f, args, vec![]) {
            if e.is("SystemExit") || e.is("KeyboardInterrupt") {
                return Err(e);
            }
            self.report_callback_error(f, &e);
        }
        Ok(())
    }

    /// CPython's default exception handler for a failing callback.
    fn report_callback_error(&mut self, f: &Value, e: &Exc) {
        let r = self.repr(f).unwrap_or_default();
        let tb = crate::diagnostics::format_exception(self, e);
        self.flush();
        eprint!("Exception in callback {r}()\nhandle: <Handle {r}()>\n{tb}");
    }

    /// Creates a task for `coro` and schedules its first step.
    pub fn create_task(&mut self, coro: Value, name: Option<Rc<str>>) -> PyResult<Rc<Future>> {
        if self.event_loop.is_none() {
            return Err(err("RuntimeError", "no running event loop"));
        }
        self.task_created()?;
        self.task_counter += 1;
        let site = self
            .call_sites
            .iter()
            .rev()
            .find(|(code, _)| !super::waits::is_library_file(&code.source.name))
            .cloned();
        let task = Future::new_task(coro, name, self.task_counter, site);
        if self.tracer.is_some() {
            self.trace_created(&task);
        }
        self.schedule(Callback::Step(task.clone(), None));
        if let Some(l) = self.event_loop.as_mut() {
            if l.tasks.len() > 64 && l.tasks.len().is_power_of_two() {
                l.tasks.retain(|t| !t.done());
            }
            l.tasks.push(task.clone());
        }
        Ok(task)
    }

    /// `task.cancel(msg)`, as CPython's `Task.cancel`.
    pub fn task_cancel(&mut self, task: &Rc<Future>, msg: Value) -> PyResult<bool> {
        task.log_traceback.set(false);
        if task.done() {
            return Ok(false);
        }
        if self.tracer.is_some() {
            self.trace_instant(task, "cancel", msg.clone());
        }
        let Some(td) = &task.task else {
            return Ok(self.future_cancel_plain(task, msg, None));
        };
        td.num_cancels.set(td.num_cancels.get() + 1);
        self.sleep_to_future(task);
        let waiter = td.fut_waiter.get();
        if let Some(w) = waiter {
            if self.cancel_any(&w, msg.clone())? {
                return Ok(true);
            }
        }
        td.set_must_cancel(msg);
        Ok(true)
    }

    /// Ends a waiting task without touching what it waits on: its wake-up is removed from the
    /// awaited future and it is marked cancelled (the REPL ends a deadlocked statement so).
    pub fn detach_task(&mut self, task: &Rc<Future>) {
        let Some(td) = &task.task else { return };
        self.sleep_to_future(task);
        if let Some(w) = td.fut_waiter.take() {
            w.callbacks
                .borrow_mut()
                .retain(|c| !matches!(c, DoneCallback::Wakeup(t) if Rc::ptr_eq(t, task)));
        }
        task.callbacks
            .borrow_mut()
            .retain(|c| !matches!(c, DoneCallback::StopLoop));
        self.future_cancel_plain(task, Value::None, None);
    }

    /// One step of a task, as CPython's `Task.__step`.
    pub fn task_step(&mut self, task: &Rc<Future>, exc: Option<Exc>) -> PyResult<()> {
        let Some(td) = &task.task else { return Ok(()) };
        if task.done() {
            return Ok(());
        }
        let mut exc = exc;
        let pending = td.take_must_cancel();
        if let Some(msg) = pending {
            if !exc.as_ref().is_some_and(|e| {
                e.class()
                    .is_subclass(&types().asyncio_exc("CancelledError"))
            }) {
                exc = Some(self.cancelled_error(&msg));
            }
        }
        drop(td.fut_waiter.take());
        let Value::Generator(g) = &td.coro else {
            return self.future_set_exception(task, err("TypeError", "a coroutine was expected"));
        };
        let g = g.clone();
        let prev = self
            .event_loop
            .as_mut()
            .and_then(|l| l.current_task.replace(task.clone()));
        let traced = match self.tracer.is_some() {
            true => Some(self.trace_step_begin(task)),
            false => None,
        };
        let resume = match exc {
            None => Resume::Send(Value::None),
            Some(e) => Resume::Throw(e),
        };
        let outer = (
            std::mem::replace(&mut self.task_depth, self.depth),
            std::mem::take(&mut self.await_links),
        );
        let r = match self.take_compiled_frame(&g, crate::interp::generator::GenKind::Coroutine) {
            Some(frame) => self.run_taken_frame(&g, frame, resume),
            None => self.gen_resume(&g, resume),
        };
        (self.task_depth, self.await_links) = outer;
        if let Some((slice, _)) = traced {
            self.trace_step_end(task, slice, &r);
        }
        if let Some(l) = self.event_loop.as_mut() {
            l.current_task = prev;
        }
        match r {
            Ok(Outcome::Return(v)) => {
                let pending = td.take_must_cancel();
                if let Some(msg) = pending {
                    self.future_cancel_plain(task, msg, None);
                } else {
                    self.future_set_result(task, v)?;
                }
            }
            Err(e)
                if e.class()
                    .is_subclass(&types().asyncio_exc("CancelledError")) =>
            {
                self.future_cancel_plain(task, Value::None, Some(e));
            }
            Err(e) if e.is("KeyboardInterrupt") || e.is("SystemExit") => {
                self.future_set_exception(task, e.clone())?;
                return Err(e);
            }
            Err(e) => self.future_set_exception(task, e)?,
            // It sleeps with no future (`sleep_direct`): the timer wakes it. A cancel that
            // came during the step cancels the sleep, as it would the sleep's future.
            Ok(Outcome::Yield(_)) if task.sleep.get() >= FIRST_SLEEP_TOKEN => {
                if let Some(msg) = td.pending_cancel() {
                    if let Some(f) = self.sleep_to_future(task) {
                        if self.cancel_any(&f, msg)? {
                            drop(td.take_must_cancel());
                        }
                    }
                }
            }
            Ok(Outcome::Yield(v)) => match &v {
                Value::Future(f) if f.blocking.get() => {
                    if Rc::ptr_eq(f, task) {
                        let r = self.repr(&Value::Future(task.clone()))?;
                        let e = err("RuntimeError", format!("Task cannot await on itself: {r}"));
                        self.schedule(Callback::Step(task.clone(), Some(e)));
                    } else {
                        f.blocking.set(false);
                        self.add_done_callback(f, DoneCallback::Wakeup(task.clone()));
                        drop(td.fut_waiter.replace(Some(f.clone())));
                        if let Some(msg) = td.pending_cancel() {
                            if self.cancel_any(f, msg)? {
                                drop(td.take_must_cancel());
                            }
                        }
                    }
                }
                Value::None => {
                    self.schedule(Callback::Step(task.clone(), None));
                }
                other => {
                    let t = self.repr(&Value::Future(task.clone()))?;
                    let o = self.repr(other)?;
                    let msg = if matches!(other, Value::Future(_)) {
                        format!("yield was used instead of yield from in task {t} with {o}")
                    } else {
                        format!("Task got bad yield: {o}")
                    };
                    self.schedule(Callback::Step(task.clone(), Some(err("RuntimeError", msg))));
                }
            },
        }
        if let Some((_, prev_ctx)) = traced {
            self.trace_step_done(prev_ctx);
        }
        Ok(())
    }

    /// Runs the loop until `fut` is done, as `run_until_complete`. A loop with nothing ready
    /// and no timers while `fut` is pending can never finish: that is reported as a deadlock.
    pub fn run_until_complete(&mut self, fut: &Rc<Future>) -> PyResult<()> {
        self.add_done_callback(fut, DoneCallback::StopLoop);
        loop {
            if !self.run_once()? {
                if fut.done() {
                    break;
                }
                return Err(self.deadlock(fut));
            }
            let l = self.event_loop()?;
            if l.stopping {
                l.stopping = false;
                break;
            }
        }
        Ok(())
    }

    /// Runs the loop until `loop.stop()`, as `run_forever` (a `stop()` made before it ran
    /// lets one pass run, as in CPython). A loop left with nothing ready and no timers could
    /// never be stopped: that is reported as a deadlock.
    pub fn run_forever(&mut self) -> PyResult<()> {
        loop {
            let progressed = self.run_once()?;
            let l = self.event_loop()?;
            if l.stopping {
                l.stopping = false;
                return Ok(());
            }
            if !progressed {
                let report = self.deadlock_report(None);
                return Err(new_exception(
                    types().deadlock.clone(),
                    vec![Value::str(&report)],
                ));
            }
        }
    }

    /// The deadlock report as the exception that ends the run (see `Exc::is_deadlock`).
    fn deadlock(&mut self, main: &Rc<Future>) -> Exc {
        let report = self.deadlock_report(Some(main));
        new_exception(types().deadlock.clone(), vec![Value::str(&report)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timer_is_three_words() {
        // A program with many sleeping tasks has a timer for each in the heap.
        assert_eq!(std::mem::size_of::<Timer>(), 24);
    }

    #[test]
    fn a_timer_gives_back_what_it_runs_and_drops_its_count() {
        let f = Future::untracked();
        let t = Timer::new(1.0, 7, Timed::Wake(f.clone()));
        assert_eq!(Rc::strong_count(&f), 2);
        assert_eq!(t.key >> 2, 7);
        assert!(t.token() >= FIRST_SLEEP_TOKEN);
        assert!(std::ptr::eq(t.future(), &*f));
        match t.into_what() {
            Timed::Wake(g) => assert!(Rc::ptr_eq(&g, &f)),
            other => panic!("{other:?}"),
        }
        assert_eq!(Rc::strong_count(&f), 1);
        drop(Timer::new(2.0, 8, Timed::Sleep(f.clone())));
        assert_eq!(Rc::strong_count(&f), 1);
    }

    #[test]
    fn a_drained_queue_halves_its_room_only_past_a_burst() {
        // Small queues keep their room; a big one three-quarters empty halves it, so that
        // alternating pushes and pops at the boundary cannot make it grow and shrink in turn.
        assert_eq!(drained(0, 4096), None);
        assert_eq!(drained(1000, 8192), Some(4096));
        assert_eq!(drained(2048, 8192), None);
        assert_eq!(drained(2047, 8192), Some(4096));
    }

    #[test]
    fn timers_due_together_run_in_insertion_order() {
        let f = Future::untracked();
        let mut heap = BinaryHeap::new();
        heap.push(Timer::new(1.0, 3, Timed::Sleep(f.clone())));
        heap.push(Timer::new(1.0, 2, Timed::Wake(f.clone())));
        heap.push(Timer::new(0.5, 9, Timed::Sleep(f.clone())));
        let order: Vec<u64> = std::iter::from_fn(|| heap.pop().map(|t| t.key >> 2)).collect();
        assert_eq!(order, [9, 2, 3]);
    }
}
