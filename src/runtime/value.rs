//! The `Value` enum and the heap objects it points to.

use super::dict::Dict;
use super::set::{Cursor, Set};
use crate::compile::code::Code;
use crate::compile::GlobalNames;
use crate::interp::generator::Generator;
use crate::interp::Interp;
use crate::source::Span;
use indexmap::IndexMap;
use num_bigint::BigInt;
use std::cell::RefCell;
use std::rc::Rc;

/// The result of anything that can raise a Python exception.
pub type PyResult<T> = Result<T, Exc>;

/// A raised exception: always an instance of a `BaseException` subclass.
#[derive(Clone, Debug)]
pub struct Exc(pub Rc<Instance>);

/// Attribute and namespace maps (instances, classes, class bodies): insertion-ordered, keyed by
/// name, with a fast non-cryptographic hash (names are the program's own, not attacker keys in
/// a Python dict, and the order never depends on the hash).
pub type AttrMap = IndexMap<Rc<str>, Value, rustc_hash::FxBuildHasher>;

/// A bool as a whole word: with every payload a word (an int, a pointer, a float's bits), a
/// `Value` is a pair of integers to the compiler, moved and returned in two registers and
/// never copied with one wide load (which stalls when its two words were just stored).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct B64(u64);

impl B64 {
    /// `True`.
    pub const TRUE: B64 = B64(1);
    /// `False`.
    pub const FALSE: B64 = B64(0);

    /// `b` as a word.
    #[inline(always)]
    pub const fn new(b: bool) -> B64 {
        B64(b as u64)
    }

    /// The bool.
    #[inline(always)]
    pub const fn get(self) -> bool {
        self.0 != 0
    }
}

impl From<bool> for B64 {
    #[inline(always)]
    fn from(b: bool) -> B64 {
        B64::new(b)
    }
}

impl std::fmt::Debug for B64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// A float kept as its bits, for the same reason as [`B64`] (a float field would make the
/// compiler move a `Value` as a block of memory).
#[derive(Clone, Copy)]
#[repr(transparent)]
pub struct F64(u64);

impl F64 {
    /// `f`'s bits.
    #[inline(always)]
    pub const fn new(f: f64) -> F64 {
        F64(f.to_bits())
    }

    /// The float.
    #[inline(always)]
    pub const fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

impl std::ops::Deref for F64 {
    type Target = f64;
    #[inline(always)]
    fn deref(&self) -> &f64 {
        // SAFETY: `F64` is a transparent `u64`, which has the size and alignment of `f64`,
        // and every bit pattern is a valid `f64`.
        unsafe { &*(self as *const F64 as *const f64) }
    }
}

impl From<f64> for F64 {
    #[inline(always)]
    fn from(f: f64) -> F64 {
        F64::new(f)
    }
}

impl std::fmt::Debug for F64 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// A Python value. Small values are inline; everything else is reference-counted.
#[derive(Clone, Debug, Default)]
// A whole word of tag: a value written as two words is read back as two words (a byte tag
// written alone and then read in a wider load stalls the store-to-load forwarding).
#[repr(u64)]
pub enum Value {
    /// `None`
    #[default]
    None,
    /// Internal marker of an unbound local or global; never visible to programs.
    Undef,
    /// `True` / `False`
    Bool(B64),
    /// An int that fits in a machine word.
    Int(i64),
    /// An int that does not.
    BigInt(Rc<BigInt>),
    /// A float.
    Float(F64),
    /// A str.
    Str(super::thin::PyStr),
    /// A list.
    List(Rc<RefCell<Vec<Value>>>),
    /// A tuple.
    Tuple(super::thin::ThinRc<Value>),
    /// A `collections.deque`.
    Deque(Rc<RefCell<super::deque::Deque>>),
    /// A dict.
    Dict(Rc<RefCell<Dict>>),
    /// A set.
    Set(Rc<RefCell<Set>>),
    /// A frozenset: a set that is never mutated once built (shares the set's storage type).
    FrozenSet(Rc<RefCell<Set>>),
    /// A user-defined function.
    Function(Rc<Function>),
    /// A function implemented in Rust.
    Builtin(Rc<BuiltinFn>),
    /// A method bound to its object.
    BoundMethod(Rc<BoundMethod>),
    /// A class.
    Class(Rc<Class>),
    /// An instance of a user class or an exception.
    Instance(Rc<Instance>),
    /// A generator, coroutine or async generator.
    Generator(Rc<Generator>),
    /// A module.
    Module(Rc<Module>),
    /// A `range`.
    Range(Rc<RangeObj>),
    /// A native iterator.
    Iter(Rc<RefCell<NativeIter>>),
    /// A `slice`.
    Slice(Rc<(Value, Value, Value)>),
    /// The `...` singleton.
    Ellipsis,
    /// The `NotImplemented` singleton.
    NotImplemented,
    /// A `dict_keys` / `dict_values` / `dict_items` view.
    DictView(Rc<DictView>),
    /// A class's `__dict__`: a read-only `mappingproxy` over its namespace.
    MappingProxy(Rc<Class>),
    /// An `asyncio.Future` or `asyncio.Task`.
    Future(Rc<crate::asyncio::future::Future>),
    /// An `asyncio.Handle` / `asyncio.TimerHandle`.
    Handle(Rc<crate::asyncio::event_loop::Handle>),
    /// An event loop, by its id (only the running one does anything).
    EventLoop(u64),
}

/// What an async generator awaitable does when first resumed.
#[derive(Debug, Clone)]
pub enum AsyncGenOp {
    /// `asend(value)`.
    Send(Value),
    /// `athrow(exc)`.
    Throw(Exc),
    /// `aclose()`.
    Close,
}

/// Which view of a dict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewKind {
    /// `d.keys()`
    Keys,
    /// `d.values()`
    Values,
    /// `d.items()`
    Items,
}

/// A live view of a dict.
#[derive(Debug)]
pub struct DictView {
    /// The dict.
    pub dict: Rc<RefCell<Dict>>,
    /// Which view.
    pub kind: ViewKind,
}

/// Keyword arguments at a call: names and values in call order.
pub type Kwargs = Vec<(Rc<str>, Value)>;

/// The signature of a function implemented in Rust: positional then keyword arguments.
pub type NativeFn = fn(&mut Interp, &[Value], &Kwargs) -> PyResult<Value>;

/// A function implemented in Rust.
pub struct BuiltinFn {
    /// Its `__name__`.
    pub name: &'static str,
    /// The implementation.
    pub func: NativeFn,
    /// For methods of builtin types: bound to this object (passed as the first argument).
    pub bound: Option<Value>,
    /// For a library coroutine function (`asyncio.sleep`, `Queue.put`…): the Rust first step
    /// of its coroutine, which `await f(args)` runs on the call's positional arguments without
    /// making the coroutine object. When it hands over, the call is made as usual.
    pub awaits: Option<NativeAwait>,
}

/// A library coroutine's Rust first step (see [`BuiltinFn::awaits`]); it hands over, changing
/// nothing, for arguments it does not take.
pub type NativeAwait = fn(&mut Interp, &[Value]) -> PyResult<crate::interp::generator::NativeStep>;

impl std::fmt::Debug for BuiltinFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<built-in {}>", self.name)
    }
}

/// A user-defined function: code plus what the `def` statement captured.
#[derive(Debug)]
pub struct Function {
    /// `code.plain_args`, kept here too: the check of a call's hottest path then reads one
    /// pointer less (a chain of dependent loads the call waits on).
    pub plain_args: Option<u32>,
    /// `code.await_args`, kept here for the same reason: `await f(args)` runs the body
    /// inline when this is the number of arguments.
    pub await_args: Option<u32>,
    /// The compiled body and signature.
    pub code: Rc<Code>,
    /// The module whose globals it sees.
    pub globals: Rc<Module>,
    /// Defaults of the last positional parameters.
    pub defaults: Vec<Value>,
    /// Defaults of keyword-only parameters, by keyword-only index.
    pub kwdefaults: Vec<Option<Value>>,
    /// Captured cells, in the order of `code.freevars`.
    pub closure: Vec<Rc<RefCell<Value>>>,
    /// `__name__` (assignable).
    pub name: RefCell<Rc<str>>,
    /// Attributes set on the function object (its `__dict__`).
    pub dict: RefCell<super::attrs::Attrs>,
}

/// A method bound to its `self`.
#[derive(Debug)]
pub struct BoundMethod {
    /// The function.
    pub func: Value,
    /// The object it is bound to.
    pub this: Value,
}

/// Which builtin type a class is, for values that are not instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinType {
    /// `object`
    Object,
    /// `type`
    Type,
    /// `NoneType`
    NoneType,
    /// `bool`
    Bool,
    /// `int`
    Int,
    /// `float`
    Float,
    /// `str`
    Str,
    /// `list`
    List,
    /// `collections.deque`
    Deque,
    /// `tuple`
    Tuple,
    /// `dict`
    Dict,
    /// `set`
    Set,
    /// `frozenset`
    FrozenSet,
    /// `function`
    Function,
    /// `builtin_function_or_method`
    BuiltinFunction,
    /// `method`
    Method,
    /// `generator`
    Generator,
    /// `coroutine`
    Coroutine,
    /// `async_generator`
    AsyncGenerator,
    /// `module`
    Module,
    /// `range`
    Range,
    /// Native iterators.
    Iterator,
    /// `slice`
    Slice,
    /// `ellipsis`
    Ellipsis,
    /// `NotImplementedType`
    NotImplementedType,
    /// `BaseException` and every builtin exception class.
    Exception,
    /// `staticmethod`, `classmethod`, `property` wrappers.
    Descriptor,
}

/// A class: builtin or defined by a `class` statement.
#[derive(Debug)]
pub struct Class {
    /// `__name__`.
    pub name: Rc<str>,
    /// `__qualname__`.
    pub qualname: Rc<str>,
    /// `__module__`.
    pub module: Rc<str>,
    /// Direct bases.
    pub bases: Vec<Rc<Class>>,
    /// The method resolution order after the class itself.
    pub mro: Vec<Rc<Class>>,
    /// The class namespace.
    pub dict: super::class_dict::ClassDict,
    /// The builtin type this class is or derives from.
    pub builtin: BuiltinType,
    /// Whether instances are exceptions (the class derives from `BaseException`).
    pub is_exception: bool,
    /// `__new__` and `__init__` as a call of the class last found them.
    pub ctor: RefCell<Option<Ctor>>,
}

/// What calling a class runs: its `__new__` and `__init__` along the MRO, as found at a
/// version of the class namespaces (`class_dict::version`).
#[derive(Clone, Debug)]
pub struct Ctor {
    version: u64,
    /// `__new__`, if any class defines one.
    pub new: Option<Value>,
    /// `__init__`, if any class defines one.
    pub init: Option<Value>,
}

impl Class {
    /// `__new__` and `__init__` (found once per version of the class namespaces).
    pub fn ctor(&self) -> Ctor {
        self.with_ctor(Ctor::clone)
    }

    /// `f` of the class's `__new__` and `__init__`, found once per version of the class
    /// namespaces and kept in `ctor`.
    #[inline]
    fn with_ctor<R>(&self, f: impl FnOnce(&Ctor) -> R) -> R {
        let version = super::class_dict::version();
        if let Some(c) = &*self.ctor.borrow() {
            if c.version == version {
                return f(c);
            }
        }
        let c = Ctor {
            version,
            new: self.lookup("__new__"),
            init: self.lookup("__init__"),
        };
        let r = f(&c);
        *self.ctor.borrow_mut() = Some(c);
        r
    }

    /// The `__init__` function a call of this class runs when that is all it runs: a plain
    /// class (not an exception, not wrapping a builtin value) with no `__new__` and a Python
    /// `__init__` (the compiled call's fast path; `None`: the general path).
    #[inline]
    pub fn plain_init(&self) -> Option<Rc<Function>> {
        if self.builtin != BuiltinType::Object || self.is_exception {
            return None;
        }
        self.with_ctor(|c| match (&c.new, &c.init) {
            (None, Some(Value::Function(f))) => Some(f.clone()),
            _ => None,
        })
    }

    /// Looks `name` up along the MRO (through the lookup cache).
    pub fn lookup(&self, name: &str) -> Option<Value> {
        let addr = self as *const Class as usize;
        if let Some(found) = super::class_dict::cached(addr, name) {
            return found;
        }
        let found = self.lookup_uncached(name);
        super::class_dict::remember(addr, name, &found);
        found
    }
    /// Looks `name` up along the MRO, class by class.
    fn lookup_uncached(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.dict.borrow().get(name) {
            return Some(v.clone());
        }
        for c in &self.mro {
            if let Some(v) = c.dict.borrow().get(name) {
                return Some(v.clone());
            }
        }
        None
    }
    /// Whether `self` is `other` or derives from it.
    pub fn is_subclass(&self, other: &Rc<Class>) -> bool {
        std::ptr::eq(self, Rc::as_ptr(other)) || self.mro.iter().any(|c| Rc::ptr_eq(c, other))
    }
}

/// One frame's line in a traceback.
#[derive(Clone, Debug)]
pub struct TbEntry {
    /// The code that was running.
    pub code: Rc<Code>,
    /// The expression or statement being executed.
    pub span: Span,
    /// For a failing binary operation or subscript: where the left operand ends and where the
    /// right part starts (CPython 3.11 draws `~` and `^` around them).
    pub anchors: Option<(u32, u32)>,
}

/// The state every exception instance carries.
#[derive(Debug, Default)]
pub struct ExcData {
    /// `args`.
    pub args: Vec<Value>,
    /// Frames it passed through, innermost first.
    pub traceback: Vec<TbEntry>,
    /// `__cause__`.
    pub cause: Option<Exc>,
    /// `__context__`.
    pub context: Option<Exc>,
    /// `__suppress_context__`.
    pub suppress_context: bool,
    /// The failing sub-expression in the frame currently unwinding, for the traceback's carets.
    pub pending_span: Option<Span>,
    /// Anchors of the failing sub-expression (see `TbEntry::anchors`).
    pub pending_anchors: Option<(u32, u32)>,
    /// For a missing name or attribute: what it was looked up in (`NameError.name`,
    /// `AttributeError.name` / `.obj`), for the traceback's "Did you mean".
    pub suggest: Option<Rc<SuggestFrom>>,
    /// Generators that died suspended in the calls it unwound, kept as CPython's traceback
    /// keeps those frames and their locals: they are closed when the exception goes.
    pub dying: Vec<Rc<crate::interp::generator::Generator>>,
    /// The `__traceback__` object last made, with the number of traceback entries it was made
    /// from (made again once the exception has passed through more frames).
    pub tb_object: Option<(usize, Value)>,
}

/// Where a `NameError` or `AttributeError` looked its name up.
#[derive(Debug)]
pub enum SuggestFrom {
    /// `obj.name` failed.
    Attribute {
        /// The object.
        obj: Value,
        /// The attribute.
        name: Rc<str>,
    },
    /// The name was not bound in the frame running `code` with these globals.
    Name {
        /// The name.
        name: Rc<str>,
        /// The failing frame's code (its local variable names).
        code: Rc<Code>,
        /// The failing frame's module.
        globals: Rc<Module>,
    },
}

/// An instance of a user-defined class (or of an exception class).
#[derive(Debug)]
pub struct Instance {
    /// Its class.
    pub class: Rc<Class>,
    /// Its attributes.
    pub attrs: RefCell<super::attrs::Attrs>,
    /// Exception state, for instances of exception classes.
    pub exc: Option<RefCell<ExcData>>,
    /// A builtin value it wraps (instances of subclasses of builtin types).
    pub base_value: RefCell<Option<Value>>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        // No borrow here: a shared `__dict__` may be borrowed by whatever is dropping us.
        let attrs = self.attrs.get_mut();
        // Values that die with it and are containers go through `release` (no deep
        // recursion); atoms and shared values (most attributes) just drop with the map.
        if attrs.may_own_container() {
            super::drop::release(attrs.take_values());
        }
    }
}

/// A module: its global slots and names.
#[derive(Debug)]
pub struct Module {
    /// `__name__`.
    pub name: Rc<str>,
    /// Global names to slot indices.
    pub names: RefCell<GlobalNames>,
    /// Global slots (`Value::Undef` when unbound).
    pub values: RefCell<Vec<Value>>,
}

impl Module {
    /// An empty module.
    pub fn new(name: &str) -> Rc<Module> {
        Rc::new(Module {
            name: Rc::from(name),
            names: RefCell::new(GlobalNames::default()),
            values: RefCell::new(Vec::new()),
        })
    }
    /// Reads a global by name, trying first the index a call site remembered in `hint` (and
    /// remembering where it found it).
    #[inline]
    pub fn get_hinted(&self, name: &Rc<str>, hint: &std::cell::Cell<u32>) -> Option<Value> {
        let i = if self.names.borrow().is_at(hint.get(), name) {
            hint.get()
        } else {
            let i = self.names.borrow().get(name)?;
            hint.set(i);
            i
        };
        match self.values.borrow().get(i as usize) {
            Some(Value::Undef) | None => None,
            Some(v) => Some(v.clone()),
        }
    }
    /// Reads a global by name.
    pub fn get(&self, name: &str) -> Option<Value> {
        let i = self.names.borrow().get(name)?;
        match self.values.borrow().get(i as usize) {
            Some(Value::Undef) | None => None,
            Some(v) => Some(v.clone()),
        }
    }
    /// The names of its bound globals.
    pub fn names_list(&self) -> Vec<Rc<str>> {
        let names = self.names.borrow();
        let values = self.values.borrow();
        (0..names.len())
            .filter(|&i| !matches!(values.get(i), Some(Value::Undef) | None))
            .map(|i| names.name(i as u32).clone())
            .collect()
    }
    /// Sets a global by name.
    pub fn set(&self, name: &str, v: Value) {
        let i = self.names.borrow_mut().index(&Rc::from(name)) as usize;
        let mut vals = self.values.borrow_mut();
        if vals.len() <= i {
            vals.resize(i + 1, Value::Undef);
        }
        vals[i] = v;
    }
}

/// A `range` object.
#[derive(Debug)]
pub struct RangeObj {
    /// First value.
    pub start: i128,
    /// Bound (exclusive).
    pub stop: i128,
    /// Step (never 0).
    pub step: i128,
}

impl RangeObj {
    /// Number of values.
    pub fn len(&self) -> i128 {
        if self.step > 0 {
            if self.stop > self.start {
                (self.stop - self.start - 1) / self.step + 1
            } else {
                0
            }
        } else if self.start > self.stop {
            (self.start - self.stop - 1) / (-self.step) + 1
        } else {
            0
        }
    }
    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The state of a native iterator.
#[derive(Debug)]
pub enum NativeIter {
    /// Over a list, by index (sees appends, as CPython's list iterator does).
    List(Rc<RefCell<Vec<Value>>>, usize),
    /// Over a tuple.
    Tuple(super::thin::ThinRc<Value>, usize),
    /// Over a deque: the position, the deque's state when it was made, and whether from
    /// the right (`reversed`).
    Deque(Rc<RefCell<super::deque::Deque>>, usize, u64, bool),
    /// Over the characters of a str, by byte offset.
    Str(super::thin::PyStr, usize),
    /// Over a range.
    Range { next: i128, step: i128, left: i128 },
    /// Over a dict's keys, by entry index; `len` catches size changes.
    DictKeys(Rc<RefCell<Dict>>, usize, usize),
    /// Over a set's elements in CPython's table order; `len` catches size changes.
    SetKeys(Rc<RefCell<Set>>, Cursor, usize),
    /// Over a dict's values.
    DictValues(Rc<RefCell<Dict>>, usize, usize),
    /// Over a dict's items.
    DictItems(Rc<RefCell<Dict>>, usize, usize),
    /// Over precomputed values (enumerate, zip, reversed, map results…).
    Values(std::vec::IntoIter<Value>),
    /// Precomputed values with the type name CPython gives the iterator (`reversed(x)` over a
    /// snapshot of `x`, an exhausted `callable_iterator`).
    Snapshot(&'static str, std::vec::IntoIter<Value>),
    /// Calling a function until it returns a sentinel: `iter(f, sentinel)`.
    Callable(Value, Value),
    /// `enumerate(it, start)`: the iterator and the next count (an int, big past 64 bits).
    Enumerate(Value, RefCell<Value>),
    /// `zip(*its)`.
    Zip(Vec<Value>),
    /// `map(f, *its)`.
    Map(Value, Vec<Value>),
    /// `filter(f, it)`.
    Filter(Value, Value),
    /// An async generator's `asend` / `athrow` / `aclose` awaitable (`__anext__` is `asend(None)`).
    AsyncGenOp(Rc<crate::interp::generator::Generator>, AsyncGenOp, bool),
    /// `anext(it, default)`: the inner awaitable, with the default for exhaustion.
    AnextDefault(Value, Value),
    /// `coroutine.__await__()`: an iterator driving the coroutine.
    CoroWrapper(Rc<crate::interp::generator::Generator>),
    /// `await future`: yields the future once, then returns its result.
    FutureAwait(Rc<crate::asyncio::future::Future>),
    /// What an `await` of a library coroutine whose first step yielded (see
    /// [`BuiltinFn::awaits`]) delegates to: resumed, it returns this value (a throw raises).
    Resolved(Value),
    /// What an `await` of a library coroutine waiting in Rust delegates to (see
    /// [`crate::interp::generator::NativeWait`]).
    Wait(Box<crate::interp::generator::NativeWait>),
    /// `asyncio.sleep(0)`'s awaitable: yields `None` to the task once (giving up the rest of the
    /// loop iteration), then returns `None`. The flag says it has yielded.
    YieldOnce(bool),
    /// The old sequence protocol: `obj[0]`, `obj[1]`, … until IndexError.
    GetItem(Value, i64),
    /// Exhausted.
    Done,
}

impl Value {
    /// A clone that copies a small int inline instead of calling the general `clone` (the
    /// hot paths: loading a local or global).
    #[inline(always)]
    pub fn quick_clone(&self) -> Value {
        match self {
            Value::Int(i) => Value::Int(*i),
            other => other.clone(),
        }
    }
}

impl Value {
    /// Drops the value, skipping the general drop when it owns nothing (an int, a float, a
    /// bool, `None`): for the hot paths' stores and temporaries, where that drop is an
    /// out-of-line call.
    #[inline(always)]
    pub fn drop_quick(self) {
        if matches!(
            self,
            Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::None | Value::Undef
        ) {
            std::mem::forget(self);
        } else {
            drop(self);
        }
    }

    /// An int value from a wide integer.
    pub fn from_i128(i: i128) -> Value {
        match i64::try_from(i) {
            Ok(v) => Value::Int(v),
            Err(_) => Value::BigInt(Rc::new(BigInt::from(i))),
        }
    }
    /// A str value.
    pub fn str(s: &str) -> Value {
        Value::Str(crate::runtime::thin::PyStr::from(s))
    }
    /// A tuple value.
    pub fn tuple(v: Vec<Value>) -> Value {
        super::gc::tracked(Value::Tuple(super::thin::ThinRc::from_vec(v)))
    }
    /// A list value.
    pub fn list(v: Vec<Value>) -> Value {
        let l = Rc::new(RefCell::new(v));
        super::gc::track(&l);
        Value::List(l)
    }
    /// Whether this is the `None` singleton.
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }
    /// Identity comparison (`is`).
    pub fn is(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (None, None)
            | (Ellipsis, Ellipsis)
            | (NotImplemented, NotImplemented)
            | (Undef, Undef) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a.to_bits() == b.to_bits(),
            (Str(a), Str(b)) => super::thin::PyStr::ptr_eq(a, b) || (a.len() <= 1 && a == b),
            (BigInt(a), BigInt(b)) => Rc::ptr_eq(a, b),
            (List(a), List(b)) => Rc::ptr_eq(a, b),
            (Tuple(a), Tuple(b)) => {
                super::thin::ThinRc::ptr_eq(a, b) || (a.is_empty() && b.is_empty())
            }
            (Dict(a), Dict(b)) => Rc::ptr_eq(a, b),
            (Set(a), Set(b)) | (FrozenSet(a), FrozenSet(b)) => Rc::ptr_eq(a, b),
            (Function(a), Function(b)) => Rc::ptr_eq(a, b),
            (Builtin(a), Builtin(b)) => Rc::ptr_eq(a, b),
            (BoundMethod(a), BoundMethod(b)) => Rc::ptr_eq(a, b),
            (Class(a), Class(b)) => Rc::ptr_eq(a, b),
            (Instance(a), Instance(b)) => Rc::ptr_eq(a, b),
            (Generator(a), Generator(b)) => Rc::ptr_eq(a, b),
            (Module(a), Module(b)) => Rc::ptr_eq(a, b),
            (Range(a), Range(b)) => Rc::ptr_eq(a, b),
            (Iter(a), Iter(b)) => Rc::ptr_eq(a, b),
            (Slice(a), Slice(b)) => Rc::ptr_eq(a, b),
            (DictView(a), DictView(b)) => Rc::ptr_eq(a, b),
            (Future(a), Future(b)) => Rc::ptr_eq(a, b),
            (Handle(a), Handle(b)) => Rc::ptr_eq(a, b),
            (EventLoop(a), EventLoop(b)) => a == b,
            _ => false,
        }
    }
    /// A stable address for `id()` and default reprs.
    pub fn address(&self) -> usize {
        use Value::*;
        match self {
            Str(s) => super::thin::PyStr::as_ptr(s) as usize,
            BigInt(r) => Rc::as_ptr(r) as usize,
            List(r) => Rc::as_ptr(r) as usize,
            Deque(r) => Rc::as_ptr(r) as usize,
            Tuple(r) => super::thin::ThinRc::as_ptr(r) as usize,
            Dict(r) => Rc::as_ptr(r) as usize,
            Set(r) | FrozenSet(r) => Rc::as_ptr(r) as usize,
            Function(r) => Rc::as_ptr(r) as usize,
            Builtin(r) => Rc::as_ptr(r) as usize,
            BoundMethod(r) => Rc::as_ptr(r) as usize,
            Class(r) => Rc::as_ptr(r) as usize,
            Instance(r) => Rc::as_ptr(r) as usize,
            Generator(r) => Rc::as_ptr(r) as usize,
            Module(r) => Rc::as_ptr(r) as usize,
            Range(r) => Rc::as_ptr(r) as usize,
            Iter(r) => Rc::as_ptr(r) as usize,
            Slice(r) => Rc::as_ptr(r) as usize,
            DictView(r) => Rc::as_ptr(r) as usize,
            MappingProxy(r) => Rc::as_ptr(r) as usize + 8,
            Future(r) => Rc::as_ptr(r) as usize,
            Handle(r) => Rc::as_ptr(r) as usize,
            EventLoop(id) => 0x7f00_0000 + *id as usize * 64,
            Int(i) => 0x1000 + (*i as usize).wrapping_mul(32),
            Float(f) => f.to_bits() as usize,
            Bool(b) => 0x900 + b.get() as usize * 32,
            None => 0x800,
            Ellipsis => 0x840,
            NotImplemented => 0x880,
            Undef => 0,
        }
    }
}
