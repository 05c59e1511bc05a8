//! The `aio` command line, run as a real process: `--version`, `--help`, `-c`, a script file,
//! a program on standard input, a missing file, an unknown option, an uncaught exception, a
//! syntax error and `SystemExit`. Exit codes and the last line of stderr are CPython's; when a
//! `python3` 3.11 is on the PATH each such check also runs python3 on the same input and
//! compares (set `AIO_NO_PYTHON=1` to skip that). Tests marked `#[ignore]` pin known
//! differences from CPython (see the helper report).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// What one run of a program produced.
#[derive(Debug)]
struct Run {
    /// The exit code (`None` when killed by a signal).
    code: Option<i32>,
    /// Standard output.
    stdout: String,
    /// Standard error.
    stderr: String,
}

impl Run {
    /// The last non-empty line of stderr.
    fn last_err_line(&self) -> &str {
        self.stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// Runs `exe` with `args` in `dir` (default: the repository root), feeding `stdin` (or
/// nothing: stdin is then `/dev/null`, which is not a terminal).
fn run_in(exe: &str, args: &[&str], stdin: Option<&str>, dir: Option<&Path>) -> Run {
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .current_dir(dir.map(Path::to_path_buf).unwrap_or_else(root))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {exe}: {e}"));
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("piped stdin");
        pipe.write_all(text.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait for the child").into()
}

/// Runs the `aio` binary.
fn aio(args: &[&str], stdin: Option<&str>) -> Run {
    run_in(env!("CARGO_BIN_EXE_aio"), args, stdin, None)
}

/// Runs python3 3.11 with the same arguments, when it is available.
fn python(args: &[&str], stdin: Option<&str>) -> Option<Run> {
    python311().map(|py| run_in(py, args, stdin, None))
}

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A python3 3.11 interpreter on the PATH, unless `AIO_NO_PYTHON` is set.
fn python311() -> Option<&'static str> {
    static PY: OnceLock<Option<String>> = OnceLock::new();
    PY.get_or_init(|| {
        if std::env::var_os("AIO_NO_PYTHON").is_some() {
            return None;
        }
        let out = Command::new("python3")
            .args([
                "-c",
                "import sys; print(sys.executable if sys.version_info[:2] == (3, 11) else '')",
            ])
            .output()
            .ok()?;
        let exe = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !exe.is_empty()).then_some(exe)
    })
    .as_deref()
}

/// A fresh, empty scratch directory for one test (canonical, so paths compare exactly).
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("aio-cli-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir.canonicalize().expect("canonical scratch path")
}

/// Writes `text` to `name` in `dir` and returns the file's absolute path as a string.
fn write_script(dir: &Path, name: &str, text: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write the script");
    path.display().to_string()
}

/// Asserts that aio and python3 (if available) agree on the exit code and the last line of
/// stderr.
fn assert_like_python(what: &str, got: &Run, py: Option<Run>) {
    let Some(py) = py else { return };
    assert_eq!(
        got.code, py.code,
        "{what}: exit code differs from python3 ({py:?})"
    );
    assert_eq!(
        got.last_err_line(),
        py.last_err_line(),
        "{what}: last stderr line differs from python3"
    );
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn version() {
    let r = aio(&["--version"], None);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.contains(env!("CARGO_PKG_VERSION")),
        "no version in {:?}",
        r.stdout
    );
    assert!(r.stdout.starts_with("aio"), "{:?}", r.stdout);
    // `-V` is the same.
    let short = aio(&["-V"], None);
    assert_eq!((short.code, short.stdout), (Some(0), r.stdout));
}

#[test]
fn help() {
    let r = aio(&["--help"], None);
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(r.stdout.contains("Usage"), "{:?}", r.stdout);
    assert!(r.stdout.contains("-c"), "{:?}", r.stdout);
    assert!(r.stderr.is_empty(), "{:?}", r.stderr);
}

#[test]
fn command_string() {
    let r = aio(&["-c", "print(1+1)"], None);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), "2\n", "")
    );
    if let Some(py) = python(&["-c", "print(1+1)"], None) {
        assert_eq!((py.code, py.stdout.as_str()), (r.code, r.stdout.as_str()));
    }
}

#[test]
fn script_file() {
    let dir = scratch("script");
    let path = write_script(
        &dir,
        "hello.aio",
        b"for i in range(3):\n    print(i, end=' ')\nprint()\n",
    );
    let r = aio(&[&path], None);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), "0 1 2 \n", "")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn argv_and_file_as_python() {
    let dir = scratch("argv");
    write_script(
        &dir,
        "args.aio",
        b"import sys\nprint(sys.argv)\nprint(__file__)\n",
    );
    let src = "import sys\nprint(sys.argv)\ntry:\n    __file__\nexcept NameError:\n    print('no __file__')\n";
    let cases: [&[&str]; 5] = [
        &["args.aio", "x", "-y", "--z=1"],
        &["./args.aio"],
        &[".//args.aio", ""],
        &["-c", src, "a", "-b"],
        &["-c", "import sys; print(sys.argv)"],
    ];
    for args in cases {
        let r = run_in(env!("CARGO_BIN_EXE_aio"), args, None, Some(&dir));
        assert_eq!(r.code, Some(0), "{args:?}: {r:?}");
        if let Some(py) = python311() {
            let p = run_in(py, args, None, Some(&dir));
            assert_eq!(r.stdout, p.stdout, "{args:?}: stdout differs from python3");
        }
    }
    let stdin = aio(&[], Some("import sys\nprint(sys.argv, __file__)\n"));
    assert_eq!(stdin.stdout, "[''] <stdin>\n", "{stdin:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn missing_file() {
    let dir = scratch("missing");
    let r = run_in(
        env!("CARGO_BIN_EXE_aio"),
        &["no_such.aio"],
        None,
        Some(&dir),
    );
    assert_eq!(r.code, Some(2), "{r:?}");
    let expected = format!(
        "aio: can't open file '{}': [Errno 2] No such file or directory\n",
        dir.join("no_such.aio").display()
    );
    assert_eq!(r.stderr, expected);
    assert!(r.stdout.is_empty());
    // CPython words it the same after its own program name.
    if let Some(py) = python311() {
        let p = run_in(py, &["no_such.aio"], None, Some(&dir));
        assert_eq!(p.code, Some(2));
        let tail = |s: &str| s.split_once(": ").map(|x| x.1.to_string());
        assert_eq!(
            tail(&r.stderr),
            tail(&p.stderr),
            "python3 said {:?}",
            p.stderr
        );
    }
    // An absolute path is echoed as given.
    let abs = dir.join("also_missing.aio").display().to_string();
    let r = aio(&[&abs], None);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        format!("aio: can't open file '{abs}': [Errno 2] No such file or directory\n")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn unknown_option() {
    let r = aio(&["--bogus"], None);
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("--bogus"), "{:?}", r.stderr);
    assert!(r.stdout.is_empty());
    if let Some(py) = python(&["--bogus"], None) {
        assert_eq!(py.code, r.code, "python3: {py:?}");
    }
}

#[test]
fn program_on_stdin() {
    let r = aio(&[], Some("print(3)\n"));
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), "3\n", "")
    );
    if let Some(py) = python(&[], Some("print(3)\n")) {
        assert_eq!((py.code, py.stdout.as_str()), (r.code, r.stdout.as_str()));
    }
    // An empty program does nothing, successfully.
    let r = aio(&[], None);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), "", "")
    );
}

#[test]
fn exception_on_stdin_names_stdin() {
    let prog = "x = 1\n1/0\n";
    let r = aio(&[], Some(prog));
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr
            .contains("  File \"<stdin>\", line 2, in <module>\n"),
        "{}",
        r.stderr
    );
    assert_like_python("stdin exception", &r, python(&[], Some(prog)));
}

#[test]
fn uncaught_exception() {
    let dir = scratch("exception");
    let path = write_script(
        &dir,
        "zero.aio",
        b"print('before')\ndef f(x):\n    return 10 / x\nprint(f(2))\nf(0)\nprint('after')\n",
    );
    let r = aio(&[&path], None);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert_eq!(r.stdout, "before\n5.0\n");
    assert!(
        r.stderr.starts_with("Traceback (most recent call last):\n"),
        "{}",
        r.stderr
    );
    assert_eq!(r.last_err_line(), "ZeroDivisionError: division by zero");
    assert!(r
        .stderr
        .contains(&format!("  File \"{path}\", line 5, in <module>\n")));
    assert!(r
        .stderr
        .contains(&format!("  File \"{path}\", line 3, in f\n")));
    if let Some(py) = python(&[&path], None) {
        // For a script file CPython prints the source lines and carets too: all of stderr
        // must match.
        assert_eq!(
            (r.code, &r.stdout, &r.stderr),
            (py.code, &py.stdout, &py.stderr)
        );
    }
    // The same from `-c`.
    let r = aio(&["-c", "print(1); 1/0"], None);
    assert_eq!((r.code, r.stdout.as_str()), (Some(1), "1\n"));
    assert_eq!(r.last_err_line(), "ZeroDivisionError: division by zero");
    assert_like_python("-c exception", &r, python(&["-c", "print(1); 1/0"], None));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn syntax_error() {
    let dir = scratch("syntax");
    let path = write_script(&dir, "bad.aio", b"print('never')\nx = (1 +\n");
    let r = aio(&[&path], None);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stdout.is_empty(), "nothing runs: {:?}", r.stdout);
    assert!(
        r.last_err_line().starts_with("SyntaxError: "),
        "{}",
        r.stderr
    );
    assert_eq!(r.last_err_line(), "SyntaxError: '(' was never closed");
    assert!(r.stderr.contains('│'), "no miette snippet in {}", r.stderr);
    assert!(
        r.stderr.contains(&format!("  File \"{path}\", line 2\n")),
        "{}",
        r.stderr
    );
    assert_like_python("syntax error", &r, python(&[&path], None));

    // An IndentationError from `-c`.
    let code = "if x:\npass";
    let r = aio(&["-c", code], None);
    assert_eq!(r.code, Some(1));
    assert_eq!(
        r.last_err_line(),
        "IndentationError: expected an indented block after 'if' statement on line 1"
    );
    assert!(r.stderr.contains('│'));
    assert_like_python("indentation error", &r, python(&["-c", code], None));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn system_exit() {
    for (code, want_status, want_err) in [
        ("raise SystemExit(3)", 3, ""),
        ("raise SystemExit", 0, ""),
        ("raise SystemExit(None)", 0, ""),
        ("raise SystemExit(True)", 1, ""),
        ("raise SystemExit('bye')", 1, "bye\n"),
        ("print('x'); raise SystemExit(0)", 0, ""),
    ] {
        let r = aio(&["-c", code], None);
        assert_eq!(
            (r.code, r.stderr.as_str()),
            (Some(want_status), want_err),
            "{code}: {r:?}"
        );
        if let Some(py) = python(&["-c", code], None) {
            assert_eq!(
                (py.code, py.stdout.as_str(), py.stderr.as_str()),
                (r.code, r.stdout.as_str(), r.stderr.as_str()),
                "{code}: python3 differs"
            );
        }
    }
}

#[test]
fn byte_order_mark_is_skipped() {
    let dir = scratch("bom");
    let path = write_script(&dir, "bom.aio", b"\xef\xbb\xbfprint('bom')\n");
    let r = aio(&[&path], None);
    assert_eq!((r.code, r.stdout.as_str()), (Some(0), "bom\n"), "{r:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn non_utf8_source_is_a_syntax_error() {
    let dir = scratch("latin1");
    let path = write_script(&dir, "bad.aio", b"x = 1\n\xff = 2\n");
    let r = aio(&[&path], None);
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.last_err_line().starts_with("SyntaxError: "), "{r:?}");
    if let Some(py) = python(&[&path], None) {
        assert_eq!(py.code, r.code);
    }
    let _ = std::fs::remove_dir_all(dir);
}

// ---------------------------------------------------------------------------------------------
// Known differences from CPython (see the helper report)
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "known aio divergence: `aio -` does not read the program from stdin as `python3 -` does"]
fn dash_reads_stdin() {
    let r = aio(&["-"], Some("print(5)\n"));
    assert_eq!((r.code, r.stdout.as_str()), (Some(0), "5\n"), "{r:?}");
}

#[test]
#[ignore = "known aio divergence: a directory argument exits 2 with '[Errno 21] Is a directory (os error 21)'; CPython exits 1"]
fn directory_argument() {
    let dir = scratch("directory");
    let d = dir.display().to_string();
    let r = aio(&[&d], None);
    // python3 DIR: "python3: can't find '__main__' module in 'DIR'", exit 1.
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(!r.stderr.contains("(os error"), "{:?}", r.stderr);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
#[ignore = "known aio divergence: the non-UTF-8 source message is not CPython's"]
fn non_utf8_message_matches_cpython() {
    let dir = scratch("latin1msg");
    let path = write_script(&dir, "bad.aio", b"x = 1\n\xff = 2\n");
    let r = aio(&[&path], None);
    let want = format!(
        "SyntaxError: Non-UTF-8 code starting with '\\xff' in file {path} on line 2, but no encoding declared; see https://peps.python.org/pep-0263/ for details"
    );
    assert_eq!(r.last_err_line(), want);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
#[ignore = "known aio divergence: an uncaught KeyboardInterrupt exits 1; CPython dies of SIGINT (shell status 130)"]
fn keyboard_interrupt_exit_status() {
    let r = aio(&["-c", "raise KeyboardInterrupt"], None);
    assert_eq!(r.last_err_line(), "KeyboardInterrupt");
    // CPython re-raises SIGINT on itself, so there is no exit code.
    assert_eq!(r.code, None, "{r:?}");
}
