//! Methods of `int` and `float` beyond arithmetic: `as_integer_ratio`, `conjugate`,
//! `float.hex` and `float.fromhex`, with CPython's results and messages.

use super::builtins::{method_arity, no_method_kwargs};
use super::exceptions::{err, type_error, value_error};
use super::ops::{frexp, ldexp};
use super::value::{Kwargs, PyResult, Value};
use crate::interp::Interp;
use crate::runtime::value::F64;
use num_bigint::BigInt;

fn this_float(args: &[Value], name: &str) -> PyResult<f64> {
    match args.first() {
        Some(Value::Float(f)) => Ok(f.get()),
        _ => Err(type_error(format!(
            "descriptor '{name}' for 'float' objects doesn't apply to a '{}' object",
            args.first()
                .map(|v| super::ops::type_name(v).to_string())
                .unwrap_or_else(|| "NoneType".to_string())
        ))),
    }
}

fn int_value(args: &[Value], name: &str) -> PyResult<Value> {
    match args.first() {
        Some(Value::Bool(b)) => Ok(Value::Int(b.get() as i64)),
        Some(v @ (Value::Int(_) | Value::BigInt(_))) => Ok(v.clone()),
        _ => Err(type_error(format!(
            "descriptor '{name}' requires an 'int' object"
        ))),
    }
}

/// `int.as_integer_ratio()`: `(n, 1)`.
pub fn int_as_integer_ratio(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "as_integer_ratio", kw)?;
    method_arity(args, "as_integer_ratio", 0, 0)?;
    let v = int_value(args, "as_integer_ratio")?;
    Ok(Value::tuple(vec![v, Value::Int(1)]))
}

/// `int.conjugate()`: the int itself.
pub fn int_conjugate(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "conjugate", kw)?;
    method_arity(args, "conjugate", 0, 0)?;
    int_value(args, "conjugate")
}

/// `float.conjugate()`: the float itself.
pub fn float_conjugate(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "conjugate", kw)?;
    method_arity(args, "conjugate", 0, 0)?;
    Ok(Value::Float(F64::new(this_float(args, "conjugate")?)))
}

/// `float.as_integer_ratio()`: the exact fraction in lowest terms, as CPython computes it.
pub fn float_as_integer_ratio(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "as_integer_ratio", kw)?;
    method_arity(args, "as_integer_ratio", 0, 0)?;
    let x = this_float(args, "as_integer_ratio")?;
    if x.is_infinite() {
        return Err(err(
            "OverflowError",
            "cannot convert Infinity to integer ratio",
        ));
    }
    if x.is_nan() {
        return Err(value_error("cannot convert NaN to integer ratio"));
    }
    let (mut m, mut e) = frexp(x);
    for _ in 0..300 {
        if m == m.floor() {
            break;
        }
        m *= 2.0;
        e -= 1;
    }
    let mut num = BigInt::from(m as i64);
    let mut den = BigInt::from(1);
    if e > 0 {
        num <<= e as usize;
    } else {
        den <<= (-e) as usize;
    }
    Ok(Value::tuple(vec![
        super::ops::big(num),
        super::ops::big(den),
    ]))
}

/// `float.hex()`: CPython's `float_hex` (13 hex digits after the point, exponent with sign).
pub fn float_hex(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "hex", kw)?;
    method_arity(args, "hex", 0, 0)?;
    let x = this_float(args, "hex")?;
    if x.is_nan() {
        return Ok(Value::str("nan"));
    }
    if x.is_infinite() {
        return Ok(Value::str(if x > 0.0 { "inf" } else { "-inf" }));
    }
    if x == 0.0 {
        let sign = if x.is_sign_negative() { "-" } else { "" };
        return Ok(Value::str(&format!("{sign}0x0.0p+0")));
    }
    let (m, e) = frexp(x.abs());
    // DBL_MIN_EXP is -1021: subnormals keep a leading 0 digit.
    let shift = 1 - (-1021 - e).max(0);
    let mut m = ldexp(m, shift);
    let e = e - shift;
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    out.push_str("0x");
    let d = m as u32;
    out.push(char::from_digit(d, 16).unwrap_or('0'));
    m -= d as f64;
    out.push('.');
    for _ in 0..13 {
        m *= 16.0;
        let d = m as u32;
        out.push(char::from_digit(d, 16).unwrap_or('0'));
        m -= d as f64;
    }
    out.push_str(&format!("p{e:+}"));
    Ok(Value::str(&out))
}

/// `float.fromhex(s)` (called on the class or an instance).
pub fn float_fromhex(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "fromhex", kw)?;
    let s = match args.last() {
        Some(Value::Str(s)) => s.clone(),
        Some(other) => {
            return Err(type_error(format!(
                "bad argument type for built-in operation: '{}'",
                super::ops::type_name(other)
            )))
        }
        None => return Err(type_error("fromhex() takes exactly one argument (0 given)")),
    };
    parse_hex_float(&s)
        .map(super::ops::float_result)
        .ok_or_else(|| value_error("invalid hexadecimal floating-point string"))
}

fn parse_hex_float(text: &str) -> Option<f64> {
    let t = text.trim();
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let lower = t.to_ascii_lowercase();
    let special = match lower.as_str() {
        "inf" | "infinity" => Some(f64::INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    };
    if let Some(v) = special {
        return Some(if neg { -v } else { v });
    }
    let body = lower.strip_prefix("0x").unwrap_or(&lower);
    let (mant, exp) = match body.split_once('p') {
        Some((m, e)) => (m, e.parse::<i64>().ok()?),
        None => (body, 0),
    };
    let (int_part, frac_part) = match mant.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mant, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = BigInt::from(0);
    for c in int_part.chars().chain(frac_part.chars()) {
        value = value * 16 + c.to_digit(16)?;
    }
    let scale = exp.checked_sub(4 * frac_part.len() as i64)?;
    let v = big_times_pow2(&value, scale);
    Some(if neg { -v } else { v })
}

/// `n * 2**k` correctly rounded (ties to even), as CPython's `float.fromhex`.
fn big_times_pow2(n: &BigInt, k: i64) -> f64 {
    use num_traits::{ToPrimitive, Zero};
    if n.is_zero() {
        return 0.0;
    }
    let bits = n.bits() as i64;
    // The value's binary exponent: n in [2**(bits-1), 2**bits).
    let top = bits + k;
    if top > 1024 {
        return f64::INFINITY;
    }
    // Keep 53 significant bits (fewer for subnormals), rounding the rest half to even.
    let keep = if top < -1021 { 53 - (-1021 - top) } else { 53 };
    if keep <= 0 {
        // Below half the smallest subnormal, or exactly: round to 0 or the smallest one.
        if keep == 0 {
            let half = BigInt::from(1) << ((bits - 1) as usize);
            return if *n > half { f64::from_bits(1) } else { 0.0 };
        }
        return 0.0;
    }
    let drop = bits - keep;
    let (mut m, e) = if drop > 0 {
        let m = n >> (drop as usize);
        let rem = n - (&m << (drop as usize));
        let half = BigInt::from(1) << ((drop - 1) as usize);
        let mut m = m;
        if rem > half || (rem == half && (&m & BigInt::from(1)) == BigInt::from(1)) {
            m += 1;
        }
        (m, k + drop)
    } else {
        (n.clone(), k)
    };
    let mut e = e;
    if m.bits() as i64 > keep {
        m >>= 1usize;
        e += 1;
    }
    let m = m.to_f64().unwrap_or(f64::INFINITY);
    ldexp(m, e as i32)
}
