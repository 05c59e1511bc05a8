//! A class's `__dict__`: CPython's read-only `mappingproxy` over the class namespace, and the
//! `getset_descriptor` / `member_descriptor` entries `type.__new__` puts into a new class's
//! namespace (`__dict__` and `__weakref__` when the class adds them, one member per
//! `__slots__` name).
//!
//! A proxy reads through to the live namespace: each read copies it into a `dict` and
//! delegates to the dict's own operation, so lookups, views, `|` and `==` behave exactly as
//! the dict's; writes are refused with CPython's messages. Programs rarely touch a class's
//! `__dict__`, so the copy costs nothing on any hot path.

use super::builtins::no_method_kwargs;
use super::dict::{Dict, DictKey};
use super::exceptions::type_error;
use super::types::{types, Types};
use super::value::{AttrMap, BuiltinType, Class, Instance, Kwargs, PyResult, Value};
use crate::interp::Interp;
use std::cell::RefCell;
use std::rc::Rc;

/// A copy of the class namespace `c` as a `dict`, in the namespace's order.
pub fn snapshot(c: &Class) -> Rc<RefCell<Dict>> {
    let mut d = Dict::new();
    for (k, v) in c.dict.borrow().iter() {
        d.insert(DictKey::str(k.clone()), v.clone());
    }
    Rc::new(RefCell::new(d))
}

/// The snapshot of a proxy value; `v` itself when it is not a proxy.
pub fn as_dict(v: &Value) -> Value {
    match v {
        Value::MappingProxy(c) => Value::Dict(snapshot(c)),
        other => other.clone(),
    }
}

/// A proxy method: the dict method of the same name on the namespace's snapshot.
fn delegate(it: &mut Interp, name: &str, args: &[Value]) -> PyResult<Value> {
    let Some(Value::MappingProxy(c)) = args.first() else {
        return Err(type_error(format!(
            "descriptor '{name}' for 'mappingproxy' objects doesn't apply to a '{}' object",
            args.first()
                .map(super::ops::type_name)
                .unwrap_or_else(|| Rc::from("NoneType"))
        )));
    };
    let m = it.getattr(&Value::Dict(snapshot(c)), name)?;
    it.call(&m, args[1..].to_vec(), vec![])
}

fn proxy_get(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "get", kw)?;
    delegate(it, "get", args)
}

fn proxy_keys(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "keys", kw)?;
    delegate(it, "keys", args)
}

fn proxy_values(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "values", kw)?;
    delegate(it, "values", args)
}

fn proxy_items(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "items", kw)?;
    delegate(it, "items", args)
}

fn proxy_copy(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "copy", kw)?;
    delegate(it, "copy", args)
}

/// Puts the proxy's methods into the `mappingproxy` class.
pub fn install(t: &Types) {
    super::methods::add(
        &t.mappingproxy,
        &[
            ("get", proxy_get),
            ("keys", proxy_keys),
            ("values", proxy_values),
            ("items", proxy_items),
            ("copy", proxy_copy),
        ],
    );
    t.mappingproxy
        .dict
        .borrow_mut()
        .insert(Rc::from("__hash__"), Value::None);
}

/// A `getset_descriptor` (`__dict__`, `__weakref__`) or `member_descriptor` (a slot) named
/// `name` for the class whose qualified name is `owner`. The descriptor keeps the owner's name,
/// not the class, so a class and its namespace do not form a reference cycle.
fn descriptor(class: &Rc<Class>, name: &str, owner: &str) -> Value {
    let inst = Rc::new(Instance {
        class: class.clone(),
        attrs: RefCell::new(Default::default()),
        exc: None,
        base_value: RefCell::new(None),
    });
    {
        let mut attrs = inst.attrs.borrow_mut();
        attrs.set(Rc::from("__name__"), Value::str(name));
        attrs.set(
            Rc::from("__qualname__"),
            Value::str(&format!("{owner}.{name}")),
        );
    }
    Value::Instance(inst)
}

/// `repr()` of a descriptor made by [`add_descriptors`]: `<attribute '__dict__' of 'C'
/// objects>`, `<member 'x' of 'C' objects>`; None for other instances.
pub fn descriptor_repr(inst: &Instance) -> Option<String> {
    let t = types();
    let kind = if Rc::ptr_eq(&inst.class, &t.getset_descriptor) {
        "attribute"
    } else if Rc::ptr_eq(&inst.class, &t.member_descriptor) {
        "member"
    } else {
        return None;
    };
    let attrs = inst.attrs.borrow();
    let (Some(Value::Str(name)), Some(Value::Str(qual))) =
        (attrs.get("__name__"), attrs.get("__qualname__"))
    else {
        return None;
    };
    let owner = qual.strip_suffix(&*name)?.strip_suffix('.')?;
    let owner = owner.rsplit('.').next().unwrap_or(owner);
    Some(format!("<{kind} '{name}' of '{owner}' objects>"))
}

/// Whether instances of the builtin class `c` carry a `__dict__` (CPython: a nonzero
/// `tp_dictoffset`), so subclasses do not add one.
fn builtin_has_dict(c: &Rc<Class>) -> bool {
    let t = types();
    c.is_exception
        || matches!(
            c.builtin,
            BuiltinType::Function | BuiltinType::Module | BuiltinType::Type
        )
        || Rc::ptr_eq(c, &t.future)
        || Rc::ptr_eq(c, &t.task)
}

/// Whether a subclass of the builtin class `c` can not add `__weakref__`: its instances already
/// have a weak-reference list, or are variable-sized (int, tuple).
fn builtin_no_weakref(c: &Rc<Class>) -> bool {
    let t = types();
    matches!(
        c.builtin,
        BuiltinType::Int
            | BuiltinType::Bool
            | BuiltinType::Tuple
            | BuiltinType::Set
            | BuiltinType::FrozenSet
            | BuiltinType::Function
            | BuiltinType::Module
            | BuiltinType::Type
            | BuiltinType::Generator
            | BuiltinType::Coroutine
            | BuiltinType::AsyncGenerator
    ) || Rc::ptr_eq(c, &t.future)
        || Rc::ptr_eq(c, &t.task)
}

/// Whether instances of `c` (or of a class on its MRO) have the attribute `name` (`__dict__`
/// or `__weakref__`) already, so a subclass does not add it.
fn has_slot(c: &Rc<Class>, name: &str) -> bool {
    let t = types();
    std::iter::once(c).chain(c.mro.iter()).any(|k| {
        if t.is_builtin(k) {
            if name == "__dict__" {
                builtin_has_dict(k)
            } else {
                builtin_no_weakref(k)
            }
        } else {
            matches!(k.dict.borrow().get(name),
                Some(Value::Instance(i)) if Rc::ptr_eq(&i.class, &t.getset_descriptor))
        }
    })
}

/// Whether instances of `c` have a `__dict__` (for `dir()`, which lists it).
pub fn instances_have_dict(c: &Rc<Class>) -> bool {
    has_slot(c, "__dict__")
}

/// The names a `__slots__` value lists (a str is one name); None when it is not a str or an
/// iterable aio can read here.
fn slot_list(v: &Value) -> Option<Vec<Rc<str>>> {
    let items: Vec<Value> = match v {
        Value::Str(_) => vec![v.clone()],
        Value::Tuple(t) => t.to_vec(),
        Value::List(l) => l.borrow().clone(),
        _ => return None,
    };
    items
        .into_iter()
        .map(|s| match s {
            Value::Str(s) => Some(s.into()),
            _ => None,
        })
        .collect()
}

/// Adds to a new class's namespace what CPython's `type.__new__` adds after the class body's
/// names: a `member_descriptor` per `__slots__` name (sorted, as CPython sorts them), then
/// `__dict__` and `__weakref__` descriptors when the class gives its instances those and its
/// base does not. `bases` are the direct bases (never empty); `qualname` is the class's.
pub fn add_descriptors(dict: &mut AttrMap, bases: &[Rc<Class>], qualname: &str) {
    let t = types();
    // CPython's best_base: the base with the most derived instance layout; for the layouts aio
    // has, the first base that derives from a builtin type other than object.
    let base = bases
        .iter()
        .find(|b| b.builtin != BuiltinType::Object || b.is_exception)
        .unwrap_or(&bases[0]);
    let (add_dict, add_weak, members) = match dict.get("__slots__").and_then(slot_list) {
        Some(mut names) => {
            names.sort();
            let add_dict = names.iter().any(|n| &**n == "__dict__") && !has_slot(base, "__dict__");
            let add_weak =
                names.iter().any(|n| &**n == "__weakref__") && !has_slot(base, "__weakref__");
            names.retain(|n| !matches!(&**n, "__dict__" | "__weakref__"));
            (add_dict, add_weak, names)
        }
        None => (
            !has_slot(base, "__dict__"),
            !has_slot(base, "__weakref__"),
            Vec::new(),
        ),
    };
    for m in members {
        let d = descriptor(&t.member_descriptor, &m, qualname);
        dict.insert(m, d);
    }
    for (add, name) in [(add_dict, "__dict__"), (add_weak, "__weakref__")] {
        if add {
            let d = descriptor(&t.getset_descriptor, name, qualname);
            dict.insert(Rc::from(name), d);
        }
    }
}
