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

/// Growth allowed over the measured runs. Before the fixes this program left ~530 KiB per run
/// (the builtin type table leaked per thread, modules and classes kept alive by cycles), so
/// 300 runs grew by over 150 MiB.
const ALLOWED_GROWTH_KB: u64 = 6 * 1024;

/// This process's resident set in KiB.
fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line")
}

/// Runs `src` once on a fresh interpreter thread, as the CLI and the fuzz target do.
fn run_on_fresh_thread(src: &'static str) {
    let options = aio::RunOptions {
        virtual_time: true,
        ..aio::RunOptions::default()
    };
    let code = aio::with_big_stack(move || {
        aio::run_program_to("<leak>", src.to_string(), &options, Box::new(sink()))
    });
    assert_eq!(code, 0, "the program runs cleanly");
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

#[test]
#[cfg(target_os = "linux")]
fn interpreters_on_fresh_threads_do_not_leak() {
    for _ in 0..WARM_UP {
        run_on_fresh_thread(PROGRAM);
    }
    let before = rss_kb();
    for _ in 0..RUNS {
        run_on_fresh_thread(PROGRAM);
    }
    let after = rss_kb();
    let growth = after.saturating_sub(before);
    assert!(
        growth <= ALLOWED_GROWTH_KB,
        "RSS grew by {growth} KiB over {RUNS} interpreter threads ({before} -> {after} KiB), \
         ~{} KiB per run",
        growth / RUNS as u64
    );
}
