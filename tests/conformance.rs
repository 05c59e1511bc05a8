//! File-driven conformance tests: every program under `tests/cases/`, `tests/syntax/` and
//! `examples/` runs through the real `aio` binary and is compared with its expected files,
//! which come from CPython. When `python3` is on the PATH, each expected file is re-checked
//! against CPython too, so it can never drift. `AIO_BLESS=1` rewrites expected files from
//! python3 (never from aio).
//!
//! Layout of a case `NAME`:
//! - `NAME.aio` — the program;
//! - `NAME.stdout`, `NAME.status` — expected stdout and exit code;
//! - `NAME.stderr` — optional: expected stderr (tracebacks);
//! - in `tests/syntax/`: `NAME.error` — the `line N` and `Class: message` CPython reports.
//!
//! Comparisons strip the repository's absolute path (CPython prints absolute paths) and
//! normalise object addresses (`0x…`). aio runs with `AIO_VIRTUAL_TIME=1`; examples listed in a
//! directory's `NONDETERMINISTIC` file print wall-clock times, which are compared as `HH:MM:SS`.

use libtest_mimic::{Arguments, Failed, Trial};
use regex::Regex;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> Option<&'static str> {
    static PY: OnceLock<Option<String>> = OnceLock::new();
    PY.get_or_init(|| {
        if std::env::var_os("AIO_NO_PYTHON").is_some() {
            return None;
        }
        let out = Command::new("python3")
            .arg("-c")
            .arg("import sys; print(sys.executable)")
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        let exe = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let ver = Command::new(&exe)
            .arg("-c")
            .arg("import sys; print(sys.version_info[:2] == (3, 11))")
            .output()
            .ok()?;
        if String::from_utf8_lossy(&ver.stdout).trim() != "True" {
            return None;
        }
        Some(exe)
    })
    .as_deref()
}

fn normalise(s: &str) -> String {
    static ADDR: OnceLock<Regex> = OnceLock::new();
    let addr = ADDR.get_or_init(|| Regex::new(r"0x[0-9a-fA-F]+").expect("valid regex"));
    let root = format!("{}/", root().display());
    addr.replace_all(&s.replace(&root, ""), "0x…").into_owned()
}

struct Run {
    stdout: String,
    stderr: String,
    status: i32,
}

/// How long one program may run before it counts as hung.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// Whether python3's run agrees with the expected files.
fn check_python(
    r: &Run,
    want_out: &str,
    want_status: i32,
    want_err: Option<&str>,
    nondeterministic: bool,
) -> Result<(), Failed> {
    if !nondeterministic && normalise(&r.stdout) != normalise(want_out) {
        return Err(diff(
            "python3's stdout (the expected file is stale)",
            want_out,
            &r.stdout,
        ));
    }
    if r.status != want_status {
        return Err(format!(
            "python3 exits {} but the expected status is {want_status}",
            r.status
        )
        .into());
    }
    if let Some(w) = want_err {
        if normalise(&r.stderr) != normalise(w) {
            return Err(diff(
                "python3's stderr (the expected file is stale)",
                w,
                &normalise(&r.stderr),
            ));
        }
    }
    Ok(())
}

fn run(cmd: &str, rel: &Path) -> Result<Run, Failed> {
    use std::io::Read;
    use std::process::Stdio;
    // aio runs on the virtual clock, so sleeping programs are fast and exact.
    let mut child = Command::new(cmd)
        .arg(rel)
        .current_dir(root())
        .env("PYTHONHASHSEED", "0")
        .env("AIO_VIRTUAL_TIME", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {cmd}: {e}"))?;
    let mut out_pipe = child.stdout.take().ok_or("no stdout pipe")?;
    let mut err_pipe = child.stderr.take().ok_or("no stderr pipe")?;
    let out_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out_pipe.read_to_end(&mut b);
        b
    });
    let err_reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err_pipe.read_to_end(&mut b);
        b
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(
                format!("{cmd} {} did not finish within {TIMEOUT:?}", rel.display()).into(),
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(Run {
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        status: status.code().unwrap_or(-1),
    })
}

fn read(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok()
}

fn diff(what: &str, expected: &str, actual: &str) -> Failed {
    let mut msg = format!("{what} differs\n--- expected\n{expected}\n--- actual\n{actual}\n");
    for (i, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            msg.push_str(&format!(
                "first difference at line {}:\n  expected: {e:?}\n  actual:   {a:?}\n",
                i + 1
            ));
            break;
        }
    }
    msg.into()
}

/// A program with expected stdout / status / optional stderr.
fn check_program(rel: PathBuf) -> Result<(), Failed> {
    let abs = root().join(&rel);
    let base = abs.with_extension("");
    let exp_out = base.with_extension("stdout");
    let exp_status = base.with_extension("status");
    let exp_err = base.with_extension("stderr");
    let nondeterministic = is_nondeterministic(&base);
    if std::env::var_os("AIO_BLESS").is_some() {
        let py = python().ok_or("AIO_BLESS needs python3 3.11 on the PATH")?;
        let r = run(py, &rel)?;
        // Normalised (the repo's path taken out), as stderr is: a path the program prints
        // must match wherever the repo is checked out.
        std::fs::write(&exp_out, normalise(&r.stdout)).map_err(|e| e.to_string())?;
        std::fs::write(&exp_status, format!("{}\n", r.status)).map_err(|e| e.to_string())?;
        if exp_err.exists() {
            std::fs::write(&exp_err, normalise(&r.stderr)).map_err(|e| e.to_string())?;
        }
        return Ok(());
    }
    let want_out = read(&exp_out).ok_or_else(|| format!("missing {}", exp_out.display()))?;
    let want_status: i32 = read(&exp_status)
        .ok_or_else(|| format!("missing {}", exp_status.display()))?
        .trim()
        .parse()
        .map_err(|_| "bad .status file")?;
    let want_err = read(&exp_err);
    if let Some(py) = python() {
        // CPython sleeps in real time: on a loaded machine timers that are close together can
        // fire late enough to reorder, so a difference is confirmed by two more runs.
        let mut tries = 0;
        loop {
            tries += 1;
            let r = run(py, &rel)?;
            match check_python(
                &r,
                &want_out,
                want_status,
                want_err.as_deref(),
                nondeterministic,
            ) {
                Ok(()) => break,
                Err(e) if tries >= 3 => return Err(e),
                Err(_) => {}
            }
        }
    }
    let r = run(env!("CARGO_BIN_EXE_aio"), &rel)?;
    if nondeterministic {
        let clock = Regex::new(r"\d\d:\d\d:\d\d").expect("valid regex");
        if clock.replace_all(&r.stdout, "HH:MM:SS") != clock.replace_all(&want_out, "HH:MM:SS") {
            return Err(diff("stdout", &want_out, &r.stdout));
        }
    } else if normalise(&r.stdout) != normalise(&want_out) {
        return Err(diff("stdout", &want_out, &r.stdout));
    }
    if let Some(w) = &want_err {
        if normalise(&r.stderr) != normalise(w) {
            return Err(diff("stderr", &normalise(w), &normalise(&r.stderr)));
        }
    }
    if r.status != want_status {
        return Err(format!(
            "exit status {} (expected {want_status})\nstderr:\n{}",
            r.status, r.stderr
        )
        .into());
    }
    Ok(())
}

fn is_nondeterministic(base: &Path) -> bool {
    let Some(dir) = base.parent() else {
        return false;
    };
    let Some(name) = base.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    read(&dir.join("NONDETERMINISTIC")).is_some_and(|s| s.lines().any(|l| l.trim() == name))
}

/// A program that must fail to compile with CPython's class, message and line.
fn check_syntax(rel: PathBuf) -> Result<(), Failed> {
    let abs = root().join(&rel);
    let exp = abs.with_extension("error");
    if std::env::var_os("AIO_BLESS").is_some() {
        let py = python().ok_or("AIO_BLESS needs python3 3.11 on the PATH")?;
        let r = run(py, &rel)?;
        std::fs::write(&exp, python_syntax_error(&r.stderr)).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let want = read(&exp).ok_or_else(|| format!("missing {}", exp.display()))?;
    if let Some(py) = python() {
        let r = run(py, &rel)?;
        let got = python_syntax_error(&r.stderr);
        if got != want {
            return Err(diff(
                "python3's error (the expected file is stale)",
                &want,
                &got,
            ));
        }
    }
    let r = run(env!("CARGO_BIN_EXE_aio"), &rel)?;
    if r.status != 1 {
        return Err(format!(
            "exit status {} (expected 1)\nstderr:\n{}",
            r.status, r.stderr
        )
        .into());
    }
    let mut lines = want.lines();
    let line = lines.next().unwrap_or_default();
    let message = lines.next().unwrap_or_default();
    let last = r
        .stderr
        .trim_end()
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    if last != message {
        return Err(diff("error message", message, &r.stderr));
    }
    if !r.stderr.contains(&format!("\", {line}\n")) {
        return Err(format!("stderr does not point at {line}:\n{}", r.stderr).into());
    }
    if !r.stderr.contains('│') {
        return Err(format!("stderr has no miette snippet:\n{}", r.stderr).into());
    }
    Ok(())
}

/// `line N` and the `Class: message` line of CPython's report.
fn python_syntax_error(stderr: &str) -> String {
    let line = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("File ")
                .and_then(|rest| rest.split(", ").nth(1))
                .map(str::to_string)
        })
        .unwrap_or_default();
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    format!("{line}\n{last}\n")
}

fn pending(dir: &Path) -> Vec<(String, String)> {
    read(&dir.join("PENDING"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            l.split_once(':')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        })
        .collect()
}

fn collect(
    dir: &str,
    kind: &str,
    trials: &mut Vec<Trial>,
    check: fn(PathBuf) -> Result<(), Failed>,
) {
    let d = root().join(dir);
    let Ok(entries) = std::fs::read_dir(&d) else {
        return;
    };
    let pend = pending(&d);
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "aio"))
        .collect();
    files.sort();
    for f in files {
        let name = f
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let rel = PathBuf::from(dir).join(f.file_name().unwrap_or_default());
        let ignored = pend.iter().any(|(n, _)| *n == name);
        trials.push(
            Trial::test(format!("{kind}::{name}"), move || check(rel)).with_ignored_flag(ignored),
        );
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    collect("tests/cases", "case", &mut trials, check_program);
    collect("tests/asyncio", "asyncio", &mut trials, check_program);
    collect("tests/lang", "lang", &mut trials, check_program);
    collect("examples", "example", &mut trials, check_program);
    collect("tests/syntax", "syntax", &mut trials, check_syntax);
    libtest_mimic::run(&args, trials).exit();
}
