//! Frames: a code object's live state — local slots, cells and a block stack — kept on the heap
//! so a generator or coroutine can stop at a statement boundary and continue there later.

use crate::compile::code::Code;
use crate::runtime::value::{Exc, Module, Value};
use crate::syntax::ast::Body;
use std::cell::RefCell;
use std::rc::Rc;
use thin_vec::ThinVec;

/// A frame's cells (one pointer wide in the frame: most frames have none).
pub type Cells = ThinVec<Rc<RefCell<Value>>>;

/// How a block ended abnormally, carried through `finally` clauses and `with` exits.
#[derive(Clone, Debug)]
pub enum Completion {
    /// `return value`
    Return(Value),
    /// `break`
    Break,
    /// `continue`
    Continue,
    /// An exception.
    Raise(Exc),
}

/// Where a `try` statement is.
#[derive(Clone, Debug)]
pub enum TryPhase {
    /// Running the guarded body.
    Body,
    /// Running handler number `handler` for `exc`.
    Handler {
        /// The exception being handled.
        exc: Exc,
        /// Which `except` clause.
        handler: usize,
    },
    /// Running the `else` clause.
    Else,
    /// Running `finally`, with what to resume afterwards.
    Finally(Option<Completion>),
}

/// What an active block is.
#[derive(Clone, Debug)]
pub enum BlockKind {
    /// A function body or an `if` / `else` branch.
    Plain,
    /// The body of the `while` statement at `owner[idx]`.
    While {
        /// The statement list holding the loop.
        owner: Body,
        /// The loop's index in it.
        idx: usize,
    },
    /// The body of the `for` statement at `owner[idx]`.
    For {
        /// The statement list holding the loop.
        owner: Body,
        /// The loop's index in it.
        idx: usize,
        /// The iterator being consumed.
        iter: Value,
    },
    /// Part of the `try` statement at `owner[idx]`.
    Try {
        /// The statement list holding the `try`.
        owner: Body,
        /// Its index there.
        idx: usize,
        /// Which part is running.
        phase: TryPhase,
    },
    /// The body of a `with` statement; `exit` is the bound `__exit__`.
    With {
        /// The context manager's bound `__exit__`.
        exit: Value,
    },
}

/// One active block: the statements it runs and the index of the next one.
#[derive(Clone, Debug)]
pub struct Block {
    /// The statements.
    pub body: Body,
    /// The next statement to run.
    pub pc: usize,
    /// What kind of block.
    pub kind: BlockKind,
}

/// A class body's namespace while it runs.
pub type Namespace = Rc<RefCell<crate::runtime::value::AttrMap>>;

/// A running or suspended activation of a code object.
#[derive(Debug)]
pub struct Frame {
    /// The code.
    pub code: Rc<Code>,
    /// The module whose globals it uses.
    pub globals: Rc<Module>,
    /// Local variables by slot.
    pub slots: Vec<Value>,
    /// Own cells, then cells captured from the enclosing function.
    pub cells: Cells,
    /// The block stack (frames of code that is not compiled to closures); empty when the
    /// frame has finished.
    pub blocks: ThinVec<Block>,
    /// For class bodies: the namespace being built.
    pub class_ns: Option<Namespace>,
    /// The iterator an `await` / `yield from` is delegating to while suspended.
    pub delegate: Option<Value>,
    /// Exceptions being handled by this frame while it is suspended.
    pub saved_exc: ThinVec<Exc>,
    /// Where a suspended frame of compiled code stopped (`interp/direct.rs`): one level per
    /// nested statement list and loop, innermost first. Empty while it runs.
    pub resume_path: Vec<Level>,
}

/// One level of a compiled frame's suspension point: in a statement list, the index of the
/// statement it stopped in (with [`ELSE`] set when the list is the `else` block of an `if`,
/// `while` or `for`); for a `for` loop whose body stopped, the loop's iterator.
#[derive(Debug)]
pub struct Level {
    /// The statement index, or 0 for a `for` loop's level.
    pub idx: u32,
    /// A `for` loop's iterator (`None` for other levels).
    pub iter: Value,
}

/// The flag of a [`Level`] index in the `else` block of a compound statement.
pub const ELSE: u32 = 1 << 31;

impl Frame {
    /// A frame ready to run `code` from its first statement.
    pub fn new(code: Rc<Code>, globals: Rc<Module>, slots: Vec<Value>, cells: Cells) -> Frame {
        // Room for a few nested blocks, so the first `if` or loop does not reallocate.
        Frame::with_blocks(code, globals, slots, cells, ThinVec::with_capacity(4))
    }

    /// A frame for a `direct` code object, which runs without a block stack.
    #[inline(always)]
    pub fn straight(code: Rc<Code>, globals: Rc<Module>, slots: Vec<Value>, cells: Cells) -> Frame {
        Frame {
            code,
            globals,
            slots,
            cells,
            blocks: ThinVec::new(),
            class_ns: None,
            delegate: None,
            saved_exc: ThinVec::new(),
            resume_path: Vec::new(),
        }
    }

    /// Runs `run` on a frame for a `direct` code object that borrows `code` and `globals`
    /// from a function the caller holds, instead of counting references of its own (a call
    /// of a plain function is the interpreter's hottest path). The frame's slots are left for
    /// `run` to take (it moves them into the call pool from the frame, so that the vector is
    /// not copied through memory on the way); everything else the frame owns is dropped.
    #[inline(always)]
    pub fn with_straight<R>(
        code: &Rc<Code>,
        globals: &Rc<Module>,
        slots: Vec<Value>,
        cells: Cells,
        run: impl FnOnce(&mut Frame) -> R,
    ) -> R {
        // SAFETY: the frame's `code` and `globals` are copies of the caller's pointers made
        // without a count of their own; the caller's references keep them alive for the whole
        // call, and the copies are never dropped (the frame is `ManuallyDrop` and only its
        // other fields are dropped below), so the counts balance. Code that keeps the frame's
        // code or globals (a traceback) clones them, taking counts of its own.
        let mut frame = std::mem::ManuallyDrop::new(unsafe {
            Frame::straight(
                Rc::from_raw(Rc::as_ptr(code)),
                Rc::from_raw(Rc::as_ptr(globals)),
                slots,
                cells,
            )
        });
        let r = run(&mut frame);
        // A straight frame never suspends and has no block stack or class namespace: only
        // its cells, and its slots if `run` left them, can own anything.
        debug_assert!(
            frame.blocks.is_empty()
                && frame.class_ns.is_none()
                && frame.delegate.is_none()
                && frame.saved_exc.is_empty()
                && frame.resume_path.capacity() == 0
        );
        if !frame.cells.is_empty() {
            drop(std::mem::take(&mut frame.cells));
        }
        if frame.slots.capacity() != 0 {
            drop(std::mem::take(&mut frame.slots));
        }
        r
    }

    /// As `new`, reusing `blocks` (an empty vector) for the block stack.
    pub fn with_blocks(
        code: Rc<Code>,
        globals: Rc<Module>,
        slots: Vec<Value>,
        cells: Cells,
        mut blocks: ThinVec<Block>,
    ) -> Frame {
        let body = code.body.clone();
        blocks.push(Block {
            body,
            pc: 0,
            kind: BlockKind::Plain,
        });
        Frame {
            code,
            globals,
            slots,
            cells,
            blocks,
            class_ns: None,
            delegate: None,
            saved_exc: ThinVec::new(),
            resume_path: Vec::new(),
        }
    }
}

impl Frame {
    /// Whether a `try` or `with` block is active: only then does closing the suspended frame
    /// (GeneratorExit thrown in) run any code. Compiled frames have no block stack.
    pub fn has_handlers(&self) -> bool {
        self.blocks
            .iter()
            .any(|b| matches!(b.kind, BlockKind::Try { .. } | BlockKind::With { .. }))
    }

    /// The statement a suspended frame stopped at (for reports of what a task waits on).
    pub fn suspended_stmt(&self) -> Option<&crate::syntax::ast::Stmt> {
        use crate::syntax::ast::StmtKind;
        if !self.code.resumable {
            let b = self.blocks.last()?;
            return b.body.get(b.pc.checked_sub(1)?);
        }
        // Levels are innermost first: walk them from the outermost.
        let mut levels = self.resume_path.iter().rev().peekable();
        let mut body: &Body = &self.code.body;
        loop {
            let stmt = body.get((levels.next()?.idx & !ELSE) as usize)?;
            let in_else = levels.peek().is_some_and(|l| l.idx & ELSE != 0);
            body = match (&stmt.kind, in_else) {
                (
                    StmtKind::If(_, _, o)
                    | StmtKind::While(_, _, o)
                    | StmtKind::For { orelse: o, .. },
                    true,
                ) => o,
                (StmtKind::If(_, b, _) | StmtKind::While(_, b, _), false) => b,
                (StmtKind::For { body: b, .. }, false) => {
                    // The loop's own level.
                    levels.next()?;
                    b
                }
                _ => return Some(stmt),
            };
        }
    }
}
