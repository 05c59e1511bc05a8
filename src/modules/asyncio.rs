//! The `asyncio` module: the native core (`run`, tasks, futures, the loop object, handles) and
//! the rest written in aio (`asyncio_lib.aio`: sleep, gather, shield, wait_for, wait,
//! as_completed, timeouts, TaskGroup, locks, events, semaphores, conditions, queues).

use super::{add_fns, run_in_module};
use crate::asyncio::event_loop::{Callback, EventLoop, Handle};
use crate::asyncio::future::{DoneCallback, FutState, Future, GroupOf, Site, SleepTimer, Waits};
use crate::asyncio::waits::is_library_file;
use crate::interp::generator::{GenKind, NativeStep};
use crate::interp::Interp;
use crate::runtime::builtins::{arity, kwarg, native, native_awaitable, only_kwargs};
use crate::runtime::exceptions::{err, type_error, value_error};
use crate::runtime::ops;
use crate::runtime::types::types;
use crate::runtime::value::{Kwargs, Module, NativeFn, PyResult, Value};
use crate::runtime::value::{B64, F64};
use std::rc::Rc;

const LIB: &str = include_str!("asyncio_lib.aio");

fn this_future(args: &[Value]) -> PyResult<Rc<Future>> {
    match args.first() {
        Some(Value::Future(f)) => Ok(f.clone()),
        _ => Err(type_error("descriptor requires a Future object")),
    }
}

fn rest(args: &[Value]) -> &[Value] {
    args.get(1..).unwrap_or(&[])
}

fn a_run(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("run", kw, &["debug"])?;
    arity("run", args, 1, 1)?;
    let coro = args[0].clone();
    if it.event_loop.is_some() {
        return Err(err(
            "RuntimeError",
            "asyncio.run() cannot be called from a running event loop",
        ));
    }
    if !matches!(&coro, Value::Generator(g) if g.kind == GenKind::Coroutine) {
        let r = it.repr(&coro)?;
        return Err(value_error(format!("a coroutine was expected, got {r}")));
    }
    let debug = match kwarg(kw, "debug") {
        Some(v) => it.truthy(&v)?,
        None => false,
    };
    it.loop_counter += 1;
    it.event_loop = Some(EventLoop {
        debug,
        id: it.loop_counter,
        ..Default::default()
    });
    let result = match it.create_task(coro, None) {
        Ok(task) => it
            .run_until_complete(&task)
            .and_then(|_| it.future_result(&task)),
        Err(e) => Err(e),
    };
    if result.as_ref().is_err_and(|e| e.is_deadlock()) {
        // Nothing can run again: no cleanup could make progress either.
        close_loop(it);
        return result;
    }
    let shutdown = it.cancel_all_tasks().and_then(|_| it.shutdown_asyncgens());
    // CPython runs two more coroutines as tasks while closing (shutdown_asyncgens and
    // shutdown_default_executor), which use up two task names.
    it.task_counter += 2;
    close_loop(it);
    // As CPython's Runner: the loop it set as current is unset when it closes.
    it.idle_loops.current = Some(None);
    shutdown?;
    result
}

/// `asyncio.get_event_loop()`: the running loop; outside one, the current loop (the first
/// call makes one, as CPython's policy does; after `asyncio.run` or `set_event_loop(None)`
/// there is none).
fn a_get_event_loop(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    crate::runtime::builtins::no_kwargs("get_event_loop", kw)?;
    arity("get_event_loop", args, 0, 0)?;
    if let Some(l) = &it.event_loop {
        return Ok(Value::EventLoop(l.id));
    }
    match it.idle_loops.current {
        Some(Some(id)) => Ok(Value::EventLoop(id)),
        Some(None) => Err(err(
            "RuntimeError",
            "There is no current event loop in thread 'MainThread'.",
        )),
        None => {
            let l = a_new_event_loop(it, &[], &Vec::new())?;
            if let Value::EventLoop(id) = l {
                it.idle_loops.current = Some(Some(id));
            }
            Ok(l)
        }
    }
}

/// `asyncio.new_event_loop()`: a loop that is neither running nor closed.
fn a_new_event_loop(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    crate::runtime::builtins::no_kwargs("new_event_loop", kw)?;
    arity("new_event_loop", args, 0, 0)?;
    it.loop_counter += 1;
    let id = it.loop_counter;
    it.idle_loops.loops.push(EventLoop {
        id,
        ..Default::default()
    });
    Ok(Value::EventLoop(id))
}

/// `asyncio.set_event_loop(loop)`: the loop `get_event_loop` gives outside a running one.
fn a_set_event_loop(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    crate::runtime::builtins::no_kwargs("set_event_loop", kw)?;
    arity("set_event_loop", args, 1, 1)?;
    it.idle_loops.current = Some(match &args[0] {
        Value::None => None,
        Value::EventLoop(id) => Some(*id),
        other => {
            return Err(type_error(format!(
                "loop must be an instance of AbstractEventLoop or None, not '{}'",
                crate::runtime::ops::type_name(other)
            )))
        }
    });
    Ok(Value::None)
}

/// Loop methods that also work on a loop that is not running (`on_loop`).
macro_rules! on_idle_loop {
    ($($name:ident => $f:ident),* $(,)?) => {
        $(
            fn $name(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
                on_loop(it, args, |it| $f(it, args, kw))
            }
        )*
    };
}

on_idle_loop! {
    idle_call_soon => l_call_soon,
    idle_call_later => l_call_later,
    idle_call_at => l_call_at,
    idle_create_task => loop_create_task,
    idle_create_future => l_create_future,
}

/// The id of the loop a loop method is called on.
fn loop_id(args: &[Value]) -> u64 {
    match args.first() {
        Some(Value::EventLoop(id)) => *id,
        _ => 0,
    }
}

/// Runs `f` with the loop method's loop as the interpreter's loop: when no loop runs and this
/// one is idle, it is put in place for the call (scheduling a callback or making a task on a
/// loop that is not running, as CPython allows) and taken back after.
fn on_loop(
    it: &mut Interp,
    args: &[Value],
    f: impl FnOnce(&mut Interp) -> PyResult<Value>,
) -> PyResult<Value> {
    let id = loop_id(args);
    if it.event_loop.is_some() || !it.idle_loops.has(id) {
        return f(it);
    }
    it.event_loop = it.idle_loops.take(id);
    let r = f(it);
    if let Some(l) = it.event_loop.take() {
        it.idle_loops.loops.push(l);
    }
    r
}

/// Drops the running loop, keeping the tasks it leaves pending for the interpreter's teardown.
fn close_loop(it: &mut Interp) {
    if let Some(l) = it.event_loop.take() {
        it.abandoned
            .extend(l.tasks.into_iter().filter(|t| !t.done()));
    }
}

impl Interp {
    /// `asyncio.run`'s shutdown: cancel every task still pending and let them finish.
    fn cancel_all_tasks(&mut self) -> PyResult<()> {
        let pending: Vec<Rc<Future>> = match self.event_loop.as_ref() {
            Some(l) => l.tasks.iter().filter(|t| !t.done()).cloned().collect(),
            None => return Ok(()),
        };
        if pending.is_empty() {
            return Ok(());
        }
        for t in &pending {
            self.task_cancel(t, Value::None)?;
        }
        while !pending.iter().all(|t| t.done()) {
            if !self.run_once()? {
                break;
            }
        }
        Ok(())
    }

    fn future_arg(&mut self, v: &Value) -> PyResult<Rc<Future>> {
        match v {
            Value::Future(f) => Ok(f.clone()),
            Value::Generator(g) if g.kind == GenKind::Coroutine => {
                self.create_task(v.clone(), None)
            }
            other => {
                if self.special(other, "__await__").is_some() || is_async_gen_op(other) {
                    let coro = wrap_awaitable(self, other.clone())?;
                    return self.create_task(coro, None);
                }
                Err(type_error(
                    "An asyncio.Future, a coroutine or an awaitable is required",
                ))
            }
        }
    }
}

fn a_create_task(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("create_task", kw, &["name", "context"])?;
    arity("create_task", args, 1, 1)?;
    let mut coro = args[0].clone();
    if is_async_gen_op(&coro) {
        coro = wrap_awaitable(it, coro)?;
    }
    if !matches!(&coro, Value::Generator(g) if g.kind == GenKind::Coroutine) {
        let r = it.repr(&coro)?;
        return Err(type_error(format!("a coroutine was expected, got {r}")));
    }
    let name = match kwarg(kw, "name") {
        None | Some(Value::None) => None,
        Some(v) => Some(Rc::from(it.to_str(&v)?)),
    };
    Ok(Value::Future(it.create_task(coro, name)?))
}

fn loop_create_task(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    a_create_task(it, rest(args), kw)
}

fn a_ensure_future(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("ensure_future", kw, &["loop"])?;
    arity("ensure_future", args, 1, 1)?;
    Ok(Value::Future(it.future_arg(&args[0])?))
}

/// `_aio_gather_children(aws, done)`: `gather`'s loop over its awaitables, as CPython's
/// `gather` runs it — each awaitable becomes a future (`ensure_future`), one given again is
/// the same future again, and each distinct future gets `done` as a done callback — giving
/// the list of futures, one per awaitable, and how many distinct ones there are. Futures are
/// told apart by identity in a set of addresses (a dict of a hundred thousand tasks would
/// be most of `gather`'s memory); other awaitables by equality, in a dict, as CPython does.
fn a_gather_children(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("_aio_gather_children", args, 2, 2)?;
    let aws = match &args[0] {
        Value::Tuple(t) => t.clone(),
        other => crate::runtime::thin::ThinRc::from_vec(it.iterate(other)?),
    };
    let done = &args[1];
    let mut futures: std::collections::HashSet<*const Future> =
        std::collections::HashSet::with_capacity(aws.len());
    let mut others: Option<std::cell::RefCell<crate::runtime::dict::Dict>> = None;
    let mut children = Vec::with_capacity(aws.len());
    let mut distinct = 0i64;
    for aw in aws[..].iter() {
        let fut = match aw {
            Value::Future(f) if !futures.insert(Rc::as_ptr(f)) => {
                children.push(aw.clone());
                continue;
            }
            Value::Future(f) => f.clone(),
            _ => {
                let seen = others.get_or_insert_with(Default::default);
                // `if aw in seen: fut = seen[aw]`: two lookups, as the program can see.
                if it.dict_lookup(seen, aw)?.is_some() {
                    let f = it.dict_lookup(seen, aw)?.unwrap_or_default();
                    children.push(f);
                    continue;
                }
                let f = it.future_arg(aw)?;
                let k = it.key(aw.clone())?;
                it.dict_insert(seen, k, Value::Future(f.clone()))?;
                f
            }
        };
        distinct += 1;
        it.add_done_callback(&fut, DoneCallback::Py(done.clone()));
        children.push(Value::Future(fut));
    }
    Ok(Value::tuple(vec![
        Value::list(children),
        Value::Int(distinct),
    ]))
}

fn a_get_running_loop(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    if it.event_loop.is_none() {
        return Err(err("RuntimeError", "no running event loop"));
    }
    Ok(Value::EventLoop(
        it.event_loop.as_ref().map(|l| l.id).unwrap_or(0),
    ))
}

fn a_current_task(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    match &it.event_loop {
        None => Err(err("RuntimeError", "no running event loop")),
        Some(l) => Ok(l
            .current_task
            .clone()
            .map(Value::Future)
            .unwrap_or(Value::None)),
    }
}

fn a_all_tasks(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    let tasks: Vec<Value> = match &it.event_loop {
        None => return Err(err("RuntimeError", "no running event loop")),
        Some(l) => l
            .tasks
            .iter()
            .filter(|t| !t.done())
            .map(|t| Value::Future(t.clone()))
            .collect(),
    };
    it.make_set(tasks)
}

fn a_iscoroutine(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("iscoroutine", args, 1, 1)?;
    // As CPython 3.11, generators count too (generator-based coroutines), and so do the
    // awaitables of an async generator's operations (`anext(g)`, `g.asend(v)`: coroutines
    // by `collections.abc.Coroutine`).
    Ok(Value::Bool(
        (matches!(&args[0], Value::Generator(g) if g.kind != GenKind::AsyncGenerator)
            || is_async_gen_op(&args[0]))
        .into(),
    ))
}

/// A coroutine that awaits `aw` (the library's `_wrap_awaitable`), for a task to run an
/// awaitable that is not a coroutine (aio's tasks drive coroutines).
fn wrap_awaitable(it: &mut Interp, aw: Value) -> PyResult<Value> {
    let m = it.import("asyncio")?;
    let wrap = it.getattr(&m, "_wrap_awaitable")?;
    it.call(&wrap, vec![aw], vec![])
}

/// Whether `v` is the awaitable of an async generator's `__anext__` / `asend` / `athrow` /
/// `aclose`, or of `anext(g, default)`.
fn is_async_gen_op(v: &Value) -> bool {
    matches!(v, Value::Iter(cell) if matches!(
        &*cell.borrow(),
        crate::runtime::value::NativeIter::AsyncGenOp(..)
            | crate::runtime::value::NativeIter::AnextDefault(..)
    ))
}

fn a_iscoroutinefunction(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("iscoroutinefunction", args, 1, 1)?;
    let f = match &args[0] {
        Value::BoundMethod(m) => m.func.clone(),
        other => other.clone(),
    };
    // aio's own library coroutine functions written in Rust (`asyncio.sleep`) are coroutine
    // functions too, as CPython's `async def`s are. (Bound ones, `q.get`, lose the mark when
    // bound: they answer False.)
    Ok(Value::Bool(
        match &f {
            Value::Function(f) => f.code.kind == crate::compile::code::FunctionKind::Coroutine,
            Value::Builtin(b) => b.awaits.is_some(),
            _ => false,
        }
        .into(),
    ))
}

fn a_isfuture(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("isfuture", args, 1, 1)?;
    Ok(Value::Bool(matches!(&args[0], Value::Future(_)).into()))
}

fn a_set_cancel_hook(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("_set_cancel_hook", args, 2, 2)?;
    let f = this_future(args)?;
    drop(f.cancel_hook.replace(Some(Box::new(args[1].clone()))));
    // Remember the future for teardown; forget dead ones now and then (amortised O(1)).
    let n = it.hooked.len();
    if n >= 64 && n.is_power_of_two() {
        it.hooked.retain(|w| w.strong_count() > 0);
    }
    it.hooked.push(Rc::downgrade(&f));
    Ok(Value::None)
}

fn a_cancel_message(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let f = this_future(args)?;
    let st = f.state.borrow().clone();
    Ok(match st {
        FutState::Cancelled(c) => c.msg,
        _ => Value::None,
    })
}

/// A Future created while a loop runs (`asyncio.Future()` / `loop.create_future()`).
pub fn ctor_future(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    if it.event_loop.is_none() {
        return Err(err("RuntimeError", "no running event loop"));
    }
    let f = Future::new();
    if let Some((code, pos)) = it.call_sites.last() {
        if !is_library_file(&code.source.name) {
            let site = Site {
                file: Rc::from(code.source.name.as_str()),
                line: code.source.line_of(*pos) as u32,
            };
            *f.waits.borrow_mut() = Some(Box::new(Waits::Created(site)));
        }
    }
    Ok(Value::Future(f))
}

/// `_aio_wait_label(fut, what, data)`: the asyncio library says what a future it created
/// stands for — `"sleep"` with the delay, a combinator (`"gather"`, `"wait"`…) with the futures
/// it waits for, or a primitive's operation (`"Event.wait()"`) with the primitive's creation
/// site from `_aio_site()`.
fn a_wait_label(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("_aio_wait_label", args, 3, 3)?;
    let f = this_future(args)?;
    let Value::Str(what) = &args[1] else {
        return Err(type_error("_aio_wait_label: what must be a str"));
    };
    let waits = match &**what {
        "gather" | "wait" | "wait_for" | "shield" | "cancel_and_wait" | "TaskGroup" => {
            let of = match &args[2] {
                // gather's children, a list it never changes: kept as the list.
                Value::List(l) if &**what == "gather" => GroupOf::List(Rc::downgrade(l)),
                other => GroupOf::Futures(
                    it.iterate(other)?
                        .iter()
                        .filter_map(|v| match v {
                            Value::Future(f) => Some(Rc::downgrade(f)),
                            _ => None,
                        })
                        .collect(),
                ),
            };
            Waits::Group {
                what: what.clone().into(),
                of,
            }
        }
        _ => Waits::Primitive {
            what: what.clone().into(),
            site: site_of(&args[2]),
        },
    };
    *f.waits.borrow_mut() = Some(Box::new(waits));
    Ok(Value::None)
}

/// The creation site `_aio_site()` gave a primitive: a `(file, line)` tuple.
pub(crate) fn site_of(v: &Value) -> Option<Site> {
    match v {
        Value::Tuple(t) if t.len() == 2 => match (&t[0], &t[1]) {
            (Value::Str(file), Value::Int(line)) => Some(Site {
                file: file.clone().into(),
                line: *line as u32,
            }),
            _ => None,
        },
        _ => None,
    }
}

/// `_aio_sleep_timer(delay, result)`: the future `asyncio.sleep` waits on, labelled as a sleep,
/// and the timer handle that completes it with `result` after `delay` seconds.
fn a_sleep_timer(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("_aio_sleep_timer", args, 2, 2)?;
    if it.event_loop.is_none() {
        return Err(err("RuntimeError", "no running event loop"));
    }
    let (fut, h) = sleep_timer(it, delay_arg(&args[0])?, args[1].clone());
    Ok(Value::tuple(vec![Value::Future(fut), Value::Handle(h)]))
}

/// The future a sleep of `delay` seconds waits on, labelled as a sleep, and the timer handle
/// that completes it with `result`.
fn sleep_timer(it: &mut Interp, delay: f64, result: Value) -> (Rc<Future>, Rc<Handle>) {
    let deadline = it.loop_time() + delay;
    let fut = Future::new();
    let h = it.call_at(deadline, Callback::SleepDone(fut.clone()));
    *fut.waits.borrow_mut() = Some(Box::new(Waits::Sleep {
        delay,
        deadline,
        result,
        timer: SleepTimer::Handle(Rc::downgrade(&h)),
    }));
    (fut, h)
}

/// `asyncio.sleep(delay, result=None)`: for a delay of zero or less, a coroutine that yields
/// to its task once and returns `result` without a frame (CPython's `sleep` awaiting
/// `__sleep0()`); anything else is the library's `sleep` from its first line.
fn a_sleep(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let Some(slow) = it.sleep_lib.clone() else {
        return Err(err("RuntimeError", "asyncio.sleep is not installed"));
    };
    let result = match (args.len(), kw.as_slice()) {
        (1, []) => Value::None,
        (2, []) => args[1].clone(),
        (1, [(name, r)]) if &**name == "result" => r.clone(),
        _ => return it.call(&Value::Function(slow), args.to_vec(), kw.clone()),
    };
    let args = [args[0].clone(), result];
    Ok(crate::asyncio::queue::native_coroutine(
        sleep_fast, &slow, &args,
    ))
}

/// The first step of `await asyncio.sleep(delay, result)`: a number of seconds waits on
/// a timer with no frame; anything else is the library's to check.
fn sleep_fast(it: &mut Interp, args: &[Value]) -> PyResult<NativeStep> {
    let (delay, result) = match args {
        [delay] => (delay, Value::None),
        [delay, result] => (delay, result.clone()),
        _ => return Ok(NativeStep::HandOver),
    };
    let delay = match delay {
        Value::Int(i) => *i as f64,
        Value::Float(x) if !x.is_nan() => x.get(),
        Value::Bool(b) => f64::from(u8::from(b.get())),
        _ => return Ok(NativeStep::HandOver),
    };
    if delay <= 0.0 {
        return Ok(NativeStep::YieldThenReturn(Value::None, result));
    }
    if it.event_loop.is_none() {
        return Ok(NativeStep::HandOver);
    }
    Ok(NativeStep::Sleep(delay, result))
}

/// `_aio_yield()`: an awaitable that gives up the rest of this loop iteration once (a bare
/// yield to the task), as `asyncio.sleep(0)` does.
fn a_yield(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("_aio_yield", args, 0, 0)?;
    Ok(Value::Iter(Rc::new(std::cell::RefCell::new(
        crate::runtime::value::NativeIter::YieldOnce(false),
    ))))
}

/// `_aio_site()`: where the program's own code made the call in progress, as `(file, line)`,
/// or None (for a primitive's creation site).
fn a_site(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(match it.user_site() {
        Some(s) => Value::tuple(vec![Value::Str(s.file.into()), Value::Int(s.line as i64)]),
        None => Value::None,
    })
}

fn f_result(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let f = this_future(args)?;
    it.future_result(&f)
}

fn f_exception(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let f = this_future(args)?;
    it.future_exception(&f)
}

fn f_done(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Bool(B64::new(this_future(args)?.done())))
}

/// `Future.__await__()` (also `__iter__`): the iterator `await` drives, which yields the
/// future while it is pending and returns its result.
fn f_await(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("__await__", kw, &[])?;
    arity("__await__", rest(args), 0, 0)?;
    let f = Value::Future(this_future(args)?.clone());
    it.get_awaitable(&f)
}

fn f_cancelled(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Bool(B64::new(this_future(args)?.cancelled())))
}

fn f_set_result(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("set_result", rest(args), 1, 1)?;
    let f = this_future(args)?;
    if f.task.is_some() {
        return Err(err(
            "RuntimeError",
            "Task does not support set_result operation",
        ));
    }
    it.future_set_result(&f, args[1].clone())?;
    Ok(Value::None)
}

fn f_set_exception(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("set_exception", rest(args), 1, 1)?;
    let f = this_future(args)?;
    if f.task.is_some() {
        return Err(err(
            "RuntimeError",
            "Task does not support set_exception operation",
        ));
    }
    let e = it.make_exception(args[1].clone())?;
    it.future_set_exception(&f, e)?;
    Ok(Value::None)
}

fn f_cancel(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    // CPython's argument clinic for `cancel(msg=None)`.
    let (npos, given) = (rest(args).len(), rest(args).len() + kw.len());
    if given > 1 {
        let keyword = if npos == 0 { "keyword " } else { "" };
        return Err(type_error(format!(
            "cancel() takes at most 1 {keyword}argument ({given} given)"
        )));
    }
    crate::runtime::builtins::keywords_among("cancel", kw, &["msg"])?;
    let f = this_future(args)?;
    let msg = rest(args)
        .first()
        .cloned()
        .or_else(|| kwarg(kw, "msg"))
        .unwrap_or(Value::None);
    Ok(Value::Bool(B64::new(it.cancel_any(&f, msg)?)))
}

fn f_add_done_callback(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("add_done_callback", kw, &["context"])?;
    arity("add_done_callback", rest(args), 1, 1)?;
    let f = this_future(args)?;
    it.add_done_callback(&f, DoneCallback::Py(args[1].clone()));
    Ok(Value::None)
}

fn f_remove_done_callback(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("remove_done_callback", rest(args), 1, 1)?;
    let f = this_future(args)?;
    let target = &args[1];
    let mut cbs = f.callbacks.borrow_mut();
    let before = cbs.len();
    cbs.retain(|c| !matches!(c, DoneCallback::Py(v) if v.is(target) || same_method(v, target)));
    Ok(Value::Int((before - cbs.len()) as i64))
}

/// Bound methods compare equal when they bind the same function to the same object.
fn same_method(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::BoundMethod(x), Value::BoundMethod(y)) => x.func.is(&y.func) && x.this.is(&y.this),
        _ => false,
    }
}

fn f_get_loop(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::EventLoop(
        it.event_loop.as_ref().map(|l| l.id).unwrap_or(0),
    ))
}

fn f_make_cancelled_error(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let f = this_future(args)?;
    let st = f.state.borrow().clone();
    Ok(match st {
        FutState::Cancelled(c) => it.take_cancelled_error(&f, &c.msg).value(),
        _ => it.cancelled_error(&Value::None).value(),
    })
}

fn task_data(args: &[Value]) -> PyResult<Rc<Future>> {
    let f = this_future(args)?;
    if f.task.is_none() {
        return Err(type_error("descriptor requires a Task object"));
    }
    Ok(f)
}

fn t_get_name(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = task_data(args)?;
    let name = t
        .task
        .as_ref()
        .map(|d| d.name())
        .unwrap_or_else(|| Rc::from(""));
    Ok(Value::Str(name.into()))
}

fn t_set_name(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("set_name", rest(args), 1, 1)?;
    let t = task_data(args)?;
    let s = it.to_str(&args[1])?;
    if let Some(d) = &t.task {
        d.set_name(Rc::from(s));
    }
    Ok(Value::None)
}

fn t_get_coro(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = task_data(args)?;
    Ok(t.task
        .as_ref()
        .map(|d| d.coro.clone())
        .unwrap_or(Value::None))
}

fn t_cancelling(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = task_data(args)?;
    Ok(Value::Int(
        t.task
            .as_ref()
            .map(|d| d.num_cancels.get() as i64)
            .unwrap_or(0),
    ))
}

fn t_uncancel(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = task_data(args)?;
    let d = t.task.as_ref().ok_or_else(|| type_error("not a task"))?;
    if d.num_cancels.get() > 0 {
        d.num_cancels.set(d.num_cancels.get() - 1);
    }
    Ok(Value::Int(d.num_cancels.get() as i64))
}

fn delay_arg(v: &Value) -> PyResult<f64> {
    match ops::to_f64(v) {
        Some(r) => r,
        None => Err(type_error(format!(
            "'{}' object cannot be interpreted as a number",
            ops::type_name(v)
        ))),
    }
}

fn l_time(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Float(F64::new(it.loop_time())))
}

fn l_call_soon(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("call_soon", kw, &["context"])?;
    let a = rest(args);
    let Some(f) = a.first() else {
        return Err(type_error(
            "call_soon() missing 1 required positional argument: 'callback'",
        ));
    };
    let h = it.call_soon(Callback::Py(Box::new((f.clone(), a[1..].to_vec()))));
    Ok(Value::Handle(h))
}

fn l_call_later(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("call_later", kw, &["context"])?;
    let a = rest(args);
    if a.len() < 2 {
        return Err(type_error(
            "call_later() missing required arguments: 'delay' and 'callback'",
        ));
    }
    let when = it.loop_time() + delay_arg(&a[0])?;
    let h = it.call_at(
        when,
        Callback::Py(Box::new((a[1].clone(), a[2..].to_vec()))),
    );
    Ok(Value::Handle(h))
}

fn l_call_at(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("call_at", kw, &["context"])?;
    let a = rest(args);
    if a.len() < 2 {
        return Err(type_error(
            "call_at() missing required arguments: 'when' and 'callback'",
        ));
    }
    let when = delay_arg(&a[0])?;
    let h = it.call_at(
        when,
        Callback::Py(Box::new((a[1].clone(), a[2..].to_vec()))),
    );
    Ok(Value::Handle(h))
}

fn l_create_future(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    ctor_future(it, &[], &Vec::new())
}

fn l_is_running(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let id = loop_id(args);
    Ok(Value::Bool(B64::new(
        it.event_loop.as_ref().is_some_and(|l| l.id == id),
    )))
}

fn l_is_closed(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let id = loop_id(args);
    let open = it.event_loop.as_ref().is_some_and(|l| l.id == id) || it.idle_loops.has(id);
    Ok(Value::Bool(B64::new(!open)))
}

/// `loop.run_until_complete(aw)` / `loop.run_forever()` (`aw` None) on an idle loop: the loop
/// runs (a coroutine becomes its task) until `aw` is done or `loop.stop()`, and stays open with
/// whatever is still pending.
fn l_run_until_complete(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let id = loop_id(args);
    let running = it.event_loop.as_ref().map(|l| l.id);
    if running.is_some() || !it.idle_loops.has(id) {
        // The coroutine is left as it was, never awaited (CPython checks before wrapping it).
        return Err(err(
            "RuntimeError",
            match running {
                Some(r) if r == id => "This event loop is already running",
                Some(_) => "Cannot run the event loop while another loop is running",
                None => "Event loop is closed",
            },
        ));
    }
    it.event_loop = it.idle_loops.take(id);
    let result = match args.get(1) {
        Some(aw) => match it.future_arg(aw) {
            Ok(fut) => it.run_until_complete(&fut).and_then(|()| {
                if fut.done() {
                    it.future_result(&fut)
                } else {
                    Err(err(
                        "RuntimeError",
                        "Event loop stopped before Future completed.",
                    ))
                }
            }),
            Err(e) => Err(e),
        },
        None => it.run_forever().map(|()| Value::None),
    };
    if result.as_ref().is_err_and(|e| e.is_deadlock()) {
        close_loop(it);
    } else if let Some(l) = it.event_loop.take() {
        it.idle_loops.loops.push(l);
    }
    result
}

fn l_run_forever(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    l_run_until_complete(it, &args[..args.len().min(1)], &Vec::new())
}

/// `loop.stop()`: the running loop stops after the callbacks now ready have run.
fn l_stop(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let id = loop_id(args);
    if let Some(l) = it.event_loop.as_mut().filter(|l| l.id == id) {
        l.stopping = true;
    } else if let Some(l) = it.idle_loops.loops.iter_mut().find(|l| l.id == id) {
        l.stopping = true;
    }
    Ok(Value::None)
}

/// `loop.close()`: a loop that is not running is closed; its pending tasks are left as they
/// are (CPython destroys them pending).
fn l_close(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let id = loop_id(args);
    if it.event_loop.as_ref().is_some_and(|l| l.id == id) {
        return Err(err("RuntimeError", "Cannot close a running event loop"));
    }
    if let Some(l) = it.idle_loops.take(id) {
        it.abandoned
            .extend(l.tasks.into_iter().filter(|t| !t.done()));
    }
    Ok(Value::None)
}

fn l_get_debug(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Bool(B64::new(
        it.event_loop.as_ref().is_some_and(|l| l.debug),
    )))
}

fn h_cancel(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    if let Some(Value::Handle(h)) = args.first() {
        h.cancelled.set(true);
        h.callback.borrow_mut().take();
    }
    Ok(Value::None)
}

fn h_cancelled(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Bool(
        matches!(args.first(), Some(Value::Handle(h)) if h.cancelled.get()).into(),
    ))
}

fn h_when(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    match args.first() {
        Some(Value::Handle(h)) => Ok(h
            .when
            .map(|w| Value::Float(w.into()))
            .unwrap_or(Value::None)),
        _ => Err(type_error("descriptor requires a TimerHandle")),
    }
}

fn add_methods(cls: &crate::runtime::value::Class, methods: &[(&'static str, NativeFn)]) {
    let mut d = cls.dict.borrow_mut();
    for (name, f) in methods {
        d.insert(Rc::from(*name), native(name, *f));
    }
}

fn install_classes() {
    let t = types();
    if t.future.dict.borrow().contains_key("result") {
        return;
    }
    add_methods(
        &t.future,
        &[
            ("result", f_result),
            ("exception", f_exception),
            ("done", f_done),
            ("cancelled", f_cancelled),
            ("set_result", f_set_result),
            ("set_exception", f_set_exception),
            ("cancel", f_cancel),
            ("add_done_callback", f_add_done_callback),
            ("remove_done_callback", f_remove_done_callback),
            ("get_loop", f_get_loop),
            ("_make_cancelled_error", f_make_cancelled_error),
            ("__await__", f_await),
            ("__iter__", f_await),
        ],
    );
    add_methods(
        &t.task,
        &[
            ("get_name", t_get_name),
            ("set_name", t_set_name),
            ("get_coro", t_get_coro),
            ("cancelling", t_cancelling),
            ("uncancel", t_uncancel),
        ],
    );
    add_methods(
        &t.event_loop,
        &[
            ("time", l_time),
            ("call_soon", idle_call_soon),
            ("call_later", idle_call_later),
            ("call_at", idle_call_at),
            ("create_task", idle_create_task),
            ("create_future", idle_create_future),
            ("is_running", l_is_running),
            ("is_closed", l_is_closed),
            ("get_debug", l_get_debug),
            ("run_until_complete", l_run_until_complete),
            ("run_forever", l_run_forever),
            ("stop", l_stop),
            ("close", l_close),
        ],
    );
    add_methods(
        &t.handle,
        &[
            ("cancel", h_cancel),
            ("cancelled", h_cancelled),
            ("when", h_when),
        ],
    );
}

const WRAP: &str = r#"
async def _wrap_awaitable(awaitable):
    return await awaitable

def _spawn_awaitable(awaitable):
    create_task(_wrap_awaitable(awaitable))
"#;

/// Builds the `asyncio` module.
pub fn build(it: &mut Interp) -> PyResult<Rc<Module>> {
    install_classes();
    let m = Module::new("asyncio");
    m.set("__name__", Value::str("asyncio"));
    add_fns(
        &m,
        &[
            ("run", a_run),
            ("create_task", a_create_task),
            ("ensure_future", a_ensure_future),
            ("get_running_loop", a_get_running_loop),
            ("get_event_loop", a_get_event_loop),
            ("new_event_loop", a_new_event_loop),
            ("set_event_loop", a_set_event_loop),
            ("current_task", a_current_task),
            ("all_tasks", a_all_tasks),
            ("iscoroutine", a_iscoroutine),
            ("iscoroutinefunction", a_iscoroutinefunction),
            ("isfuture", a_isfuture),
            ("_set_cancel_hook", a_set_cancel_hook),
            ("_cancel_message", a_cancel_message),
            ("_aio_wait_label", a_wait_label),
            ("_aio_gather_children", a_gather_children),
            ("_aio_site", a_site),
            ("_aio_sleep_timer", a_sleep_timer),
            ("_aio_yield", a_yield),
        ],
    );
    let t = types();
    m.set("Future", Value::Class(t.future.clone()));
    m.set("Task", Value::Class(t.task.clone()));
    m.set("Handle", Value::Class(t.handle.clone()));
    m.set("TimerHandle", Value::Class(t.handle.clone()));
    m.set(
        "CancelledError",
        Value::Class(t.asyncio_exc("CancelledError")),
    );
    m.set(
        "InvalidStateError",
        Value::Class(t.asyncio_exc("InvalidStateError")),
    );
    m.set("TimeoutError", Value::Class(t.exc("TimeoutError")));
    run_in_module(it, &m, "<aio asyncio>", WRAP)?;
    run_in_module(it, &m, "<aio asyncio>", LIB)?;
    crate::asyncio::queue::install(it, &m);
    crate::asyncio::locks::install(it, &m);
    if let Some(Value::Function(f)) = m.get("sleep") {
        it.sleep_lib = Some(f);
        m.set("sleep", native_awaitable("sleep", a_sleep, sleep_fast));
    }
    Ok(m)
}
