//! Deadlock reports: every program under `tests/deadlock/` deadlocks, and aio must end it with
//! the report instead of hanging. Layout of a case `NAME`:
//! - `NAME.aio` — the program;
//! - `NAME.stdout` — what it prints before it deadlocks, from python3 (which then hangs: the
//!   harness stops it after a few seconds and re-checks the file against what it printed);
//! - `NAME.report` — aio's report on stderr (aio's own feature, so the golden file is aio's
//!   output, reviewed by hand; `AIO_BLESS=1` rewrites it and the stdout file).
//!
//! aio must exit 1, within the harness's limit, with the repository's path stripped from the
//! report.

use libtest_mimic::{Arguments, Failed, Trial};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn strip_root(s: &str) -> String {
    s.replace(&format!("{}/", root().display()), "")
}

/// Runs `cmd` for at most `limit`, returning (stdout, stderr, exit code or None when killed).
fn run_for(mut cmd: Command, limit: Duration) -> Result<(String, String, Option<i32>), Failed> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    let mut out_pipe = child.stdout.take().expect("piped stdout");
    let mut err_pipe = child.stderr.take().expect("piped stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out_pipe.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err_pipe.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let code = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let out = out_t.join().unwrap_or_default();
    let err = err_t.join().unwrap_or_default();
    Ok((out, err, code))
}

fn python() -> Option<String> {
    if std::env::var_os("AIO_NO_PYTHON").is_some() {
        return None;
    }
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn check(path: &Path) -> Result<(), Failed> {
    let bless = std::env::var_os("AIO_BLESS").is_some();
    let stdout_file = path.with_extension("stdout");
    let report_file = path.with_extension("report");
    if let Some(py) = python() {
        // CPython hangs on these programs: what it printed before hanging is the expected stdout.
        let mut cmd = Command::new(py);
        cmd.arg("-u").arg(path);
        let (out, _, code) = run_for(cmd, Duration::from_secs(3))?;
        if code.is_some() {
            return Err(format!("python3 ended (exit {code:?}) instead of hanging").into());
        }
        if bless {
            std::fs::write(&stdout_file, &out).map_err(|e| e.to_string())?;
        } else {
            let want = std::fs::read_to_string(&stdout_file).map_err(|e| e.to_string())?;
            if want != out {
                return Err(format!(
                    "{} differs from python3's output:\n{out}",
                    stdout_file.display()
                )
                .into());
            }
        }
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aio"));
    cmd.arg(path).env_remove("AIO_VIRTUAL_TIME");
    let started = Instant::now();
    let (out, err, code) = run_for(cmd, Duration::from_secs(30))?;
    let took = started.elapsed();
    if code != Some(1) {
        return Err(format!("aio exit code {code:?}, expected 1 (took {took:?})\n{err}").into());
    }
    let err = strip_root(&err);
    if bless {
        std::fs::write(&report_file, &err).map_err(|e| e.to_string())?;
    }
    let want_out = std::fs::read_to_string(&stdout_file).map_err(|e| e.to_string())?;
    let want_err = std::fs::read_to_string(&report_file).map_err(|e| e.to_string())?;
    if out != want_out {
        return Err(format!("stdout:\n{out}\nexpected:\n{want_out}").into());
    }
    if err != want_err {
        return Err(format!("report:\n{err}\nexpected:\n{want_err}").into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let dir = root().join("tests/deadlock");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/deadlock exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "aio"))
        .collect();
    files.sort();
    let trials = files
        .into_iter()
        .map(|p| {
            let name = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Trial::test(name, move || check(&p))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
