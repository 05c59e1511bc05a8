//! Methods of `set` and `frozenset`, and the set algebra their operators share.

use super::builtins::arity;
use super::dict::{Dict, DictKey};
use super::exceptions::{key_error, type_error};
use super::str_methods::{rest, s};
use super::types::Types;
use super::value::{Kwargs, NativeFn, PyResult, Value};
use crate::interp::Interp;
use std::cell::RefCell;
use std::rc::Rc;

/// The storage of `self` for a method of `set` (and of `frozenset` when `frozen_ok`).
fn this_set(args: &[Value], name: &str, frozen_ok: bool) -> PyResult<Rc<RefCell<Dict>>> {
    match args.first() {
        Some(Value::Set(d)) => Ok(d.clone()),
        Some(Value::FrozenSet(d)) if frozen_ok => Ok(d.clone()),
        _ => Err(type_error(format!(
            "descriptor '{name}' requires a 'set' object"
        ))),
    }
}

/// The elements of any iterable as set keys (for the set methods that accept iterables).
fn set_items(it: &mut Interp, v: &Value) -> PyResult<Vec<DictKey>> {
    match v {
        Value::Set(d) | Value::FrozenSet(d) | Value::Dict(d) => {
            Ok(d.borrow().map.keys().cloned().collect())
        }
        other => {
            let items = it.iterate(other)?;
            items.into_iter().map(|x| it.key(x)).collect()
        }
    }
}

/// The elements of an iterable as a set's storage.
fn as_dict(it: &mut Interp, v: &Value) -> PyResult<RefCell<Dict>> {
    if let Value::Set(d) | Value::FrozenSet(d) = v {
        return Ok(RefCell::new(d.borrow().clone()));
    }
    let d = RefCell::new(Dict::new());
    for k in set_items(it, v)? {
        it.dict_insert(&d, k, Value::None)?;
    }
    Ok(d)
}

/// Set algebra shared by the methods and the operators: `a` combined with each of `others`
/// by `op` (`|`, `&`, `-` or `^`), as a new set.
pub fn set_op(
    it: &mut Interp,
    a: &Rc<RefCell<Dict>>,
    others: &[Value],
    op: char,
) -> PyResult<Value> {
    let mut cur = RefCell::new(a.borrow().clone());
    for o in others {
        let other = as_dict(it, o)?;
        let other_keys: Vec<DictKey> = other.borrow().map.keys().cloned().collect();
        match op {
            '|' => {
                for k in other_keys {
                    it.dict_insert(&cur, k, Value::None)?;
                }
            }
            '&' | '-' => {
                let keep_common = op == '&';
                let out = RefCell::new(Dict::new());
                let mine: Vec<DictKey> = cur.borrow().map.keys().cloned().collect();
                for k in mine {
                    if it.dict_has(&other, &k)? == keep_common {
                        out.borrow_mut().insert(k, Value::None);
                    }
                }
                cur = out;
            }
            _ => {
                let out = RefCell::new(Dict::new());
                let mine: Vec<DictKey> = cur.borrow().map.keys().cloned().collect();
                for k in mine {
                    if !it.dict_has(&other, &k)? {
                        out.borrow_mut().insert(k, Value::None);
                    }
                }
                for k in other_keys {
                    if !it.dict_has(&cur, &k)? {
                        out.borrow_mut().insert(k, Value::None);
                    }
                }
                cur = out;
            }
        }
    }
    Ok(crate::runtime::gc::tracked(Value::Set(Rc::new(cur))))
}

/// A result of the same kind as `self` (`frozenset.union` gives a frozenset).
fn same_kind(this: &Value, r: Value) -> Value {
    match (this, r) {
        (Value::FrozenSet(_), Value::Set(d)) => Value::FrozenSet(d),
        (_, r) => r,
    }
}

fn set_method(it: &mut Interp, args: &[Value], op: char, name: &str) -> PyResult<Value> {
    let d = this_set(args, name, true)?;
    let r = set_op(it, &d, rest(args), op)?;
    Ok(same_kind(&args[0], r))
}

fn set_union(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_method(it, args, '|', "union")
}

fn set_intersection(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_method(it, args, '&', "intersection")
}

fn set_difference(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_method(it, args, '-', "difference")
}

fn set_symmetric_difference(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("symmetric_difference", rest(args), 1, 1)?;
    set_method(it, args, '^', "symmetric_difference")
}

fn set_update_with(it: &mut Interp, args: &[Value], op: char, name: &str) -> PyResult<Value> {
    let d = this_set(args, name, false)?;
    if let Value::Set(n) = set_op(it, &d, rest(args), op)? {
        let map = std::mem::take(&mut n.borrow_mut().map);
        d.borrow_mut().map = map;
    }
    Ok(Value::None)
}

fn set_update(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_update_with(it, args, '|', "update")
}

fn set_intersection_update(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_update_with(it, args, '&', "intersection_update")
}

fn set_difference_update(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_update_with(it, args, '-', "difference_update")
}

fn set_symmetric_difference_update(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("symmetric_difference_update", rest(args), 1, 1)?;
    set_update_with(it, args, '^', "symmetric_difference_update")
}

/// `self` and the other operand of a relation method, both as set storage.
fn relation_operands(
    it: &mut Interp,
    args: &[Value],
    name: &str,
) -> PyResult<(Rc<RefCell<Dict>>, RefCell<Dict>)> {
    arity(name, rest(args), 1, 1)?;
    let d = this_set(args, name, true)?;
    let other = as_dict(it, &args[1])?;
    Ok((d, other))
}

fn set_issubset(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let (d, other) = relation_operands(it, args, "issubset")?;
    Ok(Value::Bool(it.is_subset(&d, &other)?))
}

fn set_issuperset(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let (d, other) = relation_operands(it, args, "issuperset")?;
    Ok(Value::Bool(it.is_subset(&other, &d)?))
}

fn set_isdisjoint(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let (d, other) = relation_operands(it, args, "isdisjoint")?;
    let mine: Vec<DictKey> = d.borrow().map.keys().cloned().collect();
    for k in mine {
        if it.dict_has(&other, &k)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn set_clear(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    this_set(args, "clear", false)?.borrow_mut().map.clear();
    Ok(Value::None)
}

fn set_copy(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let d = this_set(args, "copy", true)?;
    if let Some(v @ Value::FrozenSet(_)) = args.first() {
        return Ok(v.clone());
    }
    let copy = d.borrow().clone();
    Ok(crate::runtime::gc::tracked(Value::Set(Rc::new(
        RefCell::new(copy),
    ))))
}

fn set_add(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("add", rest(args), 1, 1)?;
    let d = this_set(args, "add", false)?;
    let k = it.key(args[1].clone())?;
    it.dict_insert(&d, k, Value::None)?;
    Ok(Value::None)
}

fn set_discard(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("discard", rest(args), 1, 1)?;
    let d = this_set(args, "discard", false)?;
    let k = it.key_in(args[1].clone(), &d)?;
    d.borrow_mut().remove(&k);
    Ok(Value::None)
}

fn set_remove(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("remove", rest(args), 1, 1)?;
    let d = this_set(args, "remove", false)?;
    let x = args[1].clone();
    let k = it.key_in(x.clone(), &d)?;
    let r = d.borrow_mut().remove(&k);
    r.map(|_| Value::None).ok_or_else(|| key_error(x))
}

fn set_pop(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("pop", rest(args), 0, 0)?;
    let d = this_set(args, "pop", false)?;
    let first = d.borrow().table_order().first().copied();
    let r = first.and_then(|i| d.borrow_mut().map.shift_remove_index(i));
    r.map(|(k, _)| k.0)
        .ok_or_else(|| key_error(s("pop from an empty set")))
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
