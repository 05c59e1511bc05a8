//! Generators, coroutines and async generators: a frame plus the `send` / `throw` / `close`
//! state machine, with CPython's edge errors.

use super::frame::Frame;
use crate::compile::code::Code;
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
    /// Stopped at a `yield` / `await`.
    Suspended(Box<Frame>),
    /// Running now (its frame is out on the Rust stack).
    Running,
    /// Returned or raised.
    Done,
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
    /// An async generator first iterated under a running loop: when dropped unfinished, the
    /// loop closes it (CPython's asyncgen finalizer hook).
    pub hooked: std::cell::Cell<bool>,
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
            if let GenState::Created(_) = self.state.get_mut() {
                super::reports::push(super::reports::Report::NeverAwaited(
                    self.code.qualname.clone(),
                ));
            }
            return;
        }
        self.finalize_unreachable();
    }
}

impl Generator {
    /// CPython's async generator finalizer hook, for one that is dying (dropped, or found
    /// unreachable by the cycle collector) unfinished after it was iterated under a loop: its
    /// frame moves to a new generator object that the loop will `aclose()`. Whether it did.
    pub(crate) fn finalize_unreachable(&self) -> bool {
        if self.kind != GenKind::AsyncGenerator || !self.hooked.get() {
            return false;
        }
        let Ok(mut state) = self.state.try_borrow_mut() else {
            return false;
        };
        self.hooked.set(false);
        let GenState::Suspended(frame) = std::mem::replace(&mut *state, GenState::Done) else {
            return false;
        };
        let revived = Rc::new(Generator {
            kind: self.kind,
            code: self.code.clone(),
            state: RefCell::new(GenState::Suspended(frame)),
            hooked: std::cell::Cell::new(false),
        });
        FINALIZE.with(|f| f.borrow_mut().push(revived));
        true
    }

    /// Takes the frame out of a generator the cycle collector found unreachable, reporting a
    /// coroutine never awaited as dropping it would; `None` when it has no frame or is running.
    pub(crate) fn clear_unreachable(&self) -> Option<GenState> {
        let mut state = self.state.try_borrow_mut().ok()?;
        match &*state {
            GenState::Created(_) if self.kind == GenKind::Coroutine => {
                super::reports::push(super::reports::Report::NeverAwaited(
                    self.code.qualname.clone(),
                ));
            }
            GenState::Created(_) | GenState::Suspended(_) => {}
            GenState::Running | GenState::Done => return None,
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
            hooked: std::cell::Cell::new(false),
        }
    }
    /// Whether it has finished.
    pub fn is_done(&self) -> bool {
        matches!(*self.state.borrow(), GenState::Done)
    }
}
