//! Counting the bytes the interpreter holds, for `--max-memory`.
//!
//! [`CountingAllocator`] wraps mimalloc and keeps, per thread, the bytes allocated
//! and not yet freed. The interpreter runs on one thread and its values are `Rc`, so that count is
//! the bytes its values, frames and code hold. Crossing the thread's memory limit does not fail
//! the allocation (Rust would abort); it only trips the step fuel (see `interp::limits`) so that
//! the next step — the next statement, call or iteration — stops the run. Single allocations
//! large enough to matter are checked before they are made ([`would_exceed`]).

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

/// The allocator underneath the count: mimalloc (faster than the system allocator for the
/// interpreter's many small, short-lived blocks).
#[cfg(not(aio_system_alloc))]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The system allocator, for heap profilers that watch `malloc` (`valgrind --tool=dhat`):
/// build with `RUSTFLAGS="--cfg aio_system_alloc"`.
#[cfg(aio_system_alloc)]
static ALLOC: std::alloc::System = std::alloc::System;

thread_local! {
    /// Bytes allocated by this thread and not yet freed (wrapping: frees of other threads'
    /// blocks may take it below zero for a while).
    static USED: Cell<usize> = const { Cell::new(0) };
    /// The count above which the limit trips; `usize::MAX` when there is no limit.
    static LIMIT: Cell<usize> = const { Cell::new(usize::MAX) };
    /// The limit as it was given (`--max-memory`), for the message.
    static GIVEN: Cell<usize> = const { Cell::new(0) };
}

/// mimalloc with a per-thread count of the bytes held.
pub struct CountingAllocator;

#[inline]
fn note_alloc(size: usize) {
    let _ = USED.try_with(|u| {
        let now = u.get().wrapping_add(size);
        u.set(now);
        if (now as isize) > 0 && now > LIMIT.with(Cell::get) {
            crate::interp::limits::trip();
        }
    });
}

#[inline]
fn note_free(size: usize) {
    let _ = USED.try_with(|u| u.set(u.get().wrapping_sub(size)));
}

// SAFETY: every method forwards to mimalloc with the caller's layout unchanged (or refuses a
// block larger than the machine, returning null as an allocator may); the counting
// touches only const-initialised thread-locals without destructors, which never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if too_large(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { ALLOC.alloc(layout) };
        if !p.is_null() {
            note_alloc(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if too_large(layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { ALLOC.alloc_zeroed(layout) };
        if !p.is_null() {
            note_alloc(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { ALLOC.dealloc(ptr, layout) };
        note_free(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if too_large(new_size) {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { ALLOC.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            note_free(layout.size());
            note_alloc(new_size);
        }
        p
    }
}

/// The largest single block the allocator is asked for: the machine's memory and swap (set by
/// [`tune_allocator`]). mimalloc reserves address space without committing it, so a block
/// larger than the machine could ever hold would be handed out and then fill memory as it is
/// touched; refusing it makes the request fail as it does with the system allocator under
/// Linux's overcommit heuristic (`list(range(10**11))` is a MemoryError, not an OOM kill).
static MAX_BLOCK: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(usize::MAX);

#[inline]
fn too_large(size: usize) -> bool {
    size > MAX_BLOCK.load(std::sync::atomic::Ordering::Relaxed)
}

/// MemTotal plus SwapTotal from `/proc/meminfo`, in bytes.
fn machine_memory() -> Option<usize> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib = |key: &str| -> Option<usize> {
        let line = info.lines().find(|l| l.starts_with(key))?;
        line[key.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()
    };
    Some(kib("MemTotal:")?.saturating_add(kib("SwapTotal:").unwrap_or(0)) * 1024)
}

/// Tunes the allocator for a short-lived interpreter process: memory is committed as it is
/// used rather than a whole arena at once (see `.cargo/config.toml`), and freed pages go back
/// to the system at once, so the peak RSS is what the program holds (mimalloc's defaults keep
/// far more resident); blocks larger than the machine's memory are refused.
pub fn tune_allocator() {
    if let Some(n) = machine_memory() {
        MAX_BLOCK.store(n, std::sync::atomic::Ordering::Relaxed);
    }
    use libmimalloc_sys::{mi_option_set, mi_option_t};
    // `mi_option_e` in mimalloc.h (the crate names only some of its options).
    const PURGE_DELAY: mi_option_t = 15;
    // SAFETY: setting an option is thread-safe and applies to later allocations.
    unsafe {
        mi_option_set(PURGE_DELAY, 0);
    }
}

/// Bytes this thread holds now.
pub fn used() -> usize {
    USED.with(Cell::get)
}

/// Sets this thread's limit to `extra` bytes above what it holds now (`None`: no limit).
pub fn set_limit(extra: Option<usize>) {
    let limit = match extra {
        Some(n) => used().saturating_add(n),
        None => usize::MAX,
    };
    LIMIT.with(|l| l.set(limit));
    GIVEN.with(|g| g.set(extra.unwrap_or(0)));
}

/// Runs `f` with the limit lifted, for the interpreter's own bookkeeping that is not the
/// program's memory (the cycle collector's scratch): it must not stop a run near its limit.
pub fn unlimited<T>(f: impl FnOnce() -> T) -> T {
    let limit = LIMIT.with(|l| l.replace(usize::MAX));
    let r = f();
    LIMIT.with(|l| l.set(limit));
    r
}

/// Whether this thread holds more than its limit.
pub fn over_limit() -> bool {
    let u = used();
    (u as isize) > 0 && u > LIMIT.with(Cell::get)
}

/// Whether allocating `bytes` more would take this thread over its limit: checked before the
/// single large allocations a statement can make (`[0] * n`, `'a' * n`, `s.ljust(n)` …), so
/// that one statement cannot take the process far past the limit before the next step.
pub fn would_exceed(bytes: usize) -> bool {
    let limit = LIMIT.with(Cell::get);
    limit != usize::MAX && used().saturating_add(bytes) > limit
}

/// Checks, before allocating `bytes` at once, that the memory limit allows it: otherwise the
/// limit is hit and its carrier exception returned.
pub fn check(bytes: usize) -> Result<(), crate::runtime::value::Exc> {
    if would_exceed(bytes) {
        let given = GIVEN.with(Cell::get);
        return Err(crate::interp::limits::hit_now(
            crate::interp::limits::LimitHit::Memory(given),
        ));
    }
    Ok(())
}
