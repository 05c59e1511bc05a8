//! The builtins namespace: builtin functions, the builtin classes as constructors, and the
//! exception classes.

use super::dict::{Dict, DictKey};
use super::exceptions::{err, new_exception, type_error, value_error};
use super::ops::{self, big, big_to_f64, to_big};
use super::types::types;
use super::value::{
    BuiltinFn, BuiltinType, Class, Exc, Kwargs, Module, NativeFn, NativeIter, PyResult, RangeObj,
    Value,
};
use crate::interp::Interp;
use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// A builtin function value.
pub fn native(name: &'static str, func: NativeFn) -> Value {
    Value::Builtin(Rc::new(BuiltinFn {
        name,
        func,
        bound: None,
    }))
}

/// Checks the number of positional arguments, with CPython's wording.
pub fn arity(name: &str, args: &[Value], min: usize, max: usize) -> PyResult<()> {
    let n = args.len();
    if n >= min && n <= max {
        return Ok(());
    }
    Err(type_error(if min == max && min == 1 {
        format!("{name}() takes exactly one argument ({n} given)")
    } else if min == max && min == 0 {
        format!("{name}() takes no arguments ({n} given)")
    } else if n < min {
        format!(
            "{name} expected at least {min} argument{}, got {n}",
            if min == 1 { "" } else { "s" }
        )
    } else {
        format!(
            "{name} expected at most {max} argument{}, got {n}",
            if max == 1 { "" } else { "s" }
        )
    }))
}

/// Rejects keyword arguments for functions that take none.
pub fn no_kwargs(name: &str, kw: &Kwargs) -> PyResult<()> {
    if kw.is_empty() {
        Ok(())
    } else {
        Err(type_error(format!("{name}() takes no keyword arguments")))
    }
}

/// Takes keyword `name` out of `kw` if present.
pub fn kwarg(kw: &Kwargs, name: &str) -> Option<Value> {
    kw.iter()
        .find(|(k, _)| k.as_ref() == name)
        .map(|(_, v)| v.clone())
}

/// Rejects keywords outside `allowed`.
pub fn only_kwargs(fname: &str, kw: &Kwargs, allowed: &[&str]) -> PyResult<()> {
    for (k, _) in kw {
        if !allowed.contains(&k.as_ref()) {
            return Err(type_error(format!(
                "{fname}() got an unexpected keyword argument '{k}'"
            )));
        }
    }
    Ok(())
}

/// An `int` argument as i64.
pub fn to_i64(v: &Value, what: &str) -> PyResult<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(*b as i64),
        Value::BigInt(_) => Err(err(
            "OverflowError",
            "Python int too large to convert to C ssize_t",
        )),
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer{}",
            ops::type_name(other),
            what
        ))),
    }
}

fn builtin_print(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    for (k, _) in kw {
        if !["sep", "end", "file", "flush"].contains(&k.as_ref()) {
            return Err(type_error(format!(
                "'{k}' is an invalid keyword argument for print()"
            )));
        }
    }
    let sep = match kwarg(kw, "sep") {
        None | Some(Value::None) => " ".to_string(),
        Some(Value::Str(s)) => s.to_string(),
        Some(o) => {
            return Err(type_error(format!(
                "sep must be None or a string, not {}",
                ops::type_name(&o)
            )))
        }
    };
    let end = match kwarg(kw, "end") {
        None | Some(Value::None) => "\n".to_string(),
        Some(Value::Str(s)) => s.to_string(),
        Some(o) => {
            return Err(type_error(format!(
                "end must be None or a string, not {}",
                ops::type_name(&o)
            )))
        }
    };
    let mut s = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            s.push_str(&sep);
        }
        s.push_str(&it.to_str(a)?);
    }
    s.push_str(&end);
    let to_stderr =
        matches!(kwarg(kw, "file"), Some(Value::Module(m)) if m.name.as_ref() == "sys.stderr");
    if to_stderr {
        it.flush();
        eprint!("{s}");
    } else {
        it.write_out(&s);
        if matches!(kwarg(kw, "flush"), Some(Value::Bool(true))) {
            it.flush();
        }
    }
    Ok(Value::None)
}

fn builtin_len(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("len", kw)?;
    arity("len", args, 1, 1)?;
    Ok(Value::Int(it.len(&args[0])? as i64))
}

fn builtin_repr(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("repr", args, 1, 1)?;
    Ok(Value::str(&it.repr(&args[0])?))
}

fn builtin_ascii(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("ascii", args, 1, 1)?;
    Ok(Value::str(&super::repr::ascii(&it.repr(&args[0])?)))
}

fn builtin_isinstance(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    if args.len() != 2 {
        return Err(type_error(format!(
            "isinstance expected 2 arguments, got {}",
            args.len()
        )));
    }
    let cls = types().class_of(&args[0]);
    Ok(Value::Bool(class_matches(&cls, &args[1], "isinstance")?))
}

fn class_matches(cls: &Rc<Class>, spec: &Value, what: &str) -> PyResult<bool> {
    match spec {
        Value::Class(c) => Ok(cls.is_subclass(c)),
        Value::Tuple(items) => {
            for x in items.iter() {
                if class_matches(cls, x, what)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        _ => Err(type_error(format!(
            "{what}() arg 2 must be a type, a tuple of types, or a union"
        ))),
    }
}

fn builtin_issubclass(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    if args.len() != 2 {
        return Err(type_error(format!(
            "issubclass expected 2 arguments, got {}",
            args.len()
        )));
    }
    let Value::Class(c) = &args[0] else {
        return Err(type_error("issubclass() arg 1 must be a class"));
    };
    Ok(Value::Bool(class_matches(c, &args[1], "issubclass")?))
}

fn builtin_iter(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("iter", args, 1, 2)?;
    if args.len() == 2 {
        return Ok(Value::Iter(Rc::new(RefCell::new(NativeIter::Callable(
            args[0].clone(),
            args[1].clone(),
        )))));
    }
    it.get_iter(&args[0])
}

fn builtin_next(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("next", args, 1, 2)?;
    let target = &args[0];
    let is_iter = match target {
        Value::Iter(_) => true,
        Value::Generator(g) => g.kind == crate::interp::generator::GenKind::Generator,
        _ => it.special(target, "__next__").is_some(),
    };
    if !is_iter {
        return Err(type_error(format!(
            "'{}' object is not an iterator",
            ops::type_name(target)
        )));
    }
    match it.next_raw(target) {
        Err(e) if args.len() == 2 && e.is("StopIteration") => Ok(args[1].clone()),
        r => r,
    }
}

fn builtin_abs(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("abs", args, 1, 1)?;
    Ok(match &args[0] {
        Value::Int(i) => i
            .checked_abs()
            .map(Value::Int)
            .unwrap_or_else(|| big(BigInt::from(*i).abs())),
        Value::Bool(b) => Value::Int(*b as i64),
        Value::BigInt(b) => big(b.abs()),
        Value::Float(f) => Value::Float(f.abs()),
        other => match it.call_special(other, "__abs__", vec![]) {
            Some(r) => return r,
            None => {
                return Err(type_error(format!(
                    "bad operand type for abs(): '{}'",
                    ops::type_name(other)
                )))
            }
        },
    })
}

fn min_max(it: &mut Interp, args: &[Value], kw: &Kwargs, is_max: bool) -> PyResult<Value> {
    let name = if is_max { "max" } else { "min" };
    only_kwargs(name, kw, &["key", "default"])?;
    let key = kwarg(kw, "key").filter(|k| !k.is_none());
    let default = kwarg(kw, "default");
    let items = if args.len() == 1 {
        it.iterate(&args[0])?
    } else if args.is_empty() {
        return Err(type_error(format!(
            "{name} expected at least 1 argument, got 0"
        )));
    } else {
        if default.is_some() {
            return Err(type_error(format!(
                "Cannot specify a default for {name}() with multiple positional arguments"
            )));
        }
        args.to_vec()
    };
    let mut best: Option<(Value, Value)> = None;
    for x in items {
        let k = match &key {
            Some(f) => it.call(f, vec![x.clone()], vec![])?,
            None => x.clone(),
        };
        match &best {
            None => best = Some((k, x)),
            Some((bk, _)) => {
                let op = if is_max {
                    crate::syntax::ast::CmpOp::Gt
                } else {
                    crate::syntax::ast::CmpOp::Lt
                };
                let r = it.compare(op, &k, bk)?;
                if it.truthy(&r)? {
                    best = Some((k, x));
                }
            }
        }
    }
    match best {
        Some((_, x)) => Ok(x),
        None => default.ok_or_else(|| value_error(format!("{name}() arg is an empty sequence"))),
    }
}

fn builtin_min(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    min_max(it, args, kw, false)
}

fn builtin_max(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    min_max(it, args, kw, true)
}

fn builtin_sum(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("sum", kw, &["start"])?;
    arity("sum", args, 1, 2)?;
    let mut acc = args
        .get(1)
        .cloned()
        .or_else(|| kwarg(kw, "start"))
        .unwrap_or(Value::Int(0));
    if let Value::Str(_) = acc {
        return Err(type_error(
            "sum() can't sum strings [use ''.join(seq) instead]",
        ));
    }
    let iter = it.get_iter(&args[0])?;
    while let Some(x) = it.next_opt(&iter)? {
        acc = it.binary_op(crate::syntax::ast::BinOp::Add, &acc, &x)?;
    }
    Ok(acc)
}

/// Sorts values in place with Python's `<`, stably; `key` and `reverse` as `list.sort`.
pub fn sort_values(
    it: &mut Interp,
    items: &mut Vec<Value>,
    key: Option<Value>,
    reverse: bool,
) -> PyResult<()> {
    let keys: Vec<Value> = match &key {
        Some(f) => {
            let mut ks = Vec::with_capacity(items.len());
            for x in items.iter() {
                ks.push(it.call(f, vec![x.clone()], vec![])?);
            }
            ks
        }
        None => items.clone(),
    };
    let mut idx: Vec<usize> = (0..items.len()).collect();
    let mut failure: Option<Exc> = None;
    idx.sort_by(|&a, &b| {
        if failure.is_some() {
            return std::cmp::Ordering::Equal;
        }
        let (x, y) = if reverse {
            (&keys[b], &keys[a])
        } else {
            (&keys[a], &keys[b])
        };
        match it
            .compare(crate::syntax::ast::CmpOp::Lt, x, y)
            .and_then(|r| it.truthy(&r))
        {
            Ok(true) => std::cmp::Ordering::Less,
            Ok(false) => match it
                .compare(crate::syntax::ast::CmpOp::Lt, y, x)
                .and_then(|r| it.truthy(&r))
            {
                Ok(true) => std::cmp::Ordering::Greater,
                Ok(false) => std::cmp::Ordering::Equal,
                Err(e) => {
                    failure = Some(e);
                    std::cmp::Ordering::Equal
                }
            },
            Err(e) => {
                failure = Some(e);
                std::cmp::Ordering::Equal
            }
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    let sorted: Vec<Value> = idx.into_iter().map(|i| items[i].clone()).collect();
    *items = sorted;
    Ok(())
}

fn builtin_sorted(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("sorted", kw, &["key", "reverse"])?;
    if args.len() != 1 {
        return Err(type_error(format!(
            "sorted expected 1 argument, got {}",
            args.len()
        )));
    }
    let mut items = it.iterate(&args[0])?;
    let key = kwarg(kw, "key").filter(|k| !k.is_none());
    let reverse = match kwarg(kw, "reverse") {
        Some(v) => it.truthy(&v)?,
        None => false,
    };
    sort_values(it, &mut items, key, reverse)?;
    Ok(Value::list(items))
}

fn builtin_enumerate(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("enumerate", kw, &["start"])?;
    arity("enumerate", args, 1, 2)?;
    let start = match args.get(1).cloned().or_else(|| kwarg(kw, "start")) {
        Some(v) => to_i64(&v, "")?,
        None => 0,
    };
    let inner = it.get_iter(&args[0])?;
    Ok(Value::Iter(Rc::new(RefCell::new(NativeIter::Enumerate(
        inner,
        Cell::new(start),
    )))))
}

fn builtin_zip(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("zip", kw, &["strict"])?;
    let strict = match kwarg(kw, "strict") {
        Some(v) => it.truthy(&v)?,
        None => false,
    };
    let mut its = Vec::new();
    for a in args {
        its.push(it.get_iter(a)?);
    }
    if strict {
        // Materialise to check lengths, as CPython raises on the first short argument.
        let mut cols = Vec::new();
        for x in &its {
            let mut v = Vec::new();
            while let Some(e) = it.next_opt(x)? {
                v.push(e);
            }
            cols.push(v);
        }
        let n = cols.first().map(|c| c.len()).unwrap_or(0);
        for (i, c) in cols.iter().enumerate().skip(1) {
            if c.len() != n {
                let rel = if c.len() < n { "shorter" } else { "longer" };
                let firsts = if i == 1 {
                    "argument 1".to_string()
                } else {
                    format!("arguments 1-{i}")
                };
                return Err(value_error(format!(
                    "zip() argument {} is {rel} than {firsts}",
                    i + 1
                )));
            }
        }
        let rows: Vec<Value> = (0..n)
            .map(|r| Value::tuple(cols.iter().map(|c| c[r].clone()).collect()))
            .collect();
        return Ok(Value::Iter(Rc::new(RefCell::new(NativeIter::Values(
            rows.into_iter(),
        )))));
    }
    Ok(Value::Iter(Rc::new(RefCell::new(NativeIter::Zip(its)))))
}

fn builtin_map(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    if args.len() < 2 {
        return Err(type_error("map() must have at least two arguments."));
    }
    let mut its = Vec::new();
    for a in &args[1..] {
        its.push(it.get_iter(a)?);
    }
    Ok(Value::Iter(Rc::new(RefCell::new(NativeIter::Map(
        args[0].clone(),
        its,
    )))))
}

fn builtin_filter(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    if args.len() != 2 {
        return Err(type_error(format!(
            "filter expected 2 arguments, got {}",
            args.len()
        )));
    }
    let inner = it.get_iter(&args[1])?;
    Ok(Value::Iter(Rc::new(RefCell::new(NativeIter::Filter(
        args[0].clone(),
        inner,
    )))))
}

fn builtin_reversed(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("reversed", args, 1, 1)?;
    let v = &args[0];
    if let Some(r) = it.call_special(v, "__reversed__", vec![]) {
        return r;
    }
    let items = match v {
        Value::List(_)
        | Value::Tuple(_)
        | Value::Str(_)
        | Value::Range(_)
        | Value::Dict(_)
        | Value::DictView(_) => it.iterate(v)?,
        Value::Instance(_)
            if it.special(v, "__len__").is_some() && it.special(v, "__getitem__").is_some() =>
        {
            it.iterate(v)?
        }
        _ => {
            return Err(type_error(format!(
                "'{}' object is not reversible",
                ops::type_name(v)
            )))
        }
    };
    let name = match v {
        Value::List(_) => "list_reverseiterator",
        Value::Range(_) => "range_iterator",
        Value::Dict(_) => "dict_reversekeyiterator",
        Value::DictView(dv) => match dv.kind {
            crate::runtime::value::ViewKind::Keys => "dict_reversekeyiterator",
            crate::runtime::value::ViewKind::Values => "dict_reversevalueiterator",
            crate::runtime::value::ViewKind::Items => "dict_reverseitemiterator",
        },
        _ => "reversed",
    };
    let mut items = items;
    items.reverse();
    Ok(Value::Iter(Rc::new(RefCell::new(NativeIter::Reversed(
        name,
        items.into_iter(),
    )))))
}

fn builtin_any(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("any", args, 1, 1)?;
    let i = it.get_iter(&args[0])?;
    while let Some(x) = it.next_opt(&i)? {
        if it.truthy(&x)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn builtin_all(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("all", args, 1, 1)?;
    let i = it.get_iter(&args[0])?;
    while let Some(x) = it.next_opt(&i)? {
        if !it.truthy(&x)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn attr_name(v: &Value) -> PyResult<Rc<str>> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        other => Err(type_error(format!(
            "attribute name must be string, not '{}'",
            ops::type_name(other)
        ))),
    }
}

fn builtin_getattr(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("getattr", args, 2, 3)?;
    let name = attr_name(&args[1])?;
    match it.getattr(&args[0], &name) {
        Err(e) if args.len() == 3 && e.is("AttributeError") => Ok(args[2].clone()),
        r => r,
    }
}

fn builtin_hasattr(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("hasattr", args, 2, 2)?;
    let name = attr_name(&args[1])?;
    match it.getattr(&args[0], &name) {
        Ok(_) => Ok(Value::Bool(true)),
        Err(e) if e.is("AttributeError") => Ok(Value::Bool(false)),
        Err(e) => Err(e),
    }
}

fn builtin_setattr(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("setattr", args, 3, 3)?;
    let name = attr_name(&args[1])?;
    it.setattr(&args[0], &name, args[2].clone())?;
    Ok(Value::None)
}

fn builtin_delattr(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("delattr", args, 2, 2)?;
    let name = attr_name(&args[1])?;
    it.delattr(&args[0], &name)?;
    Ok(Value::None)
}

fn builtin_callable(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("callable", args, 1, 1)?;
    Ok(Value::Bool(match &args[0] {
        Value::Function(_) | Value::Builtin(_) | Value::BoundMethod(_) | Value::Class(_) => true,
        v @ Value::Instance(_) => it.special(v, "__call__").is_some(),
        _ => false,
    }))
}

fn builtin_id(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("id", args, 1, 1)?;
    Ok(Value::Int(args[0].address() as i64))
}

fn builtin_hash(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("hash", args, 1, 1)?;
    Ok(Value::Int(it.hash(&args[0])?))
}

fn builtin_chr(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("chr", args, 1, 1)?;
    let i = to_i64(&args[0], "")?;
    match u32::try_from(i).ok().and_then(char::from_u32) {
        Some(c) => Ok(Value::str(&c.to_string())),
        None if (0..0x110000).contains(&i) => Ok(Value::str("\u{fffd}")),
        None => Err(value_error("chr() arg not in range(0x110000)")),
    }
}

fn builtin_ord(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("ord", args, 1, 1)?;
    match &args[0] {
        Value::Str(s) => {
            let mut cs = s.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) => Ok(Value::Int(c as i64)),
                _ => Err(type_error(format!(
                    "ord() expected a character, but string of length {} found",
                    s.chars().count()
                ))),
            }
        }
        other => Err(type_error(format!(
            "ord() expected string of length 1, but {} found",
            ops::type_name(other)
        ))),
    }
}

fn radix(args: &[Value], name: &str, prefix: &str, r: u32) -> PyResult<Value> {
    arity(name, args, 1, 1)?;
    let Some(b) = to_big(&args[0]) else {
        return Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            ops::type_name(&args[0])
        )));
    };
    let digits = b.abs().to_str_radix(r);
    Ok(Value::str(&format!(
        "{}{prefix}{digits}",
        if b.is_negative() { "-" } else { "" }
    )))
}

fn builtin_hex(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    radix(args, "hex", "0x", 16)
}

fn builtin_oct(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    radix(args, "oct", "0o", 8)
}

fn builtin_bin(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    radix(args, "bin", "0b", 2)
}

fn builtin_divmod(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("divmod", args, 2, 2)?;
    use crate::syntax::ast::BinOp;
    let (a, b) = (&args[0], &args[1]);
    if let (Some(x), Some(y)) = (ops::to_f64(a), ops::to_f64(b)) {
        if matches!(a, Value::Float(_)) || matches!(b, Value::Float(_)) {
            let (x, y) = (x?, y?);
            if y == 0.0 {
                return Err(err("ZeroDivisionError", "float divmod()"));
            }
            let (q, r) = ops::float_divmod(x, y);
            return Ok(Value::tuple(vec![Value::Float(q), Value::Float(r)]));
        }
    }
    for (x, y, name) in [(a, b, "__divmod__"), (b, a, "__rdivmod__")] {
        if let Some(r) = it.call_special(x, name, vec![y.clone()]) {
            let r = r?;
            if !matches!(r, Value::NotImplemented) {
                return Ok(r);
            }
        }
    }
    if ops::to_f64(a).is_none() || ops::to_f64(b).is_none() {
        return Err(type_error(format!(
            "unsupported operand type(s) for divmod(): '{}' and '{}'",
            ops::type_name(a),
            ops::type_name(b)
        )));
    }
    let q = it.binary_op(BinOp::FloorDiv, a, b)?;
    let r = it.binary_op(BinOp::Mod, a, b)?;
    Ok(Value::tuple(vec![q, r]))
}

fn builtin_pow(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("pow", kw, &["base", "exp", "mod"])?;
    let mut full: Vec<Option<Value>> = args.iter().cloned().map(Some).collect();
    full.resize(3.max(full.len()), None);
    for (i, name) in ["base", "exp", "mod"].iter().enumerate() {
        if let Some(v) = kwarg(kw, name) {
            if full[i].is_some() {
                return Err(type_error(format!(
                    "argument for pow() given by name ('{name}') and position ({})",
                    i + 1
                )));
            }
            full[i] = Some(v);
        }
    }
    let given = full.iter().filter(|v| v.is_some()).count();
    arity("pow", &args[..args.len().min(3)], 0, 3)?;
    let (Some(base), Some(exp)) = (full[0].clone(), full[1].clone()) else {
        return Err(type_error(format!(
            "pow() missing required argument '{}' (pos {})",
            if full[0].is_none() { "base" } else { "exp" },
            if full[0].is_none() { 1 } else { 2 }
        )));
    };
    let _ = given;
    match full[2].clone() {
        Some(m) if !m.is_none() => {
            if matches!(base, Value::Instance(_)) {
                if let Some(r) = it.call_special(&base, "__pow__", vec![exp.clone(), m.clone()]) {
                    return r;
                }
            }
            modular_pow(&base, &exp, &m)
        }
        _ => it.binary_op(crate::syntax::ast::BinOp::Pow, &base, &exp),
    }
}

/// `pow(b, e, m)` for ints, with a negative exponent meaning the modular inverse.
fn modular_pow(b: &Value, e: &Value, m: &Value) -> PyResult<Value> {
    let (Some(b), Some(e), Some(m)) = (to_big(b), to_big(e), to_big(m)) else {
        return Err(type_error(
            "pow() 3rd argument not allowed unless all arguments are integers",
        ));
    };
    if m.is_zero() {
        return Err(value_error("pow() 3rd argument cannot be 0"));
    }
    let (b, e) = if e.is_negative() {
        let inv = mod_inverse(&b, &m.abs())
            .ok_or_else(|| value_error("base is not invertible for the given modulus"))?;
        (inv, -e)
    } else {
        (b, e)
    };
    Ok(big(b.modpow(&e, &m)))
}

/// The inverse of `a` modulo `m > 0`, when `a` and `m` are coprime (extended Euclid).
fn mod_inverse(a: &BigInt, m: &BigInt) -> Option<BigInt> {
    use num_integer::Integer;
    let a = a.mod_floor(m);
    let (mut old_r, mut r) = (a, m.clone());
    let (mut old_s, mut s) = (BigInt::from(1), BigInt::from(0));
    while !r.is_zero() {
        let q = old_r.div_floor(&r);
        let next_r = &old_r - &q * &r;
        old_r = std::mem::replace(&mut r, next_r);
        let next_s = &old_s - &q * &s;
        old_s = std::mem::replace(&mut s, next_s);
    }
    (old_r == BigInt::from(1)).then(|| old_s.mod_floor(m))
}

fn builtin_round(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("round", kw, &["ndigits"])?;
    arity("round", args, 1, 2)?;
    let nd = args
        .get(1)
        .cloned()
        .or_else(|| kwarg(kw, "ndigits"))
        .filter(|v| !v.is_none());
    match &args[0] {
        Value::Float(f) => match nd {
            None => {
                if f.is_nan() {
                    return Err(value_error("cannot convert float NaN to integer"));
                }
                if f.is_infinite() {
                    return Err(err(
                        "OverflowError",
                        "cannot convert float infinity to integer",
                    ));
                }
                Ok(float_to_int(f.round_ties_even()))
            }
            Some(n) => {
                let n = to_i64(&n, "")?;
                if !f.is_finite() || n > 330 {
                    return Ok(Value::Float(*f));
                }
                if n >= 0 {
                    let s = format!("{:.*}", n as usize, f);
                    Ok(Value::Float(s.parse().unwrap_or(*f)))
                } else {
                    let p = 10f64.powi((-n) as i32);
                    if !p.is_finite() {
                        return Ok(Value::Float(0.0f64.copysign(*f)));
                    }
                    let y = (f / p).round_ties_even() * p;
                    Ok(Value::Float(y))
                }
            }
        },
        Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => {
            let Some(n) = nd else {
                return Ok(big(to_big(&args[0]).unwrap_or_default()));
            };
            let n = to_i64(&n, "")?;
            if n >= 0 {
                return Ok(big(to_big(&args[0]).unwrap_or_default()));
            }
            let v = to_big(&args[0]).unwrap_or_default();
            let p = num_traits::pow::Pow::pow(BigInt::from(10), (-n).min(10000) as u32);
            let (q, r) = num_integer::Integer::div_mod_floor(&v, &p);
            let twice = &r * 2;
            let q = if twice > p || (twice == p && num_integer::Integer::is_odd(&q)) {
                q + 1
            } else {
                q
            };
            Ok(big(q * p))
        }
        other => match it.call_special(other, "__round__", args[1..].to_vec()) {
            Some(r) => r,
            None => Err(type_error(format!(
                "type {} doesn't define __round__ method",
                ops::type_name(other)
            ))),
        },
    }
}

fn float_to_int(f: f64) -> Value {
    if f.abs() < 9.0e18 {
        Value::Int(f as i64)
    } else {
        let s = format!("{f:.0}");
        big(BigInt::parse_bytes(s.as_bytes(), 10).unwrap_or_default())
    }
}

fn builtin_format(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("format", args, 1, 2)?;
    let spec = match args.get(1) {
        Some(Value::Str(s)) => s.to_string(),
        Some(other) => {
            return Err(type_error(format!(
                "format() argument 2 must be str, not {}",
                ops::type_name(other)
            )))
        }
        None => String::new(),
    };
    Ok(Value::str(&it.format(&args[0], &spec)?))
}

fn builtin_vars(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("vars", args, 1, 1)?;
    it.getattr(&args[0], "__dict__")
}

fn builtin_input(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("input", args, 0, 1)?;
    if let Some(p) = args.first() {
        let s = it.to_str(p)?;
        it.write_out(&s);
    }
    it.flush();
    let mut line = String::new();
    match std::io::stdin().read_line(&mut line) {
        Ok(0) => Err(err("EOFError", "EOF when reading a line")),
        Ok(_) => {
            if line.ends_with('\n') {
                line.pop();
                if line.ends_with('\r') {
                    line.pop();
                }
            }
            Ok(Value::str(&line))
        }
        Err(e) => Err(err("OSError", e.to_string())),
    }
}

fn builtin_displayhook(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let v = args.first().cloned().unwrap_or(Value::None);
    if !v.is_none() {
        let r = it.repr(&v)?;
        it.write_out(&r);
        it.write_out("\n");
        it.builtins.set("_", v);
    }
    Ok(Value::None)
}

fn builtin_exit(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Err(new_exception(types().exc("SystemExit"), args.to_vec()))
}

/// A zero-argument `super()` result.
pub fn make_super(cls: Rc<Class>, this: Value) -> Value {
    let inst = Rc::new(super::value::Instance {
        class: types().super_.clone(),
        dict: RefCell::new(indexmap::IndexMap::new()),
        exc: None,
        base_value: RefCell::new(None),
    });
    inst.dict
        .borrow_mut()
        .insert(Rc::from("__thisclass__"), Value::Class(cls));
    inst.dict.borrow_mut().insert(Rc::from("__self__"), this);
    Value::Instance(inst)
}

fn builtin_super(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    match args {
        [Value::Class(c), this] => Ok(make_super(c.clone(), this.clone())),
        [] => Err(err("RuntimeError", "super(): no arguments")),
        _ => Err(type_error("super() argument 1 must be a type")),
    }
}

fn exception_init(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    if let Some(e) = args.first().and_then(Exc::from_value) {
        e.data().args = args[1..].to_vec();
    }
    Ok(Value::None)
}

fn object_init(_: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::None)
}

/// `BaseException.__init__` bound to `this` (what `super().__init__` finds in an exception class).
pub fn exception_init_bound(this: &Value) -> Value {
    Value::Builtin(Rc::new(BuiltinFn {
        name: "__init__",
        func: exception_init,
        bound: Some(this.clone()),
    }))
}

/// `object.__init__` bound to `this`.
pub fn object_init_bound(this: &Value) -> Value {
    Value::Builtin(Rc::new(BuiltinFn {
        name: "__init__",
        func: object_init,
        bound: Some(this.clone()),
    }))
}

fn wrapper(cls: &Rc<Class>, f: Value) -> Value {
    let inst = Rc::new(super::value::Instance {
        class: cls.clone(),
        dict: RefCell::new(indexmap::IndexMap::new()),
        exc: None,
        base_value: RefCell::new(Some(f)),
    });
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

fn ctor_property(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    arity("property", args, 0, 4)?;
    let p = wrapper(&types().property, Value::None);
    if let Value::Instance(i) = &p {
        let mut d = i.dict.borrow_mut();
        d.insert(
            Rc::from("fget"),
            args.first()
                .cloned()
                .or_else(|| kwarg(kw, "fget"))
                .unwrap_or(Value::None),
        );
        d.insert(
            Rc::from("fset"),
            args.get(1)
                .cloned()
                .or_else(|| kwarg(kw, "fset"))
                .unwrap_or(Value::None),
        );
        d.insert(
            Rc::from("fdel"),
            args.get(2).cloned().unwrap_or(Value::None),
        );
    }
    Ok(p)
}

fn property_setter(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("setter", args, 2, 2)?;
    let Value::Instance(old) = &args[0] else {
        return Err(type_error("setter needs a property"));
    };
    let p = wrapper(&types().property, Value::None);
    if let Value::Instance(i) = &p {
        let mut d = i.dict.borrow_mut();
        d.insert(
            Rc::from("fget"),
            old.dict
                .borrow()
                .get("fget")
                .cloned()
                .unwrap_or(Value::None),
        );
        d.insert(Rc::from("fset"), args[1].clone());
    }
    Ok(p)
}

fn ctor_int(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("int", kw, &["base"])?;
    arity("int", args, 0, 2)?;
    let base = args.get(1).cloned().or_else(|| kwarg(kw, "base"));
    let Some(v) = args.first() else {
        return Ok(Value::Int(0));
    };
    if let Some(b) = base {
        let b = to_i64(&b, "")?;
        let Value::Str(s) = v else {
            return Err(type_error(
                "int() can't convert non-string with explicit base",
            ));
        };
        return parse_int(s, b);
    }
    match v {
        Value::Int(_) | Value::BigInt(_) => Ok(v.clone()),
        Value::Bool(b) => Ok(Value::Int(*b as i64)),
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
    let t = s.trim();
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
        || digits.starts_with('_')
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
        return Ok(Value::Float(0.0));
    };
    match v {
        Value::Float(_) => Ok(v.clone()),
        Value::Int(i) => Ok(Value::Float(*i as f64)),
        Value::Bool(b) => Ok(Value::Float(*b as i64 as f64)),
        Value::BigInt(b) => Ok(Value::Float(big_to_f64(b)?)),
        Value::Str(s) => parse_float(s).map(Value::Float),
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
    let t = s.trim();
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
        "nan" => return Ok(f64::NAN),
        _ => {}
    }
    if body.is_empty()
        || body.starts_with('_')
        || body.ends_with('_')
        || body.contains("__")
        || body.contains("_.")
        || body.contains("._")
    {
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
    only_kwargs("str", kw, &["object"])?;
    arity("str", args, 0, 1)?;
    match args.first().cloned().or_else(|| kwarg(kw, "object")) {
        None => Ok(Value::str("")),
        Some(v) => Ok(Value::str(&it.to_str(&v)?)),
    }
}

fn ctor_bool(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("bool", kw)?;
    arity("bool", args, 0, 1)?;
    match args.first() {
        None => Ok(Value::Bool(false)),
        Some(v) => Ok(Value::Bool(it.truthy(v)?)),
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
        if matches!(src, Value::Dict(_)) || it.special(src, "keys").is_some() {
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
    Ok(Value::Dict(d))
}

fn ctor_set(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("set", kw)?;
    arity("set", args, 0, 1)?;
    let items = match args.first() {
        None => vec![],
        Some(v) => it.iterate(v)?,
    };
    it.make_set(items)
}

fn ctor_frozenset(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("frozenset", kw)?;
    arity("frozenset", args, 0, 1)?;
    if let Some(v @ Value::FrozenSet(_)) = args.first() {
        return Ok(v.clone());
    }
    let items = match args.first() {
        None => vec![],
        Some(v) => it.iterate(v)?,
    };
    match it.make_set(items)? {
        Value::Set(d) => Ok(Value::FrozenSet(d)),
        other => Ok(other),
    }
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
            let mut dict = indexmap::IndexMap::new();
            for (k, v) in ns.borrow().map.iter() {
                if let Value::Str(s) = &k.0 {
                    dict.insert(s.clone(), v.clone());
                }
            }
            let c = it.new_user_class(name.clone(), name.clone(), bs, dict, "__main__")?;
            Ok(Value::Class(c))
        }
        _ => Err(type_error("type() takes 1 or 3 arguments")),
    }
}

fn ctor_range(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("range", kw)?;
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
    Ok(Value::Slice(Rc::new(match args {
        [b] => (Value::None, b.clone(), Value::None),
        [a, b] => (a.clone(), b.clone(), Value::None),
        _ => (args[0].clone(), args[1].clone(), args[2].clone()),
    })))
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

/// Builds the builtins module.
pub fn make_builtins() -> Rc<Module> {
    let m = Module::new("builtins");
    let t = types();
    super::methods::install(&t);
    let fns: &[(&'static str, NativeFn)] = &[
        ("print", builtin_print),
        ("len", builtin_len),
        ("repr", builtin_repr),
        ("ascii", builtin_ascii),
        ("isinstance", builtin_isinstance),
        ("issubclass", builtin_issubclass),
        ("iter", builtin_iter),
        ("next", builtin_next),
        ("abs", builtin_abs),
        ("min", builtin_min),
        ("max", builtin_max),
        ("sum", builtin_sum),
        ("sorted", builtin_sorted),
        ("enumerate", builtin_enumerate),
        ("zip", builtin_zip),
        ("map", builtin_map),
        ("filter", builtin_filter),
        ("reversed", builtin_reversed),
        ("any", builtin_any),
        ("all", builtin_all),
        ("getattr", builtin_getattr),
        ("hasattr", builtin_hasattr),
        ("setattr", builtin_setattr),
        ("delattr", builtin_delattr),
        ("callable", builtin_callable),
        ("id", builtin_id),
        ("hash", builtin_hash),
        ("chr", builtin_chr),
        ("ord", builtin_ord),
        ("hex", builtin_hex),
        ("oct", builtin_oct),
        ("bin", builtin_bin),
        ("divmod", builtin_divmod),
        ("pow", builtin_pow),
        ("round", builtin_round),
        ("format", builtin_format),
        ("vars", builtin_vars),
        ("input", builtin_input),
        ("super", builtin_super),
        ("aiter", crate::interp::asyncgen::builtin_aiter),
        ("anext", crate::interp::asyncgen::builtin_anext),
        ("__aio_aiter__", crate::interp::asyncgen::aio_aiter),
        ("__aio_anext__", crate::interp::asyncgen::aio_anext),
        ("__aio_aenter__", crate::interp::asyncgen::aio_aenter),
        ("__aio_aexit__", crate::interp::asyncgen::aio_aexit),
        ("__aio_exc__", crate::interp::asyncgen::aio_exc),
        ("__aio_displayhook__", builtin_displayhook),
        ("exit", builtin_exit),
        ("quit", builtin_exit),
    ];
    for (name, f) in fns {
        m.set(name, native(name, *f));
    }
    for (name, c) in [
        ("object", &t.object),
        ("type", &t.type_),
        ("int", &t.int),
        ("bool", &t.bool_),
        ("float", &t.float),
        ("str", &t.str_),
        ("list", &t.list),
        ("tuple", &t.tuple),
        ("dict", &t.dict),
        ("set", &t.set),
        ("frozenset", &t.frozenset),
        ("range", &t.range),
        ("slice", &t.slice),
        ("staticmethod", &t.staticmethod),
        ("classmethod", &t.classmethod),
        ("property", &t.property),
    ] {
        m.set(name, Value::Class(c.clone()));
    }
    for name in &t.exception_order {
        m.set(name, Value::Class(t.exc(name)));
    }
    m.set("NotImplemented", Value::NotImplemented);
    m.set("Ellipsis", Value::Ellipsis);
    m.set("__name__", Value::str("builtins"));
    m.set("__debug__", Value::Bool(true));
    t.property
        .dict
        .borrow_mut()
        .insert(Rc::from("setter"), native("setter", property_setter));
    t.exc("BaseException")
        .dict
        .borrow_mut()
        .insert(Rc::from("__init__"), native("__init__", exception_init));
    m
}

/// Registers the importable builtin modules.
pub fn install_modules(it: &mut Interp) {
    let sys = Module::new("sys");
    let stderr = Module::new("sys.stderr");
    let stdout = Module::new("sys.stdout");
    sys.set("stderr", Value::Module(stderr));
    sys.set("stdout", Value::Module(stdout));
    sys.set("maxsize", Value::Int(i64::MAX));
    it.modules.push((Rc::from("sys"), sys));
}
