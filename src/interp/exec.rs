//! Statements as resumable steps: the frame's block stack is walked by a loop, never by Rust
//! recursion on nesting, so a frame can stop after any statement and continue there.

use super::eval::CallArgs;
use super::frame::{Block, BlockKind, Completion, Frame, TryPhase};
use super::generator::{NativeStep, Outcome, Resume};
use super::{Interp, RECURSION_LIMIT};
use crate::asyncio::future::{Future, SleepTimer, Waits};
use crate::runtime::exceptions::{err, new_exception, type_error};
use crate::runtime::types::types;
use crate::runtime::value::{Exc, NativeIter, PyResult, TbEntry, Value};
use crate::source::Span;
use crate::syntax::ast::*;
use std::cell::RefCell;
use std::rc::Rc;

/// What running one statement asks of the loop.
pub(crate) enum Flow {
    /// Go on with the next statement.
    Next,
    /// Suspend the frame, yielding this value.
    Yield(Value),
    /// Leave blocks: return, break, continue or raise.
    Complete(Completion),
}

/// What a delegated send gave.
pub enum Delegated {
    /// The delegate yielded: the frame suspends with this value.
    Yielded(Value),
    /// The delegate finished with this value.
    Returned(Value),
}

/// Where an error taking a `for` loop's next item is reported: the whole statement, so that
/// the traceback shows the `for` line without carets, as CPython's does.
pub(crate) fn loop_span(stmt: Span, body: &[Stmt]) -> Span {
    body.last().map_or(stmt, |last| stmt.to(last.span))
}

/// What `await f(args)` found.
pub(crate) enum Awaited {
    /// The awaited coroutine ran inline to its end, with this value.
    Done(Value),
    /// The call's value, to await.
    Awaitable(Value),
    /// A library coroutine's first step suspended the frame (its `delegate` is set): it
    /// yields this value.
    Suspended(Value),
}

impl Interp {
    /// Runs `frame` until it yields, returns or raises. `fresh` frames start at their first
    /// statement; others resume at the suspension they stopped at.
    pub fn run_frame(&mut self, frame: &mut Frame, resume: Resume) -> Result<Outcome, Exc> {
        if self.depth >= RECURSION_LIMIT {
            return Err(err("RecursionError", "maximum recursion depth exceeded"));
        }
        self.depth += 1;
        let base = self.exc_stack.len();
        if !frame.saved_exc.is_empty() {
            self.exc_stack.extend(frame.saved_exc.drain(..));
            // Thrown into a frame suspended while handling an exception: that one becomes
            // the thrown exception's context (CPython's `_PyErr_ChainStackItem`).
            if let Resume::Throw(e) = &resume {
                self.chain_context(e);
            }
        }
        let r = if frame.code.resumable {
            self.run_resumable(frame, resume)
        } else {
            self.run_loop(frame, resume)
        };
        match &r {
            // The exceptions it was handling wait with it (usually none).
            Ok(Outcome::Yield(_)) if self.exc_stack.len() > base => {
                frame.saved_exc = self.exc_stack.drain(base..).collect()
            }
            Ok(Outcome::Yield(_)) => {}
            _ => self.exc_stack.truncate(base),
        }
        self.depth -= 1;
        r
    }

    /// An exception raised again while another is handled (`raise e`, a stored exception
    /// raised by `Future.result`, one thrown into a generator that is handling one) takes the
    /// handled one as its `__context__`, replacing the one it had, as CPython's
    /// `_PyErr_SetObject` does; a cycle that would make through the handled exception's own
    /// chain is cut there, as CPython cuts it.
    pub(crate) fn chain_context(&mut self, e: &Exc) {
        let Some(top) = self.exc_stack.last().cloned() else {
            return;
        };
        if Rc::ptr_eq(&top.0, &e.0) {
            return;
        }
        let mut o = top.clone();
        loop {
            let next = o.data().context.clone();
            match next {
                Some(n) if Rc::ptr_eq(&n.0, &e.0) => {
                    o.data().context = None;
                    break;
                }
                Some(n) => o = n,
                None => break,
            }
        }
        e.data().context = Some(top);
    }

    /// Adds this frame's traceback line to an exception passing through it, and sets its
    /// `__context__` when it is new.
    pub(crate) fn traceback_here(&mut self, frame: &Frame, e: Exc, span: Span) -> Exc {
        {
            let mut d = e.data();
            let anchors = if d.pending_span.is_some() {
                d.pending_anchors.take()
            } else {
                None
            };
            let span = d.pending_span.take().unwrap_or(span);
            if d.traceback.is_empty() && d.context.is_none() {
                if let Some(top) = self.exc_stack.last() {
                    if !Rc::ptr_eq(&top.0, &e.0) {
                        d.context = Some(top.clone());
                    }
                }
            }
            d.traceback.push(TbEntry {
                code: frame.code.clone(),
                span,
                anchors,
            });
        }
        e
    }

    /// Closes the generators that died suspended, then prints reports left by dying objects;
    /// `at` is the statement that was running.
    pub fn print_reports(&mut self, at: Option<(&Rc<crate::compile::code::Code>, Span)>) {
        self.run_closes();
        if self.limit_is_hit() {
            // A run stopped by a limit reports nothing more than the limit.
            super::reports::discard();
            return;
        }
        for r in super::reports::take() {
            match r {
                super::reports::Report::NeverAwaited(name) => {
                    let mut msg = String::new();
                    match at {
                        Some((code, span)) => {
                            let line = code.source.line_of(span.start);
                            let text = code.source.line_text(line).trim().to_string();
                            msg.push_str(&format!(
                                "{}:{line}: RuntimeWarning: coroutine '{name}' was never awaited\n  {text}\n",
                                code.source.name
                            ));
                        }
                        None => msg.push_str(&format!(
                            "sys:1: RuntimeWarning: coroutine '{name}' was never awaited\n"
                        )),
                    }
                    msg.push_str("RuntimeWarning: Enable tracemalloc to get the object allocation traceback\n");
                    self.flush();
                    eprint!("{msg}");
                }
                super::reports::Report::TaskException(task, e) => {
                    let er = self.repr(&e.value()).unwrap_or_default();
                    let (what, repr) = match task {
                        Some((name, Value::Generator(g))) => (
                            "Task",
                            format!(
                                "<Task finished name='{name}' coro=<{}() done, defined at {}:{}> exception={er}>",
                                g.code.qualname,
                                g.code.source.name,
                                g.code.source.line_of(g.code.span.start)
                            ),
                        ),
                        Some((name, _)) => ("Task", format!("<Task finished name='{name}' exception={er}>")),
                        None => ("Future", format!("<Future finished exception={er}>")),
                    };
                    let tb = crate::diagnostics::format_exception(self, &e);
                    self.flush();
                    eprint!("{what} exception was never retrieved\nfuture: {repr}\n{tb}");
                }
            }
        }
    }

    /// Closes the generators and coroutines that died suspended in a `try` or `with` (see
    /// [`super::reports`]); an error out of a close is reported as CPython's
    /// `_PyErr_WriteUnraisableMsg` does, and the program goes on.
    #[cold]
    #[inline(never)]
    pub(crate) fn run_closes(&mut self) {
        // A compiled frame's value on its way out waits while the closes run.
        let exit_value = std::mem::take(&mut self.exit_value);
        let resume_with = self.resume_with.take();
        loop {
            let gens = super::reports::take_closes();
            if gens.is_empty() {
                break;
            }
            for g in gens {
                if self.limit_is_hit() {
                    continue;
                }
                if let Err(e) = self.gen_close(&g) {
                    if self.limit_is_hit() {
                        continue;
                    }
                    let repr = self.repr(&Value::Generator(g.clone())).unwrap_or_default();
                    let text = crate::diagnostics::format_unraisable(self, &repr, &e);
                    self.flush();
                    eprint!("{text}");
                }
            }
        }
        self.exit_value = exit_value;
        self.resume_with = resume_with;
    }

    /// The check made before every statement: one step (whose periodic slow check also
    /// notices a pending Ctrl-C).
    #[inline(always)]
    pub(crate) fn before_statement(&mut self) -> PyResult<()> {
        self.tick()
    }

    /// Ctrl-C arrived: the KeyboardInterrupt it raises (once).
    #[cold]
    #[inline(never)]
    pub(crate) fn interrupted() -> Exc {
        crate::repl::INTERRUPT.store(false, std::sync::atomic::Ordering::SeqCst);
        new_exception(types().exc("KeyboardInterrupt"), vec![])
    }

    fn is_fresh(frame: &Frame) -> bool {
        frame.blocks.len() == 1 && frame.blocks[0].pc == 0
    }

    fn run_loop(&mut self, frame: &mut Frame, resume: Resume) -> Result<Outcome, Exc> {
        let mut pending: Option<Completion> = None;
        if !Self::is_fresh(frame) {
            match self.resume_suspended(frame, resume) {
                Ok(None) => {}
                Ok(Some(v)) => return Ok(Outcome::Yield(v)),
                Err(c) => pending = Some(c),
            }
        } else if let Resume::Throw(e) = resume {
            pending = Some(Completion::Raise(e));
        }
        loop {
            if let Some(c) = pending.take() {
                let r = self.unwind(frame, c);
                // A loop left may have dropped its iterator, a suspended generator: closed
                // now, as in CPython.
                if self.reports_pending() {
                    self.run_closes();
                }
                if let Some(outcome) = r? {
                    return Ok(outcome);
                }
            }
            let Some(block) = frame.blocks.last_mut() else {
                return Ok(Outcome::Return(Value::None));
            };
            if block.pc >= block.body.len() {
                if let Err(c) = self.end_block(frame) {
                    pending = Some(c);
                }
                if self.reports_pending() {
                    self.run_closes();
                }
                continue;
            }
            let body = block.body.clone();
            let idx = block.pc;
            block.pc += 1;
            if let Err(e) = self.before_statement() {
                pending = Some(Completion::Raise(self.traceback_here(
                    frame,
                    e,
                    body[idx].span,
                )));
                continue;
            }
            let r = self.exec_stmt(frame, &body, idx);
            if self.reports_pending() {
                self.print_reports(Some((&frame.code, body[idx].span)));
            }
            match r {
                Ok(Flow::Next) => {}
                Ok(Flow::Yield(v)) => return Ok(Outcome::Yield(v)),
                Ok(Flow::Complete(c)) => pending = Some(c),
                Err(e) => {
                    pending = Some(Completion::Raise(self.traceback_here(
                        frame,
                        e,
                        body[idx].span,
                    )))
                }
            }
        }
    }

    /// Continues the suspension statement the frame stopped at. `Ok(Some(v))`: suspend again
    /// yielding `v`; `Ok(None)`: go on after it; `Err(c)`: it completed abruptly.
    fn resume_suspended(
        &mut self,
        frame: &mut Frame,
        resume: Resume,
    ) -> Result<Option<Value>, Completion> {
        let (body, idx) = match frame.blocks.last() {
            Some(b) if b.pc > 0 => (b.body.clone(), b.pc - 1),
            _ => return Ok(None),
        };
        self.resume_stmt(frame, &body[idx], resume)
            .map_err(Completion::Raise)
    }

    /// Continues the suspension statement `stmt` a frame stopped at. `Ok(Some(v))`: suspend
    /// again yielding `v`; `Ok(None)`: go on after it; an error carries this frame's line.
    pub(crate) fn resume_stmt(
        &mut self,
        frame: &mut Frame,
        stmt: &Stmt,
        resume: Resume,
    ) -> PyResult<Option<Value>> {
        let StmtKind::Suspend(_, target, _) = &stmt.kind else {
            return Ok(None);
        };
        // Taken out while it runs (it is not the frame's business meanwhile), put back if it
        // yields again.
        let result = match frame.delegate.take() {
            Some(d) => {
                let r = match resume {
                    Resume::Send(v) => self.delegate_send(&d, v),
                    Resume::Throw(e) => self.delegate_throw(&d, e),
                };
                match r {
                    Ok(Delegated::Yielded(v)) => {
                        frame.delegate = Some(d);
                        return Ok(Some(v));
                    }
                    Ok(Delegated::Returned(v)) => Ok(v),
                    Err(e) => Err(e),
                }
            }
            None => match resume {
                Resume::Send(v) => Ok(v),
                Resume::Throw(e) => Err(e),
            },
        };
        let r = result.and_then(|v| match target {
            Some(t) => self.assign(frame, t, v),
            None => Ok(()),
        });
        match r {
            Ok(()) => Ok(None),
            Err(e) => Err(self.traceback_here(frame, e, stmt.span)),
        }
    }

    /// Resumes what a library coroutine's first step left an `await` delegating to
    /// (`NativeIter::Resolved`, a `NativeIter::Wait`, or a sleep's future with its timer): the
    /// end of that coroutine, as `gen_resume` ends a suspended native one. Anything else gets
    /// `resume` back.
    pub(crate) fn resume_native(
        &mut self,
        d: &Value,
        resume: Resume,
    ) -> Result<PyResult<Delegated>, Resume> {
        let r = match d {
            Value::Iter(cell) => {
                let taken = match &mut *cell.borrow_mut() {
                    NativeIter::Resolved(v) => Err(v.clone()),
                    // Taken out while it runs (it calls methods of the queue).
                    w @ NativeIter::Wait(_) => Ok(std::mem::replace(w, NativeIter::Done)),
                    _ => return Err(resume),
                };
                match taken {
                    Ok(NativeIter::Wait(mut w)) => {
                        let r = (w.resume)(self, &mut w, resume);
                        if matches!(r, Ok(Delegated::Yielded(_))) {
                            *cell.borrow_mut() = NativeIter::Wait(w);
                        }
                        return Ok(r);
                    }
                    Ok(_) => return Err(resume),
                    Err(value) => match resume {
                        Resume::Send(_) => Ok(value),
                        Resume::Throw(e) => Err(e),
                    },
                }
            }
            Value::Future(fut) if is_timed_sleep(fut) => return Ok(self.end_sleep(fut, resume)),
            // A task's sleep with no future (its delay).
            Value::Float(_) => self.end_direct_sleep(resume),
            _ => return Err(resume),
        };
        Ok(r.map(Delegated::Returned))
    }

    /// An `asyncio.sleep(delay)` resumed while waiting on its future `fut`. Sent into while
    /// the future is pending and no task holds it blocked (a program drives the coroutine by
    /// hand), it yields the future again, as CPython's future iterator does. Otherwise the
    /// sleep ends: its timer is cancelled (the library's `finally: h.cancel()`), then it
    /// returns the future's result or raises what was thrown in.
    pub(crate) fn end_sleep(&mut self, fut: &Rc<Future>, resume: Resume) -> PyResult<Delegated> {
        if matches!(resume, Resume::Send(_)) && !fut.done() && !fut.blocking.get() {
            fut.blocking.set(true);
            return Ok(Delegated::Yielded(Value::Future(fut.clone())));
        }
        let timer = match fut.waits.borrow_mut().as_deref_mut() {
            Some(Waits::Sleep {
                timer: SleepTimer::Handle(handle),
                ..
            }) => handle.upgrade(),
            Some(Waits::Sleep {
                timer: SleepTimer::Direct { live },
                ..
            }) => {
                *live = false;
                None
            }
            _ => None,
        };
        // A timer that has fired is gone from the loop: nothing to cancel.
        if let Some(handle) = timer {
            handle.cancelled.set(true);
            handle.callback.borrow_mut().take();
        }
        match resume {
            Resume::Throw(e) => Err(e),
            Resume::Send(_) if fut.done() => self.future_result(fut).map(Delegated::Returned),
            Resume::Send(_) => Err(err("RuntimeError", "await wasn't used with future")),
        }
    }

    /// `await f(args)` of a library coroutine function with a Rust first step
    /// (`BuiltinFn::awaits`): the step runs at once, without the coroutine object — it
    /// returns, or suspends the frame with a delegate standing for the rest of the coroutine.
    /// `None` when it hands over (having changed nothing): the call is then made as usual.
    pub(crate) fn await_builtin(
        &mut self,
        frame: &mut Frame,
        b: &crate::runtime::value::BuiltinFn,
        args: &[Value],
    ) -> Option<PyResult<Awaited>> {
        let step = match (b.awaits?)(self, args) {
            Ok(step) => step,
            Err(e) => return Some(Err(super::call::no_stop_iteration("coroutine", e))),
        };
        Some(Ok(match step {
            NativeStep::Return(v) => Awaited::Done(v),
            NativeStep::YieldThenReturn(y, r) => {
                frame.delegate = Some(resolved(r));
                Awaited::Suspended(y)
            }
            NativeStep::Sleep(delay, result) if result.is_none() && self.sleeps_direct() => {
                self.sleep_direct(delay);
                // The delegate is the delay: a float, which no other await leaves there
                // (awaiting a float is a TypeError), kept for reports.
                frame.delegate = Some(Value::Float(crate::runtime::value::F64::new(delay)));
                // What the task's step gets is not looked at: the task's `sleep` says it
                // sleeps.
                Awaited::Suspended(Value::None)
            }
            NativeStep::Sleep(delay, result) => {
                // The future stands for the rest of the sleep: it knows its timer.
                let fut = self.sleep_future(delay, result);
                fut.blocking.set(true);
                frame.delegate = Some(Value::Future(fut.clone()));
                Awaited::Suspended(Value::Future(fut))
            }
            NativeStep::Wait(w) => {
                let fut = w.fut.clone();
                fut.blocking.set(true);
                frame.delegate = Some(Value::Iter(Rc::new(RefCell::new(NativeIter::Wait(w)))));
                Awaited::Suspended(Value::Future(fut))
            }
            NativeStep::HandOver => return None,
        }))
    }

    /// The next step of a future's `__await__` iterator (`None` for other iterators): it
    /// yields the pending future (see [`future_await_step`]), and once the future is done
    /// returns its result (raises its exception).
    pub(crate) fn future_await_advance(
        &mut self,
        cell: &std::cell::RefCell<crate::runtime::value::NativeIter>,
    ) -> Option<PyResult<Delegated>> {
        let (step, f) = match &*cell.borrow() {
            crate::runtime::value::NativeIter::FutureAwait(f) => (future_await_step(f), f.clone()),
            _ => return None,
        };
        Some(match step {
            Err(e) => Err(e),
            Ok(Some(y)) => Ok(Delegated::Yielded(y)),
            Ok(None) => self.future_result(&f).map(Delegated::Returned),
        })
    }

    /// Sends into the iterator an `await` / `yield from` delegates to.
    pub(crate) fn delegate_send(&mut self, d: &Value, v: Value) -> PyResult<Delegated> {
        if let Ok(r) = self.resume_native(d, Resume::Send(Value::None)) {
            return r;
        }
        if let Some(r) = self.async_awaitable(d, Resume::Send(v.clone())) {
            return r;
        }
        if let Value::Iter(cell) = d {
            if let Some(r) = self.future_await_advance(cell) {
                return r;
            }
        }
        if let Value::Generator(g) = d {
            self.await_links += 1;
            let r = self.gen_resume(g, Resume::Send(v));
            self.await_links -= 1;
            return match r? {
                Outcome::Yield(x) => Ok(Delegated::Yielded(x)),
                Outcome::Return(r) => Ok(Delegated::Returned(r)),
            };
        }
        let r = if v.is_none() {
            self.next_raw(d)
        } else {
            self.call_method(d, "send", vec![v])
        };
        match r {
            Ok(x) => Ok(Delegated::Yielded(x)),
            Err(e) if e.is("StopIteration") => Ok(Delegated::Returned(e.stop_value())),
            Err(e) => Err(e),
        }
    }

    /// Throws into the delegate, closing it first for `GeneratorExit`, as CPython's `gen_throw`.
    fn delegate_throw(&mut self, d: &Value, e: Exc) -> PyResult<Delegated> {
        let e = match self.resume_native(d, Resume::Throw(e)) {
            Ok(r) => return r,
            Err(Resume::Throw(e)) => e,
            Err(Resume::Send(_)) => unreachable!("a throw comes back as it went"),
        };
        if let Some(r) = self.async_awaitable(d, Resume::Throw(e.clone())) {
            return r;
        }
        if e.is("GeneratorExit") {
            if let Value::Generator(g) = d {
                self.gen_close(g)?;
            } else if let Ok(close) = self.getattr(d, "close") {
                self.call(&close, vec![], vec![])?;
            }
            return Err(e);
        }
        if let Value::Generator(g) = d {
            self.await_links += 1;
            let r = self.gen_resume(g, Resume::Throw(e));
            self.await_links -= 1;
            return match r? {
                Outcome::Yield(x) => Ok(Delegated::Yielded(x)),
                Outcome::Return(r) => Ok(Delegated::Returned(r)),
            };
        }
        match self.getattr(d, "throw") {
            Ok(throw) => match self.call(&throw, vec![e.value()], vec![]) {
                Ok(x) => Ok(Delegated::Yielded(x)),
                Err(e) if e.is("StopIteration") => Ok(Delegated::Returned(e.stop_value())),
                Err(e) => Err(e),
            },
            Err(_) => Err(e),
        }
    }

    fn push(frame: &mut Frame, body: &Body, kind: BlockKind) {
        frame.blocks.push(Block {
            body: body.clone(),
            pc: 0,
            kind,
        });
    }

    /// Runs one statement.
    pub(crate) fn exec_stmt(
        &mut self,
        frame: &mut Frame,
        body: &Body,
        idx: usize,
    ) -> PyResult<Flow> {
        let stmt = &body[idx];
        match &stmt.kind {
            StmtKind::Expr(e) => {
                self.eval(frame, e)?;
            }
            StmtKind::Assign(targets, v) => {
                let v = self.eval(frame, v)?;
                if targets.len() == 1 {
                    self.assign(frame, &targets[0], v)?;
                } else {
                    for t in targets {
                        self.assign(frame, t, v.clone())?;
                    }
                }
            }
            StmtKind::AugAssign(t, op, v) => self.aug_assign(frame, t, *op, v)?,
            StmtKind::AnnAssign(t, a, v) => {
                if let Some(v) = v {
                    let v = self.eval(frame, v)?;
                    self.assign(frame, t, v)?;
                }
                if !matches!(a.kind, ExprKind::Const(Constant::None)) {
                    self.eval(frame, a)?;
                }
            }
            StmtKind::Del(ts) => {
                for t in ts {
                    self.delete(frame, t)?;
                }
            }
            StmtKind::Pass | StmtKind::Global(_) | StmtKind::Nonlocal(_) => {}
            StmtKind::Break => return Ok(Flow::Complete(Completion::Break)),
            StmtKind::Continue => return Ok(Flow::Complete(Completion::Continue)),
            StmtKind::Return(v) => {
                let v = match v {
                    Some(e) => self.eval(frame, e)?,
                    None => Value::None,
                };
                return Ok(Flow::Complete(Completion::Return(v)));
            }
            StmtKind::If(t, b, o) => {
                let c = self.eval(frame, t)?;
                if self.truthy(&c)? {
                    Self::push(frame, b, BlockKind::Plain);
                } else if !o.is_empty() {
                    Self::push(frame, o, BlockKind::Plain);
                }
            }
            StmtKind::While(t, b, o) => {
                let c = self.eval(frame, t)?;
                if self.truthy(&c)? {
                    Self::push(
                        frame,
                        b,
                        BlockKind::While {
                            owner: body.clone(),
                            idx,
                        },
                    );
                } else if !o.is_empty() {
                    Self::push(frame, o, BlockKind::Plain);
                }
            }
            StmtKind::For {
                target,
                iter,
                body: b,
                orelse,
                ..
            } => {
                let it = self.eval(frame, iter)?;
                let it = self.get_iter(&it).map_err(|e| e.note_span(iter.span))?;
                let next = self.next_opt(&it);
                match next.map_err(|e| e.note_span(loop_span(stmt.span, b)))? {
                    Some(v) => {
                        Self::push(
                            frame,
                            b,
                            BlockKind::For {
                                owner: body.clone(),
                                idx,
                                iter: it,
                            },
                        );
                        self.assign(frame, target, v)?;
                    }
                    None => {
                        if !orelse.is_empty() {
                            Self::push(frame, orelse, BlockKind::Plain);
                        }
                    }
                }
            }
            StmtKind::Try { body: b, .. } => {
                Self::push(
                    frame,
                    b,
                    BlockKind::Try {
                        owner: body.clone(),
                        idx,
                        phase: TryPhase::Body,
                    },
                );
            }
            StmtKind::With { items, body: b, .. } => self.enter_with(frame, items, b)?,
            StmtKind::Raise(e, c) => return self.raise(frame, e.as_ref(), c.as_ref()),
            StmtKind::Assert(t, m) => {
                let c = self.eval(frame, t)?;
                if !self.truthy(&c)? {
                    let args = match m {
                        Some(m) => vec![self.eval(frame, m)?],
                        None => vec![],
                    };
                    return Err(
                        new_exception(types().exc("AssertionError"), args).note_span(t.span)
                    );
                }
            }
            StmtKind::Import(aliases) => {
                for a in aliases {
                    let m = self.import(&a.name).map_err(|e| e.note_span(a.span))?;
                    let bound =
                        if a.asname.name.as_ref() != a.name.as_ref() && !a.name.contains('.') {
                            m
                        } else {
                            let top = a.name.split('.').next().unwrap_or(&a.name).to_string();
                            self.import(&top)?
                        };
                    self.store(frame, &a.asname, bound)?;
                }
            }
            StmtKind::ImportFrom(module, aliases) => {
                let m = self.import(module)?;
                for a in aliases {
                    let v = self.getattr(&m, &a.name).map_err(|_| {
                        err(
                            "ImportError",
                            format!(
                                "cannot import name '{}' from '{}' (unknown location)",
                                a.name, module
                            ),
                        )
                        .note_span(a.span)
                    })?;
                    self.store(frame, &a.asname, v)?;
                }
            }
            StmtKind::FunctionDef(f) => {
                let mut decs = Vec::with_capacity(f.decorators.len());
                for d in &f.decorators {
                    decs.push(self.eval(frame, d)?);
                }
                let mut func = self.make_function(frame, f)?;
                for (dec, d) in decs.iter().zip(&f.decorators).rev() {
                    func = self
                        .call(dec, vec![func], vec![])
                        .map_err(|e| e.note_span(d.span))?;
                }
                let id = Ident {
                    name: f.name.clone(),
                    scope: f.bind,
                };
                self.store(frame, &id, func)?;
            }
            StmtKind::ClassDef(c) => {
                let mut decs = Vec::with_capacity(c.decorators.len());
                for d in &c.decorators {
                    decs.push(self.eval(frame, d)?);
                }
                // The class statement spans its whole body: CPython draws no carets under it.
                let whole = crate::source::Span {
                    start: stmt.span.start,
                    end: c.body.last().map_or(stmt.span.end, |s| s.span.end),
                };
                let mut cls = self.make_class(frame, c).map_err(|e| e.note_span(whole))?;
                for (dec, d) in decs.iter().zip(&c.decorators).rev() {
                    cls = self
                        .call(dec, vec![cls], vec![])
                        .map_err(|e| e.note_span(d.span))?;
                }
                let id = Ident {
                    name: c.name.clone(),
                    scope: c.bind,
                };
                self.store(frame, &id, cls)?;
            }
            StmtKind::Suspend(kind, target, value) => {
                return self.suspend(frame, *kind, target.as_ref(), value.as_ref())
            }
        }
        Ok(Flow::Next)
    }

    pub(crate) fn suspend(
        &mut self,
        frame: &mut Frame,
        kind: SuspendKind,
        target: Option<&Expr>,
        value: Option<&Expr>,
    ) -> PyResult<Flow> {
        let v = match value {
            Some(e) if kind == SuspendKind::Await => match &e.kind {
                ExprKind::Call(f, args) => match self.await_call(frame, f, args, e.span)? {
                    Awaited::Done(r) => {
                        if let Some(t) = target {
                            self.assign(frame, t, r)?;
                        }
                        return Ok(Flow::Next);
                    }
                    Awaited::Awaitable(v) => v,
                    Awaited::Suspended(y) => return Ok(Flow::Yield(y)),
                },
                _ => self.eval(frame, e)?,
            },
            Some(e) => self.eval(frame, e)?,
            None => Value::None,
        };
        if kind == SuspendKind::Yield {
            return Ok(Flow::Yield(v));
        }
        self.delegate_to(frame, kind, target, v)
    }

    /// `await v` / `yield from v`: delegates to `v`'s iterator until it returns (the value
    /// goes to `target`) or yields (the frame suspends). Its errors are reported on the
    /// suspension statement, whose span is the `await` / `yield from` expression's, as
    /// CPython reports them on its `SEND`.
    pub(crate) fn delegate_to(
        &mut self,
        frame: &mut Frame,
        kind: SuspendKind,
        target: Option<&Expr>,
        v: Value,
    ) -> PyResult<Flow> {
        let it = if kind == SuspendKind::Await {
            self.get_awaitable(&v)?
        } else {
            if let Value::Generator(g) = &v {
                if g.kind == super::generator::GenKind::Coroutine
                    && frame.code.kind == crate::compile::code::FunctionKind::Generator
                {
                    return Err(type_error(
                        "cannot 'yield from' a coroutine object in a non-coroutine generator",
                    ));
                }
            }
            self.get_iter(&v)?
        };
        frame.delegate = Some(it.clone());
        match self.delegate_send(&it, Value::None) {
            Ok(Delegated::Yielded(x)) => Ok(Flow::Yield(x)),
            Ok(Delegated::Returned(r)) => {
                frame.delegate = None;
                if let Some(t) = target {
                    self.assign(frame, t, r)?;
                }
                Ok(Flow::Next)
            }
            Err(e) => {
                frame.delegate = None;
                Err(e)
            }
        }
    }

    /// `await f(args)`: the call is made, unless `f` is a coroutine function whose body never
    /// suspends, which is awaited inline (`Interp::await_straight`).
    fn await_call(
        &mut self,
        frame: &mut Frame,
        f: &Expr,
        args: &[Arg],
        span: Span,
    ) -> PyResult<Awaited> {
        let call = self
            .eval_call_args(frame, f, args)
            .map_err(|x| x.note_span(span))?;
        match call {
            CallArgs::Done(v) => Ok(Awaited::Awaitable(v)),
            // The compiled frames' way: the call's own error marked at the call.
            CallArgs::Call(callee, pos, kw) if kw.is_empty() => {
                super::direct::await_callee(self, frame, &callee, pos, span)
                    .map_err(|x| x.note_span(span))?
            }
            CallArgs::Call(Value::Function(func), pos, kw) if func.code.awaits_inline() => {
                self.await_straight(&func, pos, kw, span).map(Awaited::Done)
            }
            CallArgs::Call(callee, pos, kw) => self
                .call_from(frame, &callee, pos, kw, span.start)
                .map(Awaited::Awaitable)
                .map_err(|x| x.note_span(span)),
        }
    }

    fn raise(
        &mut self,
        frame: &mut Frame,
        e: Option<&Expr>,
        cause: Option<&Expr>,
    ) -> PyResult<Flow> {
        let Some(e) = e else {
            return match self.exc_stack.last() {
                Some(top) => Ok(Flow::Complete(Completion::Raise(top.clone()))),
                None => Err(err("RuntimeError", "No active exception to reraise")),
            };
        };
        let v = self.eval(frame, e)?;
        let exc = self.make_exception(v)?;
        if let Some(c) = cause {
            let cv = self.eval(frame, c)?;
            let cause = if cv.is_none() {
                None
            } else {
                match self.make_exception(cv) {
                    Ok(x) => Some(x),
                    Err(_) => {
                        return Err(type_error(
                            "exception causes must derive from BaseException",
                        ))
                    }
                }
            };
            let mut d = exc.data();
            d.cause = cause;
            d.suppress_context = true;
        }
        self.chain_context(&exc);
        Err(exc)
    }

    /// The exception to raise for `raise v`: an instance as is, a class instantiated.
    pub(crate) fn make_exception(&mut self, v: Value) -> PyResult<Exc> {
        match &v {
            Value::Class(c) if c.is_exception => {
                let inst = self.call(&v, vec![], vec![])?;
                Exc::from_value(&inst)
                    .ok_or_else(|| type_error("exceptions must derive from BaseException"))
            }
            _ => Exc::from_value(&v)
                .ok_or_else(|| type_error("exceptions must derive from BaseException")),
        }
    }

    fn enter_with(
        &mut self,
        frame: &mut Frame,
        items: &[(Expr, Option<Expr>)],
        body: &Body,
    ) -> PyResult<()> {
        let (mgr_expr, target) = &items[0];
        let mgr = self.eval(frame, mgr_expr)?;
        let cls = types().class_of(&mgr);
        let (Some(enter), Some(exit)) = (cls.lookup("__enter__"), cls.lookup("__exit__")) else {
            let name = cls.name.clone();
            let msg = if cls.lookup("__enter__").is_none() {
                format!("'{name}' object does not support the context manager protocol")
            } else {
                format!("'{name}' object does not support the context manager protocol (missed __exit__ method)")
            };
            return Err(type_error(msg).note_span(mgr_expr.span));
        };
        let exit = self.bind(exit, &mgr);
        let enter = self.bind(enter, &mgr);
        let v = self.call(&enter, vec![], vec![])?;
        // The rest of the items nest inside this one.
        let inner: Body = if items.len() > 1 {
            Rc::new(vec![Stmt::new(
                StmtKind::With {
                    items: items[1..].to_vec(),
                    body: body.clone(),
                    is_async: false,
                },
                items[1]
                    .0
                    .span
                    .to(body.last().map(|s| s.span).unwrap_or_default()),
            )])
        } else {
            body.clone()
        };
        Self::push(frame, &inner, BlockKind::With { exit });
        if let Some(t) = target {
            self.assign(frame, t, v)?;
        }
        Ok(())
    }

    /// A block ran off its end: loop again, move to the next clause, or pop it.
    fn end_block(&mut self, frame: &mut Frame) -> Result<(), Completion> {
        let Some(block) = frame.blocks.last_mut() else {
            return Ok(());
        };
        match &mut block.kind {
            BlockKind::Plain => {
                frame.blocks.pop();
            }
            BlockKind::While { owner, idx } => {
                let (owner, idx) = (owner.clone(), *idx);
                let StmtKind::While(test, _, orelse) = &owner[idx].kind else {
                    return Ok(());
                };
                let r = self.eval(frame, test).and_then(|c| self.truthy(&c));
                match r {
                    Ok(true) => {
                        if let Some(b) = frame.blocks.last_mut() {
                            b.pc = 0;
                        }
                    }
                    Ok(false) => {
                        frame.blocks.pop();
                        if !orelse.is_empty() {
                            Self::push(frame, orelse, BlockKind::Plain);
                        }
                    }
                    Err(e) => {
                        return Err(Completion::Raise(self.traceback_here(frame, e, test.span)))
                    }
                }
            }
            BlockKind::For { owner, idx, iter } => {
                let (owner, idx, iter) = (owner.clone(), *idx, iter.clone());
                let StmtKind::For { target, orelse, .. } = &owner[idx].kind else {
                    return Ok(());
                };
                let r = match self.next_opt(&iter) {
                    Ok(Some(v)) => {
                        if let Some(b) = frame.blocks.last_mut() {
                            b.pc = 0;
                        }
                        self.assign(frame, target, v)
                    }
                    Ok(None) => {
                        frame.blocks.pop();
                        if !orelse.is_empty() {
                            Self::push(frame, orelse, BlockKind::Plain);
                        }
                        Ok(())
                    }
                    Err(e) => Err(e),
                };
                if let Err(e) = r {
                    let StmtKind::For { body, .. } = &owner[idx].kind else {
                        return Ok(());
                    };
                    let at = loop_span(owner[idx].span, body);
                    return Err(Completion::Raise(self.traceback_here(frame, e, at)));
                }
            }
            BlockKind::Try { owner, idx, phase } => {
                let (owner, idx) = (owner.clone(), *idx);
                let StmtKind::Try {
                    handlers,
                    orelse,
                    finalbody,
                    ..
                } = &owner[idx].kind
                else {
                    return Ok(());
                };
                let phase = std::mem::replace(phase, TryPhase::Body);
                match phase {
                    TryPhase::Body if !orelse.is_empty() => {
                        Self::set_top(frame, orelse, TryPhase::Else);
                    }
                    TryPhase::Body | TryPhase::Else => {
                        self.enter_finally_normally(frame, finalbody, None)
                    }
                    TryPhase::Handler { handler, .. } => {
                        self.exc_stack.pop();
                        if let Some(name) = &handlers[handler].name {
                            let _ = self.unbind(frame, name);
                        }
                        self.enter_finally_normally(frame, finalbody, None);
                    }
                    TryPhase::Finally(pending) => {
                        frame.blocks.pop();
                        self.leave_finally(&pending);
                        if let Some(c) = pending {
                            return Err(c);
                        }
                    }
                }
            }
            BlockKind::With { exit } => {
                let exit = exit.clone();
                frame.blocks.pop();
                if let Err(e) =
                    self.call(&exit, vec![Value::None, Value::None, Value::None], vec![])
                {
                    return Err(Completion::Raise(e));
                }
            }
        }
        Ok(())
    }

    /// Leaves a `finally` clause: the exception it ran for is no longer being handled.
    fn leave_finally(&mut self, pending: &Option<Completion>) {
        if let Some(Completion::Raise(_)) = pending {
            self.exc_stack.pop();
        }
    }

    /// Enters a `finally` clause run because of `pending`: a pending exception counts as being
    /// handled while it runs (it becomes the `__context__` of anything raised there).
    fn enter_finally(&mut self, frame: &mut Frame, finalbody: &Body, pending: Completion) {
        if let Completion::Raise(e) = &pending {
            self.exc_stack.push(e.clone());
        }
        Self::set_top(frame, finalbody, TryPhase::Finally(Some(pending)));
    }

    fn set_top(frame: &mut Frame, body: &Body, phase: TryPhase) {
        if let Some(b) = frame.blocks.last_mut() {
            b.body = body.clone();
            b.pc = 0;
            if let BlockKind::Try { phase: p, .. } = &mut b.kind {
                *p = phase;
            }
        }
    }

    /// Runs the `finally` clause with `pending` to resume after it, or pops the `try` block.
    fn enter_finally_normally(
        &mut self,
        frame: &mut Frame,
        finalbody: &Body,
        pending: Option<Completion>,
    ) {
        if finalbody.is_empty() {
            frame.blocks.pop();
        } else {
            Self::set_top(frame, finalbody, TryPhase::Finally(pending));
        }
    }

    /// Leaves blocks for an abrupt completion. `Ok(None)`: a block took it over and execution
    /// continues; `Ok(Some(_))`: the frame returned; `Err`: the exception leaves the frame.
    fn unwind(&mut self, frame: &mut Frame, mut c: Completion) -> Result<Option<Outcome>, Exc> {
        if let (Completion::Raise(e), true) = (&c, self.limit_is_hit()) {
            // A resource limit runs no handler, `finally` or `__exit__` on its way out.
            frame.blocks.clear();
            return Err(e.clone());
        }
        loop {
            let Some(block) = frame.blocks.last_mut() else {
                return match c {
                    Completion::Raise(e) => Err(e),
                    Completion::Return(v) => Ok(Some(Outcome::Return(v))),
                    Completion::Break | Completion::Continue => {
                        Ok(Some(Outcome::Return(Value::None)))
                    }
                };
            };
            match &mut block.kind {
                BlockKind::Plain => {
                    frame.blocks.pop();
                }
                BlockKind::While { .. } | BlockKind::For { .. } => match c {
                    Completion::Break => {
                        frame.blocks.pop();
                        return Ok(None);
                    }
                    Completion::Continue => {
                        block.pc = block.body.len();
                        return Ok(None);
                    }
                    _ => {
                        frame.blocks.pop();
                    }
                },
                BlockKind::Try { owner, idx, phase } => {
                    let (owner, idx) = (owner.clone(), *idx);
                    let phase = std::mem::replace(phase, TryPhase::Body);
                    let StmtKind::Try {
                        handlers,
                        finalbody,
                        ..
                    } = &owner[idx].kind
                    else {
                        frame.blocks.pop();
                        continue;
                    };
                    match phase {
                        TryPhase::Body => {
                            if let Completion::Raise(e) = &c {
                                if !handlers.is_empty() {
                                    match self.match_handler(frame, handlers, e) {
                                        Ok(Some(i)) => {
                                            let e = e.clone();
                                            Self::set_top(
                                                frame,
                                                &handlers[i].body,
                                                TryPhase::Handler {
                                                    exc: e.clone(),
                                                    handler: i,
                                                },
                                            );
                                            self.exc_stack.push(e.clone());
                                            if let Some(name) = &handlers[i].name {
                                                if let Err(e2) = self.store(frame, name, e.value())
                                                {
                                                    c = Completion::Raise(e2);
                                                    continue;
                                                }
                                            }
                                            return Ok(None);
                                        }
                                        Ok(None) => {}
                                        Err(e2) => c = Completion::Raise(e2),
                                    }
                                }
                            }
                            if finalbody.is_empty() {
                                frame.blocks.pop();
                            } else {
                                self.enter_finally(frame, finalbody, c);
                                return Ok(None);
                            }
                        }
                        TryPhase::Else => {
                            if finalbody.is_empty() {
                                frame.blocks.pop();
                            } else {
                                self.enter_finally(frame, finalbody, c);
                                return Ok(None);
                            }
                        }
                        TryPhase::Handler { handler, .. } => {
                            self.exc_stack.pop();
                            if let Some(name) = &handlers[handler].name {
                                let _ = self.unbind(frame, name);
                            }
                            if finalbody.is_empty() {
                                frame.blocks.pop();
                            } else {
                                self.enter_finally(frame, finalbody, c);
                                return Ok(None);
                            }
                        }
                        TryPhase::Finally(pending) => {
                            frame.blocks.pop();
                            self.leave_finally(&pending);
                        }
                    }
                }
                BlockKind::With { exit } => {
                    let exit = exit.clone();
                    frame.blocks.pop();
                    match &c {
                        Completion::Raise(e) => {
                            let tb = super::protocol::traceback_object(self, &e.0);
                            let args = vec![Value::Class(e.class().clone()), e.value(), tb];
                            self.exc_stack.push(e.clone());
                            let r = self.call(&exit, args, vec![]).and_then(|v| self.truthy(&v));
                            self.exc_stack.pop();
                            match r {
                                Ok(true) => return Ok(None),
                                Ok(false) => {}
                                Err(e2) => c = Completion::Raise(e2),
                            }
                        }
                        _ => {
                            if let Err(e2) = self.call(
                                &exit,
                                vec![Value::None, Value::None, Value::None],
                                vec![],
                            ) {
                                c = Completion::Raise(e2);
                            }
                        }
                    }
                }
            }
        }
    }

    /// Finds the first `except` clause matching `e`.
    fn match_handler(
        &mut self,
        frame: &mut Frame,
        handlers: &[Handler],
        e: &Exc,
    ) -> PyResult<Option<usize>> {
        if e.is_deadlock() {
            return Ok(None);
        }
        for (i, h) in handlers.iter().enumerate() {
            let Some(t) = &h.typ else { return Ok(Some(i)) };
            let tv = self.eval(frame, t)?;
            if self.exception_matches(e, &tv)? {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    /// Whether exception `e` matches an `except` clause's class or tuple of classes.
    pub(crate) fn exception_matches(&mut self, e: &Exc, t: &Value) -> PyResult<bool> {
        match t {
            Value::Class(c) if c.is_exception => Ok(e.class().is_subclass(c)),
            // As CPython's check_except_type_valid: every member must be an exception class
            // (no nested tuples), checked before any matching.
            Value::Tuple(items)
                if items
                    .iter()
                    .all(|x| matches!(x, Value::Class(c) if c.is_exception)) =>
            {
                Ok(items
                    .iter()
                    .any(|x| matches!(x, Value::Class(c) if e.class().is_subclass(c))))
            }
            _ => Err(type_error(
                "catching classes that do not inherit from BaseException is not allowed",
            )),
        }
    }
}

thread_local! {
    /// The delegate of every suspended `await` whose library coroutine returns `None` when
    /// resumed (`await asyncio.sleep(0)`): shared, as resuming it changes nothing.
    static RESOLVED_NONE: Value =
        Value::Iter(Rc::new(RefCell::new(NativeIter::Resolved(Value::None))));
}

/// The delegate standing for a library coroutine that, resumed, returns `v`.
fn resolved(v: Value) -> Value {
    if v.is_none() {
        return RESOLVED_NONE.with(Value::clone);
    }
    Value::Iter(Rc::new(RefCell::new(NativeIter::Resolved(v))))
}

/// One step of `await future` (CPython's C `FutureIter`): the future, to yield, while it is
/// pending and no driver holds it blocked (a task that takes it clears the flag, so a
/// coroutine resumed by hand yields it again); `None` once it is done. A pending future
/// already given to a driver (its blocking flag set) cannot be awaited again.
pub(crate) fn future_await_step(f: &Rc<Future>) -> PyResult<Option<Value>> {
    if f.done() {
        return Ok(None);
    }
    if f.blocking.get() {
        return Err(err("RuntimeError", "await wasn't used with future"));
    }
    f.blocking.set(true);
    Ok(Some(Value::Future(f.clone())))
}

/// Whether `fut` is a sleep's future (what an `await asyncio.sleep(delay)` run by its first
/// step delegates to; it knows its timer).
fn is_timed_sleep(fut: &Future) -> bool {
    matches!(fut.waits.borrow().as_deref(), Some(Waits::Sleep { .. }))
}
