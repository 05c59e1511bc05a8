//! Code compiled to Rust closures: plain functions, module code, and generators and
//! coroutines without `try` / `with`.
//!
//! A body whose statements need no block stack (see
//! [`Code::direct`](crate::compile::code::Code::direct) and
//! [`Code::resumable`](crate::compile::code::Code::resumable)) is compiled once, on first use,
//! into a tree of closures — one per statement and one per expression — each made for its node:
//! a local read, an int fast path, a call with positional arguments, an attribute store. A
//! closure runs without the `match` over every kind of node that walking the syntax tree pays
//! at each step, and `if`, `while` and `for` become Rust control flow. Nodes without a closure
//! of their own evaluate their syntax node with `eval` or run the statement with the block-stack
//! loop's `exec_stmt`, so there is one implementation of each behaviour; the closures make the
//! same checks before each statement (Ctrl-C, the step limit), add the same traceback lines and
//! mark errors with the same spans as the tree walker.
//!
//! A compiled generator or coroutine stops at a `yield` or `await` by returning
//! `Exit::Yield` through its closures; on the way out each statement list records the index
//! of the statement it was in (tagged [`ELSE`] in an `else` block) and each `for` loop its
//! iterator, in the frame's `resume_path`. Resumed, the closures go back down that path,
//! skipping the tests and statements already done, to the suspension statement, which takes
//! the value sent or the exception thrown in from `Interp::resume_with`. (Frames with `try` or
//! `with` keep to the block-stack loop of `exec.rs`.)

use super::exec::{Awaited, Delegated, Flow};
use super::frame::{Completion, Frame, Level, ELSE};
use super::generator::{Outcome, Resume};
use super::{Interp, RECURSION_LIMIT};
use crate::compile::code::Code;
use crate::runtime::exceptions::err;
use crate::runtime::ops;
use crate::runtime::value::{Exc, PyResult, Value, B64};
use crate::source::Span;
use crate::syntax::ast::{
    Arg, BinOp, Body, Constant, Expr, ExprKind, Scope, Stmt, StmtKind, SuspendKind, UnaryOp,
};
use crate::syntax::token::IntLit;
use std::rc::Rc;

mod operands;
pub(crate) mod packed;

use packed::{CondFn, ExprFn, StmtFn};

/// How a statement list ended. The value of a `return` or a suspension travels beside it, in
/// `Interp::exit_value`, so that this stays small enough to come back in registers.
#[derive(Clone, Copy)]
#[repr(u64)] // A whole word, as `Value`'s tag: the result is written and read as words.
pub(crate) enum Exit {
    /// It ran to its end.
    Normal,
    /// `break`.
    Break,
    /// `continue`.
    Continue,
    /// `return value`.
    Return,
    /// A generator or coroutine frame stopped at a suspension point, yielding a value (its
    /// `resume_path` records where).
    Yield,
}

/// A `return` of `v` out of compiled statements.
#[inline(always)]
fn returning(it: &mut Interp, v: Value) -> Exit {
    // What it replaces is the `None` the running body started with.
    std::mem::replace(&mut it.exit_value, v).drop_quick();
    Exit::Return
}

/// A suspension yielding `v` out of compiled statements.
#[inline(always)]
fn yielding(it: &mut Interp, v: Value) -> Exit {
    std::mem::replace(&mut it.exit_value, v).drop_quick();
    Exit::Yield
}

/// A statement list compiled to closures. `tag` marks the levels it adds to a suspended
/// frame's `resume_path`: [`ELSE`] for the `else` block of an `if`, `while` or `for`.
struct Block {
    stmts: Box<[StmtFn]>,
    tag: u32,
    /// Only the first statement does anything: the list has one, or a fused pair's two (see
    /// `await_augmented`). Run as that statement, without the list's loop.
    single: bool,
}

/// A direct function's body compiled to closures (kept in its `Code`, made on the first call),
/// and, for a body that is just `return <expression>`, the expression and the statement's
/// span.
pub struct CompiledBody(Block, Option<(ExprFn, Span)>);

impl std::fmt::Debug for CompiledBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CompiledBody({} statements)", self.0.stmts.len())
    }
}

impl CompiledBody {
    /// Compiles a statement list.
    pub fn new(body: &Body) -> CompiledBody {
        let ret = match &body[..] {
            [Stmt {
                kind: StmtKind::Return(Some(e)),
                span,
            }] => Some((expr(e), *span)),
            _ => None,
        };
        CompiledBody(block(body, 0), ret)
    }
}

impl Interp {
    /// Runs a plain function's frame (one whose code is `direct`) to its end.
    pub(crate) fn run_direct(&mut self, frame: &mut Frame) -> PyResult<Value> {
        let code = frame.code.clone();
        self.run_direct_code(frame, &code)
    }

    /// As `run_direct`, for a frame running `code` (held by the caller, which saves the frame
    /// a clone of it).
    #[inline(always)]
    pub(crate) fn run_direct_code(&mut self, frame: &mut Frame, code: &Code) -> PyResult<Value> {
        self.run_direct_body::<false>(frame, code)
    }

    /// `run_direct_code`; with `RET`, a body that is just `return e` runs as that expression
    /// (for the inline await of a coroutine: a check a plain call does not pay for).
    #[inline(always)]
    pub(crate) fn run_direct_body<const RET: bool>(
        &mut self,
        frame: &mut Frame,
        code: &Code,
    ) -> PyResult<Value> {
        if self.depth >= RECURSION_LIMIT {
            return Err(err("RecursionError", "maximum recursion depth exceeded"));
        }
        self.depth += 1;
        let body = code.compiled.get_or_init(|| CompiledBody::new(&code.body));
        if let (true, Some((e, span))) = (RET, &body.1) {
            // `return e`, the whole body: the statement's steps, without the statement list
            // and the value's trip through `exit_value`.
            let r = before(self, frame, *span).and_then(|()| {
                let v = e.call(self, frame);
                self.reports_at(frame, *span);
                v.map_err(|x| self.traceback_here(frame, x, *span))
            });
            self.depth -= 1;
            return r;
        }
        let base = self.exc_stack.len();
        // A caller's value on its way out may be waiting while this runs (a `return` whose
        // dropped loop iterator closes a generator that calls this function).
        let outer = std::mem::take(&mut self.exit_value);
        let r = run_block(self, frame, &body.0);
        let value = std::mem::replace(&mut self.exit_value, outer);
        self.exc_stack.truncate(base);
        self.depth -= 1;
        match r? {
            Exit::Return => Ok(value),
            _ => Ok(Value::None),
        }
    }

    /// Runs or resumes a generator or coroutine frame whose code is `resumable`, until it
    /// suspends (its `resume_path` then says where) or ends. A resumed frame goes back down
    /// the path to the suspension statement, which takes `resume` from `resume_with`.
    pub(crate) fn run_resumable(
        &mut self,
        frame: &mut Frame,
        resume: Resume,
    ) -> Result<Outcome, Exc> {
        if frame.resume_path.is_empty() {
            // A frame thrown into before its first statement ends with the exception.
            if let Resume::Throw(e) = resume {
                return Err(e);
            }
        } else {
            self.resume_with = Some(resume);
        }
        // SAFETY: a frame's code is never replaced, and the frame outlives this call, so
        // its code lives at least as long as this reference.
        let code: &Code = unsafe { &*Rc::as_ptr(&frame.code) };
        let body = code.compiled.get_or_init(|| CompiledBody::new(&code.body));
        let outer = std::mem::take(&mut self.exit_value);
        let r = run_block(self, frame, &body.0);
        let value = std::mem::replace(&mut self.exit_value, outer);
        match r {
            Ok(Exit::Yield) => Ok(Outcome::Yield(value)),
            Ok(Exit::Return) => Ok(Outcome::Return(value)),
            Ok(_) => Ok(Outcome::Return(Value::None)),
            Err(e) => {
                frame.resume_path.clear();
                self.resume_with = None;
                Err(e)
            }
        }
    }

    /// Prints the reports (never-awaited coroutines, …) that the statement at `span` left.
    fn reports_at(&mut self, frame: &Frame, span: Span) {
        if self.reports_pending() {
            self.print_reports(Some((&frame.code, span)));
        }
    }

    /// Runs statement `idx` of `body`, one that is not a compound statement, with the
    /// block-stack loop's `exec_stmt`.
    fn exec_simple(&mut self, frame: &mut Frame, body: &Body, idx: usize) -> Result<Exit, Exc> {
        let span = body[idx].span;
        let r = self.exec_stmt(frame, body, idx);
        self.reports_at(frame, span);
        match r {
            Ok(Flow::Next) => Ok(Exit::Normal),
            Ok(Flow::Complete(Completion::Return(v))) => Ok(returning(self, v)),
            Ok(Flow::Complete(Completion::Break)) => Ok(Exit::Break),
            Ok(Flow::Complete(Completion::Continue)) => Ok(Exit::Continue),
            // A bare `raise` re-raises as it is, like the block-stack loop.
            Ok(Flow::Complete(Completion::Raise(e))) => Err(e),
            Ok(Flow::Yield(_)) => Err(err(
                "SystemError",
                "a function without yield or await tried to suspend",
            )),
            Err(e) => Err(self.traceback_here(frame, e, span)),
        }
    }
}

/// Runs a compiled statement list: from its first statement, or, when a suspended frame is
/// resuming, from the one it stopped in (the outermost level of its `resume_path`).
#[inline(always)]
fn run_block(it: &mut Interp, frame: &mut Frame, b: &Block) -> Result<Exit, Exc> {
    let start = if frame.resume_path.is_empty() {
        if b.single {
            return match b.stmts[0].call(it, frame)? {
                Exit::Yield => Ok(suspended_at(frame, b.tag)),
                exit => Ok(exit),
            };
        }
        0
    } else {
        resume_index(frame)
    };
    for (i, s) in b.stmts.iter().enumerate().skip(start) {
        match s.call(it, frame)? {
            Exit::Normal => {}
            Exit::Yield => return Ok(suspended_at(frame, i as u32 | b.tag)),
            exit => return Ok(exit),
        }
    }
    Ok(Exit::Normal)
}

/// A statement list suspended at its statement `idx` (tagged): records it.
#[inline]
fn suspended_at(frame: &mut Frame, idx: u32) -> Exit {
    frame.resume_path.push(Level {
        idx,
        iter: Value::None,
    });
    Exit::Yield
}

/// For a compound statement of a frame that is resuming: whether it goes back into its
/// `else` block (`Some(true)`) or its body (`Some(false)`); `None` when the frame is not
/// resuming (always, for plain functions), found with one test.
#[inline(always)]
fn resuming_else(frame: &Frame) -> Option<bool> {
    frame.resume_path.last_idx().map(|i| i & ELSE != 0)
}

/// The statement a resuming statement list goes back to.
#[inline]
fn resume_index(frame: &mut Frame) -> usize {
    frame
        .resume_path
        .pop()
        .map_or(0, |l| (l.idx & !ELSE) as usize)
}

/// What a loop does once its body has run: go on with the next turn (`None`) or leave with
/// an exit (a suspension leaves too).
fn after_body(r: Exit) -> Option<Exit> {
    match r {
        Exit::Normal | Exit::Continue => None,
        Exit::Break => Some(Exit::Normal),
        exit => Some(exit),
    }
}

/// The next item of a `for` loop's iterator (`Interp::next_opt`), with a `range` that has
/// items left stepped here.
#[inline(always)]
fn next_item(it: &mut Interp, i: &Value) -> PyResult<Option<Value>> {
    if let Value::Iter(cell) = i {
        if matches!(&*cell.borrow(), crate::runtime::value::NativeIter::Range { left, .. } if *left > 0)
        {
            // The step is counted first, as `next_opt` counts it.
            it.tick()?;
            if let crate::runtime::value::NativeIter::Range { next, step, left } =
                &mut *cell.borrow_mut()
            {
                let v = *next;
                *next = next.wrapping_add(*step);
                *left -= 1;
                return Ok(Some(match i64::try_from(v) {
                    Ok(v) => Value::Int(v),
                    Err(_) => Value::from_i128(v),
                }));
            }
        }
    }
    it.next_opt(i)
}

/// The next item of a `range` iterator with items left, written straight into local slot
/// `slot` (the loop's target): whether there was one (always), or the step's error. `None`
/// (nothing done) for other iterators, a finished range or an item beyond a machine int.
#[inline(always)]
fn range_into_local(
    it: &mut Interp,
    fr: &mut Frame,
    i: &Value,
    slot: usize,
) -> Option<PyResult<bool>> {
    use crate::runtime::value::NativeIter;
    let Value::Iter(cell) = i else { return None };
    if slot >= fr.slots.len() {
        return None;
    }
    let mut r = cell.try_borrow_mut().ok()?;
    let NativeIter::Range { next, step, left } = &mut *r else {
        return None;
    };
    if *left <= 0 {
        return None;
    }
    let v = i64::try_from(*next).ok()?;
    // The step is counted first, as `next_opt` counts it (the collector, should it run,
    // leaves the borrowed iterator alone).
    if let Err(e) = it.tick() {
        return Some(Err(e));
    }
    *next = next.wrapping_add(*step);
    *left -= 1;
    drop(r);
    let old = std::mem::replace(fr.slots.get_mut(slot)?, Value::Int(v));
    old.drop_quick();
    Some(Ok(true))
}

/// A `for` loop's own level, recorded when its body suspends: its iterator (kept there
/// until the loop resumes).
#[inline]
fn suspended_in_for(frame: &mut Frame, iter: Value) -> Exit {
    frame.resume_path.push(Level { idx: 0, iter });
    Exit::Yield
}

/// The checks before every statement, an error marked with the statement's line.
#[inline]
fn before(it: &mut Interp, frame: &Frame, span: Span) -> Result<(), Exc> {
    it.before_statement()
        .map_err(|e| it.traceback_here(frame, e, span))
}

/// The end of a simple statement: its reports, and its line on an error.
#[inline]
fn finish(it: &mut Interp, frame: &Frame, span: Span, r: PyResult<Exit>) -> Result<Exit, Exc> {
    it.reports_at(frame, span);
    r.map_err(|e| it.traceback_here(frame, e, span))
}

fn block(body: &Body, tag: u32) -> Block {
    let mut stmts = Vec::with_capacity(body.len());
    let mut i = 0;
    let mut single = body.len() == 1;
    while i < body.len() {
        if let Some(fused) = await_augmented(body, i) {
            // The augmented assignment is done by the await statement before it: its own
            // place in the list (kept, so that statement indexes stay the tree's) does nothing.
            stmts.push(fused);
            stmts.push(StmtFn::new(|_, _| Ok(Exit::Normal)));
            single = body.len() == 2;
            i += 2;
            continue;
        }
        stmts.push(stmt(body, i));
        i += 1;
    }
    Block {
        stmts: stmts.into(),
        tag,
        single,
    }
}

/// `local op= await f(args)`, which lowering splits into `$t = await f(args)` (statement
/// `idx`) and `local op= $t`: one statement that does both, the awaited value going straight
/// into the augmented assignment (`$t` is used when a path of the tree's stores it there).
/// `None` for anything else.
fn await_augmented(body: &Body, idx: usize) -> Option<StmtFn> {
    let (StmtKind::Suspend(SuspendKind::Await, Some(tmp), Some(v)), Some(next)) =
        (&body[idx].kind, body.get(idx + 1))
    else {
        return None;
    };
    let StmtKind::AugAssign(t, op, rhs) = &next.kind else {
        return None;
    };
    let (ExprKind::Name(tmp_id), ExprKind::Name(rhs_id)) = (&tmp.kind, &rhs.kind) else {
        return None;
    };
    let (Some(slot), Some(tmp_slot), Some(rhs_slot)) =
        (local_slot(t), local_slot(tmp), local_slot(rhs))
    else {
        return None;
    };
    if !tmp_id.name.starts_with('$') || tmp_slot != rhs_slot || rhs_id.name != tmp_id.name {
        return None;
    }
    let (op, load, at) = (*op, operand(t), t.span.to(rhs.span));
    let store: StoreFn = Box::new(move |it, fr, v| {
        if let (Some(Value::Int(a)), Value::Int(b)) = (fr.slots.get(slot), &v) {
            if let Some(r) = ops::int_fast(op, *a, *b) {
                if let Some(cur) = fr.slots.get_mut(slot) {
                    // Ints both: nothing to drop.
                    std::mem::forget(std::mem::replace(cur, r));
                }
                std::mem::forget(v);
                return Ok(());
            }
        }
        let cur = load.get(it, fr)?;
        let r = augmented(it, op, &cur, &v, at)?;
        drop(cur);
        if let Some(old) = fr.slots.get_mut(slot) {
            std::mem::replace(old, r).drop_quick();
        }
        Ok(())
    });
    await_call_with(v, Some(tmp), body, idx, Some((store, stmt(body, idx + 1))))
}

/// The local slot a plain name target or operand uses.
fn local_slot(e: &Expr) -> Option<usize> {
    match &e.kind {
        ExprKind::Name(id) => match id.scope {
            Scope::Local(i) => Some(i as usize),
            _ => None,
        },
        _ => None,
    }
}

fn stmt(body: &Body, idx: usize) -> StmtFn {
    let s: &Stmt = &body[idx];
    let span = s.span;
    match &s.kind {
        StmtKind::Expr(e) => {
            let e = expr(e);
            StmtFn::new(move |it, fr| {
                before(it, fr, span)?;
                let r = e.call(it, fr).map(|_| Exit::Normal);
                finish(it, fr, span, r)
            })
        }
        StmtKind::Return(Some(Expr {
            kind: ExprKind::BinOp(op, a, b),
            span: vspan,
        })) => {
            let at = (*vspan, a.span.end, b.span.start);
            operands::return_binary(*op, operand(a), operand(b), at, span)
        }
        StmtKind::Return(v) => {
            let v = v.as_ref().map(expr);
            StmtFn::new(move |it, fr| {
                before(it, fr, span)?;
                let r = match &v {
                    Some(v) => v.call(it, fr).map(|v| returning(it, v)),
                    None => Ok(returning(it, Value::None)),
                };
                finish(it, fr, span, r)
            })
        }
        StmtKind::Pass => StmtFn::new(move |it, fr| {
            before(it, fr, span)?;
            finish(it, fr, span, Ok(Exit::Normal))
        }),
        StmtKind::Assign(targets, v) if targets.len() == 1 => {
            let v = expr(v);
            let store = target(&targets[0]);
            StmtFn::new(move |it, fr| {
                before(it, fr, span)?;
                let r = v
                    .call(it, fr)
                    .and_then(|v| store(it, fr, v))
                    .map(|()| Exit::Normal);
                finish(it, fr, span, r)
            })
        }
        StmtKind::AugAssign(t, op, v) if !matches!(t.kind, ExprKind::Name(_)) => {
            let (op, place, rhs) = (*op, place(t), expr(v));
            let (t_at, at) = (t.span, t.span.to(v.span));
            StmtFn::new(move |it, fr| {
                before(it, fr, span)?;
                let r = (|| {
                    let Some(place) = &place else {
                        return Err(err(
                            "SyntaxError",
                            "illegal expression for augmented assignment",
                        ));
                    };
                    let (o, key) = place.locate(it, fr)?;
                    // `d[k] op= v` on a dict with a str or int key: hashed once, the slot
                    // found read and written back (no `__hash__` of the program's to call
                    // twice); a missing key goes the general way, to its KeyError.
                    if let (Place::Item(..), Value::Dict(d)) = (place, &o) {
                        let cur = d.borrow().get_builtin(&key).flatten().cloned();
                        if let Some(cur) = cur {
                            let rhs = rhs.call(it, fr)?;
                            let r = augmented(it, op, &cur, &rhs, at)?;
                            // The key's entry is found again: the right side may have
                            // changed the dict.
                            let mut dm = d.borrow_mut();
                            match dm.get_builtin_mut(&key) {
                                Some(Some(slot)) => *slot = r,
                                _ => {
                                    if let Some(k) = builtin_key(&key) {
                                        dm.insert(k, r);
                                    }
                                }
                            }
                            return Ok(Exit::Normal);
                        }
                    }
                    let cur = place.read(it, &o, &key).map_err(|e| e.note_span(t_at))?;
                    let rhs = rhs.call(it, fr)?;
                    let r = augmented(it, op, &cur, &rhs, at)?;
                    place.write(it, &o, key, r)?;
                    Ok(Exit::Normal)
                })();
                finish(it, fr, span, r)
            })
        }
        StmtKind::AugAssign(t, op, v) => {
            // A name (attributes and items are above).
            let (op, load, rhs) = (*op, operand(t), operand(v));
            let at = t.span.to(v.span);
            operands::augmented_name(op, load, rhs, (at, span), target(t))
        }
        StmtKind::If(test, then, orelse) => {
            let (test, then, orelse) = (cond(test), block(then, 0), block(orelse, ELSE));
            StmtFn::new(move |it, fr| {
                if let Some(in_else) = resuming_else(fr) {
                    return run_block(it, fr, if in_else { &orelse } else { &then });
                }
                before(it, fr, span)?;
                let c = test.call(it, fr);
                it.reports_at(fr, span);
                match c {
                    Ok(true) => run_block(it, fr, &then),
                    // No `else`: nothing to run (the usual case).
                    Ok(false) if orelse.stmts.is_empty() => Ok(Exit::Normal),
                    Ok(false) => run_block(it, fr, &orelse),
                    Err(e) => Err(it.traceback_here(fr, e, span)),
                }
            })
        }
        StmtKind::While(test, b, orelse) => {
            let test_at = test.span;
            let (test, b, orelse) = (cond(test), block(b, 0), block(orelse, ELSE));
            StmtFn::new(move |it, fr| {
                // The first test is the statement's own; later ones are the loop's.
                let mut test_span = span;
                match resuming_else(fr) {
                    Some(true) => return run_block(it, fr, &orelse),
                    Some(false) => {
                        if let Some(exit) = after_body(run_block(it, fr, &b)?) {
                            return Ok(exit);
                        }
                        test_span = test_at;
                    }
                    None => before(it, fr, span)?,
                }
                loop {
                    let c = test.call(it, fr);
                    it.reports_at(fr, test_span);
                    match c {
                        Ok(true) => {}
                        Ok(false) => return run_block(it, fr, &orelse),
                        Err(e) => return Err(it.traceback_here(fr, e, test_span)),
                    }
                    test_span = test_at;
                    if let Some(exit) = after_body(run_block(it, fr, &b)?) {
                        return Ok(exit);
                    }
                }
            })
        }
        StmtKind::For {
            target: t,
            iter,
            body: b,
            orelse,
            ..
        } => {
            let (iter_at, next_at) = (iter.span, super::exec::loop_span(span, b));
            let (store, iter, slot) = (target(t), expr(iter), local_slot(t));
            let (b, orelse) = (block(b, 0), block(orelse, ELSE));
            let run = move |it: &mut Interp, fr: &mut Frame| -> Result<Exit, Exc> {
                let i = match resuming_else(fr) {
                    Some(true) => return run_block(it, fr, &orelse),
                    Some(false) => {
                        // Back into the body, under the loop's own level.
                        let i = fr.resume_path.pop().map(|l| l.iter).unwrap_or_default();
                        let r = run_block(it, fr, &b)?;
                        if let Exit::Yield = r {
                            return Ok(suspended_in_for(fr, i));
                        }
                        if let Some(exit) = after_body(r) {
                            return Ok(exit);
                        }
                        i
                    }
                    None => {
                        before(it, fr, span)?;
                        let i = iter
                            .call(it, fr)
                            .and_then(|i| it.get_iter(&i).map_err(|e| e.note_span(iter_at)));
                        it.reports_at(fr, span);
                        i.map_err(|e| it.traceback_here(fr, e, span))?
                    }
                };
                loop {
                    let next = match slot.and_then(|k| range_into_local(it, fr, &i, k)) {
                        Some(next) => next,
                        None => next_item(it, &i).and_then(|v| match v {
                            Some(v) => store(it, fr, v).map(|()| true),
                            None => Ok(false),
                        }),
                    };
                    match next {
                        Ok(true) => {}
                        Ok(false) => return run_block(it, fr, &orelse),
                        Err(e) => return Err(it.traceback_here(fr, e, next_at)),
                    }
                    let r = run_block(it, fr, &b)?;
                    if let Exit::Yield = r {
                        return Ok(suspended_in_for(fr, i));
                    }
                    if let Some(exit) = after_body(r) {
                        return Ok(exit);
                    }
                }
            };
            StmtFn::new(move |it, fr| {
                let r = run(it, fr);
                // The iterator is gone: a generator left suspended is closed now, as in CPython.
                if it.reports_pending() {
                    it.run_closes();
                }
                r
            })
        }
        StmtKind::Suspend(kind, target, value) => {
            if let (SuspendKind::Await, Some(v)) = (kind, value) {
                if let Some(f) = await_call(v, target.as_ref(), body, idx) {
                    return f;
                }
            }
            let (kind, body) = (*kind, body.clone());
            // A plain `yield` evaluates its value here; `await` and `yield from` delegate.
            let yielded = (kind == SuspendKind::Yield).then(|| value.as_ref().map(expr));
            // A plain `yield` sent a value: `None` for a bare statement, else where it goes.
            let sent: Option<Option<StoreFn>> =
                (kind == SuspendKind::Yield).then(|| target.as_ref().map(self::target));
            let (target, value) = (target.clone(), value.clone());
            StmtFn::new(move |it, fr| {
                if let Some(resume) = it.resume_with.take() {
                    // The statement the frame stopped at: continue it. A plain `yield` sent a
                    // value stores it here (a throw, or a delegate, goes the general way).
                    if let (Some(sent), Resume::Send(_), None) = (&sent, &resume, &fr.delegate) {
                        let Resume::Send(v) = resume else {
                            unreachable!("matched above")
                        };
                        return match sent {
                            None => Ok(Exit::Normal),
                            Some(store) => store(it, fr, v)
                                .map(|()| Exit::Normal)
                                .map_err(|e| it.traceback_here(fr, e, span)),
                        };
                    }
                    return Ok(match it.resume_stmt(fr, &body[idx], resume)? {
                        Some(v) => yielding(it, v),
                        None => Exit::Normal,
                    });
                }
                before(it, fr, span)?;
                if let Some(v) = &yielded {
                    let r = match v {
                        Some(v) => v.call(it, fr).map(|v| yielding(it, v)),
                        None => Ok(yielding(it, Value::None)),
                    };
                    return finish(it, fr, span, r);
                }
                let r = it.suspend(fr, kind, target.as_ref(), value.as_ref());
                let r = r.map(|flow| match flow {
                    Flow::Yield(v) => yielding(it, v),
                    _ => Exit::Normal,
                });
                finish(it, fr, span, r)
            })
        }
        _ => {
            let body = body.clone();
            StmtFn::new(move |it, fr| {
                before(it, fr, span)?;
                it.exec_simple(fr, &body, idx)
            })
        }
    }
}

/// An attribute or item that an augmented assignment reads and writes back.
enum Place {
    /// `obj.name`
    Attr(ExprFn, std::rc::Rc<str>),
    /// `obj[index]`
    Item(ExprFn, ExprFn),
}

fn place(t: &Expr) -> Option<Place> {
    match &t.kind {
        ExprKind::Attribute(obj, name) => Some(Place::Attr(expr(obj), name.clone())),
        ExprKind::Subscript(obj, idx) => Some(Place::Item(expr(obj), expr(idx))),
        _ => None,
    }
}

impl Place {
    /// The object, and for an item its index (evaluated once, as CPython does).
    fn locate(&self, it: &mut Interp, fr: &mut Frame) -> PyResult<(Value, Value)> {
        match self {
            Place::Attr(obj, _) => Ok((obj.call(it, fr)?, Value::None)),
            Place::Item(obj, idx) => {
                let o = obj.call(it, fr)?;
                Ok((o, idx.call(it, fr)?))
            }
        }
    }
    fn read(&self, it: &mut Interp, o: &Value, key: &Value) -> PyResult<Value> {
        match self {
            Place::Attr(_, name) => it.getattr(o, name),
            Place::Item(..) => it.getitem(o, key),
        }
    }
    fn write(&self, it: &mut Interp, o: &Value, key: Value, v: Value) -> PyResult<()> {
        match self {
            Place::Attr(_, name) => it.setattr(o, name, v),
            Place::Item(..) => it.setitem(o, &key, v),
        }
    }
}

/// A store into an assignment target.
type StoreFn = Box<dyn Fn(&mut Interp, &mut Frame, Value) -> PyResult<()>>;

fn target(t: &Expr) -> StoreFn {
    let span = t.span;
    match &t.kind {
        ExprKind::Name(id) if matches!(id.scope, Scope::Global(_)) => {
            let Scope::Global(i) = id.scope else {
                unreachable!("matched a global above")
            };
            let (i, id) = (i as usize, id.clone());
            return Box::new(move |it, fr, v| {
                let old = match fr.globals.values.borrow_mut().get_mut(i) {
                    Some(slot) => Ok(std::mem::replace(slot, v)),
                    None => Err(v),
                };
                match old {
                    Ok(old) => {
                        old.drop_quick();
                        Ok(())
                    }
                    Err(v) => it.store(fr, &id, v),
                }
            });
        }
        ExprKind::Attribute(obj, name)
            if local_slot(obj).is_some() && !matches!(&**name, "__dict__" | "__class__") =>
        {
            // `local.name = v`: stored through the local's slot (no count taken on the
            // instance), where this site found the name last.
            let slot = local_slot(obj).unwrap_or_default();
            let (obj, name) = (expr(obj), name.clone());
            let hint = std::cell::Cell::new(0);
            return Box::new(move |it, fr, v| {
                let v = match fr.slots.get(slot) {
                    Some(Value::Instance(inst)) => {
                        match super::protocol::plain_instance_set_hinted(inst, &name, v, &hint) {
                            Ok(()) => return Ok(()),
                            Err(v) => v,
                        }
                    }
                    _ => v,
                };
                let o = obj.call(it, fr)?;
                it.setattr(&o, &name, v).map_err(|e| e.note_span(span))
            });
        }
        ExprKind::Attribute(obj, name) => {
            let (obj, name) = (expr(obj), name.clone());
            let plain = !matches!(&*name, "__dict__" | "__class__");
            return Box::new(move |it, fr, v| {
                let o = obj.call(it, fr)?;
                let v = match (&o, plain) {
                    (Value::Instance(inst), true) => {
                        match super::protocol::plain_instance_set(inst, &name, v) {
                            Ok(()) => return Ok(()),
                            Err(v) => v,
                        }
                    }
                    _ => v,
                };
                it.setattr(&o, &name, v).map_err(|e| e.note_span(span))
            });
        }
        ExprKind::Subscript(obj, idx) => {
            let (obj, idx) = (expr(obj), expr(idx));
            return Box::new(move |it, fr, v| {
                let o = obj.call(it, fr)?;
                let i = idx.call(it, fr)?;
                it.setitem(&o, &i, v).map_err(|e| e.note_span(span))
            });
        }
        _ => {}
    }
    match local_slot(t) {
        Some(i) => Box::new(move |_, fr, v| {
            std::mem::replace(&mut fr.slots[i], v).drop_quick();
            Ok(())
        }),
        None => {
            let t = t.clone();
            Box::new(move |it, fr, v| it.assign(fr, &t, v))
        }
    }
}

/// `name op= value` evaluated in full, after the checks before the statement: the name's
/// value, the right side, the operator, the store (errors marked as the statement's).
fn augmented_general(
    it: &mut Interp,
    fr: &mut Frame,
    op: BinOp,
    (load, rhs): (&Operand, &Operand),
    (at, span): (Span, Span),
    store: &StoreFn,
) -> Result<Exit, Exc> {
    let r = (|| {
        let cur = load.get(it, fr)?;
        let rhs = rhs.get(it, fr)?;
        let r = augmented(it, op, &cur, &rhs, at)?;
        store(it, fr, r)?;
        Ok(Exit::Normal)
    })();
    finish(it, fr, span, r)
}

/// `cur op= rhs`'s new value: the int fast path, else the in-place operator (its error marked
/// at `at`).
#[inline]
fn augmented(it: &mut Interp, op: BinOp, cur: &Value, rhs: &Value, at: Span) -> PyResult<Value> {
    if let (Value::Int(a), Value::Int(b)) = (cur, rhs) {
        if let Some(r) = ops::int_fast(op, *a, *b) {
            return Ok(r);
        }
    }
    it.inplace_op(op, cur, rhs).map_err(|e| e.note_span(at))
}

/// Evaluates the syntax node itself: the kinds without a closure of their own, and the slow
/// paths (an unbound name's error) of those with one.
fn by_tree(e: &Expr) -> ExprFn {
    let e = e.clone();
    ExprFn::new(move |it, fr| it.eval(fr, &e))
}

fn expr(e: &Expr) -> ExprFn {
    let span = e.span;
    match &e.kind {
        ExprKind::Name(id) => match id.scope {
            Scope::Local(i) => {
                let (i, slow) = (i as usize, by_tree(e));
                ExprFn::new(move |it, fr| read_local(it, fr, i, &slow))
            }
            Scope::Global(i) => {
                let (i, slow) = (i as usize, by_tree(e));
                ExprFn::new(move |it, fr| read_global(it, fr, i, &slow))
            }
            _ => by_tree(e),
        },
        ExprKind::Const(Constant::Int(IntLit::Small(i))) => {
            let i = *i;
            ExprFn::new(move |_, _| Ok(Value::Int(i)))
        }
        ExprKind::Const(c) => {
            let v = super::eval::constant_value(c);
            ExprFn::new(move |_, _| Ok(v.clone()))
        }
        ExprKind::BinOp(op, a, b) => binary(*op, a, b, span),
        ExprKind::Compare(first, rest) if rest.len() == 1 => {
            let (op, re) = &rest[0];
            let (op, l, r) = (*op, operand(first), operand(re));
            ExprFn::new(move |it, fr| {
                let l = l.get(it, fr)?;
                let r = r.get(it, fr)?;
                if let (Value::Int(x), Value::Int(y)) = (&l, &r) {
                    if let Some(b) = ops::int_compare(op, *x, *y) {
                        return Ok(Value::Bool(B64::new(b)));
                    }
                }
                if let Some(b) = dict_membership(op, &l, &r) {
                    return Ok(Value::Bool(B64::new(b)));
                }
                it.compare(op, &l, &r).map_err(|x| x.note_span(span))
            })
        }
        ExprKind::Call(f, args) => call(e, f, args).unwrap_or_else(|| by_tree(e)),
        ExprKind::Attribute(obj, name) if local_slot(obj).is_some() && !name.starts_with("__") => {
            // `local.name`: an instance's own attribute is read through the local's slot
            // (no count taken on the instance), where this site found it last.
            let slot = local_slot(obj).unwrap_or_default();
            let (obj, name) = (expr(obj), name.clone());
            let hint = std::cell::Cell::new(0);
            ExprFn::new(move |it, fr| {
                if let Some(Value::Instance(inst)) = fr.slots.get(slot) {
                    if let Some(v) = super::protocol::plain_instance_attr_hinted(inst, &name, &hint)
                    {
                        return Ok(v);
                    }
                }
                let o = obj.call(it, fr)?;
                it.getattr(&o, &name).map_err(|x| x.note_span(span))
            })
        }
        ExprKind::Attribute(obj, name) => {
            let (obj, name) = (expr(obj), name.clone());
            let plain = !name.starts_with("__");
            ExprFn::new(move |it, fr| {
                let o = obj.call(it, fr)?;
                if let (Value::Instance(inst), true) = (&o, plain) {
                    if let Some(v) = super::protocol::plain_instance_attr(inst, &name) {
                        return Ok(v);
                    }
                }
                it.getattr(&o, &name).map_err(|x| x.note_span(span))
            })
        }
        ExprKind::Subscript(obj, idx) => {
            let anchor = obj.span.end;
            let (obj, idx) = (expr(obj), expr(idx));
            ExprFn::new(move |it, fr| {
                let o = obj.call(it, fr)?;
                let i = idx.call(it, fr)?;
                if let Some(v) = quick_item(&o, &i) {
                    return Ok(v);
                }
                // CPython anchors from the value's end to one past the index's end.
                it.getitem(&o, &i)
                    .map_err(|x| x.note_anchored(span, anchor, u32::MAX))
            })
        }
        ExprKind::BoolOp(is_and, a, b) => {
            let (is_and, a, b) = (*is_and, expr(a), expr(b));
            ExprFn::new(move |it, fr| {
                let v = a.call(it, fr)?;
                if it.truthy(&v)? != is_and {
                    return Ok(v);
                }
                b.call(it, fr)
            })
        }
        ExprKind::Unary(UnaryOp::Not, x) => {
            let x = expr(x);
            ExprFn::new(move |it, fr| {
                let v = x.call(it, fr)?;
                Ok(Value::Bool(B64::new(!it.truthy(&v)?)))
            })
        }
        ExprKind::IfExp(c, a, b) => {
            let (c, a, b) = (expr(c), expr(a), expr(b));
            ExprFn::new(move |it, fr| {
                let v = c.call(it, fr)?;
                if it.truthy(&v)? {
                    a.call(it, fr)
                } else {
                    b.call(it, fr)
                }
            })
        }
        _ => by_tree(e),
    }
}

fn cond(e: &Expr) -> CondFn {
    use crate::syntax::ast::{CmpOp, Constant};
    let span = e.span;
    if let ExprKind::Compare(first, rest) = &e.kind {
        if rest.len() == 1 {
            let (op, re) = &rest[0];
            // `local is None` / `local is not None`: the slot looked at in place.
            if let (CmpOp::Is | CmpOp::IsNot, Some(i), ExprKind::Const(Constant::None)) =
                (op, local_slot(first), &re.kind)
            {
                let (op, is) = (*op, *op == CmpOp::Is);
                let (l, r) = (operand(first), operand(re));
                return CondFn::new(move |it, fr| match fr.slots.get(i) {
                    Some(Value::Undef) | None => compare_truth(it, fr, op, &l, &r, span),
                    Some(v) => Ok(matches!(v, Value::None) == is),
                });
            }
            return operands::cond(*op, operand(first), operand(re), span);
        }
    }
    let f = expr(e);
    CondFn::new(move |it, fr| {
        let v = f.call(it, fr)?;
        it.truthy(&v)
    })
}

/// `o[i]` for a list or tuple indexed by an int in range, or a dict holding a str or int key:
/// read in place (`None`: anything else, and every error, goes the general way).
#[inline]
fn quick_item(o: &Value, i: &Value) -> Option<Value> {
    match (o, i) {
        (Value::List(l), Value::Int(i)) => {
            let l = l.borrow();
            let at = if *i < 0 { i + l.len() as i64 } else { *i };
            usize::try_from(at).ok().and_then(|at| l.get(at).cloned())
        }
        (Value::Tuple(t), Value::Int(i)) => {
            let at = if *i < 0 { i + t.len() as i64 } else { *i };
            usize::try_from(at).ok().and_then(|at| t.get(at).cloned())
        }
        (Value::Dict(d), Value::Str(_) | Value::Int(_)) => {
            let v = d.borrow().get_builtin(i)?.cloned();
            v
        }
        _ => None,
    }
}

/// A dict key for a str or int value, whose hash is the builtin one (no program code runs to
/// compute it); `None` for other values.
#[inline]
fn builtin_key(v: &Value) -> Option<crate::runtime::dict::DictKey> {
    match v {
        Value::Str(_) | Value::Int(_) => crate::runtime::dict::DictKey::new(v.clone()).ok(),
        _ => None,
    }
}

/// `l in r` / `l not in r` for a dict `r` and a str or int `l`, found without the general
/// comparison; `None` for other operands.
#[inline]
fn dict_membership(op: crate::syntax::ast::CmpOp, l: &Value, r: &Value) -> Option<bool> {
    use crate::syntax::ast::CmpOp;
    let (CmpOp::In | CmpOp::NotIn, Value::Dict(d)) = (op, r) else {
        return None;
    };
    let found = d.borrow().get_builtin(l)?.is_some();
    Some(found == (op == CmpOp::In))
}

/// The truth of `l op r`: the int fast path, else the comparison's value tested.
#[inline(never)]
fn compare_truth(
    it: &mut Interp,
    fr: &mut Frame,
    op: crate::syntax::ast::CmpOp,
    l: &Operand,
    r: &Operand,
    span: Span,
) -> PyResult<bool> {
    let l = l.get(it, fr)?;
    let r = r.get(it, fr)?;
    if let (Value::Int(x), Value::Int(y)) = (&l, &r) {
        if let Some(b) = ops::int_compare(op, *x, *y) {
            return Ok(b);
        }
    }
    if let Some(b) = dict_membership(op, &l, &r) {
        return Ok(b);
    }
    let c = it.compare(op, &l, &r).map_err(|x| x.note_span(span))?;
    it.truthy(&c)
}

/// `a op b`, specialised for its operands and operator (`operands::binary`).
fn binary(op: BinOp, a: &Expr, b: &Expr, span: Span) -> ExprFn {
    operands::binary(op, operand(a), operand(b), (span, a.span.end, b.span.start))
}

/// `a op b` evaluated in full: the operands, the int fast path, else the operator (its error
/// marked with the expression's span and the operator's anchors, `at`).
#[inline(always)]
fn binary_full(
    it: &mut Interp,
    fr: &mut Frame,
    op: BinOp,
    a: &Operand,
    b: &Operand,
    (span, from, to): (Span, u32, u32),
) -> PyResult<Value> {
    let x = a.get(it, fr)?;
    let y = b.get(it, fr)?;
    if let (Value::Int(i), Value::Int(j)) = (&x, &y) {
        if let Some(v) = ops::int_fast(op, *i, *j) {
            return Ok(v);
        }
    }
    it.binary_op(op, &x, &y)
        .map_err(|e| e.note_anchored(span, from, to))
}

/// A local variable's value, from its slot; `slow` (the syntax node's evaluation) raises the
/// error of an unbound one.
#[inline(always)]
fn read_local(it: &mut Interp, fr: &mut Frame, i: usize, slow: &ExprFn) -> PyResult<Value> {
    match fr.slots.get(i) {
        Some(Value::Undef) | None => slow.call(it, fr),
        Some(v) => Ok(v.quick_clone()),
    }
}

/// A module global's value, from its slot; `slow` finds a builtin of that name or raises the
/// NameError.
#[inline(always)]
fn read_global(it: &mut Interp, fr: &mut Frame, i: usize, slow: &ExprFn) -> PyResult<Value> {
    match global_ref(fr, i) {
        Some(v) => Ok(v.quick_clone()),
        None => slow.call(it, fr),
    }
}

/// Module global `i`'s value, borrowed in place (`None` when unbound). The borrow must end
/// before any program code runs.
#[inline(always)]
fn global_ref(fr: &Frame, i: usize) -> Option<&Value> {
    // SAFETY: the caller ends the borrow before any program code runs, so nothing can store
    // into the globals while it lives.
    let values = unsafe { fr.globals.values.try_borrow_unguarded() }.ok()?;
    values.get(i).filter(|v| !matches!(v, Value::Undef))
}

/// Drops a called value, a function's count given back inline.
#[inline(always)]
fn drop_callee(v: Value) {
    match v {
        Value::Function(f) => drop(f),
        other => drop(other),
    }
}

/// Module global `i`'s value when it is an int, read in place.
#[inline(always)]
fn global_int(fr: &Frame, i: usize) -> Option<i64> {
    match global_ref(fr, i) {
        Some(Value::Int(n)) => Some(*n),
        _ => None,
    }
}

/// An operand of an arithmetic or comparison operator: a local variable is read from its
/// slot and a small int constant made in place, without a closure call; anything else is a
/// compiled expression.
enum Operand {
    /// A local's slot, with the tree evaluation for when it is unbound (its NameError).
    Local(usize, ExprFn),
    /// A module global's slot, with the tree evaluation for when it is unbound (a builtin,
    /// or the NameError).
    Global(usize, ExprFn),
    /// A small int constant.
    Int(i64),
    /// Any other expression.
    Expr(ExprFn),
}

fn operand(e: &Expr) -> Operand {
    if let Some(i) = local_slot(e) {
        return Operand::Local(i, by_tree(e));
    }
    if let ExprKind::Name(id) = &e.kind {
        if let Scope::Global(i) = id.scope {
            return Operand::Global(i as usize, by_tree(e));
        }
    }
    match e.kind {
        ExprKind::Const(Constant::Int(IntLit::Small(k))) => Operand::Int(k),
        _ => Operand::Expr(expr(e)),
    }
}

impl Operand {
    /// The operand's value.
    #[inline(always)]
    fn get(&self, it: &mut Interp, fr: &mut Frame) -> PyResult<Value> {
        match self {
            Operand::Local(i, slow) => read_local(it, fr, *i, slow),
            Operand::Global(i, slow) => read_global(it, fr, *i, slow),
            Operand::Int(k) => Ok(Value::Int(*k)),
            Operand::Expr(f) => f.call(it, fr),
        }
    }
}

/// A call's callee and positional arguments, compiled.
struct CallParts {
    callee: Callee,
    args: Vec<ExprFn>,
}

/// A method call site's last lookup (`p.dot(q)`, `words.append(w)`): the class version it
/// was found at, the class's key (`method_key`), and the method.
type MethodCache = std::cell::RefCell<Option<(u64, usize, Value)>>;

/// The key a method call site caches its lookup of `name` under: an instance's class (when
/// the instance has no attribute `name` of its own), or the kind of a builtin value whose
/// kind names its class; `None` for other values.
#[inline]
fn method_key(o: &Value, name: &str) -> Option<usize> {
    Some(match o {
        Value::Instance(i) => {
            if i.attrs.borrow().contains(name) {
                return None;
            }
            std::rc::Rc::as_ptr(&i.class) as usize
        }
        Value::List(_) => 1,
        Value::Dict(_) => 2,
        Value::Str(_) => 3,
        Value::Set(_) => 4,
        Value::FrozenSet(_) => 5,
        Value::Tuple(_) => 6,
        Value::Int(_) | Value::BigInt(_) => 7,
        Value::Float(_) => 8,
        Value::Bool(_) => 9,
        Value::Future(f) if f.task.is_some() => 10,
        Value::Future(_) => 11,
        _ => return None,
    })
}

/// How a compiled call finds what it calls.
enum Callee {
    /// `obj.name(...)`: a method found on the class is called with `obj` prepended, without
    /// building a bound method; the span is the attribute's. A module's function
    /// (`asyncio.sleep`) is read from its globals, at the index the site last found it.
    Method(
        ExprFn,
        std::rc::Rc<str>,
        Span,
        std::cell::Cell<u32>,
        MethodCache,
    ),
    /// A module global (`f(...)` of a function defined at the top level): read in place, a
    /// function's count taken inline; the tree evaluation finds a builtin of that name or
    /// raises the NameError.
    Global(usize, ExprFn),
    /// Any other callee expression.
    Value(ExprFn),
}

impl CallParts {
    /// The compiled parts of `f(args)`, when every argument is positional (others, and
    /// `super()` / `dir()` with no arguments, which read the calling frame, go through `eval`).
    fn new(f: &Expr, args: &[Arg]) -> Option<CallParts> {
        let mut pos = Vec::with_capacity(args.len());
        for a in args {
            match a {
                Arg::Positional(x) => pos.push(expr(x)),
                _ => return None,
            }
        }
        if let ExprKind::Name(id) = &f.kind {
            if args.is_empty() && matches!(&*id.name, "super" | "dir") {
                return None;
            }
        }
        let callee = match &f.kind {
            ExprKind::Attribute(obj, name) => Callee::Method(
                expr(obj),
                name.clone(),
                f.span,
                Default::default(),
                Default::default(),
            ),
            ExprKind::Name(id) if matches!(id.scope, Scope::Global(_)) => {
                let Scope::Global(i) = id.scope else {
                    unreachable!("matched a global above")
                };
                Callee::Global(i as usize, by_tree(f))
            }
            _ => Callee::Value(expr(f)),
        };
        Some(CallParts { callee, args: pos })
    }

    /// Evaluates the callee, then the arguments, in CPython's order.
    #[inline(always)]
    fn eval(&self, it: &mut Interp, fr: &mut Frame) -> PyResult<(Value, Vec<Value>)> {
        let n = self.args.len();
        let (callee, mut args) = match &self.callee {
            Callee::Method(obj, ..) => {
                let o = obj.call(it, fr)?;
                return self.eval_method(it, fr, o);
            }
            Callee::Global(i, slow) => {
                let found = match global_ref(fr, *i) {
                    Some(Value::Function(f)) => Some(Value::Function(std::rc::Rc::clone(f))),
                    Some(v) => Some(v.clone()),
                    None => None,
                };
                let callee = match found {
                    Some(v) => v,
                    None => slow.call(it, fr)?,
                };
                let args = it.arg_vec(slots_for(&callee, n));
                (callee, args)
            }
            Callee::Value(f) => {
                let callee = f.call(it, fr)?;
                let args = it.arg_vec(slots_for(&callee, n));
                (callee, args)
            }
        };
        for a in &self.args {
            args.push(a.call(it, fr)?);
        }
        Ok((callee, args))
    }

    /// `eval` of `o.name(args)` from its object on: the method and the arguments, `o` first
    /// when the method is found on its class.
    #[inline(always)]
    fn eval_method(
        &self,
        it: &mut Interp,
        fr: &mut Frame,
        o: Value,
    ) -> PyResult<(Value, Vec<Value>)> {
        let n = self.args.len();
        let Callee::Method(_, name, fspan, hint, cache) = &self.callee else {
            unreachable!("eval_method is for method calls")
        };
        let (callee, mut args) = {
            {
                // The method the site found last for this class, while no class has changed
                // (and the instance has no attribute of that name).
                let key = method_key(&o, name);
                if let Some(key) = key {
                    let hit = match &*cache.borrow() {
                        Some((v, k, m))
                            if *k == key && *v == crate::runtime::class_dict::version() =>
                        {
                            Some(m.clone())
                        }
                        _ => None,
                    };
                    if let Some(func) = hit {
                        let mut args = it.arg_vec(slots_for(&func, n + 1));
                        args.push(o);
                        for a in &self.args {
                            args.push(a.call(it, fr)?);
                        }
                        return Ok((func, args));
                    }
                }
                let module_fn = match &o {
                    Value::Module(m) if !name.starts_with("__") => m.get_hinted(name, hint),
                    _ => None,
                };
                if let Some(callee) = module_fn {
                    let args = it.arg_vec(slots_for(&callee, n));
                    (callee, args)
                } else {
                    match it.lookup_method(&o, name) {
                        Some(func) => {
                            if let Some(key) = key {
                                let version = crate::runtime::class_dict::version();
                                *cache.borrow_mut() = Some((version, key, func.clone()));
                            }
                            let mut args = it.arg_vec(slots_for(&func, n + 1));
                            args.push(o);
                            (func, args)
                        }
                        None => {
                            let callee = it.getattr(&o, name).map_err(|x| x.note_span(*fspan))?;
                            let args = it.arg_vec(slots_for(&callee, n));
                            (callee, args)
                        }
                    }
                }
            }
        };
        for a in &self.args {
            args.push(a.call(it, fr)?);
        }
        Ok((callee, args))
    }
}

/// A call with positional arguments only.
fn call(e: &Expr, f: &Expr, args: &[Arg]) -> Option<ExprFn> {
    let parts = CallParts::new(f, args)?;
    let (span, at) = (e.span, e.span.start);
    let append = matches!(&parts.callee, Callee::Method(_, name, ..) if &**name == "append");
    if append && parts.args.len() == 1 {
        {
            // `x.append(v)` on a list (whose methods a program cannot replace): the item
            // pushed at once, counted as the builtin call's step; on anything else the
            // method call as usual, from the object already evaluated.
            return Some(ExprFn::new(move |it, fr| {
                let Callee::Method(obj, ..) = &parts.callee else {
                    unreachable!("an append call's callee is a method")
                };
                let o = obj.call(it, fr)?;
                if let Value::List(l) = &o {
                    let v = parts.args[0].call(it, fr)?;
                    it.tick().map_err(|x| x.note_span(span))?;
                    l.borrow_mut().push(v);
                    return Ok(Value::None);
                }
                let r = parts.eval_method(it, fr, o).and_then(|(callee, args)| {
                    let r = call_value(it, fr, &callee, args, at);
                    drop_callee(callee);
                    r
                });
                r.map_err(|x| x.note_span(span))
            }));
        }
    }
    if let Callee::Global(i, _) = parts.callee {
        // `f(args)` of a module global: a plain function taking exactly these arguments gets
        // them evaluated straight into its local slots.
        let n = parts.args.len();
        return Some(ExprFn::new(move |it, fr| {
            if let Some(Value::Function(f)) = global_ref(fr, i) {
                if f.plain_args == Some(n as u32) {
                    let f = std::rc::Rc::clone(f);
                    let r = call_plain(it, fr, &f, &parts.args);
                    drop(f);
                    return r.map_err(|x| x.note_span(span));
                }
            }
            call_parts(it, fr, &parts, at).map_err(|x| x.note_span(span))
        }));
    }
    Some(ExprFn::new(move |it, fr| {
        call_parts(it, fr, &parts, at).map_err(|x| x.note_span(span))
    }))
}

/// A call's callee and arguments evaluated by `parts`, then the call (`call_value`).
#[inline(always)]
fn call_parts(it: &mut Interp, fr: &mut Frame, parts: &CallParts, at: u32) -> PyResult<Value> {
    let (callee, args) = parts.eval(it, fr)?;
    let r = call_value(it, fr, &callee, args, at);
    drop_callee(callee);
    r
}

/// `target = await f(args)` with positional arguments: the callee and arguments evaluated by
/// closures; a coroutine function whose body never suspends is awaited inline
/// (`Interp::await_straight`), anything else is called and its value awaited.
fn await_call(value: &Expr, target: Option<&Expr>, body: &Body, idx: usize) -> Option<StmtFn> {
    await_call_with(value, target, body, idx, None)
}

/// `await_call`; with `fused`, the awaited value goes to its store instead of `target`'s, and
/// its statement runs after a path of the tree's has stored the value in `target`.
fn await_call_with(
    value: &Expr,
    target: Option<&Expr>,
    body: &Body,
    idx: usize,
    fused: Option<(StoreFn, StmtFn)>,
) -> Option<StmtFn> {
    let ExprKind::Call(f, args) = &value.kind else {
        return None;
    };
    let parts = CallParts::new(f, args)?;
    let (store, then) = match fused {
        Some((store, then)) => (Some(store), Some(then)),
        None => (target.map(self::target), None),
    };
    // After the tree's code stored the value in `target` (or the statement ended without it).
    let done = move |it: &mut Interp, fr: &mut Frame| -> Result<Exit, Exc> {
        match &then {
            Some(then) => then.call(it, fr),
            None => Ok(Exit::Normal),
        }
    };
    let target = target.cloned();
    let (span, vspan, body) = (body[idx].span, value.span, body.clone());
    Some(StmtFn::new(move |it, fr| {
        if let Some(mut resume) = it.resume_with.take() {
            // The statement the frame stopped at: continue it. A library coroutine's first
            // step left a delegate that ends at once (a sleep's end): done here.
            if let Some(d) = &fr.delegate {
                match it.resume_native(d, resume) {
                    // Sent into by hand while the sleep's future is pending: the future is
                    // yielded again and the statement stays suspended on it.
                    Ok(Ok(Delegated::Yielded(y))) => return Ok(yielding(it, y)),
                    Ok(r) => {
                        fr.delegate = None;
                        let r = match (r, &store) {
                            (Ok(Delegated::Returned(v)), Some(store)) => store(it, fr, v),
                            (Ok(_), _) => Ok(()),
                            (Err(e), _) => Err(e),
                        };
                        return r
                            .map(|()| Exit::Normal)
                            .map_err(|e| it.traceback_here(fr, e, span));
                    }
                    Err(back) => resume = back,
                }
            }
            return match it.resume_stmt(fr, &body[idx], resume)? {
                Some(v) => Ok(yielding(it, v)),
                None => done(it, fr),
            };
        }
        before(it, fr, span)?;
        // Set when the tree's code stored the value in `target`.
        let mut tree_stored = false;
        let r = (|| {
            // The outer error is the call's (its span noted), the inner one the awaited
            // body's (reported on the statement).
            let called = match await_global_plain(it, fr, &parts, vspan) {
                Some(r) => r,
                None => match parts.eval(it, fr) {
                    Ok((callee, args)) => await_callee(it, fr, &callee, args, vspan),
                    Err(e) => Err(e),
                },
            };
            match called.map_err(|x| x.note_span(vspan))?? {
                Awaited::Done(r) => {
                    if let Some(store) = &store {
                        store(it, fr, r)?;
                    }
                    Ok(Exit::Normal)
                }
                Awaited::Awaitable(v) => {
                    let flow = it.delegate_to(fr, SuspendKind::Await, target.as_ref(), v)?;
                    Ok(match flow {
                        Flow::Yield(v) => yielding(it, v),
                        _ => {
                            tree_stored = true;
                            Exit::Normal
                        }
                    })
                }
                Awaited::Suspended(y) => Ok(yielding(it, y)),
            }
        })();
        let exit = finish(it, fr, span, r)?;
        if tree_stored {
            return done(it, fr);
        }
        Ok(exit)
    }))
}

/// `await f(args)` of a module global holding a coroutine function that runs inline and
/// takes exactly these positional arguments: they are evaluated straight into its local slots
/// and its body runs at once (what `await_callee` and `Interp::await_straight_pos` do, without
/// the argument vector and callee going back through memory). `None` for other callees.
#[inline(always)]
fn await_global_plain(
    it: &mut Interp,
    fr: &mut Frame,
    parts: &CallParts,
    vspan: Span,
) -> Option<PyResult<PyResult<Awaited>>> {
    let Callee::Global(i, _) = parts.callee else {
        return None;
    };
    let f = match global_ref(fr, i) {
        Some(Value::Function(f))
            // (Only a program's coroutine whose body never suspends has `await_args`.)
            if f.await_args == Some(parts.args.len() as u32) =>
        {
            std::rc::Rc::clone(f)
        }
        _ => return None,
    };
    match call_windowed::<true>(it, fr, &f, &parts.args) {
        Some(Windowed::Args(e)) => return Some(Err(e)),
        Some(Windowed::Tick(e)) => return Some(Ok(Err(e.note_span(vspan)))),
        Some(Windowed::Ran(r)) => {
            let r = r.map_err(|e| super::call::no_stop_iteration("coroutine", e));
            return Some(Ok(r.map(Awaited::Done)));
        }
        None => {}
    }
    let mut slots = it.arg_vec(f.code.varnames.len());
    if let Err(e) = args_into_slots(it, fr, &f, &parts.args, &mut slots) {
        it.recycle_args(slots);
        return Some(Err(e));
    }
    if let Err(e) = it.tick() {
        return Some(Ok(Err(e.note_span(vspan))));
    }
    let r = it
        .run_straight(&f, slots, super::frame::Cells::new())
        .map_err(|e| super::call::no_stop_iteration("coroutine", e));
    Some(Ok(r.map(Awaited::Done)))
}

/// What `await callee(*args)` found: an inline coroutine's or a library coroutine's first
/// step's result, or the call's value to await. The outer error is the call's, the inner one
/// the awaited body's.
#[inline(always)]
pub(crate) fn await_callee(
    it: &mut Interp,
    fr: &mut Frame,
    callee: &Value,
    args: Vec<Value>,
    vspan: Span,
) -> PyResult<PyResult<Awaited>> {
    match callee {
        Value::Function(func) if func.code.awaits_inline() => {
            let r = it.await_straight_pos(func, args, vspan);
            return Ok(r.map(Awaited::Done));
        }
        Value::Builtin(b) if b.awaits.is_some() && b.bound.is_none() => {
            if let Some(r) = it.await_builtin(fr, b, &args) {
                it.recycle_args(args);
                return Ok(r);
            }
        }
        _ => {}
    }
    call_value(it, fr, callee, args, vspan.start).map(|v| Ok(Awaited::Awaitable(v)))
}

/// Room for `n` arguments, or for all the local slots of a user function (its arguments
/// become them).
fn slots_for(callee: &Value, n: usize) -> usize {
    match callee {
        Value::Function(func) => func.code.varnames.len().max(n),
        _ => n,
    }
}

/// A new instance of plain class `c`, initialised by its `__init__` function `init` with
/// `args`, which fit its positional parameters after `self`.
fn construct(
    it: &mut Interp,
    c: &Rc<crate::runtime::value::Class>,
    init: &crate::runtime::value::Function,
    mut args: Vec<Value>,
) -> PyResult<Value> {
    let inst = it.new_instance(c, Vec::new());
    it.tick()?;
    let n = init.code.varnames.len();
    let mut slots = it.arg_vec(n.max(args.len() + 1));
    slots.push(inst.clone());
    slots.append(&mut args);
    it.recycle_args(args);
    if slots.len() < n {
        slots.resize(n, Value::Undef);
    }
    let r = it.run_straight(init, slots, super::frame::Cells::new())?;
    super::call::init_returned(&r)?;
    Ok(inst)
}

/// Calls plain function `f` (`plain_args` is the number of `args`): the arguments are
/// evaluated into its local slots, and its compiled body runs at once.
#[inline(always)]
fn call_plain(
    it: &mut Interp,
    fr: &mut Frame,
    f: &crate::runtime::value::Function,
    args: &[ExprFn],
) -> PyResult<Value> {
    match call_windowed::<false>(it, fr, f, args) {
        Some(Windowed::Args(e) | Windowed::Tick(e)) => return Err(e),
        Some(Windowed::Ran(r)) => return r,
        None => {}
    }
    // The stack has no room: a vector from the pool. (Written out here and in
    // `await_global_plain` rather than shared: a shared out-of-line fallback measured four
    // more instructions a call on the hot way.)
    let mut slots = it.arg_vec(f.code.varnames.len());
    if let Err(e) = args_into_slots(it, fr, f, args, &mut slots) {
        it.recycle_args(slots);
        return Err(e);
    }
    it.tick()?;
    it.run_straight(f, slots, super::frame::Cells::new())
}

/// `call_plain` with the callee's slots in a window of the value stack: the arguments are
/// evaluated straight into it (the top rising past each, so that calls made while evaluating
/// the next use the stack above), the other locals unbound, and the body run; the frame
/// drops the window's values as the call ends, and the top goes back. Calls nest as the Rust
/// calls that make them do, so windows are freed in the reverse order of their making.
/// `None` (nothing done) when the stack has no room left.
#[inline(always)]
fn call_windowed<const RET: bool>(
    it: &mut Interp,
    fr: &mut Frame,
    f: &crate::runtime::value::Function,
    args: &[ExprFn],
) -> Option<Windowed> {
    let n = f.code.varnames.len().max(args.len());
    let base = it.sp;
    if n > it.vstack.capacity() - base {
        return None;
    }
    // SAFETY: `base + n` is within the buffer's capacity; `as_mut_ptr` makes no reference to
    // the buffer, so the windows of calls still running stay valid.
    let ptr = unsafe { it.vstack.as_mut_ptr().add(base) };
    for (k, a) in args.iter().enumerate() {
        match a.call(it, fr) {
            // SAFETY: slot `base + k` is free (the top is at it) and within the buffer.
            Ok(v) => unsafe {
                ptr.add(k).write(v);
                it.sp = base + k + 1;
            },
            Err(e) => {
                // SAFETY: the `k` values written above, dropped once.
                unsafe { drop_window(ptr, k) };
                it.sp = base;
                return Some(Windowed::Args(e));
            }
        }
    }
    for j in args.len()..n {
        // SAFETY: free slots within the buffer.
        unsafe { ptr.add(j).write(Value::Undef) };
    }
    it.sp = base + n;
    let r = match it.tick() {
        Ok(()) => {
            // SAFETY: `n` values written above, used by this call's frame only (calls it makes
            // take windows above `sp`), and dropped below after the frame is gone.
            let slots =
                unsafe { super::frame::Slots::window(std::ptr::NonNull::new_unchecked(ptr), n) };
            // The frame drops the window's values when its body ends.
            Windowed::Ran(it.run_straight_in::<RET>(f, slots, super::frame::Cells::new()))
        }
        Err(e) => {
            // SAFETY: the window's `n` values, no frame made, dropped once.
            unsafe { drop_window(ptr, n) };
            Windowed::Tick(e)
        }
    };
    it.sp = base;
    Some(r)
}

/// How `call_windowed` ended.
enum Windowed {
    /// An argument raised (the call was not made).
    Args(Exc),
    /// The step before the body raised (a limit, an interrupt).
    Tick(Exc),
    /// The body ran, with this result.
    Ran(PyResult<Value>),
}

/// Drops the `n` values of a stack window at `ptr`.
///
/// # Safety
/// `ptr` must point to `n` initialised values that nothing uses any more.
#[inline(always)]
unsafe fn drop_window(ptr: *mut Value, n: usize) {
    for j in 0..n {
        // SAFETY: as the caller promises.
        unsafe { ptr.add(j).read() }.drop_quick();
    }
}

/// Fills `slots` (empty, from `arg_vec`) as the local slots of a call of `f` whose positional
/// parameters are exactly the values of `args`, evaluated in order; the other locals unbound.
#[inline(always)]
fn args_into_slots(
    it: &mut Interp,
    fr: &mut Frame,
    f: &crate::runtime::value::Function,
    args: &[ExprFn],
    slots: &mut Vec<Value>,
) -> PyResult<()> {
    for a in args {
        slots.push(a.call(it, fr)?);
    }
    let n = f.code.varnames.len();
    if slots.len() < n {
        slots.resize(n, Value::Undef);
    }
    Ok(())
}

/// Calls `callee` (`Interp::call_from`); a plain function given exactly its positional
/// parameters gets them moved into its local slots and runs its compiled body at once.
#[inline(always)]
fn call_value(
    it: &mut Interp,
    fr: &Frame,
    callee: &Value,
    mut args: Vec<Value>,
    at: u32,
) -> PyResult<Value> {
    match callee {
        Value::Function(func) if func.plain_args == Some(args.len() as u32) => {
            it.tick()?;
            let n = func.code.varnames.len();
            if args.len() < n {
                args.resize(n, Value::Undef);
            }
            it.run_straight(func, args, super::frame::Cells::new())
        }
        // A plain class whose `__init__` takes exactly these positional arguments: the new
        // instance and the arguments become `__init__`'s slots (the steps and call site as
        // `call_class` and `run_init` count and record them).
        Value::Class(c) => match c.plain_init() {
            Some(init) if init.plain_args == Some(args.len() as u32 + 1) => {
                it.tick()?;
                it.call_sites.push((fr.code.clone(), at));
                let r = construct(it, c, &init, args);
                it.call_sites.pop();
                r
            }
            _ => it.call_from(fr, callee, args, Vec::new(), at),
        },
        // A builtin function or method found on its type: called on the argument vector,
        // which then goes back to the pool (the call site recorded, as `call_from` does).
        Value::Builtin(b) if b.bound.is_none() => {
            it.tick()?;
            it.call_sites.push((fr.code.clone(), at));
            let no_kwargs = Vec::new();
            let r = (b.func)(it, &args, &no_kwargs);
            // Empty and never grown (the callee only reads it): nothing to free, and no call
            // of the general drop.
            std::mem::forget(no_kwargs);
            it.call_sites.pop();
            it.recycle_args(args);
            r
        }
        _ => it.call_from(fr, callee, args, Vec::new(), at),
    }
}
