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
        }
    }
    /// Whether it has finished.
    pub fn is_done(&self) -> bool {
        matches!(*self.state.borrow(), GenState::Done)
    }
}
