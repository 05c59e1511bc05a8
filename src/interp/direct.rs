//! Plain functions that cannot stop halfway run by Rust recursion over their statements.
//!
//! A generator or coroutine frame must be able to stop after any statement, so `exec.rs`
//! walks its block stack in a loop. A plain function whose body has no `try`, `with`, `yield`
//! or `await` (see [`Code::direct`](crate::compile::code::Code::direct)) never stops halfway
//! and needs no block stack: its `if`, `while` and `for` statements run as Rust control flow
//! here, with the same checks before each statement (Ctrl-C, the step limit), the same
//! traceback lines and the same reports as the block-stack loop. Simple statements are run by
//! the loop's own `exec_stmt`, so there is one implementation of each of them.

use super::exec::Flow;
use super::frame::{Completion, Frame};
use super::{Interp, RECURSION_LIMIT};
use crate::runtime::exceptions::err;
use crate::runtime::value::{Exc, PyResult, Value};
use crate::source::Span;
use crate::syntax::ast::{Body, StmtKind};

/// How a statement list ended.
pub(crate) enum Exit {
    /// It ran to its end.
    Normal,
    /// `break`.
    Break,
    /// `continue`.
    Continue,
    /// `return value`.
    Return(Value),
}

impl Interp {
    /// Runs a plain function's frame (one whose code is `direct`) to its end.
    pub(crate) fn run_direct(&mut self, frame: &mut Frame) -> PyResult<Value> {
        if self.depth >= RECURSION_LIMIT {
            return Err(err("RecursionError", "maximum recursion depth exceeded"));
        }
        self.depth += 1;
        let base = self.exc_stack.len();
        let body = frame.code.body.clone();
        let r = self.exec_body(frame, &body);
        self.exc_stack.truncate(base);
        self.depth -= 1;
        match r? {
            Exit::Return(v) => Ok(v),
            _ => Ok(Value::None),
        }
    }

    /// Prints the reports (never-awaited coroutines, …) that the statement at `span` left.
    fn reports_at(&mut self, frame: &Frame, span: Span) {
        if super::reports::pending() {
            self.print_reports(Some((&frame.code, span)));
        }
    }

    /// Runs a statement list. An error comes back with this frame's traceback line on it.
    fn exec_body(&mut self, frame: &mut Frame, body: &Body) -> Result<Exit, Exc> {
        for idx in 0..body.len() {
            let span = body[idx].span;
            if let Err(e) = self.before_statement() {
                return Err(self.traceback_here(frame, e, span));
            }
            let exit = match &body[idx].kind {
                StmtKind::If(..) | StmtKind::While(..) | StmtKind::For { .. } => {
                    self.exec_direct(frame, body, idx)?
                }
                _ => self.exec_simple(frame, body, idx)?,
            };
            match exit {
                Exit::Normal => {}
                exit => return Ok(exit),
            }
        }
        Ok(Exit::Normal)
    }

    /// Runs statement `idx` of `body`.
    fn exec_direct(&mut self, frame: &mut Frame, body: &Body, idx: usize) -> Result<Exit, Exc> {
        let stmt = &body[idx];
        let span = stmt.span;
        match &stmt.kind {
            StmtKind::If(test, then, orelse) => {
                let c = self.eval(frame, test).and_then(|c| self.truthy(&c));
                self.reports_at(frame, span);
                match c {
                    Ok(true) => self.exec_body(frame, then),
                    Ok(false) if !orelse.is_empty() => self.exec_body(frame, orelse),
                    Ok(false) => Ok(Exit::Normal),
                    Err(e) => Err(self.traceback_here(frame, e, span)),
                }
            }
            StmtKind::While(test, b, orelse) => {
                // The first test is the statement's own; later ones are the loop's.
                let mut test_span = span;
                loop {
                    let c = self.eval(frame, test).and_then(|c| self.truthy(&c));
                    self.reports_at(frame, test_span);
                    match c {
                        Ok(true) => {}
                        Ok(false) if !orelse.is_empty() => return self.exec_body(frame, orelse),
                        Ok(false) => return Ok(Exit::Normal),
                        Err(e) => return Err(self.traceback_here(frame, e, test_span)),
                    }
                    test_span = test.span;
                    match self.exec_body(frame, b)? {
                        Exit::Normal | Exit::Continue => {}
                        Exit::Break => return Ok(Exit::Normal),
                        ret @ Exit::Return(_) => return Ok(ret),
                    }
                }
            }
            StmtKind::For {
                target,
                iter,
                body: b,
                orelse,
                ..
            } => {
                let it = self
                    .eval(frame, iter)
                    .and_then(|it| self.get_iter(&it).map_err(|e| e.note_span(iter.span)));
                self.reports_at(frame, span);
                let it = it.map_err(|e| self.traceback_here(frame, e, span))?;
                loop {
                    let next = self.next_opt(&it).and_then(|v| match v {
                        Some(v) => self.assign(frame, target, v).map(|()| true),
                        None => Ok(false),
                    });
                    match next {
                        Ok(true) => {}
                        Ok(false) if !orelse.is_empty() => return self.exec_body(frame, orelse),
                        Ok(false) => return Ok(Exit::Normal),
                        Err(e) => return Err(self.traceback_here(frame, e, span)),
                    }
                    match self.exec_body(frame, b)? {
                        Exit::Normal | Exit::Continue => {}
                        Exit::Break => return Ok(Exit::Normal),
                        ret @ Exit::Return(_) => return Ok(ret),
                    }
                }
            }
            _ => self.exec_simple(frame, body, idx),
        }
    }

    /// Runs statement `idx` of `body`, one that is not a compound statement.
    fn exec_simple(&mut self, frame: &mut Frame, body: &Body, idx: usize) -> Result<Exit, Exc> {
        let span = body[idx].span;
        let r = self.exec_stmt(frame, body, idx);
        self.reports_at(frame, span);
        match r {
            Ok(Flow::Next) => Ok(Exit::Normal),
            Ok(Flow::Complete(Completion::Return(v))) => Ok(Exit::Return(v)),
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
