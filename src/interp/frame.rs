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

/// A frame's local slots: a vector of the frame's own (generators, coroutines, module and
/// class bodies, most calls), or a window of the interpreter's value stack (the straight frame
/// of a plain call, which ends before its caller goes on; see `direct::call_windowed`).
/// The parts of a `Vec`, so that moving one in and out costs nothing.
/// Lengths are 32 bits (a frame has far fewer locals), which keeps a suspended coroutine's
/// frame in a smaller allocation.
pub struct Slots {
    ptr: std::ptr::NonNull<Value>,
    len: u32,
    /// The vector's capacity when the slots are the frame's own; 0 for a window (whose values
    /// the window's owner drops) or an empty vector (which owns no memory).
    cap: u32,
}

impl Slots {
    /// No slots.
    pub const fn empty() -> Slots {
        Slots {
            ptr: std::ptr::NonNull::dangling(),
            len: 0,
            cap: 0,
        }
    }

    /// `v`'s values as the frame's own slots.
    #[inline(always)]
    pub fn from_vec(v: Vec<Value>) -> Slots {
        // A frame's slot vector holds its locals, made for its code's variables (or, for a
        // plain function, its arguments, one per parameter) in a vector kept at most 64
        // long (`recycle_args`): its length and capacity are far below 2^32.
        debug_assert!(v.capacity() <= u32::MAX as usize);
        let mut v = std::mem::ManuallyDrop::new(v);
        Slots {
            // SAFETY: a vector's pointer is never null.
            ptr: unsafe { std::ptr::NonNull::new_unchecked(v.as_mut_ptr()) },
            len: v.len() as u32,
            cap: v.capacity() as u32,
        }
    }

    /// A window of `len` initialised values at `ptr`, which its owner keeps alive and drops
    /// after the frame is gone.
    ///
    /// # Safety
    /// `ptr` must point to `len` initialised values that nothing else uses while the frame
    /// lives, and that outlive it.
    #[inline(always)]
    pub unsafe fn window(ptr: std::ptr::NonNull<Value>, len: usize) -> Slots {
        Slots {
            ptr,
            len: len as u32,
            cap: 0,
        }
    }

    /// The frame's own vector, taken out (its slots left empty); `None` for a window, which
    /// stays.
    #[inline(always)]
    pub fn take_vec(&mut self) -> Option<Vec<Value>> {
        if self.cap == 0 {
            return None;
        }
        let s = std::mem::take(self);
        let s = std::mem::ManuallyDrop::new(s);
        // SAFETY: `cap != 0`: the parts are those of a vector made by `from_vec`, given back
        // once (the slots were replaced by empty ones).
        Some(unsafe { Vec::from_raw_parts(s.ptr.as_ptr(), s.len as usize, s.cap as usize) })
    }

    /// Drops the values of a window in place, leaving it empty: its owner then has none left
    /// to drop. (A call's locals go when it returns, before its caller goes on, as CPython's
    /// frame's do: a generator left in one is closed then.)
    #[inline(always)]
    pub fn clear_window(&mut self) {
        debug_assert_eq!(self.cap, 0, "clear_window on a vector's slots");
        let n = std::mem::replace(&mut self.len, 0) as usize;
        for j in 0..n {
            // SAFETY: the window's `n` initialised values, each read out once; the length is
            // already 0, so nothing reads them again.
            unsafe { self.ptr.as_ptr().add(j).read() }.drop_quick();
        }
    }
}

impl std::ops::Deref for Slots {
    type Target = [Value];
    #[inline(always)]
    fn deref(&self) -> &[Value] {
        // SAFETY: `ptr` points to `len` initialised values (a vector's, or a window's kept
        // alive by its owner for the frame's life), or is dangling with `len` 0.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len as usize) }
    }
}

impl std::ops::DerefMut for Slots {
    #[inline(always)]
    fn deref_mut(&mut self) -> &mut [Value] {
        // SAFETY: as in `deref`; the frame is their only user while it lives.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len as usize) }
    }
}

impl Drop for Slots {
    fn drop(&mut self) {
        drop(self.take_vec());
    }
}

impl Default for Slots {
    fn default() -> Slots {
        Slots::empty()
    }
}

impl std::fmt::Debug for Slots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

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
    pub slots: Slots,
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
    pub resume_path: ResumePath,
}

/// Where a suspended compiled frame stopped: its [`Level`]s, innermost first, used as a
/// stack (the outermost is pushed last and popped first). The innermost level is always a
/// statement's (a `for` loop's level, with its iterator, is pushed after its body's), so it
/// is kept inline as just its index: a coroutine suspended at the top of its body (most of
/// them) allocates nothing for where it stopped, and emptiness, tested before every
/// compound statement, is one comparison.
#[derive(Debug, Default)]
pub struct ResumePath {
    /// How many levels there are.
    len: u32,
    /// The innermost level's index (when `len > 0`).
    idx: u32,
    /// The levels past the innermost, innermost first.
    more: ThinVec<Level>,
}

impl ResumePath {
    /// No levels: the frame is not suspended.
    #[inline(always)]
    pub fn new() -> ResumePath {
        ResumePath {
            len: 0,
            idx: 0,
            more: ThinVec::new(),
        }
    }

    /// Whether there are no levels.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds a level outside those there.
    #[inline(always)]
    pub fn push(&mut self, level: Level) {
        if self.len == 0 {
            debug_assert!(level.iter.is_none(), "an innermost level with an iterator");
            self.idx = level.idx;
        } else {
            self.more.push(level);
        }
        self.len += 1;
    }

    /// Takes the outermost level off.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<Level> {
        match self.len {
            0 => None,
            1 => {
                self.len = 0;
                Some(Level {
                    idx: self.idx,
                    iter: Value::None,
                })
            }
            _ => {
                self.len -= 1;
                self.more.pop()
            }
        }
    }

    /// The outermost level's index.
    #[inline(always)]
    pub fn last_idx(&self) -> Option<u32> {
        match self.len {
            0 => None,
            1 => Some(self.idx),
            _ => self.more.last().map(|l| l.idx),
        }
    }

    /// Drops every level.
    pub fn clear(&mut self) {
        self.len = 0;
        self.more.clear();
    }

    /// The levels' iterators (`None` for levels that are not a `for` loop's), for the cycle
    /// collector.
    pub fn iters(&self) -> impl Iterator<Item = &Value> + '_ {
        self.more.iter().map(|l| &l.iter)
    }

    /// The levels' indexes, outermost first.
    pub fn idxs_outermost_first(&self) -> impl Iterator<Item = u32> + '_ {
        let inner = (self.len > 0).then_some(self.idx);
        self.more.iter().rev().map(|l| l.idx).chain(inner)
    }
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
        Frame::straight_in(code, globals, Slots::from_vec(slots), cells)
    }

    /// `straight` with slots made already.
    #[inline(always)]
    fn straight_in(code: Rc<Code>, globals: Rc<Module>, slots: Slots, cells: Cells) -> Frame {
        Frame {
            code,
            globals,
            slots,
            cells,
            blocks: ThinVec::new(),
            class_ns: None,
            delegate: None,
            saved_exc: ThinVec::new(),
            resume_path: ResumePath::new(),
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
        slots: Slots,
        cells: Cells,
        run: impl FnOnce(&mut Frame) -> R,
    ) -> R {
        // SAFETY: the frame's `code` and `globals` are copies of the caller's pointers made
        // without a count of their own; the caller's references keep them alive for the whole
        // call, and the copies are never dropped (the frame is `ManuallyDrop` and only its
        // other fields are dropped below), so the counts balance. Code that keeps the frame's
        // code or globals (a traceback) clones them, taking counts of its own.
        let mut frame = std::mem::ManuallyDrop::new(unsafe {
            Frame::straight_in(
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
                && frame.resume_path.is_empty()
        );
        if !frame.cells.is_empty() {
            drop(std::mem::take(&mut frame.cells));
        }
        drop(frame.slots.take_vec());
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
            slots: Slots::from_vec(slots),
            cells,
            blocks,
            class_ns: None,
            delegate: None,
            saved_exc: ThinVec::new(),
            resume_path: ResumePath::new(),
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
        let mut levels = self.resume_path.idxs_outermost_first().peekable();
        let mut body: &Body = &self.code.body;
        loop {
            let stmt = body.get((levels.next()? & !ELSE) as usize)?;
            let in_else = levels.peek().is_some_and(|i| i & ELSE != 0);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_of_a_vector_go_back_as_that_vector() {
        let mut v = Vec::with_capacity(4);
        v.push(Value::Int(1));
        v.push(Value::str("x"));
        let p = v.as_ptr();
        let mut s = Slots::from_vec(v);
        assert_eq!(s.len(), 2);
        s[0] = Value::Int(5);
        let back = s.take_vec().expect("the slots were a vector's");
        assert_eq!(back.as_ptr(), p);
        assert_eq!(back.capacity(), 4);
        assert!(matches!(back[0], Value::Int(5)));
        assert!(s.is_empty() && s.take_vec().is_none());
    }

    #[test]
    fn a_resume_path_is_a_stack_with_its_innermost_level_inline() {
        let mut p = ResumePath::new();
        assert!(p.is_empty() && p.last_idx().is_none() && p.pop().is_none());
        p.push(Level {
            idx: 3,
            iter: Value::None,
        });
        assert_eq!(p.last_idx(), Some(3));
        p.push(Level {
            idx: 0,
            iter: Value::Int(9),
        });
        p.push(Level {
            idx: 1 | ELSE,
            iter: Value::None,
        });
        assert_eq!(p.last_idx(), Some(1 | ELSE));
        assert_eq!(
            p.idxs_outermost_first().collect::<Vec<_>>(),
            [1 | ELSE, 0, 3]
        );
        assert_eq!(p.iters().filter(|v| !v.is_none()).count(), 1);
        assert_eq!(p.iters().count(), 2);
        assert_eq!(p.pop().map(|l| l.idx), Some(1 | ELSE));
        let for_level = p.pop().expect("the loop's level");
        assert!(matches!(for_level.iter, Value::Int(9)));
        assert_eq!(p.pop().map(|l| l.idx), Some(3));
        assert!(p.is_empty());
        // Pushed again after emptying, and cleared with an iterator held.
        p.push(Level {
            idx: 0,
            iter: Value::None,
        });
        p.push(Level {
            idx: 2,
            iter: Value::str("it"),
        });
        p.clear();
        assert!(p.is_empty() && p.iters().next().is_none());
    }

    #[test]
    fn a_suspended_frame_stays_small() {
        // A hundred thousand sleeping coroutines each hold one (bench/spawn.py): past a
        // mimalloc size class it costs megabytes.
        assert!(std::mem::size_of::<Frame>() <= 96);
    }

    #[test]
    fn a_window_is_left_to_its_owner() {
        let mut buf = [Value::Int(1), Value::Int(2)];
        // SAFETY: `buf` outlives the window and is not used while it lives.
        let mut w = unsafe { Slots::window(std::ptr::NonNull::from(&mut buf[0]), 2) };
        w[1] = Value::Int(7);
        assert!(w.take_vec().is_none());
        drop(w);
        assert!(matches!(buf[1], Value::Int(7)));
    }

    #[test]
    fn calls_give_their_stack_windows_back() {
        // Arguments that raise part-way, recursion past the stack's size, and a call that
        // ends by an uncaught exception.
        let program = "
def boom():
    raise ValueError('x')
def f(a, b, c):
    return a + b + c
def deep(n, a, b, c, d, e, g, h, i, j, k, l, m, o, p, q, r, s, t, u):
    if n == 0:
        return 0
    return deep(n - 1, a, b, c, d, e, g, h, i, j, k, l, m, o, p, q, r, s, t, u) + 1
def g(i):
    return f(i, boom(), 3)
for i in range(100):
    try:
        g(i)
    except ValueError:
        pass
if deep(900, *range(19)) != 900:
    raise SystemExit(3)
g(0)
";
        let (rc, sp) = crate::with_big_stack(move || {
            let mut it = crate::interp::Interp::new(Box::new(std::io::sink()));
            let rc = crate::run_in(&mut it, "<test>", program.to_string());
            (rc, it.sp)
        });
        assert_eq!(rc, 1, "the last call's exception ends the program");
        assert_eq!(sp, 0, "every window was given back");
    }
}
