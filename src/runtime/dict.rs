//! dict and set storage: an insertion-ordered hash map keyed by Python equality
//! (`1 == 1.0 == True` are one key).

use super::value::Value;
use indexmap::IndexMap;
use num_bigint::BigInt;
use num_traits::ToPrimitive;
use std::hash::{BuildHasher, Hash, Hasher};
use std::rc::Rc;

/// A value usable as a dict key, with its Python hash computed once (a user class's
/// `__hash__` runs in the interpreter, before the key reaches the map). Keys compare with
/// Python's semantics for builtin types and by identity for other objects; keys whose class
/// defines `__eq__` are made canonical before they reach the map (see `Interp::key_in`).
#[derive(Clone, Debug)]
pub struct DictKey(pub Value, pub i64);

/// Why a value cannot be a key: the type name for "unhashable type: 'list'".
pub struct Unhashable(pub &'static str);

impl DictKey {
    /// Checks that a builtin value `v` is hashable and wraps it with its hash.
    pub fn new(v: Value) -> Result<DictKey, Unhashable> {
        check_hashable(&v)?;
        let h = hash_value(&v);
        Ok(DictKey(v, h))
    }
    /// A str key.
    pub fn str(s: Rc<str>) -> DictKey {
        let v = Value::Str(s);
        let h = hash_value(&v);
        DictKey(v, h)
    }
}

/// Checks the hashability of builtin values (instances are checked by the interpreter).
pub fn check_hashable(v: &Value) -> Result<(), Unhashable> {
    match v {
        Value::List(_) => Err(Unhashable("list")),
        Value::Dict(_) => Err(Unhashable("dict")),
        Value::Set(_) => Err(Unhashable("set")),
        Value::Slice(_) => Err(Unhashable("slice")),
        Value::Tuple(items) => items.iter().try_for_each(check_hashable),
        _ => Ok(()),
    }
}

/// CPython's modulus for numeric hashes (`_PyHASH_MODULUS`, 2**61 - 1).
const MODULUS: u64 = (1u64 << 61) - 1;

/// Python's hash of a builtin value, as CPython computes it for numbers (ints modulo 2**61 - 1,
/// so `hash(5) == 5 == hash(5.0)`) and tuples; identity for other objects.
pub fn hash_value(v: &Value) -> i64 {
    let h = match v {
        Value::None => 0x5f3d_1a2b,
        Value::Bool(b) => *b as i64,
        Value::Int(i) => {
            let m = (i.unsigned_abs() % MODULUS) as i64;
            if *i < 0 {
                -m
            } else {
                m
            }
        }
        Value::Float(f) => float_hash(*f, v),
        Value::BigInt(b) => big_hash(b),
        Value::Str(s) => {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            s.hash(&mut h);
            h.finish() as i64
        }
        Value::Tuple(items) => tuple_hash(items.iter().map(hash_value)),
        Value::FrozenSet(d) => frozenset_hash(&d.borrow()),
        other => (other.address() >> 4) as i64,
    };
    if h == -1 {
        -2
    } else {
        h
    }
}

/// CPython's `_Py_HashDouble`: the float's value reduced modulo 2**61 - 1, so equal ints and
/// floats hash alike; NaN hashes by identity.
fn float_hash(f: f64, v: &Value) -> i64 {
    if f.is_nan() {
        return (v.address() >> 4) as i64;
    }
    if f.is_infinite() {
        return if f > 0.0 { 314159 } else { -314159 };
    }
    let (mut m, mut e) = frexp(f);
    let sign: i64 = if m < 0.0 {
        m = -m;
        -1
    } else {
        1
    };
    let mut x: u64 = 0;
    while m != 0.0 {
        x = ((x << 28) & MODULUS) | (x >> (61 - 28));
        m *= 268435456.0;
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        x += y;
        if x >= MODULUS {
            x -= MODULUS;
        }
    }
    let e = if e >= 0 {
        e % 61
    } else {
        61 - 1 - ((-1 - e) % 61)
    };
    x = ((x << e) & MODULUS) | (x >> (61 - e));
    x as i64 * sign
}

/// C's `frexp`: `f == m * 2**e` with `0.5 <= |m| < 1` (or `m == 0`).
fn frexp(f: f64) -> (f64, i32) {
    if f == 0.0 {
        return (f, 0);
    }
    let bits = f.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(f * 2f64.powi(64));
        return (m, e - 64);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

/// CPython's tuple hash (the xxHash-based `tuplehash`) over the elements' hashes.
pub fn tuple_hash(hashes: impl ExactSizeIterator<Item = i64>) -> i64 {
    const P1: u64 = 11400714785074694791;
    const P2: u64 = 14029467366897019727;
    const P5: u64 = 2870177450012600261;
    let len = hashes.len() as u64;
    let mut acc: u64 = P5;
    for h in hashes {
        acc = acc.wrapping_add((h as u64).wrapping_mul(P2));
        acc = acc.rotate_left(31);
        acc = acc.wrapping_mul(P1);
    }
    acc = acc.wrapping_add(len ^ (P5 ^ 3527539));
    if acc == u64::MAX {
        1546275796
    } else {
        acc as i64
    }
}

/// CPython's `frozenset_hash` (without the table-layout terms): the shuffled element hashes
/// combined by xor, so the order of the elements does not matter.
fn frozenset_hash(d: &Dict) -> i64 {
    let shuffle = |h: u64| ((h ^ 89869747) ^ (h << 16)).wrapping_mul(3644798167);
    let mut h: u64 = 0;
    for k in d.map.keys() {
        h ^= shuffle(k.1 as u64);
    }
    h ^= (d.len() as u64 + 1).wrapping_mul(1927868237);
    h ^= (h >> 11) ^ (h >> 25);
    h = h.wrapping_mul(69069).wrapping_add(907133923);
    if h == u64::MAX {
        590923713
    } else {
        h as i64
    }
}

fn big_hash(b: &BigInt) -> i64 {
    let m: BigInt = b.magnitude().clone().into();
    let r = (m % BigInt::from(MODULUS)).to_i64().unwrap_or(0);
    if b.sign() == num_bigint::Sign::Minus {
        -r
    } else {
        r
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
        (FrozenSet(x), FrozenSet(y)) => {
            Rc::ptr_eq(x, y) || {
                let (x, y) = (x.borrow(), y.borrow());
                x.len() == y.len() && x.map.keys().all(|k| y.map.contains_key(k))
            }
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
        self.1.hash(state)
    }
}

impl PartialEq for DictKey {
    fn eq(&self, other: &Self) -> bool {
        key_eq(&self.0, &other.0)
    }
}

impl Eq for DictKey {}

/// The storage of a dict (or, with unit values, a set).
#[derive(Clone, Debug, Default)]
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
        self.map.get(&DictKey::str(Rc::from(s)))
    }
    /// The keys stored with the same hash as `k` (the candidates a user `__eq__` must check).
    pub fn same_hash(&self, k: &DictKey) -> Vec<Value> {
        use indexmap::map::RawEntryApiV1;
        let h = self.map.hasher().hash_one(k);
        let mut out = Vec::new();
        let _ = self.map.raw_entry_v1().from_hash(h, |stored| {
            if stored.1 == k.1 {
                out.push(stored.0.clone());
            }
            false
        });
        out
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
