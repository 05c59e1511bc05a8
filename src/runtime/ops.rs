//! Arithmetic and comparison on builtin numbers, strings and sequences, with Python's
//! semantics: floor division and modulo toward negative infinity, exact big ints, int/float
//! mixing, true division.

use super::exceptions::{err, type_error, zero_division};
use super::value::{PyResult, Value};
use crate::runtime::value::F64;
use crate::syntax::ast::{BinOp, CmpOp};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::rc::Rc;

/// C's `frexp`: `x == m * 2**e` with `0.5 <= |m| < 1`; `(x, 0)` for zero, infinities and NaN.
/// Subnormals are scaled into the normal range first, so their exponent is exact.
pub fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let (x, adjust) = if x.abs() < f64::MIN_POSITIVE {
        (x * 2f64.powi(54), -54)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022 + adjust)
}

/// `x * 2**n` rounded once, as C's `ldexp` / `scalbn` (musl's stepwise scaling, so a subnormal
/// result is not rounded twice).
pub fn ldexp(x: f64, mut n: i32) -> f64 {
    let p2 = |k: i32| f64::from_bits(((0x3ff + k) as u64) << 52);
    let mut y = x;
    if n > 1023 {
        y *= p2(1023);
        n -= 1023;
        if n > 1023 {
            y *= p2(1023);
            n = (n - 1023).min(1023);
        }
    } else if n < -1022 {
        // 2**-1022 * 2**53: stay normal until the last multiplication.
        let down = p2(-1022) * p2(53);
        y *= down;
        n += 1022 - 53;
        if n < -1022 {
            y *= down;
            n = (n + 1022 - 53).max(-1022);
        }
    }
    y * p2(n)
}

/// The value of a big int, demoted to a small one when it fits.
pub fn big(b: BigInt) -> Value {
    match b.to_i64() {
        Some(i) => Value::Int(i),
        None => Value::BigInt(Rc::new(b)),
    }
}

/// An int value as a BigInt, if it is an int (bools count).
pub fn to_big(v: &Value) -> Option<BigInt> {
    match v {
        Value::Int(i) => Some(BigInt::from(*i)),
        Value::Bool(b) => Some(BigInt::from(b.get() as i64)),
        Value::BigInt(b) => Some((**b).clone()),
        _ => None,
    }
}

/// A numeric value as a float (for int/float mixing). `Err` when an int is too large.
pub fn to_f64(v: &Value) -> Option<PyResult<f64>> {
    match v {
        Value::Float(f) => Some(Ok(f.get())),
        Value::Int(i) => Some(Ok(*i as f64)),
        Value::Bool(b) => Some(Ok(b.get() as i64 as f64)),
        Value::BigInt(b) => Some(big_to_f64(b)),
        _ => None,
    }
}

/// Converts a big int to float, raising OverflowError as CPython does when it is too large.
pub fn big_to_f64(b: &BigInt) -> PyResult<f64> {
    match b.to_f64() {
        Some(f) if f.is_finite() => Ok(f),
        _ => Err(err("OverflowError", "int too large to convert to float")),
    }
}

/// Small-int arithmetic without allocation; `None` when the result needs the general path.
#[inline]
pub fn int_fast(op: BinOp, a: i64, b: i64) -> Option<Value> {
    Some(Value::Int(match op {
        BinOp::Add => a.checked_add(b)?,
        BinOp::Sub => a.checked_sub(b)?,
        BinOp::Mul => a.checked_mul(b)?,
        BinOp::FloorDiv if b != 0 => {
            let q = a.checked_div(b)?;
            if (a % b != 0) && ((a < 0) != (b < 0)) {
                q - 1
            } else {
                q
            }
        }
        BinOp::Mod if b != 0 => {
            let r = a.checked_rem(b)?;
            if r != 0 && ((r < 0) != (b < 0)) {
                r + b
            } else {
                r
            }
        }
        BinOp::BitAnd => a & b,
        BinOp::BitOr => a | b,
        BinOp::BitXor => a ^ b,
        _ => return None,
    }))
}

fn is_int(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Bool(_) | Value::BigInt(_))
}

fn is_num(v: &Value) -> bool {
    is_int(v) || matches!(v, Value::Float(_))
}

/// A quiet NaN whose payload no other NaN made by this function in this thread has. aio's
/// floats are unboxed, so identity of floats is equality of bits; CPython's `float('nan')` is a
/// new object each time, and the fresh payload keeps that visible: `nan in [nan]` is True (the
/// same object) while `float('nan') in [nan]` is False, and a set keeps two such NaNs apart.
/// The payload is shifted past the low bits, which `hash` of a NaN drops.
pub fn new_nan(negative: bool) -> f64 {
    thread_local! {
        static NEXT: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
    }
    let n = NEXT.with(|c| {
        let n = c.get();
        c.set(n.wrapping_add(1));
        n
    });
    const QUIET: u64 = 0x7ff8_0000_0000_0000;
    const PAYLOAD: u64 = (1 << 51) - 1;
    let sign = if negative { 1u64 << 63 } else { 0 };
    f64::from_bits(sign | QUIET | ((n << 4) & PAYLOAD))
}

/// A computed float as a value. CPython makes a new float object for every result, so a NaN
/// result is a fresh NaN (with its sign, see [`new_nan`]): `nan + 1 is nan` is False, and two
/// `inf - inf` are two objects. Values read back (`min`, `float(x)`, `+x`) keep their bits.
#[inline]
pub fn float_result(f: f64) -> Value {
    if f.is_nan() {
        Value::Float(F64::new(new_nan(f.is_sign_negative())))
    } else {
        Value::Float(F64::new(f))
    }
}

fn float_op(op: BinOp, a: f64, b: f64) -> PyResult<Value> {
    Ok(float_result(match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => {
            if b == 0.0 {
                return Err(zero_division("float division by zero"));
            }
            a / b
        }
        BinOp::FloorDiv => {
            if b == 0.0 {
                return Err(zero_division("float floor division by zero"));
            }
            float_divmod(a, b).0
        }
        BinOp::Mod => {
            if b == 0.0 {
                return Err(zero_division("float modulo"));
            }
            float_divmod(a, b).1
        }
        BinOp::Pow => return float_pow(a, b),
        _ => return Err(type_error("unsupported float operation")),
    }))
}

/// CPython's float divmod: the quotient floored, the remainder with the divisor's sign.
pub fn float_divmod(a: f64, b: f64) -> (f64, f64) {
    let mut m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m += b;
            div -= 1.0;
        }
    } else {
        m = 0.0f64.copysign(b);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0.0f64.copysign(a / b)
    };
    (floordiv, m)
}

fn float_pow(a: f64, b: f64) -> PyResult<Value> {
    if a == 0.0 && b < 0.0 {
        return Err(zero_division("0.0 cannot be raised to a negative power"));
    }
    if a < 0.0 && a.is_finite() && b.fract() != 0.0 && b.is_finite() {
        return Err(err(
            "ValueError",
            "aio does not support complex numbers (negative number raised to a fractional power)",
        ));
    }
    let r = a.powf(b);
    if r.is_infinite() && a.is_finite() && b.is_finite() {
        return Err(err(
            "OverflowError",
            "(34, 'Numerical result out of range')",
        ));
    }
    Ok(float_result(r))
}

fn int_op(op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        if let Some(v) = int_fast(op, *x, *y) {
            return Ok(v);
        }
    }
    let (Some(x), Some(y)) = (to_big(a), to_big(b)) else {
        return Err(type_error("bad int operands"));
    };
    Ok(match op {
        BinOp::Add => big(x + y),
        BinOp::Sub => big(x - y),
        BinOp::Mul => big(x * y),
        BinOp::Div => {
            if y.is_zero() {
                return Err(zero_division("division by zero"));
            }
            return Ok(Value::Float(F64::new(int_true_div(&x, &y)?)));
        }
        BinOp::FloorDiv => {
            if y.is_zero() {
                return Err(zero_division("integer division or modulo by zero"));
            }
            big(x.div_floor(&y))
        }
        BinOp::Mod => {
            if y.is_zero() {
                return Err(zero_division("integer modulo by zero"));
            }
            big(x.mod_floor(&y))
        }
        BinOp::Pow => {
            if y.is_negative() {
                let fx = big_to_f64(&x)?;
                let fy = big_to_f64(&y)?;
                return float_pow(fx, fy);
            }
            let Some(e) = y.to_u32() else {
                // 0, 1 and -1 to any power are small, whatever the exponent.
                if x.is_zero() || x.is_one() {
                    return Ok(big(x));
                }
                if x == -BigInt::one() {
                    return Ok(big(if y.is_even() { BigInt::one() } else { x }));
                }
                return Err(err("OverflowError", "exponent too large"));
            };
            if x.bits() as u128 * e as u128 > 64_000_000 {
                return Err(err("MemoryError", ""));
            }
            crate::memory::check((x.bits() as usize).saturating_mul(e as usize) / 8)?;
            big(num_traits::pow::Pow::pow(&x, e))
        }
        BinOp::LShift => {
            if y.is_negative() {
                return Err(err("ValueError", "negative shift count"));
            }
            let Some(s) = y.to_u32() else {
                return Err(err("OverflowError", "too many digits in integer"));
            };
            if x.bits() as u128 + s as u128 > 64_000_000 {
                return Err(err("MemoryError", ""));
            }
            crate::memory::check((x.bits() as usize + s as usize) / 8)?;
            big(x << s as usize)
        }
        BinOp::RShift => {
            if y.is_negative() {
                return Err(err("ValueError", "negative shift count"));
            }
            let s = y.to_u64().unwrap_or(u64::MAX).min(1 << 40);
            if s > x.bits() {
                big(if x.is_negative() {
                    BigInt::from(-1)
                } else {
                    BigInt::zero()
                })
            } else {
                big(x >> s as usize)
            }
        }
        BinOp::BitAnd => big(x & y),
        BinOp::BitOr => big(x | y),
        BinOp::BitXor => big(x ^ y),
        BinOp::MatMul => return Err(type_error("bad int operands")),
    })
}

/// True division of ints, correctly rounded like CPython for large operands.
fn int_true_div(x: &BigInt, y: &BigInt) -> PyResult<f64> {
    if let (Some(a), Some(b)) = (x.to_i64(), y.to_i64()) {
        if a.unsigned_abs() < (1 << 53) && b.unsigned_abs() < (1 << 53) {
            return Ok(a as f64 / b as f64);
        }
    }
    // Scale so the quotient has 64+ significant bits, then round once.
    let neg = x.is_negative() != y.is_negative();
    let (xa, ya) = (x.abs(), y.abs());
    let shift = 70i64 - (xa.bits() as i64 - ya.bits() as i64);
    let (n, d) = if shift >= 0 {
        (xa << shift as usize, ya)
    } else {
        (xa, ya << (-shift) as usize)
    };
    let (q, r) = n.div_rem(&d);
    let mut q = q;
    if !r.is_zero() {
        q = (q << 1usize) | BigInt::from(1);
    } else {
        q <<= 1usize;
    }
    let f = q.to_f64().unwrap_or(f64::INFINITY);
    let exp = -(shift + 1);
    let v = if exp > 1023 {
        f64::INFINITY
    } else {
        f * 2f64.powi(exp as i32)
    };
    if v.is_infinite() {
        return Err(err(
            "OverflowError",
            "integer division result too large for a float",
        ));
    }
    Ok(if neg { -v } else { v })
}

/// `a op b` for builtin operands; `None` when these types do not support it (so the caller
/// tries the reflected dunder or raises TypeError).
pub fn binary(op: BinOp, a: &Value, b: &Value) -> Option<PyResult<Value>> {
    use Value::*;
    if let (Bool(x), Bool(y)) = (a, b) {
        match op {
            BinOp::BitAnd => return Some(Ok(Bool((x.get() & y.get()).into()))),
            BinOp::BitOr => return Some(Ok(Bool((x.get() | y.get()).into()))),
            BinOp::BitXor => return Some(Ok(Bool((x.get() ^ y.get()).into()))),
            _ => {}
        }
    }
    if is_int(a) && is_int(b) {
        if op == BinOp::MatMul {
            return Option::None;
        }
        return Some(int_op(op, a, b));
    }
    if is_num(a) && is_num(b) {
        if matches!(
            op,
            BinOp::LShift
                | BinOp::RShift
                | BinOp::BitAnd
                | BinOp::BitOr
                | BinOp::BitXor
                | BinOp::MatMul
        ) {
            return Option::None;
        }
        let x = match to_f64(a)? {
            Ok(x) => x,
            Err(e) => return Some(Err(e)),
        };
        let y = match to_f64(b)? {
            Ok(y) => y,
            Err(e) => return Some(Err(e)),
        };
        return Some(float_op(op, x, y));
    }
    match (op, a, b) {
        (BinOp::Add, Str(x), Str(y)) => {
            if let Err(e) = crate::memory::check(x.len() + y.len()) {
                return Some(Err(e));
            }
            let mut s = String::with_capacity(x.len() + y.len());
            s.push_str(x);
            s.push_str(y);
            Some(Ok(Value::Str(crate::runtime::thin::PyStr::from(s))))
        }
        (BinOp::Add, List(x), List(y)) => {
            let n = x.borrow().len() + y.borrow().len();
            if let Err(e) = crate::memory::check(n.saturating_mul(std::mem::size_of::<Value>())) {
                return Some(Err(e));
            }
            let mut v = x.borrow().clone();
            v.extend(y.borrow().iter().cloned());
            Some(Ok(Value::list(v)))
        }
        (BinOp::Add, Tuple(x), Tuple(y)) => {
            if let Err(e) = crate::memory::check(
                (x.len() + y.len()).saturating_mul(std::mem::size_of::<Value>()),
            ) {
                return Some(Err(e));
            }
            let mut v = x.to_vec();
            v.extend(y.iter().cloned());
            Some(Ok(Value::tuple(v)))
        }
        (BinOp::Mul, Str(_) | List(_) | Tuple(_), Int(_) | Bool(_) | BigInt(_)) => {
            Some(repeat(a, b))
        }
        (BinOp::Mul, Int(_) | Bool(_) | BigInt(_), Str(_) | List(_) | Tuple(_)) => {
            Some(repeat(b, a))
        }
        (BinOp::BitOr, Dict(x), Dict(y)) => {
            let mut d = super::dict::Dict::new();
            for (k, v) in x.borrow().map.iter().chain(y.borrow().map.iter()) {
                d.insert(k.clone(), v.clone());
            }
            Some(Ok(crate::runtime::gc::tracked(Value::Dict(Rc::new(
                std::cell::RefCell::new(d),
            )))))
        }
        _ => Option::None,
    }
}

fn repeat(seq: &Value, n: &Value) -> PyResult<Value> {
    let n = match n {
        Value::Int(i) => *i,
        Value::Bool(b) => b.get() as i64,
        _ => {
            return Err(err(
                "OverflowError",
                "cannot fit 'int' into an index-sized integer",
            ))
        }
    };
    let len = match seq {
        Value::Str(s) => s.len(),
        Value::List(l) => l.borrow().len(),
        Value::Tuple(t) => t.len(),
        _ => 0,
    };
    // An empty sequence repeated any number of times is empty (and is not copied n times).
    let n = if len == 0 { 0 } else { n.max(0) as usize };
    let item = if matches!(seq, Value::Str(_)) {
        1
    } else {
        std::mem::size_of::<Value>()
    };
    crate::memory::check(len.saturating_mul(n).saturating_mul(item))?;
    if len.saturating_mul(n) > 1 << 31 {
        return Err(err("MemoryError", ""));
    }
    Ok(match seq {
        Value::Str(s) => Value::Str(crate::runtime::thin::PyStr::from(s.repeat(n))),
        Value::List(l) => {
            let src = l.borrow();
            let mut v = Vec::with_capacity(src.len() * n);
            for _ in 0..n {
                v.extend(src.iter().cloned());
            }
            Value::list(v)
        }
        Value::Tuple(t) => {
            let mut v = Vec::with_capacity(t.len() * n);
            for _ in 0..n {
                v.extend(t.iter().cloned());
            }
            Value::tuple(v)
        }
        _ => Value::None,
    })
}

/// Ordering of two builtin values for `<` and friends; `None` when not comparable.
pub fn order(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Int(x), Int(y)) => Some(x.cmp(y)),
        (Float(x), Float(y)) => x.partial_cmp(y),
        (Str(x), Str(y)) => Some(x.cmp(y)),
        _ if is_int(a) && is_int(b) => Some(to_big(a)?.cmp(&to_big(b)?)),
        _ if is_num(a) && is_num(b) => {
            // Exact int/float comparison, as CPython does.
            let (f, i, flip) = match (a, b) {
                (Float(f), _) => (f.get(), to_big(b)?, false),
                (_, Float(f)) => (f.get(), to_big(a)?, true),
                _ => return Option::None,
            };
            let o = if f.is_nan() {
                return Option::None;
            } else if f.is_infinite() {
                if f > 0.0 {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            } else {
                let fl = f.floor();
                let fb = num_bigint::BigInt::from(fl as i128);
                let fb = if fl.abs() >= 1.7e38 {
                    num_bigint::BigInt::parse_bytes(format!("{fl:.0}").as_bytes(), 10)?
                } else {
                    fb
                };
                match fb.cmp(&i) {
                    Ordering::Equal => {
                        if f > fl {
                            Ordering::Greater
                        } else {
                            Ordering::Equal
                        }
                    }
                    o => o,
                }
            };
            Some(if flip { o.reverse() } else { o })
        }
        _ => Option::None,
    }
}

/// The Python type name used in operator error messages.
pub fn type_name(v: &Value) -> Rc<str> {
    if let Value::Deque(_) = v {
        // CPython's messages give the type's full name.
        return Rc::from("collections.deque");
    }
    super::types::types().class_of(v).name.clone()
}

/// Index normalisation for sequences: `i` may be negative.
pub fn norm_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let j = if i < 0 { i + len } else { i };
    if j < 0 || j >= len {
        None
    } else {
        Some(j as usize)
    }
}

/// `slice.indices(len)`: start, stop, step for a sequence of length `len`.
pub fn slice_indices(s: &(Value, Value, Value), len: usize) -> PyResult<(i64, i64, i64)> {
    let len = len as i64;
    let get = |v: &Value| -> PyResult<Option<i64>> {
        match v {
            Value::None => Ok(None),
            Value::Int(i) => Ok(Some(*i)),
            Value::Bool(b) => Ok(Some(b.get() as i64)),
            Value::BigInt(b) => Ok(Some(if b.is_negative() {
                i64::MIN / 2
            } else {
                i64::MAX / 2
            })),
            _ => Err(type_error(
                "slice indices must be integers or None or have an __index__ method",
            )),
        }
    };
    let step = get(&s.2)?.unwrap_or(1);
    if step == 0 {
        return Err(err("ValueError", "slice step cannot be zero"));
    }
    let (lower, upper) = if step < 0 { (-1, len - 1) } else { (0, len) };
    let fix = |v: Option<i64>, default: i64| -> i64 {
        match v {
            None => default,
            Some(i) if i < 0 => (i + len).max(lower),
            Some(i) => i.min(upper),
        }
    };
    let start = fix(get(&s.0)?, if step < 0 { upper } else { lower });
    let stop = fix(get(&s.1)?, if step < 0 { lower } else { upper });
    Ok((start, stop, step))
}

/// The positions a slice selects.
pub fn slice_positions(start: i64, stop: i64, step: i64) -> Vec<usize> {
    let mut v = Vec::new();
    let mut i = start;
    if step > 0 {
        while i < stop {
            v.push(i as usize);
            i += step;
        }
    } else {
        while i > stop {
            v.push(i as usize);
            i += step;
        }
    }
    v
}

/// `x op y` for two machine ints and an ordering or equality operator; `None` for the
/// operators that are not comparisons of values (`is`, `in`…).
#[inline]
pub fn int_compare(op: CmpOp, x: i64, y: i64) -> Option<bool> {
    Some(match op {
        CmpOp::Lt => x < y,
        CmpOp::LtE => x <= y,
        CmpOp::Gt => x > y,
        CmpOp::GtE => x >= y,
        CmpOp::Eq => x == y,
        CmpOp::NotEq => x != y,
        _ => return None,
    })
}
