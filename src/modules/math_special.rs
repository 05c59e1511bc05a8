//! The special functions of `math`: `gamma` and `lgamma` as CPython computes them (its own
//! Lanczos approximation in `Modules/mathmodule.c`, not the platform's `tgamma` / `lgamma`,
//! so the digits agree with CPython's everywhere), and `erf` / `erfc` from the platform's libm,
//! which is what CPython 3.11 calls.

use crate::runtime::exceptions::{err, value_error};
use crate::runtime::ops::float_result;
use crate::runtime::value::{PyResult, Value};
use std::f64::consts::PI;

extern "C" {
    #[link_name = "erf"]
    fn libm_erf(x: f64) -> f64;
    #[link_name = "erfc"]
    fn libm_erfc(x: f64) -> f64;
}

/// `erf(x)` of the platform's C library.
pub fn erf(x: f64) -> f64 {
    // SAFETY: `erf` is a pure C99 libm function of one double, defined for every input.
    unsafe { libm_erf(x) }
}

/// `erfc(x)` of the platform's C library.
pub fn erfc(x: f64) -> f64 {
    // SAFETY: as `erf`.
    unsafe { libm_erfc(x) }
}

/// ln(pi), to the precision of a double.
const LOG_PI: f64 = 1.1447298858494002;

/// The Lanczos parameter g (N = 13), one of Boost's choices, and g - 0.5 (both exact in binary).
const LANCZOS_G: f64 = 6.02468004077673;
const LANCZOS_G_MINUS_HALF: f64 = 5.52468004077673;

/// Numerator coefficients of the Lanczos sum written as a rational function.
const LANCZOS_NUM: [f64; 13] = [
    23531376880.41076,
    42919803642.6491,
    35711959237.35567,
    17921034426.03721,
    6039542586.352028,
    1439720407.3117216,
    248874557.86205417,
    31426415.585400194,
    2876370.6289353725,
    186056.26539522348,
    8071.672002365816,
    210.82427775157936,
    2.5066282746310002,
];

/// Denominator coefficients: those of x(x+1)…(x+11).
const LANCZOS_DEN: [f64; 13] = [
    0.0,
    39_916_800.0,
    120_543_840.0,
    150_917_976.0,
    105_258_076.0,
    45_995_730.0,
    13_339_535.0,
    2_637_558.0,
    357_423.0,
    32_670.0,
    1_925.0,
    66.0,
    1.0,
];

/// The Lanczos sum for positive `x`: Horner in x below 5, in 1/x above (no overflow, and more
/// accurate for large x).
fn lanczos_sum(x: f64) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    if x < 5.0 {
        for i in (0..13).rev() {
            num = num * x + LANCZOS_NUM[i];
            den = den * x + LANCZOS_DEN[i];
        }
    } else {
        for i in 0..13 {
            num = num / x + LANCZOS_NUM[i];
            den = den / x + LANCZOS_DEN[i];
        }
    }
    num / den
}

/// sin(pi * x) for finite x, exact at the integers and half-integers.
fn sin_pi(x: f64) -> f64 {
    let y = x.abs() % 2.0;
    let r = match (2.0 * y).round() as i32 {
        0 => (PI * y).sin(),
        1 => (PI * (y - 0.5)).cos(),
        // Not -sin(pi * (y - 1)), which is -0.0 at y == 1.
        2 => (PI * (1.0 - y)).sin(),
        3 => -(PI * (y - 1.5)).cos(),
        _ => (PI * (y - 2.0)).sin(),
    };
    1f64.copysign(x) * r
}

/// How a special function's result went wrong, as C's `errno` tells CPython.
enum Fault {
    /// EDOM: "math domain error".
    Domain,
    /// ERANGE: "math range error" unless the result is small (an underflow).
    Range,
}

/// The result as CPython's `math_1a` turns it into a value or an exception.
fn finish(r: f64, fault: Option<Fault>) -> PyResult<Value> {
    match fault {
        Some(Fault::Domain) => Err(value_error("math domain error")),
        Some(Fault::Range) if r.abs() >= 1.5 => Err(err("OverflowError", "math range error")),
        _ => Ok(float_result(r)),
    }
}

/// Gamma at the integers 1 through 23, exactly.
fn gamma_integral(n: usize) -> f64 {
    (1..n).map(|k| k as f64).product()
}

/// `math.gamma(x)`.
pub fn gamma(x: f64) -> PyResult<Value> {
    if !x.is_finite() {
        if x.is_nan() || x > 0.0 {
            return finish(x, None);
        }
        return finish(f64::NAN, Some(Fault::Domain));
    }
    if x == 0.0 {
        return finish(f64::INFINITY.copysign(x), Some(Fault::Domain));
    }
    if x == x.floor() {
        if x < 0.0 {
            return finish(f64::NAN, Some(Fault::Domain));
        }
        if x <= 23.0 {
            return finish(gamma_integral(x as usize), None);
        }
    }
    let absx = x.abs();
    if absx < 1e-20 {
        let r = 1.0 / x;
        return finish(r, r.is_infinite().then_some(Fault::Range));
    }
    if absx > 200.0 {
        if x < 0.0 {
            return finish(0.0 / sin_pi(x), None);
        }
        return finish(f64::INFINITY, Some(Fault::Range));
    }
    let y = absx + LANCZOS_G_MINUS_HALF;
    // The rounding error of y, scaled: a correction CPython applies to the power below.
    let z = if absx > LANCZOS_G_MINUS_HALF {
        (y - absx) - LANCZOS_G_MINUS_HALF
    } else {
        (y - LANCZOS_G_MINUS_HALF) - absx
    };
    let z = z * LANCZOS_G / y;
    let mut r;
    if x < 0.0 {
        r = -PI / sin_pi(absx) / absx * y.exp() / lanczos_sum(absx);
        r -= z * r;
        if absx < 140.0 {
            r /= y.powf(absx - 0.5);
        } else {
            let half = y.powf(absx / 2.0 - 0.25);
            r /= half;
            r /= half;
        }
    } else {
        r = lanczos_sum(absx) / y.exp();
        r += z * r;
        if absx < 140.0 {
            r *= y.powf(absx - 0.5);
        } else {
            let half = y.powf(absx / 2.0 - 0.25);
            r *= half;
            r *= half;
        }
    }
    finish(r, r.is_infinite().then_some(Fault::Range))
}

/// `math.lgamma(x)`: ln |Gamma(x)|.
pub fn lgamma(x: f64) -> PyResult<Value> {
    if !x.is_finite() {
        return finish(if x.is_nan() { x } else { f64::INFINITY }, None);
    }
    if x == x.floor() && x <= 2.0 {
        if x <= 0.0 {
            return finish(f64::INFINITY, Some(Fault::Domain));
        }
        return finish(0.0, None);
    }
    let absx = x.abs();
    if absx < 1e-20 {
        return finish(-absx.ln(), None);
    }
    let mut r = lanczos_sum(absx).ln() - LANCZOS_G;
    r += (absx - 0.5) * ((absx + LANCZOS_G - 0.5).ln() - 1.0);
    if x < 0.0 {
        // The reflection formula.
        r = LOG_PI - sin_pi(absx).abs().ln() - absx.ln() - r;
    }
    finish(r, r.is_infinite().then_some(Fault::Range))
}
