//! Methods of `set` and `frozenset`, and the set algebra their operators share, each built the
//! way CPython 3.11's `Objects/setobject.c` builds it: which operand is copied, which one is
//! iterated and which one probed decides the table the result gets, and so its order.

use super::builtins::{arity, method_arity, no_method_kwargs};
use super::dict::{Dict, DictKey};
use super::exceptions::{key_error, type_error};
use super::set::Set;
use super::str_methods::{rest, s};
use super::types::Types;
use super::value::{Kwargs, NativeFn, PyResult, Value, ViewKind};
use crate::interp::protocol::builtin_base;
use crate::interp::Interp;
use crate::runtime::value::B64;
use std::cell::RefCell;
use std::rc::Rc;

/// A shared set storage, as `Value::Set` and `Value::FrozenSet` hold it.
type SetRef = Rc<RefCell<Set>>;

/// A set (or frozenset) value holding `s`, registered with the collector.
pub fn set_value(s: Set, frozen: bool) -> Value {
    let s = Rc::new(RefCell::new(s));
    crate::runtime::gc::tracked(if frozen {
        Value::FrozenSet(s)
    } else {
        Value::Set(s)
    })
}

/// The set storage behind `v`: a set, a frozenset or an instance of a subclass of either
/// (what CPython's `PyAnySet_Check` accepts).
pub fn any_set(v: &Value) -> Option<SetRef> {
    match v {
        Value::Set(s) | Value::FrozenSet(s) => Some(s.clone()),
        Value::Instance(_) => match builtin_base(v) {
            Some(Value::Set(s) | Value::FrozenSet(s)) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `v` is a frozenset (or an instance of a subclass of one).
fn is_frozen(v: &Value) -> bool {
    match v {
        Value::FrozenSet(_) => true,
        Value::Instance(_) => matches!(builtin_base(v), Some(Value::FrozenSet(_))),
        _ => false,
    }
}

/// The storage of `self` for a method of `set` (and of `frozenset` when `frozen_ok`).
fn this_set(args: &[Value], name: &str, frozen_ok: bool) -> PyResult<SetRef> {
    let this = args.first().cloned().unwrap_or_default();
    match any_set(&this) {
        Some(s) if frozen_ok || !is_frozen(&this) => Ok(s),
        _ => Err(type_error(format!(
            "descriptor '{name}' requires a 'set' object"
        ))),
    }
}

/// `v` as an element to look for: a set stands for the frozenset of its elements, as in
/// CPython's `set_contains`, `set_discard` and `set_remove`.
fn lookup_key(it: &mut Interp, v: Value) -> PyResult<DictKey> {
    if let Value::Set(s) = &v {
        let f = s.borrow().copy();
        return it.key(Value::FrozenSet(Rc::new(RefCell::new(f))));
    }
    it.key(v)
}

/// Whether the set `s` holds an element equal to `v` (`x in s`).
pub fn contains(it: &mut Interp, s: &RefCell<Set>, v: &Value) -> PyResult<bool> {
    let k = lookup_key(it, v.clone())?;
    it.set_has(s, &k)
}

/// Adds the elements of `other` to `so` (`set_update_internal`): a set is merged, a dict's
/// keys go in after one resize for all of them, anything else is iterated.
pub fn update(it: &mut Interp, so: &RefCell<Set>, other: &Value) -> PyResult<()> {
    if let Some(o) = any_set(other) {
        return merge(it, so, &o);
    }
    if let Value::Dict(d) = other {
        so.borrow_mut().presize(d.borrow().len());
        let keys: Vec<DictKey> = d.borrow().map.keys().cloned().collect();
        for k in keys {
            it.set_add(so, k)?;
        }
        return Ok(());
    }
    let iter = it.get_iter(other)?;
    while let Some(x) = it.next_opt(&iter)? {
        let k = it.key(x)?;
        it.set_add(so, k)?;
    }
    Ok(())
}

/// Adds the elements of the set `other` to `so` (`set_merge`): one resize first, then a copy
/// of the table when `so` is fresh, else one insertion per element in `other`'s order.
fn merge(it: &mut Interp, so: &RefCell<Set>, other: &RefCell<Set>) -> PyResult<()> {
    if std::ptr::eq(so, other) || other.borrow().is_empty() {
        return Ok(());
    }
    {
        let o = other.borrow();
        let mut s = so.borrow_mut();
        s.presize(o.len());
        if s.merge_into_empty(&o) {
            return Ok(());
        }
    }
    let keys = other.borrow().keys();
    for k in keys {
        it.set_add(so, k)?;
    }
    Ok(())
}

/// A new set of the elements of `iterable` (`set(iterable)`, `frozenset(iterable)`).
pub fn from_iterable(it: &mut Interp, iterable: Option<&Value>) -> PyResult<Set> {
    let s = RefCell::new(Set::new());
    if let Some(v) = iterable {
        update(it, &s, v)?;
    }
    Ok(s.into_inner())
}

/// `so & other` (`set_intersection`): with two sets the smaller one is iterated and its
/// elements kept; otherwise `other` is iterated (until every element of `so` was found) and
/// its elements kept.
fn intersection(it: &mut Interp, so: &SetRef, other: &Value) -> PyResult<Set> {
    if let Value::Set(o) | Value::FrozenSet(o) = other {
        if Rc::ptr_eq(so, o) {
            return Ok(so.borrow().copy());
        }
    }
    let result = RefCell::new(Set::new());
    if let Some(o) = any_set(other) {
        let (big, small) = if o.borrow().len() > so.borrow().len() {
            (o, so.clone())
        } else {
            (so.clone(), o)
        };
        let keys = small.borrow().keys();
        for k in keys {
            if it.set_has(&big, &k)? {
                it.set_add(&result, k)?;
            }
        }
        return Ok(result.into_inner());
    }
    let iter = it.get_iter(other)?;
    while let Some(x) = it.next_opt(&iter)? {
        let k = it.key(x)?;
        if it.set_has(so, &k)? {
            it.set_add(&result, k)?;
            if result.borrow().len() >= so.borrow().len() {
                break;
            }
        }
    }
    Ok(result.into_inner())
}

/// `so.intersection(*others)`: a copy when there are none.
fn intersection_multi(it: &mut Interp, so: &SetRef, others: &[Value]) -> PyResult<Set> {
    let mut result = so.clone();
    for o in others {
        result = Rc::new(RefCell::new(intersection(it, &result, o)?));
    }
    if Rc::ptr_eq(&result, so) {
        return Ok(so.borrow().copy());
    }
    let s = std::mem::take(&mut *result.borrow_mut());
    Ok(s)
}

/// Removes the elements of `other` from `so` (`set_difference_update_internal`), then drops
/// the dummies if they are more than a quarter of the table.
fn difference_update(it: &mut Interp, so: &RefCell<Set>, other: &Value) -> PyResult<()> {
    if let Some(o) = any_set(other) {
        if std::ptr::eq(so, &*o) {
            let old = so.borrow_mut().clear();
            drop(old);
            return Ok(());
        }
        let keys = o.borrow().keys();
        for k in keys {
            it.set_discard(so, &k)?;
        }
    } else {
        let iter = it.get_iter(other)?;
        while let Some(x) = it.next_opt(&iter)? {
            let k = it.key(x)?;
            it.set_discard(so, &k)?;
        }
    }
    so.borrow_mut().purge_dummies();
    Ok(())
}

/// `so - other` (`set_difference`): a copy with `other`'s elements removed when `other` is
/// not a set or dict or is much smaller, else the elements of `so` not in `other`.
fn difference(it: &mut Interp, so: &SetRef, other: &Value) -> PyResult<Set> {
    let other_set = any_set(other);
    let other_size = match (&other_set, other) {
        (Some(o), _) => Some(o.borrow().len()),
        (None, Value::Dict(d)) => Some(d.borrow().len()),
        _ => None,
    };
    let copy_and_remove = match other_size {
        Some(n) => so.borrow().len() >> 2 > n,
        None => true,
    };
    if copy_and_remove {
        let result = RefCell::new(so.borrow().copy());
        difference_update(it, &result, other)?;
        return Ok(result.into_inner());
    }
    let result = RefCell::new(Set::new());
    let keys = so.borrow().keys();
    for k in keys {
        let in_other = match (&other_set, other) {
            (Some(o), _) => it.set_has(o, &k)?,
            (None, Value::Dict(d)) => it.dict_has(d, &k)?,
            _ => false,
        };
        if !in_other {
            it.set_add(&result, k)?;
        }
    }
    Ok(result.into_inner())
}

/// `so.difference(*others)`: the first difference, then the others removed from it.
fn difference_multi(it: &mut Interp, so: &SetRef, others: &[Value]) -> PyResult<Set> {
    let Some((first, more)) = others.split_first() else {
        return Ok(so.borrow().copy());
    };
    let result = RefCell::new(difference(it, so, first)?);
    for o in more {
        difference_update(it, &result, o)?;
    }
    Ok(result.into_inner())
}

/// Flips the membership of each element of `other` in `so`
/// (`set_symmetric_difference_update`): a dict's keys and a set's elements as they are,
/// anything else through a new set first.
fn symmetric_difference_update(it: &mut Interp, so: &RefCell<Set>, other: &Value) -> PyResult<()> {
    let keys = match (any_set(other), other) {
        (Some(o), _) => {
            if std::ptr::eq(so, &*o) {
                let old = so.borrow_mut().clear();
                drop(old);
                return Ok(());
            }
            let keys = o.borrow().keys();
            keys
        }
        (None, Value::Dict(d)) => d.borrow().map.keys().cloned().collect(),
        (None, _) => from_iterable(it, Some(other))?.keys(),
    };
    for k in keys {
        if !it.set_discard(so, &k)? {
            it.set_add(so, k)?;
        }
    }
    Ok(())
}

/// `so ^ other` (`set_symmetric_difference`): a new set of `other`'s elements, updated with
/// `so`'s.
fn symmetric_difference(it: &mut Interp, so: &SetRef, other: &Value) -> PyResult<Set> {
    let result = RefCell::new(from_iterable(it, Some(other))?);
    symmetric_difference_update(it, &result, &Value::Set(so.clone()))?;
    Ok(result.into_inner())
}

/// `so.union(*others)`: a copy updated with each other in turn.
fn union(it: &mut Interp, so: &SetRef, others: &[Value]) -> PyResult<Set> {
    let result = RefCell::new(so.borrow().copy());
    for o in others {
        if matches!(o, Value::Set(x) | Value::FrozenSet(x) if Rc::ptr_eq(x, so)) {
            continue;
        }
        update(it, &result, o)?;
    }
    Ok(result.into_inner())
}

/// `a op b` for a set or frozenset `a` and a set or frozenset `b` (`|`, `&`, `-`, `^`), with
/// `a`'s kind.
fn set_binary(it: &mut Interp, op: char, a: &SetRef, b: &Value) -> PyResult<Set> {
    match op {
        '|' => union(it, a, std::slice::from_ref(b)),
        '&' => intersection(it, a, b),
        '-' => difference(it, a, b),
        _ => symmetric_difference(it, a, b),
    }
}

/// The set a dict view operator starts from (`dictviews_to_set`): a keys view's dict is
/// added as a dict, anything else iterated.
fn view_to_set(it: &mut Interp, v: &Value) -> PyResult<RefCell<Set>> {
    match v {
        Value::DictView(dv) if dv.kind == ViewKind::Keys => {
            let d = Value::Dict(dv.dict.clone());
            Ok(RefCell::new(from_iterable(it, Some(&d))?))
        }
        _ => Ok(RefCell::new(from_iterable(it, Some(v))?)),
    }
}

/// The length of a dict view.
fn view_len(v: &Value) -> Option<usize> {
    match v {
        Value::DictView(dv) if dv.kind != ViewKind::Values => Some(dv.dict.borrow().len()),
        _ => None,
    }
}

/// `a & b` where one operand is a keys or items view (`_PyDictView_Intersect`).
fn view_intersection(it: &mut Interp, a: &Value, b: &Value) -> PyResult<Value> {
    let (mut this, mut other) = if view_len(a).is_some() {
        (a, b)
    } else {
        (b, a)
    };
    let len_this = view_len(this).unwrap_or(0);
    if let Value::Set(o) = other {
        if len_this <= o.borrow().len() {
            let r = intersection(it, o, this)?;
            return Ok(set_value(r, false));
        }
    }
    if view_len(other).is_some_and(|n| n > len_this) {
        std::mem::swap(&mut this, &mut other);
    }
    let result = RefCell::new(Set::new());
    let iter = it.get_iter(other)?;
    while let Some(x) = it.next_opt(&iter)? {
        if it.contains(this, &x)? {
            let k = it.key(x)?;
            it.set_add(&result, k)?;
        }
    }
    Ok(set_value(result.into_inner(), false))
}

/// `a ^ b` for two items views (`dictitems_xor`): the pairs of `b` whose key is missing from
/// `a` or has another value there, then the pairs of `a` left over.
fn items_xor(it: &mut Interp, a: &Rc<RefCell<Dict>>, b: &Rc<RefCell<Dict>>) -> PyResult<Value> {
    let temp = RefCell::new(Dict::new());
    for (k, v) in a.borrow().map.iter() {
        temp.borrow_mut().insert(k.clone(), v.clone());
    }
    let result = RefCell::new(Set::new());
    let pairs: Vec<(DictKey, Value)> = b
        .borrow()
        .map
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v2) in pairs {
        let k = it.canonical(k, &temp)?;
        let v1 = temp.borrow().get(&k).cloned();
        let delete = match v1 {
            Some(v1) => it.eq(&v1, &v2)?,
            None => false,
        };
        if delete {
            temp.borrow_mut().remove(&k);
        } else {
            let pair = it.key(Value::tuple(vec![k.0, v2]))?;
            it.set_add(&result, pair)?;
        }
    }
    let rest: Vec<Value> = temp
        .borrow()
        .map
        .iter()
        .map(|(k, v)| Value::tuple(vec![k.0.clone(), v.clone()]))
        .collect();
    for pair in rest {
        let k = it.key(pair)?;
        it.set_add(&result, k)?;
    }
    Ok(set_value(result.into_inner(), false))
}

/// `a op b` with a keys or items view on either side (CPython's `dictviews_or`, `_sub`,
/// `_xor` and `_PyDictView_Intersect`): a new set; the other operand may be any iterable.
fn view_binary(it: &mut Interp, op: char, a: &Value, b: &Value) -> PyResult<Value> {
    if op == '&' {
        return view_intersection(it, a, b);
    }
    if let (Value::DictView(x), Value::DictView(y), '^') = (a, b, op) {
        if x.kind == ViewKind::Items && y.kind == ViewKind::Items {
            return items_xor(it, &x.dict, &y.dict);
        }
    }
    let result = view_to_set(it, a)?;
    match op {
        '|' => update(it, &result, b)?,
        '-' => difference_update(it, &result, b)?,
        _ => symmetric_difference_update(it, &result, b)?,
    }
    Ok(set_value(result.into_inner(), false))
}

/// `a op b` for the set operators `|`, `&`, `-` and `^`, when an operand is a set, a
/// frozenset or a keys or items view; `None` for other operands.
pub fn binary(it: &mut Interp, op: char, a: &Value, b: &Value) -> Option<PyResult<Value>> {
    match (a, b) {
        (Value::Set(x) | Value::FrozenSet(x), Value::Set(_) | Value::FrozenSet(_)) => {
            let frozen = matches!(a, Value::FrozenSet(_));
            Some(set_binary(it, op, x, b).map(|r| set_value(r, frozen)))
        }
        _ if view_len(a).is_some() || view_len(b).is_some() => Some(view_binary(it, op, a, b)),
        _ => None,
    }
}

/// `a op= b` for a set `a` and a set or frozenset `b`, in place (`set_ior`, `set_iand`,
/// `set_isub`, `set_ixor`); `None` for other operands (which then fall back to `a op b`).
pub fn inplace(it: &mut Interp, op: char, a: &Value, b: &Value) -> Option<PyResult<Value>> {
    let (Value::Set(x), Value::Set(_) | Value::FrozenSet(_)) = (a, b) else {
        return None;
    };
    let r = match op {
        '|' => update(it, x, b),
        '&' => intersection(it, x, b).map(|mut r| x.borrow_mut().take_body(&mut r)),
        '-' => difference_update(it, x, b),
        _ => symmetric_difference_update(it, x, b),
    };
    Some(r.map(|()| a.clone()))
}

fn set_union(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "union", kw)?;
    let so = this_set(args, "union", true)?;
    let r = union(it, &so, rest(args))?;
    Ok(set_value(r, is_frozen(&args[0])))
}

fn set_intersection(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "intersection", kw)?;
    let so = this_set(args, "intersection", true)?;
    let r = intersection_multi(it, &so, rest(args))?;
    Ok(set_value(r, is_frozen(&args[0])))
}

fn set_difference(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "difference", kw)?;
    let so = this_set(args, "difference", true)?;
    let r = difference_multi(it, &so, rest(args))?;
    Ok(set_value(r, is_frozen(&args[0])))
}

fn set_symmetric_difference(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "symmetric_difference", kw)?;
    method_arity(args, "symmetric_difference", 1, 1)?;
    let so = this_set(args, "symmetric_difference", true)?;
    let r = symmetric_difference(it, &so, &args[1])?;
    Ok(set_value(r, is_frozen(&args[0])))
}

fn set_update(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "update", kw)?;
    let so = this_set(args, "update", false)?;
    for o in rest(args) {
        update(it, &so, o)?;
    }
    Ok(Value::None)
}

fn set_intersection_update(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "intersection_update", kw)?;
    let so = this_set(args, "intersection_update", false)?;
    let mut r = intersection_multi(it, &so, rest(args))?;
    so.borrow_mut().take_body(&mut r);
    Ok(Value::None)
}

fn set_difference_update(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "difference_update", kw)?;
    let so = this_set(args, "difference_update", false)?;
    for o in rest(args) {
        difference_update(it, &so, o)?;
    }
    Ok(Value::None)
}

fn set_symmetric_difference_update(
    it: &mut Interp,
    args: &[Value],
    kw: &Kwargs,
) -> PyResult<Value> {
    no_method_kwargs(args, "symmetric_difference_update", kw)?;
    method_arity(args, "symmetric_difference_update", 1, 1)?;
    let so = this_set(args, "symmetric_difference_update", false)?;
    symmetric_difference_update(it, &so, &args[1])?;
    Ok(Value::None)
}

/// `self` and the other operand of a relation method.
fn relation_operands(args: &[Value], name: &str) -> PyResult<(SetRef, Value)> {
    arity(name, rest(args), 1, 1)?;
    Ok((this_set(args, name, true)?, args[1].clone()))
}

/// The set storage of `v`, or a new set of its elements.
fn as_set(it: &mut Interp, v: &Value) -> PyResult<SetRef> {
    match any_set(v) {
        Some(s) => Ok(s),
        None => Ok(Rc::new(RefCell::new(from_iterable(it, Some(v))?))),
    }
}

fn set_issubset(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "issubset", kw)?;
    method_arity(args, "issubset", 1, 1)?;
    let (so, other) = relation_operands(args, "issubset")?;
    let other = as_set(it, &other)?;
    if so.borrow().len() > other.borrow().len() {
        return Ok(Value::Bool(B64::FALSE));
    }
    Ok(Value::Bool(B64::new(it.is_subset(&so, &other)?)))
}

fn set_issuperset(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "issuperset", kw)?;
    method_arity(args, "issuperset", 1, 1)?;
    let (so, other) = relation_operands(args, "issuperset")?;
    if let Some(o) = any_set(&other) {
        let smaller = o.borrow().len() <= so.borrow().len();
        return Ok(Value::Bool(B64::new(smaller && it.is_subset(&o, &so)?)));
    }
    let iter = it.get_iter(&other)?;
    while let Some(x) = it.next_opt(&iter)? {
        let k = it.key(x)?;
        if !it.set_has(&so, &k)? {
            return Ok(Value::Bool(B64::FALSE));
        }
    }
    Ok(Value::Bool(B64::TRUE))
}

fn set_isdisjoint(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "isdisjoint", kw)?;
    method_arity(args, "isdisjoint", 1, 1)?;
    let (so, other) = relation_operands(args, "isdisjoint")?;
    if let Some(o) = any_set(&other) {
        let (big, small) = if o.borrow().len() > so.borrow().len() {
            (o, so)
        } else {
            (so, o)
        };
        let keys = small.borrow().keys();
        for k in keys {
            if it.set_has(&big, &k)? {
                return Ok(Value::Bool(B64::FALSE));
            }
        }
        return Ok(Value::Bool(B64::TRUE));
    }
    let iter = it.get_iter(&other)?;
    while let Some(x) = it.next_opt(&iter)? {
        let k = it.key(x)?;
        if it.set_has(&so, &k)? {
            return Ok(Value::Bool(B64::FALSE));
        }
    }
    Ok(Value::Bool(B64::TRUE))
}

fn set_clear(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "clear", kw)?;
    method_arity(args, "clear", 0, 0)?;
    let so = this_set(args, "clear", false)?;
    let old = so.borrow_mut().clear();
    drop(old);
    Ok(Value::None)
}

fn set_copy(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "copy", kw)?;
    method_arity(args, "copy", 0, 0)?;
    let so = this_set(args, "copy", true)?;
    if let Some(v @ Value::FrozenSet(_)) = args.first() {
        return Ok(v.clone());
    }
    let copy = so.borrow().copy();
    Ok(set_value(copy, is_frozen(&args[0])))
}

fn set_add(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "add", kw)?;
    method_arity(args, "add", 1, 1)?;
    let so = this_set(args, "add", false)?;
    let k = it.key(args[1].clone())?;
    it.set_add(&so, k)?;
    Ok(Value::None)
}

fn set_discard(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "discard", kw)?;
    method_arity(args, "discard", 1, 1)?;
    let so = this_set(args, "discard", false)?;
    let k = lookup_key(it, args[1].clone())?;
    it.set_discard(&so, &k)?;
    Ok(Value::None)
}

fn set_remove(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "remove", kw)?;
    method_arity(args, "remove", 1, 1)?;
    let so = this_set(args, "remove", false)?;
    let x = args[1].clone();
    let k = lookup_key(it, x.clone())?;
    if it.set_discard(&so, &k)? {
        Ok(Value::None)
    } else {
        Err(key_error(x))
    }
}

fn set_pop(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "pop", kw)?;
    method_arity(args, "pop", 0, 0)?;
    let so = this_set(args, "pop", false)?;
    let r = so.borrow_mut().pop();
    r.map(|k| k.0)
        .ok_or_else(|| key_error(s("pop from an empty set")))
}

/// `s.__init__(iterable)` on an existing set: emptied, then updated (`set_init`).
pub fn reinit(it: &mut Interp, so: &RefCell<Set>, iterable: Option<&Value>) -> PyResult<()> {
    let old = so.borrow_mut().clear();
    drop(old);
    match iterable {
        Some(v) => update(it, so, v),
        None => Ok(()),
    }
}

/// Puts the methods into `set`'s and `frozenset`'s namespaces.
pub fn install(t: &Types) {
    let shared: &[(&'static str, NativeFn)] = &[
        ("union", set_union),
        ("intersection", set_intersection),
        ("difference", set_difference),
        ("symmetric_difference", set_symmetric_difference),
        ("issubset", set_issubset),
        ("issuperset", set_issuperset),
        ("isdisjoint", set_isdisjoint),
        ("copy", set_copy),
    ];
    super::methods::add(&t.set, shared);
    super::methods::add(&t.frozenset, shared);
    super::methods::add(
        &t.set,
        &[
            ("add", set_add),
            ("discard", set_discard),
            ("remove", set_remove),
            ("pop", set_pop),
            ("clear", set_clear),
            ("update", set_update),
            ("intersection_update", set_intersection_update),
            ("difference_update", set_difference_update),
            (
                "symmetric_difference_update",
                set_symmetric_difference_update,
            ),
        ],
    );
}
