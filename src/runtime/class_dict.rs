//! Class namespaces and the lookup cache in front of them.
//!
//! Every attribute read or write on an instance first looks the name up along its class's
//! MRO (a property or a method may be there), which is one hashed string lookup per class.
//! Like CPython's method cache, aio remembers recent answers in a small table keyed by class
//! and name, two ways to a set (each pair of neighbouring entries), so that two hot lookups
//! that hash alike do not evict each other on every use. Correctness rests on one rule: any change to any class
//! namespace, and the death of any class, bumps a per-thread version that every cached answer
//! carries, so a stale answer is never used. [`ClassDict`] is the only way to reach a class
//! namespace; the ways to change one (`borrow_mut`, `try_borrow_mut`, `get_mut`) and its
//! dropping bump the version.

use super::value::{AttrMap, Value};
use std::cell::{Cell, Ref, RefCell, RefMut};
use std::rc::Rc;

thread_local! {
    /// The version of all class namespaces of this thread (0 is never current).
    static VERSION: Cell<u64> = const { Cell::new(1) };
    /// The cached lookups.
    static CACHE: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// Entries in the cache (a power of two).
const SIZE: usize = 1024;

/// One remembered lookup: `name` on the class at address `class`, at `version`.
#[derive(Default)]
struct Entry {
    version: u64,
    class: usize,
    name: Option<Rc<str>>,
    found: Option<Value>,
}

/// The current version of all class namespaces: a lookup cached at this version holds until
/// any class changes.
#[inline]
pub fn version() -> u64 {
    VERSION.with(Cell::get)
}

/// Invalidates every cached lookup.
pub fn bump() {
    VERSION.with(|v| v.set(v.get() + 1));
}

/// Forgets every cached lookup and the values it holds (at the end of a run).
pub fn clear_cache() {
    bump();
    let old = CACHE.try_with(|c| std::mem::take(&mut *c.borrow_mut()));
    drop(old);
}

/// The first entry of the pair of entries that may hold `name` on `class`.
fn slot(class: usize, name: &str) -> usize {
    let h = (class >> 4) ^ (name.as_ptr() as usize).rotate_left(17) ^ name.len();
    (h.wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize) >> 20) & (SIZE - 2)
}

impl Entry {
    fn holds(&self, version: u64, class: usize, name: &str) -> bool {
        self.version == version && self.class == class && self.name.as_deref() == Some(name)
    }
}

/// The cached answer for `name` on the class at `class`: `Some(found)` on a hit.
pub fn cached(class: usize, name: &str) -> Option<Option<Value>> {
    let version = VERSION.with(Cell::get);
    CACHE
        .try_with(|c| {
            let c = c.borrow();
            let s = slot(class, name);
            let e = c
                .get(s..s + 2)?
                .iter()
                .find(|e| e.holds(version, class, name))?;
            Some(e.found.clone())
        })
        .ok()
        .flatten()
}

/// Remembers the answer for `name` on the class at `class`.
pub fn remember(class: usize, name: &str, found: &Option<Value>) {
    let version = VERSION.with(Cell::get);
    let _ = CACHE.try_with(|c| {
        let mut c = c.borrow_mut();
        if c.is_empty() {
            c.resize_with(SIZE, Entry::default);
        }
        // The newest answer takes the set's first way; the one it displaces moves to the
        // second, unless it is the same lookup being refreshed.
        let s = slot(class, name);
        if c[s].class != class || c[s].name.as_deref() != Some(name) {
            c.swap(s, s + 1);
        }
        let e = &mut c[s];
        let same_name = e.name.as_deref() == Some(name);
        e.version = version;
        e.class = class;
        if !same_name {
            e.name = Some(Rc::from(name));
        }
        // The replaced value drops after the borrow ends.
        std::mem::replace(&mut e.found, found.clone())
    });
}

/// A class namespace. Reading it is a plain borrow; every way of changing it invalidates
/// the lookup cache.
#[derive(Debug, Default)]
pub struct ClassDict(RefCell<AttrMap>, Cell<u64>);

impl Drop for ClassDict {
    fn drop(&mut self) {
        // Its class is dying, and the address may be reused by another class: cached lookups
        // must not outlive it.
        bump();
    }
}

impl ClassDict {
    /// A namespace holding `map`.
    pub fn new(map: AttrMap) -> ClassDict {
        ClassDict(RefCell::new(map), Cell::new(0))
    }
    /// Whether the class lets its instances set and read their own attributes plainly (see
    /// `Interp::setattr`), when that was found since the last change to any class.
    pub fn plain_setattr(&self) -> Option<bool> {
        // The version that found it, shifted, with the answer in the low bit.
        let known = self.1.get();
        (known >> 1 == VERSION.with(Cell::get)).then_some(known & 1 == 1)
    }
    /// Records whether the class lets its instances set attributes plainly, until the next
    /// change to any class.
    pub fn remember_plain_setattr(&self, plain: bool) {
        self.1.set(VERSION.with(Cell::get) << 1 | u64::from(plain));
    }
    /// Reads the namespace.
    pub fn borrow(&self) -> Ref<'_, AttrMap> {
        self.0.borrow()
    }
    /// Reads the namespace unless it is being changed.
    pub fn try_borrow(&self) -> Result<Ref<'_, AttrMap>, std::cell::BorrowError> {
        self.0.try_borrow()
    }
    /// Changes the namespace (invalidating cached lookups).
    pub fn borrow_mut(&self) -> RefMut<'_, AttrMap> {
        bump();
        self.0.borrow_mut()
    }
    /// Changes the namespace unless it is borrowed (invalidating cached lookups).
    pub fn try_borrow_mut(&self) -> Result<RefMut<'_, AttrMap>, std::cell::BorrowMutError> {
        bump();
        self.0.try_borrow_mut()
    }
    /// Changes the namespace when nothing else holds it (invalidating cached lookups).
    pub fn get_mut(&mut self) -> &mut AttrMap {
        bump();
        self.0.get_mut()
    }
}
