//! aio: a small coroutine scripting language — a Python 3 subset with async/await — and its
//! tree-walking interpreter with resumable frames.
//!
//! The pipeline: [`syntax`] (logos lexer, layout, LALRPOP parser) → [`compile`] (resolver and
//! lowering) → [`interp`] (frames and the statement loop) over the values of [`runtime`].

pub mod asyncio;
pub mod compile;
pub mod diagnostics;
pub mod interp;
pub mod modules;
pub mod repl;
pub mod runtime;
pub mod source;
pub mod syntax;

use compile::{compile_module, CompileMode};
use interp::Interp;
use runtime::value::Value;
use source::SourceFile;
use std::io::Write;

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

/// Parses, compiles and runs a whole program, printing its output to stdout and any error to
/// stderr as CPython would. Returns the process exit code.
/// `virtual_time` runs it on the virtual clock.
pub fn run_program(name: &str, text: String, virtual_time: bool) -> i32 {
    let stdout = std::io::stdout();
    let out: Box<dyn Write> = Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout));
    let mut it = Interp::with_clock(out, virtual_time);
    run_in(&mut it, name, text)
}

/// Where to write what the schedule recorder saw during a run (`--trace`, `--timeline`).
#[derive(Clone, Debug, Default)]
pub struct Observe {
    /// A Chrome Trace Event Format JSON file (for Perfetto UI or chrome://tracing).
    pub trace: Option<std::path::PathBuf>,
    /// A self-contained HTML page drawing one lane per task over time.
    pub timeline: Option<std::path::PathBuf>,
}

/// As `run_program`, recording the schedule and writing the files `observe` asks for once the
/// program ends (whichever way it ends). A file that cannot be written is reported on stderr
/// and makes the exit code 1.
pub fn run_program_observed(
    name: &str,
    text: String,
    virtual_time: bool,
    observe: &Observe,
) -> i32 {
    let stdout = std::io::stdout();
    let out: Box<dyn Write> = Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout));
    let mut it = Interp::with_clock(out, virtual_time);
    if observe.trace.is_some() || observe.timeline.is_some() {
        it.tracer = Some(Box::new(asyncio::trace::Tracer::new()));
    }
    let mut code = run_in(&mut it, name, text);
    let end = it.loop_time();
    if let Some(t) = it.tracer.take() {
        let program = std::path::Path::new(name)
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.to_string());
        let mut outputs: Vec<(&std::path::PathBuf, String)> = Vec::new();
        if let Some(p) = &observe.trace {
            let doc = asyncio::trace_json::to_json(&t, &program);
            outputs.push((p, format!("{doc}\n")));
        }
        if let Some(p) = &observe.timeline {
            let page = asyncio::timeline::to_html(&t, &program, end, virtual_time);
            outputs.push((p, page));
        }
        for (path, text) in outputs {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("aio: cannot write {}: {e}", path.display());
                code = 1;
            }
        }
    }
    code
}

/// Parses, compiles and runs a program in an existing interpreter (used by `aio -i`).
/// Returns the exit code the program would give.
pub fn run_in(it: &mut Interp, name: &str, text: String) -> i32 {
    let file = SourceFile::new(name, text);
    let code = syntax::parse_module(&file.text).and_then(|body| {
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
                Some(Value::Bool(b)) => *b as i32,
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
            1
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
