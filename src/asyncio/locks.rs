//! `asyncio.Lock` and `asyncio.Event` at native speed, as `queue.rs` does for queues: the
//! classes are the library's (`asyncio_lib.aio`, CPython's locks.py step by step), and Rust
//! versions of their hot methods are installed over the library's when the module is built:
//!
//! - `Lock.acquire()`, `async with lock` (`__aenter__` / `__aexit__`) and `Lock.release()`: an
//!   uncontended acquire is done in the coroutine's first step with no frame; when the lock is
//!   taken, the library's `async def` takes over (waiting, wake-up order, cancellation);
//! - `Event.wait()` on a set event returns at once; `Event.set()` and `clear()` in Rust.
//!
//! The Rust paths run only for instances of exactly these classes whose state is the usual
//! one; subclasses, `Semaphore` and `Condition` (which share the context-manager methods) run
//! the library's code unchanged.

use super::queue::{
    attr, class, list_attr, method, native_coroutine, native_coroutine_padded, set_attr,
};
use crate::interp::generator::NativeStep;
use crate::interp::Interp;
use crate::runtime::exceptions::err;
use crate::runtime::value::B64;
use crate::runtime::value::{Class, Function, Instance, Kwargs, PyResult, Value};
use std::rc::Rc;

/// The library's classes and the methods the Rust versions replace.
#[derive(Debug)]
pub struct LocksLib {
    lock: Rc<Class>,
    event: Rc<Class>,
    acquire: Rc<Function>,
    aenter: Rc<Function>,
    aexit: Rc<Function>,
    wait: Rc<Function>,
    release: Value,
    set: Value,
    clear: Value,
}

/// Positions of the attributes `Lock.__init__` and `Event.__init__` set, in their order.
const WAITERS: (usize, &str) = (1, "_waiters");
const LOCKED: (usize, &str) = (2, "_locked");
const VALUE: (usize, &str) = (2, "_value");

fn function(c: &Class, name: &str) -> Option<Rc<Function>> {
    match method(c, name) {
        Some(Value::Function(f)) => Some(f),
        _ => None,
    }
}

/// Installs the Rust methods over the library's `Lock`, `Event` and context-manager mixin
/// methods and remembers the originals. Does nothing if the library does not define them.
pub fn install(it: &mut Interp, m: &crate::runtime::value::Module) {
    let (Some(lock), Some(event), Some(mixin)) = (
        class(m, "Lock"),
        class(m, "Event"),
        class(m, "_ContextManagerMixin"),
    ) else {
        return;
    };
    let (Some(acquire), Some(aenter), Some(aexit), Some(wait)) = (
        function(&lock, "acquire"),
        function(&mixin, "__aenter__"),
        function(&mixin, "__aexit__"),
        function(&event, "wait"),
    ) else {
        return;
    };
    let (Some(release), Some(set), Some(clear)) = (
        method(&lock, "release"),
        method(&event, "set"),
        method(&event, "clear"),
    ) else {
        return;
    };
    let native = crate::runtime::builtins::native;
    {
        let mut d = lock.dict.borrow_mut();
        d.insert(Rc::from("acquire"), native("acquire", l_acquire));
        d.insert(Rc::from("release"), native("release", l_release));
    }
    {
        let mut d = mixin.dict.borrow_mut();
        d.insert(Rc::from("__aenter__"), native("__aenter__", cm_aenter));
        d.insert(Rc::from("__aexit__"), native("__aexit__", cm_aexit));
    }
    {
        let mut d = event.dict.borrow_mut();
        d.insert(Rc::from("wait"), native("wait", e_wait));
        d.insert(Rc::from("set"), native("set", e_set));
        d.insert(Rc::from("clear"), native("clear", e_clear));
    }
    it.locks_lib = Some(Rc::new(LocksLib {
        lock,
        event,
        acquire,
        aenter,
        aexit,
        wait,
        release,
        set,
        clear,
    }));
}

fn lib(it: &Interp) -> Rc<LocksLib> {
    it.locks_lib
        .clone()
        .expect("lock methods are installed together with the library they call")
}

/// The instance, when `v` is exactly of class `c`.
fn exact(c: &Rc<Class>, v: &Value) -> Option<Rc<Instance>> {
    match v {
        Value::Instance(i) if Rc::ptr_eq(&i.class, c) => Some(i.clone()),
        _ => None,
    }
}

/// CPython's uncontended `Lock.acquire()`: when the lock is free and nobody (not cancelled)
/// waits, take it. `Some(false)`: it must wait; `None`: the state is unusual.
fn try_acquire(l: &Instance) -> Option<bool> {
    let Some(Value::Bool(locked)) = attr(l, LOCKED) else {
        return None;
    };
    let free = !locked.get()
        && match attr(l, WAITERS)? {
            Value::None => true,
            Value::List(ws) => {
                let ws = ws.borrow();
                let mut all_cancelled = true;
                for w in ws.iter() {
                    match w {
                        Value::Future(f) => all_cancelled &= f.cancelled(),
                        _ => return None,
                    }
                }
                all_cancelled
            }
            _ => return None,
        };
    if free {
        set_attr(l, LOCKED, Value::Bool(B64::TRUE));
    }
    Some(free)
}

/// CPython's `Lock.release()` with `_wake_up_first()`. `Ok(None)`: the state is unusual and
/// nothing has been changed.
fn release(it: &mut Interp, l: &Instance) -> PyResult<Option<()>> {
    let Some(Value::Bool(locked)) = attr(l, LOCKED) else {
        return Ok(None);
    };
    let first = match attr(l, WAITERS) {
        Some(Value::None) => None,
        Some(Value::List(ws)) => match ws.borrow().first() {
            None => None,
            Some(Value::Future(f)) => Some(f.clone()),
            Some(_) => return Ok(None),
        },
        _ => return Ok(None),
    };
    if !locked.get() {
        return Err(err("RuntimeError", "Lock is not acquired."));
    }
    set_attr(l, LOCKED, Value::Bool(B64::FALSE));
    if let Some(f) = first {
        if !f.done() {
            it.future_set_result(&f, Value::Bool(B64::TRUE))?;
        }
    }
    Ok(Some(()))
}

/// The first step of `await lock.acquire()`.
fn acquire_fast(it: &mut Interp, args: &[Value]) -> PyResult<NativeStep> {
    let lib = lib(it);
    Ok(
        match exact(&lib.lock, &args[0]).and_then(|l| try_acquire(&l)) {
            Some(true) => NativeStep::Return(Value::Bool(B64::TRUE)),
            _ => NativeStep::HandOver,
        },
    )
}

/// The first step of `async with lock` (`_ContextManagerMixin.__aenter__`).
fn aenter_fast(it: &mut Interp, args: &[Value]) -> PyResult<NativeStep> {
    let lib = lib(it);
    Ok(
        match exact(&lib.lock, &args[0]).and_then(|l| try_acquire(&l)) {
            Some(true) => NativeStep::Return(Value::None),
            _ => NativeStep::HandOver,
        },
    )
}

/// The first step of leaving `async with lock` (`_ContextManagerMixin.__aexit__`).
fn aexit_fast(it: &mut Interp, args: &[Value]) -> PyResult<NativeStep> {
    let lib = lib(it);
    let Some(l) = exact(&lib.lock, &args[0]) else {
        return Ok(NativeStep::HandOver);
    };
    Ok(match release(it, &l)? {
        Some(()) => NativeStep::Return(Value::None),
        None => NativeStep::HandOver,
    })
}

/// The first step of `await event.wait()`: a set event returns at once.
fn wait_fast(it: &mut Interp, args: &[Value]) -> PyResult<NativeStep> {
    let lib = lib(it);
    let set = exact(&lib.event, &args[0]).and_then(|e| attr(&e, VALUE));
    Ok(match set {
        Some(Value::Bool(B64::TRUE)) => NativeStep::Return(Value::Bool(B64::TRUE)),
        _ => NativeStep::HandOver,
    })
}

/// A coroutine method: the native first step when called plainly, else the library's.
fn coroutine(
    it: &mut Interp,
    fast: fn(&mut Interp, &[Value]) -> PyResult<NativeStep>,
    slow: &Rc<Function>,
    nargs: usize,
    args: &[Value],
    kw: &Kwargs,
) -> PyResult<Value> {
    if args.len() != nargs || !kw.is_empty() {
        return it.call(&Value::Function(slow.clone()), args.to_vec(), kw.clone());
    }
    Ok(native_coroutine(fast, slow, args))
}

/// `Lock.acquire(self)`.
fn l_acquire(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    coroutine(it, acquire_fast, &lib.acquire, 1, args, kw)
}

/// `_ContextManagerMixin.__aenter__(self)`.
fn cm_aenter(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    coroutine(it, aenter_fast, &lib.aenter, 1, args, kw)
}

/// `_ContextManagerMixin.__aexit__(self, exc_type, exc, tb)`. For an exact `Lock` the
/// library's `__aexit__` ignores the exception details, so the native coroutine keeps only
/// `self` (and passes `None` for them if it hands over).
fn cm_aexit(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    if args.len() == 4 && kw.is_empty() && exact(&lib.lock, &args[0]).is_some() {
        return Ok(native_coroutine_padded(
            aexit_fast,
            &lib.aexit,
            &args[..1],
            3,
        ));
    }
    it.call(
        &Value::Function(lib.aexit.clone()),
        args.to_vec(),
        kw.clone(),
    )
}

/// `Event.wait(self)`.
fn e_wait(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    coroutine(it, wait_fast, &lib.wait, 1, args, kw)
}

/// `Lock.release(self)`.
fn l_release(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    if let ([this], true) = (args, kw.is_empty()) {
        if let Some(l) = exact(&lib.lock, this) {
            if release(it, &l)?.is_some() {
                return Ok(Value::None);
            }
        }
    }
    it.call(&lib.release, args.to_vec(), kw.clone())
}

/// `Event.set(self)`: wakes every waiter not done, in the order they waited.
fn e_set(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    if let ([this], true) = (args, kw.is_empty()) {
        if let Some(e) = exact(&lib.event, this) {
            match (attr(&e, VALUE), list_attr(&e, WAITERS)) {
                (Some(Value::Bool(B64::TRUE)), Some(_)) => return Ok(Value::None),
                (Some(Value::Bool(B64::FALSE)), Some(ws)) => {
                    let waiters: Option<Vec<_>> = ws
                        .borrow()
                        .iter()
                        .map(|w| match w {
                            Value::Future(f) => Some(f.clone()),
                            _ => None,
                        })
                        .collect();
                    if let Some(waiters) = waiters {
                        set_attr(&e, VALUE, Value::Bool(B64::TRUE));
                        for f in waiters {
                            if !f.done() {
                                it.future_set_result(&f, Value::Bool(B64::TRUE))?;
                            }
                        }
                        return Ok(Value::None);
                    }
                }
                _ => {}
            }
        }
    }
    it.call(&lib.set, args.to_vec(), kw.clone())
}

/// `Event.clear(self)`.
fn e_clear(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    if let ([this], true) = (args, kw.is_empty()) {
        if let Some(e) = exact(&lib.event, this) {
            if let Some(Value::Bool(_)) = attr(&e, VALUE) {
                set_attr(&e, VALUE, Value::Bool(B64::FALSE));
                return Ok(Value::None);
            }
        }
    }
    it.call(&lib.clear, args.to_vec(), kw.clone())
}
