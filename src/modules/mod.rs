//! Built-in modules as module objects: `asyncio`, `time`, `sys`. Each is built on first import;
//! parts written in aio itself (the asyncio combinators and primitives) are compiled then.

pub mod asyncio;
pub mod math;
pub mod math_special;
pub mod random;
pub mod time;

use crate::compile::{compile_module, CompileMode};
use crate::interp::Interp;
use crate::runtime::builtins::native;
use crate::runtime::exceptions::err;
use crate::runtime::value::{Module, NativeFn, PyResult};
use crate::source::SourceFile;
use std::rc::Rc;

/// Builds the built-in module `name`, if there is one.
pub fn build(it: &mut Interp, name: &str) -> Option<PyResult<Rc<Module>>> {
    match name {
        "asyncio" => Some(asyncio::build(it)),
        "time" => Some(time::build(it)),
        "math" => Some(math::build(it)),
        "__future__" => Some(Ok(future_module())),
        "random" => Some(random::build(it)),
        "collections" => Some(Ok(crate::runtime::deque::module(
            &crate::runtime::types::types(),
        ))),
        _ => None,
    }
}

/// `__future__`: its feature names, all already in effect (annotations are never evaluated
/// by aio, so `from __future__ import annotations` changes nothing).
fn future_module() -> Rc<Module> {
    let m = Module::new("__future__");
    m.set("__name__", crate::runtime::value::Value::str("__future__"));
    for name in [
        "annotations",
        "generator_stop",
        "division",
        "absolute_import",
        "print_function",
        "unicode_literals",
        "with_statement",
        "nested_scopes",
        "generators",
    ] {
        m.set(name, crate::runtime::value::Value::str(name));
    }
    m
}

/// Adds native functions to a module.
pub fn add_fns(m: &Module, fns: &[(&'static str, NativeFn)]) {
    for (name, f) in fns {
        m.set(name, native(name, *f));
    }
}

/// Runs aio source text as the body of module `m` (the part of a built-in module written in aio).
pub fn run_in_module(it: &mut Interp, m: &Rc<Module>, file_name: &str, src: &str) -> PyResult<()> {
    let file = SourceFile::new(file_name, src);
    let code = crate::syntax::parse_module(&file.text)
        .and_then(|body| {
            let mut names = m.names.borrow_mut();
            compile_module(body, &file, &mut names, CompileMode::File)
        })
        .map_err(|e| {
            err(
                "SystemError",
                format!("{file_name}: {}: {}", e.class.name(), e.msg),
            )
        })?;
    it.run_code_in(code, m.clone())?;
    Ok(())
}
