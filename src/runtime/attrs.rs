//! An instance's attributes.
//!
//! Most objects never have their `__dict__` looked at, and have a few attributes: those live
//! in a small name map searched in order ([`NameMap`]), which for a handful of short names
//! is faster than hashing them. The first time a program asks for `obj.__dict__` (or
//! `vars(obj)`), the map turns into a Python dict that the object and the program share, so
//! that `obj.__dict__['x'] = 1` sets `obj.x` and `obj.x = 2` shows in the dict, as in CPython.
//! From then on the object's attribute reads and writes go through that dict.

use super::dict::{str_hash, Dict, DictKey};
use super::value::Value;
use indexmap::Equivalent;
use std::cell::{Cell, RefCell};
use std::hash::{Hash, Hasher};
use std::rc::Rc;

/// Where an instance keeps its attributes.
#[derive(Debug)]
pub enum Attrs {
    /// A private name map (no one holds the instance's `__dict__`).
    Names(NameMap),
    /// The dict the program got from `__dict__`, shared with it.
    Dict(Rc<RefCell<Dict>>),
}

impl Default for Attrs {
    fn default() -> Self {
        Attrs::Names(NameMap::default())
    }
}

/// Past this many attributes an object's names move into a dict (hashed), as a linear search
/// would get slow.
const SMALL: usize = 24;

/// Names and values in insertion order, searched from the first; `mask` has the [`name_bit`]
/// of every name ever set, so most names that are not there are known without a search (a
/// method call checks that the instance has no attribute of the method's name).
#[derive(Debug, Default)]
pub struct NameMap {
    items: Vec<(Rc<str>, Value)>,
    mask: u64,
}

/// One of 64 bits chosen by a name's length, second and last bytes (names that differ
/// mostly differ in those: `_getters` and `_putters` do).
#[inline(always)]
fn name_bit(name: &str) -> u64 {
    let b = name.as_bytes();
    let last = u32::from(b.last().copied().unwrap_or(0));
    let second = u32::from(b.get(1).copied().unwrap_or(0));
    let h = (b.len() as u32).wrapping_mul(0x9e37) ^ last.wrapping_mul(0x1f) ^ (second << 2);
    1u64 << (h & 63)
}

/// Whether attribute name `k` is `name`: the same string (names in code are interned, see
/// `syntax::layout::intern`), else equal text.
#[inline(always)]
fn same_name(k: &str, name: &str) -> bool {
    std::ptr::eq(k, name)
        || (k.len() == name.len() && k.as_bytes().first() == name.as_bytes().first() && k == name)
}

impl NameMap {
    fn position(&self, name: &str) -> Option<usize> {
        if self.mask & name_bit(name) == 0 {
            return None;
        }
        self.items.iter().position(|(k, _)| same_name(k, name))
    }
    fn push(&mut self, name: Rc<str>, v: Value) {
        self.mask |= name_bit(&name);
        self.items.push((name, v));
    }
    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        if self.mask & name_bit(name) == 0 {
            return None;
        }
        self.items
            .iter()
            .find(|(k, _)| same_name(k, name))
            .map(|(_, v)| v)
    }
    /// The values, in insertion order.
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.items.iter().map(|(_, v)| v)
    }
    /// The number of names.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A borrowed str looked up in a [`Dict`] without allocating a key.
struct StrKey<'a>(&'a str, i64);

impl Hash for StrKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // The same as `DictKey`'s hash: the Python hash alone.
        self.1.hash(state)
    }
}

impl Equivalent<DictKey> for StrKey<'_> {
    fn equivalent(&self, key: &DictKey) -> bool {
        matches!(&key.0, Value::Str(s) if &**s == self.0)
    }
}

fn str_key(name: &str) -> StrKey<'_> {
    StrKey(name, str_hash(name))
}

/// The attribute names a class's `__init__` sets, in order, with the name strings last seen in
/// a map that has exactly them (held, so that the addresses compared stay theirs): a map whose
/// keys are those same strings — every instance that `__init__` made — matches by address,
/// with no text compared. For Rust code that reads an instance's whole state at once
/// ([`Attrs::named_mut`]).
#[derive(Debug)]
pub struct NameCache {
    names: &'static [&'static str],
    /// The addresses of `held`'s strings.
    seen: Box<[Cell<usize>]>,
    /// The name strings of the last map that matched by text.
    held: RefCell<Vec<Rc<str>>>,
}

/// The address of a name string, as [`NameCache`] compares them.
#[inline(always)]
fn name_addr(k: &Rc<str>) -> usize {
    Rc::as_ptr(k) as *const u8 as usize
}

impl NameCache {
    /// A cache for maps holding exactly `names`, in this order.
    pub fn new(names: &'static [&'static str]) -> NameCache {
        NameCache {
            names,
            seen: names.iter().map(|_| Cell::new(0)).collect(),
            held: RefCell::new(Vec::new()),
        }
    }

    /// Whether `items` are exactly the cache's names, in order.
    #[inline]
    fn matches(&self, items: &[(Rc<str>, Value)]) -> bool {
        items.len() == self.seen.len()
            && (items
                .iter()
                .zip(self.seen.iter())
                .all(|((k, _), s)| name_addr(k) == s.get())
                || self.learn(items))
    }

    /// `matches` by text, remembering the strings when they match.
    #[cold]
    fn learn(&self, items: &[(Rc<str>, Value)]) -> bool {
        if !items.iter().zip(self.names).all(|((k, _), n)| **k == **n) {
            return false;
        }
        let held: Vec<Rc<str>> = items.iter().map(|(k, _)| k.clone()).collect();
        for (s, k) in self.seen.iter().zip(&held) {
            s.set(name_addr(k));
        }
        *self.held.borrow_mut() = held;
        true
    }
}

impl Attrs {
    /// The attributes (name and value, in the order they were set), when they are exactly
    /// `names`'s: the caller reads and changes them by position.
    #[inline]
    pub fn named_mut(&mut self, names: &NameCache) -> Option<&mut [(Rc<str>, Value)]> {
        match self {
            Attrs::Names(m) if names.matches(&m.items) => Some(&mut m.items),
            _ => None,
        }
    }

    /// The attribute `name`, if set.
    pub fn get(&self, name: &str) -> Option<Value> {
        match self {
            Attrs::Names(m) => m.get(name).cloned(),
            Attrs::Dict(d) => d.borrow().map.get(&str_key(name)).cloned(),
        }
    }
    /// The attribute `name`, looked for first at position `pos` of the name map (where the
    /// class's `__init__` puts it: an inline cache that needs no hashing), then by name.
    #[inline(always)]
    pub fn get_at(&self, pos: usize, name: &str) -> Option<Value> {
        if let Attrs::Names(m) = self {
            if let Some((k, v)) = m.items.get(pos) {
                if same_name(k, name) {
                    return Some(v.clone());
                }
            }
        }
        self.get(name)
    }
    /// Sets the attribute `name`, looking for it first at position `pos` (see `get_at`);
    /// returns the value it replaces.
    #[inline(always)]
    pub fn set_at(&mut self, pos: usize, name: &str, v: Value) -> Option<Value> {
        if let Attrs::Names(m) = self {
            if let Some((k, slot)) = m.items.get_mut(pos) {
                if same_name(k, name) {
                    return Some(std::mem::replace(slot, v));
                }
            }
        }
        self.set(Rc::from(name), v)
    }
    /// The attribute `name`, looked for first at position `hint` of the name map (where a
    /// read site last found it: an inline cache), which is updated when it is elsewhere.
    #[inline(always)]
    pub fn get_hinted(&self, name: &str, hint: &std::cell::Cell<u32>) -> Option<Value> {
        let Attrs::Names(m) = self else {
            return self.get(name);
        };
        if let Some((k, v)) = m.items.get(hint.get() as usize) {
            if std::ptr::eq(&**k, name) {
                return Some(v.quick_clone());
            }
        }
        let pos = m.position(name)?;
        hint.set(pos as u32);
        Some(m.items[pos].1.clone())
    }
    /// Sets the attribute `name`, looking for it first at position `hint` (see `get_hinted`),
    /// which is updated to where it is; returns the value it replaces.
    #[inline(always)]
    pub fn set_hinted(
        &mut self,
        name: &Rc<str>,
        v: Value,
        hint: &std::cell::Cell<u32>,
    ) -> Option<Value> {
        if let Attrs::Names(m) = self {
            let at = hint.get() as usize;
            if let Some((k, slot)) = m.items.get_mut(at) {
                if Rc::ptr_eq(k, name) {
                    return Some(std::mem::replace(slot, v));
                }
            }
            if m.items.len() < SMALL {
                return Some(match m.position(name) {
                    Some(i) => {
                        hint.set(i as u32);
                        std::mem::replace(&mut m.items[i].1, v)
                    }
                    None => {
                        hint.set(m.items.len() as u32);
                        m.push(name.clone(), v);
                        return None;
                    }
                });
            }
        }
        self.set(name.clone(), v)
    }
    /// Whether the attribute `name` is set.
    pub fn contains(&self, name: &str) -> bool {
        match self {
            Attrs::Names(m) => m.position(name).is_some(),
            Attrs::Dict(d) => d.borrow().map.contains_key(&str_key(name)),
        }
    }
    /// Sets an attribute, returning the value it replaces (for the caller to drop once
    /// nothing is borrowed).
    pub fn set(&mut self, name: Rc<str>, v: Value) -> Option<Value> {
        if let Attrs::Names(m) = self {
            match m.position(&name) {
                Some(i) => return Some(std::mem::replace(&mut m.items[i].1, v)),
                None if m.items.len() < SMALL => {
                    m.push(name, v);
                    return None;
                }
                None => {
                    self.shared_dict();
                }
            }
        }
        match self {
            Attrs::Names(_) => unreachable!("a full name map became a dict above"),
            Attrs::Dict(d) => {
                let mut d = d.borrow_mut();
                match d.map.get_mut(&str_key(&name)) {
                    Some(slot) => Some(std::mem::replace(slot, v)),
                    None => {
                        d.map.insert(DictKey::str(name), v);
                        None
                    }
                }
            }
        }
    }
    /// Removes an attribute (keeping the order of the others), returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        match self {
            Attrs::Names(m) => m.position(name).map(|i| m.items.remove(i).1),
            Attrs::Dict(d) => d.borrow_mut().map.shift_remove(&str_key(name)),
        }
    }
    /// Whether no attribute is set.
    pub fn is_empty(&self) -> bool {
        match self {
            Attrs::Names(m) => m.is_empty(),
            Attrs::Dict(d) => d.borrow().is_empty(),
        }
    }
    /// How many attributes are set.
    pub fn len(&self) -> usize {
        match self {
            Attrs::Names(m) => m.len(),
            Attrs::Dict(d) => d.borrow().len(),
        }
    }
    /// The names of the attributes, in insertion order (keys of a shared dict that are not
    /// strs are left out).
    pub fn names(&self) -> Vec<Rc<str>> {
        match self {
            Attrs::Names(m) => m.items.iter().map(|(k, _)| k.clone()).collect(),
            Attrs::Dict(d) => d
                .borrow()
                .map
                .keys()
                .filter_map(|k| match &k.0 {
                    Value::Str(s) => Some(Rc::from(s)),
                    _ => None,
                })
                .collect(),
        }
    }
    /// The instance's `__dict__`: the shared dict, made from the name map the first time.
    pub fn shared_dict(&mut self) -> Rc<RefCell<Dict>> {
        let names = match self {
            Attrs::Dict(d) => return d.clone(),
            Attrs::Names(m) => std::mem::take(m),
        };
        let mut d = Dict::new();
        d.map.reserve(names.len());
        for (k, v) in names.items {
            d.map.insert(DictKey::str(k), v);
        }
        let shared = Rc::new(RefCell::new(d));
        super::gc::track(&shared);
        *self = Attrs::Dict(shared.clone());
        shared
    }
    /// Takes every attribute value out (for dropping an instance without deep recursion).
    pub fn take_values(&mut self) -> impl Iterator<Item = Value> {
        let (names, dict) = match std::mem::take(self) {
            Attrs::Names(m) => (m.items, None),
            Attrs::Dict(d) => (Vec::new(), Some(Value::Dict(d))),
        };
        names.into_iter().map(|(_, v)| v).chain(dict)
    }

    /// Whether dropping it may drop a container along with it: an attribute holds the only
    /// reference to one, or the attributes are in a shared dict.
    pub fn may_own_container(&self) -> bool {
        match self {
            Attrs::Names(m) => m.values().any(super::drop::owns_container),
            Attrs::Dict(_) => true,
        }
    }
}

#[cfg(test)]
mod name_cache_tests {
    use super::*;

    fn map(names: &[Rc<str>]) -> Attrs {
        let mut a = Attrs::default();
        for (i, n) in names.iter().enumerate() {
            a.set(n.clone(), Value::Int(i as i64));
        }
        a
    }

    #[test]
    fn a_name_cache_matches_by_text_then_by_address() {
        static NAMES: [&str; 2] = ["_a", "_b"];
        let cache = NameCache::new(&NAMES);
        let first: Vec<Rc<str>> = vec![Rc::from("_a"), Rc::from("_b")];
        let mut a = map(&first);
        let got = a.named_mut(&cache).map(|v| v.len());
        assert_eq!(got, Some(2));
        assert!(Rc::ptr_eq(&cache.held.borrow()[1], &first[1]));
        // Other strings with the same text match too (and are remembered instead).
        let other: Vec<Rc<str>> = vec![Rc::from("_a"), Rc::from("_b")];
        let mut b = map(&other);
        assert!(b.named_mut(&cache).is_some());
        assert!(Rc::ptr_eq(&cache.held.borrow()[0], &other[0]));
        // Another order, another name or another count does not.
        assert!(map(&[other[1].clone(), other[0].clone()])
            .named_mut(&cache)
            .is_none());
        assert!(map(&[other[0].clone(), Rc::from("_c")])
            .named_mut(&cache)
            .is_none());
        assert!(map(&[other[0].clone()]).named_mut(&cache).is_none());
        // Positions are the order of setting: a value changed through the slice is read back.
        if let Some(v) = a.named_mut(&cache) {
            v[1].1 = Value::Int(7);
        }
        assert!(matches!(a.get("_b"), Some(Value::Int(7))));
    }
}
