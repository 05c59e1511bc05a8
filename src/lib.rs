//! aio: a small coroutine scripting language — a Python 3 subset with async/await — and its
//! tree-walking interpreter with resumable frames.
//!
//! The pipeline: [`syntax`] (logos lexer, layout, LALRPOP parser) → [`compile`] (resolver and
//! lowering) → [`interp`] (frames and the statement loop) over the values of [`runtime`].

pub mod asyncio;
pub mod compile;
pub mod diagnostics;
pub mod interp;
pub mod memory;
pub mod modules;
pub mod repl;
pub mod runtime;
pub mod source;
pub mod syntax;

use compile::{compile_module, CompileMode};
pub use interp::limits::Limits;
use interp::Interp;
use runtime::value::Value;
use source::SourceFile;
use std::io::Write;

/// Counts the bytes each thread holds, for `--max-memory` ([`memory`]).
#[global_allocator]
static ALLOCATOR: memory::CountingAllocator = memory::CountingAllocator;

/// How to run a program: the clock, the resource limits and what to record.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Run on the virtual clock (waiting takes no real time).
    pub virtual_time: bool,
    /// Resource limits; a run that goes over one stops with a message and exit code 1.
    pub limits: Limits,
    /// Files to write what the schedule recorder saw (`--trace`, `--timeline`).
    pub observe: Observe,
    /// The program's `sys.argv` (the script as given, then its arguments); empty gives `['']`,
    /// as an embedded CPython has.
    pub argv: Vec<String>,
}

/// Stack size of the thread the interpreter runs on: deep enough for the 1000-frame recursion
/// limit in debug builds too.
pub const INTERPRETER_STACK: usize = 1 << 30;

/// Decodes a source file's bytes as CPython does: UTF-8 with an optional byte-order mark.
pub fn decode_source(bytes: &[u8]) -> Result<String, String> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            let pos = e.valid_up_to();
            let byte = bytes.get(pos).copied().unwrap_or(0);
            Err(format!(
                "(unicode error) 'utf-8' codec can't decode byte 0x{byte:02x} in position {pos}: invalid start byte"
            ))
        }
    }
}

/// CPython's message for a source file that is not UTF-8 (PEP 263), naming the first bad byte
/// and its line; `None` when the file decodes.
pub fn non_utf8_file_message(bytes: &[u8], file: &str) -> Option<String> {
    let body = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let pos = std::str::from_utf8(body).err()?.valid_up_to();
    let line = body[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
    Some(format!(
        "Non-UTF-8 code starting with '\\x{:02x}' in file {file} on line {line}, but no encoding declared; see https://peps.python.org/pep-0263/ for details",
        body[pos]
    ))
}

/// Parses, compiles and runs a whole program, printing its output to stdout and any error to
/// stderr as CPython would. Returns the process exit code.
/// `virtual_time` runs it on the virtual clock.
pub fn run_program(name: &str, text: String, virtual_time: bool) -> i32 {
    run_program_with(
        name,
        text,
        &RunOptions {
            virtual_time,
            ..RunOptions::default()
        },
    )
}

/// Parses, compiles and runs a whole program with `options`, printing its output to stdout and
/// any error to stderr as CPython would. Returns the process exit code.
pub fn run_program_with(name: &str, text: String, options: &RunOptions) -> i32 {
    let stdout = std::io::stdout();
    let out: Box<dyn Write> = Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout));
    run_program_to(name, text, options, out)
}

/// As [`run_program_with`], writing the program's output to `out` instead of stdout.
pub fn run_program_to(name: &str, text: String, options: &RunOptions, out: Box<dyn Write>) -> i32 {
    let mut it = Interp::with_clock(out, options.virtual_time);
    it.set_limits(options.limits);
    if !options.argv.is_empty() {
        runtime::builtins::set_argv(&it, &options.argv);
    }
    let observe = &options.observe;
    if observe.trace.is_some() || observe.timeline.is_some() {
        it.tracer = Some(Box::new(asyncio::trace::Tracer::new()));
    }
    let mut code = run_in(&mut it, name, text);
    // As CPython's shutdown; the `-i` prompt keeps the namespace instead.
    if interp::limits::current_hit().is_none() {
        it.clear_main_at_exit();
        it.flush();
    }
    it.set_limits(Limits::default());
    if let Some(t) = it.tracer.take() {
        if write_observations(&t, name, it.loop_time(), options).is_err() {
            code = 1;
        }
    }
    it.teardown();
    code
}

/// Parses and compiles a program without running it: `Ok` or its SyntaxError.
pub fn check_program(text: &str) -> Result<(), syntax::SyntaxError> {
    let file = SourceFile::new("<check>", text.to_string());
    let body = syntax::parse_module(&file.text)?;
    let mut names = compile::GlobalNames::default();
    compile_module(body, &file, &mut names, CompileMode::File).map(|_| ())
}

/// Where to write what the schedule recorder saw during a run (`--trace`, `--timeline`).
#[derive(Clone, Debug, Default)]
pub struct Observe {
    /// A Chrome Trace Event Format JSON file (for Perfetto UI or chrome://tracing).
    pub trace: Option<std::path::PathBuf>,
    /// A self-contained HTML page drawing one lane per task over time.
    pub timeline: Option<std::path::PathBuf>,
}

/// Writes the trace and timeline files `options.observe` asks for; a file that cannot be
/// written is reported on stderr.
fn write_observations(
    t: &asyncio::trace::Tracer,
    name: &str,
    end: f64,
    options: &RunOptions,
) -> Result<(), ()> {
    let program = std::path::Path::new(name)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_string());
    let mut outputs: Vec<(&std::path::PathBuf, String)> = Vec::new();
    if let Some(p) = &options.observe.trace {
        let doc = asyncio::trace_json::to_json(t, &program);
        outputs.push((p, format!("{doc}\n")));
    }
    if let Some(p) = &options.observe.timeline {
        let page = asyncio::timeline::to_html(t, &program, end, options.virtual_time);
        outputs.push((p, page));
    }
    let mut ok = Ok(());
    for (path, text) in outputs {
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("aio: cannot write {}: {e}", path.display());
            ok = Err(());
        }
    }
    ok
}

/// Parses, compiles and runs a program in an existing interpreter (used by `aio -i`).
/// Returns the exit code the program would give.
pub fn run_in(it: &mut Interp, name: &str, text: String) -> i32 {
    // The program's path (or `<stdin>`) is its `__file__`; a `-c` program has none, as in CPython.
    if name != "<string>" {
        it.main.set("__file__", Value::str(name));
    }
    let file = SourceFile::new(name, text);
    let code = syntax::parse_module(&file.text).and_then(|body| {
        it.main.set("__doc__", interp::eval::docstring(&body));
        let mut names = it.main.names.borrow_mut();
        compile_module(body, &file, &mut names, CompileMode::File)
    });
    let code = match code {
        Ok(c) => c,
        Err(e) => {
            eprint!("{}", diagnostics::render_syntax_error(&e, &file));
            return 1;
        }
    };
    let r = it.run_module(code);
    finish(it, r)
}

/// Turns the end of a run into an exit code: flushes stdout, prints an uncaught exception's
/// traceback, and honours `SystemExit`.
fn finish(it: &mut Interp, r: Result<Value, runtime::Exc>) -> i32 {
    if let Some(hit) = interp::limits::current_hit() {
        interp::reports::discard();
        it.flush();
        if hit == interp::limits::LimitHit::OutputClosed {
            return 1;
        }
        let carrier = it.budget.carrier.clone().or(r.err());
        let text = match &carrier {
            Some(e) => diagnostics::format_limit(it, e, hit),
            None => format!("aio: limit reached: {hit}\n"),
        };
        eprint!("{text}");
        return 1;
    }
    if interp::reports::pending() {
        it.print_reports(None);
    }
    it.flush();
    match r {
        Ok(_) => 0,
        Err(e) if e.is("SystemExit") => {
            let args = e.args();
            match args.first() {
                None | Some(Value::None) => 0,
                Some(Value::Int(n)) => *n as i32,
                Some(Value::Bool(b)) => b.get() as i32,
                Some(other) => {
                    let msg = it.to_str(other).unwrap_or_default();
                    eprintln!("{msg}");
                    1
                }
            }
        }
        Err(e) => {
            let text = diagnostics::format_exception(it, &e);
            it.flush();
            eprint!("{text}");
            // CPython dies of the SIGINT it was sent, which a shell sees as 128 + 2.
            if e.is("KeyboardInterrupt") {
                130
            } else {
                1
            }
        }
    }
}

/// Runs `f` on a thread with a deep stack and returns its result.
pub fn with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    match std::thread::Builder::new()
        .stack_size(INTERPRETER_STACK)
        .spawn(f)
    {
        Ok(h) => match h.join() {
            Ok(v) => v,
            Err(p) => std::panic::resume_unwind(p),
        },
        Err(e) => {
            eprintln!("aio: cannot start the interpreter thread: {e}");
            std::process::exit(1)
        }
    }
}
