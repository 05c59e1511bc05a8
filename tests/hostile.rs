//! Hostile input, one test per class: deep nesting of brackets, blocks and expressions, huge
//! literals and lines, bad bytes and line ends, inconsistent tabs, int↔str past 4300 digits,
//! huge allocations, deep recursion through functions, methods, `__repr__`, `__eq__` and
//! generators, dropping a million-deep structure, a 1 MB exception message.
//!
//! Each program must end with the exit code, stdout and last stderr line CPython gives (checked
//! against python3 3.11 when it is on the PATH; `AIO_NO_PYTHON=1` skips that), never a panic or a
//! Rust stack overflow, and under 1 GiB of memory (checked with GNU time when present). Time is
//! not asserted in a debug build; `bench/hostile` times the release build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// What a run must give: exit code, stdout, and the last line of stderr.
struct Expect {
    code: i32,
    stdout: &'static str,
    last_err: &'static str,
}

fn scratch() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    dir
}

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

fn run(exe: &str, path: &Path) -> Output {
    Command::new(exe)
        .arg(path)
        .stdin(Stdio::null())
        .output()
        .expect("run the interpreter")
}

fn last_line(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .to_string()
}

/// Runs `src` under aio (and python3 when there), checking `want`. With `cpython` false the
/// behaviour is aio's own (CPython crashes or differs there) and python3 is not asked.
fn check(name: &str, src: &[u8], want: Expect, cpython: bool) {
    let path = scratch().join(name);
    std::fs::write(&path, src).expect("write the program");
    let shown = path.to_string_lossy().to_string();
    let want_last = want.last_err.replace("<FILE>", &shown);
    // One run, under GNU time when there is one, to see the peak RSS too.
    let time = Path::new("/usr/bin/time");
    let mut aio = if time.exists() {
        let mut o = Command::new(time)
            .args(["-f", "peak-rss-kb %M", env!("CARGO_BIN_EXE_aio")])
            .arg(&path)
            .stdin(Stdio::null())
            .output()
            .expect("run aio under GNU time");
        let err = String::from_utf8_lossy(&o.stderr).to_string();
        let (rest, kb) = err
            .trim_end()
            .rsplit_once('\n')
            .unwrap_or(("", err.trim_end()));
        let kb: u64 = kb
            .strip_prefix("peak-rss-kb ")
            .and_then(|v| v.trim().parse().ok())
            .expect("GNU time reports the peak RSS");
        assert!(kb < 1 << 20, "{name}: peak RSS {kb} KiB");
        // GNU time reports a non-zero exit on its own line first.
        let rest: Vec<&str> = rest
            .lines()
            .filter(|l| !l.starts_with("Command exited with non-zero status"))
            .collect();
        o.stderr = rest.join("\n").into_bytes();
        o
    } else {
        run(env!("CARGO_BIN_EXE_aio"), &path)
    };
    let stderr = String::from_utf8_lossy(&aio.stderr).to_string();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("stack overflow"),
        "{name}: {stderr}"
    );
    assert_eq!(aio.status.code(), Some(want.code), "{name}: {stderr}");
    assert_eq!(String::from_utf8_lossy(&aio.stdout), want.stdout, "{name}");
    assert_eq!(last_line(&aio.stderr), want_last, "{name}");
    aio.stderr.clear();
    if let (true, Some(py)) = (cpython, python311()) {
        let p = run(py, &path);
        assert_eq!(
            p.status.code(),
            Some(want.code),
            "{name}: python3 disagrees"
        );
        assert_eq!(
            String::from_utf8_lossy(&p.stdout),
            want.stdout,
            "{name}: python3"
        );
        assert_eq!(
            last_line(&p.stderr),
            want_last,
            "{name}: python3's last line"
        );
    }
}

const RECURSION: &str = "RecursionError: maximum recursion depth exceeded";

#[test]
fn deep_brackets() {
    let nested = |open: &str, close: &str, n: usize| {
        format!("print(1)\nx = {}{}\n", open.repeat(n), close.repeat(n)).into_bytes()
    };
    let msg = "SyntaxError: too many nested parentheses";
    for (name, src) in [
        ("parens.py", nested("(", ")", 100_000)),
        ("lists.py", nested("[", "]", 100_000)),
        ("dicts.py", nested("{1: ", "}", 10_000)),
    ] {
        check(
            name,
            &src,
            Expect {
                code: 1,
                stdout: "",
                last_err: msg,
            },
            true,
        );
    }
    check(
        "parens_ok.py",
        &nested("(", ")", 199),
        Expect {
            code: 0,
            stdout: "1\n",
            last_err: "",
        },
        true,
    );
}

#[test]
fn deep_blocks() {
    let mut src = String::new();
    for i in 0..150 {
        src.push_str(&format!("{}if True:\n", " ".repeat(i)));
    }
    src.push_str(&format!("{}pass\n", " ".repeat(150)));
    check(
        "blocks.py",
        src.as_bytes(),
        Expect {
            code: 1,
            stdout: "",
            last_err: "IndentationError: too many levels of indentation",
        },
        true,
    );
}

#[test]
fn deep_expressions() {
    let msg = "RecursionError: maximum recursion depth exceeded during compilation";
    for (name, src) in [
        ("unary.py", format!("x = {}1\n", "-".repeat(100_000))),
        ("sum.py", format!("x = {}\n", vec!["1"; 100_000].join("+"))),
        (
            "power.py",
            format!("x = {}\n", vec!["1"; 50_000].join("**")),
        ),
        ("nots.py", format!("x = {}1\n", "not ".repeat(50_000))),
        (
            "lambdas.py",
            format!("x = {}1\n", "lambda: ".repeat(50_000)),
        ),
        (
            "ternary.py",
            format!("x = {}\n", vec!["1"; 50_000].join(" if 1 else ")),
        ),
        (
            "attrs.py",
            format!("x = 1\ny = x{}\n", ".real".repeat(50_000)),
        ),
        ("calls.py", format!("x = print{}\n", "()".repeat(50_000))),
    ] {
        check(
            name,
            src.as_bytes(),
            Expect {
                code: 1,
                stdout: "",
                last_err: msg,
            },
            // CPython's parser gives up on the others with MemoryError instead.
            name == "sum.py",
        );
    }
    check(
        "unary_ok.py",
        format!("print({}1)\n", "-".repeat(2000)).as_bytes(),
        Expect {
            code: 0,
            stdout: "1\n",
            last_err: "",
        },
        true,
    );
}

#[test]
fn huge_literals_and_lines() {
    check(
        "long_str.py",
        format!("x = '{}'\nprint(len(x))\n", "a".repeat(2_000_000)).as_bytes(),
        Expect {
            code: 0,
            stdout: "2000000\n",
            last_err: "",
        },
        true,
    );
    check(
        "long_list.py",
        format!("x = [{}]\nprint(len(x))\n", "1,".repeat(50_000)).as_bytes(),
        Expect {
            code: 0,
            stdout: "50000\n",
            last_err: "",
        },
        true,
    );
    check(
        "long_int.py",
        format!("x = {}\n", "7".repeat(5000)).as_bytes(),
        Expect {
            code: 1,
            stdout: "",
            last_err: "SyntaxError: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit - Consider hexadecimal for huge integer literals to avoid decimal conversion limits.",
        },
        true,
    );
    check(
        "long_hex.py",
        format!("x = 0x{}\nprint(x.bit_length())\n", "f".repeat(5000)).as_bytes(),
        Expect {
            code: 0,
            stdout: "20000\n",
            last_err: "",
        },
        true,
    );
}

#[test]
fn bad_bytes_and_line_ends() {
    check(
        "utf8.py",
        b"print(1)\nx = '\xff'\n",
        Expect {
            code: 1,
            stdout: "",
            last_err: "SyntaxError: Non-UTF-8 code starting with '\\xff' in file <FILE> on line 2, but no encoding declared; see https://peps.python.org/pep-0263/ for details",
        },
        true,
    );
    check(
        "nul.py",
        b"print(1)\nx = 1\x00\n",
        Expect {
            code: 1,
            stdout: "",
            last_err: "SyntaxError: source code cannot contain null bytes",
        },
        true,
    );
    check(
        "bom.py",
        b"\xef\xbb\xbfprint('bom')\n",
        Expect {
            code: 0,
            stdout: "bom\n",
            last_err: "",
        },
        true,
    );
    check(
        "cr.py",
        b"if True:\r    print(1)\rprint(2)\r",
        Expect {
            code: 0,
            stdout: "1\n2\n",
            last_err: "",
        },
        true,
    );
    check(
        "crlf.py",
        b"if True:\r\n    print(1)\r\nprint(2)\r\n",
        Expect {
            code: 0,
            stdout: "1\n2\n",
            last_err: "",
        },
        true,
    );
    check(
        "tabs.py",
        b"if True:\n        x = 1\n\ty = 2\n",
        Expect {
            code: 1,
            stdout: "",
            last_err: "TabError: inconsistent use of tabs and spaces in indentation",
        },
        true,
    );
}

#[test]
fn int_str_conversion_limit() {
    let msg = "ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit";
    check(
        "int_of_str.py",
        b"print(1)\nx = int('1' * 5000)\n",
        Expect {
            code: 1,
            stdout: "1\n",
            last_err: msg,
        },
        true,
    );
    check(
        "str_of_int.py",
        b"x = 10 ** 5000\nprint(len(hex(x)))\nprint(str(x))\n",
        Expect {
            code: 1,
            stdout: "4155\n",
            last_err: "ValueError: Exceeds the limit (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit",
        },
        true,
    );
}

#[test]
fn huge_allocations() {
    for (name, src) in [
        ("list_repeat.py", "print(1)\nx = [0] * 10**10\n"),
        ("range_list.py", "print(1)\nx = list(range(10**11))\n"),
        ("ljust.py", "print(1)\nx = 'a'.ljust(10**11)\n"),
    ] {
        check(
            name,
            src.as_bytes(),
            Expect {
                code: 1,
                stdout: "1\n",
                last_err: "MemoryError",
            },
            true,
        );
    }
}

#[test]
fn deep_recursion() {
    for (name, src, during) in [
        ("function.py", "def f(n):\n    return f(n + 1)\nf(0)\n", ""),
        (
            "method.py",
            "class A:\n    def m(self):\n        return self.m()\nA().m()\n",
            "",
        ),
        (
            "repr.py",
            "class A:\n    def __repr__(self):\n        return repr([self])\nprint(repr(A()))\n",
            " while getting the repr of an object",
        ),
        (
            "eq.py",
            "class A:\n    def __eq__(self, o):\n        return [self] == [o]\nprint(A() == A())\n",
            "",
        ),
        (
            "generator.py",
            "def g(n):\n    yield from g(n + 1)\nfor x in g(0):\n    pass\n",
            "",
        ),
        (
            "nested_repr.py",
            "x = []\nfor i in range(100000):\n    x = [x]\nprint(repr(x))\n",
            " while getting the repr of an object",
        ),
        (
            "nested_eq.py",
            "x = []\ny = []\nfor i in range(100000):\n    x = [x]\n    y = [y]\nprint(x == y)\n",
            " in comparison",
        ),
    ] {
        let last = format!("{RECURSION}{during}");
        check(
            name,
            src.as_bytes(),
            Expect {
                code: 1,
                stdout: "",
                last_err: Box::leak(last.into_boxed_str()),
            },
            // Where CPython's own C recursion check fires decides its wording there.
            !matches!(name, "repr.py" | "eq.py"),
        );
    }
}

#[test]
fn dropping_a_million_deep_structure() {
    for (name, src) in [
        (
            "drop_lists.py",
            "x = []\nfor i in range(1000000):\n    x = [x]\ndel x\nprint('dropped')\n",
        ),
        (
            "drop_dicts.py",
            "x = {}\nfor i in range(1000000):\n    x = {'a': x}\nx = None\nprint('dropped')\n",
        ),
        (
            "drop_objects.py",
            "class Node:\n    pass\nx = None\nfor i in range(1000000):\n    n = Node()\n    n.next = x\n    x = n\nn = x = None\nprint('dropped')\n",
        ),
    ] {
        check(
            name,
            src.as_bytes(),
            Expect {
                code: 0,
                stdout: "dropped\n",
                last_err: "",
            },
            true,
        );
    }
}

#[test]
fn a_megabyte_exception_message() {
    let last = format!("ValueError: {}", "x".repeat(1_000_000));
    check(
        "big_message.py",
        b"print(1)\nraise ValueError('x' * 1000000)\n",
        Expect {
            code: 1,
            stdout: "1\n",
            last_err: Box::leak(last.into_boxed_str()),
        },
        true,
    );
}
