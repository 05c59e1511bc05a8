//! The object protocols: attributes, truth, iteration, items, operators, comparison, repr and
//! str, format. Builtin types are handled natively; instances dispatch to their dunders.

use super::generator::{GenKind, Outcome, Resume};
use super::Interp;
use crate::runtime::dict::{Dict, DictKey};
use crate::runtime::exceptions::{
    attribute_error, err, index_error, key_error, stop_iteration, type_error,
};
use crate::runtime::ops::{self, norm_index, slice_indices, slice_positions, type_name};
use crate::runtime::repr::{big_to_str, str_repr};
use crate::runtime::types::types;
use crate::runtime::value::{BuiltinType, Class, Exc, NativeIter, PyResult, Value};
use crate::syntax::ast::{BinOp, CmpOp, UnaryOp};
use std::cell::RefCell;
use std::cmp::Ordering;
use std::rc::Rc;

fn dunder(op: BinOp) -> (&'static str, &'static str, &'static str) {
    match op {
        BinOp::Add => ("__add__", "__radd__", "__iadd__"),
        BinOp::Sub => ("__sub__", "__rsub__", "__isub__"),
        BinOp::Mul => ("__mul__", "__rmul__", "__imul__"),
        BinOp::Div => ("__truediv__", "__rtruediv__", "__itruediv__"),
        BinOp::FloorDiv => ("__floordiv__", "__rfloordiv__", "__ifloordiv__"),
        BinOp::Mod => ("__mod__", "__rmod__", "__imod__"),
        BinOp::Pow => ("__pow__", "__rpow__", "__ipow__"),
        BinOp::MatMul => ("__matmul__", "__rmatmul__", "__imatmul__"),
        BinOp::LShift => ("__lshift__", "__rlshift__", "__ilshift__"),
        BinOp::RShift => ("__rshift__", "__rrshift__", "__irshift__"),
        BinOp::BitAnd => ("__and__", "__rand__", "__iand__"),
        BinOp::BitOr => ("__or__", "__ror__", "__ior__"),
        BinOp::BitXor => ("__xor__", "__rxor__", "__ixor__"),
    }
}

fn user_class(v: &Value) -> Option<&Rc<Class>> {
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

    /// `a op b`.
    pub fn binary_op(&mut self, op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
        if let Some(r) = ops::binary(op, a, b) {
            return r;
        }
        if matches!(a, Value::Set(_) | Value::DictView(_))
            && matches!(b, Value::Set(_) | Value::DictView(_))
        {
            let sym = match op {
                BinOp::BitOr => Some('|'),
                BinOp::BitAnd => Some('&'),
                BinOp::Sub => Some('-'),
                BinOp::BitXor => Some('^'),
                _ => None,
            };
            if let Some(c) = sym {
                let base = match a {
                    Value::Set(x) => x.clone(),
                    _ => {
                        let items = self.iterate(a)?;
                        match self.make_set(items)? {
                            Value::Set(d) => d,
                            _ => return Err(type_error("bad set operand")),
                        }
                    }
                };
                return crate::runtime::methods::set_op(self, &base, std::slice::from_ref(b), c);
            }
        }
        let (name, rname, _) = dunder(op);
        if let Some(r) = self.call_special(a, name, vec![b.clone()]) {
            let r = r?;
            if !matches!(r, Value::NotImplemented) {
                return Ok(r);
            }
        }
        if let Some(r) = self.call_special(b, rname, vec![a.clone()]) {
            let r = r?;
            if !matches!(r, Value::NotImplemented) {
                return Ok(r);
            }
        }
        if op == BinOp::Mod {
            if let Value::Str(s) = a {
                let s = s.clone();
                return Ok(Value::str(&crate::runtime::strformat::percent(
                    self, &s, b,
                )?));
            }
        }
        if op == BinOp::Mul {
            let seq = |v: &Value| matches!(v, Value::Str(_) | Value::List(_) | Value::Tuple(_));
            let other = if seq(a) {
                Some(b)
            } else if seq(b) {
                Some(a)
            } else {
                None
            };
            if let Some(o) = other {
                return Err(type_error(format!(
                    "can't multiply sequence by non-int of type '{}'",
                    type_name(o)
                )));
            }
        }
        if op == BinOp::Add {
            let what = match a {
                Value::Str(_) => Some("str"),
                Value::List(_) => Some("list"),
                Value::Tuple(_) => Some("tuple"),
                _ => None,
            };
            if let Some(w) = what {
                return Err(type_error(format!(
                    "can only concatenate {w} (not \"{}\") to {w}",
                    type_name(b)
                )));
            }
        }
        let sym = if op == BinOp::Pow {
            "** or pow()"
        } else {
            op.symbol()
        };
        Err(type_error(format!(
            "unsupported operand type(s) for {sym}: '{}' and '{}'",
            type_name(a),
            type_name(b)
        )))
    }

    /// `a op= b`: lists extend in place; instances may define `__iop__`.
    pub fn inplace_op(&mut self, op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
        // Sets and dicts update in place (`s |= t` keeps `s` the same object).
        if let (Value::Set(x), Value::Set(_) | Value::DictView(_)) = (a, b) {
            if matches!(
                op,
                BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor
            ) {
                if let Value::Set(n) = self.binary_op(op, a, b)? {
                    let map = std::mem::take(&mut n.borrow_mut().map);
                    x.borrow_mut().map = map;
                    return Ok(a.clone());
                }
            }
        }
        if let (Value::Dict(x), BinOp::BitOr) = (a, op) {
            crate::runtime::builtins::dict_fill(self, x, Some(b), &Vec::new())?;
            return Ok(a.clone());
        }
        if let (BinOp::Add, Value::List(l)) = (op, a) {
            let items = self.iterate(b)?;
            l.borrow_mut().extend(items);
            return Ok(a.clone());
        }
        let (_, _, iname) = dunder(op);
        if let Some(r) = self.call_special(a, iname, vec![b.clone()]) {
            let r = r?;
            if !matches!(r, Value::NotImplemented) {
                return Ok(r);
            }
        }
        self.binary_op(op, a, b).map_err(|e| {
            if e.is("TypeError")
                && e.args()
                    .first()
                    .map(|m| matches!(m, Value::Str(s) if s.starts_with("unsupported operand")))
                    .unwrap_or(false)
            {
                let sym = op.symbol();
                type_error(format!(
                    "unsupported operand type(s) for {sym}=: '{}' and '{}'",
                    type_name(a),
                    type_name(b)
                ))
            } else {
                e
            }
        })
    }

    /// `-x`, `+x`, `~x`.
    pub fn unary_op(&mut self, op: UnaryOp, v: &Value) -> PyResult<Value> {
        match (op, v) {
            (UnaryOp::Neg, Value::Int(i)) => Ok(i
                .checked_neg()
                .map(Value::Int)
                .unwrap_or_else(|| ops::big(-num_bigint::BigInt::from(*i)))),
            (UnaryOp::Neg, Value::Bool(b)) => Ok(Value::Int(-(*b as i64))),
            (UnaryOp::Neg, Value::BigInt(b)) => Ok(ops::big(-(**b).clone())),
            (UnaryOp::Neg, Value::Float(f)) => Ok(Value::Float(-f)),
            (UnaryOp::Pos, Value::Int(_) | Value::BigInt(_) | Value::Float(_)) => Ok(v.clone()),
            (UnaryOp::Pos, Value::Bool(b)) => Ok(Value::Int(*b as i64)),
            (UnaryOp::Invert, Value::Int(i)) => Ok(Value::Int(!i)),
            (UnaryOp::Invert, Value::Bool(b)) => Ok(Value::Int(!(*b as i64))),
            (UnaryOp::Invert, Value::BigInt(b)) => Ok(ops::big(-(**b).clone() - 1)),
            (UnaryOp::Not, _) => Ok(Value::Bool(!self.truthy(v)?)),
            _ => {
                let (name, sym) = match op {
                    UnaryOp::Neg => ("__neg__", "-"),
                    UnaryOp::Pos => ("__pos__", "+"),
                    _ => ("__invert__", "~"),
                };
                if let Some(r) = self.call_special(v, name, vec![]) {
                    return r;
                }
                Err(type_error(format!(
                    "bad operand type for unary {sym}: '{}'",
                    type_name(v)
                )))
            }
        }
    }

    /// Truth value.
    pub fn truthy(&mut self, v: &Value) -> PyResult<bool> {
        Ok(match v {
            Value::None | Value::Undef => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::BigInt(_) => true,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) | Value::Set(d) => !d.borrow().is_empty(),
            Value::DictView(dv) => !dv.dict.borrow().is_empty(),
            Value::Range(r) => !r.is_empty(),
            Value::Instance(_) => {
                if let Some(r) = self.call_special(v, "__bool__", vec![]) {
                    return match r? {
                        Value::Bool(b) => Ok(b),
                        other => Err(type_error(format!(
                            "__bool__ should return bool, returned {}",
                            type_name(&other)
                        ))),
                    };
                }
                if let Some(r) = self.call_special(v, "__len__", vec![]) {
                    let n = r?;
                    return Ok(!matches!(n, Value::Int(0)));
                }
                true
            }
            _ => true,
        })
    }

    /// `==` as a bool.
    pub fn eq(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        if !is_container(a) {
            return self.eq_inner(a, b);
        }
        self.enter_native(" in comparison")?;
        let r = self.eq_inner(a, b);
        self.depth -= 1;
        r
    }

    fn eq_inner(&mut self, a: &Value, b: &Value) -> PyResult<bool> {
        use Value::*;
        match (a, b) {
            (Int(x), Int(y)) => Ok(x == y),
            (Str(x), Str(y)) => Ok(x == y),
            (None, None) => Ok(true),
            (List(x), List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                let (x, y) = (x.borrow().clone(), y.borrow().clone());
                self.seq_eq(&x, &y)
            }
            (Tuple(x), Tuple(y)) => {
                let (x, y) = (x.clone(), y.clone());
                self.seq_eq(&x, &y)
            }
            (Dict(x), Dict(y)) | (Set(x), Set(y)) => {
                if x.borrow().len() != y.borrow().len() {
                    return Ok(false);
                }
                let items: Vec<(DictKey, Value)> = x
                    .borrow()
                    .map
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (k, v) in items {
                    let other = y.borrow().get(&k).cloned();
                    match other {
                        Some(o) => {
                            if !self.eq(&v, &o)? {
                                return Ok(false);
                            }
                        }
                        Option::None => return Ok(false),
                    }
                }
                Ok(true)
            }
            (Instance(_), _) | (_, Instance(_)) => {
                let r = self.compare(CmpOp::Eq, a, b)?;
                self.truthy(&r)
            }
            _ => Ok(crate::runtime::dict::key_eq(a, b)),
        }
    }

    fn seq_eq(&mut self, x: &[Value], y: &[Value]) -> PyResult<bool> {
        if x.len() != y.len() {
            return Ok(false);
        }
        for (p, q) in x.iter().zip(y) {
            if !p.is(q) && !self.eq(p, q)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn seq_order(&mut self, x: &[Value], y: &[Value], op: CmpOp) -> PyResult<Value> {
        for (p, q) in x.iter().zip(y) {
            if !p.is(q) && !self.eq(p, q)? {
                return self.compare(op, p, q);
            }
        }
        let o = x.len().cmp(&y.len());
        Ok(Value::Bool(ord_matches(op, o)))
    }

    /// A rich comparison, returning whatever the comparison gives.
    pub fn compare(&mut self, op: CmpOp, a: &Value, b: &Value) -> PyResult<Value> {
        if !is_container(a) {
            return self.compare_inner(op, a, b);
        }
        self.enter_native(" in comparison")?;
        let r = self.compare_inner(op, a, b);
        self.depth -= 1;
        r
    }

    fn compare_inner(&mut self, op: CmpOp, a: &Value, b: &Value) -> PyResult<Value> {
        match op {
            CmpOp::Is => return Ok(Value::Bool(a.is(b))),
            CmpOp::IsNot => return Ok(Value::Bool(!a.is(b))),
            CmpOp::In => return Ok(Value::Bool(self.contains(b, a)?)),
            CmpOp::NotIn => return Ok(Value::Bool(!self.contains(b, a)?)),
            _ => {}
        }
        if let (Value::Int(x), Value::Int(y)) = (a, b) {
            return Ok(Value::Bool(ord_matches(op, x.cmp(y))));
        }
        let (name, rname) = match op {
            CmpOp::Eq => ("__eq__", "__eq__"),
            CmpOp::NotEq => ("__ne__", "__ne__"),
            CmpOp::Lt => ("__lt__", "__gt__"),
            CmpOp::LtE => ("__le__", "__ge__"),
            CmpOp::Gt => ("__gt__", "__lt__"),
            _ => ("__ge__", "__le__"),
        };
        if user_class(a).is_some() || user_class(b).is_some() {
            if let Some(r) = self.call_special(a, name, vec![b.clone()]) {
                let r = r?;
                if !matches!(r, Value::NotImplemented) {
                    return Ok(r);
                }
            }
            if let Some(r) = self.call_special(b, rname, vec![a.clone()]) {
                let r = r?;
                if !matches!(r, Value::NotImplemented) {
                    return Ok(r);
                }
            }
            if op == CmpOp::NotEq {
                if let Some(r) = self.call_special(a, "__eq__", vec![b.clone()]) {
                    let r = r?;
                    if !matches!(r, Value::NotImplemented) {
                        return Ok(Value::Bool(!self.truthy(&r)?));
                    }
                }
            }
            match op {
                CmpOp::Eq => return Ok(Value::Bool(a.is(b))),
                CmpOp::NotEq => return Ok(Value::Bool(!a.is(b))),
                _ => {}
            }
        }
        match op {
            CmpOp::Eq => return Ok(Value::Bool(self.eq(a, b)?)),
            CmpOp::NotEq => return Ok(Value::Bool(!self.eq(a, b)?)),
            _ => {}
        }
        if let Some(o) = ops::order(a, b) {
            return Ok(Value::Bool(ord_matches(op, o)));
        }
        if let (Value::Set(x), Value::Set(y)) = (a, b) {
            let sub = |p: &crate::runtime::dict::Dict, q: &crate::runtime::dict::Dict| {
                p.map.keys().all(|k| q.get(k).is_some())
            };
            let (x, y) = (x.borrow(), y.borrow());
            let r = match op {
                CmpOp::LtE => sub(&x, &y),
                CmpOp::Lt => sub(&x, &y) && x.len() < y.len(),
                CmpOp::GtE => sub(&y, &x),
                _ => sub(&y, &x) && y.len() < x.len(),
            };
            return Ok(Value::Bool(r));
        }
        match (a, b) {
            (Value::Float(x), _) | (_, Value::Float(x))
                if x.is_nan() && ops::to_f64(a).is_some() && ops::to_f64(b).is_some() =>
            {
                return Ok(Value::Bool(false))
            }
            (Value::List(x), Value::List(y)) => {
                let (x, y) = (x.borrow().clone(), y.borrow().clone());
                return self.seq_order(&x, &y, op);
            }
            (Value::Tuple(x), Value::Tuple(y)) => {
                let (x, y) = (x.clone(), y.clone());
                return self.seq_order(&x, &y, op);
            }
            _ => {}
        }
        let sym = match op {
            CmpOp::Lt => "<",
            CmpOp::LtE => "<=",
            CmpOp::Gt => ">",
            _ => ">=",
        };
        Err(type_error(format!(
            "'{sym}' not supported between instances of '{}' and '{}'",
            type_name(a),
            type_name(b)
        )))
    }

    /// `x in container`.
    pub fn contains(&mut self, container: &Value, x: &Value) -> PyResult<bool> {
        match container {
            Value::Str(s) => match x {
                Value::Str(sub) => Ok(s.contains(&**sub)),
                other => Err(type_error(format!(
                    "'in <string>' requires string as left operand, not {}",
                    type_name(other)
                ))),
            },
            Value::Dict(d) | Value::Set(d) => {
                let k = self.key(x.clone())?;
                Ok(d.borrow().get(&k).is_some())
            }
            Value::DictView(dv) if dv.kind == crate::runtime::value::ViewKind::Keys => {
                let k = self.key(x.clone())?;
                Ok(dv.dict.borrow().get(&k).is_some())
            }
            Value::Range(r) => match x {
                Value::Int(i) => {
                    let (s, e, st) = (r.start, r.stop, r.step);
                    let i = *i as i128;
                    Ok(if st > 0 {
                        i >= s && i < e
                    } else {
                        i <= s && i > e
                    } && (i - s) % st == 0)
                }
                _ => {
                    for v in self.iterate(container)? {
                        if self.eq(&v, x)? {
                            return Ok(true);
                        }
                    }
                    Ok(false)
                }
            },
            Value::List(_) | Value::Tuple(_) => {
                let items = match container {
                    Value::List(l) => l.borrow().clone(),
                    Value::Tuple(t) => t.to_vec(),
                    _ => vec![],
                };
                for v in items {
                    if v.is(x) || self.eq(&v, x)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Value::Instance(_) => {
                if let Some(r) = self.call_special(container, "__contains__", vec![x.clone()]) {
                    let r = r?;
                    return self.truthy(&r);
                }
                let it = self.get_iter(container)?;
                while let Some(v) = self.next_opt(&it)? {
                    if v.is(x) || self.eq(&v, x)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            other => {
                if let Ok(it) = self.get_iter(other) {
                    while let Some(v) = self.next_opt(&it)? {
                        if v.is(x) || self.eq(&v, x)? {
                            return Ok(true);
                        }
                    }
                    return Ok(false);
                }
                Err(type_error(format!(
                    "argument of type '{}' is not iterable",
                    type_name(other)
                )))
            }
        }
    }

    /// A dict key for `v`, or TypeError for unhashable values.
    pub fn key(&mut self, v: Value) -> PyResult<DictKey> {
        DictKey::new(v).map_err(|u| type_error(format!("unhashable type: '{}'", u.0)))
    }

    /// A set of these values.
    pub fn make_set(&mut self, items: Vec<Value>) -> PyResult<Value> {
        let mut d = Dict::new();
        for v in items {
            let k = self.key(v)?;
            d.insert(k, Value::None);
        }
        Ok(Value::Set(Rc::new(RefCell::new(d))))
    }

    /// The (key, value) pairs of a mapping (for `**` and `dict(m)`).
    pub fn mapping_items(&mut self, m: &Value) -> PyResult<Vec<(Value, Value)>> {
        match m {
            Value::Dict(d) => Ok(d
                .borrow()
                .map
                .iter()
                .map(|(k, v)| (k.0.clone(), v.clone()))
                .collect()),
            Value::Instance(_) if self.special(m, "keys").is_some() => {
                let keys = self.call_method(m, "keys", vec![])?;
                let mut out = Vec::new();
                for k in self.iterate(&keys)? {
                    let v = self.getitem(m, &k)?;
                    out.push((k, v));
                }
                Ok(out)
            }
            _ => Err(type_error(format!(
                "'{}' object is not a mapping",
                type_name(m)
            ))),
        }
    }

    /// `iter(v)`.
    pub fn get_iter(&mut self, v: &Value) -> PyResult<Value> {
        let it = match v {
            Value::List(l) => NativeIter::List(l.clone(), 0),
            Value::Tuple(t) => NativeIter::Tuple(t.clone(), 0),
            Value::Str(s) => NativeIter::Str(s.clone(), 0),
            Value::Range(r) => NativeIter::Range {
                next: r.start,
                step: r.step,
                left: r.len(),
            },
            Value::Dict(d) | Value::Set(d) => NativeIter::DictKeys(d.clone(), 0, d.borrow().len()),
            Value::Iter(_) => return Ok(v.clone()),
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
        Ok(Value::Iter(Rc::new(RefCell::new(it))))
    }

    /// One step of an iterator: `None` when exhausted.
    pub fn next_opt(&mut self, it: &Value) -> PyResult<Option<Value>> {
        self.tick()?;
        match it {
            Value::Iter(cell) => self.native_next(cell),
            Value::Generator(g) => match self.gen_resume(g, Resume::Send(Value::None))? {
                Outcome::Yield(v) => Ok(Some(v)),
                Outcome::Return(_) => Ok(None),
            },
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
            NativeIter::Str(s, i) => match s[*i..].chars().next() {
                Some(c) => {
                    *i += c.len_utf8();
                    Some(Value::Str(Rc::from(c.encode_utf8(&mut [0; 4]) as &str)))
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
            NativeIter::Values(it) => it.next(),
            NativeIter::Done => None,
            NativeIter::FutureAwait(f, yielded) => {
                if *yielded || f.done() {
                    None
                } else {
                    *yielded = true;
                    f.blocking.set(true);
                    Some(Value::Future(f.clone()))
                }
            }
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
        if r.is_none() {
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
                    let i = n.get();
                    n.set(i + 1);
                    (Some(Value::tuple(vec![Value::Int(i), v])), true)
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
        }
        Ok(r)
    }

    /// All values of an iterable.
    pub fn iterate(&mut self, v: &Value) -> PyResult<Vec<Value>> {
        match v {
            Value::List(l) => return Ok(l.borrow().clone()),
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
            Value::Future(f) => Ok(Value::Iter(Rc::new(RefCell::new(NativeIter::FutureAwait(
                f.clone(),
                false,
            ))))),
            Value::Iter(cell)
                if matches!(
                    &*cell.borrow(),
                    NativeIter::AsyncGenOp(..) | NativeIter::AnextDefault(..)
                ) =>
            {
                Ok(v.clone())
            }
            Value::Generator(g) if g.kind == GenKind::Coroutine => Ok(v.clone()),
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
            Value::Tuple(t) => t.len(),
            Value::Dict(d) | Value::Set(d) => d.borrow().len(),
            Value::Range(r) => r.len().max(0) as usize,
            Value::DictView(dv) => dv.dict.borrow().len(),
            Value::Instance(_) => match self.call_special(v, "__len__", vec![]) {
                Some(r) => match r? {
                    Value::Int(n) if n >= 0 => n as usize,
                    Value::Int(_) => return Err(err("ValueError", "__len__() should return >= 0")),
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
            (Value::Range(r), Value::Int(n)) => {
                let len = r.len().max(0) as usize;
                let j = norm_index(*n, len)
                    .ok_or_else(|| index_error("range object index out of range"))?;
                Ok(Value::from_i128(r.start + r.step * j as i128))
            }
            (Value::Dict(d), _) => {
                let k = self.key(i.clone())?;
                let v = d.borrow().get(&k).cloned();
                v.ok_or_else(|| key_error(i.clone()))
            }
            (
                Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range(_),
                Value::Slice(s),
            ) => self.get_slice(obj, s),
            (
                Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range(_),
                Value::Bool(b),
            ) => self.getitem(obj, &Value::Int(*b as i64)),
            (
                Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Range(_),
                Value::BigInt(_),
            ) => Err(index_error("cannot fit 'int' into an index-sized integer")),
            (Value::Instance(_), _) => match self.call_special(obj, "__getitem__", vec![i.clone()])
            {
                Some(r) => r,
                None => Err(type_error(format!(
                    "'{}' object is not subscriptable",
                    type_name(obj)
                ))),
            },
            (Value::List(_) | Value::Tuple(_), _) => Err(type_error(format!(
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

    fn get_slice(&mut self, obj: &Value, s: &(Value, Value, Value)) -> PyResult<Value> {
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
                let len = r.len().max(0) as usize;
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
            (Value::List(l), Value::Int(n)) => {
                let mut l = l.borrow_mut();
                let len = l.len();
                let j = norm_index(*n, len)
                    .ok_or_else(|| index_error("list assignment index out of range"))?;
                l[j] = v;
                Ok(())
            }
            (Value::List(l), Value::Slice(s)) => {
                let items = self.iterate(&v)?;
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
                d.borrow_mut().insert(k, v);
                Ok(())
            }
            (Value::Instance(_), _) => {
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
            (Value::List(l), Value::Int(n)) => {
                let mut l = l.borrow_mut();
                let len = l.len();
                let j = norm_index(*n, len)
                    .ok_or_else(|| index_error("list assignment index out of range"))?;
                l.remove(j);
                Ok(())
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
                let k = self.key(i.clone())?;
                let r = d.borrow_mut().remove(&k);
                r.map(|_| ()).ok_or_else(|| key_error(i.clone()))
            }
            (Value::Instance(_), _) => match self.call_special(obj, "__delitem__", vec![i.clone()])
            {
                Some(r) => r.map(|_| ()),
                None => Err(type_error(format!(
                    "'{}' object doesn't support item deletion",
                    type_name(obj)
                ))),
            },
            _ => Err(type_error(format!(
                "'{}' object doesn't support item deletion",
                type_name(obj)
            ))),
        }
    }

    /// `getattr(obj, name)`.
    pub fn getattr(&mut self, obj: &Value, name: &str) -> PyResult<Value> {
        match obj {
            Value::Instance(inst) => {
                if Rc::ptr_eq(&inst.class, &types().super_) {
                    return self.super_getattr(obj, name);
                }
                let cls_attr = inst.class.lookup(name);
                if let Some(Value::Instance(p)) = &cls_attr {
                    if Rc::ptr_eq(&p.class, &types().property) {
                        let getter = p.dict.borrow().get("fget").cloned().unwrap_or(Value::None);
                        if getter.is_none() {
                            return Err(attribute_error(format!(
                                "property '{name}' of '{}' object has no getter",
                                inst.class.name
                            )));
                        }
                        return self.call(&getter, vec![obj.clone()], vec![]);
                    }
                }
                if let Some(v) = inst.dict.borrow().get(name) {
                    return Ok(v.clone());
                }
                if inst.exc.is_some() {
                    if let Some(v) = self.exception_attr(inst, name) {
                        return Ok(v);
                    }
                }
                if let Some(a) = cls_attr {
                    return Ok(self.bind(a, obj));
                }
                match name {
                    "__class__" => return Ok(Value::Class(inst.class.clone())),
                    "__dict__" => {
                        let mut d = Dict::new();
                        for (k, v) in inst.dict.borrow().iter() {
                            d.insert(DictKey(Value::Str(k.clone())), v.clone());
                        }
                        return Ok(Value::Dict(Rc::new(RefCell::new(d))));
                    }
                    _ => {}
                }
                if let Some(ga) = inst.class.lookup("__getattr__") {
                    return self.call(&ga, vec![obj.clone(), Value::str(name)], vec![]);
                }
                Err(attribute_error(format!(
                    "'{}' object has no attribute '{name}'",
                    inst.class.name
                )))
            }
            Value::Class(c) => {
                if let Some(a) = c.lookup(name) {
                    return Ok(match &a {
                        Value::Instance(i)
                            if Rc::ptr_eq(&i.class, &types().classmethod)
                                || Rc::ptr_eq(&i.class, &types().staticmethod) =>
                        {
                            self.bind(a.clone(), obj)
                        }
                        _ => a,
                    });
                }
                match name {
                    "__name__" => Ok(Value::Str(c.name.clone())),
                    "__qualname__" => Ok(Value::Str(c.qualname.clone())),
                    "__module__" => Ok(Value::Str(c.module.clone())),
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
                    _ => Err(attribute_error(format!(
                        "type object '{}' has no attribute '{name}'",
                        c.name
                    ))),
                }
            }
            Value::Module(m) => m.get(name).ok_or_else(|| {
                attribute_error(format!("module '{}' has no attribute '{name}'", m.name))
            }),
            Value::Function(f) => {
                if let Some(v) = f.dict.borrow().get(name) {
                    return Ok(v.clone());
                }
                match name {
                    "__name__" => Ok(Value::Str(f.name.borrow().clone())),
                    "__qualname__" => Ok(Value::Str(f.code.qualname.clone())),
                    "__module__" => Ok(Value::Str(f.globals.name.clone())),
                    "__doc__" => Ok(Value::None),
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
            Value::Builtin(b) if name == "__name__" => Ok(Value::str(b.name)),
            Value::Generator(g) if matches!(name, "__name__" | "__qualname__") => {
                Ok(Value::Str(if name == "__name__" {
                    g.code.name.clone()
                } else {
                    g.code.qualname.clone()
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
                if let (Value::Range(r), "start" | "stop" | "step") = (obj, name) {
                    return Ok(Value::from_i128(match name {
                        "start" => r.start,
                        "stop" => r.stop,
                        _ => r.step,
                    }));
                }
                Err(attribute_error(format!(
                    "'{}' object has no attribute '{name}'",
                    cls.name
                )))
            }
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
            "__suppress_context__" => Value::Bool(d.suppress_context),
            "__traceback__" => {
                if d.traceback.is_empty() {
                    Value::None
                } else {
                    Value::Class(types().traceback.clone())
                }
            }
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
            let d = s.dict.borrow();
            (d.get("__thisclass__").cloned(), d.get("__self__").cloned())
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
        if name == "__init__" {
            return Ok(crate::runtime::builtins::object_init_bound(&this));
        }
        Err(attribute_error(format!(
            "'super' object has no attribute '{name}'"
        )))
    }

    /// `setattr(obj, name, v)`.
    pub fn setattr(&mut self, obj: &Value, name: &str, v: Value) -> PyResult<()> {
        match obj {
            Value::Instance(inst) => {
                if let Some(Value::Instance(p)) = inst.class.lookup(name) {
                    if Rc::ptr_eq(&p.class, &types().property) {
                        let setter = p.dict.borrow().get("fset").cloned().unwrap_or(Value::None);
                        if setter.is_none() {
                            return Err(attribute_error(format!(
                                "property '{name}' of '{}' object has no setter",
                                inst.class.name
                            )));
                        }
                        self.call(&setter, vec![obj.clone(), v], vec![])?;
                        return Ok(());
                    }
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
                            d.suppress_context = matches!(v, Value::Bool(true));
                            return Ok(());
                        }
                        _ => {}
                    }
                }
                inst.dict.borrow_mut().insert(Rc::from(name), v);
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
                        *f.name.borrow_mut() = s.clone();
                        return Ok(());
                    }
                }
                f.dict.borrow_mut().insert(Rc::from(name), v);
                Ok(())
            }
            Value::Module(m) => {
                m.set(name, v);
                Ok(())
            }
            other => {
                let cls = types().class_of(other);
                if cls.lookup(name).is_some() {
                    return Err(attribute_error(format!(
                        "'{}' object attribute '{name}' is read-only",
                        cls.name
                    )));
                }
                Err(attribute_error(format!(
                    "'{}' object has no attribute '{name}'",
                    cls.name
                )))
            }
        }
    }

    /// `delattr(obj, name)`.
    pub fn delattr(&mut self, obj: &Value, name: &str) -> PyResult<()> {
        match obj {
            Value::Instance(inst) => {
                if inst.dict.borrow_mut().shift_remove(name).is_some() {
                    return Ok(());
                }
                Err(attribute_error(format!(
                    "'{}' object has no attribute '{name}'",
                    inst.class.name
                )))
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
            other => Err(attribute_error(format!(
                "'{}' object has no attribute '{name}'",
                type_name(other)
            ))),
        }
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

    /// `repr(v)`.
    pub fn repr(&mut self, v: &Value) -> PyResult<String> {
        if !is_container(v) {
            return self.repr_inner(v);
        }
        self.enter_native(" while getting the repr of an object")?;
        let r = self.repr_inner(v);
        self.depth -= 1;
        r
    }

    /// Counts a level of native recursion (a container's repr or comparison) against the
    /// recursion limit, as CPython's `Py_EnterRecursiveCall`; the caller leaves with
    /// `self.depth -= 1` when this succeeded.
    pub fn enter_native(&mut self, during: &str) -> PyResult<()> {
        if self.depth >= super::RECURSION_LIMIT {
            return Err(crate::runtime::exceptions::err(
                "RecursionError",
                format!("maximum recursion depth exceeded{during}"),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    fn repr_inner(&mut self, v: &Value) -> PyResult<String> {
        Ok(match v {
            Value::None | Value::Undef => "None".into(),
            Value::Bool(b) => if *b { "True" } else { "False" }.into(),
            Value::Int(i) => i.to_string(),
            Value::BigInt(b) => big_to_str(b)?,
            Value::Float(f) => crate::runtime::format::float_repr(*f),
            Value::Str(s) => str_repr(s),
            Value::Ellipsis => "Ellipsis".into(),
            Value::NotImplemented => "NotImplemented".into(),
            Value::List(l) => {
                if self.repr_enter(v) {
                    return Ok("[...]".into());
                }
                let items = l.borrow().clone();
                let r = self.join_reprs(&items);
                self.repr_leave();
                format!("[{}]", r?)
            }
            Value::Tuple(t) => {
                if t.len() == 1 {
                    if self.repr_enter(v) {
                        return Ok("(...)".into());
                    }
                    let r = self.repr(&t[0]);
                    self.repr_leave();
                    format!("({},)", r?)
                } else {
                    if self.repr_enter(v) {
                        return Ok("(...)".into());
                    }
                    let r = self.join_reprs(t);
                    self.repr_leave();
                    format!("({})", r?)
                }
            }
            Value::Dict(d) => {
                if self.repr_enter(v) {
                    return Ok("{...}".into());
                }
                let items: Vec<(Value, Value)> = d
                    .borrow()
                    .map
                    .iter()
                    .map(|(k, v)| (k.0.clone(), v.clone()))
                    .collect();
                let mut parts = Vec::with_capacity(items.len());
                for (k, x) in items {
                    let kr = self.repr(&k);
                    let xr = self.repr(&x);
                    match (kr, xr) {
                        (Ok(a), Ok(b)) => parts.push(format!("{a}: {b}")),
                        (Err(e), _) | (_, Err(e)) => {
                            self.repr_leave();
                            return Err(e);
                        }
                    }
                }
                self.repr_leave();
                format!("{{{}}}", parts.join(", "))
            }
            Value::Set(d) => {
                if d.borrow().is_empty() {
                    return Ok("set()".into());
                }
                if self.repr_enter(v) {
                    return Ok("set(...)".into());
                }
                let items: Vec<Value> = d.borrow().map.keys().map(|k| k.0.clone()).collect();
                let r = self.join_reprs(&items);
                self.repr_leave();
                format!("{{{}}}", r?)
            }
            Value::Range(r) => {
                if r.step == 1 {
                    format!("range({}, {})", r.start, r.stop)
                } else {
                    format!("range({}, {}, {})", r.start, r.stop, r.step)
                }
            }
            Value::Slice(s) => {
                let (a, b, c) = (self.repr(&s.0)?, self.repr(&s.1)?, self.repr(&s.2)?);
                format!("slice({a}, {b}, {c})")
            }
            Value::Function(f) => format!("<function {} at {:#x}>", f.code.qualname, v.address()),
            Value::Builtin(b) => match &b.bound {
                None => format!("<built-in function {}>", b.name),
                Some(this) => format!(
                    "<built-in method {} of {} object at {:#x}>",
                    b.name,
                    type_name(this),
                    this.address()
                ),
            },
            Value::BoundMethod(m) => {
                let qual = match &m.func {
                    Value::Function(f) => f.code.qualname.to_string(),
                    other => self.repr(other)?,
                };
                let this = self.repr(&m.this.clone())?;
                format!("<bound method {qual} of {this}>")
            }
            Value::Class(c) => {
                if c.module.as_ref() == "builtins" {
                    format!("<class '{}'>", c.qualname)
                } else {
                    format!("<class '{}.{}'>", c.module, c.qualname)
                }
            }
            Value::Module(m) => format!("<module '{}' (built-in)>", m.name),
            Value::Future(f) => self.future_repr(f)?,
            Value::Handle(h) => {
                let state = if h.cancelled.get() { " cancelled" } else { "" };
                match h.when {
                    Some(w) => format!(
                        "<TimerHandle{state} when={}>",
                        crate::runtime::format::float_repr(w)
                    ),
                    None => format!("<Handle{state}>"),
                }
            }
            Value::EventLoop(_) => {
                let debug = self.event_loop.as_ref().is_some_and(|l| l.debug);
                let running = self.event_loop.is_some();
                format!(
                    "<_UnixSelectorEventLoop running={} closed={} debug={}>",
                    if running { "True" } else { "False" },
                    if running { "False" } else { "True" },
                    if debug { "True" } else { "False" }
                )
            }
            Value::DictView(_) => {
                let name = types().class_of(v).name.clone();
                let items = self.iterate(v)?;
                format!("{name}([{}])", self.join_reprs(&items)?)
            }
            Value::Generator(g) => format!(
                "<{} object {} at {:#x}>",
                g.kind.type_name(),
                g.code.qualname,
                v.address()
            ),
            Value::Iter(_) => format!("<iterator object at {:#x}>", v.address()),
            Value::Instance(inst) => {
                if let Some(r) = inst.class.lookup("__repr__") {
                    let s = self.call(&r, vec![v.clone()], vec![])?;
                    return match s {
                        Value::Str(s) => Ok(s.to_string()),
                        other => Err(type_error(format!(
                            "__repr__ returned non-string (type {})",
                            type_name(&other)
                        ))),
                    };
                }
                if let Some(d) = &inst.exc {
                    let args = d.borrow().args.clone();
                    let inner = if args.len() == 1 {
                        self.repr(&args[0])?
                    } else {
                        self.join_reprs(&args)?
                    };
                    return Ok(format!("{}({})", inst.class.name, inner));
                }
                if Rc::ptr_eq(&inst.class, &types().super_) {
                    return Ok("<super object>".into());
                }
                format!(
                    "<{}.{} object at {:#x}>",
                    inst.class.module,
                    inst.class.qualname,
                    v.address()
                )
            }
        })
    }

    /// `repr()` of a Future or Task, in CPython's shape (`<Task pending name='Task-2' coro=…>`).
    fn future_repr(&mut self, f: &Rc<crate::asyncio::future::Future>) -> PyResult<String> {
        use crate::asyncio::future::FutState;
        let st = f.state.borrow().clone();
        let state = match &st {
            FutState::Pending => "pending".to_string(),
            FutState::Cancelled(..) => "cancelled".to_string(),
            FutState::Finished(_) | FutState::Failed(_) => "finished".to_string(),
        };
        let mut s = match &f.task {
            Some(td) => {
                let name = td.name.borrow().clone();
                let coro = match &td.coro {
                    Value::Generator(g) => {
                        let how = if g.is_done() { "done" } else { "running" };
                        format!(
                            "<{}() {how}, defined at {}:{}>",
                            g.code.qualname,
                            g.code.source.name,
                            g.code.source.line_of(g.code.span.start)
                        )
                    }
                    other => self.repr(other)?,
                };
                format!("<Task {state} name='{name}' coro={coro}")
            }
            None => format!("<Future {state}"),
        };
        match st {
            FutState::Finished(v) => s.push_str(&format!(" result={}", self.repr(&v)?)),
            FutState::Failed(e) => s.push_str(&format!(" exception={}", self.repr(&e.value())?)),
            _ => {}
        }
        s.push('>');
        Ok(s)
    }

    fn join_reprs(&mut self, items: &[Value]) -> PyResult<String> {
        let mut s = String::new();
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(&self.repr(x)?);
        }
        Ok(s)
    }

    fn repr_enter(&mut self, v: &Value) -> bool {
        let a = v.address();
        if self.repr_stack.contains(&a) {
            return true;
        }
        self.repr_stack.push(a);
        false
    }

    fn repr_leave(&mut self) {
        self.repr_stack.pop();
    }

    /// `str(v)`.
    pub fn to_str(&mut self, v: &Value) -> PyResult<String> {
        match v {
            Value::Str(s) => Ok(s.to_string()),
            Value::Instance(inst) => {
                if let Some(r) = inst.class.lookup("__str__") {
                    let s = self.call(&r, vec![v.clone()], vec![])?;
                    return match s {
                        Value::Str(s) => Ok(s.to_string()),
                        other => Err(type_error(format!(
                            "__str__ returned non-string (type {})",
                            type_name(&other)
                        ))),
                    };
                }
                if let Some(d) = &inst.exc {
                    let args = d.borrow().args.clone();
                    if inst.class.is_subclass(&types().exc("BaseExceptionGroup")) && args.len() == 2
                    {
                        let n = self.len(&args[1]).unwrap_or(0);
                        let msg = self.to_str(&args[0])?;
                        return Ok(format!(
                            "{msg} ({n} sub-exception{})",
                            if n == 1 { "" } else { "s" }
                        ));
                    }
                    return match args.len() {
                        0 => Ok(String::new()),
                        1 if inst.class.is_subclass(&types().exc("KeyError")) => {
                            self.repr(&args[0])
                        }
                        1 => self.to_str(&args[0]),
                        _ => self.repr(&Value::tuple(args)),
                    };
                }
                self.repr(v)
            }
            _ => self.repr(v),
        }
    }

    /// `format(v, spec)`.
    pub fn format(&mut self, v: &Value, spec: &str) -> PyResult<String> {
        use crate::runtime::format::{format_float, format_i64, format_int, format_str};
        let r = match v {
            Value::Str(s) if spec.is_empty() => return Ok(s.to_string()),
            Value::Str(s) => format_str(s, spec),
            Value::Int(i) => format_i64(*i, spec),
            Value::Bool(b) if spec.is_empty() => {
                return Ok(if *b { "True" } else { "False" }.into())
            }
            Value::Bool(b) => format_i64(*b as i64, spec),
            Value::BigInt(b) => {
                if spec.is_empty() {
                    return big_to_str(b);
                }
                format_int(b, spec)
            }
            Value::Float(f) => format_float(*f, spec),
            Value::Instance(inst) if inst.class.lookup("__format__").is_some() => {
                let f = inst.class.lookup("__format__").expect("checked above");
                let r = self.call(&f, vec![v.clone(), Value::str(spec)], vec![])?;
                return match r {
                    Value::Str(s) => Ok(s.to_string()),
                    other => Err(type_error(format!(
                        "__format__ must return a str, not {}",
                        type_name(&other)
                    ))),
                };
            }
            _ => {
                if spec.is_empty() {
                    return self.to_str(v);
                }
                return Err(type_error(format!(
                    "unsupported format string passed to {}.__format__",
                    type_name(v)
                )));
            }
        };
        r.map_err(|m| {
            if m.contains("too large to convert")
                || m.contains("not in range(0x110000)")
                || m.contains("C long")
            {
                err("OverflowError", m)
            } else {
                err("ValueError", m)
            }
        })
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
                Err(err(
                    "ModuleNotFoundError",
                    format!("No module named '{missing}'"),
                ))
            }
        }
    }
}

/// Whether `v` holds other values (its repr and comparison recurse).
fn is_container(v: &Value) -> bool {
    matches!(
        v,
        Value::List(_) | Value::Tuple(_) | Value::Dict(_) | Value::Set(_)
    )
}

fn ord_matches(op: CmpOp, o: Ordering) -> bool {
    match op {
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::LtE => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::GtE => o != Ordering::Less,
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::NotEq => o != Ordering::Equal,
        _ => false,
    }
}
