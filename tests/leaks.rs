//! Memory that outlives a run: an embedder (or the `run` fuzz target) that starts many
//! interpreters, each on a fresh thread, must not grow by a fixed amount per interpreter.
//!
//! Resident memory is read from `/proc/self/status`, so the test runs on Linux only. The tests
//! of this binary take turns ([`SERIAL`]), so no other test's allocations move the figures.

use std::io::sink;
use std::sync::Mutex;

/// Held by each test while it runs: one measures resident memory, which the others' runs would
/// move.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs before measuring, so allocator arenas and lazily built tables settle.
const WARM_UP: usize = 30;

/// Runs measured.
const RUNS: usize = 300;

/// Growth allowed over the measured runs (under 2 KiB a run; a clean run measures 0–4 KiB in
/// all). Before the fixes [`PROGRAM`] left ~530 KiB per run (the builtin type table leaked per
/// thread, modules and classes kept alive by cycles) and [`DEADLOCK`] ~6.5 KiB.
const ALLOWED_GROWTH_KB: u64 = 512;

/// This process's resident set in KiB.
fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line")
}

/// Runs `src` once on a fresh interpreter thread, as the CLI and the fuzz target do, with a
/// step limit when `max_steps` is given; `code` is the exit code it must end with.
fn run_on_fresh_thread(src: &'static str, max_steps: Option<u64>, code: i32) {
    run_limited(src, max_steps, None, code);
}

/// As [`run_on_fresh_thread`], also with a memory limit when `max_memory` is given.
fn run_limited(src: &'static str, max_steps: Option<u64>, max_memory: Option<usize>, code: i32) {
    let options = aio::RunOptions {
        virtual_time: true,
        limits: aio::Limits {
            max_steps,
            max_memory,
            ..aio::Limits::default()
        },
        ..aio::RunOptions::default()
    };
    let got = aio::with_big_stack(move || {
        aio::run_program_to("<leak>", src.to_string(), &options, Box::new(sink()))
    });
    assert_eq!(got, code, "the exit code of {src}");
}

/// The growth of resident memory, in KiB, over [`RUNS`] runs of `src` after [`WARM_UP`] runs.
fn growth_kb(src: &'static str, max_steps: Option<u64>, code: i32) -> u64 {
    // As the binary runs: freed memory goes back to the system at once.
    aio::memory::tune_allocator();
    for _ in 0..WARM_UP {
        run_on_fresh_thread(src, max_steps, code);
    }
    let before = rss_kb();
    for _ in 0..RUNS {
        run_on_fresh_thread(src, max_steps, code);
    }
    rss_kb().saturating_sub(before)
}

/// A program touching ints, strings, containers, exceptions, tasks, `gather` and a class whose
/// method uses `super()`: functions refer to their module, such a method to its class, and
/// `gather`'s future to itself through its cancel hook, so each of these cycles must be broken
/// when the run ends.
const PROGRAM: &str = r#"
import asyncio
xs = [i * 2 for i in range(50)]
d = {str(i): i for i in xs}
try:
    d["missing"]
except KeyError as e:
    msg = repr(e)
async def job(n):
    await asyncio.sleep(0)
    return n
async def main():
    return sum(await asyncio.gather(*[job(i) for i in range(20)]))
class Base:
    def hello(self):
        return "base"
class Child(Base):
    def hello(self):
        return super().hello() + "+child"
print(asyncio.run(main()), len(d), msg, Child().hello())
"#;

/// A deadlock (found by the `run` fuzz target): the main task awaits a future nobody
/// completes, so the task and the future's wake-up callback hold each other when the loop
/// gives up.
const DEADLOCK: &str = r#"
import asyncio
async def main():
    fut = asyncio.get_running_loop().create_future()
    await fut
asyncio.run(main())
"#;

/// Tasks cut off by the step limit while they wait on each other.
const LIMITED: &str = r#"
import asyncio
async def spin(ev):
    await ev.wait()
async def main():
    ev = asyncio.Event()
    ts = [asyncio.create_task(spin(ev)) for _ in range(10)]
    while True:
        await asyncio.sleep(0)
asyncio.run(main())
"#;

/// A `gather` never awaited (found by the `run` fuzz target): when `asyncio.run` cancels its
/// child, the loop closes before the gathering future hears of it, so the future stays pending
/// with a cancel hook that closes over it.
const UNAWAITED_GATHER: &str = r#"
import asyncio
async def leaf(x):
    await asyncio.sleep(0)
    return x
async def main():
    inner = asyncio.gather(leaf(4))
asyncio.run(main())
"#;

/// Reference cycles a program builds itself, one kind each, every one holding a payload of a
/// few KiB so that a single leaked cycle per run shows: a list that contains itself, two
/// instances that point at each other, a dict that contains itself, a set holding an instance
/// that holds the set, a closure that refers to itself through its cell, a generator whose
/// frame holds the generator, an instance holding its own bound method, an exception whose
/// attribute is itself, a class whose attribute refers back to it, a tuple in a list cycle, an
/// iterator over a list that holds the iterator, a coroutine never awaited in a cycle, a
/// function default that holds the function, and a future whose result is itself.
const CYCLES: &[(&str, &str)] = &[
    ("list", "a = [[0] * 500]\na.append(a)\n"),
    (
        "instances",
        r#"
class Node:
    pass
a = Node()
b = Node()
a.other = b
b.other = a
a.payload = [0] * 500
"#,
    ),
    ("dict", "d = {'payload': [0] * 500}\nd['self'] = d\n"),
    (
        "set",
        r#"
class Box:
    pass
b = Box()
s = {b}
b.s = s
b.payload = [0] * 500
"#,
    ),
    (
        "closure",
        r#"
def outer():
    payload = [0] * 500
    def inner():
        return inner, payload
    return inner
f = outer()
"#,
    ),
    (
        "generator",
        r#"
def gen():
    payload = [0] * 500
    me = yield
    yield me
g = gen()
next(g)
g.send(g)
"#,
    ),
    (
        "bound method",
        r#"
class C:
    def m(self):
        pass
c = C()
c.m2 = c.m
c.payload = [0] * 500
"#,
    ),
    (
        "exception",
        r#"
try:
    raise ValueError([0] * 500)
except ValueError as e:
    err = e
err.me = err
"#,
    ),
    (
        "class",
        r#"
class K:
    payload = [0] * 500
K.me = K
"#,
    ),
    ("tuple", "a = [[0] * 500]\nt = (a, 1)\na.append(t)\n"),
    ("iterator", "a = [[0] * 500]\nit = iter(a)\na.append(it)\n"),
    (
        "coroutine",
        r#"
async def co(box):
    pass
box = [[0] * 500]
box.append(co(box))
"#,
    ),
    (
        "default",
        r#"
box = [[0] * 500]
def f(b=box):
    pass
box.append(f)
"#,
    ),
    (
        "queue_coroutine",
        r#"
import asyncio
q = asyncio.Queue()
box = [[0] * 500]
box.append(q.put(box))
"#,
    ),
    (
        "deque",
        r#"
from collections import deque
box = deque([[0] * 500])
box.append(box)
"#,
    ),
    (
        "future",
        r#"
import asyncio
async def main():
    fut = asyncio.get_running_loop().create_future()
    fut.set_result([fut, [0] * 500])
    return await fut
asyncio.run(main())
"#,
    ),
];

/// Each kind of cycle a program can build is freed by the end of its run.
#[test]
#[cfg(target_os = "linux")]
fn cycles_built_by_programs_are_freed() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for &(name, src) in CYCLES {
        let growth = growth_kb(src, None, 0);
        eprintln!("{name} cycle: RSS grew by {growth} KiB over {RUNS} runs");
        assert!(
            growth <= ALLOWED_GROWTH_KB,
            "{name} cycle: RSS grew by {growth} KiB over {RUNS} interpreter threads, ~{} KiB per run",
            growth / RUNS as u64
        );
    }
}

/// A million cycles built one after another in one run: the collector frees them as the run
/// goes, so the memory the run holds (counted by aio's allocator, not the noisy resident set)
/// stays under a fixed few MiB. Without it the cycles (~150 bytes each) pass any such limit
/// after some tens of thousands and the run stops with "limit reached".
#[test]
fn a_million_cycles_in_one_run_stay_within_a_small_memory_limit() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    const MANY: &str = r#"
class Node:
    pass
for i in range(1000000):
    a = []
    a.append(a)
    if i % 8 == 0:
        n = Node()
        n.me = n
print(i)
"#;
    let options = aio::RunOptions {
        virtual_time: true,
        limits: aio::Limits {
            max_memory: Some(16 << 20),
            ..aio::Limits::default()
        },
        ..aio::RunOptions::default()
    };
    let (code, stats) = aio::with_big_stack(move || {
        let code = aio::run_program_to("<many>", MANY.to_string(), &options, Box::new(sink()));
        (code, aio::runtime::gc::stats())
    });
    assert_eq!(code, 0, "a million cycles in 16 MiB");
    // Freed as the run went, not only at its end.
    assert!(stats.collections > 10, "{stats:?}");
    assert!(stats.cleared > 1_000_000, "{stats:?}");
}

#[test]
#[cfg(target_os = "linux")]
fn interpreters_on_fresh_threads_do_not_leak() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    for (name, src, steps, code) in [
        ("program", PROGRAM, None, 0),
        ("deadlock", DEADLOCK, None, 1),
        ("step limit", LIMITED, Some(5_000), 1),
        ("unawaited gather", UNAWAITED_GATHER, None, 0),
    ] {
        let growth = growth_kb(src, steps, code);
        eprintln!("{name}: RSS grew by {growth} KiB over {RUNS} runs");
        assert!(
            growth <= ALLOWED_GROWTH_KB,
            "{name}: RSS grew by {growth} KiB over {RUNS} interpreter threads, ~{} KiB per run",
            growth / RUNS as u64
        );
    }
}
