//! The builtin classes: `object`, `int`, `str`, …, and CPython's exception hierarchy. One
//! registry per interpreter thread, reachable from anywhere that needs to raise or dispatch.

use super::value::{BuiltinType, Class, Value};

use std::collections::HashMap;
use std::rc::Rc;

/// Every builtin class, by role.
pub struct Types {
    /// `object`
    pub object: Rc<Class>,
    /// `type`
    pub type_: Rc<Class>,
    /// `NoneType`
    pub none: Rc<Class>,
    /// `bool`
    pub bool_: Rc<Class>,
    /// `int`
    pub int: Rc<Class>,
    /// `float`
    pub float: Rc<Class>,
    /// `str`
    pub str_: Rc<Class>,
    /// `list`
    pub list: Rc<Class>,
    /// `collections.deque`.
    pub deque: Rc<Class>,
    /// `tuple`
    pub tuple: Rc<Class>,
    /// `dict`
    pub dict: Rc<Class>,
    /// `set`
    pub set: Rc<Class>,
    /// `frozenset`
    pub frozenset: Rc<Class>,
    /// `function`
    pub function: Rc<Class>,
    /// `builtin_function_or_method`
    pub builtin_function: Rc<Class>,
    /// `method-wrapper`: a slot wrapper bound to an object (`obj.__str__`, `(3).__add__`).
    pub method_wrapper: Rc<Class>,
    /// `wrapper_descriptor`: a slot wrapper taken from its class (`object.__init__`).
    pub wrapper_descriptor: Rc<Class>,
    /// `method`
    pub method: Rc<Class>,
    /// `generator`
    pub generator: Rc<Class>,
    /// `coroutine`
    pub coroutine: Rc<Class>,
    /// `async_generator`
    pub async_generator: Rc<Class>,
    /// `module`
    pub module: Rc<Class>,
    /// `range`
    pub range: Rc<Class>,
    /// Native iterators (`list_iterator` and friends share one class).
    pub iterator: Rc<Class>,
    /// `slice`
    pub slice: Rc<Class>,
    /// `ellipsis`
    pub ellipsis: Rc<Class>,
    /// `NotImplementedType`
    pub not_implemented: Rc<Class>,
    /// `staticmethod`
    pub staticmethod: Rc<Class>,
    /// `classmethod`
    pub classmethod: Rc<Class>,
    /// `property`
    pub property: Rc<Class>,
    /// `super`
    pub super_: Rc<Class>,
    /// `traceback`: the objects `__traceback__` gives (`tb_lineno`, `tb_next`, `tb_frame`).
    pub traceback: Rc<Class>,
    /// `frame`: a traceback's `tb_frame` (its `f_code`).
    pub frame: Rc<Class>,
    /// `code`: a frame's `f_code` (`co_name`, `co_qualname`, `co_filename`, `co_firstlineno`).
    pub code: Rc<Class>,
    /// `dict_keys`
    pub dict_keys: Rc<Class>,
    /// `dict_values`
    pub dict_values: Rc<Class>,
    /// `dict_items`
    pub dict_items: Rc<Class>,
    /// `mappingproxy`: a class's read-only `__dict__`.
    pub mappingproxy: Rc<Class>,
    /// `getset_descriptor`: the `__dict__` / `__weakref__` entries of a class namespace.
    pub getset_descriptor: Rc<Class>,
    /// `member_descriptor`: a `__slots__` entry of a class namespace.
    pub member_descriptor: Rc<Class>,
    /// `asyncio.Future`
    pub future: Rc<Class>,
    /// `asyncio.Task`
    pub task: Rc<Class>,
    /// `asyncio.Handle` / `asyncio.TimerHandle`
    pub handle: Rc<Class>,
    /// The event loop's class.
    pub event_loop: Rc<Class>,
    /// aio's deadlock report (not reachable by name from programs).
    pub deadlock: Rc<Class>,
    /// Exception classes of asyncio (`CancelledError`, `InvalidStateError`).
    pub asyncio_exceptions: HashMap<&'static str, Rc<Class>>,
    /// Iterator classes by name (`list_iterator`, `enumerate`, …).
    pub iterators: HashMap<&'static str, Rc<Class>>,
    /// Exception classes by name.
    pub exceptions: HashMap<&'static str, Rc<Class>>,
    /// Exception class names in definition order (for the builtins namespace).
    pub exception_order: Vec<&'static str>,
}

/// Makes a builtin class.
pub fn new_class(name: &str, bases: Vec<Rc<Class>>, builtin: BuiltinType) -> Rc<Class> {
    let mut mro: Vec<Rc<Class>> = Vec::new();
    for b in &bases {
        if !mro.iter().any(|c| Rc::ptr_eq(c, b)) {
            mro.push(b.clone());
        }
        for c in &b.mro {
            if !mro.iter().any(|x| Rc::ptr_eq(x, c)) {
                mro.push(c.clone());
            }
        }
    }
    let is_exception = builtin == BuiltinType::Exception || bases.iter().any(|b| b.is_exception);
    Rc::new(Class {
        name: Rc::from(name),
        qualname: Rc::from(name),
        module: Rc::from("builtins"),
        bases,
        mro,
        dict: Default::default(),
        ctor: Default::default(),
        builtin,
        is_exception,
    })
}

/// [`new_class`] for a class that belongs to module `module` instead of `builtins`.
fn new_class_in(
    module: &str,
    name: &str,
    bases: Vec<Rc<Class>>,
    builtin: BuiltinType,
) -> Rc<Class> {
    let c = new_class(name, bases, builtin);
    Rc::new(Class {
        module: Rc::from(module),
        ..Rc::try_unwrap(c).expect("a class just made has no other reference")
    })
}

/// The special methods CPython implements as slot wrappers (`wrapper_descriptor`, bound:
/// `method-wrapper`) rather than as methods, sorted.
const SLOT_WRAPPERS: &[&str] = &[
    "__abs__",
    "__add__",
    "__and__",
    "__bool__",
    "__call__",
    "__contains__",
    "__del__",
    "__delattr__",
    "__delitem__",
    "__divmod__",
    "__eq__",
    "__float__",
    "__floordiv__",
    "__ge__",
    "__getattribute__",
    "__getitem__",
    "__gt__",
    "__hash__",
    "__iadd__",
    "__iand__",
    "__imul__",
    "__index__",
    "__init__",
    "__int__",
    "__invert__",
    "__ior__",
    "__isub__",
    "__iter__",
    "__ixor__",
    "__le__",
    "__len__",
    "__lshift__",
    "__lt__",
    "__mod__",
    "__mul__",
    "__ne__",
    "__neg__",
    "__next__",
    "__or__",
    "__pos__",
    "__pow__",
    "__radd__",
    "__rand__",
    "__rdivmod__",
    "__repr__",
    "__rfloordiv__",
    "__rlshift__",
    "__rmod__",
    "__rmul__",
    "__ror__",
    "__rpow__",
    "__rrshift__",
    "__rshift__",
    "__rsub__",
    "__rtruediv__",
    "__rxor__",
    "__setattr__",
    "__setitem__",
    "__str__",
    "__sub__",
    "__truediv__",
    "__xor__",
];

/// Whether a builtin function is one of CPython's slot wrappers: a special method in
/// `SLOT_WRAPPERS`, except the few that list, dict and set define as plain methods.
pub fn is_slot_wrapper(b: &super::value::BuiltinFn) -> bool {
    if SLOT_WRAPPERS.binary_search(&b.name).is_err() {
        return false;
    }
    !matches!(
        (b.name, &b.bound),
        ("__getitem__", Some(Value::List(_) | Value::Dict(_)))
            | (
                "__contains__",
                Some(Value::Dict(_) | Value::Set(_) | Value::FrozenSet(_))
            )
    )
}

/// CPython 3.11's builtin exception tree (the part scripts meet), parent before child.
const EXCEPTIONS: &[(&str, &str)] = &[
    ("BaseException", ""),
    ("BaseExceptionGroup", "BaseException"),
    ("GeneratorExit", "BaseException"),
    ("KeyboardInterrupt", "BaseException"),
    ("SystemExit", "BaseException"),
    ("Exception", "BaseException"),
    ("ArithmeticError", "Exception"),
    ("FloatingPointError", "ArithmeticError"),
    ("OverflowError", "ArithmeticError"),
    ("ZeroDivisionError", "ArithmeticError"),
    ("AssertionError", "Exception"),
    ("AttributeError", "Exception"),
    ("BufferError", "Exception"),
    ("EOFError", "Exception"),
    ("ExceptionGroup", "Exception"),
    ("ImportError", "Exception"),
    ("ModuleNotFoundError", "ImportError"),
    ("LookupError", "Exception"),
    ("IndexError", "LookupError"),
    ("KeyError", "LookupError"),
    ("MemoryError", "Exception"),
    ("NameError", "Exception"),
    ("UnboundLocalError", "NameError"),
    ("OSError", "Exception"),
    ("BlockingIOError", "OSError"),
    ("ChildProcessError", "OSError"),
    ("ConnectionError", "OSError"),
    ("BrokenPipeError", "ConnectionError"),
    ("ConnectionAbortedError", "ConnectionError"),
    ("ConnectionRefusedError", "ConnectionError"),
    ("ConnectionResetError", "ConnectionError"),
    ("FileExistsError", "OSError"),
    ("FileNotFoundError", "OSError"),
    ("InterruptedError", "OSError"),
    ("IsADirectoryError", "OSError"),
    ("NotADirectoryError", "OSError"),
    ("PermissionError", "OSError"),
    ("ProcessLookupError", "OSError"),
    ("TimeoutError", "OSError"),
    ("ReferenceError", "Exception"),
    ("RuntimeError", "Exception"),
    ("NotImplementedError", "RuntimeError"),
    ("RecursionError", "RuntimeError"),
    ("StopAsyncIteration", "Exception"),
    ("StopIteration", "Exception"),
    ("SyntaxError", "Exception"),
    ("IndentationError", "SyntaxError"),
    ("TabError", "IndentationError"),
    ("SystemError", "Exception"),
    ("TypeError", "Exception"),
    ("ValueError", "Exception"),
    ("UnicodeError", "ValueError"),
    ("UnicodeDecodeError", "UnicodeError"),
    ("UnicodeEncodeError", "UnicodeError"),
    ("UnicodeTranslateError", "UnicodeError"),
    ("Warning", "Exception"),
    ("BytesWarning", "Warning"),
    ("DeprecationWarning", "Warning"),
    ("EncodingWarning", "Warning"),
    ("FutureWarning", "Warning"),
    ("ImportWarning", "Warning"),
    ("PendingDeprecationWarning", "Warning"),
    ("ResourceWarning", "Warning"),
    ("RuntimeWarning", "Warning"),
    ("SyntaxWarning", "Warning"),
    ("UnicodeWarning", "Warning"),
    ("UserWarning", "Warning"),
];

impl Types {
    fn new() -> Types {
        use BuiltinType as B;
        let object = new_class("object", vec![], B::Object);
        let o = || vec![object.clone()];
        let int = new_class("int", o(), B::Int);
        let mut exceptions = HashMap::new();
        let mut exception_order = Vec::new();
        for &(name, parent) in EXCEPTIONS {
            let bases = if parent.is_empty() {
                o()
            } else {
                vec![exceptions
                    .get(parent)
                    .cloned()
                    .unwrap_or_else(|| object.clone())]
            };
            exceptions.insert(name, new_class(name, bases, B::Exception));
            exception_order.push(name);
        }
        // ExceptionGroup is both a BaseExceptionGroup and an Exception.
        let eg = new_class(
            "ExceptionGroup",
            vec![
                exceptions["BaseExceptionGroup"].clone(),
                exceptions["Exception"].clone(),
            ],
            B::Exception,
        );
        exceptions.insert("ExceptionGroup", eg);
        let mut iterators = HashMap::new();
        for name in [
            "list_iterator",
            "tuple_iterator",
            "str_ascii_iterator",
            "str_iterator",
            "range_iterator",
            "dict_keyiterator",
            "set_iterator",
            "dict_valueiterator",
            "dict_itemiterator",
            "callable_iterator",
            "list_reverseiterator",
            "reversed",
            "dict_reversekeyiterator",
            "dict_reversevalueiterator",
            "dict_reverseitemiterator",
            "enumerate",
            "zip",
            "map",
            "filter",
            "iterator",
        ] {
            iterators.insert(name, new_class(name, o(), B::Iterator));
        }
        for name in ["_deque_iterator", "_deque_reverse_iterator"] {
            iterators.insert(name, new_class_in("_collections", name, o(), B::Iterator));
        }
        let mut asyncio_exceptions = HashMap::new();
        for (name, parent) in [
            ("CancelledError", "BaseException"),
            ("InvalidStateError", "Exception"),
        ] {
            let c = new_class_in(
                "asyncio.exceptions",
                name,
                vec![exceptions[parent].clone()],
                B::Exception,
            );
            asyncio_exceptions.insert(name, c);
        }
        // The classes just unwrapped left their addresses without dropping their namespaces.
        super::class_dict::bump();
        let future = new_class_in("asyncio", "Future", o(), B::Iterator);
        let task = new_class_in("asyncio", "Task", vec![future.clone()], B::Iterator);
        let deadlock = new_class_in(
            "aio",
            "Deadlock",
            vec![exceptions["BaseException"].clone()],
            B::Exception,
        );
        Types {
            deadlock,
            future,
            task,
            handle: new_class("TimerHandle", o(), B::Iterator),
            event_loop: new_class("_UnixSelectorEventLoop", o(), B::Iterator),
            asyncio_exceptions,
            iterators,
            type_: new_class("type", o(), B::Type),
            none: new_class("NoneType", o(), B::NoneType),
            bool_: new_class("bool", vec![int.clone()], B::Bool),
            int,
            float: new_class("float", o(), B::Float),
            str_: new_class("str", o(), B::Str),
            list: new_class("list", o(), B::List),
            deque: new_class_in("collections", "deque", o(), B::Deque),
            tuple: new_class("tuple", o(), B::Tuple),
            dict: new_class("dict", o(), B::Dict),
            set: new_class("set", o(), B::Set),
            frozenset: new_class("frozenset", o(), B::FrozenSet),
            function: new_class("function", o(), B::Function),
            builtin_function: new_class("builtin_function_or_method", o(), B::BuiltinFunction),
            method_wrapper: new_class("method-wrapper", o(), B::BuiltinFunction),
            wrapper_descriptor: new_class("wrapper_descriptor", o(), B::BuiltinFunction),
            method: new_class("method", o(), B::Method),
            generator: new_class("generator", o(), B::Generator),
            coroutine: new_class("coroutine", o(), B::Coroutine),
            async_generator: new_class("async_generator", o(), B::AsyncGenerator),
            module: new_class("module", o(), B::Module),
            range: new_class("range", o(), B::Range),
            iterator: new_class("iterator", o(), B::Iterator),
            slice: new_class("slice", o(), B::Slice),
            ellipsis: new_class("ellipsis", o(), B::Ellipsis),
            not_implemented: new_class("NotImplementedType", o(), B::NotImplementedType),
            staticmethod: new_class("staticmethod", o(), B::Descriptor),
            classmethod: new_class("classmethod", o(), B::Descriptor),
            property: new_class("property", o(), B::Descriptor),
            super_: new_class("super", o(), B::Descriptor),
            traceback: new_class("traceback", o(), B::Object),
            frame: {
                let c = new_class("frame", o(), B::Object);
                c.dict.borrow_mut().insert(
                    Rc::from("__repr__"),
                    super::builtins::native("__repr__", crate::interp::protocol::frame_repr),
                );
                c
            },
            code: {
                let c = new_class("code", o(), B::Object);
                c.dict.borrow_mut().insert(
                    Rc::from("__repr__"),
                    super::builtins::native("__repr__", crate::interp::protocol::code_repr),
                );
                c
            },
            dict_keys: new_class("dict_keys", o(), B::Iterator),
            dict_values: new_class("dict_values", o(), B::Iterator),
            dict_items: new_class("dict_items", o(), B::Iterator),
            mappingproxy: new_class("mappingproxy", o(), B::Iterator),
            getset_descriptor: new_class("getset_descriptor", o(), B::Descriptor),
            member_descriptor: new_class("member_descriptor", o(), B::Descriptor),
            object,
            exceptions,
            exception_order,
        }
    }

    /// Whether `c` is one of these builtin classes (whose namespaces belong to the thread, not
    /// to a program).
    pub fn is_builtin(&self, c: &Rc<Class>) -> bool {
        let named = [
            &self.object,
            &self.type_,
            &self.none,
            &self.bool_,
            &self.int,
            &self.float,
            &self.str_,
            &self.list,
            &self.tuple,
            &self.dict,
            &self.set,
            &self.frozenset,
            &self.function,
            &self.builtin_function,
            &self.method_wrapper,
            &self.wrapper_descriptor,
            &self.method,
            &self.generator,
            &self.coroutine,
            &self.async_generator,
            &self.module,
            &self.range,
            &self.iterator,
            &self.slice,
            &self.ellipsis,
            &self.not_implemented,
            &self.staticmethod,
            &self.classmethod,
            &self.property,
            &self.super_,
            &self.traceback,
            &self.frame,
            &self.code,
            &self.dict_keys,
            &self.dict_values,
            &self.dict_items,
            &self.mappingproxy,
            &self.getset_descriptor,
            &self.member_descriptor,
            &self.future,
            &self.task,
            &self.handle,
            &self.event_loop,
            &self.deadlock,
        ];
        named.into_iter().any(|b| Rc::ptr_eq(b, c))
            || self
                .exceptions
                .values()
                .chain(self.iterators.values())
                .chain(self.asyncio_exceptions.values())
                .any(|b| Rc::ptr_eq(b, c))
    }

    /// The name of the builtin class whose namespace holds the slot wrapper `b` (`object` for
    /// the methods every object has).
    pub fn slot_owner(&self, b: &Rc<super::value::BuiltinFn>) -> Rc<str> {
        [
            &self.int,
            &self.bool_,
            &self.float,
            &self.str_,
            &self.list,
            &self.tuple,
            &self.dict,
            &self.set,
            &self.exc("BaseException"),
            &self.exc("KeyError"),
            &self.exc("BaseExceptionGroup"),
        ]
        .into_iter()
        .find(|c| {
            c.dict
                .borrow()
                .values()
                .any(|v| matches!(v, Value::Builtin(x) if Rc::ptr_eq(x, b)))
        })
        .map(|c| c.name.clone())
        .unwrap_or_else(|| self.object.name.clone())
    }

    /// The exception class called `name`.
    pub fn exc(&self, name: &str) -> Rc<Class> {
        self.exceptions
            .get(name)
            .cloned()
            .unwrap_or_else(|| self.exceptions["Exception"].clone())
    }

    /// The asyncio exception class called `name`.
    pub fn asyncio_exc(&self, name: &str) -> Rc<Class> {
        self.asyncio_exceptions
            .get(name)
            .cloned()
            .unwrap_or_else(|| self.exc("Exception"))
    }

    /// The class of a value.
    pub fn class_of(&self, v: &Value) -> Rc<Class> {
        match v {
            Value::None | Value::Undef => self.none.clone(),
            Value::Bool(_) => self.bool_.clone(),
            Value::Int(_) | Value::BigInt(_) => self.int.clone(),
            Value::Float(_) => self.float.clone(),
            Value::Str(_) => self.str_.clone(),
            Value::List(_) => self.list.clone(),
            Value::Deque(_) => self.deque.clone(),
            Value::Tuple(_) => self.tuple.clone(),
            Value::Dict(_) => self.dict.clone(),
            Value::Set(_) => self.set.clone(),
            Value::FrozenSet(_) => self.frozenset.clone(),
            Value::Function(_) => self.function.clone(),
            Value::Builtin(b) if is_slot_wrapper(b) => match b.bound {
                Some(_) => self.method_wrapper.clone(),
                None => self.wrapper_descriptor.clone(),
            },
            Value::Builtin(_) => self.builtin_function.clone(),
            Value::BoundMethod(_) => self.method.clone(),
            Value::Class(_) => self.type_.clone(),
            Value::Instance(i) => i.class.clone(),
            Value::Generator(g) => match g.kind {
                crate::interp::generator::GenKind::Generator => self.generator.clone(),
                crate::interp::generator::GenKind::Coroutine => self.coroutine.clone(),
                crate::interp::generator::GenKind::AsyncGenerator => self.async_generator.clone(),
            },
            Value::Module(_) => self.module.clone(),
            Value::Range(_) => self.range.clone(),
            Value::Iter(it) => {
                use super::value::NativeIter as N;
                let name = match &*it.borrow() {
                    N::List(..) => "list_iterator",
                    N::Tuple(..) => "tuple_iterator",
                    N::Deque(.., false) => "_deque_iterator",
                    N::Deque(.., true) => "_deque_reverse_iterator",
                    N::Str(s, _) if s.is_ascii() => "str_ascii_iterator",
                    N::Str(..) => "str_iterator",
                    N::Range { .. } => "range_iterator",
                    N::DictKeys(..) => "dict_keyiterator",
                    N::SetKeys(..) => "set_iterator",
                    N::DictValues(..) => "dict_valueiterator",
                    N::DictItems(..) => "dict_itemiterator",
                    N::Callable(..) => "callable_iterator",
                    N::Enumerate(..) => "enumerate",
                    N::Zip(..) => "zip",
                    N::Map(..) => "map",
                    N::Filter(..) => "filter",
                    N::Values(_) | N::Done => "iterator",
                    N::Snapshot(name, _) => name,
                    N::FutureAwait(..) => "FutureIter",
                    N::Resolved(..) | N::Wait(..) => "coroutine",
                    N::YieldOnce(..) => "generator",
                    N::CoroWrapper(_) => "coroutine_wrapper",
                    N::GetItem(..) => "iterator",
                    N::AsyncGenOp(_, crate::runtime::value::AsyncGenOp::Send(_), _) => {
                        "async_generator_asend"
                    }
                    N::AsyncGenOp(..) => "async_generator_athrow",
                    N::AnextDefault(..) => "anext_awaitable",
                };
                self.iterators
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| self.iterator.clone())
            }
            Value::Slice(_) => self.slice.clone(),
            Value::Ellipsis => self.ellipsis.clone(),
            Value::NotImplemented => self.not_implemented.clone(),
            Value::Future(f) => {
                if f.task.is_some() {
                    self.task.clone()
                } else {
                    self.future.clone()
                }
            }
            Value::Handle(_) => self.handle.clone(),
            Value::EventLoop(_) => self.event_loop.clone(),
            Value::MappingProxy(_) => self.mappingproxy.clone(),
            Value::DictView(v) => match v.kind {
                super::value::ViewKind::Keys => self.dict_keys.clone(),
                super::value::ViewKind::Values => self.dict_values.clone(),
                super::value::ViewKind::Items => self.dict_items.clone(),
            },
        }
    }

    /// The class object of a builtin type.
    pub fn class_of_builtin(&self, b: BuiltinType) -> Rc<Class> {
        use BuiltinType as B;
        match b {
            B::Object => self.object.clone(),
            B::Type => self.type_.clone(),
            B::NoneType => self.none.clone(),
            B::Bool => self.bool_.clone(),
            B::Int => self.int.clone(),
            B::Float => self.float.clone(),
            B::Str => self.str_.clone(),
            B::List => self.list.clone(),
            B::Deque => self.deque.clone(),
            B::Tuple => self.tuple.clone(),
            B::Dict => self.dict.clone(),
            B::Set => self.set.clone(),
            B::FrozenSet => self.frozenset.clone(),
            B::Function => self.function.clone(),
            B::BuiltinFunction => self.builtin_function.clone(),
            B::Method => self.method.clone(),
            B::Generator => self.generator.clone(),
            B::Coroutine => self.coroutine.clone(),
            B::AsyncGenerator => self.async_generator.clone(),
            B::Module => self.module.clone(),
            B::Range => self.range.clone(),
            B::Iterator => self.iterator.clone(),
            B::Slice => self.slice.clone(),
            B::Ellipsis => self.ellipsis.clone(),
            B::NotImplementedType => self.not_implemented.clone(),
            B::Exception => self.exc("BaseException"),
            B::Descriptor => self.object.clone(),
        }
    }
}

thread_local! {
    /// Built on first use; dropped with the thread, so an embedder that starts many interpreter
    /// threads does not keep one table per finished thread.
    static TYPES: Rc<Types> = Rc::new(Types::new());
}

/// The builtin classes of this thread's interpreter (shared by every interpreter the thread
/// runs).
pub fn types() -> Rc<Types> {
    TYPES.with(Rc::clone)
}
