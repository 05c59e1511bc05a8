//! The `math` module: CPython's functions over the platform's libm, with its domain and range
//! errors, and exact integer functions (`factorial`, `gcd`, `comb`, `isqrt`, …) on big ints.

use super::add_fns;
use crate::interp::Interp;
use crate::runtime::builtins::{arity, no_kwargs};
use crate::runtime::exceptions::{err, type_error, value_error};
use crate::runtime::ops::{self, big, float_result, to_big};
use crate::runtime::value::{Kwargs, Module, PyResult, Value};
use crate::runtime::value::{B64, F64};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::rc::Rc;

fn num(it: &mut Interp, v: &Value) -> PyResult<f64> {
    match ops::to_f64(v) {
        Some(r) => r,
        None => {
            if let Some(r) = it.call_special(v, "__float__", vec![]) {
                if let Value::Float(f) = r? {
                    return Ok(f.get());
                }
            }
            Err(type_error(format!(
                "must be real number, not {}",
                ops::type_name(v)
            )))
        }
    }
}

fn int_arg(v: &Value) -> PyResult<BigInt> {
    to_big(v).ok_or_else(|| {
        type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            ops::type_name(v)
        ))
    })
}

fn domain() -> crate::runtime::value::Exc {
    value_error("math domain error")
}

fn range_err() -> crate::runtime::value::Exc {
    err("OverflowError", "math range error")
}

/// Checks a libm result as CPython's `math_1`: NaN from a non-NaN is a domain error, an
/// infinity from a finite input a range error (or a domain error where `can_overflow` is false).
fn checked(x: f64, r: f64, can_overflow: bool) -> PyResult<Value> {
    if r.is_nan() && !x.is_nan() {
        return Err(domain());
    }
    if r.is_infinite() && x.is_finite() {
        return Err(if can_overflow { range_err() } else { domain() });
    }
    Ok(float_result(r))
}

fn gamma(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.gamma", kw)?;
    arity("math.gamma", args, 1, 1)?;
    super::math_special::gamma(num(it, &args[0])?)
}

fn lgamma(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.lgamma", kw)?;
    arity("math.lgamma", args, 1, 1)?;
    super::math_special::lgamma(num(it, &args[0])?)
}

macro_rules! unary {
    ($name:ident, $f:expr, $over:expr) => {
        fn $name(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
            no_kwargs(concat!("math.", stringify!($name)), kw)?;
            arity(concat!("math.", stringify!($name)), args, 1, 1)?;
            let x = num(it, &args[0])?;
            let f: fn(f64) -> f64 = $f;
            checked(x, f(x), $over)
        }
    };
}

unary!(erf, super::math_special::erf, false);
unary!(erfc, super::math_special::erfc, false);
unary!(sqrt, |x| if x < 0.0 { f64::NAN } else { x.sqrt() }, false);
unary!(exp, f64::exp, true);
unary!(expm1, f64::exp_m1, true);
unary!(
    sin,
    |x| if x.is_infinite() { f64::NAN } else { x.sin() },
    false
);
unary!(
    cos,
    |x| if x.is_infinite() { f64::NAN } else { x.cos() },
    false
);
unary!(
    tan,
    |x| if x.is_infinite() { f64::NAN } else { x.tan() },
    false
);
unary!(asin, f64::asin, false);
unary!(acos, f64::acos, false);
unary!(atan, f64::atan, false);
unary!(sinh, f64::sinh, true);
unary!(cosh, f64::cosh, true);
unary!(tanh, f64::tanh, false);
unary!(asinh, f64::asinh, false);
unary!(acosh, f64::acosh, false);
unary!(
    atanh,
    |x| if x.abs() >= 1.0 { f64::NAN } else { x.atanh() },
    false
);
unary!(fabs, f64::abs, false);
unary!(degrees, f64::to_degrees, true);
unary!(radians, f64::to_radians, false);
unary!(cbrt, glibc_cbrt, false);
unary!(exp2, f64::exp2, true);

/// The float next to `x` in the direction of `y`, as C's `nextafter`.
fn next_toward(x: f64, y: f64) -> f64 {
    if x.is_nan() || y.is_nan() {
        return x + y;
    }
    if x == y {
        return y;
    }
    if x == 0.0 {
        return f64::from_bits(1).copysign(y);
    }
    let bits = x.to_bits();
    // Away from zero is one step up in magnitude, toward zero one step down.
    let away = (y > x) == (x > 0.0);
    f64::from_bits(if away { bits + 1 } else { bits - 1 })
}

fn nextafter(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.nextafter", kw)?;
    arity("nextafter", args, 2, 2)?;
    let (x, y) = (num(it, &args[0])?, num(it, &args[1])?);
    Ok(float_result(next_toward(x, y)))
}

/// `math.ulp(x)`: the gap from `|x|` to the next float away from zero (or, for the largest
/// float, to the one below it), as CPython.
fn ulp(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.ulp", kw)?;
    arity("math.ulp", args, 1, 1)?;
    let x = num(it, &args[0])?.abs();
    if !x.is_finite() {
        return Ok(float_result(x));
    }
    let up = next_toward(x, f64::INFINITY);
    Ok(float_result(if up.is_infinite() {
        x - next_toward(x, f64::NEG_INFINITY)
    } else {
        up - x
    }))
}
unary!(
    log1p,
    |x| if x <= -1.0 { f64::NAN } else { x.ln_1p() },
    false
);

/// `x` as `(m, e)` with `x == m * 2**e` and `0.5 <= m < 1`, `m` correctly rounded to 53 bits
/// (CPython's `_PyLong_Frexp`), for a positive int too large for a float.
fn frexp_big(b: &BigInt) -> (f64, u64) {
    let bits = b.bits();
    // Keep 55 bits with a sticky bit for everything below, so one conversion rounds right.
    let shift = bits.saturating_sub(55);
    let mut top = (b >> shift as usize).to_u64().unwrap_or(0);
    if shift > 0 && b.trailing_zeros().unwrap_or(0) < shift {
        top |= 1;
    }
    let m = top as f64 / 2f64.powi((bits - shift) as i32);
    if m == 1.0 {
        (0.5, bits + 1)
    } else {
        (m, bits)
    }
}

/// `log`, `log2` or `log10` (as `f`) of a number, as CPython's `loghelper`: an int too large
/// for a float is taken as `m * 2**e`, giving `f(m) + f(2) * e`.
fn log_of(it: &mut Interp, v: &Value, f: fn(f64) -> f64) -> PyResult<f64> {
    if let Some(b) = to_big(v) {
        if !b.is_positive() {
            return Err(domain());
        }
        if let Some(x) = b.to_f64().filter(|x| x.is_finite()) {
            return Ok(f(x));
        }
        let (m, e) = frexp_big(&b);
        return Ok(f(m) + f(2.0) * e as f64);
    }
    let x = num(it, v)?;
    if x <= 0.0 {
        return Err(domain());
    }
    Ok(f(x))
}

fn log(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("log", kw)?;
    if args.is_empty() || args.len() > 2 {
        return Err(type_error("math.log requires 1 to 2 arguments"));
    }
    let a = log_of(it, &args[0], f64::ln)?;
    match args.get(1) {
        None => Ok(float_result(a)),
        Some(b) => {
            let d = log_of(it, b, f64::ln)?;
            if d == 0.0 {
                return Err(err("ZeroDivisionError", "float division by zero"));
            }
            Ok(float_result(a / d))
        }
    }
}

fn log2(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.log2", kw)?;
    arity("math.log2", args, 1, 1)?;
    Ok(float_result(log_of(it, &args[0], f64::log2)?))
}

fn log10(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.log10", kw)?;
    arity("math.log10", args, 1, 1)?;
    Ok(float_result(log_of(it, &args[0], f64::log10)?))
}

fn pow(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.pow", kw)?;
    arity("pow", args, 2, 2)?;
    let (x, y) = (num(it, &args[0])?, num(it, &args[1])?);
    if x == 0.0 && y < 0.0 && y.is_finite() {
        return Err(domain());
    }
    if x < 0.0 && x.is_finite() && y.is_finite() && y.fract() != 0.0 {
        return Err(domain());
    }
    let r = x.powf(y);
    if r.is_infinite() && x.is_finite() && y.is_finite() {
        return Err(range_err());
    }
    Ok(float_result(r))
}

fn two(it: &mut Interp, args: &[Value], name: &str) -> PyResult<(f64, f64)> {
    arity(name, args, 2, 2)?;
    Ok((num(it, &args[0])?, num(it, &args[1])?))
}

fn atan2(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.atan2", kw)?;
    let (y, x) = two(it, args, "atan2")?;
    Ok(float_result(y.atan2(x)))
}

fn copysign(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.copysign", kw)?;
    let (x, y) = two(it, args, "copysign")?;
    Ok(float_result(x.copysign(y)))
}

fn fmod(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.fmod", kw)?;
    let (x, y) = two(it, args, "fmod")?;
    if y == 0.0 || x.is_infinite() {
        return Err(domain());
    }
    Ok(float_result(x % y))
}

fn remainder(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.remainder", kw)?;
    let (x, y) = two(it, args, "remainder")?;
    if y == 0.0 || x.is_infinite() {
        return Err(domain());
    }
    let n = (x / y).round_ties_even();
    Ok(float_result(x - n * y))
}

fn ldexp(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.ldexp", kw)?;
    arity("ldexp", args, 2, 2)?;
    let x = num(it, &args[0])?;
    let e = int_arg(&args[1])?.to_i32().unwrap_or(i32::MAX);
    let r = crate::runtime::ops::ldexp(x, e.clamp(-2200, 2200));
    if r.is_infinite() && x.is_finite() {
        return Err(range_err());
    }
    Ok(float_result(r))
}

/// glibc's `cbrt` (a polynomial guess and one Halley step), which CPython's `math.cbrt`
/// calls; its results are not always correctly rounded, and aio gives the same ones.
fn glibc_cbrt(x: f64) -> f64 {
    const CBRT2: f64 = 1.259_921_049_894_873_2;
    const SQR_CBRT2: f64 = 1.587_401_051_968_199_6;
    const FACTOR: [f64; 5] = [1.0 / SQR_CBRT2, 1.0 / CBRT2, 1.0, CBRT2, SQR_CBRT2];
    if x == 0.0 || !x.is_finite() {
        return x + x;
    }
    let (xm, xe) = crate::runtime::ops::frexp(x.abs());
    let u = 0.354_895_765_043_919_84
        + ((1.508_191_937_815_849
            + ((-2.114_994_941_673_713
                + ((2.446_931_225_635_344_4
                    + ((-1.834_692_774_836_130_8
                        + (0.784_932_344_976_639_2 - 0.145_263_899_385_486_37 * xm) * xm)
                        * xm))
                    * xm))
                * xm))
            * xm);
    let t2 = u * u * u;
    let ym = u * (t2 + 2.0 * xm) / (2.0 * t2 + xm) * FACTOR[(2 + xe % 3) as usize];
    crate::runtime::ops::ldexp(if x > 0.0 { ym } else { -ym }, xe / 3)
}

fn frexp(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.frexp", kw)?;
    arity("math.frexp", args, 1, 1)?;
    let x = num(it, &args[0])?;
    if x == 0.0 || !x.is_finite() {
        return Ok(Value::tuple(vec![float_result(x), Value::Int(0)]));
    }
    let (m, e) = crate::runtime::ops::frexp(x);
    Ok(Value::tuple(vec![float_result(m), Value::Int(e as i64)]))
}

fn modf(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.modf", kw)?;
    arity("math.modf", args, 1, 1)?;
    let x = num(it, &args[0])?;
    if x.is_infinite() {
        return Ok(Value::tuple(vec![
            float_result(0.0f64.copysign(x)),
            float_result(x),
        ]));
    }
    // The fraction keeps the sign of `x`, as C's modf (`modf(-0.0)` is `(-0.0, -0.0)`).
    Ok(Value::tuple(vec![
        float_result(x.fract().copysign(x)),
        float_result(x.trunc()),
    ]))
}

/// The Euclidean norm, scaled by the largest component and summed accurately.
fn norm(xs: &[f64]) -> f64 {
    let max = xs.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if max == 0.0 || max.is_infinite() || xs.iter().any(|x| x.is_nan()) {
        return if xs.iter().any(|x| x.is_infinite()) {
            f64::INFINITY
        } else if xs.iter().any(|x| x.is_nan()) {
            f64::NAN
        } else {
            0.0
        };
    }
    let (mut sum, mut comp) = (0.0f64, 0.0f64);
    for x in xs {
        let t = (x / max) * (x / max) - comp;
        let s2 = sum + t;
        comp = (s2 - sum) - t;
        sum = s2;
    }
    max * sum.sqrt()
}

fn hypot(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.hypot", kw)?;
    let mut xs = Vec::with_capacity(args.len());
    for a in args {
        xs.push(num(it, a)?);
    }
    Ok(float_result(norm(&xs)))
}

fn dist(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.dist", kw)?;
    arity("dist", args, 2, 2)?;
    let p = it.iterate(&args[0])?;
    let q = it.iterate(&args[1])?;
    if p.len() != q.len() {
        return Err(value_error(
            "both points must have the same number of dimensions",
        ));
    }
    let mut xs = Vec::with_capacity(p.len());
    for (a, b) in p.iter().zip(&q) {
        xs.push(num(it, a)? - num(it, b)?);
    }
    Ok(float_result(norm(&xs)))
}

/// `math.floor` / `ceil` / `trunc`: an int as it is, an object's `__floor__` / `__ceil__` /
/// `__trunc__` if it has one, else (for floor and ceil) the float it converts to.
fn to_int_value(it: &mut Interp, v: &Value, name: &str, f: fn(f64) -> f64) -> PyResult<Value> {
    if let Some(b) = to_big(v) {
        return Ok(big(b));
    }
    if let Some(r) = it.call_special(v, &format!("__{name}__"), vec![]) {
        return r;
    }
    if name == "trunc" && !matches!(v, Value::Float(_)) {
        return Err(type_error(format!(
            "type {} doesn't define __trunc__ method",
            ops::type_name(v)
        )));
    }
    let x = num(it, v)?;
    if x.is_nan() {
        return Err(value_error("cannot convert float NaN to integer"));
    }
    if x.is_infinite() {
        return Err(err(
            "OverflowError",
            "cannot convert float infinity to integer",
        ));
    }
    let r = f(x);
    Ok(if r.abs() < 9.0e18 {
        Value::Int(r as i64)
    } else {
        big(BigInt::parse_bytes(format!("{r:.0}").as_bytes(), 10).unwrap_or_default())
    })
}

fn floor(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.floor", kw)?;
    arity("math.floor", args, 1, 1)?;
    to_int_value(it, &args[0], "floor", f64::floor)
}

fn ceil(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.ceil", kw)?;
    arity("math.ceil", args, 1, 1)?;
    to_int_value(it, &args[0], "ceil", f64::ceil)
}

fn trunc(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.trunc", kw)?;
    arity("math.trunc", args, 1, 1)?;
    to_int_value(it, &args[0], "trunc", f64::trunc)
}

fn factorial(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.factorial", kw)?;
    arity("math.factorial", args, 1, 1)?;
    if let Value::Float(_) = args[0] {
        return Err(type_error(
            "'float' object cannot be interpreted as an integer",
        ));
    }
    let n = int_arg(&args[0])?;
    if n.is_negative() {
        return Err(value_error("factorial() not defined for negative values"));
    }
    let n = n.to_u64().ok_or_else(|| {
        err(
            "OverflowError",
            "factorial() argument should not exceed 9223372036854775807",
        )
    })?;
    let mut acc = BigInt::one();
    for k in 2..=n {
        acc *= k;
    }
    Ok(big(acc))
}

fn gcd(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.gcd", kw)?;
    let mut acc = BigInt::zero();
    for a in args {
        acc = acc.gcd(&int_arg(a)?);
    }
    Ok(big(acc))
}

fn lcm(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.lcm", kw)?;
    let mut acc = BigInt::one();
    for a in args {
        let b = int_arg(a)?;
        if b.is_zero() {
            return Ok(Value::Int(0));
        }
        acc = acc.lcm(&b);
    }
    Ok(big(acc.abs()))
}

fn isqrt(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.isqrt", kw)?;
    arity("math.isqrt", args, 1, 1)?;
    let n = int_arg(&args[0])?;
    if n.is_negative() {
        return Err(value_error("isqrt() argument must be nonnegative"));
    }
    Ok(big(n.sqrt()))
}

fn comb_perm(args: &[Value], name: &str, comb: bool) -> PyResult<Value> {
    arity(name, args, if comb { 2 } else { 1 }, 2)?;
    let n = int_arg(&args[0])?;
    let k = match args.get(1) {
        Some(Value::None) | None => n.clone(),
        Some(v) => int_arg(v)?,
    };
    if n.is_negative() {
        return Err(value_error("n must be a non-negative integer"));
    }
    if k.is_negative() {
        return Err(value_error("k must be a non-negative integer"));
    }
    if k > n {
        return Ok(Value::Int(0));
    }
    let k = k.to_u64().unwrap_or(0);
    let k = if comb {
        k.min((&n - BigInt::from(k)).to_u64().unwrap_or(k))
    } else {
        k
    };
    let mut acc = BigInt::one();
    for i in 0..k {
        acc *= &n - BigInt::from(i);
        if comb {
            acc /= BigInt::from(i + 1);
        }
    }
    Ok(big(acc))
}

fn comb(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.comb", kw)?;
    comb_perm(args, "comb", true)
}

fn perm(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.perm", kw)?;
    comb_perm(args, "perm", false)
}

fn isclose(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    // isclose(a, b, *, rel_tol, abs_tol) is an argument-clinic function.
    let given = args.len() + kw.len();
    if given > 4 {
        return Err(type_error(format!(
            "isclose() takes at most 4 arguments ({given} given)"
        )));
    }
    if args.len() > 2 {
        return Err(type_error(format!(
            "isclose() takes exactly 2 positional arguments ({} given)",
            args.len()
        )));
    }
    if let Some(name) = ["a", "b"].get(args.len()) {
        return Err(type_error(format!(
            "isclose() missing required argument '{name}' (pos {})",
            args.len() + 1
        )));
    }
    crate::runtime::builtins::keywords_among("isclose", kw, &["rel_tol", "abs_tol"])?;
    let (a, b) = (num(it, &args[0])?, num(it, &args[1])?);
    let rel = match crate::runtime::builtins::kwarg(kw, "rel_tol") {
        Some(v) => num(it, &v)?,
        None => 1e-9,
    };
    let abs_tol = match crate::runtime::builtins::kwarg(kw, "abs_tol") {
        Some(v) => num(it, &v)?,
        None => 0.0,
    };
    if rel < 0.0 || abs_tol < 0.0 {
        return Err(value_error("tolerances must be non-negative"));
    }
    if a == b {
        return Ok(Value::Bool(B64::TRUE));
    }
    if a.is_infinite() || b.is_infinite() {
        return Ok(Value::Bool(B64::FALSE));
    }
    let d = (a - b).abs();
    Ok(Value::Bool(B64::new(
        d <= (rel * b).abs() || d <= (rel * a).abs() || d <= abs_tol,
    )))
}

fn isfinite(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.isfinite", kw)?;
    arity("math.isfinite", args, 1, 1)?;
    Ok(Value::Bool(B64::new(num(it, &args[0])?.is_finite())))
}

fn isinf(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.isinf", kw)?;
    arity("math.isinf", args, 1, 1)?;
    Ok(Value::Bool(B64::new(num(it, &args[0])?.is_infinite())))
}

fn isnan(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.isnan", kw)?;
    arity("math.isnan", args, 1, 1)?;
    Ok(Value::Bool(B64::new(num(it, &args[0])?.is_nan())))
}

fn fsum(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("math.fsum", kw)?;
    arity("math.fsum", args, 1, 1)?;
    // Shewchuk's exact partial sums, as CPython's fsum.
    let mut partials: Vec<f64> = Vec::new();
    // Infinities and NaNs are summed apart, as CPython's `special_sum` / `inf_sum`.
    let (mut special, mut infs) = (0.0f64, 0.0f64);
    for v in it.iterate(&args[0])? {
        let mut x = num(it, &v)?;
        let xsave = x;
        let mut i = 0;
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[i] = lo;
                i += 1;
            }
            x = hi;
        }
        partials.truncate(i);
        if !x.is_finite() {
            if xsave.is_finite() {
                return Err(err("OverflowError", "intermediate overflow in fsum"));
            }
            if xsave.is_infinite() {
                infs += xsave;
            }
            special += xsave;
            partials.clear();
        } else if x != 0.0 {
            // As CPython, a zero sum is not kept, so an all-zero input sums to 0.0.
            partials.push(x);
        }
    }
    if special != 0.0 {
        if infs.is_nan() {
            return Err(value_error("-inf + inf in fsum"));
        }
        return Ok(float_result(special));
    }
    let mut hi = 0.0;
    if let Some(mut n) = partials.len().checked_sub(1) {
        hi = partials[n];
        let mut lo = 0.0;
        while n > 0 {
            n -= 1;
            let x = hi;
            let y = partials[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        if n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
    }
    Ok(float_result(hi))
}

fn prod(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    if args.len() != 1 {
        return Err(type_error(if args.len() + kw.len() > 2 {
            format!(
                "prod() takes at most 2 arguments ({} given)",
                args.len() + kw.len()
            )
        } else {
            format!(
                "prod() takes exactly 1 positional argument ({} given)",
                args.len()
            )
        }));
    }
    crate::runtime::builtins::keywords_among("prod", kw, &["start"])?;
    let mut acc = crate::runtime::builtins::kwarg(kw, "start").unwrap_or(Value::Int(1));
    for v in it.iterate(&args[0])? {
        acc = it.binary_op(crate::syntax::ast::BinOp::Mul, &acc, &v)?;
    }
    Ok(acc)
}

/// Builds the `math` module.
pub fn build(_: &mut Interp) -> PyResult<Rc<Module>> {
    let m = Module::new("math");
    m.set("__name__", Value::str("math"));
    add_fns(
        &m,
        &[
            ("sqrt", sqrt),
            ("exp", exp),
            ("expm1", expm1),
            ("sin", sin),
            ("cos", cos),
            ("tan", tan),
            ("asin", asin),
            ("acos", acos),
            ("atan", atan),
            ("sinh", sinh),
            ("cosh", cosh),
            ("tanh", tanh),
            ("asinh", asinh),
            ("acosh", acosh),
            ("atanh", atanh),
            ("fabs", fabs),
            ("degrees", degrees),
            ("radians", radians),
            ("cbrt", cbrt),
            ("exp2", exp2),
            ("nextafter", nextafter),
            ("ulp", ulp),
            ("log", log),
            ("log2", log2),
            ("log10", log10),
            ("log1p", log1p),
            ("pow", pow),
            ("atan2", atan2),
            ("copysign", copysign),
            ("fmod", fmod),
            ("remainder", remainder),
            ("ldexp", ldexp),
            ("frexp", frexp),
            ("modf", modf),
            ("hypot", hypot),
            ("dist", dist),
            ("floor", floor),
            ("ceil", ceil),
            ("trunc", trunc),
            ("factorial", factorial),
            ("gcd", gcd),
            ("lcm", lcm),
            ("isqrt", isqrt),
            ("comb", comb),
            ("perm", perm),
            ("isclose", isclose),
            ("isfinite", isfinite),
            ("isinf", isinf),
            ("isnan", isnan),
            ("fsum", fsum),
            ("prod", prod),
            ("gamma", gamma),
            ("lgamma", lgamma),
            ("erf", erf),
            ("erfc", erfc),
        ],
    );
    m.set("pi", Value::Float(F64::new(std::f64::consts::PI)));
    m.set("e", Value::Float(F64::new(std::f64::consts::E)));
    m.set("tau", Value::Float(F64::new(std::f64::consts::TAU)));
    m.set("inf", Value::Float(F64::new(f64::INFINITY)));
    m.set("nan", Value::Float(F64::new(f64::NAN)));
    Ok(m)
}
