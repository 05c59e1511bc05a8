//! `collections.deque`: a sequence with O(1) appends and pops at both ends (a ring buffer of
//! values), with CPython's methods, `maxlen` trimming, errors and repr. asyncio's `Queue`
//! keeps its items in one, as CPython's does.

use super::builtins::{index_arg, kwarg, method_arity, native, no_method_kwargs, to_i64};
use super::exceptions::{err, index_error, type_error, value_error};
use super::ops::type_name;
use super::types::Types;
use super::value::{Kwargs, Module, PyResult, Value};
use crate::interp::Interp;
use crate::syntax::ast::BinOp;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// A deque's contents.
#[derive(Debug, Default)]
pub struct Deque {
    /// The items, left to right.
    pub items: VecDeque<Value>,
    /// The most items it keeps (`None`: no bound); appends past it drop from the other end.
    pub maxlen: Option<usize>,
    /// Counts changes of its length or order: an iterator that sees it change raises.
    pub state: u64,
}

impl Drop for Deque {
    fn drop(&mut self) {
        // Nested containers that die with it go through `release` (no deep recursion).
        super::drop::release(std::mem::take(&mut self.items));
    }
}

impl Deque {
    /// Appends `v` on the right (dropping the leftmost item when full): what was dropped.
    pub fn push_back(&mut self, v: Value) -> Option<Value> {
        self.state = self.state.wrapping_add(1);
        if self.maxlen == Some(0) {
            return Some(v);
        }
        let out = if Some(self.items.len()) == self.maxlen {
            self.items.pop_front()
        } else {
            None
        };
        self.items.push_back(v);
        out
    }

    /// Appends `v` on the left (dropping the rightmost item when full): what was dropped.
    pub fn push_front(&mut self, v: Value) -> Option<Value> {
        self.state = self.state.wrapping_add(1);
        if self.maxlen == Some(0) {
            return Some(v);
        }
        let out = if Some(self.items.len()) == self.maxlen {
            self.items.pop_back()
        } else {
            None
        };
        self.items.push_front(v);
        out
    }

    /// Removes and returns the leftmost item.
    pub fn pop_front(&mut self) -> Option<Value> {
        self.state = self.state.wrapping_add(1);
        self.items.pop_front()
    }

    /// Removes and returns the rightmost item.
    pub fn pop_back(&mut self) -> Option<Value> {
        self.state = self.state.wrapping_add(1);
        self.items.pop_back()
    }
}

/// A new deque value holding `items` (the rightmost kept when there are more than `maxlen`).
pub fn new_value(items: impl IntoIterator<Item = Value>, maxlen: Option<usize>) -> Value {
    let mut d = Deque {
        items: VecDeque::new(),
        maxlen,
        state: 0,
    };
    for v in items {
        drop(d.push_back(v));
    }
    let r = Rc::new(RefCell::new(d));
    super::gc::track(&r);
    Value::Deque(r)
}

/// `deque(iterable=(), maxlen=None)`.
pub fn ctor(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    if args.len() > 2 {
        return Err(type_error(format!(
            "deque expected at most 2 arguments, got {}",
            args.len()
        )));
    }
    for (k, _) in kw {
        if !matches!(&**k, "iterable" | "maxlen") {
            return Err(type_error(format!(
                "deque() got an unexpected keyword argument '{k}'"
            )));
        }
    }
    let iterable = args.first().cloned().or_else(|| kwarg(kw, "iterable"));
    let maxlen = match args.get(1).cloned().or_else(|| kwarg(kw, "maxlen")) {
        None | Some(Value::None) => None,
        Some(v) => {
            let n = to_i64(&index_arg(it, &v)?, "")?;
            if n < 0 {
                return Err(value_error("maxlen must be non-negative"));
            }
            Some(n as usize)
        }
    };
    let items = match iterable {
        Some(v) => it.iterate(&v)?,
        None => Vec::new(),
    };
    Ok(new_value(items, maxlen))
}

/// The deque a method was called on.
fn this(args: &[Value], name: &str) -> PyResult<Rc<RefCell<Deque>>> {
    match args.first() {
        Some(Value::Deque(d)) => Ok(d.clone()),
        _ => {
            Err(type_error(format!(
            "descriptor '{name}' for 'collections.deque' objects doesn't apply to a '{}' object",
            args.first().map(type_name).unwrap_or_else(|| Rc::from("NoneType"))
        )))
        }
    }
}

/// The deque and the method's one argument.
fn one(args: &[Value], kw: &Kwargs, name: &str) -> PyResult<(Rc<RefCell<Deque>>, Value)> {
    no_method_kwargs(args, name, kw)?;
    method_arity(args, name, 1, 1)?;
    Ok((this(args, name)?, args[1].clone()))
}

fn none_method(args: &[Value], kw: &Kwargs, name: &str) -> PyResult<Rc<RefCell<Deque>>> {
    no_method_kwargs(args, name, kw)?;
    method_arity(args, name, 0, 0)?;
    this(args, name)
}

fn d_append(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let (d, v) = one(args, kw, "append")?;
    let out = d.borrow_mut().push_back(v);
    drop(out);
    Ok(Value::None)
}

fn d_appendleft(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let (d, v) = one(args, kw, "appendleft")?;
    let out = d.borrow_mut().push_front(v);
    drop(out);
    Ok(Value::None)
}

fn d_pop(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let d = none_method(args, kw, "pop")?;
    let v = d.borrow_mut().pop_back();
    v.ok_or_else(|| index_error("pop from an empty deque"))
}

fn d_popleft(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let d = none_method(args, kw, "popleft")?;
    let v = d.borrow_mut().pop_front();
    v.ok_or_else(|| index_error("pop from an empty deque"))
}

/// `extend(iterable)` (`extendleft` with `left`): the items taken first (the deque itself
/// may be the iterable), then appended one by one at that end.
fn extend(it: &mut Interp, args: &[Value], kw: &Kwargs, left: bool) -> PyResult<Value> {
    let name = if left { "extendleft" } else { "extend" };
    let (d, v) = one(args, kw, name)?;
    let items = it.iterate(&v)?;
    let mut out = Vec::new();
    {
        let mut d = d.borrow_mut();
        for v in items {
            out.extend(if left {
                d.push_front(v)
            } else {
                d.push_back(v)
            });
        }
    }
    drop(out);
    Ok(Value::None)
}

fn d_extend(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    extend(it, args, kw, false)
}

fn d_extendleft(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    extend(it, args, kw, true)
}

fn d_clear(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let d = none_method(args, kw, "clear")?;
    let old = {
        let mut d = d.borrow_mut();
        d.state = d.state.wrapping_add(1);
        std::mem::take(&mut d.items)
    };
    drop(old);
    Ok(Value::None)
}

fn d_copy(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let d = none_method(args, kw, "copy")?;
    let (items, maxlen) = {
        let d = d.borrow();
        (d.items.clone(), d.maxlen)
    };
    Ok(new_value(items, maxlen))
}

/// A snapshot of the items, and the state it was taken at.
fn snapshot(d: &RefCell<Deque>) -> (Vec<Value>, u64) {
    let d = d.borrow();
    (d.items.iter().cloned().collect(), d.state)
}

/// Raises when a comparison run by a method changed the deque.
fn unchanged(d: &RefCell<Deque>, state: u64) -> PyResult<()> {
    if d.borrow().state != state {
        return Err(err("RuntimeError", "deque mutated during iteration"));
    }
    Ok(())
}

fn d_count(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let (d, x) = one(args, kw, "count")?;
    let (items, state) = snapshot(&d);
    let mut n = 0;
    for v in &items {
        if v.is(&x) || it.eq(v, &x)? {
            n += 1;
        }
        unchanged(&d, state)?;
    }
    Ok(Value::Int(n))
}

fn d_index(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "index", kw)?;
    method_arity(args, "index", 1, 3)?;
    let d = this(args, "index")?;
    let x = args[1].clone();
    let (items, state) = snapshot(&d);
    let n = items.len() as i64;
    let bound = |it: &mut Interp, v: Option<&Value>, default: i64| -> PyResult<i64> {
        let Some(v) = v else { return Ok(default) };
        let i = to_i64(&index_arg(it, v)?, "")?;
        Ok(if i < 0 { (i + n).max(0) } else { i.min(n) })
    };
    let start = bound(it, args.get(2), 0)?;
    let stop = bound(it, args.get(3), n)?;
    for i in start..stop {
        let v = &items[i as usize];
        if v.is(&x) || it.eq(v, &x)? {
            return Ok(Value::Int(i));
        }
        unchanged(&d, state)?;
    }
    Err(value_error(format!("{} is not in deque", it.repr(&x)?)))
}

fn d_insert(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "insert", kw)?;
    method_arity(args, "insert", 2, 2)?;
    let d = this(args, "insert")?;
    let i = to_i64(&index_arg(it, &args[1])?, "")?;
    let mut d = d.borrow_mut();
    if Some(d.items.len()) == d.maxlen {
        return Err(index_error("deque already at its maximum size"));
    }
    let n = d.items.len() as i64;
    let i = if i < 0 { (i + n).max(0) } else { i.min(n) };
    d.state = d.state.wrapping_add(1);
    d.items.insert(i as usize, args[2].clone());
    Ok(Value::None)
}

fn d_remove(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let (d, x) = one(args, kw, "remove")?;
    let (items, state) = snapshot(&d);
    for (i, v) in items.iter().enumerate() {
        let found = v.is(&x) || it.eq(v, &x)?;
        unchanged(&d, state)?;
        if found {
            let old = {
                let mut d = d.borrow_mut();
                d.state = d.state.wrapping_add(1);
                d.items.remove(i)
            };
            drop(old);
            return Ok(Value::None);
        }
    }
    Err(value_error(format!("{} is not in deque", it.repr(&x)?)))
}

fn d_reverse(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let d = none_method(args, kw, "reverse")?;
    let mut d = d.borrow_mut();
    d.state = d.state.wrapping_add(1);
    d.items.make_contiguous().reverse();
    Ok(Value::None)
}

fn d_rotate(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "rotate", kw)?;
    method_arity(args, "rotate", 0, 1)?;
    let d = this(args, "rotate")?;
    let n = match args.get(1) {
        Some(v) => to_i64(&index_arg(it, v)?, "")?,
        None => 1,
    };
    let mut d = d.borrow_mut();
    let len = d.items.len() as i64;
    if len > 1 {
        let k = n.rem_euclid(len) as usize;
        d.state = d.state.wrapping_add(1);
        d.items.rotate_right(k);
    }
    Ok(Value::None)
}

/// `repr(d)`: `deque([1, 2])`, with `, maxlen=n` when bounded; `[...]` for a deque inside
/// itself.
pub fn repr(it: &mut Interp, v: &Value, d: &RefCell<Deque>) -> PyResult<String> {
    if it.repr_enter(v) {
        return Ok("[...]".into());
    }
    let (items, maxlen) = {
        let d = d.borrow();
        (d.items.iter().cloned().collect::<Vec<_>>(), d.maxlen)
    };
    let r = it.join_reprs(&items);
    it.repr_leave();
    let r = r?;
    Ok(match maxlen {
        Some(n) => format!("deque([{r}], maxlen={n})"),
        None => format!("deque([{r}])"),
    })
}

/// The items of a deque, left to right.
pub fn items(d: &RefCell<Deque>) -> Vec<Value> {
    d.borrow().items.iter().cloned().collect()
}

/// `d + other` and `d * n` / `n * d` (`None`: neither operand makes it a deque operation).
pub fn binary(it: &mut Interp, op: BinOp, a: &Value, b: &Value) -> Option<PyResult<Value>> {
    match (op, a, b) {
        (BinOp::Add, Value::Deque(x), Value::Deque(y)) => {
            let maxlen = x.borrow().maxlen;
            let mut all = items(x);
            all.extend(items(y));
            Some(Ok(new_value(all, maxlen)))
        }
        (BinOp::Add, Value::Deque(_), other) => Some(Err(type_error(format!(
            "can only concatenate deque (not \"{}\") to deque",
            type_name(other)
        )))),
        (BinOp::Mul, Value::Deque(x), n) | (BinOp::Mul, n, Value::Deque(x)) => {
            Some(repeat(it, x, n).map(|(all, maxlen)| new_value(all, maxlen)))
        }
        _ => None,
    }
}

/// The items of `d` repeated `n` times (an int, or an object with `__index__`).
fn repeat(it: &mut Interp, d: &RefCell<Deque>, n: &Value) -> PyResult<(Vec<Value>, Option<usize>)> {
    let n = match n {
        Value::Int(_) | Value::Bool(_) | Value::BigInt(_) | Value::Instance(_) => {
            match index_arg(it, n) {
                Ok(v) => to_i64(&v, "")?,
                Err(_) => return Err(non_int(n)),
            }
        }
        other => return Err(non_int(other)),
    };
    let (base, maxlen) = (items(d), d.borrow().maxlen);
    let times = n.max(0) as usize;
    let total = base.len().saturating_mul(times);
    if total > isize::MAX as usize / std::mem::size_of::<Value>() {
        return Err(err("MemoryError", ""));
    }
    let mut all = Vec::with_capacity(total);
    for _ in 0..times {
        all.extend(base.iter().cloned());
    }
    Ok((all, maxlen))
}

fn non_int(v: &Value) -> crate::runtime::value::Exc {
    type_error(format!(
        "can't multiply sequence by non-int of type '{}'",
        type_name(v)
    ))
}

/// `d += iterable` and `d *= n`, in place (`None`: not a deque on the left).
pub fn inplace(it: &mut Interp, op: BinOp, a: &Value, b: &Value) -> Option<PyResult<Value>> {
    let Value::Deque(d) = a else { return None };
    let r = match op {
        BinOp::Add => it.iterate(b).map(|items| {
            let mut out = Vec::new();
            let mut d = d.borrow_mut();
            for v in items {
                out.extend(d.push_back(v));
            }
            drop(d);
            drop(out);
        }),
        BinOp::Mul => repeat(it, d, b).map(|(all, _)| {
            let mut out = Vec::new();
            let mut dm = d.borrow_mut();
            dm.state = dm.state.wrapping_add(1);
            out.extend(std::mem::take(&mut dm.items));
            for v in all {
                out.extend(dm.push_back(v));
            }
            drop(dm);
            drop(out);
        }),
        _ => return None,
    };
    Some(r.map(|()| a.clone()))
}

/// The position `d[i]` names, for an index `i` (an int or an object with `__index__`).
fn position(it: &mut Interp, d: &RefCell<Deque>, i: &Value) -> PyResult<usize> {
    let i = match i {
        Value::Int(_) | Value::Bool(_) | Value::BigInt(_) | Value::Instance(_) => {
            match index_arg(it, i) {
                Ok(v) => v,
                Err(_) => return Err(bad_index(i)),
            }
        }
        other => return Err(bad_index(other)),
    };
    let n = d.borrow().items.len() as i64;
    let k = match i {
        Value::Int(k) => k,
        _ => return Err(index_error("cannot fit 'int' into an index-sized integer")),
    };
    let k = if k < 0 { k + n } else { k };
    if k < 0 || k >= n {
        return Err(index_error("deque index out of range"));
    }
    Ok(k as usize)
}

fn bad_index(v: &Value) -> crate::runtime::value::Exc {
    type_error(format!(
        "sequence index must be integer, not '{}'",
        type_name(v)
    ))
}

/// `d[i]`.
pub fn get_item(it: &mut Interp, d: &RefCell<Deque>, i: &Value) -> PyResult<Value> {
    let k = position(it, d, i)?;
    Ok(d.borrow().items[k].clone())
}

/// `d[i] = v`.
pub fn set_item(it: &mut Interp, d: &RefCell<Deque>, i: &Value, v: Value) -> PyResult<()> {
    let k = position(it, d, i)?;
    let old = std::mem::replace(&mut d.borrow_mut().items[k], v);
    drop(old);
    Ok(())
}

/// `del d[i]`.
pub fn del_item(it: &mut Interp, d: &RefCell<Deque>, i: &Value) -> PyResult<()> {
    let k = position(it, d, i)?;
    let old = {
        let mut d = d.borrow_mut();
        d.state = d.state.wrapping_add(1);
        d.items.remove(k)
    };
    drop(old);
    Ok(())
}

/// The next item of an iterator over `d` at `pos` (from the right when `rev`), made at
/// `state`: `None` past the end; a change of the deque meanwhile raises.
pub fn next(d: &RefCell<Deque>, pos: &mut usize, state: u64, rev: bool) -> PyResult<Option<Value>> {
    let d = d.borrow();
    if d.state != state {
        return Err(err("RuntimeError", "deque mutated during iteration"));
    }
    let n = d.items.len();
    if *pos >= n {
        return Ok(None);
    }
    let k = if rev { n - 1 - *pos } else { *pos };
    *pos += 1;
    Ok(Some(d.items[k].clone()))
}

/// Puts the methods into the `deque` class.
pub fn install(t: &Types) {
    let methods: [(&str, super::value::NativeFn); 14] = [
        ("append", d_append),
        ("appendleft", d_appendleft),
        ("pop", d_pop),
        ("popleft", d_popleft),
        ("extend", d_extend),
        ("extendleft", d_extendleft),
        ("clear", d_clear),
        ("copy", d_copy),
        ("count", d_count),
        ("index", d_index),
        ("insert", d_insert),
        ("remove", d_remove),
        ("reverse", d_reverse),
        ("rotate", d_rotate),
    ];
    let mut dict = t.deque.dict.borrow_mut();
    for (name, f) in methods {
        dict.insert(Rc::from(name), native(name, f));
    }
}

/// The `collections` module: `deque`.
pub fn module(t: &Types) -> Rc<Module> {
    let m = Module::new("collections");
    m.set("__name__", Value::str("collections"));
    m.set("deque", Value::Class(t.deque.clone()));
    m
}
