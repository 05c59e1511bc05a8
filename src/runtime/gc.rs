//! The cycle collector: frees reference cycles the program builds (`a.append(a)`, two objects
//! pointing at each other, a closure or generator that refers to itself), which reference
//! counting alone never frees. It works as CPython's `gc` does, by trial deletion.
//!
//! **Tracking.** Every object that can hold references and so take part in a cycle — lists,
//! dicts, sets, instances (exceptions too), classes, functions and their closure cells, bound
//! methods, generators and coroutines (their suspended frames), native iterators, futures and
//! tasks, handles, and the immutable tuples, slices, views and bound builtins that hold such
//! objects — is registered by its construction funnel (`track`, `tracked`) in a thread-local
//! registry of `Weak`s. Tuples, slices and bound builtins that hold only atoms (numbers,
//! strings) are not registered: immutable, they can never come to be in a cycle. Modules, code
//! and the builtin types are not tracked: what they hold counts as external.
//!
//! **The registry stays small.** A `Weak` keeps its object's `Rc` box allocated (not its
//! contents), so dead entries are dropped promptly: each registration drops the dead among the
//! last two entries (a loop's temporaries, whose boxes the allocator then reuses at once), and
//! every [`YOUNG_BATCH`] registrations the young entries are pruned and become old. A
//! collection is due when the registry has doubled since the last collection's survivors (at
//! least [`FLOOR`] entries), so the work per registration is amortized O(1), and a program
//! that builds no cycles pays the registration, the pruning and, as its tracked objects grow,
//! about two traversals of each.
//!
//! **Collection** ([`collect`]). For every tracked live object, `gc_refs` starts at its
//! `Rc::strong_count`; each reference from one tracked object to another subtracts one (a
//! `traverse` per kind visits exactly the strong `Rc`s the object holds: never a `Weak`, never
//! an edge that holds no count). What is left is the number of references from outside the
//! tracked objects — Rust locals, the interpreter's module table, frames running on the Rust
//! stack, untracked objects — so objects with `gc_refs > 0` are reachable, and so is everything
//! reachable from them. The rest is garbage: its finalizers run as CPython's would (an async
//! generator dropped unfinished is handed to the loop for `aclose()`, a failed future's
//! "exception was never retrieved" is reported, after which reachability is computed again,
//! since those keep objects alive), then each garbage object's contents are taken out (the
//! list's items, the dict's entries, the instance's attributes, the generator's frame…) and
//! dropped outside any borrow through [`super::drop::release`], which breaks the cycles.
//!
//! **When.** A collection never starts inside an arbitrary allocation: the registration that
//! makes one due only sets a flag and trips the step counter ([`crate::interp::limits`]), so the
//! collection runs at the next step — between statements, calls or iterator items — where the
//! interpreter holds few borrows; and once more at the end of a run
//! ([`crate::interp::Interp::teardown`]).
//!
//! **Why that is safe (the invariant).** Every strong count of a live object is held either by
//! a field of a tracked object that `traverse` visits, or by something the collector does not
//! see (a Rust local, a running frame, a thread-local, an untracked object), which counts as
//! external. Rust code can only reach an object through a chain of strong references that
//! starts at something external, so every object Rust code can reach has `gc_refs > 0` or is
//! reachable from one that has, and is never garbage. An object whose `RefCell` cannot be
//! borrowed when the collector looks (Rust code is mutating it) is not traversed in either pass:
//! its children keep its references as external ones and stay alive; a garbage object that
//! cannot be mutably borrowed is not cleared (it is tried again next time). The collector runs
//! no Python code, and nothing runs between its passes, so the counts it reads are consistent.
//! Only `RefCell` contents are ever cleared, so an immutable object (a tuple) is never emptied;
//! every cycle passes through a mutable object, whose clearing breaks it.
//!
//! The collector's scratch memory (an index of the tracked objects and their counts) does not
//! count against `--max-memory`: it is not the program's, and a run near its limit must not
//! stop because a collection happened to run.

use super::attrs::Attrs;
use super::dict::Dict;
use super::set::Set;
use super::thin::{ThinRc, ThinWeak};
use super::value::{
    BoundMethod, BuiltinFn, Class, DictView, Exc, Function, Instance, NativeIter, Value,
};
use crate::asyncio::event_loop::{Callback, Handle};
use crate::asyncio::future::{DoneCallback, FutState, Future, Waits};
use crate::interp::frame::{BlockKind, Completion, Frame, TryPhase};
use crate::interp::generator::{GenState, Generator};
use crate::runtime::deque::Deque;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

/// Registrations between two prunings of the young list.
pub const YOUNG_BATCH: usize = 4096;

/// The fewest old entries at which a collection becomes due.
pub const FLOOR: usize = 10_000;

/// A registered object, held weakly.
pub(crate) enum Tracked {
    List(Weak<RefCell<Vec<Value>>>),
    Deque(Weak<RefCell<Deque>>),
    Tuple(ThinWeak<Value>),
    Dict(Weak<RefCell<Dict>>),
    Set(Weak<RefCell<Set>>),
    Instance(Weak<Instance>),
    Class(Weak<Class>),
    Function(Weak<Function>),
    Cell(Weak<RefCell<Value>>),
    Method(Weak<BoundMethod>),
    Builtin(Weak<BuiltinFn>),
    Generator(Weak<Generator>),
    Iter(Weak<RefCell<NativeIter>>),
    View(Weak<DictView>),
    Slice(Weak<(Value, Value, Value)>),
    Future(Weak<Future>),
    Handle(Weak<Handle>),
}

/// A registered object, held strongly while the collector looks at it.
enum Obj {
    List(Rc<RefCell<Vec<Value>>>),
    Deque(Rc<RefCell<Deque>>),
    Tuple(ThinRc<Value>),
    Dict(Rc<RefCell<Dict>>),
    Set(Rc<RefCell<Set>>),
    Instance(Rc<Instance>),
    Class(Rc<Class>),
    Function(Rc<Function>),
    Cell(Rc<RefCell<Value>>),
    Method(Rc<BoundMethod>),
    Builtin(Rc<BuiltinFn>),
    Generator(Rc<Generator>),
    Iter(Rc<RefCell<NativeIter>>),
    View(Rc<DictView>),
    Slice(Rc<(Value, Value, Value)>),
    Future(Rc<Future>),
    Handle(Rc<Handle>),
}

/// The identity of an object: the address of its value inside its `Rc` box (what both
/// `Rc::as_ptr` and `Weak::as_ptr` give).
#[inline]
fn addr<T: ?Sized>(p: *const T) -> usize {
    p as *const () as usize
}

macro_rules! each_kind {
    ($x:expr, $p:pat => $e:expr, $Ty:ident) => {
        match $x {
            $Ty::List($p) => $e,
            $Ty::Deque($p) => $e,
            $Ty::Tuple($p) => $e,
            $Ty::Dict($p) => $e,
            $Ty::Set($p) => $e,
            $Ty::Instance($p) => $e,
            $Ty::Class($p) => $e,
            $Ty::Function($p) => $e,
            $Ty::Cell($p) => $e,
            $Ty::Method($p) => $e,
            $Ty::Builtin($p) => $e,
            $Ty::Generator($p) => $e,
            $Ty::Iter($p) => $e,
            $Ty::View($p) => $e,
            $Ty::Slice($p) => $e,
            $Ty::Future($p) => $e,
            $Ty::Handle($p) => $e,
        }
    };
}

impl Tracked {
    fn strong(&self) -> usize {
        each_kind!(self, w => w.strong_count(), Tracked)
    }
    fn alive(&self) -> bool {
        self.strong() > 0
    }
    fn upgrade(&self) -> Option<Obj> {
        Some(match self {
            Tracked::List(w) => Obj::List(w.upgrade()?),
            Tracked::Deque(w) => Obj::Deque(w.upgrade()?),
            Tracked::Tuple(w) => Obj::Tuple(w.upgrade()?),
            Tracked::Dict(w) => Obj::Dict(w.upgrade()?),
            Tracked::Set(w) => Obj::Set(w.upgrade()?),
            Tracked::Instance(w) => Obj::Instance(w.upgrade()?),
            Tracked::Class(w) => Obj::Class(w.upgrade()?),
            Tracked::Function(w) => Obj::Function(w.upgrade()?),
            Tracked::Cell(w) => Obj::Cell(w.upgrade()?),
            Tracked::Method(w) => Obj::Method(w.upgrade()?),
            Tracked::Builtin(w) => Obj::Builtin(w.upgrade()?),
            Tracked::Generator(w) => Obj::Generator(w.upgrade()?),
            Tracked::Iter(w) => Obj::Iter(w.upgrade()?),
            Tracked::View(w) => Obj::View(w.upgrade()?),
            Tracked::Slice(w) => Obj::Slice(w.upgrade()?),
            Tracked::Future(w) => Obj::Future(w.upgrade()?),
            Tracked::Handle(w) => Obj::Handle(w.upgrade()?),
        })
    }
}

/// Converts between entries and their packed form in the registry: a kind number and the
/// `Weak`'s raw pointer (8 + 1 bytes instead of the enum's 16).
macro_rules! raw_kinds {
    ($($n:literal => $K:ident($T:ty)),* $(,)?) => {
        impl Tracked {
            /// The entry's kind and raw pointer; its weak count goes with the pointer.
            fn into_raw(self) -> (u8, *const ()) {
                match self {
                    Tracked::Tuple(w) => (TUPLE_KIND, w.into_raw()),
                    $(Tracked::$K(w) => ($n, Weak::into_raw(w) as *const ()),)*
                }
            }

            /// The entry `into_raw` packed.
            ///
            /// # Safety
            /// `(kind, p)` comes from `into_raw`, and is taken back once.
            unsafe fn from_raw(kind: u8, p: *const ()) -> Tracked {
                // SAFETY: as the caller promises, `p` is the raw pointer of a `Weak` of the
                // type its kind names.
                unsafe {
                    match kind {
                        TUPLE_KIND => Tracked::Tuple(ThinWeak::from_raw(p)),
                        $($n => Tracked::$K(Weak::from_raw(p as *const $T)),)*
                        _ => unreachable!("a registry kind is one into_raw gives"),
                    }
                }
            }
        }
    };
}

/// The packed kind of tuple entries (the others are numbered by `raw_kinds!`).
const TUPLE_KIND: u8 = 0;

raw_kinds! {
    1 => List(RefCell<Vec<Value>>),
    2 => Dict(RefCell<Dict>),
    3 => Set(RefCell<Set>),
    4 => Instance(Instance),
    5 => Class(Class),
    6 => Function(Function),
    7 => Cell(RefCell<Value>),
    8 => Method(BoundMethod),
    9 => Builtin(BuiltinFn),
    10 => Generator(Generator),
    11 => Iter(RefCell<NativeIter>),
    12 => View(DictView),
    13 => Slice((Value, Value, Value)),
    14 => Future(Future),
    15 => Handle(Handle),
    16 => Deque(RefCell<Deque>),
}

/// The registry's entries, packed: each entry's raw pointer and kind in two vectors (a
/// program with many live tasks or generators has as many entries, at 9 bytes each).
struct Entries {
    ptrs: Vec<*const ()>,
    kinds: Vec<u8>,
}

impl Entries {
    const fn new() -> Entries {
        Entries {
            ptrs: Vec::new(),
            kinds: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.ptrs.len()
    }

    fn push(&mut self, t: Tracked) {
        let (k, p) = t.into_raw();
        self.ptrs.push(p);
        self.kinds.push(k);
    }

    /// Whether entry `i`'s object is still alive.
    #[inline]
    fn alive(&self, i: usize) -> bool {
        self.view(i).alive()
    }

    /// Drops entry `i`; the last takes its place.
    fn swap_remove(&mut self, i: usize) {
        let (k, p) = (self.kinds.swap_remove(i), self.ptrs.swap_remove(i));
        // SAFETY: the entry, taken out of the vectors, is given back once.
        drop(unsafe { Tracked::from_raw(k, p) });
    }

    fn swap(&mut self, a: usize, b: usize) {
        self.ptrs.swap(a, b);
        self.kinds.swap(a, b);
    }

    /// The identity of entry `i`'s object: the address `addr` gives for its `Rc` (`Weak::into_raw`
    /// and `ThinWeak::into_raw` give the address `Rc::as_ptr` and `ThinRc::as_ptr` do).
    #[inline]
    fn addr(&self, i: usize) -> usize {
        self.ptrs[i] as usize
    }

    /// Entry `i`, borrowed (never to be dropped).
    #[inline]
    fn view(&self, i: usize) -> std::mem::ManuallyDrop<Tracked> {
        // SAFETY: the entry is borrowed, not taken: the handle is never dropped.
        std::mem::ManuallyDrop::new(unsafe { Tracked::from_raw(self.kinds[i], self.ptrs[i]) })
    }

    /// Keeps the entries `keep` is true of (given each one's index), in order.
    fn retain(&mut self, keep: impl FnMut(&Entries, usize) -> bool) {
        self.retain_from(0, keep);
    }

    /// `retain` on the entries from `start` on (those before stay as they are).
    fn retain_from(&mut self, start: usize, mut keep: impl FnMut(&Entries, usize) -> bool) {
        let mut to = start;
        for i in start..self.len() {
            if keep(self, i) {
                self.swap(to, i);
                to += 1;
            }
        }
        self.truncate(to);
    }

    /// Drops the entries from `n` on.
    fn truncate(&mut self, n: usize) {
        while self.len() > n {
            self.swap_remove(self.len() - 1);
        }
    }

    /// Moves the entries of `other` to the end of these.
    fn append(&mut self, other: &mut Entries) {
        self.ptrs.append(&mut other.ptrs);
        self.kinds.append(&mut other.kinds);
    }
}

impl Drop for Entries {
    fn drop(&mut self) {
        self.truncate(0);
    }
}

/// The objects the collector can track, each with its entry in the registry.
pub(crate) trait Track {
    /// The registry entry for `rc`.
    fn entry(rc: &Rc<Self>) -> Tracked;
}

macro_rules! trackable {
    ($($T:ty => $K:ident),* $(,)?) => {$(
        impl Track for $T {
            #[inline]
            fn entry(rc: &Rc<Self>) -> Tracked {
                Tracked::$K(Rc::downgrade(rc))
            }
        }
    )*};
}

/// Registers a tuple (one that may hold a cycle).
#[inline]
fn track_tuple(t: &ThinRc<Value>) {
    register(Tracked::Tuple(ThinRc::downgrade(t)));
}

trackable! {
    RefCell<Vec<Value>> => List,
    RefCell<Deque> => Deque,
    RefCell<Dict> => Dict,
    RefCell<Set> => Set,
    Instance => Instance,
    Class => Class,
    Function => Function,
    RefCell<Value> => Cell,
    BoundMethod => Method,
    BuiltinFn => Builtin,
    Generator => Generator,
    RefCell<NativeIter> => Iter,
    DictView => View,
    (Value, Value, Value) => Slice,
    Future => Future,
    Handle => Handle,
}

/// The registry: the entries that survived the last pruning, then the young ones since.
struct Registry {
    entries: Entries,
    /// Where the young entries start.
    young_from: usize,
    /// The number of entries at which a collection becomes due.
    threshold: usize,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = const {
        RefCell::new(Registry { entries: Entries::new(), young_from: 0, threshold: FLOOR })
    };
    /// A collection is due at the next step.
    static DUE: Cell<bool> = const { Cell::new(false) };
    /// A collection is running (a drop it causes must not start another).
    static COLLECTING: Cell<bool> = const { Cell::new(false) };
    /// Collections run and objects cleared on this thread so far.
    static STATS: Cell<Stats> = const { Cell::new(Stats { collections: 0, cleared: 0 }) };
}

/// What the collector has done on this thread so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Collections run.
    pub collections: u64,
    /// Objects cleared (found unreachable and emptied).
    pub cleared: u64,
}

/// What the collector has done on this thread so far.
pub fn stats() -> Stats {
    STATS.try_with(Cell::get).unwrap_or_default()
}

/// Registers a new object with the collector. Called once by each construction funnel.
#[inline]
pub(crate) fn track<T: Track + ?Sized>(rc: &Rc<T>) {
    register(T::entry(rc));
}

#[inline(never)]
fn register(entry: Tracked) {
    let _ = REGISTRY.try_with(move |r| {
        if let Ok(mut r) = r.try_borrow_mut() {
            r.forget_recent_dead();
            r.entries.push(entry);
            if r.entries.len() - r.young_from >= YOUNG_BATCH {
                r.promote();
            }
        }
    });
}

/// A new closure cell holding `v`, registered (out of line: cells are rare, calls are not).
#[inline(never)]
pub(crate) fn new_cell(v: Value) -> Rc<RefCell<Value>> {
    let cell = Rc::new(RefCell::new(v));
    track(&cell);
    cell
}

/// Registers the object a new value points to, when it is one that can be in a cycle, and
/// gives the value back (for construction funnels that build a `Value`).
#[inline]
pub(crate) fn tracked(v: Value) -> Value {
    match &v {
        Value::List(r) => track(r),
        Value::Deque(r) => track(r),
        Value::Tuple(r) if r.iter().any(|x| may_hold_cycle(x, 2)) => track_tuple(r),
        Value::Dict(r) => track(r),
        Value::Set(r) | Value::FrozenSet(r) => track(r),
        Value::Function(r) => track(r),
        Value::Builtin(r) if r.bound.as_ref().is_some_and(|b| may_hold_cycle(b, 2)) => track(r),
        Value::BoundMethod(r) => track(r),
        Value::Class(r) => track(r),
        Value::Instance(r) => track(r),
        Value::Generator(r) => track(r),
        Value::Iter(r) => {
            let atomic = matches!(
                *r.borrow(),
                NativeIter::Range { .. }
                    | NativeIter::Str(..)
                    | NativeIter::YieldOnce(_)
                    | NativeIter::Done
            );
            if !atomic {
                track(r)
            }
        }
        Value::Slice(r) if [&r.0, &r.1, &r.2].iter().any(|x| may_hold_cycle(x, 2)) => track(r),
        Value::DictView(r) => track(r),
        Value::Future(r) => track(r),
        Value::Handle(r) => track(r),
        _ => {}
    }
    v
}

/// Whether `v` may (now or later) reach a tracked object. Atoms never do; a tuple does when an
/// item does, looked at `depth` levels down (deeper nesting is assumed to).
fn may_hold_cycle(v: &Value, depth: u32) -> bool {
    match v {
        Value::None
        | Value::Undef
        | Value::Bool(_)
        | Value::Int(_)
        | Value::BigInt(_)
        | Value::Float(_)
        | Value::Str(_)
        | Value::Range(_)
        | Value::Ellipsis
        | Value::NotImplemented
        | Value::EventLoop(_) => false,
        Value::Builtin(b) => b.bound.is_some(),
        Value::Tuple(t) => depth == 0 || t.iter().any(|x| may_hold_cycle(x, depth - 1)),
        _ => true,
    }
}

/// How many of the latest entries each registration looks at (see
/// [`Registry::forget_recent_dead`]).
const RECENT: usize = 2;

impl Registry {
    /// Drops the dead among the last few entries. Most objects die young, often before the
    /// next few objects are made (the temporaries of a loop's iteration): their `Rc` boxes,
    /// which the entries' `Weak`s keep allocated, go back to the allocator at once, to be
    /// reused by the next objects, instead of piling up until the next pruning.
    #[inline]
    fn forget_recent_dead(&mut self) {
        let len = self.entries.len();
        let low = self.young_from.max(len.saturating_sub(RECENT));
        for i in (low..len).rev() {
            if !self.entries.alive(i) {
                self.entries.swap_remove(i);
            }
        }
    }

    /// Drops the young entries that are dead (freeing the `Rc` boxes their `Weak`s kept) and
    /// makes the rest old; asks for a collection at the next step when there are enough.
    #[cold]
    fn promote(&mut self) {
        self.entries.retain_from(self.young_from, Entries::alive);
        let keep = self.entries.len();
        self.young_from = keep;
        if keep >= self.threshold {
            DUE.with(|d| d.set(true));
            crate::interp::limits::trip();
        }
    }
}

/// Whether a collection is due (checked by the step counter's slow path).
#[inline]
pub fn due() -> bool {
    DUE.try_with(Cell::get).unwrap_or(false)
}

/// Runs a collection now: finds the tracked objects no longer reachable from outside and breaks
/// their cycles. Returns how many objects it cleared. Safe at any point where no Python code is
/// half-way through changing the interpreter's own state (see the module docs); a collection
/// asked for while one runs does nothing.
pub fn collect() -> usize {
    if COLLECTING.try_with(|c| c.replace(true)).unwrap_or(true) {
        return 0;
    }
    DUE.with(|d| d.set(false));
    let cleared = crate::memory::unlimited(|| {
        // Taken out, so that registrations while the collector works (none are expected: it
        // runs no Python code) go to an empty registry and are merged back afterwards.
        let mut entries = REGISTRY.with(|r| {
            let mut r = r.borrow_mut();
            r.young_from = 0;
            std::mem::replace(&mut r.entries, Entries::new())
        });
        entries.retain(Entries::alive);
        let mut cleared = 0;
        // Finalizers may keep objects alive (a report holds the exception it reports): after
        // they ran, reachability is computed again. Each round disarms every finalizer among
        // the garbage it found, so the second round finds none.
        for _ in 0..3 {
            let garbage = find_garbage(&mut entries);
            if garbage.is_empty() {
                break;
            }
            if finalize(&entries, &garbage) {
                continue;
            }
            cleared = clear(&entries, &garbage);
            break;
        }
        if cleared > 0 {
            entries.retain(Entries::alive);
        }
        REGISTRY.with(|r| {
            let mut r = r.borrow_mut();
            let mut newer = std::mem::replace(&mut r.entries, entries);
            r.threshold = FLOOR.max(2 * r.entries.len());
            r.young_from = r.entries.len();
            r.entries.append(&mut newer);
        });
        cleared
    });
    COLLECTING.with(|c| c.set(false));
    STATS.with(|s| {
        let mut now = s.get();
        now.collections += 1;
        now.cleared += cleared as u64;
        s.set(now);
    });
    cleared
}

/// The indices (into `entries`) of the objects no longer reachable from outside the tracked
/// objects.
fn find_garbage(entries: &mut Entries) -> Vec<usize> {
    let mut index = AddrIndex::with_capacity(entries.len());
    let mut twice = false;
    for i in 0..entries.len() {
        twice |= !index.insert(entries, i as u32);
    }
    if twice {
        // An object registered twice would be two nodes, one of them looking external: keep
        // one entry each.
        debug_assert!(false, "cycle collector: an object was registered twice");
        let mut seen = std::collections::HashSet::new();
        entries.retain(|e, i| seen.insert(e.addr(i)));
        index = AddrIndex::with_capacity(entries.len());
        for i in 0..entries.len() {
            index.insert(entries, i as u32);
        }
    }
    let n = entries.len();
    // Counts are read before any object is upgraded, so the collector's own temporary
    // references are not among them. The edges between tracked objects found on the way are
    // kept (`edges[start[i]..start[i + 1]]` leave object `i`), so marking needs no second
    // traversal and sees exactly the edges that were subtracted. (Counts beyond `i32` — more
    // references to one object than could fit in memory — would stay reachable.)
    let mut refs: Vec<i32> = (0..n)
        .map(|i| entries.view(i).strong().min(i32::MAX as usize) as i32)
        .collect();
    let mut start: Vec<u32> = Vec::with_capacity(n + 1);
    let mut edges: Vec<u32> = Vec::with_capacity(n);
    for i in 0..n {
        start.push(edges.len() as u32);
        if let Some(o) = entries.view(i).upgrade() {
            o.traverse(&mut |a| {
                if let Some(j) = index.get(entries, a) {
                    refs[j as usize] -= 1;
                    edges.push(j);
                }
            });
        }
    }
    start.push(edges.len() as u32);
    drop(index);
    if refs.iter().any(|&r| r < 0) {
        // A traversal visited an edge that holds no count: collecting now could free live
        // objects, so nothing is collected.
        debug_assert!(
            false,
            "cycle collector: more references visited than counted"
        );
        return Vec::new();
    }
    // From here on `refs[i] > 0` means "reachable".
    let mut stack: Vec<u32> = (0..n as u32).filter(|&i| refs[i as usize] > 0).collect();
    while let Some(i) = stack.pop() {
        let i = i as usize;
        for &j in &edges[start[i] as usize..start[i + 1] as usize] {
            if refs[j as usize] == 0 {
                refs[j as usize] = 1;
                stack.push(j);
            }
        }
    }
    (0..n).filter(|&i| refs[i] == 0).collect()
}

/// A map from the identity of each tracked object to its index in the registry's entries,
/// an open-addressing table with linear probing that holds only the indices (4 bytes a slot:
/// the collector's scratch memory grows with the number of tracked objects) and compares
/// identities through the entries. The collector looks one up for every reference it follows,
/// so it is kept simpler and cheaper than a general hash map.
struct AddrIndex {
    /// Entry indices; [`AddrIndex::FREE`] marks a free slot.
    slots: Vec<u32>,
    /// `64 - log2(capacity)`: the hash keeps the top bits.
    shift: u32,
}

impl AddrIndex {
    const FREE: u32 = u32::MAX;

    fn with_capacity(n: usize) -> AddrIndex {
        // At most two-thirds full.
        let cap = (n + n / 2 + 1).next_power_of_two().max(16);
        AddrIndex {
            slots: vec![Self::FREE; cap],
            shift: u64::BITS - cap.trailing_zeros(),
        }
    }

    #[inline]
    fn slot(&self, key: usize) -> usize {
        // Fibonacci hashing of the address without its alignment bits.
        (((key as u64) >> 3).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Adds entry `i` of `entries`; false (and nothing changed) when an entry with its
    /// identity is already there.
    fn insert(&mut self, entries: &Entries, i: u32) -> bool {
        let key = entries.addr(i as usize);
        let mask = self.slots.len() - 1;
        let mut s = self.slot(key);
        loop {
            match self.slots[s] {
                Self::FREE => {
                    self.slots[s] = i;
                    return true;
                }
                j if entries.addr(j as usize) == key => return false,
                _ => s = (s + 1) & mask,
            }
        }
    }

    #[inline]
    fn get(&self, entries: &Entries, key: usize) -> Option<u32> {
        let mask = self.slots.len() - 1;
        let mut s = self.slot(key);
        loop {
            match self.slots[s] {
                Self::FREE => return None,
                j if entries.addr(j as usize) == key => return Some(j),
                _ => s = (s + 1) & mask,
            }
        }
    }
}

/// Runs the finalizers of the garbage objects that have one; whether any ran.
fn finalize(entries: &Entries, garbage: &[usize]) -> bool {
    let mut ran = false;
    for &i in garbage {
        ran |= match entries.view(i).upgrade() {
            Some(Obj::Generator(g)) => g.finalize_unreachable(),
            Some(Obj::Future(f)) => f.report_unretrieved(),
            _ => false,
        };
    }
    ran
}

/// Empties the garbage objects, which breaks their cycles; how many it emptied.
fn clear(entries: &Entries, garbage: &[usize]) -> usize {
    let objs: Vec<Obj> = garbage
        .iter()
        .filter_map(|&i| entries.view(i).upgrade())
        .collect();
    let mut doomed: Vec<Value> = Vec::new();
    let mut rest: Vec<Taken> = Vec::new();
    let mut cleared = 0;
    for o in &objs {
        if o.clear(&mut doomed, &mut rest) {
            cleared += 1;
        }
    }
    super::drop::release(doomed);
    drop(rest);
    // What is left of each object is shallow now; the objects themselves go last.
    drop(objs);
    cleared
}

/// Contents taken out of garbage objects that are not values (held only to be dropped).
#[allow(dead_code)]
enum Taken {
    Frame(GenState),
    Iter(NativeIter),
    Callbacks(crate::asyncio::future::Callbacks),
    State(FutState),
    Waiter(Option<Rc<Future>>),
    Callback(Option<Callback>),
}

/// Calls `f` with the identity of each object `v` refers to that the collector may track.
#[inline]
fn visit_value(v: &Value, f: &mut impl FnMut(usize)) {
    let a = match v {
        Value::List(r) => addr(Rc::as_ptr(r)),
        Value::Deque(r) => addr(Rc::as_ptr(r)),
        Value::Tuple(r) => ThinRc::as_ptr(r) as usize,
        Value::Dict(r) => addr(Rc::as_ptr(r)),
        Value::Set(r) | Value::FrozenSet(r) => addr(Rc::as_ptr(r)),
        Value::Function(r) => addr(Rc::as_ptr(r)),
        Value::Builtin(r) => addr(Rc::as_ptr(r)),
        Value::BoundMethod(r) => addr(Rc::as_ptr(r)),
        Value::Class(r) => addr(Rc::as_ptr(r)),
        Value::Instance(r) => addr(Rc::as_ptr(r)),
        Value::Generator(r) => addr(Rc::as_ptr(r)),
        Value::Iter(r) => addr(Rc::as_ptr(r)),
        Value::Slice(r) => addr(Rc::as_ptr(r)),
        Value::DictView(r) => addr(Rc::as_ptr(r)),
        Value::Future(r) => addr(Rc::as_ptr(r)),
        Value::Handle(r) => addr(Rc::as_ptr(r)),
        _ => return,
    };
    f(a)
}

fn visit_exc(e: &Exc, f: &mut impl FnMut(usize)) {
    f(addr(Rc::as_ptr(&e.0)))
}

/// The references an instance holds: its class, attributes, exception state and wrapped
/// builtin value. (Kept together with [`clear_instance`], the one place that knows an
/// instance's layout.)
/// The references an instance's or function's attributes hold.
fn visit_attrs(a: &Attrs, f: &mut impl FnMut(usize)) {
    match a {
        Attrs::Names(m) => m.values().for_each(|v| visit_value(v, f)),
        Attrs::Dict(d) => f(addr(Rc::as_ptr(d))),
    }
}

fn traverse_instance(i: &Instance, f: &mut impl FnMut(usize)) {
    f(addr(Rc::as_ptr(&i.class)));
    if let Ok(a) = i.attrs.try_borrow() {
        visit_attrs(&a, f);
    }
    if let Some(Ok(x)) = i.exc.as_ref().map(RefCell::try_borrow) {
        x.args.iter().for_each(|v| visit_value(v, f));
        x.cause
            .iter()
            .chain(&x.context)
            .for_each(|e| visit_exc(e, f));
    }
    if let Ok(b) = i.base_value.try_borrow() {
        b.iter().for_each(|v| visit_value(v, f));
    }
}

/// Takes out what an unreachable instance holds (its class stays: it is immutable).
fn clear_instance(i: &Instance, doomed: &mut Vec<Value>) -> bool {
    let mut done = false;
    if let Ok(mut a) = i.attrs.try_borrow_mut() {
        doomed.extend(a.take_values());
        done = true;
    }
    if let Some(Ok(mut x)) = i.exc.as_ref().map(RefCell::try_borrow_mut) {
        doomed.append(&mut x.args);
        let excs = x.cause.take().into_iter().chain(x.context.take());
        doomed.extend(excs.map(|e| Value::Instance(e.0)));
    }
    if let Ok(mut b) = i.base_value.try_borrow_mut() {
        doomed.extend(b.take());
    }
    done
}

/// The references a frame holds: locals, cells, the blocks' iterators, exceptions and exits,
/// what it delegates to, and the exceptions it was handling. (Its module is not tracked.)
fn traverse_frame(fr: &Frame, f: &mut impl FnMut(usize)) {
    fr.slots.iter().for_each(|v| visit_value(v, f));
    fr.cells.iter().for_each(|c| f(addr(Rc::as_ptr(c))));
    for b in &fr.blocks {
        match &b.kind {
            BlockKind::For { iter, .. } => visit_value(iter, f),
            BlockKind::With { exit } => visit_value(exit, f),
            BlockKind::Try { phase, .. } => match phase {
                TryPhase::Handler { exc, .. } => visit_exc(exc, f),
                TryPhase::Finally(Some(Completion::Return(v))) => visit_value(v, f),
                TryPhase::Finally(Some(Completion::Raise(e))) => visit_exc(e, f),
                _ => {}
            },
            BlockKind::Plain | BlockKind::While { .. } => {}
        }
    }
    fr.resume_path.iters().for_each(|v| visit_value(v, f));
    fr.delegate.iter().for_each(|v| visit_value(v, f));
    fr.saved_exc.iter().for_each(|e| visit_exc(e, f));
}

fn traverse_iter(it: &NativeIter, f: &mut impl FnMut(usize)) {
    use NativeIter as N;
    match it {
        N::List(l, _) => f(addr(Rc::as_ptr(l))),
        N::Deque(d, ..) => f(addr(Rc::as_ptr(d))),
        N::Tuple(t, _) => f(ThinRc::as_ptr(t) as usize),
        N::DictKeys(d, ..) | N::DictValues(d, ..) | N::DictItems(d, ..) => f(addr(Rc::as_ptr(d))),
        N::SetKeys(s, ..) => f(addr(Rc::as_ptr(s))),
        N::Values(rest) | N::Snapshot(_, rest) => {
            rest.as_slice().iter().for_each(|v| visit_value(v, f))
        }
        N::Callable(a, b) | N::Filter(a, b) | N::AnextDefault(a, b) => {
            visit_value(a, f);
            visit_value(b, f);
        }
        N::Enumerate(v, _) | N::GetItem(v, _) => visit_value(v, f),
        N::Zip(vs) => vs.iter().for_each(|v| visit_value(v, f)),
        N::Map(g, vs) => {
            visit_value(g, f);
            vs.iter().for_each(|v| visit_value(v, f));
        }
        N::AsyncGenOp(g, op, _) => {
            f(addr(Rc::as_ptr(g)));
            match op {
                crate::runtime::value::AsyncGenOp::Send(v) => visit_value(v, f),
                crate::runtime::value::AsyncGenOp::Throw(e) => visit_exc(e, f),
                crate::runtime::value::AsyncGenOp::Close => {}
            }
        }
        N::CoroWrapper(g) => f(addr(Rc::as_ptr(g))),
        N::FutureAwait(fut) => f(addr(Rc::as_ptr(fut))),
        N::Resolved(v) => visit_value(v, f),
        N::Wait(w) => {
            f(addr(Rc::as_ptr(&w.fut)));
            w.args.iter().for_each(|v| visit_value(v, f));
        }
        N::Str(..) | N::Range { .. } | N::YieldOnce(_) | N::Done => {}
    }
}

fn traverse_future(fut: &Future, f: &mut impl FnMut(usize)) {
    {
        let s = fut.state.borrow();
        match &*s {
            FutState::Pending => {}
            FutState::Finished(v) => visit_value(v, f),
            FutState::Failed(e) => visit_exc(e, f),
            FutState::Cancelled(c) => {
                visit_value(&c.msg, f);
                c.exc.iter().for_each(|e| visit_exc(e, f));
            }
        }
    }
    {
        let cbs = fut.callbacks.borrow();
        for cb in cbs.iter() {
            match cb {
                DoneCallback::Py(v) => visit_value(v, f),
                DoneCallback::Wakeup(t) => f(addr(Rc::as_ptr(t))),
                DoneCallback::StopLoop => {}
            }
        }
    }
    fut.cancel_hook
        .with(|h| h.iter().for_each(|v| visit_value(v, f)));
    // `waits` holds weak references and labels, and a sleep's result.
    {
        let w = fut.waits.borrow();
        if let Some(Waits::Sleep { result, .. }) = w.as_deref() {
            visit_value(result, f);
        }
    }
    if let Some(t) = &fut.task {
        visit_value(&t.coro, f);
        t.visit_pending_cancel(|msg| visit_value(msg, f));
        t.fut_waiter
            .with(|w| w.iter().for_each(|w| f(addr(Rc::as_ptr(w)))));
    }
}

fn traverse_callback(cb: &Callback, f: &mut impl FnMut(usize)) {
    match cb {
        Callback::Py(call) => {
            visit_value(&call.0, f);
            call.1.iter().for_each(|v| visit_value(v, f));
        }
        Callback::Done(call) => {
            visit_value(&call.0, f);
            f(addr(Rc::as_ptr(&call.1)));
        }
        Callback::Step(t, e) => {
            f(addr(Rc::as_ptr(t)));
            e.iter().for_each(|e| visit_exc(e, f));
        }
        Callback::Wakeup(a, b) => {
            f(addr(Rc::as_ptr(a)));
            f(addr(Rc::as_ptr(b)));
        }
        Callback::SleepDone(t) | Callback::WakeSleeper(t, _) => f(addr(Rc::as_ptr(t))),
        Callback::StopLoop => {}
    }
}

impl Obj {
    /// Calls `f` with the identity of every object this one holds a strong reference to that
    /// the collector may track, once per reference. Contents that are mutably borrowed right now
    /// are skipped (their references then count as external).
    fn traverse(&self, f: &mut impl FnMut(usize)) {
        match self {
            Obj::List(l) => {
                if let Ok(l) = l.try_borrow() {
                    l.iter().for_each(|v| visit_value(v, f));
                }
            }
            Obj::Deque(d) => {
                if let Ok(d) = d.try_borrow() {
                    d.items.iter().for_each(|v| visit_value(v, f));
                }
            }
            Obj::Tuple(t) => t.iter().for_each(|v| visit_value(v, f)),
            Obj::Dict(d) => {
                if let Ok(d) = d.try_borrow() {
                    for (k, v) in &d.map {
                        visit_value(&k.0, f);
                        visit_value(v, f);
                    }
                }
            }
            Obj::Set(s) => {
                if let Ok(s) = s.try_borrow() {
                    s.iter().for_each(|k| visit_value(&k.0, f));
                }
            }
            Obj::Instance(i) => traverse_instance(i, f),
            Obj::Class(c) => {
                c.bases
                    .iter()
                    .chain(&c.mro)
                    .for_each(|b| f(addr(Rc::as_ptr(b))));
                if let Ok(d) = c.dict.try_borrow() {
                    d.values().for_each(|v| visit_value(v, f));
                }
                if let Ok(k) = c.ctor.try_borrow() {
                    if let Some(k) = &*k {
                        k.new.iter().chain(&k.init).for_each(|v| visit_value(v, f));
                    }
                }
            }
            Obj::Function(func) => {
                func.defaults.iter().for_each(|v| visit_value(v, f));
                func.kwdefaults
                    .iter()
                    .flatten()
                    .for_each(|v| visit_value(v, f));
                func.closure.iter().for_each(|c| f(addr(Rc::as_ptr(c))));
                if let Ok(d) = func.dict.try_borrow() {
                    visit_attrs(&d, f);
                }
            }
            Obj::Cell(c) => {
                if let Ok(v) = c.try_borrow() {
                    visit_value(&v, f);
                }
            }
            Obj::Method(m) => {
                visit_value(&m.func, f);
                visit_value(&m.this, f);
            }
            Obj::Builtin(b) => b.bound.iter().for_each(|v| visit_value(v, f)),
            Obj::Generator(g) => {
                if let Ok(s) = g.state.try_borrow() {
                    if let GenState::Created(fr) | GenState::Suspended(fr) = &*s {
                        traverse_frame(fr, f);
                    }
                }
                if let Some(start) = &g.native {
                    start.args.iter().for_each(|v| visit_value(v, f));
                    if let Ok(rest) = start.rest.try_borrow() {
                        rest.iter().for_each(|v| visit_value(v, f));
                    }
                }
            }
            Obj::Iter(it) => {
                if let Ok(it) = it.try_borrow() {
                    traverse_iter(&it, f);
                }
            }
            Obj::View(v) => f(addr(Rc::as_ptr(&v.dict))),
            Obj::Slice(s) => {
                visit_value(&s.0, f);
                visit_value(&s.1, f);
                visit_value(&s.2, f);
            }
            Obj::Future(fut) => traverse_future(fut, f),
            Obj::Handle(h) => {
                if let Ok(cb) = h.callback.try_borrow() {
                    cb.iter().for_each(|cb| traverse_callback(cb, f));
                }
            }
        }
    }

    /// Takes out this unreachable object's contents (CPython's `tp_clear`): values into
    /// `doomed`, other parts into `rest`. Immutable objects keep theirs: every cycle also passes
    /// through a mutable one. Whether anything was taken.
    fn clear(&self, doomed: &mut Vec<Value>, rest: &mut Vec<Taken>) -> bool {
        match self {
            Obj::List(l) => match l.try_borrow_mut() {
                Ok(mut l) => {
                    doomed.append(&mut l);
                    true
                }
                Err(_) => false,
            },
            Obj::Deque(d) => match d.try_borrow_mut() {
                Ok(mut d) => {
                    doomed.extend(std::mem::take(&mut d.items));
                    true
                }
                Err(_) => false,
            },
            Obj::Dict(d) => match d.try_borrow_mut() {
                Ok(mut d) => {
                    let map = std::mem::take(&mut d.map);
                    doomed.extend(map.into_iter().flat_map(|(k, v)| [k.0, v]));
                    true
                }
                Err(_) => false,
            },
            Obj::Set(s) => match s.try_borrow_mut() {
                Ok(mut s) => {
                    doomed.append(&mut s.clear());
                    true
                }
                Err(_) => false,
            },
            Obj::Instance(i) => clear_instance(i, doomed),
            Obj::Class(c) => match c.dict.try_borrow_mut() {
                Ok(mut d) => {
                    doomed.extend(std::mem::take(&mut *d).into_values());
                    if let Ok(mut k) = c.ctor.try_borrow_mut() {
                        if let Some(k) = k.take() {
                            doomed.extend(k.new.into_iter().chain(k.init));
                        }
                    }
                    true
                }
                Err(_) => false,
            },
            Obj::Function(func) => match func.dict.try_borrow_mut() {
                Ok(mut d) => {
                    doomed.extend(d.take_values());
                    true
                }
                Err(_) => false,
            },
            Obj::Cell(c) => match c.try_borrow_mut() {
                Ok(mut v) => {
                    doomed.push(std::mem::replace(&mut *v, Value::Undef));
                    true
                }
                Err(_) => false,
            },
            Obj::Generator(g) => match g.clear_unreachable() {
                Some(state) => {
                    rest.push(Taken::Frame(state));
                    true
                }
                None => false,
            },
            Obj::Iter(it) => match it.try_borrow_mut() {
                Ok(mut it) => {
                    rest.push(Taken::Iter(std::mem::replace(&mut *it, NativeIter::Done)));
                    true
                }
                Err(_) => false,
            },
            Obj::Future(fut) => {
                rest.push(Taken::State(std::mem::take(&mut *fut.state.borrow_mut())));
                rest.push(Taken::Callbacks(std::mem::take(
                    &mut *fut.callbacks.borrow_mut(),
                )));
                doomed.extend(fut.cancel_hook.take().map(|v| *v));
                {
                    let mut w = fut.waits.borrow_mut();
                    if let Some(Waits::Sleep { result, .. }) = w.as_deref_mut() {
                        doomed.push(std::mem::take(result));
                    }
                }
                if let Some(t) = &fut.task {
                    doomed.extend(t.take_must_cancel());
                    rest.push(Taken::Waiter(t.fut_waiter.take()));
                }
                true
            }
            Obj::Handle(h) => match h.callback.try_borrow_mut() {
                Ok(mut cb) => {
                    rest.push(Taken::Callback(cb.take()));
                    true
                }
                Err(_) => false,
            },
            Obj::Tuple(_) | Obj::Method(_) | Obj::Builtin(_) | Obj::View(_) | Obj::Slice(_) => {
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_entries_keep_weak_counts_and_kinds() {
        let list = Rc::new(RefCell::new(vec![Value::Int(1)]));
        let tuple = ThinRc::from_vec(vec![Value::Int(2)]);
        let fut = Future::untracked();
        let mut e = Entries::new();
        e.push(RefCell::<Vec<Value>>::entry(&list));
        e.push(Tracked::Tuple(ThinRc::downgrade(&tuple)));
        e.push(Future::entry(&fut));
        assert_eq!(Rc::weak_count(&list), 1);
        assert!((0..3).all(|i| e.alive(i)));
        drop(fut);
        assert!(!e.alive(2));
        e.swap(0, 1);
        e.swap_remove(2);
        assert_eq!(e.len(), 2);
        assert!(matches!(*e.view(0), Tracked::Tuple(_)));
        assert_eq!(e.addr(1), Rc::as_ptr(&list) as *const () as usize);
        let mut more = Entries::new();
        more.push(RefCell::<Vec<Value>>::entry(&list));
        e.append(&mut more);
        assert_eq!(Rc::weak_count(&list), 2);
        e.retain(|_, i| i != 1);
        assert_eq!(Rc::weak_count(&list), 1);
        e.truncate(1);
        assert_eq!(Rc::weak_count(&list), 0);
        drop(e);
        assert_eq!(ThinRc::strong_count(&tuple), 1);
    }
}
