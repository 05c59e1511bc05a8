//! Async generators and the awaitables of async iteration: `asend` / `athrow` / `aclose`,
//! `anext(it, default)`, and the helpers behind `async for` / `async with`.
//!
//! An async generator's frame suspends for two reasons: a `yield` (the value goes to whoever
//! awaits `asend`) or an `await` inside it (the awaited future goes up to the task). The frame
//! tells them apart: a `yield` leaves no delegate behind.

use super::exec::Delegated;
use super::generator::{GenKind, GenState, Generator, Outcome, Resume};
use super::Interp;
use crate::runtime::exceptions::{err, new_exception, type_error};
use crate::runtime::ops::type_name;
use crate::runtime::types::types;
use crate::runtime::value::{AsyncGenOp, Exc, NativeIter, PyResult, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Whether a suspended async generator stopped at a `yield` (not inside an `await`).
fn at_value_yield(g: &Generator) -> bool {
    match &*g.state.borrow() {
        GenState::Suspended(frame) => frame.delegate.is_none(),
        _ => false,
    }
}

impl Interp {
    /// An `asend` / `athrow` / `aclose` awaitable for `g`.
    pub fn async_gen_op(&mut self, g: &Rc<Generator>, op: AsyncGenOp) -> Value {
        if !g.hooked.get() {
            if let Some(l) = self.event_loop.as_mut() {
                g.hooked.set(true);
                l.asyncgens.push(Rc::downgrade(g));
            }
        }
        crate::runtime::gc::tracked(Value::Iter(Rc::new(RefCell::new(NativeIter::AsyncGenOp(
            g.clone(),
            op,
            false,
        )))))
    }

    /// Drives the async-iteration awaitables when an `await` delegates to them; `None` for
    /// any other delegate.
    pub(crate) fn async_awaitable(
        &mut self,
        d: &Value,
        resume: Resume,
    ) -> Option<PyResult<Delegated>> {
        let Value::Iter(cell) = d else { return None };
        let (g, first, is_close) = match &mut *cell.borrow_mut() {
            NativeIter::AsyncGenOp(g, op, started) => {
                let is_close = matches!(op, AsyncGenOp::Close);
                let first = if *started {
                    None
                } else {
                    *started = true;
                    Some(match op {
                        AsyncGenOp::Send(v) => Resume::Send(v.clone()),
                        AsyncGenOp::Throw(e) => Resume::Throw(e.clone()),
                        AsyncGenOp::Close => {
                            Resume::Throw(new_exception(types().exc("GeneratorExit"), vec![]))
                        }
                    })
                };
                (g.clone(), first, is_close)
            }
            NativeIter::CoroWrapper(g) => {
                let g = g.clone();
                let r = match self.gen_resume(&g, resume) {
                    Ok(Outcome::Yield(x)) => Ok(Delegated::Yielded(x)),
                    Ok(Outcome::Return(v)) => Ok(Delegated::Returned(v)),
                    Err(e) => Err(e),
                };
                return Some(r);
            }
            NativeIter::AnextDefault(inner, default) => {
                let (inner, default) = (inner.clone(), default.clone());
                return Some(self.anext_default(&inner, default, resume));
            }
            _ => return None,
        };
        let resume = first.unwrap_or(resume);
        let r = self.gen_resume(&g, resume);
        Some(self.async_gen_result(&g, r, is_close))
    }

    fn anext_default(
        &mut self,
        inner: &Value,
        default: Value,
        resume: Resume,
    ) -> PyResult<Delegated> {
        let r = match resume {
            Resume::Send(v) => self.delegate_send(inner, v),
            Resume::Throw(e) => match self.async_awaitable(inner, Resume::Throw(e.clone())) {
                Some(r) => r,
                None => Err(e),
            },
        };
        match r {
            Err(e) if e.is("StopAsyncIteration") => Ok(Delegated::Returned(default)),
            r => r,
        }
    }

    fn async_gen_result(
        &mut self,
        g: &Rc<Generator>,
        r: PyResult<Outcome>,
        is_close: bool,
    ) -> PyResult<Delegated> {
        match r {
            Ok(Outcome::Yield(x)) => {
                if at_value_yield(g) {
                    if is_close {
                        return Err(err("RuntimeError", "async generator ignored GeneratorExit"));
                    }
                    Ok(Delegated::Returned(x))
                } else {
                    Ok(Delegated::Yielded(x))
                }
            }
            Ok(Outcome::Return(_)) => {
                if is_close {
                    Ok(Delegated::Returned(Value::None))
                } else {
                    Err(new_exception(types().exc("StopAsyncIteration"), vec![]))
                }
            }
            Err(e) if is_close && (e.is("GeneratorExit") || e.is("StopAsyncIteration")) => {
                Ok(Delegated::Returned(Value::None))
            }
            Err(e) if e.is("StopAsyncIteration") && !is_close => {
                let new = err("RuntimeError", "async generator raised StopAsyncIteration");
                new.data().cause = Some(e);
                Err(new)
            }
            Err(e) => Err(e),
        }
    }

    /// The finalizer hook's work: each async generator dropped unfinished gets an `aclose()`
    /// task, created from a loop callback as CPython's `call_soon_threadsafe(create_task, ...)`.
    pub fn finalize_asyncgens(&mut self) -> PyResult<()> {
        for g in super::generator::take_finalized() {
            let aw = self.async_gen_op(&g, AsyncGenOp::Close);
            let m = self.import("asyncio")?;
            let spawn = self.getattr(&m, "_spawn_awaitable")?;
            self.call_soon(crate::asyncio::event_loop::Callback::Py(Box::new((
                spawn,
                vec![aw],
            ))));
        }
        Ok(())
    }

    /// `asyncio.run`'s last step: close the async generators that were started and not finished.
    pub fn shutdown_asyncgens(&mut self) -> PyResult<()> {
        let mut gens: Vec<Rc<Generator>> = match self.event_loop.as_mut() {
            Some(l) => std::mem::take(&mut l.asyncgens)
                .iter()
                .filter_map(|w| w.upgrade())
                .filter(|g| !g.is_done())
                .collect(),
            None => return Ok(()),
        };
        gens.extend(super::generator::take_finalized());
        if gens.is_empty() {
            return Ok(());
        }
        let m = self.import("asyncio")?;
        let wrap = self.getattr(&m, "_wrap_awaitable")?;
        let mut tasks = Vec::new();
        for g in gens {
            let aw = self.async_gen_op(&g, AsyncGenOp::Close);
            let coro = self.call(&wrap, vec![aw], vec![])?;
            tasks.push(self.create_task(coro, None)?);
        }
        while !tasks.iter().all(|t| t.done()) {
            if !self.run_once()? {
                break;
            }
        }
        for t in &tasks {
            if let Err(e) = self.future_result(t) {
                let text = crate::diagnostics::format_exception(self, &e);
                self.flush();
                eprint!("an error occurred during closing of asynchronous generator\n{text}");
            }
        }
        Ok(())
    }
}

fn this_agen(args: &[Value]) -> PyResult<Rc<Generator>> {
    match args.first() {
        Some(Value::Generator(g)) if g.kind == GenKind::AsyncGenerator => Ok(g.clone()),
        _ => Err(type_error("descriptor requires an async_generator object")),
    }
}

/// `agen.__aiter__()`.
pub fn ag_aiter(
    _: &mut Interp,
    args: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    Ok(Value::Generator(this_agen(args)?))
}

/// `agen.__anext__()`.
pub fn ag_anext(
    it: &mut Interp,
    args: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    let g = this_agen(args)?;
    Ok(it.async_gen_op(&g, AsyncGenOp::Send(Value::None)))
}

/// `agen.asend(value)`.
pub fn ag_asend(
    it: &mut Interp,
    args: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    let g = this_agen(args)?;
    let v = args.get(1).cloned().unwrap_or(Value::None);
    Ok(it.async_gen_op(&g, AsyncGenOp::Send(v)))
}

/// `agen.athrow(exc)`.
pub fn ag_athrow(
    it: &mut Interp,
    args: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    let g = this_agen(args)?;
    let Some(t) = args.get(1) else {
        return Err(type_error("athrow expected at least 1 argument, got 0"));
    };
    let e: Exc = match (t, args.get(2)) {
        (Value::Class(_), Some(v)) if !v.is_none() => {
            let inst = it.call(t, vec![v.clone()], vec![])?;
            it.make_exception(inst)?
        }
        _ => it.make_exception(t.clone())?,
    };
    Ok(it.async_gen_op(&g, AsyncGenOp::Throw(e)))
}

/// `agen.aclose()`.
pub fn ag_aclose(
    it: &mut Interp,
    args: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    let g = this_agen(args)?;
    Ok(it.async_gen_op(&g, AsyncGenOp::Close))
}

/// The bound `__aiter__` result for `async for` (CPython's GET_AITER checks).
pub fn aio_aiter(
    it: &mut Interp,
    args: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    let x = args.first().cloned().unwrap_or(Value::None);
    aiter_of(
        it,
        &x,
        "'async for' requires an object with __aiter__ method, got",
    )
}

fn aiter_of(it: &mut Interp, x: &Value, msg: &str) -> PyResult<Value> {
    let r = match x {
        Value::Generator(g) if g.kind == GenKind::AsyncGenerator => x.clone(),
        _ => match it.call_special(x, "__aiter__", vec![]) {
            Some(r) => r?,
            None => return Err(type_error(format!("{msg} {}", type_name(x)))),
        },
    };
    let ok = matches!(&r, Value::Generator(g) if g.kind == GenKind::AsyncGenerator)
        || it.special(&r, "__anext__").is_some();
    if !ok {
        return Err(type_error(format!(
            "'async for' received an object from __aiter__ that does not implement __anext__: {}",
            type_name(&r)
        )));
    }
    Ok(r)
}

/// The awaitable of one `async for` step.
pub fn aio_anext(
    it: &mut Interp,
    args: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    let x = args.first().cloned().unwrap_or(Value::None);
    match &x {
        Value::Generator(g) if g.kind == GenKind::AsyncGenerator => {
            Ok(it.async_gen_op(g, AsyncGenOp::Send(Value::None)))
        }
        _ => match it.call_special(&x, "__anext__", vec![]) {
            Some(r) => r,
            None => Err(type_error(format!(
                "'async for' requires an iterator with __anext__ method, got {}",
                type_name(&x)
            ))),
        },
    }
}

/// `aiter(x)`.
pub fn builtin_aiter(
    it: &mut Interp,
    args: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    crate::runtime::builtins::arity("aiter", args, 1, 1)?;
    aiter_of(it, &args[0], "").map_err(|e| {
        if e.is("TypeError")
            && !e
                .args()
                .first()
                .is_some_and(|m| matches!(m, Value::Str(s) if s.contains("__anext__")))
        {
            type_error(format!(
                "'{}' object is not an async iterable",
                type_name(&args[0])
            ))
        } else {
            e
        }
    })
}

/// `anext(it[, default])`.
pub fn builtin_anext(
    it: &mut Interp,
    args: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    crate::runtime::builtins::arity("anext", args, 1, 2)?;
    let x = &args[0];
    let aw = match x {
        Value::Generator(g) if g.kind == GenKind::AsyncGenerator => {
            it.async_gen_op(g, AsyncGenOp::Send(Value::None))
        }
        _ => match it.call_special(x, "__anext__", vec![]) {
            Some(r) => r?,
            None => {
                return Err(type_error(format!(
                    "'{}' object is not an async iterator",
                    type_name(x)
                )))
            }
        },
    };
    match args.get(1) {
        None => Ok(aw),
        Some(d) => Ok(crate::runtime::gc::tracked(Value::Iter(Rc::new(
            RefCell::new(NativeIter::AnextDefault(it.get_awaitable(&aw)?, d.clone())),
        )))),
    }
}

/// `async with`: the awaitable from `type(m).__aenter__(m)`.
pub fn aio_aenter(
    it: &mut Interp,
    args: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    let m = args.first().cloned().unwrap_or(Value::None);
    match it.call_special(&m, "__aenter__", vec![]) {
        Some(r) => r,
        None => Err(type_error(format!(
            "'{}' object does not support the asynchronous context manager protocol",
            type_name(&m)
        ))),
    }
}

/// `async with`: the bound `__aexit__`, looked up before `__aenter__` runs.
pub fn aio_aexit(
    it: &mut Interp,
    args: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    let m = args.first().cloned().unwrap_or(Value::None);
    if it.special(&m, "__aenter__").is_none() {
        return Err(type_error(format!(
            "'{}' object does not support the asynchronous context manager protocol",
            type_name(&m)
        )));
    }
    match it.special(&m, "__aexit__") {
        Some(f) => Ok(it.bind(f, &m)),
        None => Err(type_error(format!(
            "'{}' object does not support the asynchronous context manager protocol (missed __aexit__ method)",
            type_name(&m)
        ))),
    }
}

/// The exception being handled (for the `async with` desugaring).
pub fn aio_exc(it: &mut Interp, _: &[Value], _: &crate::runtime::value::Kwargs) -> PyResult<Value> {
    Ok(it
        .exc_stack
        .last()
        .map(|e| e.value())
        .unwrap_or(Value::None))
}
