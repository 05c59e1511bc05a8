//! The builtins namespace: builtin functions, the builtin classes (their constructors live in
//! `constructors.rs`), and the exception classes.

pub use super::constructors::{constructor, dict_fill, parse_float, parse_int};
use super::constructors::{property_deleter, property_getter, property_setter};
use super::exceptions::{err, new_exception, type_error, value_error};
use super::ops::{self, big, to_big};
use super::types::types;
use super::value::{BuiltinFn, Class, Exc, Kwargs, Module, NativeFn, NativeIter, PyResult, Value};
use crate::interp::Interp;
use crate::runtime::value::B64;
use num_bigint::BigInt;
use num_traits::{Signed, Zero};
use std::cell::RefCell;
use std::rc::Rc;

/// A builtin function value.
pub fn native(name: &'static str, func: NativeFn) -> Value {
    Value::Builtin(Rc::new(BuiltinFn {
        name,
        func,
        bound: None,
        awaits: None,
    }))
}

/// A builtin library coroutine function: `func` makes the coroutine object, `awaits` gives
/// `await f(args)` its first step without one (see `BuiltinFn::awaits`).
pub fn native_awaitable(
    name: &'static str,
    func: NativeFn,
    awaits: crate::runtime::value::NativeAwait,
) -> Value {
    Value::Builtin(Rc::new(BuiltinFn {
        name,
        func,
        bound: None,
        awaits: Some(awaits),
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
    } else if min == max && min > 1 {
        format!("{name} expected {min} arguments, got {n}")
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

/// Checks the number of arguments to a method of a builtin type (`args[0]` is the receiver),
/// with CPython's wording for its calling convention: a method taking none or exactly one
/// is named with its type ("str.upper() takes no arguments (1 given)"); others are checked
/// as by `_PyArg_CheckPositional` ("center expected at most 2 arguments, got 3").
pub fn method_arity(args: &[Value], name: &str, min: usize, max: usize) -> PyResult<()> {
    let n = args.len().saturating_sub(1);
    if n >= min && n <= max {
        return Ok(());
    }
    if min == max && min <= 1 {
        let owner = args
            .first()
            .map(ops::type_name)
            .unwrap_or_else(|| Rc::from("object"));
        return arity(&format!("{owner}.{name}"), &args[1..], min, max);
    }
    arity(name, &args[1..], min, max)
}

/// The same for the methods CPython still parses with `PyArg_ParseTuple`, which say
/// "find() takes at least 1 argument (0 given)".
pub fn method_arity_parsed(args: &[Value], name: &str, min: usize, max: usize) -> PyResult<()> {
    let n = args.len().saturating_sub(1);
    let plural = |k: usize| if k == 1 { "" } else { "s" };
    if n < min {
        return Err(type_error(format!(
            "{name}() takes at least {min} argument{} ({n} given)",
            plural(min)
        )));
    }
    if n > max {
        return Err(type_error(format!(
            "{name}() takes at most {max} argument{} ({n} given)",
            plural(max)
        )));
    }
    Ok(())
}

/// Rejects keyword arguments for functions that take none.
pub fn no_kwargs(name: &str, kw: &Kwargs) -> PyResult<()> {
    if kw.is_empty() {
        Ok(())
    } else {
        Err(type_error(format!("{name}() takes no keyword arguments")))
    }
}

/// Refuses keyword arguments to a method of a builtin type that takes none, naming it as
/// CPython does when the method is called on its object: "list.append() takes no keyword
/// arguments". `args[0]` is the receiver, or the class for a classmethod.
pub fn no_method_kwargs(args: &[Value], name: &str, kw: &Kwargs) -> PyResult<()> {
    if kw.is_empty() {
        return Ok(());
    }
    let owner = match args.first() {
        Some(Value::Class(c)) => c.name.clone(),
        Some(v) => ops::type_name(v),
        None => Rc::from("object"),
    };
    Err(type_error(format!(
        "{owner}.{name}() takes no keyword arguments"
    )))
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

/// Refuses keywords other than `allowed` with the wording of CPython's C functions that take
/// keywords: "'x' is an invalid keyword argument for sort()".
pub fn keywords_among(fname: &str, kw: &Kwargs, allowed: &[&str]) -> PyResult<()> {
    match kw.iter().find(|(k, _)| !allowed.contains(&k.as_ref())) {
        Some((k, _)) => Err(type_error(format!(
            "'{k}' is an invalid keyword argument for {fname}()"
        ))),
        None => Ok(()),
    }
}

/// The keywords of `sorted` and `list.sort`, which are keyword-only, so CPython counts them first.
pub fn sort_keywords(kw: &Kwargs) -> PyResult<()> {
    if kw.len() > 2 {
        return Err(type_error(format!(
            "sort() takes at most 2 keyword arguments ({} given)",
            kw.len()
        )));
    }
    keywords_among("sort", kw, &["key", "reverse"])
}

/// An `int` argument as i64. For anything else the TypeError says `message`, or, when that is
/// empty, "'T' object cannot be interpreted as an integer".
pub fn to_i64(v: &Value, message: &str) -> PyResult<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(b.get() as i64),
        Value::BigInt(_) => Err(err(
            "OverflowError",
            "Python int too large to convert to C ssize_t",
        )),
        _ if !message.is_empty() => Err(type_error(message)),
        other => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            ops::type_name(other)
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
        if matches!(kwarg(kw, "flush"), Some(Value::Bool(B64::TRUE))) {
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

fn builtin_repr(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("repr", kw)?;
    arity("repr", args, 1, 1)?;
    Ok(Value::str(&it.repr(&args[0])?))
}

fn builtin_ascii(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("ascii", kw)?;
    arity("ascii", args, 1, 1)?;
    Ok(Value::str(&super::repr::ascii(&it.repr(&args[0])?)))
}

fn builtin_isinstance(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("isinstance", kw)?;
    if args.len() != 2 {
        return Err(type_error(format!(
            "isinstance expected 2 arguments, got {}",
            args.len()
        )));
    }
    let cls = types().class_of(&args[0]);
    Ok(Value::Bool(B64::new(class_matches(
        &cls,
        &args[1],
        "isinstance",
    )?)))
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
        // CPython words the two checks differently.
        _ if what == "issubclass" => Err(type_error(
            "issubclass() arg 2 must be a class, a tuple of classes, or a union",
        )),
        _ => Err(type_error(format!(
            "{what}() arg 2 must be a type, a tuple of types, or a union"
        ))),
    }
}

fn builtin_issubclass(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("issubclass", kw)?;
    if args.len() != 2 {
        return Err(type_error(format!(
            "issubclass expected 2 arguments, got {}",
            args.len()
        )));
    }
    let Value::Class(c) = &args[0] else {
        return Err(type_error("issubclass() arg 1 must be a class"));
    };
    Ok(Value::Bool(B64::new(class_matches(
        c,
        &args[1],
        "issubclass",
    )?)))
}

fn builtin_iter(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("iter", kw)?;
    arity("iter", args, 1, 2)?;
    if args.len() == 2 {
        if !is_callable(it, &args[0]) {
            return Err(type_error("iter(v, w): v must be callable"));
        }
        return Ok(crate::runtime::gc::tracked(Value::Iter(Rc::new(
            RefCell::new(NativeIter::Callable(args[0].clone(), args[1].clone())),
        ))));
    }
    it.get_iter(&args[0])
}

fn builtin_next(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("next", kw)?;
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

pub(crate) fn builtin_abs(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("abs", kw)?;
    arity("abs", args, 1, 1)?;
    Ok(match &args[0] {
        Value::Int(i) => i
            .checked_abs()
            .map(Value::Int)
            .unwrap_or_else(|| big(BigInt::from(*i).abs())),
        Value::Bool(b) => Value::Int(b.get() as i64),
        Value::BigInt(b) => big(b.abs()),
        Value::Float(f) => ops::float_result(f.abs()),
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
    if args.is_empty() {
        return Err(type_error(format!(
            "{name} expected at least 1 argument, got 0"
        )));
    }
    keywords_among(name, kw, &["key", "default"])?;
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
    match args.len() + kw.len() {
        _ if args.is_empty() => {
            return Err(type_error(
                "sum() takes at least 1 positional argument (0 given)",
            ))
        }
        n if n > 2 => {
            return Err(type_error(format!(
                "sum() takes at most 2 arguments ({n} given)"
            )))
        }
        _ => keywords_among("sum", kw, &["start"])?,
    }
    let mut acc = args
        .get(1)
        .cloned()
        .or_else(|| kwarg(kw, "start"))
        .unwrap_or(Value::Int(0));
    // The iterable is taken before the start value is checked, as CPython.
    let iter = it.get_iter(&args[0])?;
    if let Value::Str(_) = acc {
        return Err(type_error(
            "sum() can't sum strings [use ''.join(seq) instead]",
        ));
    }
    while let Some(x) = it.next_opt(&iter)? {
        acc = it.binary_op(crate::syntax::ast::BinOp::Add, &acc, &x)?;
    }
    // CPython's float path returns a new float made from its running total.
    if let Value::Float(f) = acc {
        return Ok(ops::float_result(f.get()));
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
    if args.len() != 1 {
        return Err(type_error(format!(
            "sorted expected 1 argument, got {}",
            args.len()
        )));
    }
    sort_keywords(kw)?;
    let mut items = it.iterate(&args[0])?;
    let key = kwarg(kw, "key").filter(|k| !k.is_none());
    let reverse = match kwarg(kw, "reverse") {
        // An int, as CPython's `reverse: bool(accept={int})`.
        Some(v) => to_i64(&index_arg(it, &v)?, "")? != 0,
        None => false,
    };
    sort_values(it, &mut items, key, reverse)?;
    Ok(Value::list(items))
}

/// An argument that must be an int: an instance with `__index__` becomes what that gives;
/// anything else is returned as it is, for the caller's own checks and messages.
pub fn index_arg(it: &mut Interp, v: &Value) -> PyResult<Value> {
    match v {
        Value::Instance(_) if it.special(v, "__index__").is_some() => index_value(it, v),
        _ => Ok(v.clone()),
    }
}

/// `operator.index(v)`: an int as it is, or what an object's `__index__` gives.
pub fn index_value(it: &mut Interp, v: &Value) -> PyResult<Value> {
    match v {
        Value::Int(_) | Value::BigInt(_) => Ok(v.clone()),
        Value::Bool(b) => Ok(Value::Int(b.get() as i64)),
        _ => match it.call_special(v, "__index__", vec![]) {
            Some(r) => match r? {
                r @ (Value::Int(_) | Value::BigInt(_)) => Ok(r),
                r => Err(type_error(format!(
                    "__index__ returned non-int (type {})",
                    ops::type_name(&r)
                ))),
            },
            None => Err(type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                ops::type_name(v)
            ))),
        },
    }
}

fn builtin_enumerate(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    if let Some((k, _)) = kw
        .iter()
        .find(|(k, _)| !matches!(&**k, "iterable" | "start"))
    {
        return Err(type_error(format!(
            "'{k}' is an invalid keyword argument for enumerate()"
        )));
    }
    if args.len() > 2 {
        return Err(type_error(format!(
            "enumerate() takes at most 2 arguments ({} given)",
            args.len() + kw.len()
        )));
    }
    let iterable = args.first().cloned().or_else(|| kwarg(kw, "iterable"));
    let Some(iterable) = iterable else {
        return Err(type_error(
            "enumerate() missing required argument 'iterable'",
        ));
    };
    let start = match args.get(1).cloned().or_else(|| kwarg(kw, "start")) {
        Some(v) => index_value(it, &v)?,
        None => Value::Int(0),
    };
    let inner = it.get_iter(&iterable)?;
    Ok(crate::runtime::gc::tracked(Value::Iter(Rc::new(
        RefCell::new(NativeIter::Enumerate(inner, RefCell::new(start))),
    ))))
}

fn builtin_zip(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    keywords_among("zip", kw, &["strict"])?;
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
        return Ok(crate::runtime::gc::tracked(Value::Iter(Rc::new(
            RefCell::new(NativeIter::Values(rows.into_iter())),
        ))));
    }
    Ok(crate::runtime::gc::tracked(Value::Iter(Rc::new(
        RefCell::new(NativeIter::Zip(its)),
    ))))
}

fn builtin_map(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("map", kw)?;
    if args.len() < 2 {
        return Err(type_error("map() must have at least two arguments."));
    }
    let mut its = Vec::new();
    for a in &args[1..] {
        its.push(it.get_iter(a)?);
    }
    Ok(crate::runtime::gc::tracked(Value::Iter(Rc::new(
        RefCell::new(NativeIter::Map(args[0].clone(), its)),
    ))))
}

fn builtin_filter(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("filter", kw)?;
    if args.len() != 2 {
        return Err(type_error(format!(
            "filter expected 2 arguments, got {}",
            args.len()
        )));
    }
    let inner = it.get_iter(&args[1])?;
    Ok(crate::runtime::gc::tracked(Value::Iter(Rc::new(
        RefCell::new(NativeIter::Filter(args[0].clone(), inner)),
    ))))
}

fn builtin_reversed(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("reversed", kw)?;
    if args.len() != 1 {
        return Err(type_error(format!(
            "reversed expected 1 argument, got {}",
            args.len()
        )));
    }
    let v = &args[0];
    if let Some(r) = it.call_special(v, "__reversed__", vec![]) {
        return r;
    }
    if let Value::Deque(d) = v {
        let state = d.borrow().state;
        let r = Rc::new(RefCell::new(NativeIter::Deque(d.clone(), 0, state, true)));
        return Ok(crate::runtime::gc::tracked(Value::Iter(r)));
    }
    let items = match v {
        Value::List(_)
        | Value::Tuple(_)
        | Value::Str(_)
        | Value::Range(_)
        | Value::Dict(_)
        | Value::MappingProxy(_)
        | Value::DictView(_) => it.iterate(v)?,
        // As CPython's reversed over a sequence: items len-1 down to 0 by `__getitem__`
        // (taken at once here; CPython takes each as the iterator advances).
        Value::Instance(_)
            if it.special(v, "__len__").is_some() && it.special(v, "__getitem__").is_some() =>
        {
            let n = it.len(v)?;
            let mut items = Vec::with_capacity(n);
            for i in (0..n).rev() {
                items.push(it.getitem(v, &Value::Int(i as i64))?);
            }
            items.reverse();
            items
        }
        // A sequence without a length, as CPython's PySequence_Size reports it.
        Value::Instance(_) if it.special(v, "__getitem__").is_some() => {
            return Err(type_error(format!(
                "object of type '{}' has no len()",
                ops::type_name(v)
            )))
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
        Value::Dict(_) | Value::MappingProxy(_) => "dict_reversekeyiterator",
        Value::DictView(dv) => match dv.kind {
            crate::runtime::value::ViewKind::Keys => "dict_reversekeyiterator",
            crate::runtime::value::ViewKind::Values => "dict_reversevalueiterator",
            crate::runtime::value::ViewKind::Items => "dict_reverseitemiterator",
        },
        _ => "reversed",
    };
    let mut items = items;
    items.reverse();
    Ok(crate::runtime::gc::tracked(Value::Iter(Rc::new(
        RefCell::new(NativeIter::Snapshot(name, items.into_iter())),
    ))))
}

fn builtin_any(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("any", kw)?;
    arity("any", args, 1, 1)?;
    let i = it.get_iter(&args[0])?;
    while let Some(x) = it.next_opt(&i)? {
        if it.truthy(&x)? {
            return Ok(Value::Bool(B64::TRUE));
        }
    }
    Ok(Value::Bool(B64::FALSE))
}

fn builtin_all(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("all", kw)?;
    arity("all", args, 1, 1)?;
    let i = it.get_iter(&args[0])?;
    while let Some(x) = it.next_opt(&i)? {
        if !it.truthy(&x)? {
            return Ok(Value::Bool(B64::FALSE));
        }
    }
    Ok(Value::Bool(B64::TRUE))
}

fn attr_name(v: &Value) -> PyResult<Rc<str>> {
    match v {
        Value::Str(s) => Ok(s.clone().into()),
        other => Err(type_error(format!(
            "attribute name must be string, not '{}'",
            ops::type_name(other)
        ))),
    }
}

fn builtin_getattr(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("getattr", kw)?;
    arity("getattr", args, 2, 3)?;
    let name = attr_name(&args[1])?;
    match it.getattr(&args[0], &name) {
        Err(e) if args.len() == 3 && e.is("AttributeError") => Ok(args[2].clone()),
        r => r,
    }
}

fn builtin_hasattr(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("hasattr", kw)?;
    arity("hasattr", args, 2, 2)?;
    let name = attr_name(&args[1])?;
    match it.getattr(&args[0], &name) {
        Ok(_) => Ok(Value::Bool(B64::TRUE)),
        Err(e) if e.is("AttributeError") => Ok(Value::Bool(B64::FALSE)),
        Err(e) => Err(e),
    }
}

fn builtin_setattr(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("setattr", kw)?;
    arity("setattr", args, 3, 3)?;
    let name = attr_name(&args[1])?;
    it.setattr(&args[0], &name, args[2].clone())?;
    Ok(Value::None)
}

fn builtin_delattr(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("delattr", kw)?;
    arity("delattr", args, 2, 2)?;
    let name = attr_name(&args[1])?;
    it.delattr(&args[0], &name)?;
    Ok(Value::None)
}

/// Whether `v` can be called.
fn is_callable(it: &Interp, v: &Value) -> bool {
    match v {
        Value::Function(_) | Value::Builtin(_) | Value::BoundMethod(_) | Value::Class(_) => true,
        Value::Instance(_) => it.special(v, "__call__").is_some(),
        _ => false,
    }
}

fn builtin_callable(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("callable", kw)?;
    arity("callable", args, 1, 1)?;
    Ok(Value::Bool(B64::new(is_callable(it, &args[0]))))
}

fn builtin_id(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("id", kw)?;
    arity("id", args, 1, 1)?;
    Ok(Value::Int(args[0].address() as i64))
}

fn builtin_hash(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("hash", kw)?;
    arity("hash", args, 1, 1)?;
    Ok(Value::Int(it.hash(&args[0])?))
}

fn builtin_chr(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("chr", kw)?;
    arity("chr", args, 1, 1)?;
    let i = to_i64(&index_arg(it, &args[0])?, "")?;
    match u32::try_from(i).ok().and_then(char::from_u32) {
        Some(c) => Ok(Value::str(&c.to_string())),
        None if (0..0x110000).contains(&i) => Ok(Value::str("\u{fffd}")),
        None => Err(value_error("chr() arg not in range(0x110000)")),
    }
}

fn builtin_ord(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("ord", kw)?;
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

fn radix(it: &mut Interp, args: &[Value], name: &str, prefix: &str, r: u32) -> PyResult<Value> {
    arity(name, args, 1, 1)?;
    let Some(b) = to_big(&index_arg(it, &args[0])?) else {
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

fn builtin_hex(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("hex", kw)?;
    radix(it, args, "hex", "0x", 16)
}

fn builtin_oct(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("oct", kw)?;
    radix(it, args, "oct", "0o", 8)
}

fn builtin_bin(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("bin", kw)?;
    radix(it, args, "bin", "0b", 2)
}

pub(crate) fn builtin_divmod(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("divmod", kw)?;
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
            return Ok(Value::tuple(vec![
                ops::float_result(q),
                ops::float_result(r),
            ]));
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

pub(crate) fn builtin_pow(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    keywords_among("pow", kw, &["base", "exp", "mod"])?;
    if args.len() + kw.len() > 3 {
        return Err(type_error(format!(
            "pow() takes at most 3 arguments ({} given)",
            args.len() + kw.len()
        )));
    }
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
            let number = |v: &Value| {
                matches!(
                    v,
                    Value::Int(_) | Value::BigInt(_) | Value::Bool(_) | Value::Float(_)
                )
            };
            let any_float = [&base, &exp, &m]
                .iter()
                .any(|v| matches!(v, Value::Float(_)));
            let all_numbers = number(&base) && number(&exp) && number(&m);
            if !any_float && !all_numbers {
                // No operand's power slot takes the call (CPython's ternary_op; a float's
                // slot, when there is one, refuses the third argument instead).
                return Err(type_error(format!(
                    "unsupported operand type(s) for ** or pow(): '{}', '{}', '{}'",
                    ops::type_name(&base),
                    ops::type_name(&exp),
                    ops::type_name(&m)
                )));
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

pub(crate) fn builtin_round(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    keywords_among("round", kw, &["ndigits"])?;
    if args.len() + kw.len() > 2 {
        return Err(type_error(format!(
            "round() takes at most 2 arguments ({} given)",
            args.len() + kw.len()
        )));
    }
    if args.is_empty() {
        return Err(type_error(
            "round() missing required argument 'number' (pos 1)",
        ));
    }
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
                let n = to_i64(&index_arg(it, &n)?, "")?;
                let f = f.get();
                if !f.is_finite() || n > 330 {
                    return Ok(ops::float_result(f));
                }
                if n >= 0 {
                    let s = format!("{:.*}", n as usize, f);
                    Ok(Value::Float(s.parse().unwrap_or(f).into()))
                } else {
                    if n < -330 {
                        return Ok(Value::Float(0.0f64.copysign(f).into()));
                    }
                    // Exactly, as CPython's correctly rounded dtoa: the float's integer part
                    // rounded half to even at a multiple of 10**-n.
                    let whole: BigInt = format!("{:.0}", f.trunc()).parse().unwrap_or_default();
                    let p = num_traits::pow::Pow::pow(BigInt::from(10), (-n) as u32);
                    let (q, r) = num_integer::Integer::div_mod_floor(&whole, &p);
                    let frac = f - f.trunc();
                    let twice = &r * 2;
                    let up = twice > p
                        || (twice == p
                            && (frac > 0.0 || (frac == 0.0 && num_integer::Integer::is_odd(&q))));
                    let q = if up { q + 1 } else { q };
                    let y = num_traits::ToPrimitive::to_f64(&(q * p)).unwrap_or(f);
                    Ok(Value::Float(y.copysign(f).into()))
                }
            }
        },
        Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => {
            let Some(n) = nd else {
                return Ok(big(to_big(&args[0]).unwrap_or_default()));
            };
            let n = to_i64(&index_arg(it, &n)?, "")?;
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

/// The int a finite float truncates to (its integral value as an int).
pub(crate) fn float_to_int(f: f64) -> Value {
    if f.abs() < 9.0e18 {
        Value::Int(f as i64)
    } else {
        let s = format!("{f:.0}");
        big(BigInt::parse_bytes(s.as_bytes(), 10).unwrap_or_default())
    }
}

fn builtin_format(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("format", kw)?;
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

fn builtin_vars(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("vars", kw)?;
    if args.is_empty() {
        // Without an argument vars() is locals(), which aio does not have.
        return Err(err(
            "NotImplementedError",
            "aio does not support vars() without an argument",
        ));
    }
    arity("vars", args, 0, 1)?;
    it.getattr(&args[0], "__dict__").map_err(|e| {
        if e.0.class.is_subclass(&types().exc("AttributeError")) {
            type_error("vars() argument must have __dict__ attribute")
        } else {
            e
        }
    })
}

/// The attributes every object has (CPython's `dir(object())`).
const OBJECT_ATTRS: &[&str] = &[
    "__class__",
    "__delattr__",
    "__dir__",
    "__doc__",
    "__eq__",
    "__format__",
    "__ge__",
    "__getattribute__",
    "__getstate__",
    "__gt__",
    "__hash__",
    "__init__",
    "__init_subclass__",
    "__le__",
    "__lt__",
    "__ne__",
    "__new__",
    "__reduce__",
    "__reduce_ex__",
    "__repr__",
    "__setattr__",
    "__sizeof__",
    "__str__",
    "__subclasshook__",
];

/// Attributes aio resolves for builtin values outside their classes' namespaces (the protocol
/// methods of containers, `int.real`, `range.start`, a function's `__name__`, …); `dir()` lists
/// the ones a value has.
/// (The container protocol methods come from `object_methods::PROTOCOL_METHODS`.)
const VALUE_ATTRS: &[&str] = &[
    "real",
    "imag",
    "numerator",
    "denominator",
    "start",
    "stop",
    "step",
    "__name__",
    "__qualname__",
    "__module__",
    "__self__",
    "__func__",
    "__dict__",
];

/// `dir(obj)`: the sorted names of its attributes (its own, its class's along the MRO, and
/// object's). A call `dir()` in the program lists the caller's scope (`dir_from_frame`); this
/// is reached without an argument only when `dir` is called indirectly (`f = dir; f()`).
fn builtin_dir(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("dir", kw)?;
    if args.is_empty() {
        return Err(err(
            "NotImplementedError",
            "aio does not support dir() without an argument other than as a direct call dir()",
        ));
    }
    arity("dir", args, 0, 1)?;
    let mut names: Vec<Rc<str>> = Vec::new();
    let add_class = |names: &mut Vec<Rc<str>>, c: &Rc<Class>| {
        for cls in std::iter::once(c).chain(c.mro.iter()) {
            names.extend(cls.dict.borrow().keys().cloned());
        }
    };
    match &args[0] {
        // A module's dir() is its namespace only, as CPython's `module.__dir__`.
        Value::Module(m) => {
            let mut names = m.names_list();
            names.sort();
            return Ok(Value::list(
                names.into_iter().map(|n| Value::Str(n.into())).collect(),
            ));
        }
        // A user class's namespace holds its `__module__`, `__dict__` and `__weakref__`; the
        // builtin classes with a `__dict__` (the exceptions) do not list it in aio's namespaces.
        Value::Class(c) => {
            add_class(&mut names, c);
            if super::mappingproxy::instances_have_dict(c) {
                names.push(Rc::from("__dict__"));
            }
        }
        Value::Instance(i) => {
            names.extend(i.attrs.borrow().names());
            add_class(&mut names, &i.class);
            if super::mappingproxy::instances_have_dict(&i.class) {
                names.push(Rc::from("__dict__"));
            }
        }
        other => {
            add_class(&mut names, &types().class_of(other));
            let protocol = crate::interp::object_methods::PROTOCOL_METHODS.iter();
            for name in protocol.chain(VALUE_ATTRS) {
                if it.getattr(other, name).is_ok() {
                    names.push(Rc::from(*name));
                }
            }
        }
    }
    names.extend(OBJECT_ATTRS.iter().map(|s| Rc::from(*s)));
    names.sort();
    names.dedup();
    Ok(Value::list(
        names.into_iter().map(|n| Value::Str(n.into())).collect(),
    ))
}

fn builtin_input(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("input", kw)?;
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
        attrs: RefCell::new(Default::default()),
        exc: None,
        base_value: RefCell::new(None),
    });
    {
        let mut attrs = inst.attrs.borrow_mut();
        attrs.set(Rc::from("__thisclass__"), Value::Class(cls));
        attrs.set(Rc::from("__self__"), this);
    }
    super::gc::track(&inst);
    Value::Instance(inst)
}

/// `super(type, obj)`.
pub(crate) fn builtin_super(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    match args {
        [Value::Class(c), this] => {
            let ok = match this {
                Value::Class(sub) => sub.is_subclass(c),
                other => types().class_of(other).is_subclass(c),
            };
            if !ok {
                return Err(type_error(
                    "super(type, obj): obj must be an instance or subtype of type",
                ));
            }
            Ok(make_super(c.clone(), this.clone()))
        }
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
    crate::runtime::gc::tracked(Value::Builtin(Rc::new(BuiltinFn {
        name: "__init__",
        func: exception_init,
        bound: Some(this.clone()),
        awaits: None,
    })))
}

/// `object.__init__` bound to `this`.
pub fn object_init_bound(this: &Value) -> Value {
    crate::runtime::gc::tracked(Value::Builtin(Rc::new(BuiltinFn {
        name: "__init__",
        func: object_init,
        bound: Some(this.clone()),
        awaits: None,
    })))
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
        ("dir", builtin_dir),
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
    m.set("IOError", Value::Class(t.exc("OSError")));
    m.set("EnvironmentError", Value::Class(t.exc("OSError")));
    for (name, f) in UNSUPPORTED_BUILTINS {
        m.set(name, native(name, *f));
    }
    m.set("NotImplemented", Value::NotImplemented);
    m.set("Ellipsis", Value::Ellipsis);
    m.set("__name__", Value::str("builtins"));
    m.set("__debug__", Value::Bool(B64::TRUE));
    t.property
        .dict
        .borrow_mut()
        .insert(Rc::from("setter"), native("setter", property_setter));
    t.property
        .dict
        .borrow_mut()
        .insert(Rc::from("deleter"), native("deleter", property_deleter));
    t.property
        .dict
        .borrow_mut()
        .insert(Rc::from("getter"), native("getter", property_getter));
    t.exc("BaseException")
        .dict
        .borrow_mut()
        .insert(Rc::from("__init__"), native("__init__", exception_init));
    m
}

/// CPython built-ins outside aio's subset, each raising an error that names it (rather than
/// a NameError that would suggest a typo).
macro_rules! unsupported_builtins {
    ($($name:literal => $f:ident),* $(,)?) => {
        $(
            fn $f(_: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
                Err(err(
                    "NotImplementedError",
                    concat!("aio does not support the built-in '", $name, "'"),
                ))
            }
        )*
        const UNSUPPORTED_BUILTINS: &[(&str, NativeFn)] = &[$(($name, $f)),*];
    };
}

unsupported_builtins! {
    "open" => no_open,
    "eval" => no_eval,
    "exec" => no_exec,
    "compile" => no_compile,
    "globals" => no_globals,
    "locals" => no_locals,
    "bytes" => no_bytes,
    "bytearray" => no_bytearray,
    "memoryview" => no_memoryview,
    "complex" => no_complex,
    "breakpoint" => no_breakpoint,
    "help" => no_help,
}

/// Registers the importable builtin modules.
pub fn install_modules(it: &mut Interp) {
    let sys = Module::new("sys");
    let stderr = Module::new("sys.stderr");
    let stdout = Module::new("sys.stdout");
    stdout.set("write", native("write", stdout_write));
    stdout.set("flush", native("flush", stdout_flush));
    stderr.set("write", native("write", stderr_write));
    stderr.set("flush", native("flush", stdout_flush));
    sys.set("stderr", Value::Module(stderr));
    sys.set("stdout", Value::Module(stdout));
    sys.set("maxsize", Value::Int(i64::MAX));
    sys.set("argv", Value::list(vec![Value::str("")]));
    sys.set("exit", native("exit", sys_exit));
    sys.set(
        "getrecursionlimit",
        native("getrecursionlimit", sys_getrecursionlimit),
    );
    sys.set(
        "setrecursionlimit",
        native("setrecursionlimit", sys_setrecursionlimit),
    );
    let platform = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        os => os,
    };
    sys.set("platform", Value::str(platform));
    it.modules.push((Rc::from("sys"), sys));
}

/// `sys.exit(code=None)`: raises SystemExit, as the builtin `exit` does.
fn sys_exit(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("exit", kw)?;
    arity("exit", args, 0, 1)?;
    Err(new_exception(types().exc("SystemExit"), args.to_vec()))
}

/// The text argument of `sys.stdout.write` / `sys.stderr.write`.
fn write_arg<'a>(args: &'a [Value], kw: &Kwargs) -> PyResult<&'a str> {
    no_kwargs("write", kw)?;
    arity("write", args, 1, 1)?;
    match &args[0] {
        Value::Str(s) => Ok(s),
        other => Err(type_error(format!(
            "write() argument must be str, not {}",
            ops::type_name(other)
        ))),
    }
}

/// `sys.stdout.write(s)`: writes `s` where `print` writes, and returns its length.
fn stdout_write(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let s = write_arg(args, kw)?;
    it.write_out(s);
    Ok(Value::Int(s.chars().count() as i64))
}

/// `sys.stderr.write(s)`: standard output flushed first (as `print(file=sys.stderr)` does),
/// then `s` to standard error; returns its length.
fn stderr_write(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let s = write_arg(args, kw)?;
    it.flush();
    eprint!("{s}");
    Ok(Value::Int(s.chars().count() as i64))
}

/// `sys.stdout.flush()` / `sys.stderr.flush()`.
fn stdout_flush(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("flush", kw)?;
    arity("flush", args, 0, 0)?;
    it.flush();
    Ok(Value::None)
}

/// `sys.getrecursionlimit()`: aio's fixed limit, CPython's default.
fn sys_getrecursionlimit(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_kwargs("getrecursionlimit", kw)?;
    arity("getrecursionlimit", args, 0, 0)?;
    Ok(Value::Int(crate::interp::RECURSION_LIMIT as i64))
}

/// `sys.setrecursionlimit(n)`: aio's limit is fixed, so this is a clear error.
fn sys_setrecursionlimit(_: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    Err(err(
        "NotImplementedError",
        "aio does not support changing the recursion limit (it is fixed at 1000)",
    ))
}

/// Sets `sys.argv` to `argv`.
pub fn set_argv(it: &Interp, argv: &[String]) {
    if let Some((_, sys)) = it.modules.iter().find(|(n, _)| &**n == "sys") {
        let items = argv.iter().map(|a| Value::str(a)).collect();
        sys.set("argv", Value::list(items));
    }
}
