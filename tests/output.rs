//! No lost output: what a program printed is on stdout however aio exits — normally, by an
//! uncaught exception, a deadlock report, a limit, `SystemExit`, SIGINT — and a reader that
//! closes the pipe early (`aio script | head -1`) ends the run quietly.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn script(name: &str, src: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("output");
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, src).expect("write the script");
    path
}

fn aio() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aio"));
    c.stdin(Stdio::null());
    c
}

const TEN: &str = "for i in range(10):\n    print('line', i)\n";

fn ten_lines() -> String {
    (0..10).map(|i| format!("line {i}\n")).collect()
}

#[test]
fn every_exit_keeps_what_was_printed() {
    for (name, tail, code, last_err) in [
        ("normal.py", "", 0, ""),
        ("uncaught.py", "raise ValueError('boom')\n", 1, "ValueError: boom"),
        ("system_exit.py", "raise SystemExit(3)\n", 3, ""),
        (
            "deadlock.py",
            "import asyncio\nasync def main():\n    await asyncio.Event().wait()\nasyncio.run(main())\n",
            1,
            "aio: deadlock: no task can make progress",
        ),
    ] {
        let p = script(name, &format!("{TEN}{tail}"));
        let o = aio().arg(&p).output().expect("run aio");
        assert_eq!(o.status.code(), Some(code), "{name}");
        assert_eq!(String::from_utf8_lossy(&o.stdout), ten_lines(), "{name}");
        let err = String::from_utf8_lossy(&o.stderr);
        // The deadlock report starts with its heading; the others end with their last line.
        let shown = if name == "deadlock.py" {
            err.lines().next()
        } else {
            err.lines().last()
        };
        assert_eq!(shown.unwrap_or(""), last_err, "{name}");
    }
    let p = script("limit.py", &format!("{TEN}while True:\n    pass\n"));
    let o = aio()
        .args(["--max-steps", "5000"])
        .arg(&p)
        .output()
        .expect("run aio");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stdout), ten_lines());
}

/// Starts aio on `src` with stdout piped, reads `lines` lines, then closes the pipe.
fn read_then_close(name: &str, src: &str, lines: usize) -> (Option<i32>, String) {
    let p = script(name, src);
    let mut child = aio()
        .arg(&p)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start aio");
    {
        let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
        for _ in 0..lines {
            let mut line = String::new();
            out.read_line(&mut line).expect("read a line");
            assert!(!line.is_empty(), "{name}: output ended early");
        }
    }
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut err)
        .expect("read stderr");
    let status = child.wait().expect("wait for aio");
    (status.code(), err)
}

#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let (code, err) = read_then_close("many.py", "for i in range(100000):\n    print(i)\n", 1);
    assert_eq!(err, "");
    assert_eq!(code, Some(1));
    // A program that would print forever stops too.
    let (code, err) = read_then_close("forever.py", "while True:\n    print('y')\n", 1);
    assert_eq!(err, "");
    assert_eq!(code, Some(1));
}

#[test]
fn sigint_flushes_and_shows_keyboard_interrupt() {
    let p = script(
        "sigint.py",
        "import time\nfor i in range(5):\n    print(i)\ntime.sleep(30)\nprint('not reached')\n",
    );
    let mut child = aio()
        .arg(&p)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start aio");
    let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut seen = String::new();
    for _ in 0..5 {
        out.read_line(&mut seen).expect("read a line");
    }
    assert_eq!(seen, "0\n1\n2\n3\n4\n");
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("send SIGINT");
    assert!(killed.success());
    let mut rest = String::new();
    out.read_to_string(&mut rest).expect("read the rest");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut err)
        .expect("read stderr");
    let status = child.wait().expect("wait for aio");
    assert_eq!(rest, "");
    assert_eq!(err.lines().last(), Some("KeyboardInterrupt"), "{err}");
    assert_eq!(status.code(), Some(130));
}

#[test]
fn only_builtin_modules_import() {
    for (src, last) in [
        ("import os\n", "ModuleNotFoundError: No module named 'os'"),
        (
            "import os.path\n",
            "ModuleNotFoundError: No module named 'os'",
        ),
        (
            "from subprocess import run\n",
            "ModuleNotFoundError: No module named 'subprocess'",
        ),
        (
            "import socket\n",
            "ModuleNotFoundError: No module named 'socket'",
        ),
        (
            "open('/etc/passwd')\n",
            "NotImplementedError: aio does not support the built-in 'open'",
        ),
        (
            "__import__('os')\n",
            "NameError: name '__import__' is not defined",
        ),
    ] {
        let o = aio().args(["-c", src]).output().expect("run aio");
        assert_eq!(o.status.code(), Some(1), "{src}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(err.lines().last(), Some(last), "{src}");
    }
    let o = aio()
        .args(["-c", "import asyncio, time, math\nprint('ok')\n"])
        .output()
        .expect("run aio");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "ok\n");
}
