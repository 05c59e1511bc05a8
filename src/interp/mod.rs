//! The interpreter: frames run statements (`exec.rs`), expressions evaluate by recursion
//! (`eval.rs`), calls bind arguments (`call.rs`), and generators resume frames (`generator.rs`).

pub mod call;
pub mod eval;
pub mod exec;
pub mod frame;
pub mod generator;
pub mod protocol;

use crate::compile::code::Code;
use crate::runtime::value::{Exc, Module, Value};
use std::io::Write;
use std::rc::Rc;

/// CPython's default recursion limit.
pub const RECURSION_LIMIT: usize = 1000;

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
    /// Buffered standard output.
    pub out: Box<dyn Write>,
    /// Set when writing to stdout failed (a closed pipe): later writes are dropped.
    pub out_broken: bool,
    /// Addresses of containers whose repr is being computed (to print `[...]` for cycles).
    pub repr_stack: Vec<usize>,
}

impl Interp {
    /// A fresh interpreter writing to `out`.
    pub fn new(out: Box<dyn Write>) -> Interp {
        let builtins = crate::runtime::builtins::make_builtins();
        let main = Module::new("__main__");
        main.set("__name__", Value::str("__main__"));
        let mut it = Interp {
            builtins,
            main,
            modules: Vec::new(),
            exc_stack: Vec::new(),
            depth: 0,
            out,
            out_broken: false,
            repr_stack: Vec::new(),
        };
        crate::runtime::builtins::install_modules(&mut it);
        it
    }

    /// Runs compiled module code in `__main__`.
    pub fn run_module(&mut self, code: Rc<Code>) -> Result<Value, Exc> {
        let globals = self.main.clone();
        {
            let n = globals.names.borrow().len();
            let mut vals = globals.values.borrow_mut();
            if vals.len() < n {
                vals.resize(n, Value::Undef);
            }
        }
        let slots = vec![Value::Undef; code.varnames.len()];
        let mut frame = frame::Frame::new(code, globals, slots, Vec::new());
        match self.run_frame(&mut frame, generator::Resume::Send(Value::None))? {
            generator::Outcome::Return(v) | generator::Outcome::Yield(v) => Ok(v),
        }
    }

    /// Writes text to standard output.
    pub fn write_out(&mut self, s: &str) {
        if self.out_broken {
            return;
        }
        if self.out.write_all(s.as_bytes()).is_err() {
            self.out_broken = true;
        }
    }

    /// Flushes standard output.
    pub fn flush(&mut self) {
        if !self.out_broken && self.out.flush().is_err() {
            self.out_broken = true;
        }
    }
}
