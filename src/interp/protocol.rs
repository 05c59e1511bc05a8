//! The object protocols: attributes, truth, iteration, items, operators, comparison, repr and
//! str, format. Builtin types are handled natively; instances dispatch to their dunders.

use super::generator::{GenKind, Outcome, Resume};
use super::Interp;
use crate::runtime::attrs::Attrs;
use crate::runtime::builtins::{index_arg, index_value};
use crate::runtime::exceptions::{
    attribute_error, err, index_error, key_error, stop_iteration, type_error,
};
use crate::runtime::ops::{norm_index, slice_indices, slice_positions, type_name};
use crate::runtime::types::types;
use crate::runtime::value::B64;
use crate::runtime::value::{BuiltinType, Class, Exc, NativeIter, PyResult, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// Whether instances of a class based on this builtin type wrap a value of that type (the
/// builtin types a program may subclass).
pub(crate) fn wraps_builtin_value(b: BuiltinType) -> bool {
    matches!(
        b,
        BuiltinType::List
            | BuiltinType::Dict
            | BuiltinType::Set
            | BuiltinType::FrozenSet
            | BuiltinType::Str
            | BuiltinType::Int
            | BuiltinType::Float
            | BuiltinType::Tuple
    )
}

/// The property `name` finds on an instance's class, if that is what it finds.
pub(crate) fn property_of(
    inst: &crate::runtime::value::Instance,
    name: &str,
) -> Option<Rc<crate::runtime::value::Instance>> {
    match inst.class.lookup(name) {
        Some(Value::Instance(p)) if Rc::ptr_eq(&p.class, &types().property) => Some(p),
        _ => None,
    }
}

/// The AttributeError for setting or deleting `name` on a builtin value, in CPython's words:
/// a number's data attributes are "not writable", its methods "read-only".
fn read_only_attribute(v: &Value, name: &str) -> crate::runtime::value::Exc {
    let getset: &[&str] = match v {
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => {
            &["real", "imag", "numerator", "denominator"]
        }
        Value::Float(_) => &["real", "imag"],
        _ => &[],
    };
    let cls = types().class_of(v);
    if let (Value::Deque(_), "maxlen") = (v, name) {
        return attribute_error(
            "attribute 'maxlen' of 'collections.deque' objects is not writable",
        );
    }
    if getset.contains(&name) {
        // The descriptors belong to int, so a bool reports int.
        let owner = if matches!(v, Value::Float(_)) {
            "float"
        } else {
            "int"
        };
        return attribute_error(format!(
            "attribute '{name}' of '{owner}' objects is not writable"
        ));
    }
    if cls.lookup(name).is_some() {
        return attribute_error(format!(
            "'{}' object attribute '{name}' is read-only",
            cls.name
        ));
    }
    attribute_error(format!("'{}' object has no attribute '{name}'", cls.name))
}

/// A descriptor of the program's own in the instance's class under `name`, with its `hook`
/// method (`__set__` or `__delete__`).
fn descriptor_hook(
    inst: &crate::runtime::value::Instance,
    name: &str,
    hook: &str,
) -> Option<(Value, Value)> {
    match inst.class.lookup(name) {
        Some(Value::Instance(d)) => d
            .class
            .lookup(hook)
            .map(|f| (Value::Instance(d.clone()), f)),
        _ => None,
    }
}

/// The builtin value an instance of a subclass of a builtin type (`class Stack(list)`) wraps.
pub(crate) fn builtin_base(v: &Value) -> Option<Value> {
    match v {
        Value::Instance(i) if wraps_builtin_value(i.class.builtin) => i.base_value.borrow().clone(),
        _ => None,
    }
}

/// `len()` of a range: CPython's OverflowError for one longer than the largest index.
fn range_len(r: &crate::runtime::value::RangeObj) -> PyResult<usize> {
    usize::try_from(r.len().max(0))
        .ok()
        .filter(|&n| n <= isize::MAX as usize)
        .ok_or_else(|| {
            err(
                "OverflowError",
                "Python int too large to convert to C ssize_t",
            )
        })
}

/// `r[j]` (`None`: an index past any i128, so outside it), in i128: a range may be longer
/// than any index (`range(10**20)[-1]`).
fn range_item(r: &crate::runtime::value::RangeObj, j: Option<i128>) -> PyResult<Value> {
    let len = r.len().max(0);
    let j = j
        .map(|j| if j < 0 { j + len } else { j })
        .filter(|j| (0..len).contains(j))
        .ok_or_else(|| index_error("range object index out of range"))?;
    Ok(Value::from_i128(r.start + r.step * j))
}

/// Whether a slice has a bound that is an object (which may convert through `__index__`).
fn slice_has_objects(s: &(Value, Value, Value)) -> bool {
    [&s.0, &s.1, &s.2]
        .iter()
        .any(|v| matches!(v, Value::Instance(_)))
}

pub(crate) fn user_class(v: &Value) -> Option<&Rc<Class>> {
    match v {
        Value::Instance(i) => Some(&i.class),
        _ => None,
    }
}

impl Interp {
    /// Looks up a special method on the value's class (never the instance dict), as CPython does.
    pub fn special(&self, v: &Value, name: &str) -> Option<Value> {
        user_class(v).and_then(|c| c.lookup(name))
    }

    /// Calls the special method `name` on `v` if its class has one.
    pub fn call_special(
        &mut self,
        v: &Value,
        name: &str,
        args: Vec<Value>,
    ) -> Option<PyResult<Value>> {
        let f = self.special(v, name)?;
        let mut full = Vec::with_capacity(args.len() + 1);
        full.push(v.clone());
        full.extend(args);
        Some(self.call(&f, full, vec![]))
    }

    /// `iter(v)`.
    pub fn get_iter(&mut self, v: &Value) -> PyResult<Value> {
        let it = match v {
            Value::List(l) => NativeIter::List(l.clone(), 0),
            Value::Tuple(t) => NativeIter::Tuple(t.clone(), 0),
            Value::Deque(d) => NativeIter::Deque(d.clone(), 0, d.borrow().state, false),
            Value::Str(s) => NativeIter::Str(s.clone(), 0),
            Value::Range(r) => NativeIter::Range {
                next: r.start,
                step: r.step,
                left: r.len(),
            },
            Value::Dict(d) => NativeIter::DictKeys(d.clone(), 0, d.borrow().len()),
            // `Future.__iter__` is its `__await__`.
            Value::Future(f) => NativeIter::FutureAwait(f.clone()),
            Value::Set(s) | Value::FrozenSet(s) => {
                let (cursor, n) = {
                    let ss = s.borrow();
                    (ss.cursor(), ss.len())
                };
                NativeIter::SetKeys(s.clone(), cursor, n)
            }
            Value::Iter(_) => return Ok(v.clone()),
            Value::MappingProxy(c) => {
                let d = crate::runtime::mappingproxy::snapshot(c);
                let n = d.borrow().len();
                NativeIter::DictKeys(d, 0, n)
            }
            Value::DictView(dv) => {
                let n = dv.dict.borrow().len();
                match dv.kind {
                    crate::runtime::value::ViewKind::Keys => {
                        NativeIter::DictKeys(dv.dict.clone(), 0, n)
                    }
                    crate::runtime::value::ViewKind::Values => {
                        NativeIter::DictValues(dv.dict.clone(), 0, n)
                    }
                    crate::runtime::value::ViewKind::Items => {
                        NativeIter::DictItems(dv.dict.clone(), 0, n)
                    }
                }
            }
            Value::Generator(g) if g.kind == GenKind::Generator => return Ok(v.clone()),
            Value::Instance(_) => {
                if let Some(r) = self.call_special(v, "__iter__", vec![]) {
                    let it = r?;
                    if self.special(&it, "__next__").is_none()
                        && !matches!(it, Value::Iter(_) | Value::Generator(_))
                    {
                        return Err(type_error(format!(
                            "iter() returned non-iterator of type '{}'",
                            type_name(&it)
                        )));
                    }
                    return Ok(it);
                }
                if let Some(b) = builtin_base(v) {
                    return self.get_iter(&b);
                }
                if self.special(v, "__getitem__").is_some() {
                    NativeIter::GetItem(v.clone(), 0)
                } else {
                    return Err(type_error(format!(
                        "'{}' object is not iterable",
                        type_name(v)
                    )));
                }
            }
            _ => {
                return Err(type_error(format!(
                    "'{}' object is not iterable",
                    type_name(v)
                )))
            }
        };
        Ok(crate::runtime::gc::tracked(Value::Iter(Rc::new(
            RefCell::new(it),
        ))))
    }

    /// One step of an iterator: `None` when exhausted.
    pub fn next_opt(&mut self, it: &Value) -> PyResult<Option<Value>> {
        self.tick()?;
        match it {
            Value::Iter(cell) => self.native_next(cell),
            Value::Generator(g) => self.gen_next(g),
            _ => match self.call_special(it, "__next__", vec![]) {
                Some(Ok(v)) => Ok(Some(v)),
                Some(Err(e)) if e.is("StopIteration") => Ok(None),
                Some(Err(e)) => Err(e),
                None => Err(type_error(format!(
                    "'{}' object is not an iterator",
                    type_name(it)
                ))),
            },
        }
    }

    /// `next(it)`: raises StopIteration (carrying a generator's return value) when exhausted.
    pub fn next_raw(&mut self, it: &Value) -> PyResult<Value> {
        match it {
            Value::Generator(g) => self.gen_send(g, Value::None),
            // A future's `__await__()` iterator driven by hand: once it has yielded, it returns
            // the future's result (raises its exception), as `await` would.
            Value::Iter(cell) if matches!(&*cell.borrow(), NativeIter::FutureAwait(..)) => {
                self.tick()?;
                match self.future_await_advance(cell) {
                    Some(Ok(super::exec::Delegated::Yielded(v))) => Ok(v),
                    Some(Ok(super::exec::Delegated::Returned(v))) => Err(stop_iteration(v)),
                    Some(Err(e)) => Err(e),
                    None => unreachable!("matched a future's iterator above"),
                }
            }
            _ => match self.next_opt(it)? {
                Some(v) => Ok(v),
                None => Err(stop_iteration(Value::None)),
            },
        }
    }

    fn native_next(&mut self, cell: &Rc<RefCell<NativeIter>>) -> PyResult<Option<Value>> {
        let mut st = cell.borrow_mut();
        let r = match &mut *st {
            NativeIter::List(l, i) => {
                let v = l.borrow().get(*i).cloned();
                *i += 1;
                v
            }
            NativeIter::Tuple(t, i) => {
                let v = t.get(*i).cloned();
                *i += 1;
                v
            }
            NativeIter::Deque(d, pos, state, rev) => {
                match crate::runtime::deque::next(d, pos, *state, *rev) {
                    Ok(v) => v,
                    Err(e) => {
                        *st = NativeIter::Done;
                        return Err(e);
                    }
                }
            }
            NativeIter::Str(s, i) => match s[*i..].chars().next() {
                Some(c) => {
                    *i += c.len_utf8();
                    Some(Value::Str(crate::runtime::thin::PyStr::from(
                        c.encode_utf8(&mut [0; 4]) as &str,
                    )))
                }
                None => None,
            },
            NativeIter::Range { next, step, left } => {
                if *left <= 0 {
                    None
                } else {
                    let v = *next;
                    *next = next.wrapping_add(*step);
                    *left -= 1;
                    Some(Value::from_i128(v))
                }
            }
            NativeIter::DictKeys(d, i, n)
            | NativeIter::DictValues(d, i, n)
            | NativeIter::DictItems(d, i, n) => {
                let dd = d.borrow();
                if dd.len() != *n {
                    let what = "dictionary";
                    drop(dd);
                    *st = NativeIter::Done;
                    return Err(err(
                        "RuntimeError",
                        format!("{what} changed size during iteration"),
                    ));
                }
                let r = dd.map.get_index(*i).map(|(k, v)| (k.0.clone(), v.clone()));
                *i += 1;
                drop(dd);
                match (&*st, r) {
                    (_, None) => None,
                    (NativeIter::DictKeys(..), Some((k, _))) => Some(k),
                    (NativeIter::DictValues(..), Some((_, v))) => Some(v),
                    (_, Some((k, v))) => Some(Value::tuple(vec![k, v])),
                }
            }
            NativeIter::SetKeys(s, cursor, n) => {
                let ss = s.borrow();
                if ss.len() != *n {
                    drop(ss);
                    *st = NativeIter::Done;
                    return Err(err("RuntimeError", "Set changed size during iteration"));
                }
                ss.next_key(cursor).map(|k| k.0.clone())
            }
            NativeIter::Values(it) | NativeIter::Snapshot(_, it) => it.next(),
            NativeIter::Done => None,
            // Only `await` delegates to these, and it resumes them itself (`delegate_send`).
            NativeIter::Resolved(_) | NativeIter::Wait(_) => None,
            NativeIter::YieldOnce(yielded) => {
                if *yielded {
                    None
                } else {
                    *yielded = true;
                    Some(Value::None)
                }
            }
            NativeIter::FutureAwait(f) => super::exec::future_await_step(f)?,
            NativeIter::CoroWrapper(g) => {
                let g = g.clone();
                drop(st);
                return match self.gen_resume(&g, Resume::Send(Value::None))? {
                    Outcome::Yield(v) => Ok(Some(v)),
                    Outcome::Return(_) => Ok(None),
                };
            }
            NativeIter::AsyncGenOp(..) | NativeIter::AnextDefault(..) => {
                drop(st);
                return Err(type_error("this awaitable can only be awaited"));
            }
            NativeIter::GetItem(..)
            | NativeIter::Callable(..)
            | NativeIter::Enumerate(..)
            | NativeIter::Zip(..)
            | NativeIter::Map(..)
            | NativeIter::Filter(..) => {
                drop(st);
                return self.composite_next(cell);
            }
        };
        // An exhausted snapshot keeps its type name (CPython's iterator objects keep theirs).
        if r.is_none() && !matches!(*st, NativeIter::Snapshot(..)) {
            *st = NativeIter::Done;
        }
        Ok(r)
    }

    fn composite_next(&mut self, cell: &Rc<RefCell<NativeIter>>) -> PyResult<Option<Value>> {
        let st = std::mem::replace(&mut *cell.borrow_mut(), NativeIter::Done);
        let (r, keep) = match &st {
            NativeIter::Callable(f, sentinel) => {
                let v = self.call(f, vec![], vec![])?;
                if self.eq(&v, sentinel)? {
                    (None, false)
                } else {
                    (Some(v), true)
                }
            }
            NativeIter::GetItem(obj, i) => match self.getitem(obj, &Value::Int(*i)) {
                Ok(v) => {
                    let next = NativeIter::GetItem(obj.clone(), *i + 1);
                    *cell.borrow_mut() = next;
                    return Ok(Some(v));
                }
                Err(e) if e.is("IndexError") || e.is("StopIteration") => (None, false),
                Err(e) => return Err(e),
            },
            NativeIter::Enumerate(it, n) => match self.next_opt(it)? {
                Some(v) => {
                    let next = match &*n.borrow() {
                        Value::Int(i) => i.checked_add(1).map(Value::Int),
                        _ => None,
                    };
                    let next = match next {
                        Some(x) => x,
                        None => self.binary_op(
                            crate::syntax::ast::BinOp::Add,
                            &n.borrow(),
                            &Value::Int(1),
                        )?,
                    };
                    let i = n.replace(next);
                    (Some(Value::tuple(vec![i, v])), true)
                }
                None => (None, false),
            },
            NativeIter::Zip(its) => {
                let mut out = Vec::with_capacity(its.len());
                let mut done = its.is_empty();
                for it in its {
                    match self.next_opt(it)? {
                        Some(v) => out.push(v),
                        None => {
                            done = true;
                            break;
                        }
                    }
                }
                if done {
                    (None, false)
                } else {
                    (Some(Value::tuple(out)), true)
                }
            }
            NativeIter::Map(f, its) => {
                let mut args = Vec::with_capacity(its.len());
                let mut done = false;
                for it in its {
                    match self.next_opt(it)? {
                        Some(v) => args.push(v),
                        None => {
                            done = true;
                            break;
                        }
                    }
                }
                if done {
                    (None, false)
                } else {
                    (Some(self.call(f, args, vec![])?), true)
                }
            }
            NativeIter::Filter(f, it) => {
                let mut found = None;
                while let Some(v) = self.next_opt(it)? {
                    let keep = if f.is_none() {
                        self.truthy(&v)?
                    } else {
                        let r = self.call(f, vec![v.clone()], vec![])?;
                        self.truthy(&r)?
                    };
                    if keep {
                        found = Some(v);
                        break;
                    }
                }
                let more = found.is_some();
                (found, more)
            }
            _ => (None, false),
        };
        // Exhausted enumerate/zip/map/filter objects keep their type (their inner iterators are
        // exhausted too); a callable iterator that hit its sentinel stops for good.
        if keep || !matches!(st, NativeIter::Callable(..) | NativeIter::GetItem(..)) {
            *cell.borrow_mut() = st;
        } else if matches!(st, NativeIter::Callable(..)) {
            *cell.borrow_mut() = NativeIter::Snapshot("callable_iterator", Vec::new().into_iter());
        }
        Ok(r)
    }

    /// All values of an iterable.
    pub fn iterate(&mut self, v: &Value) -> PyResult<Vec<Value>> {
        match v {
            Value::List(l) => return Ok(l.borrow().clone()),
            Value::Deque(d) => return Ok(crate::runtime::deque::items(d)),
            Value::Tuple(t) => return Ok(t.to_vec()),
            _ => {}
        }
        let it = self.get_iter(v)?;
        let mut out = Vec::new();
        if let Value::Iter(cell) = &it {
            if let NativeIter::Range { left, .. } = &*cell.borrow() {
                // As CPython, which sizes the list from the range's length first.
                let n = usize::try_from(*left).unwrap_or(usize::MAX);
                crate::memory::check(n.saturating_mul(std::mem::size_of::<Value>()))?;
                out.try_reserve(n)
                    .map_err(|_| crate::runtime::exceptions::err("MemoryError", ""))?;
            }
        }
        while let Some(x) = self.next_opt(&it)? {
            out.push(x);
        }
        Ok(out)
    }

    /// What `await v` delegates to: a coroutine, or the iterator `__await__` returns.
    pub fn get_awaitable(&mut self, v: &Value) -> PyResult<Value> {
        match v {
            Value::Future(f) => Ok(crate::runtime::gc::tracked(Value::Iter(Rc::new(
                RefCell::new(NativeIter::FutureAwait(f.clone())),
            )))),
            Value::Iter(cell)
                if matches!(
                    &*cell.borrow(),
                    NativeIter::AsyncGenOp(..)
                        | NativeIter::AnextDefault(..)
                        | NativeIter::YieldOnce(..)
                ) =>
            {
                Ok(v.clone())
            }
            Value::Generator(g) if g.kind == GenKind::Coroutine => {
                // A coroutine suspends only in an await: one that has started and is
                // suspended is being awaited by someone else (a task, another await).
                let awaited = matches!(
                    &*g.state.borrow(),
                    crate::interp::generator::GenState::Suspended(_)
                        | crate::interp::generator::GenState::NativeSuspended
                );
                if awaited {
                    return Err(crate::runtime::exceptions::err(
                        "RuntimeError",
                        "coroutine is being awaited already",
                    ));
                }
                Ok(v.clone())
            }
            Value::Instance(_) => match self.call_special(v, "__await__", vec![]) {
                Some(r) => {
                    let it = r?;
                    match &it {
                        Value::Generator(g) if g.kind == GenKind::Coroutine => {
                            Err(type_error("__await__() returned a coroutine"))
                        }
                        Value::Generator(_) | Value::Iter(_) => Ok(it),
                        other if self.special(other, "__next__").is_some() => Ok(it),
                        other => Err(type_error(format!(
                            "__await__() returned non-iterator of type '{}'",
                            type_name(other)
                        ))),
                    }
                }
                None => Err(type_error(format!(
                    "object {} can't be used in 'await' expression",
                    type_name(v)
                ))),
            },
            _ => Err(type_error(format!(
                "object {} can't be used in 'await' expression",
                type_name(v)
            ))),
        }
    }

    /// `len(v)`.
    pub fn len(&mut self, v: &Value) -> PyResult<usize> {
        Ok(match v {
            Value::Str(s) => s.chars().count(),
            Value::List(l) => l.borrow().len(),
            Value::Deque(d) => d.borrow().items.len(),
            Value::Tuple(t) => t.len(),
            Value::Dict(d) => d.borrow().len(),
            Value::Set(s) | Value::FrozenSet(s) => s.borrow().len(),
            Value::Range(r) => range_len(r)?,
            Value::DictView(dv) => dv.dict.borrow().len(),
            Value::MappingProxy(c) => c.dict.borrow().len(),
            Value::Instance(_)
                if self.special(v, "__len__").is_none() && builtin_base(v).is_some() =>
            {
                return self.len(&builtin_base(v).unwrap_or_default());
            }
            Value::Instance(_) => match self.call_special(v, "__len__", vec![]) {
                Some(r) => match r? {
                    Value::Int(n) if n >= 0 => n as usize,
                    Value::Bool(b) => b.get() as usize,
                    Value::Int(_) => return Err(err("ValueError", "__len__() should return >= 0")),
                    Value::BigInt(b) if b.sign() == num_bigint::Sign::Minus => {
                        return Err(err("ValueError", "__len__() should return >= 0"))
                    }
                    Value::BigInt(_) => {
                        return Err(err(
                            "OverflowError",
                            "cannot fit 'int' into an index-sized integer",
                        ))
                    }
                    other => {
                        return Err(type_error(format!(
                            "'{}' object cannot be interpreted as an integer",
                            type_name(&other)
                        )))
                    }
                },
                None => {
                    return Err(type_error(format!(
                        "object of type '{}' has no len()",
                        type_name(v)
                    )))
                }
            },
            _ => {
                return Err(type_error(format!(
                    "object of type '{}' has no len()",
                    type_name(v)
                )))
            }
        })
    }

    /// `obj[i]`.
    pub fn getitem(&mut self, obj: &Value, i: &Value) -> PyResult<Value> {
        match (obj, i) {
            (Value::Deque(d), _) => crate::runtime::deque::get_item(self, d, i),
            (Value::List(l), Value::Int(n)) => {
                let l = l.borrow();
                norm_index(*n, l.len())
                    .map(|j| l[j].clone())
                    .ok_or_else(|| index_error("list index out of range"))
            }
            (Value::Tuple(t), Value::Int(n)) => norm_index(*n, t.len())
                .map(|j| t[j].clone())
                .ok_or_else(|| index_error("tuple index out of range")),
            (Value::Str(s), Value::Int(n)) => {
                let count = if s.is_ascii() {
                    s.len()
                } else {
                    s.chars().count()
                };
                let j = norm_index(*n, count)
                    .ok_or_else(|| index_error("string index out of range"))?;
                let c = if s.is_ascii() {
                    s[j..j + 1].chars().next()
                } else {
                    s.chars().nth(j)
                };
                Ok(Value::str(&c.map(String::from).unwrap_or_default()))
            }
            (Value::Range(r), Value::Int(n)) => range_item(r, Some(*n as i128)),
            (Value::Dict(d), _) => {
                let v = self.dict_lookup(d, i)?;
                v.ok_or_else(|| key_error(i.clone()))
            }
            (Value::MappingProxy(c), _) => {
                let d = crate::runtime::mappingproxy::snapshot(c);
                let v = self.dict_lookup(&d, i)?;
                v.ok_or_else(|| key_error(i.clone()))
            }
            (
                Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range(_),
                Value::Slice(s),
            ) => self.get_slice(obj, s),
            (
                Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range(_),
                Value::Bool(b),
            ) => self.getitem(obj, &Value::Int(b.get() as i64)),
            // CPython's range indexes with arbitrary ints, so a huge index is just outside it.
            (Value::Range(r), Value::BigInt(n)) => range_item(r, i128::try_from(&**n).ok()),
            (Value::List(_) | Value::Tuple(_) | Value::Str(_), Value::BigInt(_)) => {
                Err(index_error("cannot fit 'int' into an index-sized integer"))
            }
            (Value::Instance(_), _) => match self.call_special(obj, "__getitem__", vec![i.clone()])
            {
                Some(r) => r,
                None if builtin_base(obj).is_some() => {
                    let b = builtin_base(obj).unwrap_or_default();
                    match self.getitem(&b, i) {
                        Err(e)
                            if matches!(b, Value::Dict(_))
                                && e.0.class.is_subclass(&types().exc("KeyError"))
                                && self.special(obj, "__missing__").is_some() =>
                        {
                            self.call_method(obj, "__missing__", vec![i.clone()])
                        }
                        r => r,
                    }
                }
                None => Err(type_error(format!(
                    "'{}' object is not subscriptable",
                    type_name(obj)
                ))),
            },
            (
                Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range(_),
                Value::Instance(_),
            ) if self.special(i, "__index__").is_some() => {
                let n = index_value(self, i)?;
                if matches!(n, Value::BigInt(_)) && !matches!(obj, Value::Range(_)) {
                    return Err(index_error(format!(
                        "cannot fit '{}' into an index-sized integer",
                        type_name(i)
                    )));
                }
                self.getitem(obj, &n)
            }
            (Value::List(_) | Value::Tuple(_) | Value::Range(_), _) => Err(type_error(format!(
                "{} indices must be integers or slices, not {}",
                type_name(obj),
                type_name(i)
            ))),
            (Value::Str(_), _) => Err(type_error(format!(
                "string indices must be integers, not '{}'",
                type_name(i)
            ))),
            (Value::Class(c), _) => {
                // `list[int]` and friends: generic aliases print as the class; aio keeps the class.
                if c.builtin != BuiltinType::Object {
                    return Ok(obj.clone());
                }
                Err(type_error(format!(
                    "type '{}' is not subscriptable",
                    c.name
                )))
            }
            _ => Err(type_error(format!(
                "'{}' object is not subscriptable",
                type_name(obj)
            ))),
        }
    }

    /// A slice's bounds with any object that has `__index__` replaced by the int it gives.
    fn slice_ints(&mut self, s: &(Value, Value, Value)) -> PyResult<(Value, Value, Value)> {
        Ok((
            index_arg(self, &s.0)?,
            index_arg(self, &s.1)?,
            index_arg(self, &s.2)?,
        ))
    }

    fn get_slice(&mut self, obj: &Value, s: &(Value, Value, Value)) -> PyResult<Value> {
        let converted;
        let s = if slice_has_objects(s) {
            converted = self.slice_ints(s)?;
            &converted
        } else {
            s
        };
        match obj {
            Value::List(l) => {
                let l = l.borrow();
                let (a, b, st) = slice_indices(s, l.len())?;
                Ok(Value::list(
                    slice_positions(a, b, st)
                        .into_iter()
                        .map(|j| l[j].clone())
                        .collect(),
                ))
            }
            Value::Tuple(t) => {
                let (a, b, st) = slice_indices(s, t.len())?;
                Ok(Value::tuple(
                    slice_positions(a, b, st)
                        .into_iter()
                        .map(|j| t[j].clone())
                        .collect(),
                ))
            }
            Value::Str(text) => {
                let chars: Vec<char> = text.chars().collect();
                let (a, b, st) = slice_indices(s, chars.len())?;
                let out: String = slice_positions(a, b, st)
                    .into_iter()
                    .map(|j| chars[j])
                    .collect();
                Ok(Value::str(&out))
            }
            Value::Range(r) => {
                let len = range_len(r).map_err(|_| {
                    err(
                        "NotImplementedError",
                        "aio does not support slicing a range of more than 2**63 - 1 items",
                    )
                })?;
                let (a, b, st) = slice_indices(s, len)?;
                let start = r.start + a as i128 * r.step;
                let stop = r.start + b as i128 * r.step;
                Ok(Value::Range(Rc::new(crate::runtime::value::RangeObj {
                    start,
                    stop,
                    step: r.step * st as i128,
                })))
            }
            _ => Err(type_error("not sliceable")),
        }
    }

    /// `obj[i] = v`.
    pub fn setitem(&mut self, obj: &Value, i: &Value, v: Value) -> PyResult<()> {
        match (obj, i) {
            (Value::Deque(d), _) => crate::runtime::deque::set_item(self, d, i, v),
            (Value::List(l), Value::Int(n)) => {
                let mut l = l.borrow_mut();
                let len = l.len();
                let j = norm_index(*n, len)
                    .ok_or_else(|| index_error("list assignment index out of range"))?;
                l[j] = v;
                Ok(())
            }
            (Value::List(_), Value::Slice(s)) if slice_has_objects(s) => {
                let s = self.slice_ints(s)?;
                self.setitem(obj, &Value::Slice(Rc::new(s)), v)
            }
            (Value::List(_), Value::Instance(_)) if self.special(i, "__index__").is_some() => {
                let n = index_value(self, i)?;
                self.setitem(obj, &n, v)
            }
            (Value::List(l), Value::Slice(s)) => {
                let iter = self
                    .get_iter(&v)
                    .map_err(|_| type_error("can only assign an iterable"))?;
                let items = self.iterate(&iter)?;
                let mut l = l.borrow_mut();
                let (a, b, st) = slice_indices(s, l.len())?;
                if st == 1 {
                    let b = b.max(a);
                    l.splice(a as usize..b as usize, items);
                    return Ok(());
                }
                let pos = slice_positions(a, b, st);
                if pos.len() != items.len() {
                    return Err(err(
                        "ValueError",
                        format!(
                            "attempt to assign sequence of size {} to extended slice of size {}",
                            items.len(),
                            pos.len()
                        ),
                    ));
                }
                for (j, x) in pos.into_iter().zip(items) {
                    l[j] = x;
                }
                Ok(())
            }
            (Value::Dict(d), _) => {
                let k = self.key(i.clone())?;
                self.dict_insert(d, k, v)
            }
            (Value::Instance(_), _) => {
                if self.special(obj, "__setitem__").is_none() {
                    if let Some(b) = builtin_base(obj) {
                        return self.setitem(&b, i, v);
                    }
                }
                match self.call_special(obj, "__setitem__", vec![i.clone(), v]) {
                    Some(r) => r.map(|_| ()),
                    None => Err(type_error(format!(
                        "'{}' object does not support item assignment",
                        type_name(obj)
                    ))),
                }
            }
            (Value::List(_), _) => Err(type_error(format!(
                "list indices must be integers or slices, not {}",
                type_name(i)
            ))),
            _ => Err(type_error(format!(
                "'{}' object does not support item assignment",
                type_name(obj)
            ))),
        }
    }

    /// `del obj[i]`.
    pub fn delitem(&mut self, obj: &Value, i: &Value) -> PyResult<()> {
        match (obj, i) {
            (Value::Deque(d), _) => crate::runtime::deque::del_item(self, d, i),
            (Value::List(l), Value::Int(n)) => {
                let mut l = l.borrow_mut();
                let len = l.len();
                let j = norm_index(*n, len)
                    .ok_or_else(|| index_error("list assignment index out of range"))?;
                l.remove(j);
                Ok(())
            }
            (Value::List(_), Value::Slice(s)) if slice_has_objects(s) => {
                let s = self.slice_ints(s)?;
                self.delitem(obj, &Value::Slice(Rc::new(s)))
            }
            (Value::List(_), Value::Instance(_)) if self.special(i, "__index__").is_some() => {
                let n = index_value(self, i)?;
                self.delitem(obj, &n)
            }
            (Value::List(l), Value::Slice(s)) => {
                let mut l = l.borrow_mut();
                let (a, b, st) = slice_indices(s, l.len())?;
                let mut pos = slice_positions(a, b, st);
                pos.sort_unstable();
                for j in pos.into_iter().rev() {
                    l.remove(j);
                }
                Ok(())
            }
            (Value::Dict(d), _) => {
                let k = self.key_in(i.clone(), d)?;
                let r = d.borrow_mut().remove(&k);
                r.map(|_| ()).ok_or_else(|| key_error(i.clone()))
            }
            (Value::Instance(_), _) => match self.call_special(obj, "__delitem__", vec![i.clone()])
            {
                Some(r) => r.map(|_| ()),
                None if builtin_base(obj).is_some() => {
                    self.delitem(&builtin_base(obj).unwrap_or_default(), i)
                }
                None => Err(type_error(format!(
                    "'{}' object doesn't support item deletion",
                    type_name(obj)
                ))),
            },
            // CPython's mappingproxy refuses through the sequence protocol, whose wording differs.
            (Value::MappingProxy(_), _) => Err(type_error(
                "'mappingproxy' object does not support item deletion",
            )),
            _ => Err(type_error(format!(
                "'{}' object doesn't support item deletion",
                type_name(obj)
            ))),
        }
    }

    /// `getattr(obj, name)`. An `AttributeError` from the lookup remembers `obj` and `name`
    /// (`e.obj`, `e.name`) unless an inner lookup already set them, as CPython's
    /// `set_attribute_error_context`.
    #[inline]
    pub fn getattr(&mut self, obj: &Value, name: &str) -> PyResult<Value> {
        self.getattr_lookup(obj, name)
            .map_err(|e| attribute_error_context(e, obj, name))
    }

    /// `inst.name` by the usual lookup: data descriptors, the instance's own attributes,
    /// the class's (bound), the methods every object has; an AttributeError when none has it
    /// (`getattr_lookup` then tries `__getattr__`).
    fn instance_attr(
        &mut self,
        obj: &Value,
        inst: &Rc<crate::runtime::value::Instance>,
        name: &str,
    ) -> PyResult<Value> {
        if Rc::ptr_eq(&inst.class, &types().super_) {
            return self.super_getattr(obj, name);
        }
        let cls_attr = inst.class.lookup(name);
        if let Some(Value::Instance(p)) = &cls_attr {
            if Rc::ptr_eq(&p.class, &types().getset_descriptor)
                || Rc::ptr_eq(&p.class, &types().member_descriptor)
            {
                return self.slot_attr(inst, name);
            }
            if Rc::ptr_eq(&p.class, &types().property) {
                let getter = p.attrs.borrow().get("fget").unwrap_or(Value::None);
                if getter.is_none() {
                    return Err(attribute_error(format!(
                        "property '{name}' of '{}' object has no getter",
                        inst.class.name
                    )));
                }
                return self.call(&getter, vec![obj.clone()], vec![]);
            }
            // A data descriptor of the program's own (`__get__` with `__set__` or
            // `__delete__`) wins over the instance's dict.
            if let Some(get) = p.class.lookup("__get__") {
                if p.class.lookup("__set__").is_some() || p.class.lookup("__delete__").is_some() {
                    let owner = Value::Class(inst.class.clone());
                    let desc = Value::Instance(p.clone());
                    return self.call(&get, vec![desc, obj.clone(), owner], vec![]);
                }
            }
        }
        if let Some(v) = inst.attrs.borrow().get(name) {
            return Ok(v);
        }
        if inst.exc.is_some() {
            if let Some(v) = self.exception_attr(inst, name) {
                return Ok(v);
            }
        }
        if let Some(a) = cls_attr {
            if let Value::Instance(p) = &a {
                if let Some(get) = p.class.lookup("__get__") {
                    let owner = Value::Class(inst.class.clone());
                    return self.call(&get, vec![a.clone(), obj.clone(), owner], vec![]);
                }
            }
            return Ok(self.bind(a, obj));
        }
        match name {
            "__class__" => return Ok(Value::Class(inst.class.clone())),
            "__dict__" if slot_names(&inst.class).is_none() => {
                return Ok(Value::Dict(inst.attrs.borrow_mut().shared_dict()));
            }
            "__func__"
                if Rc::ptr_eq(&inst.class, &types().staticmethod)
                    || Rc::ptr_eq(&inst.class, &types().classmethod) =>
            {
                return Ok(inst.base_value.borrow().clone().unwrap_or_default());
            }
            _ => {}
        }
        if let Some(m) = self.object_method(obj, name, true) {
            return Ok(m);
        }
        Err(attribute_error(format!(
            "'{}' object has no attribute '{name}'",
            inst.class.name
        )))
    }

    fn getattr_lookup(&mut self, obj: &Value, name: &str) -> PyResult<Value> {
        // An instance of a class with no descriptor that could take precedence over its own
        // attributes (see `plain_setattr`): they are looked at first.
        if let Value::Instance(inst) = obj {
            if !name.starts_with("__") && plain_setattr(&inst.class) {
                if let Some(v) = inst.attrs.borrow().get(name) {
                    return Ok(v);
                }
            }
        }
        match obj {
            Value::Instance(inst) => {
                // Any AttributeError of the usual lookup (a missing name, a property's getter,
                // a descriptor) falls back to the class's `__getattr__`, as CPython's
                // `slot_tp_getattr_hook` does.
                let r = self.instance_attr(obj, inst, name);
                match r {
                    Err(e) if e.0.class.is_subclass(&types().exc("AttributeError")) => {
                        match inst.class.lookup("__getattr__") {
                            Some(ga) => self.call(&ga, vec![obj.clone(), Value::str(name)], vec![]),
                            None => Err(e),
                        }
                    }
                    r => r,
                }
            }
            Value::Class(c) => {
                if let Some(a) = c.lookup(name) {
                    return Ok(match &a {
                        // The metatype's `__dict__` wins over the instances' one in the class.
                        Value::Instance(i)
                            if name == "__dict__"
                                && Rc::ptr_eq(&i.class, &types().getset_descriptor) =>
                        {
                            Value::MappingProxy(c.clone())
                        }
                        Value::Instance(i)
                            if Rc::ptr_eq(&i.class, &types().classmethod)
                                || Rc::ptr_eq(&i.class, &types().staticmethod) =>
                        {
                            self.bind(a.clone(), obj)
                        }
                        // A descriptor of the program's own, reached from the class.
                        Value::Instance(i) if i.class.lookup("__get__").is_some() => {
                            let get = i.class.lookup("__get__").expect("checked in the guard");
                            return self.call(
                                &get,
                                vec![a.clone(), Value::None, obj.clone()],
                                vec![],
                            );
                        }
                        _ => a,
                    });
                }
                match name {
                    "__name__" => Ok(Value::Str(c.name.clone().into())),
                    "__qualname__" => Ok(Value::Str(c.qualname.clone().into())),
                    "__module__" => Ok(Value::Str(c.module.clone().into())),
                    "__bases__" => Ok(Value::tuple(
                        c.bases.iter().map(|b| Value::Class(b.clone())).collect(),
                    )),
                    "__mro__" => {
                        let mut v = vec![obj.clone()];
                        v.extend(c.mro.iter().map(|b| Value::Class(b.clone())));
                        Ok(Value::tuple(v))
                    }
                    "__class__" => Ok(Value::Class(types().type_.clone())),
                    "__doc__" => Ok(Value::None),
                    "__dict__" => Ok(Value::MappingProxy(c.clone())),
                    "mro" => Ok(crate::runtime::gc::tracked(Value::Builtin(Rc::new(
                        crate::runtime::value::BuiltinFn {
                            name: "mro",
                            func: class_mro,
                            bound: Some(obj.clone()),
                            awaits: None,
                        },
                    )))),
                    "__new__" => Ok(crate::runtime::builtins::native("__new__", object_new)),
                    _ if self.object_method(&Value::None, name, false).is_some() => Ok(self
                        .object_method(&Value::None, name, false)
                        .unwrap_or_default()),
                    _ => Err(attribute_error(format!(
                        "type object '{}' has no attribute '{name}'",
                        c.name
                    ))),
                }
            }
            Value::Module(m) if name == "__dict__" && m.get(name).is_none() => {
                Err(module_dict_unsupported())
            }
            Value::Module(m) => m.get(name).ok_or_else(|| {
                attribute_error(format!("module '{}' has no attribute '{name}'", m.name))
            }),
            Value::Function(f) => {
                if let Some(v) = f.dict.borrow().get(name) {
                    return Ok(v);
                }
                match name {
                    "__dict__" => Ok(Value::Dict(f.dict.borrow_mut().shared_dict())),
                    "__name__" => Ok(Value::Str(f.name.borrow().clone().into())),
                    "__qualname__" => Ok(Value::Str(f.code.qualname.clone().into())),
                    "__module__" => Ok(Value::Str(f.globals.name.clone().into())),
                    "__doc__" => Ok(super::eval::docstring(&f.code.body)),
                    "__class__" => Ok(Value::Class(types().function.clone())),
                    _ => Err(attribute_error(format!(
                        "'function' object has no attribute '{name}'"
                    ))),
                }
            }
            Value::BoundMethod(m) => match name {
                "__self__" => Ok(m.this.clone()),
                "__func__" => Ok(m.func.clone()),
                _ => self.getattr(&m.func.clone(), name),
            },
            Value::Int(_) | Value::BigInt(_) | Value::Bool(_)
                if matches!(name, "real" | "imag" | "numerator" | "denominator") =>
            {
                let as_int = match obj {
                    Value::Bool(b) => Value::Int(b.get() as i64),
                    other => other.clone(),
                };
                Ok(match name {
                    "imag" => Value::Int(0),
                    "denominator" => Value::Int(1),
                    _ => as_int,
                })
            }
            Value::Float(f) if matches!(name, "real" | "imag") => {
                Ok(Value::Float(if name == "real" { *f } else { 0.0.into() }))
            }
            Value::Builtin(b) if name == "__name__" => Ok(Value::str(b.name)),
            // Whether the future was yielded to its driver by `await` (asyncio's handshake).
            Value::Future(f) if name == "_asyncio_future_blocking" => {
                Ok(Value::Bool(B64::new(f.blocking.get())))
            }
            Value::Generator(g) if matches!(name, "__name__" | "__qualname__") => {
                Ok(Value::Str(if name == "__name__" {
                    g.code.name.clone().into()
                } else {
                    g.code.qualname.clone().into()
                }))
            }
            _ => {
                let cls = types().class_of(obj);
                if let Some(a) = cls.lookup(name) {
                    return Ok(self.bind(a, obj));
                }
                if name == "__class__" {
                    return Ok(Value::Class(cls));
                }
                if let (Value::Slice(s), "start" | "stop" | "step") = (obj, name) {
                    return Ok(match name {
                        "start" => s.0.clone(),
                        "stop" => s.1.clone(),
                        _ => s.2.clone(),
                    });
                }
                if let (Value::Deque(d), "maxlen") = (obj, name) {
                    return Ok(d
                        .borrow()
                        .maxlen
                        .map_or(Value::None, |n| Value::Int(n as i64)));
                }
                if let (Value::Range(r), "start" | "stop" | "step") = (obj, name) {
                    return Ok(Value::from_i128(match name {
                        "start" => r.start,
                        "stop" => r.stop,
                        _ => r.step,
                    }));
                }
                if let Some(m) = self.object_method(obj, name, true) {
                    return Ok(m);
                }
                Err(attribute_error(format!(
                    "'{}' object has no attribute '{name}'",
                    cls.name
                )))
            }
        }
    }

    /// An instance attribute its class's namespace holds a descriptor for: `__dict__` (the
    /// live dict), `__weakref__` (None: aio has no weak references) or a `__slots__` member.
    fn slot_attr(
        &mut self,
        inst: &Rc<crate::runtime::value::Instance>,
        name: &str,
    ) -> PyResult<Value> {
        match name {
            "__dict__" => Ok(Value::Dict(inst.attrs.borrow_mut().shared_dict())),
            "__weakref__" => Ok(Value::None),
            _ => inst.attrs.borrow().get(name).ok_or_else(|| {
                attribute_error(format!(
                    "'{}' object has no attribute '{name}'",
                    inst.class.name
                ))
            }),
        }
    }

    fn exception_attr(
        &mut self,
        inst: &Rc<crate::runtime::value::Instance>,
        name: &str,
    ) -> Option<Value> {
        let d = inst.exc.as_ref()?.borrow();
        Some(match name {
            "args" => Value::tuple(d.args.clone()),
            "__cause__" => d.cause.as_ref().map(|e| e.value()).unwrap_or(Value::None),
            "__context__" => d.context.as_ref().map(|e| e.value()).unwrap_or(Value::None),
            "__suppress_context__" => Value::Bool(B64::new(d.suppress_context)),
            "__traceback__" => {
                drop(d);
                return Some(traceback_object(self, inst));
            }
            "name" | "obj"
                if inst.class.is_subclass(&types().exc("AttributeError"))
                    || (name == "name" && inst.class.is_subclass(&types().exc("NameError"))) =>
            {
                use crate::runtime::value::SuggestFrom;
                match (d.suggest.as_deref(), name) {
                    (Some(SuggestFrom::Attribute { obj, .. }), "obj") => obj.clone(),
                    (
                        Some(
                            SuggestFrom::Attribute { name: n, .. }
                            | SuggestFrom::Name { name: n, .. },
                        ),
                        "name",
                    ) => Value::Str(n.clone().into()),
                    _ => Value::None,
                }
            }
            "code" if inst.class.is_subclass(&types().exc("SystemExit")) => match d.args.len() {
                0 => Value::None,
                1 => d.args[0].clone(),
                _ => Value::tuple(d.args.clone()),
            },
            "value" if inst.class.is_subclass(&types().exc("StopIteration")) => {
                d.args.first().cloned().unwrap_or(Value::None)
            }
            "exceptions" if inst.class.is_subclass(&types().exc("BaseExceptionGroup")) => {
                match d.args.get(1) {
                    Some(Value::List(l)) => Value::tuple(l.borrow().clone()),
                    Some(v) => v.clone(),
                    None => Value::tuple(vec![]),
                }
            }
            "message" if inst.class.is_subclass(&types().exc("BaseExceptionGroup")) => {
                d.args.first().cloned().unwrap_or(Value::None)
            }
            _ => return None,
        })
    }

    fn super_getattr(&mut self, sup: &Value, name: &str) -> PyResult<Value> {
        let Value::Instance(s) = sup else {
            return Err(attribute_error(name.to_string()));
        };
        let (this_cls, this) = {
            let d = s.attrs.borrow();
            (d.get("__thisclass__"), d.get("__self__"))
        };
        let (Some(Value::Class(tc)), Some(this)) = (this_cls, this) else {
            return Err(attribute_error(name.to_string()));
        };
        let start = match &this {
            Value::Class(c) => c.clone(),
            other => types().class_of(other),
        };
        let mut chain = vec![start.clone()];
        chain.extend(start.mro.iter().cloned());
        let pos = chain
            .iter()
            .position(|c| Rc::ptr_eq(c, &tc))
            .map(|p| p + 1)
            .unwrap_or(chain.len());
        for c in &chain[pos..] {
            let found = c.dict.borrow().get(name).cloned();
            // A property found through super() runs its getter on the instance.
            if let Some(Value::Instance(p)) = &found {
                if Rc::ptr_eq(&p.class, &types().property) && !matches!(this, Value::Class(_)) {
                    let getter = p.attrs.borrow().get("fget").unwrap_or(Value::None);
                    if !getter.is_none() {
                        return self.call(&getter, vec![this.clone()], vec![]);
                    }
                }
            }
            if let Some(a) = found {
                return Ok(match (&a, &this) {
                    (Value::Function(_), Value::Class(_)) => a,
                    _ => self.bind(a, &this),
                });
            }
            if c.is_exception
                && c.builtin == BuiltinType::Exception
                && name == "__init__"
                && c.dict.borrow().is_empty()
            {
                return Ok(crate::runtime::builtins::exception_init_bound(&this));
            }
        }
        if name == "__init__" && builtin_base(&this).is_none() {
            return Ok(crate::runtime::builtins::object_init_bound(&this));
        }
        // `object.__new__` is a staticmethod: the class is passed explicitly.
        if name == "__new__" {
            return Ok(crate::runtime::builtins::native("__new__", object_new));
        }
        if let Some(m) = self.object_method(&this, name, !matches!(this, Value::Class(_))) {
            return Ok(m);
        }
        Err(attribute_error(format!(
            "'super' object has no attribute '{name}'"
        )))
    }

    /// Assigns through a property: calls its setter, or fails as CPython when it has none.
    pub(crate) fn set_property(
        &mut self,
        prop: &crate::runtime::value::Instance,
        obj: &Value,
        name: &str,
        v: Value,
    ) -> PyResult<()> {
        let setter = prop.attrs.borrow().get("fset").unwrap_or(Value::None);
        if setter.is_none() {
            return Err(attribute_error(format!(
                "property '{name}' of '{}' object has no setter",
                types().class_of(obj).name
            )));
        }
        self.call(&setter, vec![obj.clone(), v], vec![])?;
        Ok(())
    }

    /// `setattr(obj, name, v)`. The name is shared, not copied, when it becomes a key of the
    /// instance's attributes.
    pub fn setattr(&mut self, obj: &Value, rc_name: &Rc<str>, v: Value) -> PyResult<()> {
        let name: &str = rc_name;
        match obj {
            Value::Instance(inst)
                if !matches!(name, "__dict__" | "__class__") && plain_setattr(&inst.class) =>
            {
                let old = inst.attrs.borrow_mut().set(rc_name.clone(), v);
                drop(old);
                Ok(())
            }
            // An instance's class is fixed in aio: storing it as an attribute would be a
            // silent difference.
            Value::Instance(_) if name == "__class__" => Err(err(
                "NotImplementedError",
                "aio does not support assigning to __class__",
            )),
            Value::Instance(inst) => {
                if let Some(prop) = property_of(inst, name) {
                    return self.set_property(&prop, obj, name, v);
                }
                if let Some((desc, set)) = descriptor_hook(inst, name, "__set__") {
                    self.call(&set, vec![desc, obj.clone(), v], vec![])?;
                    return Ok(());
                }
                if let Some(sa) = inst.class.lookup("__setattr__") {
                    self.call(&sa, vec![obj.clone(), Value::str(name), v], vec![])?;
                    return Ok(());
                }
                if let Some(exc) = &inst.exc {
                    let mut d = exc.borrow_mut();
                    match name {
                        "args" => {
                            d.args = match &v {
                                Value::Tuple(t) => t.to_vec(),
                                other => vec![other.clone()],
                            };
                            return Ok(());
                        }
                        "__cause__" => {
                            d.cause = Exc::from_value(&v);
                            d.suppress_context = true;
                            return Ok(());
                        }
                        "__context__" => {
                            d.context = Exc::from_value(&v);
                            return Ok(());
                        }
                        "__suppress_context__" => {
                            d.suppress_context = matches!(v, Value::Bool(B64::TRUE));
                            return Ok(());
                        }
                        _ => {}
                    }
                }
                if name == "__dict__" && slot_names(&inst.class).is_none() {
                    let Value::Dict(d) = v else {
                        return Err(type_error(format!(
                            "__dict__ must be set to a dictionary, not a '{}'",
                            types().class_of(&v).name
                        )));
                    };
                    let old = std::mem::replace(&mut *inst.attrs.borrow_mut(), Attrs::Dict(d));
                    drop(old);
                    return Ok(());
                }
                if let Some(slots) = slot_names(&inst.class) {
                    if !slots.iter().any(|s| &**s == name) {
                        return Err(attribute_error(format!(
                            "'{}' object has no attribute '{name}'",
                            inst.class.name
                        )));
                    }
                }
                let old = inst.attrs.borrow_mut().set(rc_name.clone(), v);
                drop(old);
                Ok(())
            }
            Value::Class(c) => {
                if c.builtin != BuiltinType::Object && c.module.as_ref() == "builtins" {
                    return Err(type_error(format!(
                        "cannot set '{name}' attribute of immutable type '{}'",
                        c.name
                    )));
                }
                c.dict.borrow_mut().insert(Rc::from(name), v);
                Ok(())
            }
            Value::Function(f) => {
                if name == "__name__" {
                    if let Value::Str(s) = &v {
                        *f.name.borrow_mut() = s.clone().into();
                        return Ok(());
                    }
                }
                if name == "__dict__" {
                    let Value::Dict(d) = v else {
                        return Err(type_error(format!(
                            "__dict__ must be set to a dictionary, not a '{}'",
                            types().class_of(&v).name
                        )));
                    };
                    let old = std::mem::replace(&mut *f.dict.borrow_mut(), Attrs::Dict(d));
                    drop(old);
                    return Ok(());
                }
                let old = f.dict.borrow_mut().set(Rc::from(name), v);
                drop(old);
                Ok(())
            }
            Value::Module(m) if name == "__dict__" => Err(module_dict_unsupported()),
            Value::Module(m) => {
                m.set(name, v);
                Ok(())
            }
            Value::Future(f) if name == "_asyncio_future_blocking" => {
                let blocking = self.truthy(&v)?;
                f.blocking.set(blocking);
                Ok(())
            }
            other => Err(read_only_attribute(other, name)),
        }
    }

    /// `delattr(obj, name)`.
    pub fn delattr(&mut self, obj: &Value, name: &str) -> PyResult<()> {
        match obj {
            Value::Instance(inst) => {
                if let Some(Value::Instance(p)) = inst.class.lookup(name) {
                    if Rc::ptr_eq(&p.class, &types().property) {
                        let fdel = p.attrs.borrow().get("fdel").unwrap_or(Value::None);
                        if fdel.is_none() {
                            return Err(attribute_error(format!(
                                "property '{name}' of '{}' object has no deleter",
                                inst.class.name
                            )));
                        }
                        self.call(&fdel, vec![obj.clone()], vec![])?;
                        return Ok(());
                    }
                }
                if let Some((desc, del)) = descriptor_hook(inst, name, "__delete__") {
                    self.call(&del, vec![desc, obj.clone()], vec![])?;
                    return Ok(());
                }
                if let Some(da) = inst.class.lookup("__delattr__") {
                    self.call(&da, vec![obj.clone(), Value::str(name)], vec![])?;
                    return Ok(());
                }
                let old = inst.attrs.borrow_mut().remove(name);
                if old.is_some() {
                    return Ok(());
                }
                Err(attribute_error(format!(
                    "'{}' object has no attribute '{name}'",
                    inst.class.name
                )))
            }
            Value::Function(f) => {
                let old = f.dict.borrow_mut().remove(name);
                match old {
                    Some(_) => Ok(()),
                    None => Err(attribute_error(format!(
                        "'function' object has no attribute '{name}'"
                    ))),
                }
            }
            Value::Class(c) => {
                if c.dict.borrow_mut().shift_remove(name).is_some() {
                    return Ok(());
                }
                Err(attribute_error(format!(
                    "type object '{}' has no attribute '{name}'",
                    c.name
                )))
            }
            other => Err(read_only_attribute(other, name)),
        }
    }

    /// Calls `__set_name__(cls, name)` on each attribute of a new class that has one, in
    /// definition order, as CPython's `type.__new__` does before `__init_subclass__`.
    pub fn set_names(&mut self, cls: &Rc<Class>) -> PyResult<()> {
        let entries: Vec<(Rc<str>, Value)> = cls
            .dict
            .borrow()
            .iter()
            .filter(|(_, v)| matches!(v, Value::Instance(_)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (name, v) in entries {
            if let Some(hook) = self.special(&v, "__set_name__") {
                let what = type_name(&v);
                let args = vec![
                    v,
                    Value::Class(cls.clone()),
                    Value::Str(name.clone().into()),
                ];
                // Python 3.11 wraps the hook's error in a RuntimeError caused by it.
                self.call(&hook, args, vec![]).map_err(|cause| {
                    let e = err(
                        "RuntimeError",
                        format!(
                            "Error calling __set_name__ on '{what}' instance '{name}' in '{}'",
                            cls.name
                        ),
                    );
                    if let Some(d) = &e.0.exc {
                        let mut d = d.borrow_mut();
                        d.cause = Some(cause.clone());
                        d.context = Some(cause);
                        d.suppress_context = true;
                    }
                    e
                })?;
            }
        }
        Ok(())
    }

    /// `obj.name(*args)`.
    pub fn call_method(&mut self, obj: &Value, name: &str, args: Vec<Value>) -> PyResult<Value> {
        if let Some(f) = self.lookup_method(obj, name) {
            let mut full = Vec::with_capacity(args.len() + 1);
            full.push(obj.clone());
            full.extend(args);
            return self.call(&f, full, vec![]);
        }
        let f = self.getattr(obj, name)?;
        self.call(&f, args, vec![])
    }

    /// Imports a builtin module by name, building it on first use.
    pub fn import(&mut self, name: &str) -> PyResult<Value> {
        for (n, m) in &self.modules {
            if n.as_ref() == name {
                return Ok(Value::Module(m.clone()));
            }
        }
        match crate::modules::build(self, name) {
            Some(m) => {
                let m = m?;
                self.modules.push((Rc::from(name), m.clone()));
                Ok(Value::Module(m))
            }
            None => {
                // As CPython: `import os.path` fails on the package it would import first.
                let top = name.split('.').next().unwrap_or(name);
                let missing = if top != name && crate::modules::build(self, top).is_none() {
                    top
                } else {
                    name
                };
                let e = err(
                    "ModuleNotFoundError",
                    format!("No module named '{missing}'"),
                );
                e.0.attrs
                    .borrow_mut()
                    .set(Rc::from("name"), Value::str(missing));
                Err(e)
            }
        }
    }
}

/// `C.mro()`: the class and its method resolution order, as a list.
fn class_mro(_: &mut Interp, args: &[Value], _: &crate::runtime::value::Kwargs) -> PyResult<Value> {
    match args.first() {
        Some(Value::Class(c)) => {
            let mut v = vec![Value::Class(c.clone())];
            v.extend(c.mro.iter().map(|b| Value::Class(b.clone())));
            Ok(Value::list(v))
        }
        _ => Err(type_error("descriptor 'mro' requires a 'type' object")),
    }
}

/// `object.__new__(cls)`: a bare instance of a user class.
fn object_new(
    it: &mut Interp,
    args: &[Value],
    kw: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    match args.first() {
        // As CPython's object_new: extra arguments are an error when the class overrides
        // `__new__`, or has no `__init__` to take them.
        Some(Value::Class(c)) if !c.is_exception && (args.len() > 1 || !kw.is_empty()) => {
            if c.lookup("__new__").is_some() {
                Err(type_error(
                    "object.__new__() takes exactly one argument (the type to instantiate)",
                ))
            } else if c.lookup("__init__").is_none() {
                Err(type_error(format!("{}() takes no arguments", c.name)))
            } else {
                Ok(it.new_instance(c, vec![]))
            }
        }
        Some(Value::Class(c)) => Ok(it.new_instance(c, args[1..].to_vec())),
        Some(other) => Err(type_error(format!(
            "object.__new__(X): X is not a type object ({})",
            type_name(other)
        ))),
        None => Err(type_error("object.__new__(): not enough arguments")),
    }
}

/// Records on an `AttributeError` the object and name whose lookup failed.
#[cold]
fn attribute_error_context(e: crate::runtime::Exc, obj: &Value, name: &str) -> crate::runtime::Exc {
    if e.class().is_subclass(&types().exc("AttributeError")) {
        let mut d = e.data();
        if d.suggest.is_none() {
            d.suggest = Some(Rc::new(crate::runtime::value::SuggestFrom::Attribute {
                obj: obj.clone(),
                name: Rc::from(name),
            }));
        }
    }
    e
}

/// A module's `__dict__` would have to be its live globals, which aio keeps in slots.
fn module_dict_unsupported() -> crate::runtime::Exc {
    err(
        "NotImplementedError",
        "aio does not support a module's __dict__",
    )
}

/// Whether setting an attribute on an instance of `cls` is a plain store into its attributes
/// (and reading one it has is a plain load): a program's class (not an exception, not a
/// subclass of a builtin type) with no `__setattr__`, no `__slots__` and no property or other
/// data descriptor (`__set__` / `__delete__`) anywhere along its MRO. Remembered in the class
/// until any class changes.
/// An exception's `__traceback__`: `None` before it has passed through a frame, else a chain
/// of `traceback` objects from the outermost frame it passed through (`tb_next` going inwards),
/// each with its line (`tb_lineno`) and a `frame` whose `f_code` names the code. The same object
/// is given until the exception passes through another frame.
pub(crate) fn traceback_object(it: &Interp, inst: &Rc<crate::runtime::value::Instance>) -> Value {
    let Some(exc) = inst.exc.as_ref() else {
        return Value::None;
    };
    let entries: Vec<(Rc<crate::compile::code::Code>, u32)> = {
        let d = exc.borrow();
        if let Some((n, tb)) = &d.tb_object {
            if *n == d.traceback.len() {
                return tb.clone();
            }
        }
        d.traceback
            .iter()
            .map(|e| (e.code.clone(), e.span.start))
            .collect()
    };
    if entries.is_empty() {
        return Value::None;
    }
    let t = types();
    let object = |class: &Rc<Class>, attrs: Vec<(&str, Value)>| {
        let v = it.new_instance(class, Vec::new());
        if let Value::Instance(i) = &v {
            let mut map = i.attrs.borrow_mut();
            for (name, value) in attrs {
                map.set(crate::syntax::layout::intern(name), value);
            }
        }
        v
    };
    // Entries are innermost first; the chain starts at the outermost.
    let mut next = Value::None;
    for (code, at) in &entries {
        let line = code.source.line_of(*at) as i64;
        let code_obj = object(
            &t.code,
            vec![
                ("co_name", Value::Str(code.name.clone().into())),
                (
                    "co_qualname",
                    // Module code has no qualified name of its own: CPython's is its name.
                    Value::Str(if code.qualname.is_empty() {
                        code.name.clone().into()
                    } else {
                        code.qualname.clone().into()
                    }),
                ),
                ("co_filename", Value::str(&code.source.name)),
                (
                    "co_firstlineno",
                    Value::Int(code.source.line_of(code.span.start) as i64),
                ),
            ],
        );
        let frame = object(&t.frame, vec![("f_code", code_obj)]);
        next = object(
            &t.traceback,
            vec![
                ("tb_frame", frame),
                ("tb_lineno", Value::Int(line)),
                ("tb_next", next),
            ],
        );
    }
    exc.borrow_mut().tb_object = Some((entries.len(), next.clone()));
    next
}

/// `repr()` of a frame: CPython shows the line the frame is at, which aio does not keep for
/// the frames of a traceback, so it is named as unsupported rather than shown wrong.
pub(crate) fn frame_repr(
    _: &mut Interp,
    _: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    Err(crate::runtime::exceptions::err(
        "NotImplementedError",
        "aio does not support the repr of frame objects",
    ))
}

/// `repr()` of a code object: `<code object NAME at 0x…, file "FILE", line N>`.
pub(crate) fn code_repr(
    _: &mut Interp,
    args: &[Value],
    _: &crate::runtime::value::Kwargs,
) -> PyResult<Value> {
    let Some(Value::Instance(code)) = args.first() else {
        return Err(type_error("code.__repr__() needs a code object"));
    };
    let attrs = code.attrs.borrow();
    let text = |name: &str| match attrs.get(name) {
        Some(Value::Str(s)) => s.to_string(),
        Some(Value::Int(n)) => n.to_string(),
        _ => String::new(),
    };
    Ok(Value::str(&format!(
        "<code object {} at {:#x}, file \"{}\", line {}>",
        text("co_name"),
        args[0].address(),
        text("co_filename"),
        text("co_firstlineno")
    )))
}

/// `inst.name` when the instance's class is plain (see `plain_setattr`) and the instance has
/// the attribute itself: the compiled attribute read's fast path. `name` must not be a dunder.
#[inline]
pub(crate) fn plain_instance_attr(
    inst: &crate::runtime::value::Instance,
    name: &str,
) -> Option<Value> {
    if plain_setattr(&inst.class) {
        return inst.attrs.borrow().get(name);
    }
    None
}

/// As `plain_instance_attr`, looking first where the read site found it last (`hint`).
#[inline(always)]
pub(crate) fn plain_instance_attr_hinted(
    inst: &crate::runtime::value::Instance,
    name: &str,
    hint: &std::cell::Cell<u32>,
) -> Option<Value> {
    if plain_setattr(&inst.class) {
        return inst.attrs.borrow().get_hinted(name, hint);
    }
    None
}

/// `inst.name = v` when the instance's class is plain: the compiled attribute store's fast
/// path; `v` comes back when the class is not. `name` must not be `__dict__`.
#[inline]
pub(crate) fn plain_instance_set(
    inst: &crate::runtime::value::Instance,
    name: &Rc<str>,
    v: Value,
) -> Result<(), Value> {
    if plain_setattr(&inst.class) {
        let old = inst.attrs.borrow_mut().set(name.clone(), v);
        drop(old);
        return Ok(());
    }
    Err(v)
}

/// As `plain_instance_set`, looking first where the store site found the name last (`hint`).
#[inline(always)]
pub(crate) fn plain_instance_set_hinted(
    inst: &crate::runtime::value::Instance,
    name: &Rc<str>,
    v: Value,
    hint: &std::cell::Cell<u32>,
) -> Result<(), Value> {
    if plain_setattr(&inst.class) {
        let old = inst.attrs.borrow_mut().set_hinted(name, v, hint);
        if let Some(old) = old {
            old.drop_quick();
        }
        return Ok(());
    }
    Err(v)
}

fn plain_setattr(cls: &Rc<Class>) -> bool {
    if let Some(plain) = cls.dict.plain_setattr() {
        return plain;
    }
    let property = &types().property;
    let plain = cls.builtin == BuiltinType::Object
        && !cls.is_exception
        && cls.module.as_ref() != "builtins"
        && cls.lookup("__setattr__").is_none()
        && slot_names(cls).is_none()
        && std::iter::once(cls).chain(cls.mro.iter()).all(|c| {
            c.dict.borrow().values().all(|v| {
                !matches!(v, Value::Instance(p) if Rc::ptr_eq(&p.class, property)
                        || p.class.lookup("__set__").is_some()
                        || p.class.lookup("__delete__").is_some())
            })
        });
    cls.dict.remember_plain_setattr(plain);
    plain
}

/// The attribute names instances of `cls` may have when every class of its MRO declares
/// `__slots__` (CPython gives such instances no `__dict__`); None when they have a `__dict__`.
fn slot_names(cls: &Rc<Class>) -> Option<Vec<Rc<str>>> {
    if cls.builtin != BuiltinType::Object || cls.is_exception {
        return None;
    }
    // The common case, answered by the lookup cache: a program's class whose MRO declares no
    // `__slots__` (a plain `object()` has no `__dict__` either, so it goes the long way).
    if cls.module.as_ref() != "builtins" {
        cls.lookup("__slots__")?;
    }
    let mut names = Vec::new();
    for c in std::iter::once(cls).chain(cls.mro.iter()) {
        if c.module.as_ref() == "builtins" {
            continue;
        }
        let slots = c.dict.borrow().get("__slots__").cloned()?;
        let items: Vec<Value> = match slots {
            Value::Str(_) => vec![slots],
            Value::Tuple(t) => t.to_vec(),
            Value::List(l) => l.borrow().clone(),
            _ => return None,
        };
        for s in items {
            match s {
                Value::Str(s) if &*s == "__dict__" => return None,
                Value::Str(s) => names.push(s.into()),
                _ => return None,
            }
        }
    }
    Some(names)
}
