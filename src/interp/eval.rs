//! Expressions: evaluated by plain Rust recursion. Lowering guarantees none of them suspends.

use super::frame::Frame;
use super::Interp;
use crate::runtime::exceptions::{err, type_error, value_error};
use crate::runtime::ops;
use crate::runtime::types::types;
use crate::runtime::value::{BuiltinType, Class, Function, Instance, Kwargs, PyResult, Value};
use crate::runtime::value::{B64, F64};
use crate::syntax::ast::*;
use crate::syntax::token::IntLit;
use std::cell::RefCell;
use std::rc::Rc;

/// The value of a constant.
pub(crate) fn constant_value(c: &Constant) -> Value {
    match c {
        Constant::None => Value::None,
        Constant::Bool(b) => Value::Bool(B64::new(*b)),
        Constant::Int(IntLit::Small(i)) => Value::Int(*i),
        Constant::Int(IntLit::Big(b)) => Value::BigInt(b.clone()),
        Constant::Float(f) => Value::Float(F64::new(*f)),
        Constant::Str(s) => Value::Str(s.clone()),
        Constant::Ellipsis => Value::Ellipsis,
    }
}

/// A call expression's callee and arguments, evaluated (or, for `super()` / `dir()`, its value).
pub(crate) enum CallArgs {
    /// The call's value, already computed.
    Done(Value),
    /// The callee, positional and keyword arguments.
    Call(Value, Vec<Value>, Kwargs),
}

impl Interp {
    /// Evaluates an expression.
    ///
    /// The few kinds that dominate hot code (a bound local or global, a small int, int
    /// arithmetic and comparisons) are handled here, in a function small enough to cost a few
    /// instructions to enter; everything else, and every slow path, is `eval_full`'s.
    pub fn eval(&mut self, frame: &mut Frame, e: &Expr) -> PyResult<Value> {
        match &e.kind {
            ExprKind::Name(id) => {
                match id.scope {
                    Scope::Local(i) => {
                        if let Some(v) = frame.slots.get(i as usize) {
                            if !matches!(v, Value::Undef) {
                                return Ok(v.quick_clone());
                            }
                        }
                    }
                    Scope::Global(i) => {
                        if let Some(v) = frame.globals.values.borrow().get(i as usize) {
                            if !matches!(v, Value::Undef) {
                                return Ok(v.quick_clone());
                            }
                        }
                    }
                    _ => {}
                }
                self.eval_full(frame, e)
            }
            ExprKind::Const(Constant::Int(IntLit::Small(i))) => Ok(Value::Int(*i)),
            ExprKind::BinOp(op, ea, eb) => {
                let a = self.eval(frame, ea)?;
                let b = self.eval(frame, eb)?;
                if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
                    if let Some(v) = ops::int_fast(*op, *x, *y) {
                        return Ok(v);
                    }
                }
                self.binary_slow(e, a, b)
            }
            ExprKind::Compare(first, rest) if rest.len() == 1 => {
                let left = self.eval(frame, first)?;
                let (op, re) = &rest[0];
                let right = self.eval(frame, re)?;
                if let (Value::Int(x), Value::Int(y)) = (&left, &right) {
                    if let Some(b) = ops::int_compare(*op, *x, *y) {
                        return Ok(Value::Bool(B64::new(b)));
                    }
                }
                self.compare_slow(e, *op, left, right)
            }
            _ => self.eval_full(frame, e),
        }
    }

    /// A binary operation `e` on operands the fast path did not take.
    #[inline(never)]
    fn binary_slow(&mut self, e: &Expr, a: Value, b: Value) -> PyResult<Value> {
        let ExprKind::BinOp(op, ea, eb) = &e.kind else {
            return Err(err("SystemError", "binary_slow on another expression"));
        };
        self.binary_op(*op, &a, &b)
            .map_err(|x| x.note_anchored(e.span, ea.span.end, eb.span.start))
    }

    /// A single comparison `e` on operands the fast path did not take.
    #[inline(never)]
    fn compare_slow(&mut self, e: &Expr, op: CmpOp, a: Value, b: Value) -> PyResult<Value> {
        self.compare(op, &a, &b).map_err(|x| x.note_span(e.span))
    }

    /// Evaluates any expression (the general path behind `eval`).
    #[inline(never)]
    fn eval_full(&mut self, frame: &mut Frame, e: &Expr) -> PyResult<Value> {
        match &e.kind {
            ExprKind::Name(id) => {
                // The common case inline: a bound local.
                if let Scope::Local(i) = id.scope {
                    match frame.slots.get(i as usize) {
                        Some(Value::Undef) | None => {}
                        Some(v) => return Ok(v.clone()),
                    }
                }
                self.load(frame, id).map_err(|x| x.note_span(e.span))
            }
            ExprKind::Const(c) => Ok(constant_value(c)),
            ExprKind::BinOp(op, ea, eb) => {
                let a = self.eval(frame, ea)?;
                let b = self.eval(frame, eb)?;
                if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
                    if let Some(v) = ops::int_fast(*op, *x, *y) {
                        return Ok(v);
                    }
                }
                self.binary_op(*op, &a, &b)
                    .map_err(|x| x.note_anchored(e.span, ea.span.end, eb.span.start))
            }
            ExprKind::Call(f, args) => self
                .eval_call(frame, f, args, e.span.start)
                .map_err(|x| x.note_span(e.span)),
            ExprKind::Attribute(obj, name) => {
                let o = self.eval(frame, obj)?;
                self.getattr(&o, name).map_err(|x| x.note_span(e.span))
            }
            ExprKind::Subscript(obj, idx) => {
                let o = self.eval(frame, obj)?;
                let i = self.eval(frame, idx)?;
                // CPython anchors from the value's end to one past the index's end.
                self.getitem(&o, &i)
                    .map_err(|x| x.note_anchored(e.span, obj.span.end, u32::MAX))
            }
            ExprKind::Compare(first, rest) => {
                let mut left = self.eval(frame, first)?;
                if let [(op, re)] = &rest[..] {
                    let right = self.eval(frame, re)?;
                    if let (Value::Int(x), Value::Int(y)) = (&left, &right) {
                        if let Some(b) = ops::int_compare(*op, *x, *y) {
                            return Ok(Value::Bool(B64::new(b)));
                        }
                    }
                    return self
                        .compare(*op, &left, &right)
                        .map_err(|x| x.note_span(e.span));
                }
                for (i, (op, re)) in rest.iter().enumerate() {
                    let right = self.eval(frame, re)?;
                    let r = self
                        .compare(*op, &left, &right)
                        .map_err(|x| x.note_span(e.span))?;
                    if i + 1 == rest.len() {
                        return Ok(r);
                    }
                    if !self.truthy(&r)? {
                        return Ok(r);
                    }
                    left = right;
                }
                Ok(Value::Bool(B64::TRUE))
            }
            ExprKind::BoolOp(is_and, a, b) => {
                let a = self.eval(frame, a)?;
                let t = self.truthy(&a)?;
                if t != *is_and {
                    return Ok(a);
                }
                self.eval(frame, b)
            }
            ExprKind::Unary(op, x) => {
                let v = self.eval(frame, x)?;
                match op {
                    UnaryOp::Not => Ok(Value::Bool(B64::new(!self.truthy(&v)?))),
                    _ => self.unary_op(*op, &v).map_err(|x| x.note_span(e.span)),
                }
            }
            ExprKind::IfExp(c, a, b) => {
                let c = self.eval(frame, c)?;
                if self.truthy(&c)? {
                    self.eval(frame, a)
                } else {
                    self.eval(frame, b)
                }
            }
            ExprKind::List(items) => Ok(Value::list(self.eval_items(frame, items)?)),
            ExprKind::Tuple(items) => Ok(Value::tuple(self.eval_items(frame, items)?)),
            ExprKind::Set(items) => self.set_display(frame, items),
            ExprKind::Dict(items) => {
                let d = RefCell::new(crate::runtime::dict::Dict::new());
                for (k, v) in items {
                    match k {
                        Some(k) => {
                            let k = self.eval(frame, k)?;
                            let v = self.eval(frame, v)?;
                            let k = self.key(k)?;
                            self.dict_insert(&d, k, v)?;
                        }
                        None => {
                            let m = self.eval(frame, v)?;
                            for (k, v) in self.mapping_items(&m).map_err(|_| {
                                type_error(format!(
                                    "'{}' object is not a mapping",
                                    types().class_of(&m).name
                                ))
                            })? {
                                let k = self.key(k)?;
                                self.dict_insert(&d, k, v)?;
                            }
                        }
                    }
                }
                Ok(crate::runtime::gc::tracked(Value::Dict(Rc::new(d))))
            }
            ExprKind::FString(parts) => {
                let mut s = String::new();
                self.fstring(frame, parts, &mut s)?;
                Ok(Value::Str(crate::runtime::thin::PyStr::from(s)))
            }
            ExprKind::Slice(a, b, c) => {
                let mut ev = |x: &Option<Box<Expr>>, this: &mut Self| -> PyResult<Value> {
                    match x {
                        Some(x) => this.eval(frame, x),
                        None => Ok(Value::None),
                    }
                };
                let a = ev(a, self)?;
                let b = ev(b, self)?;
                let c = ev(c, self)?;
                Ok(crate::runtime::gc::tracked(Value::Slice(Rc::new((
                    a, b, c,
                )))))
            }
            ExprKind::Lambda(f) => self.make_function(frame, f),
            ExprKind::Named(t, v) => {
                let v = self.eval(frame, v)?;
                self.assign(frame, t, v.clone())?;
                Ok(v)
            }
            ExprKind::Starred(_) => Err(err("SyntaxError", "can't use starred expression here")),
            ExprKind::Comprehension(c) => self
                .eval_comprehension(frame, c)
                .map_err(|x| x.note_span(e.span)),
            ExprKind::Await(_) | ExprKind::Yield(_) | ExprKind::YieldFrom(_) => {
                Err(err("SystemError", "suspension left inside an expression"))
            }
        }
    }

    /// Evaluates display items, expanding `*x`.
    fn eval_items(&mut self, frame: &mut Frame, items: &[Expr]) -> PyResult<Vec<Value>> {
        let mut out = Vec::with_capacity(items.len());
        for it in items {
            if let ExprKind::Starred(x) = &it.kind {
                let v = self.eval(frame, x)?;
                let iter = self.get_iter(&v).map_err(|_| {
                    type_error(format!(
                        "Value after * must be an iterable, not {}",
                        types().class_of(&v).name
                    ))
                    .note_span(x.span)
                })?;
                out.extend(self.iterate(&iter).map_err(|e| e.note_span(x.span))?);
            } else {
                out.push(self.eval(frame, it)?);
            }
        }
        Ok(out)
    }

    fn fstring(
        &mut self,
        frame: &mut Frame,
        parts: &[FStringPart],
        out: &mut String,
    ) -> PyResult<()> {
        for p in parts {
            match p {
                FStringPart::Lit(s) => out.push_str(s),
                FStringPart::Field {
                    value,
                    conversion,
                    spec,
                } => {
                    let v = self.eval(frame, value)?;
                    let v = match conversion {
                        Some('r') => Value::Str(crate::runtime::thin::PyStr::from(self.repr(&v)?)),
                        Some('s') => {
                            Value::Str(crate::runtime::thin::PyStr::from(self.to_str(&v)?))
                        }
                        Some('a') => Value::Str(crate::runtime::thin::PyStr::from(
                            crate::runtime::repr::ascii(&self.repr(&v)?),
                        )),
                        _ => v,
                    };
                    let spec_s = match spec {
                        Some(sp) => {
                            let mut s = String::new();
                            self.fstring(frame, sp, &mut s)?;
                            s
                        }
                        None => String::new(),
                    };
                    let text = self.format(&v, &spec_s)?;
                    out.push_str(&text);
                }
            }
        }
        Ok(())
    }

    /// A call expression at offset `at`. A call of anything but a program's own function (a
    /// class, a builtin, aio's library) is recorded in `call_sites` while it runs, so that the
    /// asyncio objects it creates know the line that made them; a program's own function calls
    /// cost nothing extra.
    fn eval_call(&mut self, frame: &mut Frame, f: &Expr, args: &[Arg], at: u32) -> PyResult<Value> {
        match self.eval_call_args(frame, f, args)? {
            CallArgs::Done(v) => Ok(v),
            CallArgs::Call(callee, pos, kw) => self.call_from(frame, &callee, pos, kw, at),
        }
    }

    /// Evaluates a call's callee and arguments, in CPython's order; a zero-argument `super()`
    /// or `dir()` is answered at once.
    pub(crate) fn eval_call_args(
        &mut self,
        frame: &mut Frame,
        f: &Expr,
        args: &[Arg],
    ) -> PyResult<CallArgs> {
        // Zero-argument super() reads the class cell and the first argument of this frame.
        // So does zero-argument dir(), which lists this frame's names.
        if args.is_empty() {
            if let ExprKind::Name(id) = &f.kind {
                if matches!(&*id.name, "super" | "dir") {
                    let fv = self.eval(frame, f)?;
                    if let Value::Builtin(b) = &fv {
                        if b.bound.is_none() && b.name == &*id.name {
                            return if b.name == "super" {
                                self.super_from_frame(frame)
                            } else {
                                self.dir_from_frame(frame)
                            }
                            .map(CallArgs::Done);
                        }
                    }
                    return Ok(CallArgs::Call(fv, vec![], vec![]));
                }
            }
        }
        // Method calls avoid building a bound method object.
        let (callee, mut pos) = if let ExprKind::Attribute(obj, name) = &f.kind {
            let o = self.eval(frame, obj)?;
            match self.lookup_method(&o, name) {
                Some(func) => (func, vec![o]),
                None => (
                    self.getattr(&o, name).map_err(|x| x.note_span(f.span))?,
                    Vec::with_capacity(args.len()),
                ),
            }
        } else {
            let callee = self.eval(frame, f)?;
            // Arguments to a user function become its local slots: allocate them all at once.
            let cap = match &callee {
                Value::Function(func) => func.code.varnames.len().max(args.len()),
                _ => args.len(),
            };
            let v = self.arg_vec(cap);
            (callee, v)
        };
        let mut kw: Vec<(Rc<str>, Value)> = Vec::new();
        for a in args {
            match a {
                Arg::Positional(e) => pos.push(self.eval(frame, e)?),
                Arg::Star(e) => {
                    let v = self.eval(frame, e)?;
                    let items = self.iterate(&v).map_err(|_| {
                        type_error(format!(
                            "{} argument after * must be an iterable, not {}",
                            self.function_str(&callee),
                            types().class_of(&v).name
                        ))
                    })?;
                    pos.extend(items);
                }
                Arg::Keyword(n, e) => {
                    let v = self.eval(frame, e)?;
                    // Only a `**` mapping before it can have supplied the same name.
                    if kw.iter().any(|(k, _)| k == n) {
                        return Err(type_error(format!(
                            "{} got multiple values for keyword argument '{n}'",
                            self.function_str(&callee)
                        )));
                    }
                    kw.push((n.clone(), v));
                }
                Arg::DoubleStar(e) => {
                    let m = self.eval(frame, e)?;
                    let items = self.mapping_items(&m).map_err(|_| {
                        type_error(format!(
                            "{} argument after ** must be a mapping, not {}",
                            self.function_str(&callee),
                            types().class_of(&m).name
                        ))
                    })?;
                    for (k, v) in items {
                        let Value::Str(k) = k else {
                            return Err(type_error("keywords must be strings"));
                        };
                        if kw.iter().any(|(n, _)| **n == *k) {
                            return Err(type_error(format!(
                                "{} got multiple values for keyword argument '{}'",
                                self.function_str(&callee),
                                k
                            )));
                        }
                        kw.push((k.into(), v));
                    }
                }
            }
        }
        Ok(CallArgs::Call(callee, pos, kw))
    }

    /// Calls `callee` for the call expression at offset `at` (see `eval_call`).
    pub(crate) fn call_from(
        &mut self,
        frame: &Frame,
        callee: &Value,
        pos: Vec<Value>,
        kw: Kwargs,
        at: u32,
    ) -> PyResult<Value> {
        if let Value::Function(func) = callee {
            if !func.code.library {
                return self.call(callee, pos, kw);
            }
        }
        self.call_sites.push((frame.code.clone(), at));
        let r = self.call(callee, pos, kw);
        self.call_sites.pop();
        r
    }

    fn eval_comprehension(&mut self, frame: &mut Frame, c: &Comprehension) -> PyResult<Value> {
        let Some(def) = &c.func else {
            return Err(err("SystemError", "comprehension was not compiled"));
        };
        let first = self.eval(frame, &c.clauses[0].iter)?;
        // An `async for` clause takes its async iterator inside the comprehension.
        let it = if c.clauses[0].is_async {
            first
        } else {
            self.get_iter(&first)
                .map_err(|e| e.note_span(c.clauses[0].iter.span))?
        };
        let func = self.make_function(frame, def)?;
        self.call(&func, vec![it], vec![])
    }

    /// Reads a name.
    pub(crate) fn load(&mut self, frame: &mut Frame, id: &Ident) -> PyResult<Value> {
        match id.scope {
            Scope::Local(i) => match &frame.slots[i as usize] {
                Value::Undef => Err(err(
                    "UnboundLocalError",
                    format!(
                        "cannot access local variable '{}' where it is not associated with a value",
                        id.name
                    ),
                )),
                v => Ok(v.clone()),
            },
            Scope::Cell(i) => {
                let v = frame.cells[i as usize].borrow().clone();
                if let Value::Undef = v {
                    let own = (i as usize) < frame.code.cellvars.len();
                    return Err(if own {
                        err(
                            "UnboundLocalError",
                            format!("cannot access local variable '{}' where it is not associated with a value", id.name),
                        )
                    } else {
                        err(
                            "NameError",
                            format!(
                                "cannot access free variable '{}' where it is not associated with a value in enclosing scope",
                                id.name
                            ),
                        )
                    });
                }
                Ok(v)
            }
            Scope::Global(i) => self.load_global(frame, i, &id.name),
            Scope::ClassBody(i) => {
                if let Some(ns) = &frame.class_ns {
                    if let Some(v) = ns.borrow().get(&id.name) {
                        return Ok(v.clone());
                    }
                }
                self.load_global(frame, i, &id.name)
            }
            Scope::Unresolved => Err(err("SystemError", format!("unresolved name '{}'", id.name))),
        }
    }

    fn load_global(&mut self, frame: &Frame, i: u32, name: &Rc<str>) -> PyResult<Value> {
        if let Some(v) = frame.globals.values.borrow().get(i as usize) {
            if !matches!(v, Value::Undef) {
                return Ok(v.clone());
            }
        }
        if let Some(v) = self.builtins.get(name) {
            return Ok(v);
        }
        Err(name_error(frame, name))
    }

    /// Binds a name.
    pub(crate) fn store(&mut self, frame: &mut Frame, id: &Ident, v: Value) -> PyResult<()> {
        match id.scope {
            Scope::Local(i) => frame.slots[i as usize] = v,
            Scope::Cell(i) => *frame.cells[i as usize].borrow_mut() = v,
            Scope::Global(i) => {
                let mut vals = frame.globals.values.borrow_mut();
                let i = i as usize;
                if vals.len() <= i {
                    let n = frame.globals.names.borrow().len().max(i + 1);
                    vals.resize(n, Value::Undef);
                }
                vals[i] = v;
            }
            Scope::ClassBody(i) => match &frame.class_ns {
                Some(ns) => {
                    ns.borrow_mut().insert(id.name.clone(), v);
                }
                None => {
                    let mut vals = frame.globals.values.borrow_mut();
                    if vals.len() <= i as usize {
                        vals.resize(i as usize + 1, Value::Undef);
                    }
                    vals[i as usize] = v;
                }
            },
            Scope::Unresolved => {
                return Err(err("SystemError", format!("unresolved name '{}'", id.name)))
            }
        }
        Ok(())
    }

    /// Unbinds a name (`del x`, and the end of an `except ... as x` clause).
    pub(crate) fn unbind(&mut self, frame: &mut Frame, id: &Ident) -> PyResult<()> {
        let was = match id.scope {
            Scope::Local(i) => std::mem::replace(&mut frame.slots[i as usize], Value::Undef),
            Scope::Cell(i) => {
                std::mem::replace(&mut *frame.cells[i as usize].borrow_mut(), Value::Undef)
            }
            Scope::Global(i) => {
                let mut vals = frame.globals.values.borrow_mut();
                match vals.get_mut(i as usize) {
                    Some(slot) => std::mem::replace(slot, Value::Undef),
                    None => Value::Undef,
                }
            }
            Scope::ClassBody(_) => match &frame.class_ns {
                Some(ns) => ns
                    .borrow_mut()
                    .shift_remove(&id.name)
                    .unwrap_or(Value::Undef),
                None => Value::Undef,
            },
            Scope::Unresolved => Value::Undef,
        };
        if let Value::Undef = was {
            return Err(match id.scope {
                Scope::Local(_) => err(
                    "UnboundLocalError",
                    format!(
                        "cannot access local variable '{}' where it is not associated with a value",
                        id.name
                    ),
                ),
                _ => name_error(frame, &id.name),
            });
        }
        Ok(())
    }

    /// Assigns to a target: a name, attribute, subscript, or an unpacking.
    pub fn assign(&mut self, frame: &mut Frame, t: &Expr, v: Value) -> PyResult<()> {
        match &t.kind {
            ExprKind::Name(id) => self.store(frame, id, v),
            ExprKind::Attribute(obj, name) => {
                let o = self.eval(frame, obj)?;
                self.setattr(&o, name, v).map_err(|e| e.note_span(t.span))
            }
            ExprKind::Subscript(obj, idx) => {
                let o = self.eval(frame, obj)?;
                let i = self.eval(frame, idx)?;
                self.setitem(&o, &i, v).map_err(|e| e.note_span(t.span))
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => self.unpack(frame, items, v, t),
            ExprKind::Starred(_) => Err(err(
                "SyntaxError",
                "starred assignment target must be in a list or tuple",
            )),
            _ => Err(err("SyntaxError", "cannot assign to expression")),
        }
    }

    fn unpack(&mut self, frame: &mut Frame, items: &[Expr], v: Value, t: &Expr) -> PyResult<()> {
        let values = match &v {
            Value::Tuple(x) => x.to_vec(),
            Value::List(x) => x.borrow().clone(),
            _ => self.iterate(&v).map_err(|_| {
                type_error(format!(
                    "cannot unpack non-iterable {} object",
                    types().class_of(&v).name
                ))
                .note_span(t.span)
            })?,
        };
        let star = items
            .iter()
            .position(|e| matches!(e.kind, ExprKind::Starred(_)));
        match star {
            None => {
                if values.len() != items.len() {
                    let msg = if values.len() > items.len() {
                        format!("too many values to unpack (expected {})", items.len())
                    } else {
                        format!(
                            "not enough values to unpack (expected {}, got {})",
                            items.len(),
                            values.len()
                        )
                    };
                    return Err(value_error(msg).note_span(t.span));
                }
                for (target, val) in items.iter().zip(values) {
                    self.assign(frame, target, val)?;
                }
            }
            Some(s) => {
                let after = items.len() - s - 1;
                if values.len() < items.len() - 1 {
                    return Err(value_error(format!(
                        "not enough values to unpack (expected at least {}, got {})",
                        items.len() - 1,
                        values.len()
                    ))
                    .note_span(t.span));
                }
                let mut values = values;
                let tail = values.split_off(values.len() - after);
                let middle = values.split_off(s);
                for (target, val) in items[..s].iter().zip(values) {
                    self.assign(frame, target, val)?;
                }
                if let ExprKind::Starred(inner) = &items[s].kind {
                    self.assign(frame, inner, Value::list(middle))?;
                }
                for (target, val) in items[s + 1..].iter().zip(tail) {
                    self.assign(frame, target, val)?;
                }
            }
        }
        Ok(())
    }

    /// `del target`.
    pub(crate) fn delete(&mut self, frame: &mut Frame, t: &Expr) -> PyResult<()> {
        match &t.kind {
            ExprKind::Name(id) => self.unbind(frame, id).map_err(|e| e.note_span(t.span)),
            ExprKind::Attribute(obj, name) => {
                let o = self.eval(frame, obj)?;
                self.delattr(&o, name).map_err(|e| e.note_span(t.span))
            }
            ExprKind::Subscript(obj, idx) => {
                let o = self.eval(frame, obj)?;
                let i = self.eval(frame, idx)?;
                self.delitem(&o, &i).map_err(|e| e.note_span(t.span))
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                for x in items {
                    self.delete(frame, x)?;
                }
                Ok(())
            }
            _ => Err(err("SyntaxError", "cannot delete expression")),
        }
    }

    /// `target op= value`: in place where the type supports it.
    pub(crate) fn aug_assign(
        &mut self,
        frame: &mut Frame,
        t: &Expr,
        op: BinOp,
        v: &Expr,
    ) -> PyResult<()> {
        match &t.kind {
            ExprKind::Name(id) => {
                // `eval` of the target is the load with its fast paths and the same error span.
                let cur = self.eval(frame, t)?;
                let rhs = self.eval(frame, v)?;
                let fast = match (&cur, &rhs) {
                    (Value::Int(a), Value::Int(b)) => ops::int_fast(op, *a, *b),
                    _ => None,
                };
                let r = match fast {
                    Some(r) => r,
                    None => self
                        .inplace_op(op, &cur, &rhs)
                        .map_err(|e| e.note_span(t.span.to(v.span)))?,
                };
                self.store(frame, id, r)
            }
            ExprKind::Attribute(obj, name) => {
                let o = self.eval(frame, obj)?;
                let cur = self.getattr(&o, name).map_err(|e| e.note_span(t.span))?;
                let rhs = self.eval(frame, v)?;
                let r = self
                    .inplace_op(op, &cur, &rhs)
                    .map_err(|e| e.note_span(t.span.to(v.span)))?;
                self.setattr(&o, name, r)
            }
            ExprKind::Subscript(obj, idx) => {
                let o = self.eval(frame, obj)?;
                let i = self.eval(frame, idx)?;
                let cur = self.getitem(&o, &i).map_err(|e| e.note_span(t.span))?;
                let rhs = self.eval(frame, v)?;
                let r = self
                    .inplace_op(op, &cur, &rhs)
                    .map_err(|e| e.note_span(t.span.to(v.span)))?;
                self.setitem(&o, &i, r)
            }
            _ => Err(err(
                "SyntaxError",
                "illegal expression for augmented assignment",
            )),
        }
    }

    /// Creates a function object for a `def`, `lambda` or comprehension.
    pub(crate) fn make_function(&mut self, frame: &mut Frame, f: &FuncDef) -> PyResult<Value> {
        let Some(code) = &f.code else {
            return Err(err("SystemError", "function was not compiled"));
        };
        let mut defaults = Vec::new();
        for p in f.params.posonly.iter().chain(&f.params.args) {
            if let Some(d) = &p.default {
                defaults.push(self.eval(frame, d)?);
            }
        }
        let mut kwdefaults = Vec::with_capacity(f.params.kwonly.len());
        for p in &f.params.kwonly {
            kwdefaults.push(match &p.default {
                Some(d) => Some(self.eval(frame, d)?),
                None => None,
            });
        }
        let closure = code
            .freevars
            .iter()
            .map(|(_, src)| frame.cells[*src as usize].clone())
            .collect();
        Ok(crate::runtime::gc::tracked(Value::Function(Rc::new(
            Function {
                plain_args: code.plain_args.map(|n| n as u32),
                await_args: code.await_args.map(|n| n as u32),
                code: code.clone(),
                globals: frame.globals.clone(),
                defaults,
                kwdefaults,
                closure,
                name: RefCell::new(f.name.clone()),
                dict: Default::default(),
            },
        ))))
    }

    /// Runs a class body and creates the class.
    pub(crate) fn make_class(&mut self, frame: &mut Frame, c: &ClassDef) -> PyResult<Value> {
        let Some(code) = &c.code else {
            return Err(err("SystemError", "class was not compiled"));
        };
        let mut bases = Vec::new();
        let mut class_kwargs = Vec::new();
        for a in &c.bases {
            match a {
                Arg::Positional(e) => match self.eval(frame, e)? {
                    Value::Class(cls) if cls.builtin == BuiltinType::Bool => {
                        return Err(type_error("type 'bool' is not an acceptable base type")
                            .note_span(e.span))
                    }
                    Value::Class(cls) => bases.push(cls),
                    other => {
                        return Err(type_error(format!(
                            "bases must be types, not {}",
                            types().class_of(&other).name
                        ))
                        .note_span(e.span))
                    }
                },
                Arg::Keyword(n, e) if &**n == "metaclass" => {
                    let _ = self.eval(frame, e)?;
                    return Err(type_error("aio does not support metaclasses").note_span(e.span));
                }
                Arg::Keyword(n, e) => class_kwargs.push((n.clone(), self.eval(frame, e)?)),
                Arg::Star(e) | Arg::DoubleStar(e) => {
                    return Err(
                        type_error("aio does not support this class argument").note_span(e.span)
                    )
                }
            }
        }
        let ns: Rc<RefCell<crate::runtime::value::AttrMap>> =
            Rc::new(RefCell::new(Default::default()));
        ns.borrow_mut()
            .insert(Rc::from("__module__"), Value::str(&frame.globals.name));
        ns.borrow_mut().insert(
            Rc::from("__qualname__"),
            Value::Str(code.qualname.clone().into()),
        );
        // A docstring is the body's first statement, stored before any other name.
        let doc = docstring(&c.body);
        if !doc.is_none() {
            ns.borrow_mut().insert(Rc::from("__doc__"), doc);
        }
        let mut cells: super::frame::Cells = code
            .cellvars
            .iter()
            .map(|_| crate::runtime::gc::new_cell(Value::Undef))
            .collect();
        for (_, src) in &code.freevars {
            cells.push(frame.cells[*src as usize].clone());
        }
        let slots = vec![Value::Undef; code.varnames.len()];
        let mut body_frame = Frame::new(code.clone(), frame.globals.clone(), slots, cells);
        body_frame.class_ns = Some(ns.clone());
        self.run_frame(&mut body_frame, super::generator::Resume::Send(Value::None))?;
        let dict = std::mem::take(&mut *ns.borrow_mut());
        let cls = self.new_user_class(
            c.name.clone(),
            code.qualname.clone(),
            bases,
            dict,
            &frame.globals.name,
        )?;
        if let Some(i) = code.class_cell {
            *body_frame.cells[i as usize].borrow_mut() = Value::Class(cls.clone());
        }
        self.set_names(&cls)?;
        self.init_subclass(&cls, class_kwargs)?;
        Ok(Value::Class(cls))
    }

    /// Calls the parents' `__init_subclass__` on a new class with the class statement's keywords,
    /// as CPython's `type.__new__` does (`super(cls, cls).__init_subclass__(**kwargs)`); it is
    /// implicitly a classmethod. Without one, `object`'s accepts no keywords.
    fn init_subclass(
        &mut self,
        cls: &Rc<Class>,
        kwargs: crate::runtime::value::Kwargs,
    ) -> PyResult<()> {
        let hook = cls
            .mro
            .iter()
            .find_map(|c| c.dict.borrow().get("__init_subclass__").cloned());
        match hook {
            Some(h) => {
                let f = self.bind(h, &Value::Class(cls.clone()));
                self.call(&f, vec![], kwargs)?;
            }
            None if !kwargs.is_empty() => {
                return Err(type_error(format!(
                    "{}.__init_subclass__() takes no keyword arguments",
                    cls.name
                )))
            }
            None => {}
        }
        Ok(())
    }

    /// Builds a class from its parts, computing the C3 MRO.
    pub fn new_user_class(
        &mut self,
        name: Rc<str>,
        qualname: Rc<str>,
        bases: Vec<Rc<Class>>,
        dict: crate::runtime::value::AttrMap,
        module: &str,
    ) -> PyResult<Rc<Class>> {
        let bases = if bases.is_empty() {
            vec![types().object.clone()]
        } else {
            bases
        };
        if let Some((_, b)) = bases
            .iter()
            .enumerate()
            .find(|(i, b)| bases[..*i].iter().any(|a| Rc::ptr_eq(a, b)))
        {
            return Err(type_error(format!("duplicate base class {}", b.name)));
        }
        let mro = c3_merge(&bases).map_err(|heads| {
            type_error(format!(
                "Cannot create a consistent method resolution\norder (MRO) for bases {}",
                heads
                    .iter()
                    .map(|b| b.name.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let builtin = bases
            .iter()
            .map(|b| b.builtin)
            .find(|b| *b != BuiltinType::Object)
            .unwrap_or(BuiltinType::Object);
        let is_exception = bases.iter().any(|b| b.is_exception);
        let mut dict = dict;
        dict.shift_remove("__qualname__");
        // CPython's type_new makes these implicitly classmethods, and `__new__` a staticmethod.
        for (name, kind) in [
            ("__new__", &types().staticmethod),
            ("__init_subclass__", &types().classmethod),
            ("__class_getitem__", &types().classmethod),
        ] {
            if let Some(f @ Value::Function(_)) = dict.get(name) {
                let wrapped = crate::runtime::constructors::wrapper(kind, f.clone());
                dict.insert(Rc::from(name), wrapped);
            }
        }
        // What CPython's type_new adds after the body's names, in its order.
        if !dict.contains_key("__module__") {
            dict.insert(Rc::from("__module__"), Value::str(module));
        }
        crate::runtime::mappingproxy::add_descriptors(&mut dict, &bases, &qualname);
        if !dict.contains_key("__doc__") {
            dict.insert(Rc::from("__doc__"), Value::None);
        }
        // A class that defines __eq__ but not __hash__ is unhashable, as in CPython's type_new.
        if dict.contains_key("__eq__") && !dict.contains_key("__hash__") {
            dict.insert(Rc::from("__hash__"), Value::None);
        }
        let cls = Rc::new(Class {
            name,
            qualname,
            module: Rc::from(module),
            bases,
            mro,
            dict: crate::runtime::class_dict::ClassDict::new(dict),
            builtin,
            is_exception,
            ctor: Default::default(),
        });
        crate::runtime::gc::track(&cls);
        Ok(cls)
    }

    /// A new bare instance of a user class.
    pub fn new_instance(&self, cls: &Rc<Class>, args: Vec<Value>) -> Value {
        let exc = if cls.is_exception {
            Some(RefCell::new(crate::runtime::value::ExcData {
                args,
                ..Default::default()
            }))
        } else {
            None
        };
        crate::runtime::gc::tracked(Value::Instance(Rc::new(Instance {
            class: cls.clone(),
            attrs: RefCell::new(Default::default()),
            exc,
            base_value: RefCell::new(None),
        })))
    }
}

/// The docstring of a body (its first statement, when that is a string literal), or None.
pub(crate) fn docstring(body: &[crate::syntax::ast::Stmt]) -> Value {
    use crate::syntax::ast::{Constant, ExprKind, StmtKind};
    match body.first().map(|s| &s.kind) {
        Some(StmtKind::Expr(e)) => match &e.kind {
            ExprKind::Const(Constant::Str(s)) => Value::Str(s.clone()),
            _ => Value::None,
        },
        _ => Value::None,
    }
}

/// C3 linearization of `bases` (the MRO after the class itself); when inconsistent, the heads
/// left unmerged (CPython's `set_mro_error` names them).
fn c3_merge(bases: &[Rc<Class>]) -> Result<Vec<Rc<Class>>, Vec<Rc<Class>>> {
    let mut seqs: Vec<Vec<Rc<Class>>> = bases
        .iter()
        .map(|b| {
            let mut v = vec![b.clone()];
            v.extend(b.mro.iter().cloned());
            v
        })
        .collect();
    seqs.push(bases.to_vec());
    let mut out: Vec<Rc<Class>> = Vec::new();
    loop {
        seqs.retain(|s| !s.is_empty());
        if seqs.is_empty() {
            return Ok(out);
        }
        let mut found = None;
        for s in &seqs {
            let cand = &s[0];
            if !seqs
                .iter()
                .any(|t| t[1..].iter().any(|x| Rc::ptr_eq(x, cand)))
            {
                found = Some(cand.clone());
                break;
            }
        }
        let Some(c) = found else {
            let mut heads: Vec<Rc<Class>> = Vec::new();
            for s in &seqs {
                if !heads.iter().any(|h| Rc::ptr_eq(h, &s[0])) {
                    heads.push(s[0].clone());
                }
            }
            return Err(heads);
        };
        for s in &mut seqs {
            if Rc::ptr_eq(&s[0], &c) {
                s.remove(0);
            }
        }
        out.push(c);
    }
}

/// `NameError: name 'x' is not defined`, remembering the frame's names for the traceback's
/// "Did you mean" (as CPython's `format_exc_check_arg` sets `NameError.name`).
fn name_error(frame: &Frame, name: &Rc<str>) -> crate::runtime::Exc {
    let e = err("NameError", format!("name '{name}' is not defined"));
    e.data().suggest = Some(Rc::new(crate::runtime::value::SuggestFrom::Name {
        name: name.clone(),
        code: frame.code.clone(),
        globals: frame.globals.clone(),
    }));
    e
}
