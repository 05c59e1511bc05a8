//! `asyncio.Queue`, `LifoQueue` and `PriorityQueue` at native speed. The classes are the
//! library's own (`asyncio_lib.aio`, CPython's queues.py step by step), so subclasses, their
//! attributes and every waiting path stay exactly CPython's; what this module adds are Rust
//! versions of the hot methods, installed over the library's when the module is built:
//!
//! - `put(item)` and `get()` return a coroutine that, when the queue has room (an item), does
//!   the whole operation in its first step with no frame at all; when it must wait, it waits in
//!   Rust too ([`NativeWait`]), following the library's waiting loop step by step (its future,
//!   label and waiters list, its cleanup on cancellation); for a queue in an unusual state the
//!   library's `async def` takes over from its first line (see [`NativeStart`]);
//! - `put_nowait(item)` and `get_nowait()` in Rust;
//! - `full()` and `empty()` in Rust (the library's blocking `put` and `get` test them at
//!   every turn of their loops).
//!
//! The Rust paths run only for instances of exactly these three classes whose state is the
//! usual one (an int `_maxsize`, a deque for a FIFO queue's `_queue` and a list for the
//! others', lists for the waiters, no attribute beyond those
//! `__init__` sets) while the classes' methods that CPython's code calls on the queue are still
//! the library's (see [`STANDS_FOR`]); anything else — a subclass or an instance that may
//! override `_put`, `full` or `qsize`, a replaced method, a float maxsize — runs the library's
//! methods unchanged. A FIFO or LIFO queue's put and get also need its attributes in the order
//! `__init__` set them (they are read by position, in one borrow: `put_direct`, `get_direct`);
//! a priority queue's are read by name, and its heap push and pop are the library's `_put` and
//! `_get`.

use super::future::{Future, Waits};
use crate::interp::exec::Delegated;
use crate::interp::generator::{Generator, NativeStart, NativeStep, NativeWait, Resume};
use crate::interp::Interp;
use crate::runtime::attrs::NameCache;
use crate::runtime::deque::Deque;
use crate::runtime::exceptions::{err, new_exception};
use crate::runtime::value::B64;
use crate::runtime::value::{Class, Exc, Function, Instance, Kwargs, PyResult, Value};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// The methods CPython's `put`, `get`, `put_nowait`, `get_nowait`, `full` and `empty` call on
/// the queue: the Rust paths do what these do, so they run only while these are unchanged.
const STANDS_FOR: [&str; 8] = [
    "full",
    "empty",
    "qsize",
    "put_nowait",
    "get_nowait",
    "_put",
    "_get",
    "_wakeup_next",
];

/// The attributes `Queue.__init__` sets: an instance with more may shadow a method.
const INIT_ATTRS: usize = 7;

/// Which of the library's queue classes an instance is exactly.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Fifo,
    Lifo,
    Priority,
}

/// The library's classes and the methods the Rust versions replace (called for what the fast
/// paths leave to them).
#[derive(Debug)]
pub struct QueueLib {
    queue: Rc<Class>,
    lifo: Rc<Class>,
    priority: Rc<Class>,
    event: Rc<Class>,
    queue_empty: Rc<Class>,
    queue_full: Rc<Class>,
    put: Rc<Function>,
    get: Rc<Function>,
    put_nowait: Value,
    get_nowait: Value,
    full: Value,
    empty: Value,
    /// What each class (`queue`, `lifo`, `priority`) gives for [`STANDS_FOR`], as installed.
    methods: [Vec<Option<Value>>; 3],
    /// The class-namespace version at which `methods` were last found unchanged.
    checked: Cell<u64>,
    /// The attribute names of a queue `Queue.__init__` made, and of an `Event`.
    names: NameCache,
    event_names: NameCache,
    /// The labels of the futures `put` and `get` wait on.
    labels: [Rc<str>; 2],
}

/// The attributes `Queue.__init__` sets, in its order (the positions below are into these).
static QUEUE_NAMES: [&str; INIT_ATTRS] = [
    "_aio_site",
    "_maxsize",
    "_getters",
    "_putters",
    "_unfinished_tasks",
    "_finished",
    "_queue",
];

/// The attributes `Event.__init__` sets, in its order.
static EVENT_NAMES: [&str; 3] = ["_aio_site", "_waiters", "_value"];

/// The class `name` of the library module `m`.
pub(super) fn class(m: &crate::runtime::value::Module, name: &str) -> Option<Rc<Class>> {
    match m.get(name) {
        Some(Value::Class(c)) => Some(c),
        _ => None,
    }
}

/// What class `c` itself defines as `name` (not looked up along the MRO).
pub(super) fn method(c: &Class, name: &str) -> Option<Value> {
    c.dict.borrow().get(name).cloned()
}

/// Installs the Rust methods over the library's `Queue` methods in the built `asyncio` module
/// and remembers the originals. Does nothing if the library does not define them.
pub fn install(it: &mut Interp, m: &crate::runtime::value::Module) {
    let (Some(queue), Some(lifo), Some(priority), Some(event)) = (
        class(m, "Queue"),
        class(m, "LifoQueue"),
        class(m, "PriorityQueue"),
        class(m, "Event"),
    ) else {
        return;
    };
    let (Some(queue_empty), Some(queue_full)) = (class(m, "QueueEmpty"), class(m, "QueueFull"))
    else {
        return;
    };
    let (
        Some(Value::Function(put)),
        Some(Value::Function(get)),
        Some(put_nowait),
        Some(get_nowait),
        Some(full),
        Some(empty),
    ) = (
        method(&queue, "put"),
        method(&queue, "get"),
        method(&queue, "put_nowait"),
        method(&queue, "get_nowait"),
        method(&queue, "full"),
        method(&queue, "empty"),
    )
    else {
        return;
    };
    {
        let native = crate::runtime::builtins::native;
        let native_awaitable = crate::runtime::builtins::native_awaitable;
        let mut d = queue.dict.borrow_mut();
        d.insert(Rc::from("put"), native_awaitable("put", q_put, put_fast));
        d.insert(Rc::from("get"), native_awaitable("get", q_get, get_fast));
        d.insert(Rc::from("put_nowait"), native("put_nowait", q_put_nowait));
        d.insert(Rc::from("get_nowait"), native("get_nowait", q_get_nowait));
        d.insert(Rc::from("full"), native("full", q_full));
        d.insert(Rc::from("empty"), native("empty", q_empty));
    }
    crate::runtime::class_dict::bump();
    let methods = [&queue, &lifo, &priority].map(|c| STANDS_FOR.map(|n| c.lookup(n)).to_vec());
    it.queue_lib = Some(Rc::new(QueueLib {
        queue,
        lifo,
        priority,
        event,
        queue_empty,
        queue_full,
        put,
        get,
        put_nowait,
        get_nowait,
        full,
        empty,
        methods,
        checked: Cell::new(crate::runtime::class_dict::version()),
        names: NameCache::new(&QUEUE_NAMES),
        event_names: NameCache::new(&EVENT_NAMES),
        labels: [PUT.label, GET.label].map(Rc::from),
    }));
}

fn lib(it: &Interp) -> Rc<QueueLib> {
    it.queue_lib
        .clone()
        .expect("queue methods are installed together with the library they call")
}

/// The instance and its kind, when `v` is exactly one of the library's queue classes.
fn exact(lib: &QueueLib, v: &Value) -> Option<(Rc<Instance>, Kind)> {
    let (i, kind) = kind_of(lib, v)?;
    (i.attrs.borrow().len() == INIT_ATTRS).then(|| (i.clone(), kind))
}

/// The kind of `v`, when it is exactly one of the library's queue classes whose methods are
/// unchanged (its attributes are checked by the caller).
#[inline]
fn kind_of<'a>(lib: &QueueLib, v: &'a Value) -> Option<(&'a Rc<Instance>, Kind)> {
    let Value::Instance(i) = v else { return None };
    let kind = if Rc::ptr_eq(&i.class, &lib.queue) {
        Kind::Fifo
    } else if Rc::ptr_eq(&i.class, &lib.lifo) {
        Kind::Lifo
    } else if Rc::ptr_eq(&i.class, &lib.priority) {
        Kind::Priority
    } else {
        return None;
    };
    methods_unchanged(lib).then_some((i, kind))
}

/// The list a value is, if it is one.
fn as_list(v: &Value) -> Option<&Rc<RefCell<Vec<Value>>>> {
    match v {
        Value::List(l) => Some(l),
        _ => None,
    }
}

/// A queue's items as its kind keeps them: a deque for a FIFO queue (`put` appends on the
/// right, `get` pops on the left), a list for a LIFO one.
enum Items<'a> {
    List(&'a Rc<RefCell<Vec<Value>>>),
    Deque(&'a Rc<RefCell<Deque>>),
}

impl Items<'_> {
    /// The items of a FIFO or LIFO queue, when `v` is what its kind keeps them in.
    fn of(kind: Kind, v: &Value) -> Option<Items<'_>> {
        match (kind, v) {
            (Kind::Fifo, Value::Deque(d)) => Some(Items::Deque(d)),
            (Kind::Lifo, Value::List(l)) => Some(Items::List(l)),
            _ => None,
        }
    }

    /// How many there are, when they are not borrowed and the deque has no `maxlen` (the
    /// library's never has).
    fn len(&self) -> Option<usize> {
        match self {
            Items::List(l) => l.try_borrow().ok().map(|l| l.len()),
            Items::Deque(d) => d
                .try_borrow()
                .ok()
                .filter(|d| d.maxlen.is_none())
                .map(|d| d.items.len()),
        }
    }

    /// `_put(item)`: appends (the length was checked, so nothing is borrowed).
    fn push(&self, item: Value) {
        match self {
            Items::List(l) => l.borrow_mut().push(item),
            Items::Deque(d) => drop(d.borrow_mut().push_back(item)),
        }
    }

    /// `_get()`: the next item, the first of a deque or the last of a list.
    fn take(&self) -> Option<Value> {
        match self {
            Items::List(l) => l.borrow_mut().pop(),
            Items::Deque(d) => d.borrow_mut().pop_front(),
        }
    }
}

/// What `put_direct` did.
enum Put {
    /// The item went in; what is left to do: clear `_finished` by its method (when it is not
    /// the library's `Event`), then wake the first getter (when there are getters).
    Done(Option<Value>, Option<Rc<RefCell<Vec<Value>>>>),
    /// The queue is full (nothing changed).
    Full,
    /// The queue's state is not the usual one (nothing changed).
    Unusual,
}

/// `put_nowait(item)` on a FIFO or LIFO queue, done on its attributes in one borrow when they
/// are exactly those `__init__` set and of the usual types. `item` is cloned only when it goes
/// in.
fn put_direct(lib: &QueueLib, q: &Instance, kind: Kind, item: &Value) -> Put {
    let Ok(mut attrs) = q.attrs.try_borrow_mut() else {
        return Put::Unusual;
    };
    let Some(a) = attrs.named_mut(&lib.names) else {
        return Put::Unusual;
    };
    let (Value::Int(maxsize), Value::Int(unfinished), Some(items), Some(getters)) = (
        &a[MAXSIZE.0].1,
        &a[UNFINISHED.0].1,
        Items::of(kind, &a[ITEMS.0].1),
        as_list(&a[GETTERS.0].1),
    ) else {
        return Put::Unusual;
    };
    let (Some(unfinished), Some(n), Ok(waiting)) = (
        unfinished.checked_add(1),
        items.len(),
        getters.try_borrow().map(|g| !g.is_empty()),
    ) else {
        return Put::Unusual;
    };
    if *maxsize > 0 && n as i64 >= *maxsize {
        return Put::Full;
    }
    items.push(item.clone());
    let getters = waiting.then(|| getters.clone());
    a[UNFINISHED.0].1 = Value::Int(unfinished);
    // `self._finished.clear()`: the library's Event's `_value` set here.
    let finished = match &a[FINISHED.0].1 {
        Value::Instance(e) if Rc::ptr_eq(&e.class, &lib.event) => {
            let cleared = e.attrs.try_borrow_mut().ok().and_then(|mut ea| {
                let ev = ea.named_mut(&lib.event_names)?;
                ev[EVENT_VALUE.0].1 = Value::Bool(B64::FALSE);
                Some(())
            });
            cleared.is_none().then(|| a[FINISHED.0].1.clone())
        }
        other => Some(other.clone()),
    };
    Put::Done(finished, getters)
}

/// What `put_direct` left to do.
fn put_after(
    it: &mut Interp,
    finished: Option<Value>,
    getters: Option<Rc<RefCell<Vec<Value>>>>,
) -> PyResult<()> {
    if let Some(f) = finished {
        it.call_method(&f, "clear", vec![])?;
    }
    match getters {
        Some(g) => wakeup_next(it, &g),
        None => Ok(()),
    }
}

/// What `get_direct` did.
enum Get {
    /// The first item (the last, for a LIFO queue), and the putters when there are any, the
    /// first of which is to be woken.
    Done(Value, Option<Rc<RefCell<Vec<Value>>>>),
    /// The queue is empty.
    Empty,
    /// The queue's state is not the usual one (nothing changed).
    Unusual,
}

/// `get_nowait()` on a FIFO or LIFO queue, done on its attributes in one borrow when they are
/// exactly those `__init__` set and of the usual types.
fn get_direct(lib: &QueueLib, q: &Instance, kind: Kind) -> Get {
    let Ok(mut attrs) = q.attrs.try_borrow_mut() else {
        return Get::Unusual;
    };
    let Some(a) = attrs.named_mut(&lib.names) else {
        return Get::Unusual;
    };
    let (Some(items), Some(putters)) = (Items::of(kind, &a[ITEMS.0].1), as_list(&a[PUTTERS.0].1))
    else {
        return Get::Unusual;
    };
    let (Some(n), Ok(waiting)) = (items.len(), putters.try_borrow().map(|p| !p.is_empty())) else {
        return Get::Unusual;
    };
    if n == 0 {
        return Get::Empty;
    }
    match items.take() {
        Some(item) => Get::Done(item, waiting.then(|| putters.clone())),
        None => Get::Empty,
    }
}

/// Whether the three classes still give the methods of [`STANDS_FOR`] they had when the Rust
/// paths were installed: looked up again only after some class has changed.
#[inline]
fn methods_unchanged(lib: &QueueLib) -> bool {
    let version = crate::runtime::class_dict::version();
    if lib.checked.get() == version {
        return true;
    }
    let same = [&lib.queue, &lib.lifo, &lib.priority]
        .iter()
        .zip(&lib.methods)
        .all(|(c, was)| {
            STANDS_FOR
                .iter()
                .zip(was)
                .all(|(n, m)| match (c.lookup(n), m) {
                    (Some(now), Some(m)) => now.is(m),
                    (None, None) => true,
                    _ => false,
                })
        });
    if same {
        lib.checked.set(version);
    }
    same
}

// The instance's attributes, read and written as the library's methods do. Each is looked for
// first at the position the library's `__init__` gives it in the attribute map (an inline
// cache that needs no hashing), then by name. (`locks.rs` uses these too: they are the one
// place that knows how instance attributes are stored.)

/// Positions of the attributes `Queue.__init__` and `Event.__init__` set, in their order.
const SITE: (usize, &str) = (0, "_aio_site");
const MAXSIZE: (usize, &str) = (1, "_maxsize");
const GETTERS: (usize, &str) = (2, "_getters");
const PUTTERS: (usize, &str) = (3, "_putters");
const UNFINISHED: (usize, &str) = (4, "_unfinished_tasks");
const FINISHED: (usize, &str) = (5, "_finished");
const ITEMS: (usize, &str) = (6, "_queue");
const EVENT_VALUE: (usize, &str) = (2, "_value");

#[inline(always)]
pub(super) fn attr(i: &Instance, (pos, name): (usize, &str)) -> Option<Value> {
    i.attrs.borrow().get_at(pos, name)
}

#[inline(always)]
pub(super) fn set_attr(i: &Instance, (pos, name): (usize, &str), v: Value) {
    let old = i.attrs.borrow_mut().set_at(pos, name, v);
    drop(old);
}

#[inline(always)]
pub(super) fn list_attr(i: &Instance, at: (usize, &str)) -> Option<Rc<RefCell<Vec<Value>>>> {
    match attr(i, at) {
        Some(Value::List(l)) => Some(l),
        _ => None,
    }
}

#[inline(always)]
fn int_attr(i: &Instance, at: (usize, &str)) -> Option<i64> {
    match attr(i, at) {
        Some(Value::Int(n)) => Some(n),
        _ => None,
    }
}

/// `self.qsize()` (`len(self._queue)`) when the items are a list or a deque.
fn qsize(q: &Instance) -> Option<usize> {
    match attr(q, ITEMS)? {
        Value::List(l) => Some(l.borrow().len()),
        Value::Deque(d) => Some(d.borrow().items.len()),
        _ => None,
    }
}

/// Whether `self.full()`, when the state is the usual one (attributes found by name).
fn full(q: &Instance) -> Option<bool> {
    let maxsize = int_attr(q, MAXSIZE)?;
    let n = qsize(q)? as i64;
    Some(maxsize > 0 && n >= maxsize)
}

/// Whether `self.empty()`, when the state is the usual one (attributes found by name).
fn empty(q: &Instance) -> Option<bool> {
    Some(qsize(q)? == 0)
}

/// `Queue._wakeup_next(waiters)`: wakes the first waiter not done, dropping those before it.
pub(super) fn wakeup_next(it: &mut Interp, waiters: &RefCell<Vec<Value>>) -> PyResult<()> {
    loop {
        let w = {
            let mut ws = waiters.borrow_mut();
            if ws.is_empty() {
                return Ok(());
            }
            ws.remove(0)
        };
        match &w {
            Value::Future(f) => {
                if !f.done() {
                    return it.future_set_result(f, Value::None);
                }
            }
            other => {
                let done = it.call_method(other, "done", vec![])?;
                if !it.truthy(&done)? {
                    it.call_method(other, "set_result", vec![Value::None])?;
                    return Ok(());
                }
            }
        }
    }
}

/// `self._finished.clear()`.
fn clear_event(it: &mut Interp, lib: &QueueLib, event: &Value) -> PyResult<()> {
    match event {
        Value::Instance(e) if Rc::ptr_eq(&e.class, &lib.event) => {
            set_attr(e, EVENT_VALUE, Value::Bool(B64::FALSE));
            Ok(())
        }
        other => it.call_method(other, "clear", vec![]).map(|_| ()),
    }
}

/// What `put_nowait_fast` / `get_nowait_fast` found.
enum Nowait<T> {
    /// Done, with this result.
    Done(T),
    /// The queue is full (empty, for a get): nothing changed.
    Blocked,
    /// Not a queue whose state the Rust paths know: the library's method is to run.
    Library,
}

/// `put_nowait(item)` on a queue of the library's exact classes in the usual state: a FIFO or
/// LIFO queue's attributes changed in place (`put_direct`); a priority queue's by name, its
/// heap push (`_put`) the library's.
fn put_nowait_fast(
    it: &mut Interp,
    lib: &QueueLib,
    v: &Value,
    item: &Value,
) -> PyResult<Nowait<()>> {
    let Some((q, kind)) = kind_of(lib, v) else {
        return Ok(Nowait::Library);
    };
    if kind != Kind::Priority {
        return Ok(match put_direct(lib, q, kind, item) {
            Put::Done(finished, getters) => {
                put_after(it, finished, getters)?;
                Nowait::Done(())
            }
            Put::Full => Nowait::Blocked,
            Put::Unusual => Nowait::Library,
        });
    }
    let Some((q, _)) = exact(lib, v) else {
        return Ok(Nowait::Library);
    };
    match full(&q) {
        Some(true) => return Ok(Nowait::Blocked),
        Some(false) => {}
        None => return Ok(Nowait::Library),
    }
    let (Some(unfinished), Some(getters), Some(finished)) = (
        int_attr(&q, UNFINISHED).and_then(|n| n.checked_add(1)),
        list_attr(&q, GETTERS),
        attr(&q, FINISHED),
    ) else {
        return Ok(Nowait::Library);
    };
    it.call_method(v, "_put", vec![item.clone()])?;
    set_attr(&q, UNFINISHED, Value::Int(unfinished));
    clear_event(it, lib, &finished)?;
    wakeup_next(it, &getters)?;
    Ok(Nowait::Done(()))
}

/// `get_nowait()` on a queue of the library's exact classes in the usual state (as
/// `put_nowait_fast`).
fn get_nowait_fast(it: &mut Interp, lib: &QueueLib, v: &Value) -> PyResult<Nowait<Value>> {
    let Some((q, kind)) = kind_of(lib, v) else {
        return Ok(Nowait::Library);
    };
    if kind != Kind::Priority {
        return Ok(match get_direct(lib, q, kind) {
            Get::Done(item, putters) => {
                if let Some(p) = putters {
                    wakeup_next(it, &p)?;
                }
                Nowait::Done(item)
            }
            Get::Empty => Nowait::Blocked,
            Get::Unusual => Nowait::Library,
        });
    }
    let Some((q, _)) = exact(lib, v) else {
        return Ok(Nowait::Library);
    };
    let (Some(is_empty), Some(putters)) = (empty(&q), list_attr(&q, PUTTERS)) else {
        return Ok(Nowait::Library);
    };
    if is_empty {
        return Ok(Nowait::Blocked);
    }
    let item = it.call_method(v, "_get", vec![])?;
    wakeup_next(it, &putters)?;
    Ok(Nowait::Done(item))
}

/// The first step of `await q.put(item)`: CPython's `put` when the queue is not full is
/// exactly `put_nowait(item)`; when it is full, the first turn of its waiting loop.
fn put_fast(it: &mut Interp, args: &[Value]) -> PyResult<NativeStep> {
    let [q, item] = args else {
        return Ok(NativeStep::HandOver);
    };
    Ok(match put_nowait_fast(it, &lib(it), q, item)? {
        Nowait::Done(()) => NativeStep::Return(Value::None),
        Nowait::Blocked => NativeStep::Wait(Box::new(NativeWait {
            fut: new_waiter(it, q, &PUT)?,
            args: [q.clone(), item.clone()],
            resume: put_resume,
        })),
        Nowait::Library => NativeStep::HandOver,
    })
}

/// The first step of `await q.get()`: CPython's `get` when the queue is not empty is exactly
/// `get_nowait()`; when it is empty, the first turn of its waiting loop.
fn get_fast(it: &mut Interp, args: &[Value]) -> PyResult<NativeStep> {
    let [q] = args else {
        return Ok(NativeStep::HandOver);
    };
    Ok(match get_nowait_fast(it, &lib(it), q)? {
        Nowait::Done(item) => NativeStep::Return(item),
        Nowait::Blocked => NativeStep::Wait(Box::new(NativeWait {
            fut: new_waiter(it, q, &GET)?,
            args: [q.clone(), Value::None],
            resume: get_resume,
        })),
        Nowait::Library => NativeStep::HandOver,
    })
}

// The waiting loops of the library's `put` and `get`, in Rust:
//
//     while self.full():                      # self.empty(), for get
//         putter = get_running_loop().create_future()
//         _aio_wait_label(putter, "Queue.put()", self._aio_site)
//         self._putters.append(putter)
//         try:
//             await putter
//         except BaseException:
//             putter.cancel()
//             if putter in self._putters:
//                 self._putters.remove(putter)
//             if not self.full() and not putter.cancelled():
//                 self._wakeup_next(self._putters)
//             raise
//     return self.put_nowait(item)            # self.get_nowait()
//
// The first step has found the queue full (empty) in its usual state; from then on every
// method and attribute is looked up as that code does, since the program may change them
// while the coroutine waits.

/// What differs between the waiting loops of `put` and `get`.
struct Side {
    /// The method the loop tests: `full` or `empty`.
    test: &'static str,
    /// The attribute with the waiting futures: `_putters` or `_getters`.
    waiters: (usize, &'static str),
    /// The waiting future's label.
    label: &'static str,
    /// Whether this is `put` (the label's index in [`QueueLib::labels`] is 0, `get`'s 1).
    put: bool,
}

const PUT: Side = Side {
    test: "full",
    waiters: PUTTERS,
    label: "Queue.put()",
    put: true,
};

const GET: Side = Side {
    test: "empty",
    waiters: GETTERS,
    label: "Queue.get()",
    put: false,
};

/// `self.<name>` of a queue: read in place when the queue is one of the library's exact
/// classes, else looked up as Python does.
fn queue_attr(it: &mut Interp, q: &Value, at: (usize, &str)) -> PyResult<Value> {
    if let Some(v) = exact(&lib(it), q).and_then(|(i, _)| attr(&i, at)) {
        return Ok(v);
    }
    it.getattr(q, at.1)
}

/// The loop's body up to its `await`: a new future of the running loop, labelled, appended to
/// the waiters.
fn new_waiter(it: &mut Interp, q: &Value, side: &Side) -> PyResult<Rc<Future>> {
    if it.event_loop.is_none() {
        return Err(err("RuntimeError", "no running event loop"));
    }
    let fut = Future::new();
    let site = queue_attr(it, q, SITE)?;
    *fut.waits.borrow_mut() = Some(Box::new(Waits::Primitive {
        what: lib(it).labels[usize::from(!side.put)].clone(),
        site: crate::modules::asyncio::site_of(&site),
    }));
    match queue_attr(it, q, side.waiters)? {
        Value::List(l) => l.borrow_mut().push(Value::Future(fut.clone())),
        other => drop(it.call_method(&other, "append", vec![Value::Future(fut.clone())])?),
    }
    Ok(fut)
}

/// `self.full()` (`self.empty()`) as a bool.
fn test(it: &mut Interp, q: &Value, side: &Side) -> PyResult<bool> {
    if let Some((i, _)) = exact(&lib(it), q) {
        let known = if side.put { full(&i) } else { empty(&i) };
        if let Some(b) = known {
            return Ok(b);
        }
    }
    let r = it.call_method(q, side.test, vec![])?;
    it.truthy(&r)
}

fn put_resume(it: &mut Interp, w: &mut NativeWait, resume: Resume) -> PyResult<Delegated> {
    wait_resume(it, w, resume, &PUT)
}

fn get_resume(it: &mut Interp, w: &mut NativeWait, resume: Resume) -> PyResult<Delegated> {
    wait_resume(it, w, resume, &GET)
}

/// The waiting loop from its `await`: waits again (yielding the new future) or returns what
/// `put_nowait(item)` (`get_nowait()`) does.
fn wait_resume(
    it: &mut Interp,
    w: &mut NativeWait,
    resume: Resume,
    side: &Side,
) -> PyResult<Delegated> {
    let q = w.args[0].clone();
    // `await putter` ends: with its result (ignored), or raising.
    let awaited = match resume {
        Resume::Throw(e) => Err(e),
        Resume::Send(_) if !w.fut.done() => {
            Err(err("RuntimeError", "await wasn't used with future"))
        }
        Resume::Send(_) => it.future_result(&w.fut).map(drop),
    };
    if let Err(e) = awaited {
        return Err(abandon(it, &q, &w.fut, side, e));
    }
    if test(it, &q, side)? {
        let fut = new_waiter(it, &q, side)?;
        fut.blocking.set(true);
        w.fut = fut.clone();
        return Ok(Delegated::Yielded(Value::Future(fut)));
    }
    // `put_nowait` / `get_nowait` as `q_put_nowait` / `q_get_nowait` do them.
    let lib = lib(it);
    let r = if side.put {
        match put_nowait_fast(it, &lib, &q, &w.args[1])? {
            Nowait::Done(()) => Value::None,
            _ => it.call_method(&q, "put_nowait", vec![w.args[1].clone()])?,
        }
    } else {
        match get_nowait_fast(it, &lib, &q)? {
            Nowait::Done(item) => item,
            _ => it.call_method(&q, "get_nowait", vec![])?,
        }
    };
    Ok(Delegated::Returned(r))
}

/// The loop's `except BaseException:` for `e`, raised at the `await` of `fut`: what it
/// raises (`e`, or what the handler itself raised, with `e` as its context).
fn abandon(it: &mut Interp, q: &Value, fut: &Rc<Future>, side: &Side, e: Exc) -> Exc {
    it.exc_stack.push(e.clone());
    let handled = (|| -> PyResult<()> {
        it.cancel_any(fut, Value::None)?;
        let waiter = Value::Future(fut.clone());
        let waiters = it.getattr(q, side.waiters.1)?;
        if it.contains(&waiters, &waiter)? {
            let waiters = it.getattr(q, side.waiters.1)?;
            it.call_method(&waiters, "remove", vec![waiter])?;
        }
        if !test(it, q, side)? && !fut.cancelled() {
            let waiters = it.getattr(q, side.waiters.1)?;
            it.call_method(q, "_wakeup_next", vec![waiters])?;
        }
        Ok(())
    })();
    it.exc_stack.pop();
    match handled {
        Ok(()) => e,
        Err(raised) => {
            if !Rc::ptr_eq(&raised.0, &e.0) {
                let mut d = raised.data();
                if d.context.is_none() {
                    d.context = Some(e);
                }
            }
            raised
        }
    }
}

/// A library coroutine whose first step is `fast`, standing for `slow(*args)` (at most two
/// arguments).
pub(crate) fn native_coroutine(
    fast: fn(&mut Interp, &[Value]) -> PyResult<NativeStep>,
    slow: &Rc<Function>,
    args: &[Value],
) -> Value {
    native_coroutine_padded(fast, slow, args, 0)
}

/// [`native_coroutine`] whose `slow` takes `nones` more arguments, passed as `None`.
pub(crate) fn native_coroutine_padded(
    fast: fn(&mut Interp, &[Value]) -> PyResult<NativeStep>,
    slow: &Rc<Function>,
    args: &[Value],
    nones: usize,
) -> Value {
    // Registered with the collector: its arguments may close a cycle (`box.append(q.put(box))`).
    crate::runtime::gc::tracked(Value::Generator(Rc::new(Generator::native(
        NativeStart::new(fast, slow.clone(), args, nones),
    ))))
}

/// `Queue.put(self, item)`.
fn q_put(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    if args.len() != 2 || !kw.is_empty() {
        return it.call(&Value::Function(lib.put.clone()), args.to_vec(), kw.clone());
    }
    Ok(native_coroutine(put_fast, &lib.put, args))
}

/// `Queue.get(self)`.
fn q_get(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    if args.len() != 1 || !kw.is_empty() {
        return it.call(&Value::Function(lib.get.clone()), args.to_vec(), kw.clone());
    }
    Ok(native_coroutine(get_fast, &lib.get, args))
}

/// `Queue.put_nowait(self, item)`.
fn q_put_nowait(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    if let ([q, item], true) = (args, kw.is_empty()) {
        match put_nowait_fast(it, &lib, q, item)? {
            Nowait::Done(()) => return Ok(Value::None),
            Nowait::Blocked => return Err(new_exception(lib.queue_full.clone(), vec![])),
            Nowait::Library => {}
        }
    }
    it.call(&lib.put_nowait, args.to_vec(), kw.clone())
}

/// `Queue.get_nowait(self)`.
fn q_get_nowait(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    if let ([q], true) = (args, kw.is_empty()) {
        match get_nowait_fast(it, &lib, q)? {
            Nowait::Done(item) => return Ok(item),
            Nowait::Blocked => return Err(new_exception(lib.queue_empty.clone(), vec![])),
            Nowait::Library => {}
        }
    }
    it.call(&lib.get_nowait, args.to_vec(), kw.clone())
}

/// `Queue.full(self)`: the library's `self.qsize() >= self._maxsize`.
fn q_full(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    if let ([v], true) = (args, kw.is_empty()) {
        if let Some(full) = exact(&lib, v).and_then(|(q, _)| full(&q)) {
            return Ok(Value::Bool(B64::new(full)));
        }
    }
    it.call(&lib.full, args.to_vec(), kw.clone())
}

/// `Queue.empty(self)`.
fn q_empty(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let lib = lib(it);
    if let ([q], true) = (args, kw.is_empty()) {
        if let Some((q, _)) = exact(&lib, q) {
            if let Some(empty) = empty(&q) {
                return Ok(Value::Bool(B64::new(empty)));
            }
        }
    }
    it.call(&lib.empty, args.to_vec(), kw.clone())
}
