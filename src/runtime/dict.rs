//! dict storage: an insertion-ordered hash map keyed by Python equality (`1 == 1.0 == True`
//! are one key), and the hashing and key equality that sets share.

use super::ops::frexp;
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
        let v = Value::Str(s.into());
        let h = hash_value(&v);
        DictKey(v, h)
    }
}

/// Checks the hashability of builtin values (instances are checked by the interpreter).
pub fn check_hashable(v: &Value) -> Result<(), Unhashable> {
    match v {
        Value::List(_) => Err(Unhashable("list")),
        Value::Deque(_) => Err(Unhashable("collections.deque")),
        Value::Dict(_) => Err(Unhashable("dict")),
        Value::Set(_) => Err(Unhashable("set")),
        Value::Slice(_) => Err(Unhashable("slice")),
        Value::MappingProxy(_) => Err(Unhashable("mappingproxy")),
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
        Value::Bool(b) => b.get() as i64,
        Value::Int(i) => {
            let m = (i.unsigned_abs() % MODULUS) as i64;
            if *i < 0 {
                -m
            } else {
                m
            }
        }
        Value::Float(f) => float_hash(f.get(), v),
        Value::BigInt(b) => big_hash(b),
        // Computed once and kept in the str, as CPython does.
        Value::Str(s) => s.hash_with(str_hash),
        Value::Tuple(items) => tuple_hash(items.iter().map(hash_value)),
        Value::FrozenSet(s) => s.borrow().frozenset_hash(),
        Value::Range(r) => range_hash(r),
        other => (other.address() >> 4) as i64,
    };
    if h == -1 {
        -2
    } else {
        h
    }
}

/// CPython's `range_hash`: the hash of `(len, start, step)`, with `start` and `step` None for an
/// empty range and `step` None for a range of one, so equal ranges hash alike.
fn range_hash(r: &super::value::RangeObj) -> i64 {
    let len = r.len().max(0);
    let int = |n: i128| hash_value(&Value::from_i128(n));
    let none = hash_value(&Value::None);
    let (start, step) = match len {
        0 => (none, none),
        1 => (int(r.start), none),
        _ => (int(r.start), int(r.step)),
    };
    tuple_hash([int(len), start, step].into_iter())
}

/// Whether a key's hash comes from its value (numbers, str, tuples and frozensets of such,
/// instances with their own `__hash__`) rather than its identity.
pub(crate) fn hashed_by_value(v: &Value) -> bool {
    match v {
        Value::Bool(_)
        | Value::Int(_)
        | Value::BigInt(_)
        | Value::Float(_)
        | Value::Str(_)
        | Value::Range(_) => true,
        Value::Tuple(items) => items.iter().all(hashed_by_value),
        Value::FrozenSet(s) => s.borrow().iter().all(|k| hashed_by_value(&k.0)),
        Value::Instance(i) => i.class.lookup("__hash__").is_some(),
        _ => false,
    }
}

/// CPython 3.11's str hash as it is with `PYTHONHASHSEED=0`: SipHash-1-3 with a zero key over
/// the string's storage (one, two or four bytes a character, little-endian), so that sets of
/// strings iterate in the order CPython's do under that setting.
pub fn str_hash(s: &str) -> i64 {
    if s.is_empty() {
        return 0;
    }
    // An ASCII string's one-byte storage is its UTF-8 bytes.
    if s.is_ascii() {
        return siphash13(s.as_bytes()) as i64;
    }
    let max = s.chars().map(|c| c as u32).max().unwrap_or(0);
    let mut bytes = Vec::with_capacity(s.len() * 2);
    for c in s.chars() {
        let c = c as u32;
        if max <= 0xff {
            bytes.push(c as u8);
        } else if max <= 0xffff {
            bytes.extend_from_slice(&(c as u16).to_le_bytes());
        } else {
            bytes.extend_from_slice(&c.to_le_bytes());
        }
    }
    siphash13(&bytes) as i64
}

/// SipHash-1-3 with the key (0, 0), as CPython's `siphash13` computes it.
fn siphash13(data: &[u8]) -> u64 {
    let mut v0: u64 = 0x736f6d6570736575;
    let mut v1: u64 = 0x646f72616e646f6d;
    let mut v2: u64 = 0x6c7967656e657261;
    let mut v3: u64 = 0x7465646279746573;
    let round = |v0: &mut u64, v1: &mut u64, v2: &mut u64, v3: &mut u64| {
        *v0 = v0.wrapping_add(*v1);
        *v2 = v2.wrapping_add(*v3);
        *v1 = v1.rotate_left(13) ^ *v0;
        *v3 = v3.rotate_left(16) ^ *v2;
        *v0 = v0.rotate_left(32);
        *v2 = v2.wrapping_add(*v1);
        *v0 = v0.wrapping_add(*v3);
        *v1 = v1.rotate_left(17) ^ *v2;
        *v3 = v3.rotate_left(21) ^ *v0;
        *v2 = v2.rotate_left(32);
    };
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        let mut b = [0u8; 8];
        b.copy_from_slice(chunk);
        let m = u64::from_le_bytes(b);
        v3 ^= m;
        round(&mut v0, &mut v1, &mut v2, &mut v3);
        v0 ^= m;
    }
    let mut last = [0u8; 8];
    let rest = chunks.remainder();
    last[..rest.len()].copy_from_slice(rest);
    let b = ((data.len() as u64) << 56) | u64::from_le_bytes(last);
    v3 ^= b;
    round(&mut v0, &mut v1, &mut v2, &mut v3);
    v0 ^= b;
    v2 ^= 0xff;
    for _ in 0..3 {
        round(&mut v0, &mut v1, &mut v2, &mut v3);
    }
    (v0 ^ v1) ^ (v2 ^ v3)
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
                x.len() == y.len() && x.iter().all(|k| y.contains(k))
            }
        }
        (Int(_) | Float(_) | Bool(_) | BigInt(_), Int(_) | Float(_) | Bool(_) | BigInt(_)) => {
            num_eq(a, b)
        }
        // Ranges are equal when they hold the same values (CPython's range_equals).
        (Range(x), Range(y)) => {
            let (n, m) = (x.len().max(0), y.len().max(0));
            n == m && (n == 0 || (x.start == y.start && (n == 1 || x.step == y.step)))
        }
        _ if a.is(b) => true,
        // An instance of a subclass of int, str, … without its own `__eq__` compares as the
        // value it wraps (`{MyInt(2): 'a'}[2]`).
        _ => {
            use crate::interp::protocol::builtin_base;
            match (builtin_base(a), builtin_base(b)) {
                (Option::None, Option::None) => false,
                (x, y) => key_eq(x.as_ref().unwrap_or(a), y.as_ref().unwrap_or(b)),
            }
        }
    }
}

/// Numeric equality of two numbers of any numeric type.
pub fn num_eq(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (Int(x), Int(y)) => x == y,
        (Bool(x), Bool(y)) => x == y,
        (Bool(x), Int(y)) | (Int(y), Bool(x)) => x.get() as i64 == *y,
        (Float(x), Float(y)) => x.get() == y.get(),
        (Float(f), Int(i)) | (Int(i), Float(f)) => {
            f.get() == *i as f64 && f.fract() == 0.0 && (f.get() as i128) == (*i as i128)
        }
        (Float(f), Bool(x)) | (Bool(x), Float(f)) => f.get() == x.get() as i64 as f64,
        (BigInt(x), BigInt(y)) => x == y,
        (BigInt(_), Int(_) | Bool(_)) | (Int(_) | Bool(_), BigInt(_)) => false,
        // Exactly: an integral float converts to a BigInt without loss.
        (BigInt(x), Float(f)) | (Float(f), BigInt(x)) => {
            f.is_finite()
                && f.fract() == 0.0
                && num_traits::FromPrimitive::from_f64(f.get())
                    .is_some_and(|v: num_bigint::BigInt| v == **x)
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
        match (&self.0, &other.0) {
            // The same NaN is the same key: CPython finds a key by identity before equality.
            (Value::Float(x), Value::Float(y)) if x.to_bits() == y.to_bits() => true,
            (a, b) => key_eq(a, b),
        }
    }
}

impl Eq for DictKey {}

/// The storage of a dict.
#[derive(Clone, Debug, Default)]
pub struct Dict {
    /// Entries in insertion order. A key's Python hash is computed once (`DictKey`); the
    /// map only spreads its bits (Fx), rather than hashing it a second time with SipHash.
    pub map: IndexMap<DictKey, Value, rustc_hash::FxBuildHasher>,
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
    /// The items, copied out (to go over while the dict may change or be borrowed again).
    pub fn item_pairs(&self) -> Vec<(Value, Value)> {
        self.map
            .iter()
            .map(|(k, v)| (k.0.clone(), v.clone()))
            .collect()
    }
    /// The value for key `k` when `k` is a str or an int, found without making a key of it
    /// (`None`: `k` is another kind, whose lookup may need the general path).
    #[inline]
    pub fn get_builtin(&self, k: &Value) -> Option<Option<&Value>> {
        use indexmap::map::RawEntryApiV1;
        let (h, spread) = self.builtin_hash(k)?;
        Some(
            self.map
                .raw_entry_v1()
                .from_hash(spread, |stored| stored.1 == h && key_eq(&stored.0, k))
                .map(|(_, v)| v),
        )
    }
    /// As `get_builtin`, for changing the value in place.
    #[inline]
    pub fn get_builtin_mut(&mut self, k: &Value) -> Option<Option<&mut Value>> {
        use indexmap::map::raw_entry_v1::{RawEntryApiV1, RawEntryMut};
        let (h, spread) = self.builtin_hash(k)?;
        Some(
            match self
                .map
                .raw_entry_mut_v1()
                .from_hash(spread, |stored| stored.1 == h && key_eq(&stored.0, k))
            {
                RawEntryMut::Occupied(e) => Some(e.into_mut()),
                RawEntryMut::Vacant(_) => None,
            },
        )
    }
    /// A str or int key's Python hash and the map's spreading of it, as `DictKey` gives
    /// them (`None` for other kinds).
    #[inline]
    fn builtin_hash(&self, k: &Value) -> Option<(i64, u64)> {
        if !matches!(k, Value::Str(_) | Value::Int(_)) {
            return None;
        }
        let h = hash_value(k);
        Some((h, self.map.hasher().hash_one(h)))
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
