//! The builtin classes called as constructors: `int(x)`, `str(x)`, `dict(...)`, `set(...)`,
//! `type(...)`, `range(...)`, `slice(...)`, and the `staticmethod` / `classmethod` / `property`
//! wrappers.

use super::builtins::{
    arity, builtin_super, float_to_int, index_arg, keywords_among, kwarg, no_kwargs, to_i64,
};
use super::dict::{Dict, DictKey};
use super::exceptions::{err, type_error, value_error};
use super::ops::{self, big, big_to_f64};
use super::set_methods;
use super::types::types;
use super::value::{BuiltinType, Class, Kwargs, NativeFn, PyResult, RangeObj, Value};
use crate::interp::Interp;
use crate::runtime::value::{B64, F64};
use num_bigint::BigInt;
use num_traits::ToPrimitive;
use std::cell::RefCell;
use std::rc::Rc;

/// An instance of a descriptor class (`staticmethod`, `classmethod`, `property`) wrapping `f`.
pub(crate) fn wrapper(cls: &Rc<Class>, f: Value) -> Value {
    let inst = Rc::new(super::value::Instance {
        class: cls.clone(),
        attrs: RefCell::new(Default::default()),
        exc: None,
        base_value: RefCell::new(Some(f)),
    });
    super::gc::track(&inst);
    Value::Instance(inst)
}

fn ctor_staticmethod(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("staticmethod", args, 1, 1)?;
    Ok(wrapper(&types().staticmethod, args[0].clone()))
}

fn ctor_classmethod(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("classmethod", args, 1, 1)?;
    Ok(wrapper(&types().classmethod, args[0].clone()))
}

fn ctor_property(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    arity("property", args, 0, 4)?;
    let fget = args
        .first()
        .cloned()
        .or_else(|| kwarg(kw, "fget"))
        .unwrap_or(Value::None);
    let doc = match args.get(3).cloned().or_else(|| kwarg(kw, "doc")) {
        Some(d) => d,
        None if fget.is_none() => Value::None,
        None => it.getattr(&fget, "__doc__").unwrap_or(Value::None),
    };
    let p = wrapper(&types().property, Value::None);
    if let Value::Instance(i) = &p {
        let mut d = i.attrs.borrow_mut();
        d.set(
            Rc::from("fget"),
            args.first()
                .cloned()
                .or_else(|| kwarg(kw, "fget"))
                .unwrap_or(Value::None),
        );
        d.set(
            Rc::from("fset"),
            args.get(1)
                .cloned()
                .or_else(|| kwarg(kw, "fset"))
                .unwrap_or(Value::None),
        );
        d.set(
            Rc::from("fdel"),
            args.get(2)
                .cloned()
                .or_else(|| kwarg(kw, "fdel"))
                .unwrap_or(Value::None),
        );
        d.set(Rc::from("__doc__"), doc);
    }
    Ok(p)
}

/// A copy of property `old` with one of its accessors replaced (`@x.setter`, `@x.deleter`,
/// `@x.getter`).
fn property_with(args: &[Value], name: &str, slot: &str) -> PyResult<Value> {
    arity(name, args, 2, 2)?;
    let Value::Instance(old) = &args[0] else {
        return Err(type_error(format!("{name} needs a property")));
    };
    let p = wrapper(&types().property, Value::None);
    if let Value::Instance(i) = &p {
        let mut d = i.attrs.borrow_mut();
        for key in ["fget", "fset", "fdel", "__doc__"] {
            let v = if key == slot {
                args[1].clone()
            } else {
                old.attrs.borrow().get(key).unwrap_or(Value::None)
            };
            d.set(Rc::from(key), v);
        }
    }
    Ok(p)
}

/// `prop.setter(f)`.
pub(crate) fn property_setter(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    property_with(args, "setter", "fset")
}

/// `prop.deleter(f)`.
pub(crate) fn property_deleter(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    property_with(args, "deleter", "fdel")
}

/// `prop.getter(f)`.
pub(crate) fn property_getter(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    property_with(args, "getter", "fget")
}

fn ctor_int(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    // int() is an argument-clinic function: its own wording for bad keywords and counts.
    if let Some((k, _)) = kw.iter().find(|(k, _)| &**k != "base") {
        return Err(type_error(format!(
            "'{k}' is an invalid keyword argument for int()"
        )));
    }
    if args.len() + kw.len() > 2 {
        return Err(type_error(format!(
            "int() takes at most 2 arguments ({} given)",
            args.len() + kw.len()
        )));
    }
    let base = args.get(1).cloned().or_else(|| kwarg(kw, "base"));
    let Some(v) = args.first() else {
        return Ok(Value::Int(0));
    };
    if let Some(b) = base {
        let b = to_i64(&b, "")?;
        if b != 0 && !(2..=36).contains(&b) {
            return Err(value_error("int() base must be >= 2 and <= 36, or 0"));
        }
        let Value::Str(s) = v else {
            return Err(type_error(
                "int() can't convert non-string with explicit base",
            ));
        };
        return parse_int(s, b);
    }
    match v {
        Value::Int(_) | Value::BigInt(_) => Ok(v.clone()),
        Value::Bool(b) => Ok(Value::Int(b.get() as i64)),
        Value::Float(f) => {
            if f.is_nan() {
                Err(value_error("cannot convert float NaN to integer"))
            } else if f.is_infinite() {
                Err(err(
                    "OverflowError",
                    "cannot convert float infinity to integer",
                ))
            } else {
                Ok(float_to_int(f.trunc()))
            }
        }
        Value::Str(s) => parse_int(s, 10),
        other => {
            for m in ["__int__", "__index__", "__trunc__"] {
                if let Some(r) = it.call_special(other, m, vec![]) {
                    return r;
                }
            }
            Err(type_error(format!(
                "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                ops::type_name(other)
            )))
        }
    }
}

/// The code points of the digit zero in each run of Unicode decimal digits (category Nd, as
/// in CPython 3.11's Unicode 14.0 tables): each run holds the digits 0 to 9 in order.
const DECIMAL_ZEROS: &[u32] = &[
    0x00030, 0x00660, 0x006F0, 0x007C0, 0x00966, 0x009E6, 0x00A66, 0x00AE6, 0x00B66, 0x00BE6,
    0x00C66, 0x00CE6, 0x00D66, 0x00DE6, 0x00E50, 0x00ED0, 0x00F20, 0x01040, 0x01090, 0x017E0,
    0x01810, 0x01946, 0x019D0, 0x01A80, 0x01A90, 0x01B50, 0x01BB0, 0x01C40, 0x01C50, 0x0A620,
    0x0A8D0, 0x0A900, 0x0A9D0, 0x0A9F0, 0x0AA50, 0x0ABF0, 0x0FF10, 0x104A0, 0x10D30, 0x11066,
    0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0,
    0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2,
    0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The value of a Unicode decimal digit (`'١'` is 1, `'１'` is 1).
fn decimal_value(c: char) -> Option<u32> {
    let cp = c as u32;
    let i = DECIMAL_ZEROS.partition_point(|&z| z <= cp).checked_sub(1)?;
    let d = cp - DECIMAL_ZEROS[i];
    (d < 10).then_some(d)
}

/// The text `int()` and `float()` parse: as CPython's
/// `_PyUnicode_TransformDecimalAndSpaceToASCII`, non-ASCII whitespace becomes a space and
/// non-ASCII decimal digits their ASCII digit (any other non-ASCII character stays invalid).
fn ascii_number_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.is_ascii() {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| match c {
            c if c.is_ascii() => c,
            c if c.is_whitespace() => ' ',
            c => decimal_value(c)
                .and_then(|d| char::from_digit(d, 10))
                .unwrap_or('?'),
        })
        .collect()
}

/// `int(s, base)` with CPython's accepted syntax and error message.
pub fn parse_int(s: &str, base: i64) -> PyResult<Value> {
    let bad = || {
        value_error(format!(
            "invalid literal for int() with base {base}: {}",
            super::repr::str_repr(s)
        ))
    };
    if base != 0 && !(2..=36).contains(&base) {
        return Err(value_error("int() base must be >= 2 and <= 36, or 0"));
    }
    let text = ascii_number_text(s);
    let t = text.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let lower = body.to_ascii_lowercase();
    let (mut base, mut digits) = (base as u32, lower.as_str());
    for (p, b) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = lower.strip_prefix(p) {
            if base == 0 || base == b {
                base = b;
                digits = rest;
                digits = digits.strip_prefix('_').unwrap_or(digits);
            }
            break;
        }
    }
    if base == 0 {
        if digits.len() > 1
            && digits.starts_with('0')
            && digits
                .trim_start_matches(['0', '_'])
                .chars()
                .next()
                .is_some()
        {
            return Err(bad());
        }
        base = 10;
    }
    if digits.is_empty()
        || digits.starts_with(['_', '+', '-'])
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return Err(bad());
    }
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.len() > super::repr::INT_MAX_STR_DIGITS && base == 10 {
        return Err(value_error(format!(
            "Exceeds the limit ({} digits) for integer string conversion: value has {} digits; use sys.set_int_max_str_digits() to increase the limit",
            super::repr::INT_MAX_STR_DIGITS,
            clean.len()
        )));
    }
    let v = BigInt::parse_bytes(clean.as_bytes(), base).ok_or_else(bad)?;
    Ok(big(if neg { -v } else { v }))
}

fn ctor_float(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("float", kw)?;
    arity("float", args, 0, 1)?;
    let Some(v) = args.first() else {
        return Ok(Value::Float(0.0.into()));
    };
    match v {
        Value::Float(_) => Ok(v.clone()),
        Value::Int(i) => Ok(Value::Float(F64::new(*i as f64))),
        Value::Bool(b) => Ok(Value::Float(F64::new(b.get() as i64 as f64))),
        Value::BigInt(b) => Ok(Value::Float(F64::new(big_to_f64(b)?))),
        Value::Str(s) => parse_float(s).map(|f| Value::Float(f.into())),
        other => {
            if let Some(r) = it.call_special(other, "__float__", vec![]) {
                return r;
            }
            Err(type_error(format!(
                "float() argument must be a string or a real number, not '{}'",
                ops::type_name(other)
            )))
        }
    }
}

/// `float(s)`.
pub fn parse_float(s: &str) -> PyResult<f64> {
    let text = ascii_number_text(s);
    let t = text.trim();
    let bad = || {
        value_error(format!(
            "could not convert string to float: {}",
            super::repr::str_repr(s)
        ))
    };
    let lower = t.to_ascii_lowercase();
    let (sign, body) = match lower.strip_prefix('-') {
        Some(r) => (-1.0, r),
        None => (1.0, lower.strip_prefix('+').unwrap_or(&lower)),
    };
    match body {
        "inf" | "infinity" => return Ok(sign * f64::INFINITY),
        "nan" => return Ok(ops::new_nan(sign < 0.0)),
        _ => {}
    }
    // An underscore may only stand between two digits.
    let b = body.as_bytes();
    let lone_underscore = b.iter().enumerate().any(|(i, &c)| {
        c == b'_'
            && !(i > 0 && b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
    });
    if body.is_empty() || body.starts_with(['+', '-']) || lone_underscore {
        return Err(bad());
    }
    let clean: String = body.chars().filter(|&c| c != '_').collect();
    if !clean
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-'))
    {
        return Err(bad());
    }
    clean.parse::<f64>().map(|f| sign * f).map_err(|_| bad())
}

fn ctor_str(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    keywords_among("str", kw, &["object", "encoding", "errors"])?;
    if args.len() + kw.len() > 3 {
        return Err(type_error(format!(
            "str() takes at most 3 arguments ({} given)",
            args.len() + kw.len()
        )));
    }
    let object = args.first().cloned().or_else(|| kwarg(kw, "object"));
    // `str(object, encoding, errors)` decodes bytes, which aio lacks: every object is refused
    // with CPython's own message.
    let mut decoding = false;
    for (i, name) in [(1, "encoding"), (2, "errors")] {
        if let Some(v) = args.get(i).cloned().or_else(|| kwarg(kw, name)) {
            if !matches!(v, Value::Str(_)) {
                return Err(type_error(format!(
                    "str() argument '{name}' must be str, not {}",
                    ops::type_name(&v)
                )));
            }
            decoding = true;
        }
    }
    match object {
        None => Ok(Value::str("")),
        Some(Value::Str(_)) if decoding => Err(type_error("decoding str is not supported")),
        Some(v) if decoding => Err(type_error(format!(
            "decoding to str: need a bytes-like object, {} found",
            ops::type_name(&v)
        ))),
        Some(v) => Ok(Value::str(&it.to_str(&v)?)),
    }
}

fn ctor_bool(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("bool", kw)?;
    arity("bool", args, 0, 1)?;
    match args.first() {
        None => Ok(Value::Bool(B64::FALSE)),
        Some(v) => Ok(Value::Bool(B64::new(it.truthy(v)?))),
    }
}

fn ctor_list(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("list", kw)?;
    arity("list", args, 0, 1)?;
    match args.first() {
        None => Ok(Value::list(vec![])),
        Some(v) => Ok(Value::list(it.iterate(v)?)),
    }
}

fn ctor_tuple(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("tuple", kw)?;
    arity("tuple", args, 0, 1)?;
    match args.first() {
        None => Ok(Value::tuple(vec![])),
        Some(Value::Tuple(_)) => Ok(args[0].clone()),
        Some(v) => Ok(Value::tuple(it.iterate(v)?)),
    }
}

/// Fills `d` from a mapping or an iterable of pairs, then keywords (`dict(...)` / `update`).
pub fn dict_fill(
    it: &mut Interp,
    d: &Rc<RefCell<Dict>>,
    src: Option<&Value>,
    kw: &Kwargs,
) -> PyResult<()> {
    if let Some(src) = src {
        if matches!(src, Value::Dict(_) | Value::MappingProxy(_))
            || it.special(src, "keys").is_some()
        {
            for (k, v) in it.mapping_items(src)? {
                let k = it.key(k)?;
                it.dict_insert(d, k, v)?;
            }
        } else {
            let iter = it.get_iter(src)?;
            let mut i = 0;
            while let Some(item) = it.next_opt(&iter)? {
                let pair = it.iterate(&item).map_err(|_| {
                    type_error(format!(
                        "cannot convert dictionary update sequence element #{i} to a sequence"
                    ))
                })?;
                if pair.len() != 2 {
                    return Err(value_error(format!(
                        "dictionary update sequence element #{i} has length {}; 2 is required",
                        pair.len()
                    )));
                }
                let mut pair = pair.into_iter();
                let (k, v) = (
                    pair.next().unwrap_or_default(),
                    pair.next().unwrap_or_default(),
                );
                let k = it.key(k)?;
                it.dict_insert(d, k, v)?;
                i += 1;
            }
        }
    }
    for (k, v) in kw {
        d.borrow_mut().insert(DictKey::str(k.clone()), v.clone());
    }
    Ok(())
}

fn ctor_dict(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    arity("dict", args, 0, 1)?;
    let d = Rc::new(RefCell::new(Dict::new()));
    dict_fill(it, &d, args.first(), kw)?;
    Ok(crate::runtime::gc::tracked(Value::Dict(d)))
}

fn ctor_set(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("set", kw)?;
    arity("set", args, 0, 1)?;
    let s = set_methods::from_iterable(it, args.first())?;
    Ok(set_methods::set_value(s, false))
}

fn ctor_frozenset(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("frozenset", kw)?;
    arity("frozenset", args, 0, 1)?;
    if let Some(v @ Value::FrozenSet(_)) = args.first() {
        return Ok(v.clone());
    }
    let s = set_methods::from_iterable(it, args.first())?;
    Ok(set_methods::set_value(s, true))
}

fn ctor_type(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    match args {
        [v] => Ok(Value::Class(types().class_of(v))),
        [Value::Str(name), Value::Tuple(bases), Value::Dict(ns)] => {
            let mut bs = Vec::new();
            for b in bases.iter() {
                match b {
                    Value::Class(c) => bs.push(c.clone()),
                    _ => return Err(type_error("bases must be types")),
                }
            }
            let mut dict = crate::runtime::value::AttrMap::default();
            for (k, v) in ns.borrow().map.iter() {
                if let Value::Str(s) = &k.0 {
                    dict.insert(s.clone().into(), v.clone());
                }
            }
            let c = it.new_user_class(name.into(), name.into(), bs, dict, "__main__")?;
            Ok(Value::Class(c))
        }
        _ => Err(type_error("type() takes 1 or 3 arguments")),
    }
}

fn ctor_range(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("range", kw)?;
    let args = &args
        .iter()
        .map(|v| index_arg(it, v))
        .collect::<PyResult<Vec<_>>>()?[..];
    let get = |v: &Value| -> PyResult<i128> {
        match v {
            Value::BigInt(b) => b.to_i128().ok_or_else(|| {
                err(
                    "OverflowError",
                    "Python int too large to convert to C ssize_t",
                )
            }),
            other => to_i64(other, "").map(|i| i as i128),
        }
    };
    let (start, stop, step) = match args {
        [stop] => (0, get(stop)?, 1),
        [start, stop] => (get(start)?, get(stop)?, 1),
        [start, stop, step] => (get(start)?, get(stop)?, get(step)?),
        [] => return Err(type_error("range expected at least 1 argument, got 0")),
        _ => {
            return Err(type_error(format!(
                "range expected at most 3 arguments, got {}",
                args.len()
            )))
        }
    };
    if step == 0 {
        return Err(value_error("range() arg 3 must not be zero"));
    }
    Ok(Value::Range(Rc::new(RangeObj { start, stop, step })))
}

fn ctor_slice(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("slice", args, 1, 3)?;
    Ok(crate::runtime::gc::tracked(Value::Slice(Rc::new(
        match args {
            [b] => (Value::None, b.clone(), Value::None),
            [a, b] => (a.clone(), b.clone(), Value::None),
            _ => (args[0].clone(), args[1].clone(), args[2].clone()),
        },
    ))))
}

/// The constructor behind a builtin class, when calling it should convert or build a value.
pub fn constructor(c: &Rc<Class>) -> Option<NativeFn> {
    let t = types();
    let f: NativeFn = match c.builtin {
        BuiltinType::Int => ctor_int,
        BuiltinType::Bool => ctor_bool,
        BuiltinType::Float => ctor_float,
        BuiltinType::Str => ctor_str,
        BuiltinType::List => ctor_list,
        BuiltinType::Deque => super::deque::ctor,
        BuiltinType::Tuple => ctor_tuple,
        BuiltinType::Dict => ctor_dict,
        BuiltinType::Set => ctor_set,
        BuiltinType::FrozenSet => ctor_frozenset,
        BuiltinType::Type => ctor_type,
        BuiltinType::Range => ctor_range,
        BuiltinType::Slice => ctor_slice,
        BuiltinType::Descriptor if Rc::ptr_eq(c, &t.staticmethod) => ctor_staticmethod,
        BuiltinType::Descriptor if Rc::ptr_eq(c, &t.classmethod) => ctor_classmethod,
        BuiltinType::Descriptor if Rc::ptr_eq(c, &t.property) => ctor_property,
        BuiltinType::Descriptor if Rc::ptr_eq(c, &t.super_) => builtin_super,
        _ => return None,
    };
    Some(f)
}
