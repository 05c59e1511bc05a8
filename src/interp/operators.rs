//! Operators and comparison: arithmetic with the reflected dunders and `NotImplemented`,
//! rich comparison, equality of containers, and membership.

use super::frame::Frame;
use super::Interp;
use crate::runtime::deque;
use crate::runtime::dict::DictKey;
use crate::runtime::exceptions::type_error;
use crate::runtime::mappingproxy;
use crate::runtime::ops::{self, type_name};
use crate::runtime::set::Set;
use crate::runtime::set_methods;
use crate::runtime::value::B64;
use crate::runtime::value::{PyResult, Value};
use crate::syntax::ast::{BinOp, CmpOp, Expr, ExprKind, UnaryOp};
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

use super::protocol::{builtin_base, user_class};

/// The set operator `op` is, if it is one (`|`, `&`, `-`, `^`).
fn set_operator(op: BinOp) -> Option<char> {
    match op {
        BinOp::BitOr => Some('|'),
        BinOp::BitAnd => Some('&'),
        BinOp::Sub => Some('-'),
        BinOp::BitXor => Some('^'),
        _ => None,
    }
}

/// CPython's TypeError for a binary operator no operand supports.
fn unsupported(op: BinOp, a: &Value, b: &Value) -> crate::runtime::value::Exc {
    let sym = if op == BinOp::Pow {
        "** or pow()"
    } else {
        op.symbol()
    };
    type_error(format!(
        "unsupported operand type(s) for {sym}: '{}' and '{}'",
        type_name(a),
        type_name(b)
    ))
}

impl Interp {
    /// `a op b`.
    pub fn binary_op(&mut self, op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
        if let Some(r) = ops::binary(op, a, b) {
            return r;
        }
        if let Some(c) = set_operator(op) {
            if let Some(r) = set_methods::binary(self, c, a, b) {
                return r;
            }
        }
        let (name, rname, _) = dunder(op);
        // A right operand whose class derives from the left's and overrides the reflected
        // method goes first (CPython's `binary_op1`).
        if let (Some(ca), Some(cb)) = (user_class(a), user_class(b)) {
            let overrides = !Rc::ptr_eq(ca, cb)
                && cb.is_subclass(ca)
                && match (cb.lookup(rname), ca.lookup(rname)) {
                    (Some(x), Some(y)) => !x.is(&y),
                    (Some(_), None) => true,
                    _ => false,
                };
            if overrides {
                if let Some(r) = self.call_special(b, rname, vec![a.clone()]) {
                    let r = r?;
                    if !matches!(r, Value::NotImplemented) {
                        return Ok(r);
                    }
                }
                if let Some(r) = self.call_special(a, name, vec![b.clone()]) {
                    let r = r?;
                    if !matches!(r, Value::NotImplemented) {
                        return Ok(r);
                    }
                }
                return Err(unsupported(op, a, b));
            }
        }
        if let Some(r) = self.call_special(a, name, vec![b.clone()]) {
            let r = r?;
            if !matches!(r, Value::NotImplemented) {
                return Ok(r);
            }
        }
        // As CPython's `binary_op1`: the reflected method is tried only when the types differ.
        let same_type =
            matches!((user_class(a), user_class(b)), (Some(x), Some(y)) if Rc::ptr_eq(x, y));
        if !same_type {
            if let Some(r) = self.call_special(b, rname, vec![a.clone()]) {
                let r = r?;
                if !matches!(r, Value::NotImplemented) {
                    return Ok(r);
                }
            }
        }
        // As CPython's mappingproxy_or: `|` works on the mappings the proxies wrap.
        if op == BinOp::BitOr
            && (matches!(a, Value::MappingProxy(_)) || matches!(b, Value::MappingProxy(_)))
        {
            let (x, y) = (mappingproxy::as_dict(a), mappingproxy::as_dict(b));
            return self.binary_op(op, &x, &y);
        }
        if builtin_base(a).is_some() || builtin_base(b).is_some() {
            let x = builtin_base(a).unwrap_or_else(|| a.clone());
            let y = builtin_base(b).unwrap_or_else(|| b.clone());
            return self.binary_op(op, &x, &y).map_err(|e| {
                // The message names the operands' own classes, not the values they wrap.
                let unsupported_msg = e.is("TypeError")
                    && matches!(e.args().first(), Some(Value::Str(m)) if m.starts_with("unsupported operand"));
                if unsupported_msg {
                    unsupported(op, a, b)
                } else {
                    e
                }
            });
        }
        if matches!(a, Value::Deque(_)) || matches!(b, Value::Deque(_)) {
            if let Some(r) = deque::binary(self, op, a, b) {
                return r;
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
                // As CPython's sequence repeat: a count may be any object with `__index__`.
                if matches!(o, Value::Instance(_)) && self.special(o, "__index__").is_some() {
                    let n = crate::runtime::builtins::index_value(self, o)?;
                    return if seq(a) {
                        self.binary_op(op, a, &n)
                    } else {
                        self.binary_op(op, &n, b)
                    };
                }
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
        Err(unsupported(op, a, b))
    }

    /// `a op= b`: lists extend in place; instances may define `__iop__`.
    pub fn inplace_op(&mut self, op: BinOp, a: &Value, b: &Value) -> PyResult<Value> {
        // Sets and dicts update in place (`s |= t` keeps `s` the same object).
        if let Some(c) = set_operator(op) {
            if let Some(r) = set_methods::inplace(self, c, a, b) {
                return r;
            }
        }
        if let (Value::Dict(x), BinOp::BitOr) = (a, op) {
            crate::runtime::builtins::dict_fill(self, x, Some(b), &Vec::new())?;
            return Ok(a.clone());
        }
        if let Some(r) = deque::inplace(self, op, a, b) {
            return r;
        }
        if let (BinOp::Add, Value::List(l)) = (op, a) {
            let items = self.iterate(b)?;
            l.borrow_mut().extend(items);
            return Ok(a.clone());
        }
        if let (BinOp::Mul, Value::List(l), Value::Int(n)) = (op, a, b) {
            let items = l.borrow().clone();
            let mut out = Vec::with_capacity(items.len() * (*n).max(0) as usize);
            for _ in 0..*n {
                out.extend(items.iter().cloned());
            }
            *l.borrow_mut() = out;
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
            (UnaryOp::Neg, Value::Bool(b)) => Ok(Value::Int(-(b.get() as i64))),
            (UnaryOp::Neg, Value::BigInt(b)) => Ok(ops::big(-(**b).clone())),
            (UnaryOp::Neg, Value::Float(f)) => Ok(ops::float_result(-f.get())),
            (UnaryOp::Pos, Value::Int(_) | Value::BigInt(_) | Value::Float(_)) => Ok(v.clone()),
            (UnaryOp::Pos, Value::Bool(b)) => Ok(Value::Int(b.get() as i64)),
            (UnaryOp::Invert, Value::Int(i)) => Ok(Value::Int(!i)),
            (UnaryOp::Invert, Value::Bool(b)) => Ok(Value::Int(!(b.get() as i64))),
            (UnaryOp::Invert, Value::BigInt(b)) => Ok(ops::big(-(**b).clone() - 1)),
            (UnaryOp::Not, _) => Ok(Value::Bool(B64::new(!self.truthy(v)?))),
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
    #[inline]
    pub fn truthy(&mut self, v: &Value) -> PyResult<bool> {
        match v {
            Value::Bool(b) => Ok(b.get()),
            _ => self.truthy_slow(v),
        }
    }

    fn truthy_slow(&mut self, v: &Value) -> PyResult<bool> {
        Ok(match v {
            Value::None | Value::Undef => false,
            Value::Bool(b) => b.get(),
            Value::Int(i) => *i != 0,
            Value::BigInt(_) => true,
            Value::Float(f) => f.get() != 0.0,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Deque(d) => !d.borrow().items.is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) => !d.borrow().is_empty(),
            Value::Set(s) | Value::FrozenSet(s) => !s.borrow().is_empty(),
            Value::DictView(dv) => !dv.dict.borrow().is_empty(),
            Value::MappingProxy(c) => !c.dict.borrow().is_empty(),
            Value::Range(r) => !r.is_empty(),
            Value::Instance(_)
                if self.special(v, "__bool__").is_none()
                    && self.special(v, "__len__").is_none()
                    && builtin_base(v).is_some() =>
            {
                return self.truthy(&builtin_base(v).unwrap_or_default());
            }
            Value::Instance(_) => {
                if let Some(r) = self.call_special(v, "__bool__", vec![]) {
                    return match r? {
                        Value::Bool(b) => Ok(b.get()),
                        other => Err(type_error(format!(
                            "__bool__ should return bool, returned {}",
                            type_name(&other)
                        ))),
                    };
                }
                if self.special(v, "__len__").is_some() {
                    // Through len(), so a bad __len__ result raises as CPython's does.
                    return Ok(self.len(v)? != 0);
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
            (Deque(x), Deque(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                let (x, y) = (deque::items(x), deque::items(y));
                self.seq_eq(&x, &y)
            }
            (Tuple(x), Tuple(y)) => {
                let (x, y) = (x.clone(), y.clone());
                self.seq_eq(&x, &y)
            }
            (Slice(x), Slice(y)) => {
                let x = [x.0.clone(), x.1.clone(), x.2.clone()];
                let y = [y.0.clone(), y.1.clone(), y.2.clone()];
                self.seq_eq(&x, &y)
            }
            (Set(x) | FrozenSet(x), Set(y) | FrozenSet(y)) => {
                // CPython's `set_richcompare`: the same length, and a subset.
                Ok(Rc::ptr_eq(x, y)
                    || (x.borrow().len() == y.borrow().len() && self.is_subset(x, y)?))
            }
            (Dict(x), Dict(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
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
                    let k = self.canonical(k, y)?;
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
            (MappingProxy(_), _) | (_, MappingProxy(_)) => {
                let (x, y) = (mappingproxy::as_dict(a), mappingproxy::as_dict(b));
                self.eq(&x, &y)
            }
            (DictView(v), Set(_) | FrozenSet(_) | DictView(_))
            | (Set(_) | FrozenSet(_), DictView(v))
                if v.kind != crate::runtime::value::ViewKind::Values =>
            {
                let as_set = |it: &mut Interp, x: &Value| -> PyResult<Value> {
                    if let DictView(_) = x {
                        let items = it.iterate(x)?;
                        it.make_set(items)
                    } else {
                        Ok(x.clone())
                    }
                };
                let (x, y) = (as_set(self, a)?, as_set(self, b)?);
                self.eq(&x, &y)
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
        Ok(Value::Bool(B64::new(ord_matches(op, o))))
    }

    /// One side of a rich comparison: `x.m(y)`, or None when `x` has no such method or it
    /// returns `NotImplemented`. Without `__ne__`, `!=` inverts `__eq__` (object's `__ne__`).
    fn rich_dunder(&mut self, x: &Value, y: &Value, m: &str) -> PyResult<Option<Value>> {
        if let Some(r) = self.call_special(x, m, vec![y.clone()]) {
            let r = r?;
            return Ok((!matches!(r, Value::NotImplemented)).then_some(r));
        }
        if m == "__ne__" {
            if let Some(r) = self.call_special(x, "__eq__", vec![y.clone()]) {
                let r = r?;
                if matches!(r, Value::NotImplemented) {
                    return Ok(None);
                }
                return Ok(Some(Value::Bool(B64::new(!self.truthy(&r)?))));
            }
        }
        Ok(None)
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
            CmpOp::Is => return Ok(Value::Bool(B64::new(a.is(b)))),
            CmpOp::IsNot => return Ok(Value::Bool(B64::new(!a.is(b)))),
            CmpOp::In => return Ok(Value::Bool(B64::new(self.contains(b, a)?))),
            CmpOp::NotIn => return Ok(Value::Bool(B64::new(!self.contains(b, a)?))),
            _ => {}
        }
        if let (Value::Int(x), Value::Int(y)) = (a, b) {
            return Ok(Value::Bool(B64::new(ord_matches(op, x.cmp(y)))));
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
            // A right operand whose class derives from the left's goes first, as in CPython.
            let swap = match (user_class(a), user_class(b)) {
                (Some(ca), Some(cb)) => !Rc::ptr_eq(ca, cb) && cb.is_subclass(ca),
                _ => false,
            };
            let order = if swap {
                [(b, a, rname), (a, b, name)]
            } else {
                [(a, b, name), (b, a, rname)]
            };
            for (x, y, m) in order {
                if let Some(r) = self.rich_dunder(x, y, m)? {
                    return Ok(r);
                }
            }
            if builtin_base(a).is_some() || builtin_base(b).is_some() {
                let x = builtin_base(a).unwrap_or_else(|| a.clone());
                let y = builtin_base(b).unwrap_or_else(|| b.clone());
                return self.compare(op, &x, &y);
            }
            match op {
                CmpOp::Eq => return Ok(Value::Bool(B64::new(a.is(b)))),
                CmpOp::NotEq => return Ok(Value::Bool(B64::new(!a.is(b)))),
                _ => {}
            }
        }
        match op {
            CmpOp::Eq => return Ok(Value::Bool(B64::new(self.eq(a, b)?))),
            CmpOp::NotEq => return Ok(Value::Bool(B64::new(!self.eq(a, b)?))),
            _ => {}
        }
        if let Some(o) = ops::order(a, b) {
            return Ok(Value::Bool(B64::new(ord_matches(op, o))));
        }
        // Keys and items views order like sets, against sets and each other (CPython's
        // dictviews_richcompare).
        let set_like = |v: &Value| match v {
            Value::Set(_) | Value::FrozenSet(_) => true,
            Value::DictView(dv) => dv.kind != crate::runtime::value::ViewKind::Values,
            _ => false,
        };
        if (matches!(a, Value::DictView(_)) || matches!(b, Value::DictView(_)))
            && set_like(a)
            && set_like(b)
        {
            let mut as_set = |x: &Value| -> PyResult<Value> {
                match x {
                    Value::DictView(_) => {
                        let items = self.iterate(x)?;
                        self.make_set(items)
                    }
                    _ => Ok(x.clone()),
                }
            };
            let (x, y) = (as_set(a)?, as_set(b)?);
            return self.compare(op, &x, &y);
        }
        if let (Value::Set(x) | Value::FrozenSet(x), Value::Set(y) | Value::FrozenSet(y)) = (a, b) {
            let (nx, ny) = (x.borrow().len(), y.borrow().len());
            let r = match op {
                CmpOp::LtE => self.is_subset(x, y)?,
                CmpOp::Lt => nx < ny && self.is_subset(x, y)?,
                CmpOp::GtE => self.is_subset(y, x)?,
                _ => ny < nx && self.is_subset(y, x)?,
            };
            return Ok(Value::Bool(B64::new(r)));
        }
        match (a, b) {
            (Value::Float(x), _) | (_, Value::Float(x))
                if x.is_nan() && ops::to_f64(a).is_some() && ops::to_f64(b).is_some() =>
            {
                return Ok(Value::Bool(B64::FALSE))
            }
            (Value::List(x), Value::List(y)) => {
                let (x, y) = (x.borrow().clone(), y.borrow().clone());
                return self.seq_order(&x, &y, op);
            }
            (Value::Deque(x), Value::Deque(y)) => {
                let (x, y) = (deque::items(x), deque::items(y));
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
            Value::Dict(d) => Ok(self.dict_lookup(d, x)?.is_some()),
            Value::Set(s) | Value::FrozenSet(s) => set_methods::contains(self, s, x),
            Value::DictView(dv) if dv.kind == crate::runtime::value::ViewKind::Keys => {
                Ok(self.dict_lookup(&dv.dict, x)?.is_some())
            }
            Value::MappingProxy(c) => {
                let d = mappingproxy::snapshot(c);
                Ok(self.dict_lookup(&d, x)?.is_some())
            }
            Value::Range(r) => match x {
                Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => {
                    let Some(i) = crate::runtime::ops::to_big(x)
                        .and_then(|b| num_traits::ToPrimitive::to_i128(&b))
                    else {
                        return Ok(false);
                    };
                    let (s, e, st) = (r.start, r.stop, r.step);
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
            Value::List(_) | Value::Tuple(_) | Value::Deque(_) => {
                let items = match container {
                    Value::List(l) => l.borrow().clone(),
                    Value::Deque(d) => deque::items(d),
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
                if let Some(b) = builtin_base(container) {
                    if self.special(container, "__iter__").is_none() {
                        return self.contains(&b, x);
                    }
                }
                let it = self.get_iter(container).map_err(|e| {
                    if e.0
                        .class
                        .is_subclass(&crate::runtime::types::types().exc("TypeError"))
                    {
                        type_error(format!(
                            "argument of type '{}' is not iterable",
                            type_name(container)
                        ))
                    } else {
                        e
                    }
                })?;
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

    /// A set of these values, added in order.
    pub fn make_set(&mut self, items: Vec<Value>) -> PyResult<Value> {
        let s = RefCell::new(Set::new());
        for v in items {
            let k = self.key(v)?;
            self.set_add(&s, k)?;
        }
        Ok(set_methods::set_value(s.into_inner(), false))
    }

    /// A set display `{a, b, *c}` as CPython 3.11 compiles it. More than two elements that
    /// are all constants become a frozenset constant, built at compile time from the elements
    /// and rebuilt from that frozenset's order, which a new set is then updated with; otherwise
    /// the elements before the first starred one are evaluated and then added in order, and
    /// each starred iterable updates the set as `set.update` does.
    pub fn set_display(&mut self, frame: &mut Frame, items: &[Expr]) -> PyResult<Value> {
        let s = RefCell::new(Set::new());
        let first_starred = items
            .iter()
            .position(|e| matches!(e.kind, ExprKind::Starred(_)))
            .unwrap_or(items.len());
        if first_starred == items.len() && items.len() > 2 && self.all_constant(frame, items) {
            for e in items {
                let v = self.eval(frame, e)?;
                let k = self.key(v)?;
                self.set_add(&s, k)?;
            }
            // The compiler's constant merging rebuilds the frozenset from its own order; making
            // the code object rebuilds it once more when interning replaced one of its str
            // elements by an equal string interned before. Which strings those are depends on
            // CPython's whole process; single characters and builtin names always are.
            let rebuild = |s: &Set| {
                let mut r = Set::new();
                s.iter().for_each(|k| {
                    r.add(k.clone());
                });
                r
            };
            let mut constant = rebuild(&s.borrow());
            let interned = constant.iter().any(|k| match &k.0 {
                Value::Str(t) => {
                    t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                        && (t.len() == 1 || self.builtins.get(t).is_some())
                }
                _ => false,
            });
            if interned {
                constant = rebuild(&constant);
            }
            return Ok(set_methods::set_value(constant.copy(), false));
        }
        let mut leading = Vec::with_capacity(first_starred);
        for e in &items[..first_starred] {
            leading.push(self.eval(frame, e)?);
        }
        for v in leading {
            let k = self.key(v)?;
            self.set_add(&s, k)?;
        }
        for e in &items[first_starred..] {
            if let ExprKind::Starred(x) = &e.kind {
                let v = self.eval(frame, x)?;
                set_methods::update(self, &s, &v).map_err(|err| err.note_span(x.span))?;
            } else {
                let v = self.eval(frame, e)?;
                let k = self.key(v)?;
                self.set_add(&s, k)?;
            }
        }
        Ok(set_methods::set_value(s.into_inner(), false))
    }

    fn all_constant(&mut self, frame: &mut Frame, items: &[Expr]) -> bool {
        items.iter().all(|e| self.is_constant(frame, e))
    }

    /// Whether CPython 3.11's AST optimizer makes `e` a constant: a literal, a tuple of
    /// constants, or an operator or subscript on constants that its size and safety limits let
    /// it compute (`fold_binop`'s `safe_multiply`, `safe_power`, `safe_lshift`, `safe_mod`).
    /// Constant operands have no side effects, so they are evaluated here to apply the limits.
    fn is_constant(&mut self, frame: &mut Frame, e: &Expr) -> bool {
        const MAX_INT_SIZE: u64 = 128;
        const MAX_COLLECTION_SIZE: i64 = 256;
        const MAX_STR_SIZE: i64 = 4096;
        match &e.kind {
            ExprKind::Const(_) => true,
            ExprKind::Unary(_, x) => self.is_constant(frame, x),
            ExprKind::Tuple(items) => self.all_constant(frame, items),
            ExprKind::Subscript(x, i) => self.is_constant(frame, x) && self.is_constant(frame, i),
            ExprKind::BinOp(op, x, y) => {
                if !self.is_constant(frame, x) || !self.is_constant(frame, y) {
                    return false;
                }
                let (Ok(v), Ok(w)) = (self.eval(frame, x), self.eval(frame, y)) else {
                    return false;
                };
                let bits = |v: &Value| ops::to_big(v).map(|b| b.bits());
                let nonzero = |v: &Value| bits(v).is_some_and(|b| b > 0);
                let small = |v: &Value| match v {
                    Value::Int(i) => Some(*i),
                    Value::Bool(b) => Some(b.get() as i64),
                    _ => None,
                };
                match op {
                    BinOp::Mul => match (&v, &w) {
                        _ if nonzero(&v) && nonzero(&w) => {
                            bits(&v).unwrap_or(0) + bits(&w).unwrap_or(0) <= MAX_INT_SIZE
                        }
                        (n, Value::Tuple(t)) | (Value::Tuple(t), n) if !t.is_empty() => small(n)
                            .is_some_and(|n| {
                                (0..=MAX_COLLECTION_SIZE / t.len() as i64).contains(&n)
                            }),
                        (n, Value::Str(t)) | (Value::Str(t), n) if !t.is_empty() => {
                            let len = t.chars().count() as i64;
                            small(n).is_some_and(|n| (0..=MAX_STR_SIZE / len).contains(&n))
                        }
                        _ => true,
                    },
                    BinOp::Pow
                        if nonzero(&v)
                            && ops::to_big(&w)
                                .is_some_and(|b| b.sign() == num_bigint::Sign::Plus) =>
                    {
                        let exp = small(&w).map_or(u64::MAX, |n| n as u64);
                        bits(&v).unwrap_or(0) <= MAX_INT_SIZE / exp
                    }
                    BinOp::LShift if nonzero(&v) && nonzero(&w) => {
                        let shift = small(&w).map_or(u64::MAX, |n| n as u64);
                        shift <= MAX_INT_SIZE && bits(&v).unwrap_or(0) <= MAX_INT_SIZE - shift
                    }
                    BinOp::Mod => !matches!(v, Value::Str(_)),
                    _ => true,
                }
            }
            _ => false,
        }
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
            Value::Instance(_) if matches!(builtin_base(m), Some(Value::Dict(_))) => {
                self.mapping_items(&builtin_base(m).unwrap_or_default())
            }
            Value::MappingProxy(_) => self.mapping_items(&mappingproxy::as_dict(m)),
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
}

pub(crate) fn ord_matches(op: CmpOp, o: Ordering) -> bool {
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

/// Whether `v` holds other values (its repr and comparison recurse).
pub(crate) fn is_container(v: &Value) -> bool {
    matches!(
        v,
        Value::List(_) | Value::Tuple(_) | Value::Dict(_) | Value::Set(_) | Value::Deque(_)
    )
}
