//! Hashing and dict and set keys: `hash()` with user `__hash__`, and keys whose class defines
//! `__eq__`.
//!
//! The map inside a dict and a set's table hash with the hash stored in each `DictKey` and
//! compare builtin values with Python's equality, instances by identity. A key that needs the
//! interpreter to compare (an instance whose class defines `__eq__`, or a tuple or frozenset
//! holding one) is first made canonical: the stored keys with the same hash are compared with
//! it through `==`, as CPython's lookup does (`stored == probe`), and an equal stored key
//! stands in for it.

use super::Interp;
use crate::runtime::dict::{check_hashable, hash_value, tuple_hash, Dict, DictKey};
use crate::runtime::exceptions::type_error;
use crate::runtime::set::Set;
use crate::runtime::value::{PyResult, Value};
use std::cell::RefCell;

/// Whether comparing `v` with a stored key needs a user `__eq__`.
fn needs_user_eq(v: &Value) -> bool {
    match v {
        Value::Instance(i) => i.class.lookup("__eq__").is_some(),
        Value::Tuple(items) => items.iter().any(needs_user_eq),
        Value::FrozenSet(s) => s.borrow().iter().any(|k| needs_user_eq(&k.0)),
        _ => false,
    }
}

/// Key storage that can list its keys with a given hash: dicts and sets.
pub trait KeyTable {
    /// The stored keys whose hash is `k`'s, in the order a lookup meets them.
    fn same_hash(&self, k: &DictKey) -> Vec<Value>;
}

impl KeyTable for Dict {
    fn same_hash(&self, k: &DictKey) -> Vec<Value> {
        Dict::same_hash(self, k)
    }
}

impl KeyTable for Set {
    fn same_hash(&self, k: &DictKey) -> Vec<Value> {
        Set::same_hash(self, k)
    }
}

impl Interp {
    /// `hash(v)`: a user class's `__hash__`, identity for other instances, Python's hash for
    /// builtin values; TypeError for unhashable ones.
    pub fn hash(&mut self, v: &Value) -> PyResult<i64> {
        match v {
            Value::Instance(inst) => match inst.class.lookup("__hash__") {
                Some(Value::None) => Err(type_error(format!(
                    "unhashable type: '{}'",
                    inst.class.name
                ))),
                Some(h) => {
                    let r = self.call(&h, vec![v.clone()], vec![])?;
                    match r {
                        // A result in range is used as it is; a big one is hashed as an int.
                        Value::Int(-1) => Ok(-2),
                        Value::Int(i) => Ok(i),
                        Value::BigInt(_) | Value::Bool(_) => Ok(hash_value(&r)),
                        _ => Err(type_error("__hash__ method should return an integer")),
                    }
                }
                None => {
                    let base = inst.base_value.borrow().clone();
                    match base {
                        Some(b) => self.hash(&b),
                        None => Ok(hash_value(v)),
                    }
                }
            },
            Value::Tuple(items) => {
                let mut hs = Vec::with_capacity(items.len());
                for x in items.iter() {
                    hs.push(self.hash(x)?);
                }
                Ok(tuple_hash(hs.into_iter()))
            }
            _ => {
                check_hashable(v).map_err(|u| type_error(format!("unhashable type: '{}'", u.0)))?;
                Ok(hash_value(v))
            }
        }
    }

    /// A dict key for `v` (its hash computed), or TypeError for unhashable values. Looking up
    /// or inserting into an existing dict goes through `key_in`.
    pub fn key(&mut self, v: Value) -> PyResult<DictKey> {
        let h = self.hash(&v)?;
        Ok(DictKey(v, h))
    }

    /// A key for `v` as `d` sees it: when `v` compares through a user `__eq__`, an equal key
    /// already stored in `d` stands in for it.
    pub fn key_in<T: KeyTable>(&mut self, v: Value, d: &RefCell<T>) -> PyResult<DictKey> {
        let k = self.key(v)?;
        self.canonical(k, d)
    }

    /// `k` itself, or the key stored in `d` that equals it through a user `__eq__`.
    pub fn canonical<T: KeyTable>(&mut self, k: DictKey, d: &RefCell<T>) -> PyResult<DictKey> {
        if !needs_user_eq(&k.0) {
            return Ok(k);
        }
        let candidates = d.borrow().same_hash(&k);
        for c in candidates {
            if c.is(&k.0) || self.eq(&c, &k.0)? {
                return Ok(DictKey(c, k.1));
            }
        }
        Ok(k)
    }

    /// The value stored in `d` under a key equal to `v`.
    pub fn dict_lookup(&mut self, d: &RefCell<Dict>, v: &Value) -> PyResult<Option<Value>> {
        let k = self.key_in(v.clone(), d)?;
        Ok(d.borrow().get(&k).cloned())
    }

    /// Whether `d` holds a key equal to `k`.
    pub fn dict_has(&mut self, d: &RefCell<Dict>, k: &DictKey) -> PyResult<bool> {
        let k = self.canonical(k.clone(), d)?;
        Ok(d.borrow().get(&k).is_some())
    }

    /// Whether `s` holds an element equal to `k`.
    pub fn set_has(&mut self, s: &RefCell<Set>, k: &DictKey) -> PyResult<bool> {
        let k = self.canonical(k.clone(), s)?;
        Ok(s.borrow().contains(&k))
    }

    /// Adds `k` to `s` unless an equal element is there (matching equal user keys).
    pub fn set_add(&mut self, s: &RefCell<Set>, k: DictKey) -> PyResult<()> {
        let k = self.canonical(k, s)?;
        s.borrow_mut().add(k);
        Ok(())
    }

    /// Removes the element equal to `k` from `s`; whether there was one.
    pub fn set_discard(&mut self, s: &RefCell<Set>, k: &DictKey) -> PyResult<bool> {
        let k = self.canonical(k.clone(), s)?;
        let removed = s.borrow_mut().discard(&k);
        Ok(removed.is_some())
    }

    /// Whether every element of `a` is in `b`.
    pub fn is_subset(&mut self, a: &RefCell<Set>, b: &RefCell<Set>) -> PyResult<bool> {
        let keys = a.borrow().keys();
        for k in keys {
            if !self.set_has(b, &k)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Inserts `k: v` into `d`, matching equal user keys.
    pub fn dict_insert(&mut self, d: &RefCell<Dict>, k: DictKey, v: Value) -> PyResult<()> {
        let k = self.canonical(k, d)?;
        d.borrow_mut().insert(k, v);
        Ok(())
    }
}
