//! The `random` module: CPython's Mersenne Twister (MT19937) with CPython's seeding, so a
//! program gets the same numbers for the same seed. The generator's core is native (state kept
//! as a list of 624 words and the index, the layout `getstate()` shows); the `Random` class and
//! its methods (`randrange`, `choice`, `shuffle`, `sample`, …) are written in aio in
//! `random_lib.aio`, following the algorithms of CPython's `random.py`.

use super::{add_fns, run_in_module};
use crate::interp::Interp;
use crate::runtime::builtins::arity;
use crate::runtime::exceptions::{type_error, value_error};
use crate::runtime::ops::{big, to_big};
use crate::runtime::value::F64;
use crate::runtime::value::{Kwargs, Module, PyResult, Value};
use num_bigint::{BigInt, Sign};
use std::rc::Rc;

const LIB: &str = include_str!("random_lib.aio");

/// Words of MT19937 state.
const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// The generator state: 624 words and the index of the next one to temper.
struct Mt {
    mt: [u32; N],
    index: usize,
}

impl Mt {
    /// `init_genrand`: the state from one 32-bit seed.
    fn from_u32(s: u32) -> Mt {
        let mut mt = [0u32; N];
        mt[0] = s;
        for i in 1..N {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        Mt { mt, index: N }
    }

    /// `init_by_array`: the state from a key of 32-bit words.
    fn from_key(key: &[u32]) -> Mt {
        let mut g = Mt::from_u32(19_650_218);
        let mt = &mut g.mt;
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        g
    }

    /// `genrand_uint32`: the next tempered 32-bit output.
    fn next_u32(&mut self) -> u32 {
        let mag = |y: u32| if y & 1 == 1 { MATRIX_A } else { 0 };
        if self.index >= N {
            let mt = &mut self.mt;
            for kk in 0..N - M {
                let y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
                mt[kk] = mt[kk + M] ^ (y >> 1) ^ mag(y);
            }
            for kk in N - M..N - 1 {
                let y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
                mt[kk] = mt[kk + M - N] ^ (y >> 1) ^ mag(y);
            }
            let y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
            mt[N - 1] = mt[M - 1] ^ (y >> 1) ^ mag(y);
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// The state as the list `getstate()` shows: the words, then the index.
    fn to_value(&self) -> Vec<Value> {
        let mut v: Vec<Value> = self.mt.iter().map(|w| Value::Int(*w as i64)).collect();
        v.push(Value::Int(self.index as i64));
        v
    }
}

/// Reads the state list back (`setstate` validates what it puts there).
fn load(v: &Value) -> PyResult<(Rc<std::cell::RefCell<Vec<Value>>>, Mt)> {
    let Value::List(l) = v else {
        return Err(type_error("random state must be a list"));
    };
    let items = l.borrow();
    if items.len() != N + 1 {
        return Err(value_error("state vector is the wrong size"));
    }
    let mut mt = [0u32; N];
    for (w, x) in mt.iter_mut().zip(items.iter()) {
        *w = match x {
            Value::Int(i) if (0..=u32::MAX as i64).contains(i) => *i as u32,
            _ => return Err(value_error("state vector item out of range")),
        };
    }
    let index = match items[N] {
        Value::Int(i) if (0..=N as i64).contains(&i) => i as usize,
        _ => return Err(value_error("invalid state")),
    };
    drop(items);
    Ok((l.clone(), Mt { mt, index }))
}

fn store(l: &Rc<std::cell::RefCell<Vec<Value>>>, g: &Mt) {
    *l.borrow_mut() = g.to_value();
}

/// `_mt_seed(state, n)`: CPython's `random_seed` for an int `n` (its absolute value split
/// into 32-bit words, least significant first).
fn mt_seed(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("_mt_seed", args, 2, 2)?;
    let n = to_big(&args[1]).ok_or_else(|| type_error("seed must be an int"))?;
    let mut key = n.magnitude().to_u32_digits();
    if key.is_empty() {
        key.push(0);
    }
    let g = Mt::from_key(&key);
    let Value::List(l) = &args[0] else {
        return Err(type_error("random state must be a list"));
    };
    store(l, &g);
    Ok(Value::None)
}

/// `_mt_random(state)`: a float in [0, 1) from 53 random bits (two outputs), as CPython's
/// `random_random`.
fn mt_random(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("_mt_random", args, 1, 1)?;
    let (l, mut g) = load(&args[0])?;
    let a = (g.next_u32() >> 5) as f64;
    let b = (g.next_u32() >> 6) as f64;
    store(&l, &g);
    Ok(Value::Float(F64::new(
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0),
    )))
}

/// `_mt_getrandbits(state, k)`: an int of `k` random bits, as CPython's
/// `random_getrandbits` (32-bit outputs filled least significant word first).
fn mt_getrandbits(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("_mt_getrandbits", args, 2, 2)?;
    let k = match &args[1] {
        Value::Int(k) => *k,
        Value::Bool(b) => b.get() as i64,
        other => {
            return Err(type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                crate::runtime::ops::type_name(other)
            )))
        }
    };
    if k < 0 {
        return Err(value_error("number of bits must be non-negative"));
    }
    let (l, mut g) = load(&args[0])?;
    let r = if k == 0 {
        Value::Int(0)
    } else if k <= 32 {
        Value::Int((g.next_u32() >> (32 - k)) as i64)
    } else {
        let mut words = Vec::new();
        let mut left = k;
        while left > 0 {
            let mut w = g.next_u32();
            if left < 32 {
                w >>= 32 - left;
            }
            words.push(w);
            left -= 32;
        }
        big(BigInt::from_slice(Sign::Plus, &words))
    };
    store(&l, &g);
    Ok(r)
}

/// `_str_seed(s)`: the int CPython's `seed` (version 2) makes of a str: its UTF-8 bytes
/// followed by their SHA-512 digest, read as a big-endian number.
fn str_seed(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("_str_seed", args, 1, 1)?;
    let Value::Str(s) = &args[0] else {
        return Err(type_error("_str_seed expects a str"));
    };
    let mut bytes = s.as_bytes().to_vec();
    bytes.extend_from_slice(&sha512(s.as_bytes()));
    Ok(big(BigInt::from_bytes_be(Sign::Plus, &bytes)))
}

/// `_new_state()`: a fresh state list, seeded from the clock and the process id (CPython uses
/// the OS's entropy; only unseeded programs see these numbers).
fn new_state(_: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let key = [
        nanos as u32,
        (nanos >> 32) as u32,
        std::process::id(),
        (nanos >> 64) as u32,
    ];
    Ok(Value::list(Mt::from_key(&key).to_value()))
}

/// SHA-512 (FIPS 180-4) of `data`.
fn sha512(data: &[u8]) -> [u8; 64] {
    const K: [u64; 80] = [
        0x428a2f98d728ae22,
        0x7137449123ef65cd,
        0xb5c0fbcfec4d3b2f,
        0xe9b5dba58189dbbc,
        0x3956c25bf348b538,
        0x59f111f1b605d019,
        0x923f82a4af194f9b,
        0xab1c5ed5da6d8118,
        0xd807aa98a3030242,
        0x12835b0145706fbe,
        0x243185be4ee4b28c,
        0x550c7dc3d5ffb4e2,
        0x72be5d74f27b896f,
        0x80deb1fe3b1696b1,
        0x9bdc06a725c71235,
        0xc19bf174cf692694,
        0xe49b69c19ef14ad2,
        0xefbe4786384f25e3,
        0x0fc19dc68b8cd5b5,
        0x240ca1cc77ac9c65,
        0x2de92c6f592b0275,
        0x4a7484aa6ea6e483,
        0x5cb0a9dcbd41fbd4,
        0x76f988da831153b5,
        0x983e5152ee66dfab,
        0xa831c66d2db43210,
        0xb00327c898fb213f,
        0xbf597fc7beef0ee4,
        0xc6e00bf33da88fc2,
        0xd5a79147930aa725,
        0x06ca6351e003826f,
        0x142929670a0e6e70,
        0x27b70a8546d22ffc,
        0x2e1b21385c26c926,
        0x4d2c6dfc5ac42aed,
        0x53380d139d95b3df,
        0x650a73548baf63de,
        0x766a0abb3c77b2a8,
        0x81c2c92e47edaee6,
        0x92722c851482353b,
        0xa2bfe8a14cf10364,
        0xa81a664bbc423001,
        0xc24b8b70d0f89791,
        0xc76c51a30654be30,
        0xd192e819d6ef5218,
        0xd69906245565a910,
        0xf40e35855771202a,
        0x106aa07032bbd1b8,
        0x19a4c116b8d2d0c8,
        0x1e376c085141ab53,
        0x2748774cdf8eeb99,
        0x34b0bcb5e19b48a8,
        0x391c0cb3c5c95a63,
        0x4ed8aa4ae3418acb,
        0x5b9cca4f7763e373,
        0x682e6ff3d6b2b8a3,
        0x748f82ee5defb2fc,
        0x78a5636f43172f60,
        0x84c87814a1f0ab72,
        0x8cc702081a6439ec,
        0x90befffa23631e28,
        0xa4506cebde82bde9,
        0xbef9a3f7b2c67915,
        0xc67178f2e372532b,
        0xca273eceea26619c,
        0xd186b8c721c0c207,
        0xeada7dd6cde0eb1e,
        0xf57d4f7fee6ed178,
        0x06f067aa72176fba,
        0x0a637dc5a2c898a6,
        0x113f9804bef90dae,
        0x1b710b35131c471b,
        0x28db77f523047d84,
        0x32caab7b40c72493,
        0x3c9ebe0a15c9bebc,
        0x431d67c49c100d4c,
        0x4cc5d4becb3e42b6,
        0x597f299cfc657e2a,
        0x5fcb6fab3ad6faec,
        0x6c44198c4a475817,
    ];
    let mut h: [u64; 8] = [
        0x6a09e667f3bcc908,
        0xbb67ae8584caa73b,
        0x3c6ef372fe94f82b,
        0xa54ff53a5f1d36f1,
        0x510e527fade682d1,
        0x9b05688c2b3e6c1f,
        0x1f83d9abfb41bd6b,
        0x5be0cd19137e2179,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 128 != 112 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u128) * 8).to_be_bytes());
    for block in msg.chunks(128) {
        let mut w = [0u64; 80];
        for (t, chunk) in block.chunks(8).enumerate() {
            let mut b = [0u8; 8];
            b.copy_from_slice(chunk);
            w[t] = u64::from_be_bytes(b);
        }
        for t in 16..80 {
            let s0 = w[t - 15].rotate_right(1) ^ w[t - 15].rotate_right(8) ^ (w[t - 15] >> 7);
            let s1 = w[t - 2].rotate_right(19) ^ w[t - 2].rotate_right(61) ^ (w[t - 2] >> 6);
            w[t] = w[t - 16]
                .wrapping_add(s0)
                .wrapping_add(w[t - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for t in 0..80 {
            let s1 = e.rotate_right(14) ^ e.rotate_right(18) ^ e.rotate_right(41);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[t])
                .wrapping_add(w[t]);
            let s0 = a.rotate_right(28) ^ a.rotate_right(34) ^ a.rotate_right(39);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 64];
    for (i, x) in h.iter().enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&x.to_be_bytes());
    }
    out
}

/// Builds the `random` module.
pub fn build(it: &mut Interp) -> PyResult<Rc<Module>> {
    let m = Module::new("random");
    m.set("__name__", Value::str("random"));
    add_fns(
        &m,
        &[
            ("_new_state", new_state),
            ("_mt_seed", mt_seed),
            ("_mt_random", mt_random),
            ("_mt_getrandbits", mt_getrandbits),
            ("_str_seed", str_seed),
        ],
    );
    let math = it.import("math")?;
    m.set("_math", math);
    run_in_module(it, &m, "<aio random>", LIB)?;
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha512_of_abc() {
        let d = sha512(b"abc");
        assert_eq!(d[0], 0xdd);
        assert_eq!(d[63], 0x9f);
    }

    #[test]
    fn first_output_of_seed_5489() {
        // The reference implementation's first output for init_genrand(5489).
        assert_eq!(Mt::from_u32(5489).next_u32(), 3_499_211_612);
    }
}
