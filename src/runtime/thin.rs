//! Reference-counted slices behind one thin pointer, so that a `Value` holding a str or a
//! tuple is two words wide (its results then travel in registers). The counts, the length and
//! a spare word (a str's cached hash) sit in one allocation just before the items.

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// What precedes the items of a [`ThinRc`] allocation.
#[repr(C)]
struct Header {
    /// Strong references.
    strong: Cell<usize>,
    /// Weak references, plus one held by all the strong ones together.
    weak: Cell<usize>,
    /// The number of items.
    len: usize,
    /// A word the owner type keeps for itself (a str's hash, once computed).
    extra: Cell<i64>,
}

/// The spare word's value before the owner sets it.
const UNSET: i64 = -1;

/// The layout of an allocation of `len` items of `T`, and the items' offset in it.
fn layout<T>(len: usize) -> (Layout, usize) {
    let items = Layout::array::<T>(len).expect("slice too large");
    let (l, off) = Layout::new::<Header>()
        .extend(items)
        .expect("slice too large");
    (l.pad_to_align(), off)
}

/// A shared, immutable slice of `T` with a single-pointer handle (`Rc<[T]>` is two words).
pub struct ThinRc<T> {
    ptr: NonNull<Header>,
    _own: PhantomData<T>,
}

/// A weak reference to a [`ThinRc`]'s items (the cycle collector's registry holds these).
pub struct ThinWeak<T> {
    ptr: NonNull<Header>,
    _own: PhantomData<T>,
}

impl<T> ThinRc<T> {
    /// Allocates room for `len` items with counts of one; the caller writes the items.
    fn alloc(len: usize) -> (NonNull<Header>, *mut T) {
        let (l, off) = layout::<T>(len);
        // SAFETY: the layout has a non-zero size (it holds the header).
        let raw = unsafe { alloc(l) };
        let Some(ptr) = NonNull::new(raw as *mut Header) else {
            handle_alloc_error(l)
        };
        // SAFETY: `raw` is a fresh allocation of `l`, which starts with a `Header` and has
        // room for `len` items at `off`.
        unsafe {
            ptr.as_ptr().write(Header {
                strong: Cell::new(1),
                weak: Cell::new(1),
                len,
                extra: Cell::new(UNSET),
            });
            (ptr, raw.add(off) as *mut T)
        }
    }

    /// The items of `v`, moved into a new allocation.
    pub fn from_vec(mut v: Vec<T>) -> ThinRc<T> {
        let (ptr, items) = Self::alloc(v.len());
        // SAFETY: `items` has room for `v.len()` items; they are moved out of `v`, whose
        // length is then zero so it does not drop them.
        unsafe {
            std::ptr::copy_nonoverlapping(v.as_ptr(), items, v.len());
            v.set_len(0);
        }
        ThinRc {
            ptr,
            _own: PhantomData,
        }
    }

    /// Where the items start.
    #[inline]
    fn items(&self) -> *mut T {
        let (_, off) = layout::<T>(0);
        // SAFETY: the items follow the header at `off` in the same allocation.
        unsafe { (self.ptr.as_ptr() as *mut u8).add(off) as *mut T }
    }

    fn header(&self) -> &Header {
        // SAFETY: the header lives while any reference does.
        unsafe { self.ptr.as_ref() }
    }

    /// The address of the allocation, for identity (`is`, the cycle collector).
    pub fn as_ptr(this: &Self) -> *const () {
        this.ptr.as_ptr() as *const ()
    }

    /// Whether two handles share one allocation.
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        a.ptr == b.ptr
    }

    /// The number of strong references.
    pub fn strong_count(this: &Self) -> usize {
        this.header().strong.get()
    }

    /// A weak reference to the same items.
    pub fn downgrade(this: &Self) -> ThinWeak<T> {
        let h = this.header();
        h.weak.set(h.weak.get() + 1);
        ThinWeak {
            ptr: this.ptr,
            _own: PhantomData,
        }
    }

    /// The owner's spare word, or `None` before it was set.
    #[inline]
    pub(crate) fn extra(&self) -> Option<i64> {
        let v = self.header().extra.get();
        (v != UNSET).then_some(v)
    }

    /// Sets the owner's spare word (never to -1, which means unset).
    #[inline]
    pub(crate) fn set_extra(&self, v: i64) {
        self.header().extra.set(v);
    }
}

impl<T: Clone> ThinRc<T> {
    /// Clones of the items of `s` in a new allocation.
    pub fn from_slice(s: &[T]) -> ThinRc<T> {
        let (ptr, items) = Self::alloc(s.len());
        for (i, x) in s.iter().enumerate() {
            // SAFETY: `items` has room for `s.len()` items. A clone that panicked would leak
            // the allocation, never expose it half-written (the handle is made after).
            unsafe { items.add(i).write(x.clone()) };
        }
        ThinRc {
            ptr,
            _own: PhantomData,
        }
    }
}

impl<T> std::ops::Deref for ThinRc<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        // SAFETY: the items were all written when the handle was made and live while it does.
        unsafe { std::slice::from_raw_parts(self.items(), self.header().len) }
    }
}

impl<T> Clone for ThinRc<T> {
    #[inline]
    fn clone(&self) -> Self {
        let h = self.header();
        h.strong.set(h.strong.get() + 1);
        ThinRc {
            ptr: self.ptr,
            _own: PhantomData,
        }
    }
}

/// Frees the allocation at `ptr` once its last weak reference has gone.
///
/// # Safety
/// `ptr` is a live allocation of `T`s whose weak count the caller is giving up one of.
unsafe fn release_weak<T>(ptr: NonNull<Header>) {
    // SAFETY: the caller's reference keeps the header alive until here.
    let h = unsafe { ptr.as_ref() };
    let w = h.weak.get() - 1;
    h.weak.set(w);
    if w == 0 {
        let (l, _) = layout::<T>(h.len);
        // SAFETY: no references are left; the allocation was made with this layout.
        unsafe { dealloc(ptr.as_ptr() as *mut u8, l) };
    }
}

impl<T> Drop for ThinRc<T> {
    #[inline]
    fn drop(&mut self) {
        let h = self.header();
        let s = h.strong.get() - 1;
        h.strong.set(s);
        if s == 0 {
            // SAFETY: this was the last strong reference: the items are dropped once (a weak
            // reference can no longer reach them: `upgrade` sees the zero count). Then the
            // strong references' shared weak count goes.
            unsafe {
                let items = std::ptr::slice_from_raw_parts_mut(self.items(), h.len);
                std::ptr::drop_in_place(items);
                release_weak::<T>(self.ptr);
            }
        }
    }
}

impl<T> ThinWeak<T> {
    /// The number of strong references left.
    pub fn strong_count(&self) -> usize {
        // SAFETY: a weak reference keeps the header alive.
        unsafe { self.ptr.as_ref() }.strong.get()
    }

    /// The address of the allocation (the same as [`ThinRc::as_ptr`] of its strong handles).
    pub fn as_ptr(&self) -> *const () {
        self.ptr.as_ptr() as *const ()
    }

    /// Gives up the handle for its raw pointer, keeping its weak count (see `from_raw`).
    pub(crate) fn into_raw(self) -> *const () {
        let p = self.ptr.as_ptr() as *const ();
        std::mem::forget(self);
        p
    }

    /// The handle `into_raw` gave up.
    ///
    /// # Safety
    /// `p` comes from `into_raw` of a `ThinWeak<T>` of the same `T`, and is taken back once.
    pub(crate) unsafe fn from_raw(p: *const ()) -> ThinWeak<T> {
        ThinWeak {
            // SAFETY: `into_raw` gave a non-null header pointer.
            ptr: unsafe { NonNull::new_unchecked(p as *mut Header) },
            _own: PhantomData,
        }
    }

    /// The items, while a strong reference still holds them.
    pub fn upgrade(&self) -> Option<ThinRc<T>> {
        // SAFETY: a weak reference keeps the header alive.
        let h = unsafe { self.ptr.as_ref() };
        let s = h.strong.get();
        if s == 0 {
            return None;
        }
        h.strong.set(s + 1);
        Some(ThinRc {
            ptr: self.ptr,
            _own: PhantomData,
        })
    }
}

impl<T> Drop for ThinWeak<T> {
    fn drop(&mut self) {
        // SAFETY: this weak reference is given up here, once.
        unsafe { release_weak::<T>(self.ptr) }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for ThinRc<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

/// A Python str's text: UTF-8 behind one thin reference-counted pointer, with its hash kept
/// once computed.
#[derive(Clone)]
pub struct PyStr(ThinRc<u8>);

impl PyStr {
    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        // SAFETY: a `PyStr` is only ever made from a `str`'s bytes.
        unsafe { std::str::from_utf8_unchecked(&self.0) }
    }

    /// The address of the text's allocation, for identity.
    pub fn as_ptr(this: &Self) -> *const () {
        ThinRc::as_ptr(&this.0)
    }

    /// Whether two strs share one allocation.
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        ThinRc::ptr_eq(&a.0, &b.0)
    }

    /// The str's hash as `hash` computes it, computed once and then kept.
    #[inline]
    pub fn hash_with(&self, hash: impl FnOnce(&str) -> i64) -> i64 {
        if let Some(h) = self.0.extra() {
            return h;
        }
        let h = hash(self.as_str());
        // A Python hash is never -1 (it stands for an error); -1 marks an unset one here.
        if h != UNSET {
            self.0.set_extra(h);
        }
        h
    }
}

impl std::ops::Deref for PyStr {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for PyStr {
    fn from(s: &str) -> Self {
        PyStr(ThinRc::from_slice(s.as_bytes()))
    }
}

impl From<String> for PyStr {
    fn from(s: String) -> Self {
        PyStr::from(s.as_str())
    }
}

impl From<std::rc::Rc<str>> for PyStr {
    fn from(s: std::rc::Rc<str>) -> Self {
        PyStr::from(&*s)
    }
}

impl From<&PyStr> for std::rc::Rc<str> {
    fn from(s: &PyStr) -> Self {
        std::rc::Rc::from(s.as_str())
    }
}

impl From<PyStr> for std::rc::Rc<str> {
    fn from(s: PyStr) -> Self {
        std::rc::Rc::from(s.as_str())
    }
}

impl PartialEq for PyStr {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        PyStr::ptr_eq(self, other) || self.as_str() == other.as_str()
    }
}

impl Eq for PyStr {}

impl PartialOrd for PyStr {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PyStr {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::fmt::Debug for PyStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for PyStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn items_are_dropped_once_when_the_last_strong_reference_goes() {
        let probe = Rc::new(());
        let t = ThinRc::from_vec(vec![probe.clone(), probe.clone()]);
        let u = t.clone();
        assert_eq!(Rc::strong_count(&probe), 3);
        let w = ThinRc::downgrade(&t);
        drop(t);
        assert_eq!(Rc::strong_count(&probe), 3);
        assert!(w.upgrade().is_some());
        drop(u);
        assert_eq!(Rc::strong_count(&probe), 1);
        assert!(w.upgrade().is_none());
    }

    #[test]
    fn a_str_keeps_its_text_and_hash() {
        let s = PyStr::from("héllo");
        assert_eq!(&*s, "héllo");
        assert_eq!(s.hash_with(|_| 42), 42);
        assert_eq!(s.hash_with(|_| 7), 42);
        let empty = PyStr::from("");
        assert_eq!(empty.len(), 0);
        assert_eq!(std::mem::size_of::<PyStr>(), 8);
    }

    #[test]
    fn a_value_and_its_result_are_two_words() {
        use crate::runtime::value::{PyResult, Value};
        assert_eq!(std::mem::size_of::<Value>(), 16);
        assert_eq!(std::mem::size_of::<PyResult<Value>>(), 16);
    }
}
