//! Memory that outlives a run: an embedder (or the `run` fuzz target) that starts many
//! interpreters, each on a fresh thread, must not grow by a fixed amount per interpreter.
//!
//! Resident memory is read from `/proc/self/status`, so the test runs on Linux only. It is the
//! only test in this binary, so no other test's allocations move the figures.

use std::io::sink;

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
    let options = aio::RunOptions {
        virtual_time: true,
        limits: aio::Limits {
            max_steps,
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

#[test]
#[cfg(target_os = "linux")]
fn interpreters_on_fresh_threads_do_not_leak() {
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
