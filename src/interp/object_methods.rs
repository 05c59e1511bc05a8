//! The special methods every object has, reachable by name: `x.__len__()`, `super().__str__()`,
//! `object.__setattr__(self, name, value)`, `hasattr(C, '__le__')`. Operators and built-ins do
//! not go through these (they dispatch directly); these exist for code that names them.

use super::Interp;
use crate::runtime::exceptions::{attribute_error, type_error};
use crate::runtime::types::types;
use crate::runtime::value::B64;
use crate::runtime::value::{BuiltinFn, Kwargs, NativeFn, PyResult, Value};
use crate::syntax::ast::CmpOp;
use std::rc::Rc;

fn this(args: &[Value]) -> PyResult<&Value> {
    args.first()
        .ok_or_else(|| type_error("descriptor needs an argument"))
}

fn arg(args: &[Value], i: usize, name: &str) -> PyResult<Value> {
    args.get(i).cloned().ok_or_else(|| {
        type_error(format!(
            "{name}() expected {i} argument{}, got {}",
            if i == 1 { "" } else { "s" },
            args.len().saturating_sub(1)
        ))
    })
}

fn d_repr(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let v = this(args)?.clone();
    Ok(Value::str(&it.default_repr(&v)?))
}

fn d_str(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let v = this(args)?.clone();
    Ok(Value::str(&it.repr(&v)?))
}

fn d_format(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let v = this(args)?.clone();
    let spec = arg(args, 1, "__format__")?;
    match spec {
        Value::Str(s) if s.is_empty() => Ok(Value::str(&it.to_str(&v)?)),
        Value::Str(_) => Err(type_error(format!(
            "unsupported format string passed to {}.__format__",
            crate::runtime::ops::type_name(&v)
        ))),
        _ => Err(type_error("format spec must be a str")),
    }
}

fn d_init(_: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::None)
}

/// Whether a builtin number or str compares with `other` by its own `__eq__` / `__lt__`: int
/// only with ints (and bools), float with ints and floats, str with str. `None` when `this` is
/// none of those (the generic rules apply).
fn scalar_comparable(this: &Value, other: &Value) -> Option<bool> {
    let int = |v: &Value| matches!(v, Value::Int(_) | Value::BigInt(_) | Value::Bool(_));
    let other = super::protocol::builtin_base(other).unwrap_or_else(|| other.clone());
    Some(match this {
        Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => int(&other),
        Value::Float(_) => int(&other) || matches!(other, Value::Float(_)),
        Value::Str(_) => matches!(other, Value::Str(_)),
        _ => return None,
    })
}

/// The receiver of a comparison: the value a subclass of a builtin type wraps, or itself.
fn comparand(args: &[Value]) -> PyResult<Value> {
    let v = this(args)?;
    Ok(super::protocol::builtin_base(v).unwrap_or_else(|| v.clone()))
}

fn d_eq(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let (a, b) = (comparand(args)?, arg(args, 1, "__eq__")?);
    match scalar_comparable(&a, &b) {
        Some(false) => return Ok(Value::NotImplemented),
        Some(true) => return Ok(Value::Bool(B64::new(it.eq(&a, &b)?))),
        None => {}
    }
    if a.is(&b) {
        return Ok(Value::Bool(B64::TRUE));
    }
    if matches!(a, Value::Instance(_)) {
        return Ok(Value::NotImplemented);
    }
    if types().class_of(&a).builtin != types().class_of(&b).builtin {
        return Ok(Value::NotImplemented);
    }
    Ok(Value::Bool(B64::new(it.eq(&a, &b)?)))
}

fn d_ne(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    match d_eq(it, args, kw)? {
        Value::Bool(b) => Ok(Value::Bool(B64::new(!b.get()))),
        other => Ok(other),
    }
}

fn ordering(it: &mut Interp, args: &[Value], op: CmpOp) -> PyResult<Value> {
    let (a, b) = (comparand(args)?, arg(args, 1, "comparison")?);
    if matches!(a, Value::Instance(_)) || scalar_comparable(&a, &b) == Some(false) {
        return Ok(Value::NotImplemented);
    }
    it.compare(op, &a, &b)
}

fn d_lt(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    ordering(it, args, CmpOp::Lt)
}

fn d_le(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    ordering(it, args, CmpOp::LtE)
}

fn d_gt(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    ordering(it, args, CmpOp::Gt)
}

fn d_ge(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    ordering(it, args, CmpOp::GtE)
}

fn d_hash(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let v = this(args)?.clone();
    if let Value::Instance(_) = v {
        return Ok(Value::Int(crate::runtime::dict::hash_value(&v)));
    }
    Ok(Value::Int(it.hash(&v)?))
}

fn d_setattr(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let obj = this(args)?.clone();
    let Value::Str(name) = arg(args, 1, "__setattr__")? else {
        return Err(type_error("attribute name must be string"));
    };
    let v = arg(args, 2, "__setattr__")?;
    it.setattr_raw(&obj, &name, v)?;
    Ok(Value::None)
}

fn d_delattr(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let obj = this(args)?.clone();
    let Value::Str(name) = arg(args, 1, "__delattr__")? else {
        return Err(type_error("attribute name must be string"));
    };
    match &obj {
        Value::Instance(i) => {
            let old = i.attrs.borrow_mut().remove(&name);
            if old.is_none() {
                return Err(attribute_error(format!(
                    "'{}' object has no attribute '{name}'",
                    i.class.name
                )));
            }
            Ok(Value::None)
        }
        _ => it.delattr(&obj, &name).map(|_| Value::None),
    }
}

fn d_getattribute(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let obj = this(args)?.clone();
    let Value::Str(name) = arg(args, 1, "__getattribute__")? else {
        return Err(type_error("attribute name must be string"));
    };
    it.getattr(&obj, &name)
}

fn d_len(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let v = this(args)?.clone();
    Ok(Value::Int(it.len(&v)? as i64))
}

fn d_iter(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let v = this(args)?.clone();
    it.get_iter(&v)
}

fn d_next(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let v = this(args)?.clone();
    it.next_raw(&v)
}

fn d_contains(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let (c, x) = (this(args)?.clone(), arg(args, 1, "__contains__")?);
    Ok(Value::Bool(B64::new(it.contains(&c, &x)?)))
}

fn d_getitem(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let (c, i) = (this(args)?.clone(), arg(args, 1, "__getitem__")?);
    it.getitem(&c, &i)
}

fn d_setitem(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let (c, i, v) = (
        this(args)?.clone(),
        arg(args, 1, "__setitem__")?,
        arg(args, 2, "__setitem__")?,
    );
    it.setitem(&c, &i, v).map(|_| Value::None)
}

fn d_delitem(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let (c, i) = (this(args)?.clone(), arg(args, 1, "__delitem__")?);
    it.delitem(&c, &i).map(|_| Value::None)
}

/// `list.__init__` / `dict.__init__` / `set.__init__` on the value a subclass instance wraps.
fn d_container_init(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let target = this(args)?.clone();
    match &target {
        Value::List(l) => {
            let items = match args.get(1) {
                Some(src) => it.iterate(src)?,
                None => Vec::new(),
            };
            *l.borrow_mut() = items;
        }
        Value::Dict(d) => {
            d.borrow_mut().map.clear();
            crate::runtime::builtins::dict_fill(it, d, args.get(1), kw)?;
        }
        Value::Set(s) => crate::runtime::set_methods::reinit(it, s, args.get(1))?,
        _ => {}
    }
    Ok(Value::None)
}

/// `object.__init_subclass__`: does nothing, and takes no keywords.
fn d_init_subclass(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    if !kw.is_empty() {
        let name = match args.first() {
            Some(Value::Class(c)) => c.name.to_string(),
            _ => "object".to_string(),
        };
        return Err(type_error(format!(
            "{name}.__init_subclass__() takes no keyword arguments"
        )));
    }
    Ok(Value::None)
}

fn d_bool(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let v = this(args)?.clone();
    Ok(Value::Bool(B64::new(it.truthy(&v)?)))
}

/// The methods of `object` itself, which every value has.
const OBJECT: &[(&str, NativeFn)] = &[
    ("__init__", d_init),
    ("__repr__", d_repr),
    ("__str__", d_str),
    ("__format__", d_format),
    ("__eq__", d_eq),
    ("__ne__", d_ne),
    ("__lt__", d_lt),
    ("__le__", d_le),
    ("__gt__", d_gt),
    ("__ge__", d_ge),
    ("__hash__", d_hash),
    ("__setattr__", d_setattr),
    ("__delattr__", d_delattr),
    ("__getattribute__", d_getattribute),
    ("__init_subclass__", d_init_subclass),
];

/// Protocol methods of builtin types, by the kind of value that has them.
fn protocol_method(v: &Value, name: &str) -> Option<NativeFn> {
    let container = matches!(
        v,
        Value::List(_)
            | Value::Tuple(_)
            | Value::Str(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::FrozenSet(_)
            | Value::Range(_)
            | Value::DictView(_)
            | Value::Deque(_)
    );
    let f: NativeFn = match name {
        "__len__" if container => d_len,
        "__iter__" if container || matches!(v, Value::Iter(_)) => d_iter,
        "__next__" if matches!(v, Value::Iter(_)) => d_next,
        "__contains__" if container => d_contains,
        "__getitem__" if container && !matches!(v, Value::Set(_) | Value::FrozenSet(_)) => {
            d_getitem
        }
        "__setitem__" if matches!(v, Value::List(_) | Value::Dict(_) | Value::Deque(_)) => {
            d_setitem
        }
        "__delitem__" if matches!(v, Value::List(_) | Value::Dict(_) | Value::Deque(_)) => {
            d_delitem
        }
        "__bool__"
            if matches!(
                v,
                Value::Int(_)
                    | Value::BigInt(_)
                    | Value::Bool(_)
                    | Value::Float(_)
                    | Value::None
                    | Value::Range(_)
            ) =>
        {
            d_bool
        }
        _ => return None,
    };
    Some(f)
}

/// The protocol methods aio resolves on builtin values outside their classes' namespaces.
pub(crate) const PROTOCOL_METHODS: [&str; 8] = [
    "__len__",
    "__iter__",
    "__next__",
    "__contains__",
    "__getitem__",
    "__setitem__",
    "__delitem__",
    "__bool__",
];

impl Interp {
    /// `object.__repr__(v)`: `<module.Class object at 0x…>` for instances, whatever their class
    /// defines; the usual repr for builtin values.
    pub fn default_repr(&mut self, v: &Value) -> PyResult<String> {
        match v {
            Value::Instance(inst) if inst.exc.is_none() => {
                Ok(super::text::instance_default_repr(inst, v))
            }
            _ => self.repr(v),
        }
    }

    /// `object.__setattr__(obj, name, v)`: sets the attribute without the class's own
    /// `__setattr__` (properties still apply).
    pub fn setattr_raw(&mut self, obj: &Value, name: &str, v: Value) -> PyResult<()> {
        let Value::Instance(inst) = obj else {
            return self.setattr(obj, &Rc::from(name), v);
        };
        if let Some(prop) = super::protocol::property_of(inst, name) {
            return self.set_property(&prop, obj, name, v);
        }
        let old = inst.attrs.borrow_mut().set(Rc::from(name), v);
        drop(old);
        Ok(())
    }

    /// `obj.name` for a special method every object (or every value of `obj`'s builtin type)
    /// has, bound to `obj`; `bound` false gives the plain function (`object.__setattr__`).
    pub fn object_method(&self, obj: &Value, name: &str, bound: bool) -> Option<Value> {
        let base = super::protocol::builtin_base(obj);
        let target = base.as_ref().unwrap_or(obj);
        if name == "__init__"
            && matches!(base, Some(Value::List(_) | Value::Dict(_) | Value::Set(_)))
        {
            return Some(crate::runtime::gc::tracked(Value::Builtin(Rc::new(
                BuiltinFn {
                    name: "__init__",
                    func: d_container_init,
                    bound: base,
                    awaits: None,
                },
            ))));
        }
        let protocol = protocol_method(target, name);
        let f = OBJECT
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .filter(|_| protocol.is_none())
            .or(protocol)?;
        let obj = if protocol.is_some() { target } else { obj };
        // `__init_subclass__` is a classmethod: from a class it comes bound to that class.
        let bound = bound || (name == "__init_subclass__" && matches!(obj, Value::Class(_)));
        let name: &'static str = OBJECT
            .iter()
            .map(|(n, _)| *n)
            .chain(PROTOCOL_METHODS)
            .find(|n| *n == name)?;
        Some(crate::runtime::gc::tracked(Value::Builtin(Rc::new(
            BuiltinFn {
                name,
                func: f,
                bound: bound.then(|| obj.clone()),
                awaits: None,
            },
        ))))
    }
}
