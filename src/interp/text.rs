//! `repr`, `str` and `format` of every value, with cycle detection for containers.

use super::Interp;
use crate::runtime::exceptions::{err, type_error};
use crate::runtime::mappingproxy;
use crate::runtime::ops::type_name;
use crate::runtime::repr::{big_to_str, str_repr};
use crate::runtime::types::types;
use crate::runtime::value::{Kwargs, PyResult, Value};
use std::rc::Rc;

impl Interp {
    /// `repr(v)`.
    pub fn repr(&mut self, v: &Value) -> PyResult<String> {
        if !super::operators::is_container(v) {
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
            Value::Bool(b) => if b.get() { "True" } else { "False" }.into(),
            Value::Int(i) => i.to_string(),
            Value::BigInt(b) => big_to_str(b)?,
            Value::Float(f) => crate::runtime::format::float_repr(f.get()),
            Value::Str(s) => str_repr(s),
            Value::Ellipsis => "Ellipsis".into(),
            Value::NotImplemented => "NotImplemented".into(),
            Value::Deque(d) => crate::runtime::deque::repr(self, v, d)?,
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
                let items = d.borrow().item_pairs();
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
            Value::Set(d) | Value::FrozenSet(d) => {
                let frozen = matches!(v, Value::FrozenSet(_));
                let name = if frozen { "frozenset" } else { "set" };
                if d.borrow().is_empty() {
                    return Ok(format!("{name}()"));
                }
                if self.repr_enter(v) {
                    return Ok(format!("{name}(...)"));
                }
                let items: Vec<Value> = d.borrow().iter().map(|k| k.0.clone()).collect();
                let r = self.join_reprs(&items);
                self.repr_leave();
                if frozen {
                    format!("frozenset({{{}}})", r?)
                } else {
                    format!("{{{}}}", r?)
                }
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
            Value::Builtin(b) if crate::runtime::types::is_slot_wrapper(b) => match &b.bound {
                None => format!(
                    "<slot wrapper '{}' of '{}' objects>",
                    b.name,
                    types().slot_owner(b)
                ),
                Some(this) => format!(
                    "<method-wrapper '{}' of {} object at {:#x}>",
                    b.name,
                    type_name(this),
                    this.address()
                ),
            },
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
            Value::MappingProxy(c) => {
                let inner = self.repr(&Value::Dict(mappingproxy::snapshot(c)))?;
                format!("mappingproxy({inner})")
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
            Value::Iter(_) => format!(
                "<{} object at {:#x}>",
                types().class_of(v).name,
                v.address()
            ),
            Value::Instance(inst) => {
                if let Some(r) = own_repr(inst) {
                    let s = self.call(&r, vec![v.clone()], vec![])?;
                    return match s {
                        Value::Str(s) => Ok(s.to_string()),
                        other => Err(type_error(format!(
                            "__repr__ returned non-string (type {})",
                            type_name(&other)
                        ))),
                    };
                }
                if let Some(b) = super::protocol::builtin_base(v) {
                    return self.base_repr(v, &b);
                }
                if Rc::ptr_eq(&inst.class, &types().super_) {
                    return Ok("<super object>".into());
                }
                if let Some(r) = mappingproxy::descriptor_repr(inst) {
                    return Ok(r);
                }
                let t = types();
                if Rc::ptr_eq(&inst.class, &t.staticmethod)
                    || Rc::ptr_eq(&inst.class, &t.classmethod)
                {
                    let f = inst.base_value.borrow().clone().unwrap_or_default();
                    return Ok(format!("<{}({})>", inst.class.name, self.repr(&f)?));
                }
                instance_default_repr(inst, v)
            }
        })
    }

    /// `repr()` of a Future or Task, in CPython's shape (`<Task pending name='Task-2'
    /// coro=<main() running at f.py:5> wait_for=<Future pending cb=[Task.task_wakeup()]>>`,
    /// as `base_tasks._task_repr_info` and `base_futures._future_repr_info` build it).
    fn future_repr(&mut self, f: &Rc<crate::asyncio::future::Future>) -> PyResult<String> {
        use crate::asyncio::future::FutState;
        let st = f.state.borrow().clone();
        let mut state = match &st {
            FutState::Pending => "pending",
            FutState::Cancelled(..) => "cancelled",
            FutState::Finished(_) | FutState::Failed(_) => "finished",
        };
        if let (Some(td), FutState::Pending) = (&f.task, &st) {
            if td.num_cancels.get() > 0 {
                state = "cancelling";
            }
        }
        let mut s = match &f.task {
            Some(td) => {
                let name = td.name();
                let coro = match &td.coro {
                    Value::Generator(g) => format!("<{}>", self.coro_where(g)),
                    other => self.repr(other)?,
                };
                let mut s = format!("<Task {state} name='{name}' coro={coro}");
                let waiter = self.task_waiter(f);
                if let Some(w) = waiter {
                    s.push_str(&format!(" wait_for={}", self.future_repr(&w)?));
                }
                s
            }
            None => format!("<Future {state}"),
        };
        match st {
            FutState::Finished(v) => {
                let r = self.short_repr(&v, 6)?;
                s.push_str(&format!(" result={r}"));
            }
            FutState::Failed(e) => s.push_str(&format!(" exception={}", self.repr(&e.value())?)),
            _ => {}
        }
        let cbs = f.callbacks.borrow().clone();
        if !cbs.is_empty() {
            let names: Vec<String> = cbs.iter().map(callback_source).collect();
            let shown = match names.len() {
                1 | 2 => names.join(", "),
                n => format!("{}, <{} more>, {}", names[0], n - 2, names[n - 1]),
            };
            s.push_str(&format!(" cb=[{shown}]"));
        }
        s.push('>');
        Ok(s)
    }

    /// `reprlib.repr(v)` (what a finished future's repr shows its result with): containers
    /// cut to their first few items (6; 4 for dicts, by sorted key) and `level` levels deep,
    /// long strs, ints and other reprs cut in the middle.
    fn short_repr(&mut self, v: &Value, level: u32) -> PyResult<String> {
        fn middle(s: String, max: usize) -> String {
            let chars: Vec<char> = s.chars().collect();
            if chars.len() <= max {
                return s;
            }
            let i = (max - 3) / 2;
            let j = max - 3 - i;
            let head: String = chars[..i].iter().collect();
            let tail: String = chars[chars.len() - j..].iter().collect();
            format!("{head}...{tail}")
        }
        let items = |it: &mut Self, xs: &[Value], open: &str, close: &str, trail: &str| {
            if level == 0 && !xs.is_empty() {
                return Ok(format!("{open}...{close}"));
            }
            let mut parts = Vec::new();
            for x in xs.iter().take(6) {
                parts.push(it.short_repr(x, level - 1)?);
            }
            if xs.len() > 6 {
                parts.push("...".to_string());
            }
            let close = if xs.len() == 1 {
                format!("{trail}{close}")
            } else {
                close.to_string()
            };
            Ok::<String, crate::runtime::value::Exc>(format!("{open}{}{close}", parts.join(", ")))
        };
        let sorted = |it: &mut Self, mut xs: Vec<Value>| {
            // `_possibly_sorted`: sorted when the items compare, else as they come.
            let plain = xs.clone();
            match crate::runtime::builtins::sort_values(it, &mut xs, None, false) {
                Ok(()) => xs,
                Err(_) => plain,
            }
        };
        Ok(match v {
            Value::Str(text) => {
                let cut: String = text.chars().take(30).collect();
                let r = self.repr(&Value::str(&cut))?;
                if r.chars().count() <= 30 {
                    r
                } else {
                    let chars: Vec<char> = text.chars().collect();
                    let (i, j) = (13, 14);
                    let joined: String = chars[..i.min(chars.len())]
                        .iter()
                        .chain(&chars[chars.len().saturating_sub(j)..])
                        .collect();
                    let r: Vec<char> = self.repr(&Value::str(&joined))?.chars().collect();
                    let head: String = r[..i].iter().collect();
                    let tail: String = r[r.len() - j..].iter().collect();
                    format!("{head}...{tail}")
                }
            }
            Value::Int(_) | Value::BigInt(_) => middle(self.repr(v)?, 40),
            Value::List(l) => {
                let xs = l.borrow().clone();
                items(self, &xs, "[", "]", "")?
            }
            Value::Tuple(t) => items(self, t, "(", ")", ",")?,
            Value::Set(set) | Value::FrozenSet(set) => {
                let frozen = matches!(v, Value::FrozenSet(_));
                let xs: Vec<Value> = set.borrow().iter().map(|k| k.0.clone()).collect();
                let name = if frozen { "frozenset" } else { "set" };
                if xs.is_empty() {
                    format!("{name}()")
                } else {
                    let xs = sorted(self, xs);
                    let inner = items(self, &xs, "{", "}", "")?;
                    if frozen {
                        format!("frozenset({inner})")
                    } else {
                        inner
                    }
                }
            }
            Value::Dict(d) => {
                let pairs = d.borrow().item_pairs();
                if pairs.is_empty() {
                    "{}".to_string()
                } else if level == 0 {
                    "{...}".to_string()
                } else {
                    // By sorted key when the keys compare (the index breaks no ties: keys
                    // are distinct), else in insertion order.
                    let order: Vec<Value> = pairs
                        .iter()
                        .enumerate()
                        .map(|(i, (k, _))| Value::tuple(vec![k.clone(), Value::Int(i as i64)]))
                        .collect();
                    let order = sorted(self, order);
                    let mut parts = Vec::new();
                    for t in order.iter().take(4) {
                        let Value::Tuple(t) = t else { continue };
                        let Some(Value::Int(i)) = t.get(1) else {
                            continue;
                        };
                        let (k, val) = &pairs[*i as usize];
                        let kr = self.short_repr(k, level - 1)?;
                        let vr = self.short_repr(val, level - 1)?;
                        parts.push(format!("{kr}: {vr}"));
                    }
                    if pairs.len() > 4 {
                        parts.push("...".to_string());
                    }
                    format!("{{{}}}", parts.join(", "))
                }
            }
            other => middle(self.repr(other)?, 30),
        })
    }

    /// Where a task's coroutine is, as `coroutines._format_coroutine` says it: the line it
    /// runs or waits at, or where it was defined once it is done.
    fn coro_where(&self, g: &crate::interp::generator::Generator) -> String {
        use crate::interp::generator::GenState;
        let code = &g.code;
        let (file, def_line) = (&code.source.name, code.source.line_of(code.span.start));
        let at = match &*g.state.borrow() {
            GenState::Done => None,
            GenState::Suspended(frame) => Some(
                frame
                    .suspended_stmt()
                    .map_or(def_line, |st| code.source.line_of(st.span.start)),
            ),
            // Running now: the line of its innermost call in progress (the one that asked).
            GenState::Running => Some(
                self.call_sites
                    .iter()
                    .rev()
                    .find(|(c, _)| Rc::ptr_eq(c, code))
                    .map_or(def_line, |(c, at)| c.source.line_of(*at)),
            ),
            _ => Some(def_line),
        };
        match at {
            Some(line) => format!("{}() running at {file}:{line}", code.qualname),
            None => format!("{}() done, defined at {file}:{def_line}", code.qualname),
        }
    }

    pub(crate) fn join_reprs(&mut self, items: &[Value]) -> PyResult<String> {
        let mut s = String::new();
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(&self.repr(x)?);
        }
        Ok(s)
    }

    pub(crate) fn repr_enter(&mut self, v: &Value) -> bool {
        let a = v.address();
        if self.repr_stack.contains(&a) {
            return true;
        }
        self.repr_stack.push(a);
        false
    }

    pub(crate) fn repr_leave(&mut self) {
        self.repr_stack.pop();
    }

    /// The repr of `b`, the builtin value `v` wraps (or `v` itself): a set or frozenset
    /// names `v`'s class, as CPython's `set.__repr__` does for a subclass (`Tags({1})`,
    /// `Tags()`); the other builtin types' reprs do not name it.
    pub(crate) fn base_repr(&mut self, v: &Value, b: &Value) -> PyResult<String> {
        let r = self.repr(b)?;
        let (Value::Instance(inst), Value::Set(_) | Value::FrozenSet(_)) = (v, b) else {
            return Ok(r);
        };
        let name = &inst.class.name;
        Ok(
            match r.strip_prefix("frozenset").or(r.strip_prefix("set")) {
                Some(rest) if rest.starts_with('(') => format!("{name}{rest}"),
                _ => format!("{name}({r})"),
            },
        )
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
                // `str.__str__` gives the string a str subclass wraps, whatever its `__repr__`;
                // the other builtin types' `str` is their repr, so a class's own one wins.
                match super::protocol::builtin_base(v) {
                    Some(Value::Str(s)) => return Ok(s.to_string()),
                    Some(b) if own_repr(inst).is_none() => return self.base_repr(v, &b),
                    _ => {}
                }
                self.repr(v)
            }
            // As CPython's mappingproxy_str: the str of the mapping.
            Value::MappingProxy(c) => self.repr(&Value::Dict(mappingproxy::snapshot(c))),
            _ => self.repr(v),
        }
    }

    /// `format(v, spec)`.
    pub fn format(&mut self, v: &Value, spec: &str) -> PyResult<String> {
        use crate::runtime::format::{
            format_bool, format_float, format_i64, format_int, format_str,
        };
        let r = match v {
            Value::Str(s) if spec.is_empty() => return Ok(s.to_string()),
            Value::Str(s) => format_str(s, spec),
            Value::Int(i) => format_i64(*i, spec),
            Value::Bool(b) if spec.is_empty() => {
                return Ok(if b.get() { "True" } else { "False" }.into())
            }
            Value::Bool(b) => format_bool(b.get(), spec),
            Value::BigInt(b) => {
                if spec.is_empty() {
                    return big_to_str(b);
                }
                format_int(b, spec)
            }
            Value::Float(f) => format_float(f.get(), spec),
            // A subclass of a number or str with a spec formats its value, as that type's
            // `__format__` does (an empty spec, below, is `str(v)`: its own `__str__` or
            // `__repr__`); other objects take no spec (`object.__format__`).
            Value::Instance(inst)
                if !spec.is_empty() && inst.class.lookup("__format__").is_none() =>
            {
                return match super::protocol::builtin_base(v) {
                    Some(
                        b @ (Value::Int(_)
                        | Value::BigInt(_)
                        | Value::Bool(_)
                        | Value::Float(_)
                        | Value::Str(_)),
                    ) => self.format(&b, spec),
                    _ => Err(type_error(format!(
                        "unsupported format string passed to {}.__format__",
                        type_name(v)
                    ))),
                };
            }
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
}

/// `object.__repr__` of an instance: `<module.Class object at 0x…>` (builtin classes such as
/// `object` itself leave the module out).
pub(crate) fn instance_default_repr(inst: &crate::runtime::value::Instance, v: &Value) -> String {
    if inst.class.module.as_ref() == "builtins" {
        format!("<{} object at {:#x}>", inst.class.qualname, v.address())
    } else {
        format!(
            "<{}.{} object at {:#x}>",
            inst.class.module,
            inst.class.qualname,
            v.address()
        )
    }
}

/// A done callback as a future's repr names it (`format_helpers._format_callback_source`):
/// the task wake-up, or the function with where it is defined.
fn callback_source(cb: &crate::asyncio::future::DoneCallback) -> String {
    use crate::asyncio::future::DoneCallback;
    let f = match cb {
        DoneCallback::Wakeup(_) => return "Task.task_wakeup()".to_string(),
        DoneCallback::StopLoop => return "_run_until_complete_cb()".to_string(),
        DoneCallback::Py(f) => f,
    };
    match f {
        // A bound method is named without its source (`inspect.isfunction` is false for it).
        Value::BoundMethod(m) => match &m.func {
            Value::Function(func) => format!("{}()", func.code.qualname),
            other => format!("{}()", crate::runtime::ops::type_name(other)),
        },
        Value::Function(func) => {
            let code = &func.code;
            format!(
                "{}() at {}:{}",
                code.qualname,
                code.source.name,
                code.source.line_of(code.span.start)
            )
        }
        Value::Builtin(b) => format!("{}()", b.name),
        _ => format!("{}()", crate::runtime::ops::type_name(f)),
    }
}

/// The `__repr__` of an instance's class: `None` when it has none, or when it is a subclass of
/// a builtin value type that inherits that type's (`int.__repr__`, `dict.__repr__`), which
/// gives the repr of the builtin value the instance wraps without a call.
fn own_repr(inst: &crate::runtime::value::Instance) -> Option<Value> {
    let r = inst.class.lookup("__repr__")?;
    let inherited =
        matches!(r, Value::Builtin(_)) && super::protocol::wraps_builtin_value(inst.class.builtin);
    (!inherited).then_some(r)
}

/// The arguments of the exception `args[0]`, for the `__str__` / `__repr__` of `owner` called
/// on it (checked as CPython's slot wrappers check their receiver).
fn exc_args(args: &[Value], name: &str, owner: &str) -> PyResult<Vec<Value>> {
    let exc = match args.first() {
        Some(Value::Instance(inst)) => inst
            .exc
            .as_ref()
            .filter(|_| inst.class.is_subclass(&types().exc(owner))),
        _ => None,
    };
    match (exc, args.first()) {
        (Some(d), _) if args.len() == 1 => Ok(d.borrow().args.clone()),
        (Some(_), _) => Err(type_error(format!(
            "expected 0 arguments, got {}",
            args.len() - 1
        ))),
        (None, Some(other)) => Err(type_error(format!(
            "descriptor '{name}' requires a '{owner}' object but received a '{}'",
            type_name(other)
        ))),
        (None, None) => Err(type_error(format!(
            "descriptor '{name}' of '{owner}' object needs an argument"
        ))),
    }
}

/// `BaseException.__str__`: nothing for no arguments, the str of a single one, else the repr
/// of the arguments' tuple.
fn exc_str(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let a = exc_args(args, "__str__", "BaseException")?;
    let s = match a.len() {
        0 => String::new(),
        1 => it.to_str(&a[0])?,
        _ => it.repr(&Value::tuple(a))?,
    };
    Ok(Value::str(&s))
}

/// `KeyError.__str__`: the repr of a single argument (the missing key), else as
/// `BaseException.__str__`.
fn key_error_str(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let a = exc_args(args, "__str__", "KeyError")?;
    match a.as_slice() {
        [key] => Ok(Value::str(&it.repr(key)?)),
        _ => exc_str(it, args, kw),
    }
}

/// `BaseExceptionGroup.__str__`: the message and the count of sub-exceptions.
fn group_str(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let a = exc_args(args, "__str__", "BaseExceptionGroup")?;
    let [msg, excs] = a.as_slice() else {
        return exc_str(it, args, kw);
    };
    let n = it.len(excs).unwrap_or(0);
    let msg = it.to_str(msg)?;
    Ok(Value::str(&format!(
        "{msg} ({n} sub-exception{})",
        if n == 1 { "" } else { "s" }
    )))
}

/// `BaseException.__repr__`: the class name and the reprs of the arguments.
fn exc_repr(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let a = exc_args(args, "__repr__", "BaseException")?;
    let inner = match a.as_slice() {
        [one] => it.repr(one)?,
        _ => it.join_reprs(&a)?,
    };
    let name = types().class_of(&args[0]).name.clone();
    Ok(Value::str(&format!("{name}({inner})")))
}

/// Puts `__str__` and `__repr__` into the namespaces of BaseException, KeyError and
/// BaseExceptionGroup, where a subclass's `super().__str__()` finds them.
pub(crate) fn install_exception_text(t: &crate::runtime::types::Types) {
    use crate::runtime::methods::add;
    add(
        &t.exc("BaseException"),
        &[("__str__", exc_str), ("__repr__", exc_repr)],
    );
    add(&t.exc("KeyError"), &[("__str__", key_error_str)]);
    add(&t.exc("BaseExceptionGroup"), &[("__str__", group_str)]);
}
