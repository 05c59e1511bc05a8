//! Compiled code: what the resolver produces for a module, function, lambda, comprehension or
//! class body, and what a frame runs.

use crate::source::{SourceFile, Span};
use crate::syntax::ast::{Body, Stmt, StmtKind};
use std::rc::Rc;

/// What running a code object gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    /// A plain function: calling it runs it.
    Plain,
    /// A generator function (`yield` in a `def`).
    Generator,
    /// A coroutine function (`async def`).
    Coroutine,
    /// An async generator function (`yield` in an `async def`).
    AsyncGenerator,
    /// Module-level code.
    Module,
    /// A class body.
    Class,
}

/// A cell the frame creates for one of its own variables captured by an inner function.
#[derive(Clone, Debug)]
pub struct CellVar {
    /// The variable's name.
    pub name: Rc<str>,
    /// When the variable is a parameter: its slot, copied into the cell when the frame starts.
    pub param_slot: Option<u32>,
}

/// A compiled body with its scope facts.
#[derive(Debug)]
pub struct Code {
    /// The function's `__name__`.
    pub name: Rc<str>,
    /// The function's `__qualname__`.
    pub qualname: Rc<str>,
    /// What calling it gives.
    pub kind: FunctionKind,
    /// Positional parameters (positional-only included).
    pub argcount: u32,
    /// Positional-only parameters.
    pub posonlycount: u32,
    /// Keyword-only parameters.
    pub kwonlycount: u32,
    /// Has `*args` (its slot follows the keyword-only ones).
    pub has_varargs: bool,
    /// Has `**kwargs` (its slot follows `*args`).
    pub has_varkw: bool,
    /// Names of the local slots; parameters first.
    pub varnames: Vec<Rc<str>>,
    /// Cells this frame creates.
    pub cellvars: Vec<CellVar>,
    /// Cells captured from the enclosing frame: name and index among the enclosing frame's cells.
    pub freevars: Vec<(Rc<str>, u32)>,
    /// The statements.
    pub body: Body,
    /// The file it came from.
    pub source: Rc<SourceFile>,
    /// The definition's span (its first line is the function's line).
    pub span: Span,
    /// Index among this frame's cells of `__class__` (class bodies that methods use `super()` in).
    pub class_cell: Option<u32>,
    /// Whether it is aio's own library code (the asyncio module written in aio): calls made to
    /// it are recorded as call sites, calls to a program's own functions are not.
    pub library: bool,
    /// Whether it runs by plain recursion over closures (`interp/direct.rs`): a plain
    /// function or module whose body has no `try`, `with`, `yield` or `await`, so it never
    /// stops halfway; or such a coroutine function, whose body an `await` of a call to it
    /// runs inline (`Interp::await_straight`).
    pub direct: bool,
    /// A `direct` body compiled to closures, made on the first call (`interp/direct.rs`).
    pub compiled: std::cell::OnceCell<crate::interp::direct::CompiledBody>,
    /// For a plain `direct` function of the program (not aio's library) whose parameters
    /// are all positional with no `*args`, `**kwargs`, cells or free variables: the number
    /// of them. A call with exactly that many positional arguments binds them by moving
    /// them into the local slots.
    pub plain_args: Option<usize>,
    /// The same for a program's coroutine function whose body never suspends, when awaited
    /// inline (`Interp::await_straight`): its positional parameter count.
    pub await_args: Option<usize>,
    /// Whether it is a generator or coroutine function whose body has no `try`, `with` or
    /// `async for`: its frames run as compiled closures that can stop at a suspension point
    /// and resume there (`interp/direct.rs`), not on the block-stack loop.
    pub resumable: bool,
}

impl Code {
    /// Number of parameter slots (positional, keyword-only, `*args`, `**kwargs`).
    pub fn param_slots(&self) -> usize {
        (self.argcount + self.kwonlycount) as usize
            + self.has_varargs as usize
            + self.has_varkw as usize
    }
    /// Whether `await f(...)` of this code runs its body inline (`Interp::await_straight`): a
    /// program's coroutine whose body never suspends.
    pub fn awaits_inline(&self) -> bool {
        self.kind == FunctionKind::Coroutine && self.direct && !self.library
    }
    /// Whether calling the function creates a generator-like object instead of running it.
    pub fn is_resumable(&self) -> bool {
        matches!(
            self.kind,
            FunctionKind::Generator | FunctionKind::Coroutine | FunctionKind::AsyncGenerator
        )
    }
}

/// Whether every statement of `body`, nested ones included, can run without a block stack:
/// no `try`, no `with`, no suspension point, no `async for`.
pub fn runs_straight(body: &[Stmt]) -> bool {
    compiles(body, false)
}

/// Whether every statement of `body` can run as compiled closures that may stop at a
/// suspension point: no `try`, no `with`, no `async for`.
pub fn runs_resumable(body: &[Stmt]) -> bool {
    compiles(body, true)
}

fn compiles(body: &[Stmt], suspends: bool) -> bool {
    body.iter().all(|s| match &s.kind {
        StmtKind::Try { .. } | StmtKind::With { .. } => false,
        StmtKind::Suspend(..) => suspends,
        StmtKind::If(_, b, o) | StmtKind::While(_, b, o) => {
            compiles(b, suspends) && compiles(o, suspends)
        }
        StmtKind::For {
            body,
            orelse,
            is_async,
            ..
        } => !is_async && compiles(body, suspends) && compiles(orelse, suspends),
        _ => true,
    })
}
