//! Dropping deeply nested values without deep Rust recursion.
//!
//! A list inside a list inside a list … a million deep would, dropped the ordinary way, recurse
//! a million times on the Rust stack. Containers (lists, dicts, sets, instances) instead hand
//! their children to [`release`]: a child that would die with its parent (its `Rc` is not
//! shared) goes on a thread-local worklist, and the outermost drop empties that list one value
//! at a time, so the stack stays a few frames deep however deep the structure is.

use super::value::Value;
use std::cell::{Cell, RefCell};

thread_local! {
    static PENDING: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
    static DRAINING: Cell<bool> = const { Cell::new(false) };
}

/// Whether dropping `v` would drop a container along with it.
#[inline]
pub fn owns_container(v: &Value) -> bool {
    use std::rc::Rc;
    match v {
        Value::List(l) => Rc::strong_count(l) == 1,
        Value::Deque(d) => Rc::strong_count(d) == 1,
        Value::Tuple(t) => crate::runtime::thin::ThinRc::strong_count(t) == 1,
        Value::Dict(d) => Rc::strong_count(d) == 1,
        Value::Set(s) | Value::FrozenSet(s) => Rc::strong_count(s) == 1,
        Value::Instance(i) => Rc::strong_count(i) == 1,
        _ => false,
    }
}

/// Drops the children of a container that is being dropped, deferring the ones that are
/// containers about to die themselves.
pub fn release(children: impl IntoIterator<Item = Value>) {
    for v in children {
        if owns_container(&v) {
            // Moved onto the worklist; other values drop here, with nothing borrowed.
            let _ = PENDING.try_with(move |p| p.borrow_mut().push(v));
        }
    }
    if DRAINING.with(Cell::get) {
        return;
    }
    DRAINING.with(|d| d.set(true));
    loop {
        let next = PENDING.try_with(|p| p.borrow_mut().pop()).ok().flatten();
        match next {
            Some(v) => drop(v),
            None => break,
        }
    }
    DRAINING.with(|d| d.set(false));
}
