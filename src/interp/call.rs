//! Calls: argument binding with CPython's error messages, frames for user functions,
//! generator objects for resumable ones, class instantiation and bound methods.

use super::frame::Frame;
use super::generator::{GenKind, GenState, Generator, NativeStart, NativeStep, Outcome, Resume};
use super::Interp;
use crate::compile::code::FunctionKind;
use crate::runtime::exceptions::{err, new_exception, type_error};
use crate::runtime::types::types;
use crate::runtime::value::{
    BoundMethod, BuiltinFn, BuiltinType, Class, Exc, Function, Kwargs, PyResult, Value,
};
use std::cell::RefCell;
use std::rc::Rc;

/// A frame's cells.
use super::frame::Cells;

/// How many spare slot and block vectors finished calls keep for later ones.
const KEEP: usize = 64;

/// PEP 479: a StopIteration may not leak out of a generator or coroutine body; it becomes
/// `RuntimeError: coroutine raised StopIteration` (`what` is the kind's type name).
pub(crate) fn no_stop_iteration(what: &str, e: Exc) -> Exc {
    if !e.is("StopIteration") {
        return e;
    }
    let msg = format!("{what} raised StopIteration");
    let new = err(
        "RuntimeError",
        msg.replace("async_generator", "async generator"),
    );
    {
        let mut d = new.data();
        d.cause = Some(e.clone());
        d.context = Some(e);
        d.suppress_context = true;
    }
    new
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

fn name_list(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        2 => format!("{} and {}", q[0], q[1]),
        _ => format!("{}, and {}", q[..q.len() - 1].join(", "), q[q.len() - 1]),
    }
}

/// What `__init__` returned, which must be None.
pub(crate) fn init_returned(r: &Value) -> PyResult<()> {
    if r.is_none() {
        return Ok(());
    }
    Err(type_error(format!(
        "__init__() should return None, not '{}'",
        types().class_of(r).name
    )))
}

impl Interp {
    /// Calls any callable value.
    pub fn call(&mut self, callee: &Value, args: Vec<Value>, kwargs: Kwargs) -> PyResult<Value> {
        self.tick()?;
        match callee {
            Value::Function(f) => self.call_function(f, args, kwargs),
            Value::Builtin(b) => match &b.bound {
                Some(this) => {
                    let mut full = Vec::with_capacity(args.len() + 1);
                    full.push(this.clone());
                    full.extend(args);
                    (b.func)(self, &full, &kwargs)
                }
                None => (b.func)(self, &args, &kwargs),
            },
            Value::BoundMethod(m) => {
                let mut full = Vec::with_capacity(args.len() + 1);
                full.push(m.this.clone());
                full.extend(args);
                self.call(&m.func.clone(), full, kwargs)
            }
            Value::Class(c) => self.call_class(c, args, kwargs),
            Value::Instance(i) => {
                if let Some(call) = i.class.lookup("__call__") {
                    let mut full = Vec::with_capacity(args.len() + 1);
                    full.push(callee.clone());
                    full.extend(args);
                    return self.call(&call, full, kwargs);
                }
                Err(type_error(format!(
                    "'{}' object is not callable",
                    i.class.name
                )))
            }
            other => Err(type_error(format!(
                "'{}' object is not callable",
                types().class_of(other).name
            ))),
        }
    }

    /// Calls `__init__` on a new instance; it must return None.
    fn run_init(
        &mut self,
        init: &Value,
        inst: &Value,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> PyResult<()> {
        let r = match init {
            Value::Function(f)
                if f.plain_args == Some(args.len() as u32 + 1) && kwargs.is_empty() =>
            {
                self.tick()?;
                // The arguments' own vector becomes the slots, `self` first.
                let mut slots = args;
                let n = f.code.varnames.len();
                slots.reserve(n.saturating_sub(slots.len()));
                slots.insert(0, inst.clone());
                if slots.len() < n {
                    slots.resize(n, Value::Undef);
                }
                self.run_straight(f, slots, Cells::new())?
            }
            _ => {
                let mut full = Vec::with_capacity(args.len() + 1);
                full.push(inst.clone());
                full.extend(args);
                self.call(init, full, kwargs)?
            }
        };
        init_returned(&r)
    }

    /// The name CPython uses for a callable in argument errors (`f()`, `A.m()`).
    pub fn callable_name(&self, v: &Value) -> String {
        match v {
            Value::Function(f) => format!("{}()", f.code.qualname),
            Value::Builtin(b) => format!("{}()", b.name),
            Value::BoundMethod(m) => self.callable_name(&m.func),
            Value::Class(c) => format!("{}()", c.name),
            other => format!("{} object", types().class_of(other).name),
        }
    }

    /// CPython's `_PyObject_FunctionStr`: the callable with its module (`__main__.f()`), used
    /// by the errors about `*` and `**` arguments at a call site.
    pub fn function_str(&self, v: &Value) -> String {
        match v {
            Value::Function(f) if &*f.globals.name != "builtins" => {
                format!("{}.{}()", f.globals.name, f.code.qualname)
            }
            Value::BoundMethod(m) => self.function_str(&m.func),
            Value::Class(c) if &*c.module != "builtins" => format!("{}.{}()", c.module, c.qualname),
            other => self.callable_name(other),
        }
    }

    /// Binds arguments to a fresh slot vector per the function's signature.
    fn bind_args(
        &mut self,
        f: &Function,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> PyResult<Vec<Value>> {
        let code = &f.code;
        let nslots = code.varnames.len();
        let argc = code.argcount as usize;
        let kwonly = code.kwonlycount as usize;
        // The common case: exactly the positional parameters, nothing else.
        if kwargs.is_empty()
            && args.len() == argc
            && !code.has_varargs
            && !code.has_varkw
            && kwonly == 0
        {
            let mut slots = args;
            slots.resize(nslots, Value::Undef);
            return Ok(slots);
        }
        let fname = &code.qualname;
        let mut slots = vec![Value::Undef; nslots];
        let npos = args.len();
        if npos > argc && !code.has_varargs {
            let given_kwonly = kwargs
                .iter()
                .filter(|(k, _)| code.varnames[argc..argc + kwonly].iter().any(|n| n == k))
                .count();
            let ndef = f.defaults.len();
            let takes = if ndef > 0 {
                format!("from {} to {} positional arguments", argc - ndef, argc)
            } else {
                plural(argc, "positional argument", "positional arguments")
            };
            let given = if given_kwonly > 0 {
                format!(
                    "{} (and {}) were given",
                    plural(npos, "positional argument", "positional arguments"),
                    plural(
                        given_kwonly,
                        "keyword-only argument",
                        "keyword-only arguments"
                    )
                )
            } else if npos == 1 {
                "1 was given".to_string()
            } else {
                format!("{npos} were given")
            };
            return Err(type_error(format!("{fname}() takes {takes} but {given}")));
        }
        let mut rest = Vec::new();
        for (i, v) in args.into_iter().enumerate() {
            if i < argc {
                slots[i] = v;
            } else {
                rest.push(v);
            }
        }
        let mut extra_kw: Vec<(Rc<str>, Value)> = Vec::new();
        let mut posonly_as_kw: Vec<Rc<str>> = Vec::new();
        let posonly = code.posonlycount as usize;
        for (k, v) in kwargs {
            match code.varnames[posonly..argc + kwonly]
                .iter()
                .position(|n| *n == k)
            {
                Some(j) => {
                    let i = posonly + j;
                    if !matches!(slots[i], Value::Undef) {
                        return Err(type_error(format!(
                            "{fname}() got multiple values for argument '{k}'"
                        )));
                    }
                    slots[i] = v;
                }
                None => {
                    if code.has_varkw {
                        extra_kw.push((k, v));
                    } else if code.varnames[..posonly].contains(&k) {
                        posonly_as_kw.push(k);
                    } else {
                        return Err(type_error(format!(
                            "{fname}() got an unexpected keyword argument '{k}'"
                        )));
                    }
                }
            }
        }
        if !posonly_as_kw.is_empty() {
            let names: Vec<&str> = posonly_as_kw.iter().map(|s| &**s).collect();
            return Err(type_error(format!(
                "{fname}() got some positional-only arguments passed as keyword arguments: '{}'",
                names.join(", ")
            )));
        }
        let ndef = f.defaults.len();
        let mut missing: Vec<&str> = Vec::new();
        for (i, slot) in slots.iter_mut().enumerate().take(argc) {
            if matches!(slot, Value::Undef) {
                if i + ndef >= argc {
                    *slot = f.defaults[i + ndef - argc].clone();
                } else {
                    missing.push(&code.varnames[i]);
                }
            }
        }
        if !missing.is_empty() {
            return Err(type_error(format!(
                "{fname}() missing {} {}: {}",
                missing.len(),
                if missing.len() == 1 {
                    "required positional argument"
                } else {
                    "required positional arguments"
                },
                name_list(&missing)
            )));
        }
        for j in 0..kwonly {
            let i = argc + j;
            if matches!(slots[i], Value::Undef) {
                match f.kwdefaults.get(j).cloned().flatten() {
                    Some(d) => slots[i] = d,
                    None => missing.push(&code.varnames[i]),
                }
            }
        }
        if !missing.is_empty() {
            return Err(type_error(format!(
                "{fname}() missing {} {}: {}",
                missing.len(),
                if missing.len() == 1 {
                    "required keyword-only argument"
                } else {
                    "required keyword-only arguments"
                },
                name_list(&missing)
            )));
        }
        let mut next = argc + kwonly;
        if code.has_varargs {
            slots[next] = Value::tuple(rest);
            next += 1;
        }
        if code.has_varkw {
            let mut d = crate::runtime::dict::Dict::new();
            for (k, v) in extra_kw {
                d.insert(crate::runtime::dict::DictKey::str(k), v);
            }
            slots[next] = crate::runtime::gc::tracked(Value::Dict(Rc::new(RefCell::new(d))));
        }
        Ok(slots)
    }

    /// Calls a user function: runs it, or creates its generator / coroutine.
    pub fn call_function(
        &mut self,
        f: &Rc<Function>,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> PyResult<Value> {
        let (slots, cells) = self.bind_frame(f, args, kwargs)?;
        let code = &f.code;
        let kind = match code.kind {
            FunctionKind::Generator => GenKind::Generator,
            FunctionKind::Coroutine => GenKind::Coroutine,
            FunctionKind::AsyncGenerator => GenKind::AsyncGenerator,
            _ => {
                if code.direct {
                    return self.run_straight(f, slots, cells);
                }
                let blocks = self.spare_blocks.pop().unwrap_or_default();
                let mut frame =
                    Frame::with_blocks(code.clone(), f.globals.clone(), slots, cells, blocks);
                let r = self.run_frame(&mut frame, Resume::Send(Value::None));
                self.recycle(&mut frame);
                if self.reports_pending() {
                    self.closes_after_call(r.as_ref().err());
                }
                return match r? {
                    Outcome::Return(v) | Outcome::Yield(v) => Ok(v),
                };
            }
        };
        // A compiled frame keeps where it stopped in its resume path, not a block stack.
        let frame = if code.resumable {
            Frame::straight(code.clone(), f.globals.clone(), slots, cells)
        } else {
            let blocks = self.spare_blocks.pop().unwrap_or_default();
            Frame::with_blocks(code.clone(), f.globals.clone(), slots, cells, blocks)
        };
        Ok(crate::runtime::gc::tracked(Value::Generator(Rc::new(
            Generator::new(kind, frame),
        ))))
    }

    /// `await f(args)` where `f` is a coroutine function whose body has no suspension point
    /// (its code is `direct`): such a coroutine runs to its end at its first `send`, so the
    /// `await` runs its body here as a plain call, and no coroutine object is made (it would
    /// never escape). A StopIteration out of the body becomes CPython's `RuntimeError:
    /// coroutine raised StopIteration` (PEP 479) as it does from a resumed coroutine.
    /// An error binding the arguments is the call's (`call_span`); one out of the body is
    /// the `await`'s, reported on the suspension statement.
    pub(crate) fn await_straight(
        &mut self,
        f: &Rc<Function>,
        args: Vec<Value>,
        kwargs: Kwargs,
        call_span: crate::source::Span,
    ) -> PyResult<Value> {
        if kwargs.is_empty() {
            return self.await_straight_pos(f, args, call_span);
        }
        self.tick().map_err(|e| e.note_span(call_span))?;
        let (slots, cells) = self
            .bind_frame(f, args, kwargs)
            .map_err(|e| e.note_span(call_span))?;
        self.run_straight(f, slots, cells)
            .map_err(|e| no_stop_iteration("coroutine", e))
    }

    /// `await_straight` with positional arguments only.
    pub(crate) fn await_straight_pos(
        &mut self,
        f: &Rc<Function>,
        mut args: Vec<Value>,
        call_span: crate::source::Span,
    ) -> PyResult<Value> {
        self.tick().map_err(|e| e.note_span(call_span))?;
        let (slots, cells) = match f.code.await_args {
            // Exactly its positional parameters: they become its first local slots.
            Some(n) if n == args.len() => {
                let n = f.code.varnames.len();
                if args.len() < n {
                    args.resize(n, Value::Undef);
                }
                (args, Cells::new())
            }
            _ => self
                .bind_frame(f, args, Vec::new())
                .map_err(|e| e.note_span(call_span))?,
        };
        self.run_straight(f, slots, cells)
            .map_err(|e| no_stop_iteration("coroutine", e))
    }

    /// A call's local slots (the arguments bound to the parameters) and its cells.
    fn bind_frame(
        &mut self,
        f: &Function,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> PyResult<(Vec<Value>, Cells)> {
        let mut slots = self.bind_args(f, args, kwargs)?;
        let code = &f.code;
        let ncells = code.cellvars.len() + f.closure.len();
        let mut cells = if ncells == 0 {
            Cells::new()
        } else {
            Cells::with_capacity(ncells)
        };
        for cv in &code.cellvars {
            let v = match cv.param_slot {
                Some(i) => std::mem::replace(&mut slots[i as usize], Value::Undef),
                None => Value::Undef,
            };
            cells.push(crate::runtime::gc::new_cell(v));
        }
        cells.extend(f.closure.iter().cloned());
        Ok((slots, cells))
    }

    /// Runs the body of a function whose code is `direct` to its end, `slots` its bound
    /// local slots. Its frame's vectors are reused by the next call instead of going back to
    /// the allocator.
    #[inline(always)]
    pub(crate) fn run_straight(
        &mut self,
        f: &Function,
        slots: Vec<Value>,
        cells: Cells,
    ) -> PyResult<Value> {
        self.run_straight_in::<false>(f, super::frame::Slots::from_vec(slots), cells)
    }

    /// `run_straight` on slots made already: a vector's go back to the pool after the call, a
    /// window of the value stack is emptied (its values dropped in place). `RET` as in
    /// `run_direct_body`.
    #[inline(always)]
    pub(crate) fn run_straight_in<const RET: bool>(
        &mut self,
        f: &Function,
        slots: super::frame::Slots,
        cells: Cells,
    ) -> PyResult<Value> {
        // The result stays packed in registers (see `direct::packed`) until it is returned.
        let r = Frame::with_straight(&f.code, &f.globals, slots, cells, |frame| {
            let r =
                super::direct::packed::Packed::pack(self.run_direct_body::<RET>(frame, &f.code));
            match frame.slots.take_vec() {
                Some(slots) => self.recycle_args(slots),
                None => frame.slots.clear_window(),
            }
            r
        });
        if self.reports_pending() {
            let r = r.unpack();
            self.closes_after_call(r.as_ref().err());
            return r;
        }
        r.unpack()
    }

    /// Generators a call's locals left suspended when it ended are closed before the caller
    /// goes on, as in CPython; when it raised `e`, they stay with `e` (CPython's traceback
    /// keeps the call's frame) and are closed when `e` goes, after any handler of it.
    #[cold]
    #[inline(never)]
    fn closes_after_call(&mut self, e: Option<&Exc>) {
        let Some(e) = e else {
            return self.run_closes();
        };
        let gens = super::reports::take_closes();
        for g in &gens {
            // Dying again with the exception, it is queued again.
            g.hooked.set(true);
        }
        e.data().dying.extend(gens);
    }

    /// Keeps a finished frame's slot and block vectors for later calls and coroutines (a few
    /// of each).
    fn recycle(&mut self, frame: &mut Frame) {
        let slots = frame.slots.take_vec();
        let mut blocks = std::mem::take(&mut frame.blocks);
        if let Some(mut slots) = slots {
            if self.spare_slots.len() < KEEP && slots.capacity() <= 64 {
                slots.clear();
                self.spare_slots.push(slots);
            }
        }
        if self.spare_blocks.len() < KEEP && (1..=16).contains(&blocks.capacity()) {
            blocks.clear();
            self.spare_blocks.push(blocks);
        }
    }

    /// Keeps a call's spent argument vector, or a finished straight frame's slot vector, for
    /// later calls (its values dropped); moved into the pool, so nothing is left to drop.
    #[inline(always)]
    pub(crate) fn recycle_args(&mut self, mut args: Vec<Value>) {
        if self.spare_slots.len() < KEEP && args.capacity() <= 64 {
            // Values that own nothing (a call's int arguments) are dropped inline.
            while let Some(v) = args.pop() {
                v.drop_quick();
            }
            self.spare_slots.push(args);
        }
    }

    /// An empty vector with room for `cap` values, reused from finished calls when possible.
    #[inline(always)]
    pub(crate) fn arg_vec(&mut self, cap: usize) -> Vec<Value> {
        match self.spare_slots.pop() {
            Some(mut v) => {
                if v.capacity() < cap {
                    v.reserve(cap);
                }
                v
            }
            None => Vec::with_capacity(cap),
        }
    }

    /// The next item of a generator, for a `for` loop or `next_opt`: a plain generator
    /// suspended in compiled code with no exceptions it was handling resumes straight into its
    /// closures (what `gen_resume` and `run_frame` do, without their other cases); anything
    /// else goes through `gen_resume`. (It is `run_taken_frame` written out again on purpose:
    /// the `for` loop's `next` calling that helper measured 4–15 % slower on gen.py.)
    #[inline]
    pub(crate) fn gen_next(&mut self, g: &Rc<Generator>) -> PyResult<Option<Value>> {
        let Some(mut frame) = self.take_compiled_frame(g, GenKind::Generator) else {
            return match self.gen_resume(g, Resume::Send(Value::None))? {
                Outcome::Yield(v) => Ok(Some(v)),
                Outcome::Return(_) => Ok(None),
            };
        };
        self.depth += 1;
        let base = self.exc_stack.len();
        let r = self.run_resumable(&mut frame, Resume::Send(Value::None));
        self.settle_exc_stack(&mut frame, base, matches!(r, Ok(Outcome::Yield(_))));
        self.depth -= 1;
        match r {
            Ok(Outcome::Yield(v)) => {
                self.put_back_suspended(g, frame);
                Ok(Some(v))
            }
            Ok(Outcome::Return(_)) => {
                self.end_taken(g, frame);
                Ok(None)
            }
            Err(e) => {
                self.end_taken(g, frame);
                Err(no_stop_iteration(GenKind::Generator.type_name(), e))
            }
        }
    }

    /// The frame of a generator or coroutine of kind `kind` suspended in compiled code with no
    /// exceptions it was handling, taken out (the generator marked running) to be resumed by
    /// `run_taken_frame`: `gen_resume`'s commonest case without its others or `run_frame`'s,
    /// for the hot callers (`for` loops, task steps). `None` for any other state.
    #[inline(always)]
    pub(crate) fn take_compiled_frame(
        &mut self,
        g: &Rc<Generator>,
        kind: GenKind,
    ) -> Option<Box<Frame>> {
        let fast = g.kind == kind
            && self.depth < super::RECURSION_LIMIT
            && matches!(&*g.state.borrow(),
                GenState::Suspended(f) if f.code.resumable && f.saved_exc.is_empty());
        if !fast {
            return None;
        }
        match std::mem::replace(&mut *g.state.borrow_mut(), GenState::Running) {
            GenState::Suspended(frame) => Some(frame),
            _ => unreachable!("checked above"),
        }
    }

    /// Resumes `frame`, taken from `g` by `take_compiled_frame`, with `resume`, and puts it
    /// back suspended or ends the generator.
    #[inline(always)]
    pub(crate) fn run_taken_frame(
        &mut self,
        g: &Rc<Generator>,
        mut frame: Box<Frame>,
        resume: Resume,
    ) -> PyResult<Outcome> {
        self.depth += 1;
        let base = self.exc_stack.len();
        let r = self.run_resumable(&mut frame, resume);
        self.settle_exc_stack(&mut frame, base, matches!(r, Ok(Outcome::Yield(_))));
        self.depth -= 1;
        match r {
            Ok(Outcome::Yield(v)) => {
                self.put_back_suspended(g, frame);
                Ok(Outcome::Yield(v))
            }
            Ok(Outcome::Return(v)) => {
                self.end_taken(g, frame);
                Ok(Outcome::Return(v))
            }
            Err(e) => {
                self.end_taken(g, frame);
                Err(no_stop_iteration(g.kind.type_name(), e))
            }
        }
    }

    /// After a frame's step from exception-stack height `base`: a frame that suspended
    /// (`yielded`) keeps the exceptions it was handling (usually none); any other leaves none.
    #[inline(always)]
    fn settle_exc_stack(&mut self, frame: &mut Frame, base: usize, yielded: bool) {
        if yielded {
            if self.exc_stack.len() > base {
                frame.saved_exc = self.exc_stack.drain(base..).collect();
            }
        } else {
            self.exc_stack.truncate(base);
        }
    }

    /// Puts a frame taken by `take_compiled_frame` back, suspended.
    #[inline(always)]
    fn put_back_suspended(&mut self, g: &Generator, frame: Box<Frame>) {
        // The state it replaces is `Running`, which owns nothing.
        std::mem::forget(std::mem::replace(
            &mut *g.state.borrow_mut(),
            GenState::Suspended(frame),
        ));
    }

    /// Ends a generator whose taken frame finished, keeping the frame's vectors.
    #[inline(always)]
    fn end_taken(&mut self, g: &Generator, mut frame: Box<Frame>) {
        *g.state.borrow_mut() = GenState::Done;
        self.recycle(&mut frame);
    }

    /// Resumes a generator or coroutine: CPython's `gen_send_ex`.
    pub fn gen_resume(&mut self, g: &Rc<Generator>, mut resume: Resume) -> PyResult<Outcome> {
        // Not its task's step, nor an await within it: a sleep with no future at the end of
        // its awaits becomes its future first.
        if g.kind == GenKind::Coroutine && self.depth != self.task_depth + self.await_links {
            self.sleep_reached_from_outside(g);
        }
        let what = g.kind.type_name();
        let state = std::mem::replace(&mut *g.state.borrow_mut(), GenState::Running);
        let mut frame = match state {
            GenState::Running => {
                *g.state.borrow_mut() = GenState::Running;
                return Err(err("ValueError", format!("{what} already executing")));
            }
            GenState::Done => {
                *g.state.borrow_mut() = GenState::Done;
                return match resume {
                    // A finished coroutine refuses a throw as it refuses a send (CPython's
                    // `gen_send_ex`); a finished generator raises what was thrown.
                    Resume::Throw(_) if g.kind == GenKind::Coroutine => Err(err(
                        "RuntimeError",
                        "cannot reuse already awaited coroutine",
                    )),
                    Resume::Throw(e) => Err(e),
                    Resume::Send(_) if g.kind == GenKind::Coroutine => Err(err(
                        "RuntimeError",
                        "cannot reuse already awaited coroutine",
                    )),
                    Resume::Send(_) => Ok(Outcome::Return(Value::None)),
                };
            }
            GenState::Created(frame) => {
                if let Resume::Send(v) = &resume {
                    if !v.is_none() {
                        *g.state.borrow_mut() = GenState::Created(frame);
                        let what = if g.kind == GenKind::AsyncGenerator {
                            "async generator"
                        } else {
                            what
                        };
                        return Err(type_error(format!(
                            "can't send non-None value to a just-started {what}"
                        )));
                    }
                }
                frame
            }
            GenState::Suspended(frame) => frame,
            GenState::Native => match (resume, &g.native) {
                (Resume::Send(v), _) if !v.is_none() => {
                    *g.state.borrow_mut() = GenState::Native;
                    return Err(type_error(
                        "can't send non-None value to a just-started coroutine",
                    ));
                }
                (Resume::Send(_), Some(start)) => match self.native_start(start) {
                    Ok(Ok(Outcome::Return(v))) => {
                        *g.state.borrow_mut() = GenState::Done;
                        return Ok(Outcome::Return(v));
                    }
                    Ok(Ok(Outcome::Yield(v))) => {
                        *g.state.borrow_mut() = GenState::NativeSuspended;
                        return Ok(Outcome::Yield(v));
                    }
                    Ok(Err(frame)) => {
                        // The library's frame runs from its first line.
                        resume = Resume::Send(Value::None);
                        frame
                    }
                    Err(e) => {
                        *g.state.borrow_mut() = GenState::Done;
                        return Err(no_stop_iteration(what, e));
                    }
                },
                (Resume::Throw(e), _) => {
                    *g.state.borrow_mut() = GenState::Done;
                    return Err(e);
                }
                (Resume::Send(_), None) => {
                    *g.state.borrow_mut() = GenState::Done;
                    return Err(type_error("a native coroutine without a first step"));
                }
            },
            GenState::NativeSuspended => {
                let rest = g.native.as_ref().and_then(|s| s.rest.borrow().clone());
                if let Some(rest) = rest {
                    use super::exec::Delegated;
                    let r = match self.resume_native(&rest, resume) {
                        Ok(r) => r,
                        Err(_) => Err(type_error("a native coroutine lost its wait")),
                    };
                    if matches!(r, Ok(Delegated::Yielded(_))) {
                        *g.state.borrow_mut() = GenState::NativeSuspended;
                    } else {
                        *g.state.borrow_mut() = GenState::Done;
                        drop(g.native.as_ref().and_then(|s| s.rest.borrow_mut().take()));
                    }
                    return r.map(|d| match d {
                        Delegated::Yielded(v) => Outcome::Yield(v),
                        Delegated::Returned(v) => Outcome::Return(v),
                    });
                }
                *g.state.borrow_mut() = GenState::Done;
                return match resume {
                    Resume::Send(_) => Ok(Outcome::Return(
                        g.native
                            .as_ref()
                            .map(|s| std::mem::take(&mut *s.result.borrow_mut()))
                            .unwrap_or_default(),
                    )),
                    Resume::Throw(e) => Err(e),
                };
            }
        };
        let r = self.run_frame(&mut frame, resume);
        match r {
            Ok(Outcome::Yield(v)) => {
                *g.state.borrow_mut() = GenState::Suspended(frame);
                Ok(Outcome::Yield(v))
            }
            Ok(Outcome::Return(v)) => {
                *g.state.borrow_mut() = GenState::Done;
                self.recycle(&mut frame);
                Ok(Outcome::Return(v))
            }
            Err(e) => {
                *g.state.borrow_mut() = GenState::Done;
                self.recycle(&mut frame);
                Err(no_stop_iteration(what, e))
            }
        }
    }

    /// Runs a library coroutine's Rust first step: what it returned or yielded, or (when it
    /// would have to wait) the fresh frame of the library's `async def` to run instead.
    fn native_start(&mut self, start: &NativeStart) -> PyResult<Result<Outcome, Box<Frame>>> {
        match (start.fast)(self, start.args())? {
            NativeStep::Return(v) => return Ok(Ok(Outcome::Return(v))),
            NativeStep::YieldThenReturn(y, r) => {
                *start.result.borrow_mut() = r;
                return Ok(Ok(Outcome::Yield(y)));
            }
            NativeStep::Sleep(delay, result) => {
                let fut = self.sleep_future(delay, result);
                fut.blocking.set(true);
                *start.rest.borrow_mut() = Some(Value::Future(fut.clone()));
                return Ok(Ok(Outcome::Yield(Value::Future(fut))));
            }
            NativeStep::Wait(w) => {
                let fut = w.fut.clone();
                fut.blocking.set(true);
                let rest = crate::runtime::value::NativeIter::Wait(w);
                *start.rest.borrow_mut() = Some(Value::Iter(Rc::new(RefCell::new(rest))));
                return Ok(Ok(Outcome::Yield(Value::Future(fut))));
            }
            NativeStep::HandOver => {}
        }
        let coro = self.call_function(&start.slow, start.slow_args(), Vec::new())?;
        let Value::Generator(g) = coro else {
            return Err(type_error(
                "a library coroutine function returned no coroutine",
            ));
        };
        let state = std::mem::replace(&mut *g.state.borrow_mut(), GenState::Done);
        match state {
            GenState::Created(frame) => Ok(Err(frame)),
            _ => Err(type_error(
                "a library coroutine function returned a started coroutine",
            )),
        }
    }

    /// `gen.close()`: throws GeneratorExit in; a yield in reply is a RuntimeError.
    pub fn gen_close(&mut self, g: &Rc<Generator>) -> PyResult<()> {
        let suspended = matches!(
            *g.state.borrow(),
            GenState::Suspended(_) | GenState::NativeSuspended
        );
        if !suspended {
            if matches!(*g.state.borrow(), GenState::Created(_) | GenState::Native) {
                *g.state.borrow_mut() = GenState::Done;
            }
            return Ok(());
        }
        let exit = new_exception(types().exc("GeneratorExit"), vec![]);
        match self.gen_resume(g, Resume::Throw(exit)) {
            Ok(Outcome::Yield(_)) => Err(err(
                "RuntimeError",
                format!("{} ignored GeneratorExit", g.kind.type_name()),
            )),
            Ok(Outcome::Return(_)) => Ok(()),
            Err(e) if e.is("GeneratorExit") || e.is("StopIteration") => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `gen.send(v)` / `next(gen)` as Python sees it: a return becomes StopIteration.
    pub fn gen_send(&mut self, g: &Rc<Generator>, v: Value) -> PyResult<Value> {
        match self.gen_resume(g, Resume::Send(v))? {
            Outcome::Yield(x) => Ok(x),
            Outcome::Return(r) => Err(crate::runtime::exceptions::stop_iteration(r)),
        }
    }

    /// `gen.throw(e)` as Python sees it.
    pub fn gen_throw(&mut self, g: &Rc<Generator>, e: Exc) -> PyResult<Value> {
        match self.gen_resume(g, Resume::Throw(e))? {
            Outcome::Yield(x) => Ok(x),
            Outcome::Return(r) => Err(crate::runtime::exceptions::stop_iteration(r)),
        }
    }

    /// Calls a class: instantiates it (or converts, for builtin types).
    fn call_class(&mut self, c: &Rc<Class>, args: Vec<Value>, kwargs: Kwargs) -> PyResult<Value> {
        if c.builtin == BuiltinType::Iterator && Rc::ptr_eq(c, &types().future) {
            return crate::modules::asyncio::ctor_future(self, &args, &kwargs);
        }
        let plan = c.ctor();
        if let Some(new) = plan.new {
            return self.call_class_new(c, new, args, kwargs);
        }
        if c.builtin != BuiltinType::Object
            && c.builtin != BuiltinType::Exception
            && c.dict.borrow().get("__init__").is_none()
        {
            if let Some(ctor) = crate::runtime::builtins::constructor(c) {
                if c.module.as_ref() == "builtins" || Rc::ptr_eq(c, &types().deque) {
                    // int(x), float(x) of a subclass instance convert the value it wraps.
                    let mut args = args;
                    if matches!(c.builtin, BuiltinType::Int | BuiltinType::Float) {
                        if let Some(first) = args.first_mut() {
                            if let Some(b) = super::protocol::builtin_base(first) {
                                *first = b;
                            }
                        }
                    }
                    return ctor(self, &args, &kwargs);
                }
            }
        }
        let inst = self.new_instance(c, if c.is_exception { args.clone() } else { vec![] });
        if c.builtin != BuiltinType::Object && c.builtin != BuiltinType::Exception {
            let base_class = types().class_of_builtin(c.builtin);
            let supported = super::protocol::wraps_builtin_value(c.builtin);
            let ctor = crate::runtime::builtins::constructor(&base_class);
            let (true, Some(ctor)) = (supported, ctor) else {
                return Err(type_error(format!(
                    "aio does not support subclassing '{}' yet",
                    base_class.name
                )));
            };
            // Mutable containers start empty and are filled by `__init__` (the builtin one
            // unless the class defines its own); immutable values are made from the arguments.
            let mutable = matches!(
                c.builtin,
                BuiltinType::List | BuiltinType::Dict | BuiltinType::Set
            );
            let has_init = plan.init.is_some();
            let base = if mutable && has_init {
                ctor(self, &[], &Vec::new())?
            } else if has_init {
                ctor(self, &args[..args.len().min(1)], &Vec::new())?
            } else {
                ctor(self, &args, &kwargs)?
            };
            if let Value::Instance(i) = &inst {
                *i.base_value.borrow_mut() = Some(base);
            }
            if !has_init {
                return Ok(inst);
            }
        }
        match plan.init {
            Some(init) => self.run_init(&init, &inst, args, kwargs)?,
            None => {
                if !c.is_exception && (!args.is_empty() || !kwargs.is_empty()) {
                    return Err(type_error(format!("{}() takes no arguments", c.name)));
                }
                if c.is_exception && !kwargs.is_empty() {
                    return Err(type_error(format!(
                        "{}() takes no keyword arguments",
                        c.name
                    )));
                }
            }
        }
        Ok(inst)
    }

    /// Calls a class whose namespace (or a base's) defines `__new__`, as CPython's `type.__call__`:
    /// `__new__(cls, *args, **kwargs)` makes the object, and `__init__` runs on it with the
    /// same arguments only when it is an instance of the class.
    fn call_class_new(
        &mut self,
        c: &Rc<Class>,
        new: Value,
        args: Vec<Value>,
        kwargs: Kwargs,
    ) -> PyResult<Value> {
        if c.builtin != BuiltinType::Object || c.is_exception {
            return Err(crate::runtime::exceptions::err(
                "NotImplementedError",
                format!(
                    "aio does not support __new__ in a subclass of '{}'",
                    types().class_of_builtin(c.builtin).name
                ),
            ));
        }
        // A plain function set as `__new__` after the class was made is called as it is (the
        // class body's `def __new__` is a static method; a class method binds the class too).
        let new = match new {
            Value::Function(_) => new,
            other => self.bind(other, &Value::Class(c.clone())),
        };
        let mut full = Vec::with_capacity(args.len() + 1);
        full.push(Value::Class(c.clone()));
        full.extend(args.iter().cloned());
        let obj = self.call(&new, full, kwargs.clone())?;
        let Value::Instance(inst) = &obj else {
            return Ok(obj);
        };
        if !inst.class.is_subclass(c) {
            return Ok(obj);
        }
        if let Some(init) = inst.class.lookup("__init__") {
            self.run_init(&init, &obj, args, kwargs)?;
        }
        Ok(obj)
    }

    /// Binds a function found on a class to `this`: functions become bound methods; builtins
    /// become bound builtins; `staticmethod` / `classmethod` unwrap.
    pub fn bind(&mut self, attr: Value, this: &Value) -> Value {
        use crate::runtime::gc::tracked;
        match &attr {
            Value::Function(_) => tracked(Value::BoundMethod(Rc::new(BoundMethod {
                func: attr,
                this: this.clone(),
            }))),
            Value::Builtin(b) if b.bound.is_none() => tracked(Value::Builtin(Rc::new(BuiltinFn {
                name: b.name,
                func: b.func,
                // A builtin type's method works on the value a subclass instance wraps.
                bound: Some(super::protocol::builtin_base(this).unwrap_or_else(|| this.clone())),
                awaits: None,
            }))),
            Value::Instance(i) if Rc::ptr_eq(&i.class, &types().staticmethod) => {
                i.base_value.borrow().clone().unwrap_or(Value::None)
            }
            Value::Instance(i) if Rc::ptr_eq(&i.class, &types().classmethod) => {
                let f = i.base_value.borrow().clone().unwrap_or(Value::None);
                let cls = match this {
                    Value::Class(_) => this.clone(),
                    other => Value::Class(types().class_of(other)),
                };
                tracked(Value::BoundMethod(Rc::new(BoundMethod {
                    func: f,
                    this: cls,
                })))
            }
            _ => attr,
        }
    }

    /// For `obj.name(...)`: the plain function to call with `obj` prepended, when that is what
    /// attribute lookup would bind (saves building a bound method).
    pub fn lookup_method(&mut self, obj: &Value, name: &str) -> Option<Value> {
        match obj {
            Value::Instance(i) => {
                if i.attrs.borrow().contains(name) {
                    return None;
                }
                match i.class.lookup(name) {
                    Some(f @ Value::Function(_)) => Some(f),
                    // `bind` would give the builtin this very instance as its first argument.
                    Some(Value::Builtin(b))
                        if b.bound.is_none()
                            && !super::protocol::wraps_builtin_value(i.class.builtin) =>
                    {
                        Some(Value::Builtin(b))
                    }
                    _ => None,
                }
            }
            Value::Class(_) | Value::Module(_) => None,
            other => match types().class_of(other).lookup(name) {
                Some(b @ Value::Builtin(_)) => Some(b),
                _ => None,
            },
        }
    }

    /// Zero-argument `super()` inside a method: `super(__class__, first_arg)`.
    /// `dir()` without an argument: the sorted names bound in this frame's scope (a function's
    /// locals, cells and free variables, or a class body's namespace so far). At module level
    /// CPython lists the module's globals, among them `__file__`, `__loader__` and `__spec__`,
    /// which aio's modules do not define, so that case is an error naming it.
    pub(crate) fn dir_from_frame(&mut self, frame: &Frame) -> PyResult<Value> {
        let mut names: Vec<Rc<str>> = Vec::new();
        if let Some(ns) = &frame.class_ns {
            names.extend(ns.borrow().keys().cloned());
        } else if frame.code.name.as_ref() == "<module>" {
            return Err(err(
                "NotImplementedError",
                "aio does not support dir() without an argument at module level",
            ));
        } else {
            let code = &frame.code;
            let bound = |v: &Value| !matches!(v, Value::Undef);
            for (name, v) in code.varnames.iter().zip(frame.slots.iter()) {
                let in_cell = code.cellvars.iter().any(|c| &c.name == name);
                // `$…` names are the compiler's temporaries, never the program's.
                if bound(v) && !in_cell && !name.starts_with('$') {
                    names.push(name.clone());
                }
            }
            let cell_names = code
                .cellvars
                .iter()
                .map(|c| &c.name)
                .chain(code.freevars.iter().map(|(n, _)| n));
            for (name, cell) in cell_names.zip(&frame.cells) {
                if bound(&cell.borrow()) {
                    names.push(name.clone());
                }
            }
        }
        names.sort();
        names.dedup();
        Ok(Value::list(
            names.into_iter().map(|n| Value::Str(n.into())).collect(),
        ))
    }

    pub(crate) fn super_from_frame(&mut self, frame: &Frame) -> PyResult<Value> {
        let code = &frame.code;
        let cls_cell = code
            .freevars
            .iter()
            .position(|(n, _)| &**n == "__class__")
            .map(|i| frame.cells[code.cellvars.len() + i].borrow().clone());
        let Some(Value::Class(cls)) = cls_cell else {
            return Err(err("RuntimeError", "super(): __class__ cell not found"));
        };
        if code.argcount == 0 {
            return Err(err("RuntimeError", "super(): no arguments"));
        }
        let first = match code.cellvars.iter().position(|c| c.param_slot == Some(0)) {
            Some(ci) => frame.cells[ci].borrow().clone(),
            None => frame.slots.first().cloned().unwrap_or(Value::Undef),
        };
        if let Value::Undef = first {
            return Err(err("RuntimeError", "super(): arg[0] deleted"));
        }
        Ok(crate::runtime::builtins::make_super(cls, first))
    }
}
