//! Robustness of the front end: no source text may make parsing or compiling panic or hang.
//!
//! Every corpus program (`tests/cases`, `tests/asyncio`, `tests/syntax`, `examples`, and the
//! `.aio` sources under `src/modules`) is cut into prefixes (at every line boundary, capped at
//! 200 cuts for the one long library file, and at 30 evenly spaced character boundaries) and
//! mutated 50 times with a seeded xorshift generator, so runs are reproducible
//! (`AIO_ROBUSTNESS_MUTATIONS=N` asks for more). Each input goes through
//! `aio::syntax::parse_module` and, when that succeeds, `aio::compile::compile_module`; both
//! must return `Ok` or `Err`. Panics are caught, minimized and listed (up to 5); an input
//! that makes no progress for 20 s fails the test as a hang. Hand-written tricky snippets and
//! deeply nested inputs run too, on threads with a 256 MiB stack.

use aio::compile::{compile_module, CompileMode, GlobalNames};
use aio::source::SourceFile;
use aio::syntax::parse_module;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Once;
use std::time::{Duration, Instant};

/// Inputs known to panic, skipped so the suite stays green until they are fixed. Each one is
/// listed in the helper's report to the lead; remove an entry once its panic is fixed.
const KNOWN_PANICS: &[&str] = &[];

/// Stack size for the threads that parse (deep inputs recurse deeply in debug builds).
const STACK: usize = 256 << 20;

/// How long one input may take before it counts as a hang.
const HANG_TIMEOUT: Duration = Duration::from_secs(20);

/// Mutated variants generated per corpus file; `AIO_ROBUSTNESS_MUTATIONS=N` overrides it for
/// a longer exploratory run.
const MUTATIONS_PER_FILE: usize = 50;

/// The number of mutations per file for this run.
fn mutations_per_file() -> usize {
    std::env::var("AIO_ROBUSTNESS_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MUTATIONS_PER_FILE)
}

/// Evenly spaced character-boundary cuts per corpus file.
const CHAR_CUTS_PER_FILE: usize = 30;

/// At most this many line-boundary cuts per corpus file (every one for files under ~100 lines).
const MAX_LINE_CUTS: usize = 200;

/// Fragments inserted by mutations: brackets, operators, keywords, quotes, escapes, odd
/// whitespace and characters.
const FRAGMENTS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ",",
    "=",
    ";",
    ".",
    "...",
    "->",
    ":=",
    "*",
    "**",
    "@",
    "await",
    "await ",
    "yield",
    "yield from ",
    "async",
    "async ",
    "def",
    "def f(",
    "class",
    "class C:",
    "if",
    "if x:",
    "else",
    "else:",
    "elif",
    "lambda",
    "lambda:",
    "lambda *a, **k: ",
    "return",
    "return ",
    "for",
    "for x in y:",
    "in",
    "while",
    "while 1:",
    "try:",
    "except",
    "except:",
    "finally:",
    "with",
    "with a as b:",
    "del ",
    "global x",
    "nonlocal x",
    "pass",
    "break",
    "continue",
    "import",
    "from",
    "as",
    "not",
    "is",
    "and",
    "or",
    "raise",
    "assert",
    "\"",
    "'",
    "'''",
    "\"\"\"",
    "f\"",
    "f'",
    "rf'",
    "b'",
    "f'{",
    "f'{x!r:>{w}}'",
    "f'{x=}'",
    "{{",
    "}}",
    "!",
    "!r",
    "\\",
    "\\\n",
    "\t",
    "\n",
    "\r",
    "\r\n",
    "\x0c",
    "    ",
    "  ",
    "#",
    "# c\n",
    "0x",
    "0b2",
    "1_",
    "007",
    "1e",
    "1.5j",
    "9",
    "x",
    "_",
    "é",
    "\u{a0}",
    "$",
    "?",
    "`",
    "\u{0}",
];

// ---------------------------------------------------------------------------------------------
// Running one input
// ---------------------------------------------------------------------------------------------

thread_local! {
    /// Whether panics on this thread are expected (caught by `check`) and should stay quiet.
    static QUIET: Cell<bool> = const { Cell::new(false) };
    /// The message of the last quiet panic on this thread.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once) a panic hook that records quiet panics instead of printing them.
fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if QUIET.with(|q| q.get()) {
                LAST_PANIC.with(|l| *l.borrow_mut() = Some(info.to_string()));
            } else {
                previous(info);
            }
        }));
    });
}

/// Runs `f`, catching a panic quietly; returns the panic's message (with its location).
fn guarded(f: impl FnOnce()) -> Result<(), String> {
    install_hook();
    QUIET.with(|q| q.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r.map_err(|_| {
        LAST_PANIC
            .with(|l| l.borrow_mut().take())
            .unwrap_or_else(|| "panic without a message".into())
    })
}

/// Parses `src` and, when that succeeds, compiles it. Returns whether it parsed, or the
/// panic message if parsing or compiling panicked.
fn check(src: &str) -> Result<bool, String> {
    let mut parsed = false;
    guarded(|| {
        if let Ok(body) = parse_module(src) {
            parsed = true;
            let file = SourceFile::new("<robustness>", src);
            let mut names = GlobalNames::default();
            let _ = compile_module(body, &file, &mut names, CompileMode::File);
        }
    })?;
    Ok(parsed)
}

/// Where a panic happened (its first line), used to tell distinct panics apart.
fn panic_site(msg: &str) -> String {
    msg.lines().next().unwrap_or(msg).to_string()
}

/// Shrinks an input while `still` holds for it (for a panic: it keeps panicking at the same
/// place): first whole lines, then ever smaller runs of characters.
fn minimize(src: &str, still: impl Fn(&str) -> bool) -> String {
    let mut cur = src.to_string();
    // Lines.
    let mut changed = true;
    while changed {
        changed = false;
        let lines: Vec<&str> = cur.split_inclusive('\n').collect();
        for i in 0..lines.len() {
            let cand: String = lines
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, l)| *l)
                .collect();
            if still(&cand) {
                cur = cand;
                changed = true;
                break;
            }
        }
    }
    // Character runs, halving the run length.
    let mut run = (cur.chars().count() / 2).max(1);
    loop {
        let mut i = 0;
        loop {
            let chars: Vec<char> = cur.chars().collect();
            if i >= chars.len() {
                break;
            }
            let cand: String = chars[..i]
                .iter()
                .chain(&chars[(i + run).min(chars.len())..])
                .collect();
            if still(&cand) {
                cur = cand;
            } else {
                i += run;
            }
        }
        if run == 1 {
            break;
        }
        run /= 2;
    }
    cur
}

/// What a batch of inputs produced: distinct panics (by site) with one input each, and counts.
#[derive(Default)]
struct Findings {
    /// (panic site, full message, the input that caused it).
    panics: Vec<(String, String, String)>,
    /// How many inputs panicked in all.
    panicking_inputs: usize,
    /// How many inputs ran.
    inputs: usize,
    /// Inputs skipped because they are in `KNOWN_PANICS`.
    skipped: usize,
    /// Inputs that parsed (and so were compiled too).
    parsed: usize,
}

impl Findings {
    /// Runs one input and records a panic.
    fn run(&mut self, src: &str) {
        if KNOWN_PANICS.contains(&src) {
            self.skipped += 1;
            return;
        }
        self.inputs += 1;
        match check(src) {
            Ok(parsed) => self.parsed += usize::from(parsed),
            Err(msg) => {
                self.panicking_inputs += 1;
                let site = panic_site(&msg);
                if !self.panics.iter().any(|p| p.0 == site) {
                    self.panics.push((site, msg, src.to_string()));
                }
            }
        }
    }

    /// Fails with up to 5 minimized inputs when anything panicked.
    fn assert_none(self, what: &str) {
        eprintln!(
            "{what}: {} inputs, {} parsed and compiled, {} known panics skipped, {} panicked",
            self.inputs, self.parsed, self.skipped, self.panicking_inputs
        );
        if self.panics.is_empty() {
            return;
        }
        let mut report = format!(
            "{what}: {} of {} inputs panicked, at {} distinct sites:\n",
            self.panicking_inputs,
            self.inputs,
            self.panics.len()
        );
        for (site, msg, input) in self.panics.iter().take(5) {
            let small = minimize(
                input,
                |s| matches!(check(s), Err(m) if panic_site(&m) == *site),
            );
            report.push_str(&format!("\n--- {msg}\n    minimized input: {small:?}\n"));
        }
        panic!("{report}");
    }
}

/// Runs `f` on a fresh thread with a 256 MiB stack, failing if it takes longer than `limit`.
/// `label` names the work for the hang message; `f` reports the input it is working on
/// through the sender so a hang can name it.
fn on_big_stack<T: Send + 'static>(
    label: &str,
    limit: Duration,
    f: impl FnOnce(&mpsc::Sender<String>) -> T + Send + 'static,
) -> T {
    let (progress_tx, progress_rx) = mpsc::channel::<String>();
    let (done_tx, done_rx) = mpsc::channel::<std::thread::Result<T>>();
    std::thread::Builder::new()
        .name(label.to_string())
        .stack_size(STACK)
        .spawn(move || {
            let r = catch_unwind(AssertUnwindSafe(|| f(&progress_tx)));
            let _ = done_tx.send(r);
        })
        .expect("spawn a worker thread");
    let mut current = String::from("<nothing yet>");
    let mut last_progress = Instant::now();
    loop {
        match done_rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Ok(v)) => return v,
            Ok(Err(p)) => std::panic::resume_unwind(p),
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{label}: worker vanished"),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        while let Ok(s) = progress_rx.try_recv() {
            current = s;
            last_progress = Instant::now();
        }
        if last_progress.elapsed() > limit {
            let shown: String = current.chars().take(400).collect();
            panic!("{label}: no progress for {limit:?}; probable hang on input {shown:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The corpus and its variants
// ---------------------------------------------------------------------------------------------

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.aio` file under the corpus directories that exist, sorted, with its text.
fn corpus() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in [
        "tests/cases",
        "tests/asyncio",
        "tests/syntax",
        "examples",
        "src/modules",
    ] {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "aio"))
            .collect();
        paths.sort();
        for p in paths {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let text = String::from_utf8_lossy(&bytes).into_owned();
            out.push((rel(&p), text));
        }
    }
    assert!(out.len() > 20, "corpus unexpectedly small");
    out
}

/// A path relative to the repository.
fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

/// A xorshift64 generator: tiny, deterministic, good enough to pick mutations.
struct XorShift(u64);

impl XorShift {
    /// A generator seeded from a string (FNV-1a), never zero.
    fn from_seed(seed: &str) -> XorShift {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        XorShift(h | 1)
    }

    /// The next raw value.
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A value in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The char-boundary offsets of `s`, including its end.
fn boundaries(s: &str) -> Vec<usize> {
    s.char_indices().map(|(i, _)| i).chain([s.len()]).collect()
}

/// Every prefix of `text` cut at a line boundary (before and after each line end), plus
/// `CHAR_CUTS_PER_FILE` cuts at evenly spaced character boundaries. Files with more than
/// `MAX_LINE_CUTS` line-boundary cuts (only the long `src/modules` library) get that many,
/// evenly spaced, to keep the run short: the cost grows with the square of the length.
fn prefixes(text: &str) -> Vec<String> {
    let mut line_cuts = Vec::new();
    for (i, c) in text.char_indices() {
        if c == '\n' || c == '\r' {
            line_cuts.push(i);
            line_cuts.push(i + 1);
        }
    }
    let mut cuts: Vec<usize> = if line_cuts.len() > MAX_LINE_CUTS {
        (0..MAX_LINE_CUTS)
            .map(|k| line_cuts[k * line_cuts.len() / MAX_LINE_CUTS])
            .collect()
    } else {
        line_cuts
    };
    let b = boundaries(text);
    for k in 1..=CHAR_CUTS_PER_FILE {
        cuts.push(b[(b.len() - 1) * k / (CHAR_CUTS_PER_FILE + 1)]);
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts.into_iter()
        .filter(|&c| text.is_char_boundary(c))
        .map(|c| text[..c].to_string())
        .collect()
}

/// Applies one random edit to `text`.
fn mutate_once(text: &str, rng: &mut XorShift) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    let b = boundaries(text);
    let at = b[rng.below(b.len())];
    let frag = FRAGMENTS[rng.below(FRAGMENTS.len())];
    match rng.below(9) {
        // Delete a line.
        0 => {
            lines.remove(rng.below(n));
            lines.concat()
        }
        // Duplicate a line.
        1 => {
            let i = rng.below(n);
            let l = lines[i].clone();
            lines.insert(i, l);
            lines.concat()
        }
        // Swap two lines.
        2 => {
            let (i, j) = (rng.below(n), rng.below(n));
            lines.swap(i, j);
            lines.concat()
        }
        // Insert a fragment.
        3 | 4 => format!("{}{frag}{}", &text[..at], &text[at..]),
        // Replace a run of characters with a fragment.
        5 => {
            let end = b[(b.iter().position(|&x| x == at).unwrap_or(0) + 1 + rng.below(4))
                .min(b.len() - 1)];
            format!("{}{frag}{}", &text[..at], &text[end..])
        }
        // Delete a run of characters.
        6 => {
            let end = b[(b.iter().position(|&x| x == at).unwrap_or(0) + 1 + rng.below(12))
                .min(b.len() - 1)];
            format!("{}{}", &text[..at], &text[end..])
        }
        // Change a line's indentation.
        7 => {
            let i = rng.below(n);
            let line = &lines[i];
            lines[i] = match rng.below(4) {
                0 => format!("    {line}"),
                1 => format!("\t{line}"),
                2 => format!(" {line}"),
                _ => line.trim_start_matches([' ', '\t']).to_string(),
            };
            lines.concat()
        }
        // Copy a random slice somewhere else.
        _ => {
            let (p, q) = (b[rng.below(b.len())], b[rng.below(b.len())]);
            let (p, mut q) = (p.min(q), p.max(q).min(p + 200));
            while !text.is_char_boundary(q) {
                q -= 1;
            }
            format!("{}{}{}", &text[..at], &text[p..q], &text[at..])
        }
    }
}

/// `count` variants of `text`, each with one to three edits, seeded by `seed`.
fn mutations(seed: &str, text: &str, count: usize) -> Vec<String> {
    let mut rng = XorShift::from_seed(seed);
    (0..count)
        .map(|_| {
            let mut t = text.to_string();
            for _ in 0..1 + rng.below(3) {
                t = mutate_once(&t, &mut rng);
            }
            t
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn panics_are_caught_quietly_with_their_message() {
    let r = guarded(|| panic!("boom {}", 42));
    let msg = r.expect_err("the panic is caught");
    assert!(msg.contains("boom 42"), "{msg}");
    assert!(
        msg.contains("robustness.rs"),
        "the message names the site: {msg}"
    );
    assert_eq!(guarded(|| {}), Ok(()));
}

#[test]
fn minimize_shrinks_to_the_essential_part() {
    let small = minimize("aaa\nbb xyz cc\nddd\n", |s| s.contains("xyz"));
    assert_eq!(small, "xyz");
}

/// Parseable-or-nearly programs aimed at the resolver and lowering: scope declarations in odd
/// places, suspensions in odd places, starred and walrus targets, parameter-list errors,
/// Python 3.11 syntax aio does not support.
const TRICKY_SNIPPETS: &[&str] = &[
    "nonlocal x\n",
    "def f():\n    nonlocal x\n",
    "def f():\n    x = 1\n    def g():\n        global x\n        nonlocal x\n",
    "def f():\n    global x\n    x = 1\n    global x\n",
    "def f(x):\n    global x\n",
    "def f():\n    print(x)\n    global x\n",
    "return 1\n",
    "yield 1\n",
    "class C:\n    yield 1\n",
    "class C:\n    return 1\n",
    "await x\n",
    "def f():\n    await x\n",
    "async def f():\n    [await x for x in y]\n",
    "def f():\n    [await x for x in y]\n",
    "async def f():\n    yield from x\n",
    "async def f():\n    return 1\n    yield 2\n",
    "def f():\n    return [(yield x) for x in y]\n",
    "x = [i for i in range(3) if (j := i)]\n",
    "x = [j := i for i in range(3)]\n",
    "x = [i := 0 for i in range(3)]\n",
    "class C:\n    x = [(y := 1) for _ in range(2)]\n",
    "lambda: (yield)\n",
    "lambda: await x\n",
    "f(x for x in y, 1)\n",
    "f(**a, *b)\n",
    "f(a=1, a=2)\n",
    "f(a=1, b)\n",
    "*a = 1\n",
    "*a, *b = 1, 2\n",
    "a, *b, c = range(5)\n",
    "del (a, b), [c]\n",
    "del f()\n",
    "(a, b) += 1\n",
    "[a] += 1\n",
    "a.b += 1\n",
    "x: int\n",
    "(x): int = 1\n",
    "x.y: int = 1\n",
    "x, y: int = 1, 2\n",
    "def f(*, a): pass\n",
    "def f(a, a): pass\n",
    "def f(**k, a): pass\n",
    "for x in range(3):\n    pass\nelse:\n    break\n",
    "while True:\n    def f():\n        break\n",
    "while True:\n    class C:\n        continue\n",
    "try:\n    pass\nfinally:\n    continue\n",
    "for x in y:\n    try:\n        pass\n    finally:\n        break\n",
    "def f():\n    x = 1\n    del x\n    def g():\n        return x\n",
    "def f():\n    def g():\n        nonlocal y\n    y = 1\n",
    "class C:\n    def f(self):\n        return __class__\n",
    "def f():\n    class C:\n        nonlocal x\n    x = 1\n",
    "def f(x=(yield)): pass\n",
    "async def f():\n    async with a as b, c as d:\n        async for e in f: await g\n",
    "def f():\n    async for x in y: pass\n",
    "def f():\n    async with x: pass\n",
    "async def f():\n    def g():\n        await x\n",
    "x = {**a, 'b': 1, **c}\n",
    "x = {*a, *b}\n",
    "print(*[1], *[2], **{}, **{})\n",
    "f'{x!r}' f'{y:{z}}'\n",
    "f'{f\"{1}\"}'\n",
    "import a.b.c\nfrom . import x\n",
    "from x import *\ndef f():\n    from y import *\n",
    "global x\nx = 1\n",
    "__debug__ = 1\n",
    "None = 1\n",
    "def None(): pass\n",
    "True += 1\n",
    "x = yield = 1\n",
    "@a.b(c)\n@d\nclass C(B, metaclass=M, **kw): pass\n",
    "def f():\n    yield\n    return 1\n",
    "def f():\n    x = [(yield) for i in j]\n",
    "assert (x, 'msg')\n",
    "x = 1 if 2 else 3 if 4 else 5\n",
    "x = not not not 1\n",
    "x[1:2, ::3, ...] = y\n",
    "x = a if b else lambda: c\n",
    "with (a as b, c as d): pass\n",
    "with (a, b): pass\n",
    "try:\n    pass\nexcept* E:\n    pass\n",
    "match x:\n    case 1: pass\n",
    "x = 0 if 1 else 2\n",
    "def f[T](x): pass\n",
    "type X = int\n",
    "print(1)  \\\n",
    "\\\n",
    "if x:\n    pass\n  # c\n",
    "class C:\n    def __init__(self): super().__init__()\n",
    "def f():\n    def g():\n        nonlocal f\n",
    "def f():\n    global f\n    def f(): pass\n",
    "x = [*a for a in b]\n",
    "x = {**a for a in b}\n",
    "def f():\n    return *a, *b\n",
    "for *a, b in c: pass\n",
    "x = (*a)\n",
    "x = *a\n",
    "print(*a if b else c)\n",
    "a = b = *c, d\n",
    "x = [i for i in range(3) for i in range(i)]\n",
    "x = [(lambda: i)() for i in range(3)]\n",
    "class C:\n    a = 1\n    b = [a for _ in range(2)]\n",
    "class C:\n    nonlocal a\n",
    "def f():\n    class C:\n        global a\n        a = 1\n",
    "async def f():\n    x = [i async for i in y]\n    z = {k: v async for k, v in w}\n",
    "def f():\n    x = [i async for i in y]\n",
    "x = [i async for i in y]\n",
    "async def f():\n    return (await x for x in y)\n",
    "def f():\n    return (await x for x in y)\n",
    "async def f():\n    yield\n    return 1\n",
    "def f(a, /, b, *, c): pass\nf(1, 2, c=3)\n",
    "def f(a=1, /, b): pass\n",
    "def f(/, a): pass\n",
    "def f(*, **k): pass\n",
    "def f(*): pass\n",
    "lambda *: 1\n",
    "lambda a, a: 1\n",
];

#[test]
fn tricky_snippets_never_panic() {
    let findings = on_big_stack("snippets", HANG_TIMEOUT, |progress| {
        let mut f = Findings::default();
        for s in TRICKY_SNIPPETS {
            let _ = progress.send(s.to_string());
            f.run(s);
            // Each inside a function and an async function too.
            let indented: String = s.lines().map(|l| format!("    {l}\n")).collect();
            f.run(&format!("def wrapper():\n{indented}"));
            f.run(&format!("async def wrapper():\n{indented}"));
        }
        f
    });
    findings.assert_none("tricky snippets");
}

#[test]
fn xorshift_is_deterministic() {
    let a = mutations("seed", "x = 1\nif x:\n    print(x)\n", 20);
    let b = mutations("seed", "x = 1\nif x:\n    print(x)\n", 20);
    assert_eq!(a, b);
    assert!(a.iter().any(|m| m != "x = 1\nif x:\n    print(x)\n"));
}

#[test]
fn corpus_prefixes_never_panic() {
    let findings = on_big_stack("prefixes", HANG_TIMEOUT, |progress| {
        let mut f = Findings::default();
        for (name, text) in corpus() {
            for p in prefixes(&text) {
                let _ = progress.send(format!("{name} prefix: {p}"));
                f.run(&p);
            }
        }
        f
    });
    assert!(findings.inputs > 1000, "only {} inputs", findings.inputs);
    findings.assert_none("corpus prefixes");
}

#[test]
fn corpus_mutations_never_panic() {
    let findings = on_big_stack("mutations", HANG_TIMEOUT, |progress| {
        let mut f = Findings::default();
        for (name, text) in corpus() {
            for m in mutations(&name, &text, mutations_per_file()) {
                let _ = progress.send(format!("{name} mutation: {m}"));
                f.run(&m);
            }
        }
        f
    });
    assert!(findings.inputs > 1000, "only {} inputs", findings.inputs);
    findings.assert_none("corpus mutations");
}

#[test]
fn line_ending_variants_of_mutations_never_panic() {
    // A smaller sweep over CRLF and lone-CR versions of the mutated corpus.
    let findings = on_big_stack("line endings", HANG_TIMEOUT, |progress| {
        let mut f = Findings::default();
        for (name, text) in corpus() {
            for m in mutations(&format!("{name}/eol"), &text, 5) {
                for v in [m.replace('\n', "\r\n"), m.replace('\n', "\r")] {
                    let _ = progress.send(format!("{name} eol: {v}"));
                    f.run(&v);
                }
            }
        }
        f
    });
    findings.assert_none("line-ending variants");
}

/// Parses and compiles `src` on a big stack, failing on a panic; returns the first error
/// message, if any (shown with `--nocapture`).
fn parse_deep(label: &str, src: String) -> Result<(), String> {
    let start = Instant::now();
    let label_owned = label.to_string();
    let r = on_big_stack(label, HANG_TIMEOUT, move |_| {
        if let Err(m) = check(&src) {
            panic!("{label_owned}: panicked: {m}");
        }
        let body = parse_module(&src).map_err(|e| format!("{}: {}", e.class.name(), e.msg))?;
        let file = SourceFile::new("<deep>", src.as_str());
        compile_module(body, &file, &mut GlobalNames::default(), CompileMode::File)
            .map(|_| ())
            .map_err(|e| format!("{}: {}", e.class.name(), e.msg))
    });
    eprintln!("{label}: {r:?} in {:?}", start.elapsed());
    r
}

#[test]
fn deep_parentheses() {
    // CPython 3.11 accepts 200 nested brackets and rejects 201 with this message.
    let nest = |n: usize| format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n));
    assert_eq!(parse_deep("parens 199", nest(199)), Ok(()));
    assert_eq!(parse_deep("parens 200", nest(200)), Ok(()));
    assert_eq!(
        parse_deep("parens 201", nest(201)),
        Err("SyntaxError: too many nested parentheses".to_string())
    );
    assert_eq!(
        parse_deep("parens 300", nest(300)),
        Err("SyntaxError: too many nested parentheses".to_string())
    );
    let lists = format!("x = {}{}\n", "[".repeat(300), "]".repeat(300));
    assert_eq!(
        parse_deep("lists 300", lists),
        Err("SyntaxError: too many nested parentheses".to_string())
    );
}

#[test]
fn deep_expressions_do_not_panic() {
    // CPython 3.11 gives RecursionError ("maximum recursion depth exceeded during
    // compilation") for both; aio only has to return, either way.
    let _ = parse_deep("not x 5000", format!("x = {}y\n", "not ".repeat(5000)));
    let _ = parse_deep("1+1 20000", format!("x = {}1\n", "1+".repeat(20000)));
    let _ = parse_deep("unary 5000", format!("x = {}1\n", "-".repeat(5000)));
    let _ = parse_deep("power 3000", format!("x = {}1\n", "2**".repeat(3000)));
    let _ = parse_deep("calls 3000", format!("x = f{}\n", "()".repeat(3000)));
    let _ = parse_deep("attrs 5000", format!("x = a{}\n", ".b".repeat(5000)));
    let _ = parse_deep(
        "lambdas 2000",
        format!("x = {}1\n", "lambda: ".repeat(2000)),
    );
}

#[test]
fn deep_blocks_do_not_panic() {
    // CPython 3.11: 100 nested `if`s are fine; at 101 levels it says "IndentationError: too
    // many levels of indentation". 21 nested loops give "too many statically nested blocks".
    let ifs = |n: usize| {
        let mut s: String = (0..n)
            .map(|i| format!("{}if x:\n", " ".repeat(i)))
            .collect();
        s.push_str(&format!("{}pass\n", " ".repeat(n)));
        s
    };
    let _ = parse_deep("ifs 500", ifs(500));
    let _ = parse_deep("ifs 100", ifs(100));
    let fors: String = (0..100)
        .map(|i| format!("{}for x in y:\n", " ".repeat(i)))
        .chain([format!("{}pass\n", " ".repeat(100))])
        .collect();
    let _ = parse_deep("fors 100", fors);
    let defs: String = (0..300)
        .map(|i| format!("{}def f():\n", " ".repeat(i)))
        .chain([format!("{}return x\n", " ".repeat(300))])
        .collect();
    let _ = parse_deep("defs 300", defs);
}
