//! The interactive prompt: rustyline for editing, history, highlighting from aio's own lexer
//! and completion; top-level `await` on an event loop that lives as long as the REPL, as in
//! `python -m asyncio`.
//!
//! Line editing runs on its own thread, so the interpreter thread keeps running the loop's
//! tasks while the user types. Completion reads a snapshot of the names in scope that the
//! interpreter publishes after each input.

use crate::asyncio::event_loop::EventLoop;
use crate::compile::code::FunctionKind;
use crate::compile::{compile_module, CompileMode};
use crate::interp::frame::Frame;
use crate::interp::generator::{GenKind, Generator};
use crate::interp::Interp;
use crate::runtime::types::types;
use crate::runtime::value::{Exc, Value};
use crate::source::SourceFile;
use crate::syntax::ast::{Arg, Expr, ExprKind, Ident, Scope, Stmt, StmtKind};
use crate::syntax::{parse_interactive, Incomplete};
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Set by Ctrl-C while a statement runs; the interpreter turns it into KeyboardInterrupt.
pub static INTERRUPT: AtomicBool = AtomicBool::new(false);

const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// What completion can offer: names in scope, and attributes of the values bound to them.
#[derive(Default)]
struct Names {
    names: Vec<String>,
    attrs: HashMap<String, Vec<String>>,
}

/// The rustyline helper: completion from the published names, highlighting from aio's lexer.
struct AioHelper {
    names: Arc<Mutex<Names>>,
}

impl Completer for AioHelper {
    type Candidate = Pair;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .map(|i| i + 1)
            .unwrap_or(0);
        let word = &before[start..];
        let names = self
            .names
            .lock()
            .map_err(|_| rustyline::error::ReadlineError::Interrupted)?;
        let (base, prefix, offset) = match word.rfind('.') {
            Some(d) => (Some(&word[..d]), &word[d + 1..], start + d + 1),
            None => (None, word, start),
        };
        let pool: Vec<&String> = match base {
            Some(b) => names
                .attrs
                .get(b)
                .map(|v| v.iter().collect())
                .unwrap_or_default(),
            None => names.names.iter().collect(),
        };
        let mut out: Vec<Pair> = pool
            .into_iter()
            .filter(|n| n.starts_with(prefix) && (!n.starts_with('_') || prefix.starts_with('_')))
            .map(|n| Pair {
                display: n.clone(),
                replacement: n.clone(),
            })
            .collect();
        if base.is_none() {
            for k in KEYWORDS {
                if k.starts_with(prefix) {
                    out.push(Pair {
                        display: k.to_string(),
                        replacement: k.to_string(),
                    });
                }
            }
        }
        out.sort_by(|a, b| a.display.cmp(&b.display));
        out.dedup_by(|a, b| a.display == b.display);
        Ok((offset, out))
    }
}

impl Hinter for AioHelper {
    type Hint = String;
}

impl Validator for AioHelper {}

impl Highlighter for AioHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        Cow::Owned(highlight(line))
    }
    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        true
    }
}

impl Helper for AioHelper {}

/// Colours a line with ANSI codes from aio's own lexer; the visible text is unchanged.
pub fn highlight(line: &str) -> String {
    use crate::syntax::token::{keyword, Raw};
    use logos::Logos;
    let mut out = String::with_capacity(line.len() + 16);
    let mut last = 0;
    let mut lex = Raw::lexer(line);
    while let Some(tok) = lex.next() {
        let span = lex.span();
        out.push_str(&line[last..span.start]);
        let text = &line[span.clone()];
        let colour = match tok {
            Ok(Raw::Name) if keyword(text).is_some() => Some("\x1b[1;34m"),
            Ok(Raw::Str) => Some("\x1b[32m"),
            Ok(Raw::Decimal | Raw::Radix | Raw::Float) => Some("\x1b[36m"),
            _ => None,
        };
        match colour {
            Some(c) => {
                out.push_str(c);
                out.push_str(text);
                out.push_str("\x1b[0m");
            }
            None => out.push_str(text),
        }
        last = span.end;
    }
    out.push_str(&line[last..]);
    out
}

/// What the line-editing thread read.
enum Read {
    Line(String),
    Interrupted,
    Eof,
}

fn history_path() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".aio_history"))
}

/// The line-editing thread: reads one line per prompt it is sent.
fn reader(prompts: Receiver<String>, lines: Sender<Read>, names: Arc<Mutex<Names>>) {
    let mut ed: Editor<AioHelper, rustyline::history::DefaultHistory> = match Editor::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("aio: cannot start line editing: {e}");
            let _ = lines.send(Read::Eof);
            return;
        }
    };
    ed.set_helper(Some(AioHelper { names }));
    let hist = history_path();
    if let Some(h) = &hist {
        let _ = ed.load_history(h);
    }
    let mut warned = false;
    while let Ok(prompt) = prompts.recv() {
        let r = match ed.readline(&prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = ed.add_history_entry(line.as_str());
                    if let Some(h) = &hist {
                        if let Err(e) = ed.save_history(h) {
                            if !warned {
                                eprintln!(
                                    "aio: cannot write the history file {}: {e}",
                                    h.display()
                                );
                                warned = true;
                            }
                        }
                    }
                }
                Read::Line(line)
            }
            Err(rustyline::error::ReadlineError::Interrupted) => Read::Interrupted,
            Err(_) => Read::Eof,
        };
        if lines.send(r).is_err() {
            break;
        }
    }
}

/// Whether the input so far is a complete statement, needs more lines, or is wrong.
enum Status {
    Complete(Vec<Stmt>),
    More,
    Error(crate::syntax::SyntaxError),
}

fn classify(buf: &str) -> Status {
    let lines: Vec<&str> = buf.lines().collect();
    let ends_blank = lines.len() > 1 && lines.last().is_some_and(|l| l.trim().is_empty());
    match parse_interactive(buf) {
        Ok(stmts) => {
            // As CPython's prompt, a compound statement ends with an empty line.
            let compound = stmts.first().is_some_and(|s| {
                matches!(
                    s.kind,
                    StmtKind::If(..)
                        | StmtKind::While(..)
                        | StmtKind::For { .. }
                        | StmtKind::Try { .. }
                        | StmtKind::With { .. }
                        | StmtKind::FunctionDef(_)
                        | StmtKind::ClassDef(_)
                )
            });
            if compound && !ends_blank {
                Status::More
            } else {
                Status::Complete(stmts)
            }
        }
        Err((e, Incomplete::Yes)) => {
            if ends_blank
                && !(e.msg.contains("never closed") || e.msg.starts_with("unterminated triple"))
            {
                Status::Error(e)
            } else {
                Status::More
            }
        }
        Err((e, Incomplete::No)) => Status::Error(e),
    }
}

/// Wraps top-level expression statements so their value is echoed and kept in `_`.
fn echo_expressions(stmts: Vec<Stmt>) -> Vec<Stmt> {
    stmts
        .into_iter()
        .map(|s| match s.kind {
            StmtKind::Expr(e) => {
                let span = e.span;
                let hook = Expr::new(
                    ExprKind::Name(Ident {
                        name: Rc::from("__aio_displayhook__"),
                        scope: Scope::Unresolved,
                    }),
                    span,
                );
                let call = Expr::new(
                    ExprKind::Call(Box::new(hook), vec![Arg::Positional(e)]),
                    span,
                );
                Stmt::new(StmtKind::Expr(call), s.span)
            }
            kind => Stmt::new(kind, s.span),
        })
        .collect()
}

/// The interactive session.
struct Repl {
    it: Interp,
    prompts: Sender<String>,
    lines: Receiver<Read>,
    names: Arc<Mutex<Names>>,
}

impl Repl {
    /// Waits for the next line while running the loop's ready callbacks and due timers.
    fn read(&mut self, prompt: &str) -> Read {
        self.it.flush();
        if self.prompts.send(prompt.to_string()).is_err() {
            return Read::Eof;
        }
        loop {
            let wait = self.pump();
            let r = match wait {
                Some(d) => self.lines.recv_timeout(d),
                None => self
                    .lines
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
            };
            match r {
                Ok(read) => return read,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Read::Eof,
            }
        }
    }

    /// Runs what the loop has ready; returns how long to wait for the next timer (`None`:
    /// nothing scheduled).
    fn pump(&mut self) -> Option<Duration> {
        loop {
            let (ready, next) = match self.it.event_loop.as_ref() {
                Some(l) => (!l.ready.is_empty(), l.next_timer()),
                None => return None,
            };
            let now = self.it.loop_time();
            let due = next.is_some_and(|t| t <= now);
            if !ready && !due {
                self.it.flush();
                return next.map(|t| Duration::from_secs_f64((t - now).max(0.0)));
            }
            if let Err(e) = self.it.run_once() {
                self.report(&e);
            }
        }
    }

    /// A REPL command: a line starting with `:` (never valid Python).
    fn command(&mut self, cmd: &str) {
        match cmd {
            ":tasks" => {
                self.pump();
                let text = self.it.tasks_report(None);
                self.it.write_out(text.trim_start_matches('\n'));
                self.it.flush();
            }
            _ => eprintln!("unknown command {cmd}: the commands are :tasks"),
        }
    }

    fn report(&mut self, e: &Exc) {
        let text = crate::diagnostics::format_exception(&mut self.it, e);
        self.it.flush();
        eprint!("{text}");
    }

    /// Runs one complete input.
    fn execute(&mut self, buf: &str, stmts: Vec<Stmt>) -> Option<i32> {
        let file = SourceFile::new("<stdin>", buf);
        let stmts = echo_expressions(stmts);
        let code = {
            let mut names = self.it.main.names.borrow_mut();
            compile_module(stmts, &file, &mut names, CompileMode::Interactive)
        };
        let code = match code {
            Ok(c) => c,
            Err(e) => {
                eprint!("{}", crate::diagnostics::render_syntax_error(&e, &file));
                return None;
            }
        };
        INTERRUPT.store(false, Ordering::SeqCst);
        let r = if code.kind == FunctionKind::Coroutine {
            self.run_async(code)
        } else {
            self.it.run_module(code)
        };
        self.it.flush();
        if crate::interp::reports::pending() {
            self.it.print_reports(None);
        }
        match r {
            Ok(_) => {}
            Err(e) if e.is("SystemExit") => {
                let code = match e.args().first() {
                    None | Some(Value::None) => 0,
                    Some(Value::Int(n)) => *n as i32,
                    Some(other) => {
                        let msg = self.it.to_str(other).unwrap_or_default();
                        eprintln!("{msg}");
                        1
                    }
                };
                return Some(code);
            }
            Err(e) => self.report(&e),
        }
        self.publish_names();
        None
    }

    /// Runs input that awaits: its code is a coroutine, driven as a task on the REPL's loop.
    fn run_async(&mut self, code: Rc<crate::compile::code::Code>) -> Result<Value, Exc> {
        let main = self.it.main.clone();
        {
            let n = main.names.borrow().len();
            let mut vals = main.values.borrow_mut();
            if vals.len() < n {
                vals.resize(n, Value::Undef);
            }
        }
        let slots = vec![Value::Undef; code.varnames.len()];
        let frame = Frame::new(code, main, slots, crate::interp::frame::Cells::new());
        let coro = crate::runtime::gc::tracked(Value::Generator(Rc::new(Generator::new(
            GenKind::Coroutine,
            frame,
        ))));
        let task = self.it.create_task(coro, None)?;
        let r = self.it.run_until_complete(&task);
        match r {
            Ok(()) => self.it.future_result(&task),
            Err(e) if e.is_deadlock() => {
                // End the statement alone: what it awaited stays as it is (another prompt
                // may still complete it).
                self.it.detach_task(&task);
                Err(e)
            }
            Err(e) => {
                if !task.done() {
                    let _ = self.it.task_cancel(&task, Value::None);
                }
                Err(e)
            }
        }
    }

    /// Publishes the names in scope (and their attributes) for completion.
    fn publish_names(&mut self) {
        let mut out = Names::default();
        let add_attrs = |name: &str, v: &Value, out: &mut Names| {
            let attrs: Vec<String> = match v {
                Value::Module(m) => {
                    let names = m.names.borrow();
                    let vals = m.values.borrow();
                    (0..names.len())
                        .filter(|&i| !matches!(vals.get(i), Some(Value::Undef) | None))
                        .map(|i| names.name(i as u32).to_string())
                        .collect()
                }
                Value::Class(c) => {
                    let mut v: Vec<String> =
                        c.dict.borrow().keys().map(|k| k.to_string()).collect();
                    for b in &c.mro {
                        v.extend(b.dict.borrow().keys().map(|k| k.to_string()));
                    }
                    v
                }
                Value::Instance(i) => {
                    let mut v: Vec<String> = i
                        .attrs
                        .borrow()
                        .names()
                        .iter()
                        .map(|k| k.to_string())
                        .collect();
                    v.extend(i.class.dict.borrow().keys().map(|k| k.to_string()));
                    for b in &i.class.mro {
                        v.extend(b.dict.borrow().keys().map(|k| k.to_string()));
                    }
                    v
                }
                other => types()
                    .class_of(other)
                    .dict
                    .borrow()
                    .keys()
                    .map(|k| k.to_string())
                    .collect(),
            };
            out.attrs.insert(name.to_string(), attrs);
        };
        for m in [self.it.main.clone(), self.it.builtins.clone()] {
            let names = m.names.borrow();
            let vals = m.values.borrow();
            for i in 0..names.len() {
                let Some(v) = vals.get(i) else { continue };
                if matches!(v, Value::Undef) {
                    continue;
                }
                let n = names.name(i as u32).to_string();
                if n.starts_with('$') {
                    continue;
                }
                if Rc::ptr_eq(&m, &self.it.main) {
                    add_attrs(&n, v, &mut out);
                }
                out.names.push(n);
            }
        }
        if let Ok(mut g) = self.names.lock() {
            *g = out;
        }
    }
}

/// Runs the REPL (after running `script`, for `aio -i FILE`, with `argv` as its `sys.argv`;
/// empty keeps `['']`). Returns the exit code.
pub fn run(script: Option<(String, String)>, virtual_time: bool, argv: &[String]) -> i32 {
    let out: Box<dyn Write> = Box::new(std::io::stdout());
    let mut it = Interp::with_clock(out, virtual_time);
    if !argv.is_empty() {
        crate::runtime::builtins::set_argv(&it, argv);
    }
    let _ = ctrlc::set_handler(|| INTERRUPT.store(true, Ordering::SeqCst));
    if let Some((name, text)) = script {
        // As `python -i`, the prompt opens whatever way the script ended.
        let _ = crate::run_in(&mut it, &name, text);
    }
    it.loop_counter += 1;
    it.event_loop = Some(EventLoop {
        id: it.loop_counter,
        ..Default::default()
    });
    if let Ok(m) = it.import("asyncio") {
        it.main.set("asyncio", m);
    }
    let (ptx, prx) = channel::<String>();
    let (ltx, lrx) = channel::<Read>();
    let names = Arc::new(Mutex::new(Names::default()));
    let reader_names = names.clone();
    let handle = std::thread::spawn(move || reader(prx, ltx, reader_names));
    let mut repl = Repl {
        it,
        prompts: ptx,
        lines: lrx,
        names,
    };
    repl.publish_names();
    println!(
        "aio {} — a Python 3.11 subset with asyncio; `await` works at the prompt.\nType \"exit()\" or press Ctrl-D to leave.",
        env!("CARGO_PKG_VERSION")
    );
    let mut buf = String::new();
    let code = loop {
        let prompt = if buf.is_empty() { ">>> " } else { "... " };
        match repl.read(prompt) {
            Read::Eof => {
                println!();
                break 0;
            }
            Read::Interrupted => {
                println!("KeyboardInterrupt");
                buf.clear();
            }
            Read::Line(line) => {
                if buf.is_empty() && line.trim().is_empty() {
                    continue;
                }
                if buf.is_empty() && line.trim_start().starts_with(':') {
                    repl.command(line.trim());
                    continue;
                }
                buf.push_str(&line);
                buf.push('\n');
                match classify(&buf) {
                    Status::More => {}
                    Status::Error(e) => {
                        let file = SourceFile::new("<stdin>", buf.clone());
                        eprint!("{}", crate::diagnostics::render_syntax_error(&e, &file));
                        buf.clear();
                    }
                    Status::Complete(stmts) => {
                        let text = std::mem::take(&mut buf);
                        if let Some(code) = repl.execute(&text, stmts) {
                            break code;
                        }
                    }
                }
            }
        }
    };
    drop(repl.prompts);
    let _ = handle;
    code
}
