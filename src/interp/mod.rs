//! The interpreter: frames run statements (`exec.rs`), expressions evaluate by recursion
//! (`eval.rs`), calls bind arguments (`call.rs`), and generators resume frames (`generator.rs`).

pub mod asyncgen;
pub mod call;
pub mod direct;
pub mod eval;
pub mod exec;
pub mod frame;
pub mod generator;
pub mod hashing;
pub mod limits;
pub mod object_methods;
pub mod operators;
pub mod protocol;
pub mod reports;
pub mod suggest;
pub mod text;

use crate::compile::code::Code;
use crate::runtime::value::{Exc, Module, Value};
use std::io::Write;
use std::rc::Rc;

/// CPython's default recursion limit.
pub const RECURSION_LIMIT: usize = 1000;

/// Slots in the value stack (256 KiB; memory only as deep recursion touches it). A call that
/// would go past it gets a vector of its own instead.
const VSTACK_SLOTS: usize = 1 << 14;

/// The interpreter state shared by all frames of one program.
pub struct Interp {
    /// The builtins namespace.
    pub builtins: Rc<Module>,
    /// The `__main__` module.
    pub main: Rc<Module>,
    /// Importable modules by name.
    pub modules: Vec<(Rc<str>, Rc<Module>)>,
    /// Exceptions being handled, innermost last (CPython's exc_info stack).
    pub exc_stack: Vec<Exc>,
    /// Current depth of nested frames.
    pub depth: usize,
    /// `depth` where the running task's step resumes its coroutine (`usize::MAX / 2` outside
    /// a task's step). With `await_links`, it tells whether a frame's `await` yields straight
    /// to that step (see `Interp::sleeps_direct`).
    pub task_depth: usize,
    /// How many `await`s between generators are resuming one another since the running task's
    /// step began (each adds one to `depth` too).
    pub await_links: usize,
    /// Buffered standard output.
    pub out: Box<dyn Write>,
    /// Set when writing to stdout failed (a closed pipe): later writes are dropped.
    pub out_broken: bool,
    /// Addresses of containers whose repr is being computed (to print `[...]` for cycles).
    pub repr_stack: Vec<usize>,
    /// The running event loop, while `asyncio.run` runs.
    pub event_loop: Option<crate::asyncio::event_loop::EventLoop>,
    /// The clock behind `time` and the loop.
    pub clock: crate::asyncio::clock::Clock,
    /// Tasks created so far (names are `Task-N`).
    pub task_counter: u64,
    /// Event loops created so far.
    pub loop_counter: u64,
    /// Loops made by `new_event_loop` / `get_event_loop` that are not running and not
    /// closed, and which loop `get_event_loop` gives.
    pub idle_loops: crate::asyncio::event_loop::IdleLoops,
    /// The calls in progress made by expressions: the calling code and the call's offset in
    /// its source, innermost last (where asyncio objects were created, for deadlock reports).
    pub call_sites: Vec<(Rc<Code>, u32)>,
    /// The recorder behind `--trace` and `--timeline`, when one of them is on.
    pub tracer: Option<Box<crate::asyncio::trace::Tracer>>,
    /// The asyncio library's queue classes and methods, for the Rust queue methods.
    pub queue_lib: Option<Rc<crate::asyncio::queue::QueueLib>>,
    /// The asyncio library's lock and event classes and methods, for the Rust lock methods.
    pub locks_lib: Option<Rc<crate::asyncio::locks::LocksLib>>,
    /// The asyncio library's own `sleep`, for what the Rust `asyncio.sleep` leaves to it.
    pub sleep_lib: Option<Rc<crate::runtime::value::Function>>,
    /// Empty slot vectors of finished calls, reused for the next calls' arguments.
    pub spare_slots: Vec<Vec<Value>>,
    /// The value stack: plain calls' local slots are windows of its buffer, which never
    /// grows (its length stays 0; `sp` is the top). See `direct::call_windowed`.
    pub(crate) vstack: Vec<Value>,
    /// The top of `vstack`: the values below it belong to calls still running.
    pub(crate) sp: usize,
    /// Empty block stacks of finished calls, reused by the next calls' frames.
    pub spare_blocks: Vec<thin_vec::ThinVec<frame::Block>>,
    /// How a suspended compiled frame is being resumed, while it finds its way back to the
    /// statement it stopped at (`interp/direct.rs`).
    pub resume_with: Option<generator::Resume>,
    /// The value of a `return` or suspension on its way out of compiled statements
    /// (`interp/direct.rs`).
    pub exit_value: Value,
    /// Whether dying objects left reports or generators to close ([`reports::pending`], kept
    /// here so the check after each statement and call needs no thread-local lookup).
    reports_waiting: Rc<std::cell::Cell<bool>>,
    /// Resource limits and the work counted against them.
    pub budget: limits::Budget,
    /// Tasks still pending when their loop closed (a deadlock, a limit hit), kept so that
    /// [`Interp::teardown`] can break the cycles they sit in (a task awaiting a future whose
    /// callback wakes the task).
    pub abandoned: Vec<Rc<crate::asyncio::future::Future>>,
    /// Futures given a cancel hook (`gather`'s), which usually closes over the future: one
    /// still pending when the program ends (never awaited, its loop closed) is a cycle that
    /// [`Interp::teardown`] breaks.
    pub hooked: Vec<std::rc::Weak<crate::asyncio::future::Future>>,
}

impl Interp {
    /// A fresh interpreter writing to `out`, on the real clock.
    pub fn new(out: Box<dyn Write>) -> Interp {
        Interp::with_clock(out, false)
    }

    /// A fresh interpreter writing to `out`; `virtual_time` runs it on the virtual clock.
    pub fn with_clock(out: Box<dyn Write>, virtual_time: bool) -> Interp {
        let builtins = crate::runtime::builtins::make_builtins();
        let main = Module::new("__main__");
        main.set("__name__", Value::str("__main__"));
        // The program's docstring replaces it (`run_in`); the REPL's stays None.
        main.set("__doc__", Value::None);
        let mut it = Interp {
            builtins,
            main,
            modules: Vec::new(),
            exc_stack: Vec::new(),
            depth: 0,
            task_depth: usize::MAX / 2,
            await_links: 0,
            out,
            out_broken: false,
            repr_stack: Vec::new(),
            event_loop: None,
            idle_loops: Default::default(),
            clock: crate::asyncio::clock::Clock::new(virtual_time),
            task_counter: 0,
            loop_counter: 0,
            call_sites: Vec::new(),
            tracer: None,
            queue_lib: None,
            sleep_lib: None,
            locks_lib: None,
            spare_slots: Vec::new(),
            vstack: Vec::with_capacity(VSTACK_SLOTS),
            sp: 0,
            spare_blocks: Vec::new(),
            resume_with: None,
            exit_value: Value::None,
            reports_waiting: reports::flag(),
            budget: limits::Budget::default(),
            abandoned: Vec::new(),
            hooked: Vec::new(),
        };
        it.set_limits(limits::Limits::default());
        crate::runtime::builtins::install_modules(&mut it);
        it
    }

    /// Runs compiled module code in `__main__`.
    pub fn run_module(&mut self, code: Rc<Code>) -> Result<Value, Exc> {
        let main = self.main.clone();
        self.run_code_in(code, main)
    }

    /// Runs compiled module code with `globals` as its module.
    pub fn run_code_in(&mut self, code: Rc<Code>, globals: Rc<Module>) -> Result<Value, Exc> {
        {
            let n = globals.names.borrow().len();
            let mut vals = globals.values.borrow_mut();
            if vals.len() < n {
                vals.resize(n, Value::Undef);
            }
        }
        let slots = vec![Value::Undef; code.varnames.len()];
        if code.direct {
            let mut frame = frame::Frame::straight(code, globals, slots, frame::Cells::new());
            return self.run_direct(&mut frame);
        }
        let mut frame = frame::Frame::new(code, globals, slots, frame::Cells::new());
        match self.run_frame(&mut frame, generator::Resume::Send(Value::None))? {
            generator::Outcome::Return(v) | generator::Outcome::Yield(v) => Ok(v),
        }
    }

    /// Writes text to standard output.
    pub fn write_out(&mut self, s: &str) {
        if self.tracer.is_some() {
            self.trace_output(s);
        }
        if self.out_broken {
            return;
        }
        if let Err(e) = self.out.write_all(s.as_bytes()) {
            self.output_failed(e);
        }
    }

    /// Ends a finished program's modules, as CPython's finalization clears module
    /// dictionaries: empties the global slots of `__main__` and every imported module, and the
    /// namespaces of the classes they define. Functions refer to their module's globals, and
    /// methods that use `super()` to their class, so without this every program that defines
    /// a function keeps its module alive in a reference cycle after the run. Then the cycle
    /// collector frees the cycles the program built. Reports that these drops leave behind (a
    /// coroutine never awaited, say) are discarded: the program is over.
    pub fn teardown(&mut self) {
        let modules = std::iter::once(&self.main).chain(self.modules.iter().map(|(_, m)| m));
        let types = crate::runtime::types::types();
        let mut doomed = Vec::new();
        // The lookup cache holds class attributes (methods, …) of this run.
        crate::runtime::class_dict::clear_cache();
        for m in modules {
            let values = std::mem::take(&mut *m.values.borrow_mut());
            for v in &values {
                // A method that uses `super()` holds its class in a `__class__` cell.
                if let Value::Class(c) = v {
                    if !types.is_builtin(c) {
                        if let Ok(mut d) = c.dict.try_borrow_mut() {
                            doomed.extend(std::mem::take(&mut *d).into_values());
                        }
                    }
                }
            }
            doomed.extend(values);
        }
        if let Some(l) = self.event_loop.take() {
            self.abandoned.extend(l.tasks);
        }
        for l in std::mem::take(&mut self.idle_loops.loops) {
            self.abandoned.extend(l.tasks);
        }
        let hooked = std::mem::take(&mut self.hooked);
        let hooked = hooked.iter().filter_map(std::rc::Weak::upgrade);
        for t in std::mem::take(&mut self.abandoned)
            .into_iter()
            .chain(hooked)
        {
            abandon_task(&t, &mut doomed);
        }
        crate::runtime::drop::release(doomed);
        // The cycles the program built itself; async generators it finds unfinished are not
        // closed (the loop is gone), nor are generators (as at CPython's shutdown), and their
        // frames may hold more cycles.
        crate::runtime::gc::collect();
        let revived = generator::take_finalized().len() + reports::take_closes().len();
        if revived > 0 {
            crate::runtime::gc::collect();
        }
        reports::discard();
        generator::take_finalized();
    }

    /// CPython's shutdown freeing `__main__`'s namespace: its values go in the order of the
    /// names, and a generator left suspended in a `try` or `with` is closed as its last
    /// reference goes. What else the values' deaths report is not printed (as aio's teardown).
    pub fn clear_main_at_exit(&mut self) {
        if self.reports_pending() {
            self.run_closes();
        }
        let n = self.main.values.borrow().len();
        for i in 0..n {
            if self.limit_is_hit() {
                break;
            }
            let old = match self.main.values.borrow_mut().get_mut(i) {
                Some(v) if !matches!(v, Value::Undef) => std::mem::replace(v, Value::None),
                _ => continue,
            };
            drop(old);
            if self.reports_pending() {
                self.run_closes();
            }
        }
        reports::discard();
    }

    /// Whether dying objects left reports or generators to close: one load.
    #[inline(always)]
    pub(crate) fn reports_pending(&self) -> bool {
        self.reports_waiting.get()
    }

    /// Flushes standard output.
    pub fn flush(&mut self) {
        if !self.out_broken {
            if let Err(e) = self.out.flush() {
                self.output_failed(e);
            }
        }
    }

    /// Stdout failed: later writes are dropped, and when its reader has gone (a closed pipe)
    /// the run stops at the next step, quietly, rather than compute output nobody reads.
    fn output_failed(&mut self, e: std::io::Error) {
        self.out_broken = true;
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            limits::hit_now(limits::LimitHit::OutputClosed);
        }
    }
}

/// Breaks the reference cycles of a future or task that will never run again: its callbacks,
/// cancel hook, the future it awaits (whose callback wakes it) and its coroutine's frame go,
/// their values into `doomed`.
fn abandon_task(t: &Rc<crate::asyncio::future::Future>, doomed: &mut Vec<Value>) {
    let callbacks = std::mem::take(&mut *t.callbacks.borrow_mut());
    let hook = t.cancel_hook.take();
    let waits = t.waits.borrow_mut().take();
    doomed.extend(hook.map(|h| *h));
    drop((callbacks, waits));
    let Some(task) = &t.task else {
        return;
    };
    let waiter = task.fut_waiter.take();
    if let Some(w) = waiter {
        let callbacks = std::mem::take(&mut *w.callbacks.borrow_mut());
        let hook = w.cancel_hook.take();
        doomed.extend(hook.map(|h| *h));
        drop(callbacks);
    }
    if let Value::Generator(g) = &task.coro {
        if let Ok(mut state) = g.state.try_borrow_mut() {
            let frame = std::mem::replace(&mut *state, generator::GenState::Done);
            drop(state);
            drop(frame);
        }
    }
}
