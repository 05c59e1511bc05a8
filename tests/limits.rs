//! Resource limits (`--max-steps`, `--max-memory`, `--max-tasks`) through the real binary and
//! through the embedding API: a limit ends the run with exit code 1 and
//! `aio: limit reached: --max-… N at line L` on stderr, at the same step every run, and no
//! `except`, `finally` or `__exit__` of the script runs on the way out.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Writes `src` to a fresh file under the target directory and returns its path.
fn script(name: &str, src: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("limits");
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, src).expect("write the script");
    path
}

/// Runs the aio binary on `path` with `args` before it.
fn aio(args: &[&str], path: &PathBuf) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aio"))
        .args(args)
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .expect("run aio")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn last_line(s: &str) -> &str {
    s.lines().last().unwrap_or("")
}

#[test]
fn step_limit_stops_an_endless_loop_at_the_same_line_every_run() {
    let p = script("endless.aio", "x = 0\nwhile True:\n    pass\n");
    let first = aio(&["--max-steps", "1000000"], &p);
    assert_eq!(first.status.code(), Some(1));
    assert_eq!(
        last_line(&stderr(&first)),
        "aio: limit reached: --max-steps 1000000 at line 3"
    );
    assert!(stderr(&first).starts_with("Traceback (most recent call last):\n"));
    let second = aio(&["--max-steps", "1000000"], &p);
    assert_eq!(stderr(&first), stderr(&second));
}

#[test]
fn step_limit_stops_at_the_same_step_every_run() {
    let src = "def f(n):\n    return n + 1\ni = 0\nwhile True:\n    i = f(i)\n    if i % 7 == 0:\n        print(i)\n";
    let p = script("counting.aio", src);
    let runs: Vec<Output> = (0..3).map(|_| aio(&["--max-steps", "5000"], &p)).collect();
    for r in &runs {
        assert_eq!(r.status.code(), Some(1));
        assert_eq!(stdout(r), stdout(&runs[0]));
        assert_eq!(stderr(r), stderr(&runs[0]));
    }
    assert!(
        stdout(&runs[0]).lines().count() > 10,
        "it ran a while first"
    );
}

#[test]
fn a_program_within_its_step_limit_runs_normally() {
    let p = script(
        "small.aio",
        "for i in range(10):\n    pass\nprint('done')\n",
    );
    let o = aio(&["--max-steps", "1000"], &p);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "done\n");
}

#[test]
fn no_handler_catches_a_limit() {
    let src = r#"
class CM:
    def __enter__(self):
        return self
    def __exit__(self, *a):
        print("exit ran")
        return True

def spin():
    try:
        with CM():
            while True:
                pass
    except BaseException:
        print("except BaseException ran")
    except:
        print("bare except ran")
    finally:
        print("finally ran")

def gen():
    try:
        yield 1
        spin()
    finally:
        print("generator finally ran")

print("start")
try:
    for x in gen():
        pass
except BaseException:
    print("outer except ran")
print("after")
"#;
    let p = script("uncatchable.aio", src);
    let o = aio(&["--max-steps", "20000"], &p);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "start\n");
    assert_eq!(
        last_line(&stderr(&o)),
        "aio: limit reached: --max-steps 20000 at line 13"
    );
}

#[test]
fn step_limit_counts_iteration_inside_builtins() {
    let p = script("sum.aio", "print(sum(range(10**15)))\n");
    let o = aio(&["--max-steps", "100000"], &p);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        last_line(&stderr(&o)),
        "aio: limit reached: --max-steps 100000 at line 1"
    );
}

#[test]
fn memory_limit_stops_endless_appending() {
    let p = script("append.aio", "x = []\nwhile True:\n    x.append(1)\n");
    let o = aio(&["--max-memory", "20000000"], &p);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        last_line(&stderr(&o)),
        "aio: limit reached: --max-memory 20000000 at line 3"
    );
}

#[test]
fn memory_limit_refuses_one_huge_allocation_before_making_it() {
    for (name, src) in [
        ("repeat_str.aio", "print(1)\nx = 'a' * 500_000_000\n"),
        ("repeat_list.aio", "print(1)\nx = [0] * 10**8\n"),
        ("range_list.aio", "print(1)\nx = list(range(10**9))\n"),
        ("ljust.aio", "print(1)\nx = 'a'.ljust(10**9)\n"),
        (
            "doubling.aio",
            "print(1)\nx = 'ab'\nwhile True:\n    x = x + x\n",
        ),
    ] {
        let p = script(name, src);
        let o = aio(&["--max-memory", "50000000"], &p);
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert_eq!(stdout(&o), "1\n", "{name}");
        let err = stderr(&o);
        assert!(
            last_line(&err).starts_with("aio: limit reached: --max-memory 50000000 at line"),
            "{name}: {err}"
        );
    }
}

#[test]
fn memory_limit_keeps_peak_rss_under_twice_the_limit() {
    let time = PathBuf::from("/usr/bin/time");
    if !time.exists() {
        eprintln!("skipped: no GNU time to measure peak RSS");
        return;
    }
    let p = script("append_rss.aio", "x = []\nwhile True:\n    x.append(1)\n");
    let o = Command::new(time)
        .args(["-f", "peak-rss-kb %M", env!("CARGO_BIN_EXE_aio")])
        .args(["--max-memory", "30000000"])
        .arg(&p)
        .output()
        .expect("run aio under GNU time");
    let err = stderr(&o);
    let kb: u64 = err
        .lines()
        .find_map(|l| l.strip_prefix("peak-rss-kb "))
        .and_then(|v| v.trim().parse().ok())
        .expect("GNU time reports the peak RSS");
    assert!(err.contains("aio: limit reached: --max-memory 30000000 at line 3"));
    assert!(kb * 1024 <= 2 * 30_000_000, "peak RSS {kb} KiB");
}

#[test]
fn task_limit_stops_endless_task_creation() {
    let src = "import asyncio\nasync def f():\n    await asyncio.sleep(1)\nasync def main():\n    ts = []\n    while True:\n        ts.append(asyncio.create_task(f()))\nasyncio.run(main())\n";
    let p = script("tasks.aio", src);
    let o = aio(&["--max-tasks", "100", "--virtual-time"], &p);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(
        last_line(&err),
        "aio: limit reached: --max-tasks 100 at line 7"
    );
    assert!(!err.contains("never awaited"), "{err}");
}

#[test]
fn finished_tasks_do_not_count_against_the_task_limit() {
    let src = "import asyncio\nasync def f(i):\n    await asyncio.sleep(0)\n    return i\nasync def main():\n    for i in range(1000):\n        await asyncio.create_task(f(i))\n    print('ok')\nasyncio.run(main())\n";
    let p = script("tasks_ok.aio", src);
    let o = aio(&["--max-tasks", "3", "--virtual-time"], &p);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "ok\n");
}

#[test]
fn output_printed_before_a_limit_is_kept() {
    let p = script(
        "printed.aio",
        "for i in range(10):\n    print(i)\nwhile True:\n    pass\n",
    );
    let o = aio(&["--max-steps", "10000"], &p);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
}

/// A writer the test can read back after the run.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_embedding_api_takes_the_same_limits() {
    let out = Shared::default();
    let options = aio::RunOptions {
        virtual_time: true,
        limits: aio::Limits {
            max_steps: Some(1000),
            ..aio::Limits::default()
        },
        ..aio::RunOptions::default()
    };
    let src = "print('hi')\nwhile True:\n    pass\n".to_string();
    let code = aio::run_program_to("<embedded>", src, &options, Box::new(out.clone()));
    assert_eq!(code, 1);
    assert_eq!(String::from_utf8_lossy(&out.0.borrow()), "hi\n");
    // The limit does not outlive its run.
    let out = Shared::default();
    let src = "for i in range(5000):\n    pass\nprint('free')\n".to_string();
    let code = aio::run_program_to(
        "<embedded>",
        src,
        &aio::RunOptions::default(),
        Box::new(out.clone()),
    );
    assert_eq!(code, 0);
    assert_eq!(String::from_utf8_lossy(&out.0.borrow()), "free\n");
}
