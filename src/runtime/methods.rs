//! Methods of the builtin types: str, list, dict, set, tuple, int, float, and the
//! generator / coroutine protocol methods.

use super::builtins::{
    arity, dict_fill, index_arg, kwarg, method_arity, native, no_method_kwargs, sort_keywords,
    sort_values, to_i64,
};
use super::dict::Dict;
use super::exceptions::{index_error, key_error, type_error, value_error};
use super::ops::{norm_index, type_name};
use super::str_methods::{rest, s};
use super::types::Types;
use super::value::{DictView, Kwargs, NativeFn, PyResult, RangeObj, Value, ViewKind};
use crate::interp::Interp;
use crate::runtime::value::B64;
use std::cell::RefCell;
use std::rc::Rc;

fn this_list(args: &[Value], name: &str) -> PyResult<Rc<RefCell<Vec<Value>>>> {
    match args.first() {
        Some(Value::List(l)) => Ok(l.clone()),
        _ => Err(type_error(format!(
            "descriptor '{name}' requires a 'list' object"
        ))),
    }
}

fn list_append(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "append", kw)?;
    method_arity(args, "append", 1, 1)?;
    arity("list.append", rest(args), 1, 1).map_err(|_| {
        type_error(format!(
            "list.append() takes exactly one argument ({} given)",
            args.len() - 1
        ))
    })?;
    this_list(args, "append")?
        .borrow_mut()
        .push(args[1].clone());
    Ok(Value::None)
}

fn list_extend(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "extend", kw)?;
    method_arity(args, "extend", 1, 1)?;
    let l = this_list(args, "extend")?;
    let items = it.iterate(args.get(1).unwrap_or(&Value::None))?;
    l.borrow_mut().extend(items);
    Ok(Value::None)
}

fn list_insert(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "insert", kw)?;
    method_arity(args, "insert", 2, 2)?;
    if args.len() != 3 {
        return Err(type_error(format!(
            "insert expected 2 arguments, got {}",
            args.len() - 1
        )));
    }
    let l = this_list(args, "insert")?;
    // `__index__` runs Python code, so it goes before the list is borrowed.
    let i = to_i64(&index_arg(it, &args[1])?, "")?;
    let mut l = l.borrow_mut();
    let n = l.len() as i64;
    let i = if i < 0 { (i + n).max(0) } else { i.min(n) };
    l.insert(i as usize, args[2].clone());
    Ok(Value::None)
}

fn list_pop(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "pop", kw)?;
    method_arity(args, "pop", 0, 1)?;
    let l = this_list(args, "pop")?;
    let i = match args.get(1) {
        Some(v) => to_i64(&index_arg(it, v)?, "")?,
        None => -1,
    };
    let mut l = l.borrow_mut();
    if l.is_empty() {
        return Err(index_error("pop from empty list"));
    }
    let j = norm_index(i, l.len()).ok_or_else(|| index_error("pop index out of range"))?;
    Ok(l.remove(j))
}

fn list_remove(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "remove", kw)?;
    method_arity(args, "remove", 1, 1)?;
    let l = this_list(args, "remove")?;
    let x = args.get(1).cloned().unwrap_or_default();
    let items = l.borrow().clone();
    for (i, v) in items.iter().enumerate() {
        if v.is(&x) || it.eq(v, &x)? {
            l.borrow_mut().remove(i);
            return Ok(Value::None);
        }
    }
    Err(value_error("list.remove(x): x not in list"))
}

/// `seq.index(x[, start[, stop]])` over `items`; `bounds` are the optional start and stop.
/// `what` makes the ValueError's message, only when `x` is not there (a list's shows
/// `repr(x)`, which may run the program's code).
fn seq_index(
    it: &mut Interp,
    items: &[Value],
    x: &Value,
    bounds: &[Value],
    what: impl FnOnce(&mut Interp) -> PyResult<String>,
) -> PyResult<Value> {
    let n = items.len() as i64;
    let bound = |v: Option<&Value>, default: i64| -> PyResult<i64> {
        let Some(v) = v else { return Ok(default) };
        let i = to_i64(
            v,
            "slice indices must be integers or have an __index__ method",
        )?;
        Ok(if i < 0 { (i + n).max(0) } else { i.min(n) })
    };
    let start = bound(bounds.first(), 0)?;
    let stop = bound(bounds.get(1), n)?;
    for i in start..stop {
        let v = &items[i as usize];
        if v.is(x) || it.eq(v, x)? {
            return Ok(Value::Int(i));
        }
    }
    Err(value_error(what(it)?))
}

fn list_index(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "index", kw)?;
    method_arity(args, "index", 1, 3)?;
    let items = this_list(args, "index")?.borrow().clone();
    let x = args.get(1).cloned().unwrap_or_default();
    let bounds = args.get(2..).unwrap_or(&[]);
    seq_index(it, &items, &x, bounds, |it| {
        Ok(format!("{} is not in list", it.repr(&x)?))
    })
}

fn seq_count(it: &mut Interp, items: &[Value], x: &Value) -> PyResult<Value> {
    let mut n = 0;
    for v in items {
        if v.is(x) || it.eq(v, x)? {
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

fn list_count(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "count", kw)?;
    method_arity(args, "count", 1, 1)?;
    let items = this_list(args, "count")?.borrow().clone();
    seq_count(it, &items, args.get(1).unwrap_or(&Value::None))
}

fn list_sort(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    sort_keywords(kw)?;
    if args.len() + kw.len() > 3 {
        return Err(type_error(format!(
            "sort() takes at most 2 arguments ({} given)",
            args.len() - 1 + kw.len()
        )));
    }
    if args.len() > 1 {
        return Err(type_error("sort() takes no positional arguments"));
    }
    let l = this_list(args, "sort")?;
    let mut items = std::mem::take(&mut *l.borrow_mut());
    let key = kwarg(kw, "key").filter(|k| !k.is_none());
    let reverse = match kwarg(kw, "reverse") {
        // An int, as CPython's `reverse: bool(accept={int})`.
        Some(v) => to_i64(&index_arg(it, &v)?, "")? != 0,
        None => false,
    };
    let r = sort_values(it, &mut items, key, reverse);
    let modified = !l.borrow().is_empty();
    *l.borrow_mut() = items;
    r?;
    if modified {
        return Err(value_error("list modified during sort"));
    }
    Ok(Value::None)
}

fn list_reverse(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "reverse", kw)?;
    method_arity(args, "reverse", 0, 0)?;
    this_list(args, "reverse")?.borrow_mut().reverse();
    Ok(Value::None)
}

fn list_copy(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "copy", kw)?;
    method_arity(args, "copy", 0, 0)?;
    Ok(Value::list(this_list(args, "copy")?.borrow().clone()))
}

fn list_clear(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "clear", kw)?;
    method_arity(args, "clear", 0, 0)?;
    let mut items = std::mem::take(&mut *this_list(args, "clear")?.borrow_mut());
    // CPython drops the items last to first (generators among them are closed in that order).
    items.reverse();
    drop(items);
    Ok(Value::None)
}

fn tuple_index(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "index", kw)?;
    method_arity(args, "index", 1, 3)?;
    let Some(Value::Tuple(t)) = args.first() else {
        return Err(type_error("descriptor 'index' requires a 'tuple' object"));
    };
    let t = t.clone();
    seq_index(
        it,
        &t,
        args.get(1).unwrap_or(&Value::None),
        args.get(2..).unwrap_or(&[]),
        |_| Ok("tuple.index(x): x not in tuple".into()),
    )
}

fn tuple_count(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "count", kw)?;
    method_arity(args, "count", 1, 1)?;
    let Some(Value::Tuple(t)) = args.first() else {
        return Err(type_error("descriptor 'count' requires a 'tuple' object"));
    };
    let t = t.clone();
    seq_count(it, &t, args.get(1).unwrap_or(&Value::None))
}

/// The position of `x` in `r`, for an int `x` (CPython's `range.index` fast path).
fn range_position(r: &RangeObj, x: &Value) -> Option<i128> {
    let x = match x {
        Value::Int(n) => *n as i128,
        Value::Bool(b) => b.get() as i128,
        Value::BigInt(b) => i128::try_from(&**b).ok()?,
        _ => return None,
    };
    let off = x - r.start;
    let inside = if r.step > 0 {
        x >= r.start && x < r.stop
    } else {
        x <= r.start && x > r.stop
    };
    (inside && off % r.step == 0).then(|| off / r.step)
}

fn this_range(args: &[Value], name: &str) -> PyResult<Rc<RangeObj>> {
    match args.first() {
        Some(Value::Range(r)) => Ok(r.clone()),
        _ => Err(type_error(format!(
            "descriptor '{name}' requires a 'range' object"
        ))),
    }
}

fn range_index(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "index", kw)?;
    method_arity(args, "index", 1, 1)?;
    let r = this_range(args, "index")?;
    let x = &args[1];
    if matches!(x, Value::Int(_) | Value::Bool(_) | Value::BigInt(_)) {
        return match range_position(&r, x) {
            Some(i) => Ok(Value::from_i128(i)),
            None => Err(value_error(format!("{} is not in range", it.repr(x)?))),
        };
    }
    let items = it.iterate(&args[0])?;
    seq_index(it, &items, x, &[], |_| {
        Ok("sequence.index(x): x not in sequence".into())
    })
}

fn range_count(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "count", kw)?;
    method_arity(args, "count", 1, 1)?;
    let r = this_range(args, "count")?;
    let x = &args[1];
    if matches!(x, Value::Int(_) | Value::Bool(_) | Value::BigInt(_)) {
        return Ok(Value::Int(range_position(&r, x).is_some() as i64));
    }
    let items = it.iterate(&args[0])?;
    seq_count(it, &items, x)
}

fn this_dict(args: &[Value], name: &str) -> PyResult<Rc<RefCell<Dict>>> {
    match args.first() {
        Some(Value::Dict(d)) => Ok(d.clone()),
        _ => Err(type_error(format!(
            "descriptor '{name}' requires a 'dict' object"
        ))),
    }
}

fn dict_get(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "get", kw)?;
    method_arity(args, "get", 1, 2)?;
    let d = this_dict(args, "get")?;
    let v = it.dict_lookup(&d, &args[1])?;
    Ok(v.unwrap_or_else(|| args.get(2).cloned().unwrap_or(Value::None)))
}

fn view(args: &[Value], kind: ViewKind) -> PyResult<Value> {
    let d = this_dict(args, "keys")?;
    Ok(crate::runtime::gc::tracked(Value::DictView(Rc::new(
        DictView { dict: d, kind },
    ))))
}

fn dict_keys(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "keys", kw)?;
    method_arity(args, "keys", 0, 0)?;
    view(args, ViewKind::Keys)
}

fn dict_values(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "values", kw)?;
    method_arity(args, "values", 0, 0)?;
    view(args, ViewKind::Values)
}

fn dict_items(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "items", kw)?;
    method_arity(args, "items", 0, 0)?;
    view(args, ViewKind::Items)
}

fn dict_pop(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "pop", kw)?;
    method_arity(args, "pop", 1, 2)?;
    let d = this_dict(args, "pop")?;
    // An empty dict answers without hashing the key, as CPython's _PyDict_Pop.
    let r = if d.borrow().is_empty() {
        None
    } else {
        let k = it.key_in(args[1].clone(), &d)?;
        d.borrow_mut().remove(&k)
    };
    match r {
        Some(v) => Ok(v),
        None => args
            .get(2)
            .cloned()
            .ok_or_else(|| key_error(args[1].clone())),
    }
}

fn dict_popitem(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "popitem", kw)?;
    method_arity(args, "popitem", 0, 0)?;
    let d = this_dict(args, "popitem")?;
    let r = d.borrow_mut().map.pop();
    match r {
        Some((k, v)) => Ok(Value::tuple(vec![k.0, v])),
        None => Err(key_error(s("popitem(): dictionary is empty"))),
    }
}

fn dict_setdefault(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "setdefault", kw)?;
    method_arity(args, "setdefault", 1, 2)?;
    let d = this_dict(args, "setdefault")?;
    let k = it.key_in(args[1].clone(), &d)?;
    let existing = d.borrow().get(&k).cloned();
    if let Some(v) = existing {
        return Ok(v);
    }
    let v = args.get(2).cloned().unwrap_or(Value::None);
    d.borrow_mut().insert(k, v.clone());
    Ok(v)
}

fn dict_update(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    method_arity(args, "update", 0, 1)?;
    let d = this_dict(args, "update")?;
    dict_fill(it, &d, args.get(1), kw)?;
    Ok(Value::None)
}

fn dict_copy(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "copy", kw)?;
    method_arity(args, "copy", 0, 0)?;
    let d = this_dict(args, "copy")?;
    let map = d.borrow().map.clone();
    Ok(crate::runtime::gc::tracked(Value::Dict(Rc::new(
        RefCell::new(Dict { map }),
    ))))
}

fn dict_clear(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "clear", kw)?;
    method_arity(args, "clear", 0, 0)?;
    this_dict(args, "clear")?.borrow_mut().map.clear();
    Ok(Value::None)
}

fn dict_fromkeys(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "fromkeys", kw)?;
    // Called on the class: args[0] is the class.
    method_arity(args, "fromkeys", 1, 2)?;
    let keys = it.iterate(args.get(1).unwrap_or(&Value::None))?;
    let v = args.get(2).cloned().unwrap_or(Value::None);
    let d = RefCell::new(Dict::new());
    for k in keys {
        let k = it.key(k)?;
        it.dict_insert(&d, k, v.clone())?;
    }
    Ok(crate::runtime::gc::tracked(Value::Dict(Rc::new(d))))
}

fn int_bit_length(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "bit_length", kw)?;
    method_arity(args, "bit_length", 0, 0)?;
    Ok(Value::Int(match args.first() {
        Some(Value::Int(i)) => 64 - i.unsigned_abs().leading_zeros() as i64,
        Some(Value::Bool(b)) => b.get() as i64,
        Some(Value::BigInt(b)) => b.bits() as i64,
        _ => {
            return Err(type_error(
                "descriptor 'bit_length' requires an 'int' object",
            ))
        }
    }))
}

fn int_bit_count(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "bit_count", kw)?;
    method_arity(args, "bit_count", 0, 0)?;
    Ok(Value::Int(match args.first() {
        Some(Value::Int(i)) => i.unsigned_abs().count_ones() as i64,
        Some(Value::Bool(b)) => b.get() as i64,
        Some(Value::BigInt(b)) => b
            .magnitude()
            .to_u64_digits()
            .iter()
            .map(|d| d.count_ones() as i64)
            .sum(),
        _ => {
            return Err(type_error(
                "descriptor 'bit_count' requires an 'int' object",
            ))
        }
    }))
}

fn slice_indices_method(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "indices", kw)?;
    method_arity(args, "indices", 1, 1)?;
    let Some(Value::Slice(sl)) = args.first() else {
        return Err(type_error("descriptor 'indices' requires a 'slice' object"));
    };
    let n = to_i64(rest(args).first().unwrap_or(&Value::None), "")?;
    if n < 0 {
        return Err(value_error("length should not be negative"));
    }
    let (a, b, c) = super::ops::slice_indices(sl, n as usize)?;
    Ok(Value::tuple(vec![
        Value::Int(a),
        Value::Int(b),
        Value::Int(c),
    ]))
}

fn float_is_integer(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "is_integer", kw)?;
    method_arity(args, "is_integer", 0, 0)?;
    match args.first() {
        Some(Value::Float(f)) => Ok(Value::Bool(B64::new(f.is_finite() && f.fract() == 0.0))),
        _ => Err(type_error(
            "descriptor 'is_integer' requires a 'float' object",
        )),
    }
}

fn this_gen(args: &[Value]) -> PyResult<Rc<crate::interp::generator::Generator>> {
    match args.first() {
        Some(Value::Generator(g)) => Ok(g.clone()),
        _ => Err(type_error("descriptor requires a generator object")),
    }
}

fn gen_send(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "send", kw)?;
    arity("send", rest(args), 1, 1)?;
    let g = this_gen(args)?;
    it.gen_send(&g, args[1].clone())
}

fn gen_next(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let g = this_gen(args)?;
    it.gen_send(&g, Value::None)
}

fn gen_iter(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(args.first().cloned().unwrap_or_default())
}

fn gen_throw(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "throw", kw)?;
    arity("throw", rest(args), 1, 3)?;
    let g = this_gen(args)?;
    let typ = &args[1];
    let exc = match (typ, args.get(2)) {
        (Value::Class(c), Some(v)) if c.is_exception && !v.is_none() => {
            if let Some(e) = super::value::Exc::from_value(v) {
                e
            } else {
                let inst = it.call(typ, vec![v.clone()], vec![])?;
                it.make_exception(inst)?
            }
        }
        _ => it.make_exception(typ.clone()).map_err(|_| {
            type_error(
                "exceptions must be classes or instances deriving from BaseException, not "
                    .to_string()
                    + &type_name(typ),
            )
        })?,
    };
    it.gen_throw(&g, exc)
}

fn coro_await(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let g = this_gen(args)?;
    Ok(crate::runtime::gc::tracked(Value::Iter(Rc::new(
        RefCell::new(super::value::NativeIter::CoroWrapper(g)),
    ))))
}

fn gen_close(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "close", kw)?;
    let g = this_gen(args)?;
    it.gen_close(&g)?;
    Ok(Value::None)
}

pub(crate) fn add(cls: &super::value::Class, methods: &[(&'static str, NativeFn)]) {
    let mut d = cls.dict.borrow_mut();
    for (name, f) in methods {
        d.insert(Rc::from(*name), native(name, *f));
    }
}

/// `dict_keys.isdisjoint(other)` / `dict_items.isdisjoint(other)`: no element of `other` is
/// in the view.
fn view_isdisjoint(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "isdisjoint", kw)?;
    method_arity(args, "isdisjoint", 1, 1)?;
    for x in it.iterate(&args[1])? {
        if it.contains(&args[0], &x)? {
            return Ok(Value::Bool(B64::FALSE));
        }
    }
    Ok(Value::Bool(B64::TRUE))
}

/// `staticmethod.__call__`: since Python 3.10 the wrapper calls the function it holds.
fn staticmethod_call(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let f = match args.first() {
        Some(Value::Instance(i)) => i.base_value.borrow().clone().unwrap_or_default(),
        _ => {
            return Err(type_error(
                "descriptor '__call__' requires a 'staticmethod' object",
            ))
        }
    };
    it.call(&f, args[1..].to_vec(), kw.clone())
}

/// Puts the builtin methods into the builtin classes' namespaces.
pub fn install(t: &Types) {
    add(&t.staticmethod, &[("__call__", staticmethod_call)]);
    add(&t.dict_keys, &[("isdisjoint", view_isdisjoint)]);
    add(&t.dict_items, &[("isdisjoint", view_isdisjoint)]);
    super::set_methods::install(t);
    super::deque::install(t);
    super::number_dunders::install(t);
    crate::interp::text::install_exception_text(t);
    super::str_methods::install(t);
    super::mappingproxy::install(t);
    add(
        &t.list,
        &[
            ("append", list_append),
            ("extend", list_extend),
            ("insert", list_insert),
            ("pop", list_pop),
            ("remove", list_remove),
            ("index", list_index),
            ("count", list_count),
            ("sort", list_sort),
            ("reverse", list_reverse),
            ("copy", list_copy),
            ("clear", list_clear),
        ],
    );
    add(&t.tuple, &[("index", tuple_index), ("count", tuple_count)]);
    add(&t.range, &[("index", range_index), ("count", range_count)]);
    add(
        &t.dict,
        &[
            ("get", dict_get),
            ("keys", dict_keys),
            ("values", dict_values),
            ("items", dict_items),
            ("pop", dict_pop),
            ("popitem", dict_popitem),
            ("setdefault", dict_setdefault),
            ("update", dict_update),
            ("copy", dict_copy),
            ("clear", dict_clear),
        ],
    );
    t.dict.dict.borrow_mut().insert(Rc::from("fromkeys"), {
        let f = native("fromkeys", dict_fromkeys);
        let cm = Rc::new(super::value::Instance {
            class: t.classmethod.clone(),
            attrs: RefCell::new(Default::default()),
            exc: None,
            base_value: RefCell::new(Some(f)),
        });
        Value::Instance(cm)
    });
    use super::number_methods as nm;
    add(
        &t.int,
        &[
            ("bit_length", int_bit_length),
            ("bit_count", int_bit_count),
            ("as_integer_ratio", nm::int_as_integer_ratio),
            ("conjugate", nm::int_conjugate),
        ],
    );
    add(&t.slice, &[("indices", slice_indices_method)]);
    add(
        &t.float,
        &[
            ("is_integer", float_is_integer),
            ("as_integer_ratio", nm::float_as_integer_ratio),
            ("conjugate", nm::float_conjugate),
            ("hex", nm::float_hex),
            ("fromhex", nm::float_fromhex),
        ],
    );
    let gen_methods: &[(&'static str, NativeFn)] = &[
        ("send", gen_send),
        ("throw", gen_throw),
        ("close", gen_close),
        ("__next__", gen_next),
        ("__iter__", gen_iter),
    ];
    add(&t.generator, gen_methods);
    add(
        &t.coroutine,
        &[
            ("send", gen_send),
            ("throw", gen_throw),
            ("close", gen_close),
            ("__await__", coro_await),
        ],
    );
    {
        use crate::interp::asyncgen::{ag_aclose, ag_aiter, ag_anext, ag_asend, ag_athrow};
        add(
            &t.async_generator,
            &[
                ("__aiter__", ag_aiter),
                ("__anext__", ag_anext),
                ("asend", ag_asend),
                ("athrow", ag_athrow),
                ("aclose", ag_aclose),
            ],
        );
    }
}
