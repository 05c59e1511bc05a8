//! Generators, coroutines and async generators: a frame plus the `send` / `throw` / `close`
//! state machine, with CPython's edge errors.

use super::frame::Frame;
use super::Interp;
use crate::compile::code::Code;
use crate::runtime::value::Function;
use crate::runtime::{PyResult, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Which kind of resumable object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenKind {
    /// `def` with `yield`.
    Generator,
    /// `async def`.
    Coroutine,
    /// `async def` with `yield`.
    AsyncGenerator,
}

impl GenKind {
    /// The Python type name.
    pub fn type_name(self) -> &'static str {
        match self {
            GenKind::Generator => "generator",
            GenKind::Coroutine => "coroutine",
            GenKind::AsyncGenerator => "async_generator",
        }
    }
}

/// Where a generator is in its life.
#[derive(Debug)]
pub enum GenState {
    /// Created, not started.
    Created(Box<Frame>),
    /// Created, not started, by a method of aio's asyncio library whose first step is tried in
    /// Rust (see [`NativeStart`], kept in [`Generator::native`]); it has no frame unless that
    /// step hands over to the library's own `async def`.
    Native,
    /// Stopped at a `yield` / `await`.
    Suspended(Box<Frame>),
    /// A library coroutine whose Rust first step yielded (see [`NativeStep::YieldThenReturn`]);
    /// resumed, it returns the value kept in its [`NativeStart::result`].
    NativeSuspended,
    /// Running now (its frame is out on the Rust stack).
    Running,
    /// Returned or raised.
    Done,
}

/// What the Rust first step of a library coroutine did.
#[derive(Debug)]
pub enum NativeStep {
    /// The whole coroutine ran: it returned this.
    Return(Value),
    /// It yields the first value to its task once and, resumed, returns the second
    /// (`asyncio.sleep(0)`).
    YieldThenReturn(Value, Value),
    /// It would have to wait: the library's `async def` takes over from its first line.
    HandOver,
    /// It sleeps for `delay` seconds (more than 0), then returns `result`
    /// (`asyncio.sleep(delay, result)`). Usually it waits for a future a timer completes
    /// ([`Interp::sleep_future`]): it yields the future to its task; resumed, it cancels the
    /// timer and returns the future's result, or raises what was thrown in — the library's
    /// `try: return await fut` / `finally: handle.cancel()`, without its frame. An `await`
    /// whose yield goes straight to its task's step needs no future (`Interp::await_builtin`).
    ///
    /// [`Interp::sleep_future`]: crate::interp::Interp::sleep_future
    Sleep(f64, Value),
    /// It waits on a future, and what follows the wait is Rust too (see [`NativeWait`]): it
    /// yields the future to its task.
    Wait(Box<NativeWait>),
}

/// The rest of a library coroutine whose Rust first step found it has to wait (a queue's
/// blocking `put` or `get`): it waits on `fut`; resumed, `resume` does what the library's code
/// after its `await` does, then either waits again (on a new future, which it keeps in `fut`
/// and yields) or returns. No library frame runs at all.
pub struct NativeWait {
    /// The future it waits on now.
    pub fut: Rc<crate::asyncio::future::Future>,
    /// The coroutine's arguments, `self` first.
    pub args: [Value; 2],
    /// What follows the wait, given how the coroutine was resumed.
    pub resume: fn(&mut Interp, &mut NativeWait, Resume) -> PyResult<super::exec::Delegated>,
}

impl std::fmt::Debug for NativeWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<native wait>")
    }
}

/// The first step of a library coroutine done in Rust: `fast(interp, args)` either runs the
/// whole coroutine (or raises), yields once, or hands over to `slow(*args)` — the library's
/// `async def` the coroutine stands for, with the same code and name — whose frame then runs
/// from the start. `await q.put(x)` on a queue with room so costs no frame at all.
pub struct NativeStart {
    /// The Rust fast path.
    pub fast: fn(&mut Interp, &[Value]) -> PyResult<NativeStep>,
    /// The library's coroutine function.
    pub slow: Rc<Function>,
    /// The arguments, `self` first: `args[..nargs]`.
    pub args: [Value; 2],
    /// How many of `args` are given.
    pub nargs: usize,
    /// How many `None` arguments follow them in the call of `slow`, for parameters the fast
    /// path has no use for (`__aexit__`'s exception details, which the library ignores).
    pub nones: usize,
    /// What a coroutine suspended by [`NativeStep::YieldThenReturn`] returns.
    pub result: RefCell<Value>,
    /// What a coroutine suspended by [`NativeStep::Sleep`] or [`NativeStep::Wait`] delegates
    /// to: the sleep's future (it knows its timer), or the wait
    /// ([`crate::runtime::value::NativeIter::Wait`]).
    pub rest: RefCell<Option<Value>>,
}

impl NativeStart {
    /// A first step for `slow(*args)` (at most two arguments, `self` first) followed by `nones`
    /// `None` arguments.
    pub fn new(
        fast: fn(&mut Interp, &[Value]) -> PyResult<NativeStep>,
        slow: Rc<Function>,
        args: &[Value],
        nones: usize,
    ) -> NativeStart {
        let mut a = [Value::None, Value::None];
        for (slot, v) in a.iter_mut().zip(args) {
            *slot = v.clone();
        }
        NativeStart {
            fast,
            slow,
            args: a,
            nargs: args.len().min(2),
            nones,
            result: RefCell::new(Value::None),
            rest: RefCell::new(None),
        }
    }

    /// The arguments the fast path sees, `self` first.
    pub fn args(&self) -> &[Value] {
        &self.args[..self.nargs]
    }

    /// The arguments of the call of `slow`.
    pub fn slow_args(&self) -> Vec<Value> {
        let mut v = self.args().to_vec();
        v.extend(std::iter::repeat_n(Value::None, self.nones));
        v
    }
}

impl std::fmt::Debug for NativeStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<native start of {}>", self.slow.code.qualname)
    }
}

/// A generator, coroutine or async generator object.
#[derive(Debug)]
pub struct Generator {
    /// Which kind.
    pub kind: GenKind,
    /// The code it runs (for its name and repr).
    pub code: Rc<Code>,
    /// Its state.
    pub state: RefCell<GenState>,
    /// Whether it is closed when it dies suspended (CPython's `_PyGen_Finalize`): a generator
    /// or coroutine from its creation until that close is queued; an async generator once
    /// first iterated under a running loop, which then closes it (the asyncgen finalizer hook).
    pub hooked: std::cell::Cell<bool>,
    /// The first step of a coroutine made in state [`GenState::Native`] (outside the state so
    /// that the state of every other generator stays one pointer).
    pub native: Option<Box<NativeStart>>,
}

thread_local! {
    /// Async generators dropped while suspended, waiting for the loop to `aclose()` them.
    static FINALIZE: RefCell<Vec<Rc<Generator>>> = const { RefCell::new(Vec::new()) };
}

/// Takes the async generators dropped unfinished since the last call.
pub fn take_finalized() -> Vec<Rc<Generator>> {
    FINALIZE.with(|f| std::mem::take(&mut *f.borrow_mut()))
}

impl Drop for Generator {
    fn drop(&mut self) {
        if self.kind == GenKind::Coroutine {
            if let GenState::Created(_) | GenState::Native = self.state.get_mut() {
                super::reports::push(super::reports::Report::NeverAwaited(
                    self.code.qualname.clone(),
                ));
                return;
            }
        }
        self.finalize_unreachable();
    }
}

impl Generator {
    /// CPython's generator finalizer, for one that is dying (dropped, or found unreachable by
    /// the cycle collector) suspended, once: its frame moves to a new generator object that is
    /// closed at the next safe point (for an async generator iterated under a loop, that the
    /// loop will `aclose()`). A frame with no `try` or `with` block active runs no code when
    /// closed, so it is just dropped. Whether it was queued.
    pub(crate) fn finalize_unreachable(&self) -> bool {
        if !self.hooked.get() {
            return false;
        }
        let Ok(mut state) = self.state.try_borrow_mut() else {
            return false;
        };
        let GenState::Suspended(frame) = &*state else {
            return false;
        };
        if self.kind != GenKind::AsyncGenerator && !frame.has_handlers() {
            return false;
        }
        self.hooked.set(false);
        let GenState::Suspended(frame) = std::mem::replace(&mut *state, GenState::Done) else {
            return false;
        };
        let revived = Rc::new(Generator {
            kind: self.kind,
            code: self.code.clone(),
            state: RefCell::new(GenState::Suspended(frame)),
            hooked: std::cell::Cell::new(false),
            native: None,
        });
        if self.kind == GenKind::AsyncGenerator {
            FINALIZE.with(|f| f.borrow_mut().push(revived));
        } else {
            super::reports::push_close(revived);
        }
        true
    }

    /// Takes the frame out of a generator the cycle collector found unreachable, reporting a
    /// coroutine never awaited as dropping it would; `None` when it has no frame or is running.
    pub(crate) fn clear_unreachable(&self) -> Option<GenState> {
        let mut state = self.state.try_borrow_mut().ok()?;
        match &*state {
            GenState::Created(_) | GenState::Native if self.kind == GenKind::Coroutine => {
                super::reports::push(super::reports::Report::NeverAwaited(
                    self.code.qualname.clone(),
                ));
            }
            GenState::Created(_) | GenState::Suspended(_) => {}
            // A native first step holds no frame to clear.
            GenState::Native | GenState::NativeSuspended | GenState::Running | GenState::Done => {
                return None
            }
        }
        Some(std::mem::replace(&mut *state, GenState::Done))
    }
}

/// How to resume a frame.
#[derive(Debug)]
pub enum Resume {
    /// Send a value (`None` to start).
    Send(crate::runtime::Value),
    /// Raise an exception at the suspension point.
    Throw(crate::runtime::Exc),
}

/// What a frame did when it stopped.
#[derive(Debug)]
pub enum Outcome {
    /// It suspended, yielding a value.
    Yield(crate::runtime::Value),
    /// It returned.
    Return(crate::runtime::Value),
}

impl Generator {
    /// A generator object around a fresh frame.
    pub fn new(kind: GenKind, frame: Frame) -> Generator {
        Generator {
            kind,
            code: frame.code.clone(),
            state: RefCell::new(GenState::Created(Box::new(frame))),
            hooked: std::cell::Cell::new(kind != GenKind::AsyncGenerator),
            native: None,
        }
    }
    /// A coroutine of the asyncio library started in Rust (see [`NativeStart`]).
    pub fn native(start: NativeStart) -> Generator {
        Generator {
            kind: GenKind::Coroutine,
            code: start.slow.code.clone(),
            state: RefCell::new(GenState::Native),
            hooked: std::cell::Cell::new(true),
            native: Some(Box::new(start)),
        }
    }
    /// Whether it has finished.
    pub fn is_done(&self) -> bool {
        matches!(*self.state.borrow(), GenState::Done)
    }
}
