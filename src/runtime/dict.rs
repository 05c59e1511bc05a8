//! dict and set storage: an insertion-ordered hash map keyed by Python equality
//! (`1 == 1.0 == True` are one key).

use super::value::Value;
use indexmap::IndexMap;
use num_bigint::BigInt;
use num_traits::ToPrimitive;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

/// A value usable as a dict key: hashed and compared with Python's semantics for builtin
/// types, by identity for other objects.
#[derive(Clone, Debug)]
pub struct DictKey(pub Value);

/// Why a value cannot be a key: the type name for "unhashable type: 'list'".
pub struct Unhashable(pub &'static str);

impl DictKey {
    /// Checks that `v` is hashable and wraps it.
    pub fn new(v: Value) -> Result<DictKey, Unhashable> {
        check_hashable(&v)?;
        Ok(DictKey(v))
    }
}

fn check_hashable(v: &Value) -> Result<(), Unhashable> {
    match v {
        Value::List(_) => Err(Unhashable("list")),
        Value::Dict(_) => Err(Unhashable("dict")),
        Value::Set(_) => Err(Unhashable("set")),
        Value::Slice(_) => Err(Unhashable("slice")),
        Value::Tuple(items) => items.iter().try_for_each(check_hashable),
        _ => Ok(()),
    }
}

/// Python's hash of a builtin value (ints hash to themselves, as in CPython, so `hash(5) == 5`).
pub fn hash_value(v: &Value) -> i64 {
    let h = match v {
        Value::None => 0x5f3d_1a2b,
        Value::Bool(b) => *b as i64,
        Value::Int(i) => *i,
        Value::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.2e18 {
                *f as i64
            } else if f.is_nan() {
                0
            } else {
                f.to_bits() as i64
            }
        }
        Value::BigInt(b) => big_hash(b),
        Value::Str(s) => {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            s.hash(&mut h);
            h.finish() as i64
        }
        Value::Tuple(items) => {
            let mut acc: i64 = 0x345678;
            for x in items.iter() {
                acc = (acc ^ hash_value(x)).wrapping_mul(1_000_003);
            }
            acc ^ items.len() as i64
        }
        other => (other.address() >> 4) as i64,
    };
    if h == -1 {
        -2
    } else {
        h
    }
}

fn big_hash(b: &BigInt) -> i64 {
    match b.to_i64() {
        Some(i) => i,
        None => {
            let m: BigInt = b % BigInt::from((1u64 << 61) - 1);
            m.to_i64().unwrap_or(0)
        }
    }
}

/// Equality of keys: numeric across int/float/bool, by value for str and tuple, else identity.
pub fn key_eq(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (Str(x), Str(y)) => x == y,
        (Int(x), Int(y)) => x == y,
        (Tuple(x), Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| key_eq(p, q))
        }
        (Int(_) | Float(_) | Bool(_) | BigInt(_), Int(_) | Float(_) | Bool(_) | BigInt(_)) => {
            num_eq(a, b)
        }
        _ => a.is(b),
    }
}

/// Numeric equality of two numbers of any numeric type.
pub fn num_eq(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (Int(x), Int(y)) => x == y,
        (Bool(x), Bool(y)) => x == y,
        (Bool(x), Int(y)) | (Int(y), Bool(x)) => *x as i64 == *y,
        (Float(x), Float(y)) => x == y,
        (Float(f), Int(i)) | (Int(i), Float(f)) => {
            *f == *i as f64 && f.fract() == 0.0 && (*f as i128) == (*i as i128)
        }
        (Float(f), Bool(x)) | (Bool(x), Float(f)) => *f == *x as i64 as f64,
        (BigInt(x), BigInt(y)) => x == y,
        (BigInt(_), Int(_) | Bool(_)) | (Int(_) | Bool(_), BigInt(_)) => false,
        (BigInt(x), Float(f)) | (Float(f), BigInt(x)) => {
            x.to_f64().is_some_and(|v| v == *f) && f.fract() == 0.0 && {
                let back = num_bigint::BigInt::from(*f as i128);
                f.abs() < 1e38 && back == **x
            }
        }
        _ => false,
    }
}

impl Hash for DictKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_value(&self.0).hash(state)
    }
}

impl PartialEq for DictKey {
    fn eq(&self, other: &Self) -> bool {
        key_eq(&self.0, &other.0)
    }
}

impl Eq for DictKey {}

/// The storage of a dict (or, with unit values, a set).
#[derive(Debug, Default)]
pub struct Dict {
    /// Entries in insertion order.
    pub map: IndexMap<DictKey, Value>,
}

impl Dict {
    /// An empty dict.
    pub fn new() -> Dict {
        Dict::default()
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }
    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    /// Looks a key up.
    pub fn get(&self, k: &DictKey) -> Option<&Value> {
        self.map.get(k)
    }
    /// Inserts or replaces (keeping the original key object and position, as CPython does).
    pub fn insert(&mut self, k: DictKey, v: Value) {
        if let Some(slot) = self.map.get_mut(&k) {
            *slot = v;
        } else {
            self.map.insert(k, v);
        }
    }
    /// Removes a key, keeping the order of the rest.
    pub fn remove(&mut self, k: &DictKey) -> Option<Value> {
        self.map.shift_remove(k)
    }
    /// A str-keyed lookup.
    pub fn get_str(&self, s: &str) -> Option<&Value> {
        self.map.get(&DictKey(Value::Str(Rc::from(s))))
    }
}

impl Drop for Dict {
    fn drop(&mut self) {
        if !self.map.is_empty() {
            let map = std::mem::take(&mut self.map);
            super::drop::release(map.into_iter().flat_map(|(k, v)| [k.0, v]));
        }
    }
}
