//! The arithmetic and comparison special methods of `int` (and so `bool`), `float`, `str`, `list` and `tuple`
//! called by name: `(3).__add__(4)`, `int.__add__(3, 4)`, `(2.5).__radd__(1)`,
//! `super().__mul__(n)` in a subclass; and the container protocol of `list`, `tuple`, `str` and
//! `dict` by name (`list.__getitem__(l, 0)`, `d.__contains__(k)`, `s.__len__()`). Operators never come here (they dispatch directly in
//! `ops::binary`); these mirror CPython's slot wrappers for code that names them, with their
//! `NotImplemented` results for an operand of another type and their argument errors.

use super::builtins;
use super::exceptions::{err, type_error, value_error};
use super::ops::type_name;
use super::value::{Kwargs, NativeFn, PyResult, Value};
use crate::interp::protocol::builtin_base;
use crate::interp::Interp;
use crate::runtime::value::F64;
use crate::syntax::ast::BinOp;

/// The builtin type a slot wrapper belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Int,
    Float,
    Str,
    List,
    Tuple,
    Dict,
    Set,
}

impl Owner {
    fn name(self) -> &'static str {
        match self {
            Owner::Int => "int",
            Owner::Float => "float",
            Owner::Str => "str",
            Owner::List => "list",
            Owner::Tuple => "tuple",
            Owner::Dict => "dict",
            Owner::Set => "set",
        }
    }

    /// Whether `v` (already unwrapped) is a value of this type.
    fn has(self, v: &Value) -> bool {
        matches!(
            (self, v),
            (
                Owner::Int,
                Value::Int(_) | Value::BigInt(_) | Value::Bool(_)
            ) | (Owner::Float, Value::Float(_))
                | (Owner::Str, Value::Str(_))
                | (Owner::List, Value::List(_))
                | (Owner::Tuple, Value::Tuple(_))
                | (Owner::Dict, Value::Dict(_))
                | (Owner::Set, Value::Set(_))
        )
    }

    /// The other operand as this type's arithmetic accepts it: ints for int, ints and floats
    /// for float; None means the method returns `NotImplemented`.
    fn operand(self, v: &Value) -> Option<Value> {
        let v = unwrap(v);
        let int = matches!(v, Value::Int(_) | Value::BigInt(_) | Value::Bool(_));
        match self {
            Owner::Int => int.then_some(v),
            Owner::Float => (int || matches!(v, Value::Float(_))).then_some(v),
            _ => Some(v),
        }
    }
}

/// The builtin value a subclass instance wraps, or the value itself.
fn unwrap(v: &Value) -> Value {
    builtin_base(v).unwrap_or_else(|| v.clone())
}

/// The receiver, checked as CPython's slot wrappers check it.
fn receiver(owner: Owner, name: &str, args: &[Value]) -> PyResult<Value> {
    receiver_of(owner, name, args, Kind::Wrapper)
}

/// The receiver, checked as CPython checks it for a slot wrapper or a method (the two word
/// their errors differently).
fn receiver_of(owner: Owner, name: &str, args: &[Value], kind: Kind) -> PyResult<Value> {
    let ty = owner.name();
    let Some(first) = args.first() else {
        return Err(type_error(match kind {
            Kind::Wrapper => format!("descriptor '{name}' of '{ty}' object needs an argument"),
            Kind::Method => format!("unbound method {ty}.{name}() needs an argument"),
        }));
    };
    let v = unwrap(first);
    if !owner.has(&v) {
        let got = type_name(first);
        return Err(type_error(match kind {
            Kind::Wrapper => {
                format!("descriptor '{name}' requires a '{ty}' object but received a '{got}'")
            }
            Kind::Method => {
                format!("descriptor '{name}' for '{ty}' objects doesn't apply to a '{got}' object")
            }
        }));
    }
    Ok(v)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A slot wrapper's argument check: no keywords, between `min` and `max` arguments after the
/// receiver (CPython words the range without the method's name).
fn wrapper_arity(name: &str, args: &[Value], kw: &Kwargs, min: usize, max: usize) -> PyResult<()> {
    if !kw.is_empty() {
        return Err(type_error(format!(
            "wrapper {name}() takes no keyword arguments"
        )));
    }
    let n = args.len().saturating_sub(1);
    if n < min || n > max {
        return Err(type_error(if min == max {
            format!("expected {min} argument{}, got {n}", plural(min))
        } else if n < min {
            format!(" expected at least {min} argument{}, got {n}", plural(min))
        } else {
            format!(" expected at most {max} argument{}, got {n}", plural(max))
        }));
    }
    Ok(())
}

/// How CPython exposes a container's special method: as a slot wrapper, or as a method
/// (`list` and `dict` define `__getitem__`, and `dict` `__contains__`, as methods).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Wrapper,
    Method,
}

/// The container protocol called by name: `__getitem__`, `__setitem__`, `__delitem__`,
/// `__len__`, `__contains__` and `__iter__` on the builtin value (the one a subclass instance
/// wraps), with CPython's errors for the receiver and the arguments of a slot wrapper or a
/// method; `dict.__getitem__` of a subclass instance calls its `__missing__` for a missing key.
fn protocol(
    it: &mut Interp,
    args: &[Value],
    kw: &Kwargs,
    owner: Owner,
    name: &str,
    kind: Kind,
) -> PyResult<Value> {
    let want = match name {
        "__len__" | "__iter__" => 0,
        "__setitem__" => 2,
        _ => 1,
    };
    let this = match kind {
        Kind::Wrapper => {
            let this = receiver(owner, name, args)?;
            wrapper_arity(name, args, kw, want, want)?;
            this
        }
        Kind::Method => {
            let this = receiver_of(owner, name, args, kind)?;
            if !kw.is_empty() {
                return Err(type_error(format!(
                    "{}.{name}() takes no keyword arguments",
                    owner.name()
                )));
            }
            if args.len() != 2 {
                return Err(type_error(format!(
                    "{}.{name}() takes exactly one argument ({} given)",
                    owner.name(),
                    args.len() - 1
                )));
            }
            this
        }
    };
    match name {
        "__getitem__" => match it.getitem(&this, &args[1]) {
            Err(e)
                if owner == Owner::Dict
                    && matches!(args[0], Value::Instance(_))
                    && e.is("KeyError")
                    && it.special(&args[0], "__missing__").is_some() =>
            {
                it.call_method(&args[0], "__missing__", vec![args[1].clone()])
            }
            r => r,
        },
        "__setitem__" => it
            .setitem(&this, &args[1], args[2].clone())
            .map(|()| Value::None),
        "__delitem__" => it.delitem(&this, &args[1]).map(|()| Value::None),
        "__len__" => it.len(&this).map(|n| Value::Int(n as i64)),
        "__contains__" => it.contains(&this, &args[1]).map(|b| Value::Bool(b.into())),
        _ => it.get_iter(&this),
    }
}

/// `x.__op__(y)` / `x.__rop__(y)` of `int` and `float`.
fn binary(
    it: &mut Interp,
    args: &[Value],
    kw: &Kwargs,
    owner: Owner,
    name: &str,
    op: BinOp,
    reflected: bool,
) -> PyResult<Value> {
    let this = receiver(owner, name, args)?;
    wrapper_arity(name, args, kw, 1, 1)?;
    let Some(other) = owner.operand(&args[1]) else {
        return Ok(Value::NotImplemented);
    };
    if reflected {
        it.binary_op(op, &other, &this)
    } else {
        it.binary_op(op, &this, &other)
    }
}

/// `x.__pow__(y[, mod])` / `x.__rpow__(y[, mod])`.
fn power(
    it: &mut Interp,
    args: &[Value],
    kw: &Kwargs,
    owner: Owner,
    reflected: bool,
) -> PyResult<Value> {
    let name = if reflected { "__rpow__" } else { "__pow__" };
    let this = receiver(owner, name, args)?;
    wrapper_arity(name, args, kw, 1, 2)?;
    let Some(other) = owner.operand(&args[1]) else {
        return Ok(Value::NotImplemented);
    };
    let (base, exp) = if reflected {
        (other, this)
    } else {
        (this, other)
    };
    match args.get(2).map(unwrap) {
        Some(m) if !m.is_none() => {
            if owner == Owner::Float {
                return Err(type_error(
                    "pow() 3rd argument not allowed unless all arguments are integers",
                ));
            }
            if Owner::Int.operand(&m).is_none() {
                return Ok(Value::NotImplemented);
            }
            builtins::builtin_pow(it, &[base, exp, m], &Vec::new())
        }
        _ => it.binary_op(BinOp::Pow, &base, &exp),
    }
}

/// `x.__divmod__(y)` / `x.__rdivmod__(y)`.
fn divmod(
    it: &mut Interp,
    args: &[Value],
    kw: &Kwargs,
    owner: Owner,
    reflected: bool,
) -> PyResult<Value> {
    let name = if reflected {
        "__rdivmod__"
    } else {
        "__divmod__"
    };
    let this = receiver(owner, name, args)?;
    wrapper_arity(name, args, kw, 1, 1)?;
    let Some(other) = owner.operand(&args[1]) else {
        return Ok(Value::NotImplemented);
    };
    let pair = if reflected {
        [other, this]
    } else {
        [this, other]
    };
    builtins::builtin_divmod(it, &pair, &Vec::new())
}

/// The int a float converts to, with CPython's errors for infinities and NaN.
fn float_to_int(f: f64) -> PyResult<Value> {
    if f.is_nan() {
        return Err(value_error("cannot convert float NaN to integer"));
    }
    if f.is_infinite() {
        return Err(err(
            "OverflowError",
            "cannot convert float infinity to integer",
        ));
    }
    Ok(builtins::float_to_int(f))
}

/// The one-operand wrappers (`__neg__`, `__abs__`, `__int__`, …).
fn unary(
    it: &mut Interp,
    args: &[Value],
    kw: &Kwargs,
    owner: Owner,
    name: &str,
) -> PyResult<Value> {
    let this = receiver(owner, name, args)?;
    wrapper_arity(name, args, kw, 0, 0)?;
    let as_int = |v: Value| match v {
        Value::Bool(b) => Value::Int(b.get() as i64),
        v => v,
    };
    match (name, &this) {
        ("__neg__", _) => it.unary_op(crate::syntax::ast::UnaryOp::Neg, &this),
        ("__pos__", _) => it.unary_op(crate::syntax::ast::UnaryOp::Pos, &this),
        ("__invert__", _) => it.unary_op(crate::syntax::ast::UnaryOp::Invert, &this),
        ("__abs__", _) => builtins::builtin_abs(it, &[this], &Vec::new()),
        ("__float__", Value::Float(_)) => Ok(this),
        ("__float__", _) => match super::ops::to_f64(&this) {
            Some(f) => Ok(Value::Float(F64::new(f?))),
            None => Ok(Value::NotImplemented),
        },
        ("__int__", Value::Float(f)) => float_to_int(f.trunc()),
        _ => Ok(as_int(this)),
    }
}

/// The rounding methods (`__trunc__`, `__floor__`, `__ceil__`, `__round__`), which are plain
/// methods in CPython rather than slot wrappers, so they word their errors as methods.
fn rounding(
    it: &mut Interp,
    args: &[Value],
    kw: &Kwargs,
    owner: Owner,
    name: &str,
) -> PyResult<Value> {
    let this = receiver(owner, name, args)?;
    let qual = format!("{}.{name}", owner.name());
    builtins::no_kwargs(&qual, kw)?;
    let n = args.len() - 1;
    if name == "__round__" {
        if n > 1 {
            return Err(type_error(format!(
                "__round__ expected at most 1 argument, got {n}"
            )));
        }
        let mut full = vec![this];
        full.extend(args.get(1).cloned());
        return builtins::builtin_round(it, &full, &Vec::new());
    }
    if n > 0 {
        return Err(type_error(format!(
            "{qual}() takes no arguments ({n} given)"
        )));
    }
    match this {
        Value::Float(f) => float_to_int(match name {
            "__floor__" => f.floor(),
            "__ceil__" => f.ceil(),
            _ => f.trunc(),
        }),
        Value::Bool(b) => Ok(Value::Int(b.get() as i64)),
        v => Ok(v),
    }
}

/// `seq.__mul__(n)` / `seq.__rmul__(n)`: repetition by an int only.
fn repeat(
    it: &mut Interp,
    args: &[Value],
    kw: &Kwargs,
    owner: Owner,
    name: &str,
) -> PyResult<Value> {
    let this = receiver(owner, name, args)?;
    wrapper_arity(name, args, kw, 1, 1)?;
    let n = unwrap(&args[1]);
    if !matches!(n, Value::Int(_) | Value::BigInt(_) | Value::Bool(_)) {
        return Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            type_name(&args[1])
        )));
    }
    it.binary_op(BinOp::Mul, &this, &n)
}

/// `seq.__add__(other)` (concatenation, with the operator's errors) and `str.__mod__` /
/// `str.__rmod__` (%-formatting).
fn sequence(
    it: &mut Interp,
    args: &[Value],
    kw: &Kwargs,
    owner: Owner,
    name: &str,
) -> PyResult<Value> {
    let this = receiver(owner, name, args)?;
    wrapper_arity(name, args, kw, 1, 1)?;
    let other = unwrap(&args[1]);
    match name {
        "__add__" => it.binary_op(BinOp::Add, &this, &other),
        "__mod__" => it.binary_op(BinOp::Mod, &this, &other),
        _ if matches!(other, Value::Str(_)) => it.binary_op(BinOp::Mod, &other, &this),
        _ => Ok(Value::NotImplemented),
    }
}

/// One `NativeFn` per `(name, …)` entry, each calling `$call` with its constants.
macro_rules! table {
    ($owner:expr, $call:ident, [$(($name:literal $(, $extra:expr)*)),* $(,)?]) => {
        &[$(($name, {
            fn f(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
                $call(it, args, kw, $owner, $name $(, $extra)*)
            }
            f as NativeFn
        })),*]
    };
}

/// `binary` entries for the operators both int and float have.
macro_rules! arithmetic {
    ($owner:expr) => {
        table!(
            $owner,
            binary,
            [
                ("__add__", BinOp::Add, false),
                ("__radd__", BinOp::Add, true),
                ("__sub__", BinOp::Sub, false),
                ("__rsub__", BinOp::Sub, true),
                ("__mul__", BinOp::Mul, false),
                ("__rmul__", BinOp::Mul, true),
                ("__truediv__", BinOp::Div, false),
                ("__rtruediv__", BinOp::Div, true),
                ("__floordiv__", BinOp::FloorDiv, false),
                ("__rfloordiv__", BinOp::FloorDiv, true),
                ("__mod__", BinOp::Mod, false),
                ("__rmod__", BinOp::Mod, true),
            ]
        )
    };
}

fn pow_int(it: &mut Interp, a: &[Value], kw: &Kwargs) -> PyResult<Value> {
    power(it, a, kw, Owner::Int, false)
}
fn rpow_int(it: &mut Interp, a: &[Value], kw: &Kwargs) -> PyResult<Value> {
    power(it, a, kw, Owner::Int, true)
}
fn pow_float(it: &mut Interp, a: &[Value], kw: &Kwargs) -> PyResult<Value> {
    power(it, a, kw, Owner::Float, false)
}
fn rpow_float(it: &mut Interp, a: &[Value], kw: &Kwargs) -> PyResult<Value> {
    power(it, a, kw, Owner::Float, true)
}
fn divmod_int(it: &mut Interp, a: &[Value], kw: &Kwargs) -> PyResult<Value> {
    divmod(it, a, kw, Owner::Int, false)
}
fn rdivmod_int(it: &mut Interp, a: &[Value], kw: &Kwargs) -> PyResult<Value> {
    divmod(it, a, kw, Owner::Int, true)
}
fn divmod_float(it: &mut Interp, a: &[Value], kw: &Kwargs) -> PyResult<Value> {
    divmod(it, a, kw, Owner::Float, false)
}
fn rdivmod_float(it: &mut Interp, a: &[Value], kw: &Kwargs) -> PyResult<Value> {
    divmod(it, a, kw, Owner::Float, true)
}

/// `x.__eq__(y)`, `x.__lt__(y)`, …, `x.__hash__()` taken from a builtin class: the receiver is
/// checked as CPython's slot wrappers check it (`int.__lt__(1.5, 2)` is a TypeError), then the
/// comparison every object has runs on the value it wraps.
fn compare(
    it: &mut Interp,
    args: &[Value],
    kw: &Kwargs,
    owner: Owner,
    name: &str,
) -> PyResult<Value> {
    let this = receiver(owner, name, args)?;
    let Some(Value::Builtin(generic)) = it.object_method(&Value::None, name, false) else {
        return Err(err("SystemError", format!("no generic {name}")));
    };
    let mut args = args.to_vec();
    args[0] = this;
    (generic.func)(it, &args, kw)
}

/// `__repr__` of a builtin class called by name (`dict.__repr__(self)` in a subclass's own
/// `__repr__`): the repr of the value the receiver wraps, checked as CPython's slot wrapper
/// checks it; `int.__repr__(True)` is `1`, as in CPython.
fn repr_wrapper(
    it: &mut Interp,
    args: &[Value],
    kw: &Kwargs,
    owner: Owner,
    name: &str,
) -> PyResult<Value> {
    let this = receiver(owner, name, args)?;
    wrapper_arity(name, args, kw, 0, 0)?;
    let this = match this {
        Value::Bool(b) => Value::Int(i64::from(b.get())),
        v => v,
    };
    Ok(Value::str(&it.base_repr(&args[0], &this)?))
}

/// `bool.__repr__`: `True` or `False` (a bool subclass cannot be made, so the receiver is one).
fn bool_repr(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    wrapper_arity("__repr__", args, kw, 0, 0)?;
    match args.first() {
        Some(Value::Bool(b)) => Ok(Value::str(if b.get() { "True" } else { "False" })),
        Some(other) => Err(type_error(format!(
            "descriptor '__repr__' requires a 'bool' object but received a '{}'",
            type_name(other)
        ))),
        None => Err(type_error(
            "descriptor '__repr__' of 'bool' object needs an argument",
        )),
    }
}

/// The comparison wrappers of one builtin class.
macro_rules! comparisons {
    ($owner:expr) => {
        table!(
            $owner,
            compare,
            [
                ("__eq__"),
                ("__ne__"),
                ("__lt__"),
                ("__le__"),
                ("__gt__"),
                ("__ge__"),
            ]
        )
    };
}

const INT_ARITHMETIC: &[(&str, NativeFn)] = arithmetic!(Owner::Int);
const INT_BITWISE: &[(&str, NativeFn)] = table!(
    Owner::Int,
    binary,
    [
        ("__and__", BinOp::BitAnd, false),
        ("__rand__", BinOp::BitAnd, true),
        ("__or__", BinOp::BitOr, false),
        ("__ror__", BinOp::BitOr, true),
        ("__xor__", BinOp::BitXor, false),
        ("__rxor__", BinOp::BitXor, true),
        ("__lshift__", BinOp::LShift, false),
        ("__rlshift__", BinOp::LShift, true),
        ("__rshift__", BinOp::RShift, false),
        ("__rrshift__", BinOp::RShift, true),
    ]
);
const INT_UNARY: &[(&str, NativeFn)] = table!(
    Owner::Int,
    unary,
    [
        ("__neg__"),
        ("__pos__"),
        ("__abs__"),
        ("__invert__"),
        ("__int__"),
        ("__float__"),
        ("__index__"),
    ]
);
const INT_ROUNDING: &[(&str, NativeFn)] = table!(
    Owner::Int,
    rounding,
    [("__trunc__"), ("__floor__"), ("__ceil__"), ("__round__"),]
);
const FLOAT_ARITHMETIC: &[(&str, NativeFn)] = arithmetic!(Owner::Float);
const FLOAT_UNARY: &[(&str, NativeFn)] = table!(
    Owner::Float,
    unary,
    [
        ("__neg__"),
        ("__pos__"),
        ("__abs__"),
        ("__int__"),
        ("__float__"),
    ]
);
const FLOAT_ROUNDING: &[(&str, NativeFn)] = table!(
    Owner::Float,
    rounding,
    [("__trunc__"), ("__floor__"), ("__ceil__"), ("__round__"),]
);
const STR_METHODS: &[(&str, NativeFn)] = table!(
    Owner::Str,
    sequence,
    [("__add__"), ("__mod__"), ("__rmod__"),]
);
const STR_REPEAT: &[(&str, NativeFn)] = table!(Owner::Str, repeat, [("__mul__"), ("__rmul__")]);
const LIST_METHODS: &[(&str, NativeFn)] = table!(Owner::List, sequence, [("__add__")]);
const LIST_REPEAT: &[(&str, NativeFn)] = table!(Owner::List, repeat, [("__mul__"), ("__rmul__")]);
const TUPLE_METHODS: &[(&str, NativeFn)] = table!(Owner::Tuple, sequence, [("__add__")]);
const TUPLE_REPEAT: &[(&str, NativeFn)] = table!(Owner::Tuple, repeat, [("__mul__"), ("__rmul__")]);

/// The reading side of a container's protocol, `__getitem__` and `__contains__` as the kinds of
/// descriptor CPython makes of them.
macro_rules! reading {
    ($owner:expr, $getitem:expr, $contains:expr) => {
        table!(
            $owner,
            protocol,
            [
                ("__getitem__", $getitem),
                ("__len__", Kind::Wrapper),
                ("__contains__", $contains),
                ("__iter__", Kind::Wrapper),
            ]
        )
    };
}

/// The reading protocol of list, tuple, str and dict.
const READING: [&[(&str, NativeFn)]; 4] = [
    reading!(Owner::List, Kind::Method, Kind::Wrapper),
    reading!(Owner::Tuple, Kind::Wrapper, Kind::Wrapper),
    reading!(Owner::Str, Kind::Wrapper, Kind::Wrapper),
    reading!(Owner::Dict, Kind::Method, Kind::Method),
];

/// `__setitem__` and `__delitem__` of list and dict.
const WRITING: [&[(&str, NativeFn)]; 2] = [
    table!(
        Owner::List,
        protocol,
        [
            ("__setitem__", Kind::Wrapper),
            ("__delitem__", Kind::Wrapper)
        ]
    ),
    table!(
        Owner::Dict,
        protocol,
        [
            ("__setitem__", Kind::Wrapper),
            ("__delitem__", Kind::Wrapper)
        ]
    ),
];

const INT_COMPARE: &[(&str, NativeFn)] = comparisons!(Owner::Int);
const FLOAT_COMPARE: &[(&str, NativeFn)] = comparisons!(Owner::Float);
const STR_COMPARE: &[(&str, NativeFn)] = comparisons!(Owner::Str);
const LIST_COMPARE: &[(&str, NativeFn)] = comparisons!(Owner::List);
const TUPLE_COMPARE: &[(&str, NativeFn)] = comparisons!(Owner::Tuple);
/// `__hash__` of the hashable ones (`list.__hash__` is None).
const HASHES: [&[(&str, NativeFn)]; 4] = [
    table!(Owner::Int, compare, [("__hash__")]),
    table!(Owner::Float, compare, [("__hash__")]),
    table!(Owner::Str, compare, [("__hash__")]),
    table!(Owner::Tuple, compare, [("__hash__")]),
];

/// Puts the wrappers into the namespaces of `int` (which `bool` inherits), `float`, `str`,
/// `list` and `tuple`.
pub fn install(t: &super::types::Types) {
    use super::methods::add;
    for table in [INT_ARITHMETIC, INT_BITWISE, INT_UNARY, INT_ROUNDING] {
        add(&t.int, table);
    }
    add(
        &t.int,
        &[
            ("__pow__", pow_int),
            ("__rpow__", rpow_int),
            ("__divmod__", divmod_int),
            ("__rdivmod__", rdivmod_int),
        ],
    );
    for table in [FLOAT_ARITHMETIC, FLOAT_UNARY, FLOAT_ROUNDING] {
        add(&t.float, table);
    }
    add(
        &t.float,
        &[
            ("__pow__", pow_float),
            ("__rpow__", rpow_float),
            ("__divmod__", divmod_float),
            ("__rdivmod__", rdivmod_float),
        ],
    );
    for table in [STR_METHODS, STR_REPEAT] {
        add(&t.str_, table);
    }
    for table in [LIST_METHODS, LIST_REPEAT] {
        add(&t.list, table);
    }
    for table in [TUPLE_METHODS, TUPLE_REPEAT] {
        add(&t.tuple, table);
    }
    for (class, table) in [
        (&t.int, INT_COMPARE),
        (&t.float, FLOAT_COMPARE),
        (&t.str_, STR_COMPARE),
        (&t.list, LIST_COMPARE),
        (&t.tuple, TUPLE_COMPARE),
    ] {
        add(class, table);
    }
    for (class, hash) in [&t.int, &t.float, &t.str_, &t.tuple]
        .into_iter()
        .zip(HASHES)
    {
        add(class, hash);
    }
    for (class, table) in [&t.list, &t.tuple, &t.str_, &t.dict]
        .into_iter()
        .zip(READING)
    {
        add(class, table);
    }
    for (class, table) in [&t.list, &t.dict].into_iter().zip(WRITING) {
        add(class, table);
    }
    let reprs: [(&super::value::Class, &[(&str, NativeFn)]); 7] = [
        (&t.int, table!(Owner::Int, repr_wrapper, [("__repr__")])),
        (&t.float, table!(Owner::Float, repr_wrapper, [("__repr__")])),
        (&t.str_, table!(Owner::Str, repr_wrapper, [("__repr__")])),
        (&t.list, table!(Owner::List, repr_wrapper, [("__repr__")])),
        (&t.tuple, table!(Owner::Tuple, repr_wrapper, [("__repr__")])),
        (&t.dict, table!(Owner::Dict, repr_wrapper, [("__repr__")])),
        (&t.set, table!(Owner::Set, repr_wrapper, [("__repr__")])),
    ];
    for (class, table) in reprs {
        add(class, table);
    }
    add(&t.bool_, &[("__repr__", bool_repr)]);
    // The mutable containers are unhashable: their class says so.
    for class in [&t.list, &t.dict, &t.set] {
        class
            .dict
            .borrow_mut()
            .insert(std::rc::Rc::from("__hash__"), Value::None);
    }
}
