//! The first resolver pass: which names each scope binds, declares and uses, and what kind of
//! function it is. The second pass (`resolve.rs`) turns these facts into slots and cells.

use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::SyntaxError;
use std::collections::HashMap;
use std::rc::Rc;

/// What kind of scope a table describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    /// The module.
    Module,
    /// A class body.
    Class,
    /// A function, lambda or comprehension.
    Function,
}

/// How a name is declared or used in one scope.
#[derive(Clone, Copy, Debug, Default)]
pub struct NameFlags {
    /// Assigned, defined, imported or a parameter here.
    pub bound: bool,
    /// Read here.
    pub used: bool,
    /// A parameter.
    pub param: bool,
    /// Declared `global`.
    pub global: bool,
    /// Declared `nonlocal`.
    pub nonlocal: bool,
    /// Captured by an inner function (filled in by analysis).
    pub cell: bool,
    /// Taken from an enclosing function (filled in by analysis).
    pub free: bool,
    /// Where a `global` / `nonlocal` declaration of it was written.
    pub decl_span: Option<Span>,
}

/// The facts about one scope, with its children in source order.
#[derive(Debug)]
pub struct ScopeTable {
    /// Module, class or function.
    pub kind: ScopeKind,
    /// Names in first-seen order with their flags.
    pub names: Vec<(Rc<str>, NameFlags)>,
    index: HashMap<Rc<str>, usize>,
    /// Nested scopes, in the order the second pass meets them.
    pub children: Vec<ScopeTable>,
    /// Contains `yield`.
    pub has_yield: bool,
    /// Contains `await` (or `async for` / `async with`).
    pub has_await: bool,
    /// Declared with `async def`.
    pub is_async: bool,
    /// A comprehension's hidden function.
    pub is_comprehension: bool,
    /// Where `return` with a value appears (for the async-generator check).
    pub return_value_at: Option<Span>,
    /// Where the first `yield` appears.
    pub yield_at: Option<Span>,
    /// Where the first `yield from` appears.
    pub yield_from_at: Option<Span>,
}

impl ScopeTable {
    fn new(kind: ScopeKind) -> ScopeTable {
        ScopeTable {
            kind,
            names: Vec::new(),
            index: HashMap::new(),
            children: Vec::new(),
            has_yield: false,
            has_await: false,
            is_async: false,
            is_comprehension: false,
            return_value_at: None,
            yield_at: None,
            yield_from_at: None,
        }
    }

    /// The flags of `name`, creating an entry when missing.
    pub fn entry(&mut self, name: &Rc<str>) -> &mut NameFlags {
        let i = match self.index.get(name) {
            Some(&i) => i,
            None => {
                self.names.push((name.clone(), NameFlags::default()));
                self.index.insert(name.clone(), self.names.len() - 1);
                self.names.len() - 1
            }
        };
        &mut self.names[i].1
    }

    /// The flags of `name`, if it appears here.
    pub fn get(&self, name: &str) -> Option<&NameFlags> {
        self.index.get(name).map(|&i| &self.names[i].1)
    }

    /// Whether `name` is a local variable of this function scope (bound, not global/nonlocal).
    pub fn is_local(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|f| f.bound && !f.global && !f.nonlocal)
    }
}

/// Builds the scope tree of a module.
pub fn scan_module(body: &[Stmt]) -> Result<ScopeTable, SyntaxError> {
    let mut t = ScopeTable::new(ScopeKind::Module);
    let mut s = Scanner {
        stack: vec![],
        depth: 0,
    };
    s.stack.push(std::mem::replace(
        &mut t,
        ScopeTable::new(ScopeKind::Module),
    ));
    for st in body {
        s.stmt(st)?;
    }
    Ok(s.stack.pop().expect("the module scope stays on the stack"))
}

/// How deeply expressions may nest: CPython 3.11 compiles 2,500 nested operators and fails
/// at 3,000 with "maximum recursion depth exceeded during compilation". The limit keeps every
/// later recursive pass (resolver, lowering, evaluation) far from the end of the stack.
pub const MAX_EXPR_NESTING: usize = 2_800;

struct Scanner {
    stack: Vec<ScopeTable>,
    /// Current expression nesting.
    depth: usize,
}

impl Scanner {
    fn top(&mut self) -> &mut ScopeTable {
        self.stack
            .last_mut()
            .expect("a scope is always open while scanning")
    }

    fn bind(&mut self, name: &Rc<str>) {
        self.top().entry(name).bound = true;
    }

    fn use_name(&mut self, name: &Rc<str>) {
        self.top().entry(name).used = true;
    }

    fn body(&mut self, b: &[Stmt]) -> Result<(), SyntaxError> {
        for s in b {
            self.stmt(s)?;
        }
        Ok(())
    }

    fn target(&mut self, t: &Expr) -> Result<(), SyntaxError> {
        match &t.kind {
            ExprKind::Name(id) => self.bind(&id.name),
            ExprKind::Tuple(v) | ExprKind::List(v) => {
                for e in v {
                    self.target(e)?;
                }
            }
            ExprKind::Starred(e) => self.target(e)?,
            _ => self.expr(t)?,
        }
        Ok(())
    }

    fn declare(&mut self, names: &[Rc<str>], global: bool, span: Span) -> Result<(), SyntaxError> {
        let kind = self.top().kind;
        if !global && kind == ScopeKind::Module {
            return Err(SyntaxError::new(
                "nonlocal declaration not allowed at module level",
                span,
            ));
        }
        for n in names {
            let f = *self.top().entry(n);
            let what = if global { "global" } else { "nonlocal" };
            if f.param {
                return Err(SyntaxError::new(
                    format!("name '{n}' is parameter and {what}"),
                    span,
                ));
            }
            if f.used && !(f.global || f.nonlocal) {
                return Err(SyntaxError::new(
                    format!("name '{n}' is used prior to {what} declaration"),
                    span,
                ));
            }
            if f.bound && !(f.global || f.nonlocal) {
                return Err(SyntaxError::new(
                    format!("name '{n}' is assigned to before {what} declaration"),
                    span,
                ));
            }
            if (global && f.nonlocal) || (!global && f.global) {
                return Err(SyntaxError::new(
                    format!("name '{n}' is nonlocal and global"),
                    span,
                ));
            }
            let e = self.top().entry(n);
            e.decl_span = Some(span);
            if global {
                e.global = true;
            } else {
                e.nonlocal = true;
            }
        }
        Ok(())
    }

    fn stmt(&mut self, s: &Stmt) -> Result<(), SyntaxError> {
        match &s.kind {
            StmtKind::Expr(e) => self.expr(e)?,
            StmtKind::Assign(targets, v) => {
                self.expr(v)?;
                for t in targets {
                    self.target(t)?;
                }
            }
            StmtKind::AugAssign(t, _, v) => {
                self.expr(v)?;
                if let ExprKind::Name(id) = &t.kind {
                    self.use_name(&id.name);
                }
                self.target(t)?;
            }
            StmtKind::AnnAssign(t, ann, v) => {
                self.expr(ann)?;
                if let Some(v) = v {
                    self.expr(v)?;
                }
                self.target(t)?;
            }
            StmtKind::Del(ts) => {
                for t in ts {
                    self.target(t)?;
                }
            }
            StmtKind::Pass | StmtKind::Break | StmtKind::Continue => {}
            StmtKind::Return(v) => {
                if let Some(v) = v {
                    self.expr(v)?;
                    if self.top().return_value_at.is_none() {
                        self.top().return_value_at = Some(s.span);
                    }
                }
            }
            StmtKind::If(t, b, o) | StmtKind::While(t, b, o) => {
                self.expr(t)?;
                self.body(b)?;
                self.body(o)?;
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                is_async,
            } => {
                if *is_async {
                    self.top().has_await = true;
                }
                self.expr(iter)?;
                self.target(target)?;
                self.body(body)?;
                self.body(orelse)?;
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                self.body(body)?;
                for h in handlers {
                    if let Some(t) = &h.typ {
                        self.expr(t)?;
                    }
                    if let Some(n) = &h.name {
                        self.bind(&n.name);
                    }
                    self.body(&h.body)?;
                }
                self.body(orelse)?;
                self.body(finalbody)?;
            }
            StmtKind::With {
                items,
                body,
                is_async,
            } => {
                if *is_async {
                    self.top().has_await = true;
                }
                for (e, t) in items {
                    self.expr(e)?;
                    if let Some(t) = t {
                        self.target(t)?;
                    }
                }
                self.body(body)?;
            }
            StmtKind::Raise(e, c) => {
                if let Some(e) = e {
                    self.expr(e)?;
                }
                if let Some(c) = c {
                    self.expr(c)?;
                }
            }
            StmtKind::Assert(t, m) => {
                self.expr(t)?;
                if let Some(m) = m {
                    self.expr(m)?;
                }
            }
            StmtKind::Import(aliases) | StmtKind::ImportFrom(_, aliases) => {
                for a in aliases {
                    if &*a.name == "*" {
                        return Err(SyntaxError::new("aio does not support 'import *'", a.span));
                    }
                    self.bind(&a.asname.name);
                }
            }
            StmtKind::Global(names) => self.declare(names, true, s.span)?,
            StmtKind::Nonlocal(names) => self.declare(names, false, s.span)?,
            StmtKind::FunctionDef(f) => {
                for d in &f.decorators {
                    self.expr(d)?;
                }
                self.function(f)?;
                self.bind(&f.name);
            }
            StmtKind::ClassDef(c) => {
                for d in &c.decorators {
                    self.expr(d)?;
                }
                for a in &c.bases {
                    self.arg(a)?;
                }
                // aio never calls finalizers: a class defining one is named as unsupported
                // rather than run without it.
                // Nor does it route every attribute read through a class's own
                // `__getattribute__`.
                for st in c.body.iter() {
                    if let StmtKind::FunctionDef(f) = &st.kind {
                        let unsupported = match &*f.name {
                            "__del__" => "aio does not support __del__ (finalizers)",
                            "__getattribute__" => {
                                "aio does not support overriding __getattribute__"
                            }
                            _ => continue,
                        };
                        return Err(SyntaxError::new(unsupported, st.span));
                    }
                }
                self.stack.push(ScopeTable::new(ScopeKind::Class));
                self.body(&c.body)?;
                let t = self.stack.pop().expect("pushed above");
                self.top().children.push(t);
                self.bind(&c.name);
            }
            StmtKind::Suspend(..) => {}
        }
        Ok(())
    }

    fn function(&mut self, f: &FuncDef) -> Result<(), SyntaxError> {
        let p = &f.params;
        for prm in p.posonly.iter().chain(&p.args).chain(&p.kwonly) {
            if let Some(d) = &prm.default {
                self.expr(d)?;
            }
        }
        for prm in p
            .posonly
            .iter()
            .chain(&p.args)
            .chain(&p.vararg)
            .chain(&p.kwonly)
            .chain(&p.kwarg)
        {
            if let Some(a) = &prm.annotation {
                self.expr(a)?;
            }
        }
        if let Some(r) = &f.returns {
            self.expr(r)?;
        }
        let mut t = ScopeTable::new(ScopeKind::Function);
        t.is_async = f.is_async;
        for prm in p
            .posonly
            .iter()
            .chain(&p.args)
            .chain(&p.kwonly)
            .chain(&p.vararg)
            .chain(&p.kwarg)
        {
            let e = t.entry(&prm.name);
            e.bound = true;
            e.param = true;
        }
        self.stack.push(t);
        self.body(&f.body)?;
        let t = self.stack.pop().expect("pushed above");
        self.top().children.push(t);
        Ok(())
    }

    fn arg(&mut self, a: &Arg) -> Result<(), SyntaxError> {
        match a {
            Arg::Positional(e) | Arg::Star(e) | Arg::Keyword(_, e) | Arg::DoubleStar(e) => {
                self.expr(e)
            }
        }
    }

    fn expr(&mut self, e: &Expr) -> Result<(), SyntaxError> {
        if self.depth >= MAX_EXPR_NESTING {
            return Err(SyntaxError {
                class: crate::syntax::ErrorClass::Recursion,
                msg: "maximum recursion depth exceeded during compilation".into(),
                span: e.span,
            });
        }
        self.depth += 1;
        let r = self.expr_inner(e);
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self, e: &Expr) -> Result<(), SyntaxError> {
        match &e.kind {
            ExprKind::Name(id) => {
                self.use_name(&id.name);
                if &*id.name == "super" {
                    // Zero-argument super() needs the class cell, as in CPython.
                    let cls: Rc<str> = Rc::from("__class__");
                    self.use_name(&cls);
                }
            }
            ExprKind::Const(_) => {}
            ExprKind::FString(parts) => self.fparts(parts)?,
            ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => {
                for x in v {
                    self.expr(x)?;
                }
            }
            ExprKind::Dict(v) => {
                for (k, x) in v {
                    if let Some(k) = k {
                        self.expr(k)?;
                    }
                    self.expr(x)?;
                }
            }
            ExprKind::Starred(x) | ExprKind::Attribute(x, _) | ExprKind::Unary(_, x) => {
                self.expr(x)?
            }
            ExprKind::Subscript(a, b) | ExprKind::BinOp(_, a, b) | ExprKind::BoolOp(_, a, b) => {
                self.expr(a)?;
                self.expr(b)?;
            }
            ExprKind::Slice(a, b, c) => {
                for x in [a, b, c].into_iter().flatten() {
                    self.expr(x)?;
                }
            }
            ExprKind::Call(f, args) => {
                self.expr(f)?;
                for a in args {
                    self.arg(a)?;
                }
            }
            ExprKind::Compare(a, rest) => {
                self.expr(a)?;
                for (_, x) in rest {
                    self.expr(x)?;
                }
            }
            ExprKind::IfExp(c, a, b) => {
                self.expr(c)?;
                self.expr(a)?;
                self.expr(b)?;
            }
            ExprKind::Lambda(f) => self.function(f)?,
            ExprKind::Named(t, v) => {
                self.expr(v)?;
                if let ExprKind::Name(id) = &t.kind {
                    // Inside a comprehension the walrus binds in the enclosing function (PEP 572).
                    let depth = self
                        .stack
                        .iter()
                        .rev()
                        .take_while(|t| t.is_comprehension)
                        .count();
                    let n = self.stack.len();
                    let owner = n - 1 - depth;
                    let owner_is_module = self.stack[owner].kind == ScopeKind::Module;
                    for i in owner + 1..n {
                        let f = self.stack[i].entry(&id.name);
                        f.used = true;
                        if owner_is_module {
                            f.global = true;
                        } else {
                            f.nonlocal = true;
                        }
                    }
                    if self.stack[owner].kind == ScopeKind::Class && depth > 0 {
                        return Err(SyntaxError::new(
                            "assignment expression within a comprehension cannot be used in a class body",
                            e.span,
                        ));
                    }
                    self.stack[owner].entry(&id.name).bound = true;
                } else {
                    return Err(SyntaxError::new(
                        format!(
                            "cannot use assignment expressions with {}",
                            super::resolve::describe_target(t)
                        ),
                        t.span,
                    ));
                }
            }
            ExprKind::Await(x) => {
                self.top().has_await = true;
                self.expr(x)?;
            }
            ExprKind::Yield(x) => {
                let t = self.top();
                t.has_yield = true;
                if t.yield_at.is_none() {
                    t.yield_at = Some(e.span);
                }
                if let Some(x) = x {
                    self.expr(x)?;
                }
            }
            ExprKind::YieldFrom(x) => {
                let t = self.top();
                t.has_yield = true;
                if t.yield_from_at.is_none() {
                    t.yield_from_at = Some(e.span);
                }
                if t.yield_at.is_none() {
                    t.yield_at = Some(e.span);
                }
                self.expr(x)?;
            }
            ExprKind::Comprehension(c) => {
                // The outermost iterable is evaluated in the enclosing scope.
                self.expr(&c.clauses[0].iter)?;
                let mut t = ScopeTable::new(ScopeKind::Function);
                t.is_comprehension = true;
                let dot0: Rc<str> = Rc::from(".0");
                let e0 = t.entry(&dot0);
                e0.bound = true;
                e0.param = true;
                self.stack.push(t);
                for (i, cl) in c.clauses.iter().enumerate() {
                    if i > 0 {
                        self.expr(&cl.iter)?;
                    }
                    if cl.is_async {
                        self.top().has_await = true;
                    }
                    self.target(&cl.target)?;
                    for f in &cl.ifs {
                        self.expr(f)?;
                    }
                }
                self.expr(&c.elt)?;
                if let Some(v) = &c.value {
                    self.expr(v)?;
                }
                if c.kind == CompKind::Generator {
                    self.top().has_yield = true;
                }
                let t = self.stack.pop().expect("pushed above");
                self.top().children.push(t);
            }
        }
        Ok(())
    }

    fn fparts(&mut self, parts: &[FStringPart]) -> Result<(), SyntaxError> {
        for p in parts {
            if let FStringPart::Field { value, spec, .. } = p {
                self.expr(value)?;
                if let Some(s) = spec {
                    self.fparts(s)?;
                }
            }
        }
        Ok(())
    }
}

/// Decides cells and free variables across the tree, as CPython's symtable analysis does.
/// `enclosing` lists the names bound in enclosing function scopes. Returns the names this
/// scope needs from outside.
pub fn analyze(t: &mut ScopeTable, enclosing: &[Rc<str>]) -> Result<Vec<Rc<str>>, SyntaxError> {
    let mut visible: Vec<Rc<str>> = enclosing.to_vec();
    if t.kind == ScopeKind::Function {
        for (n, f) in &t.names {
            if f.bound && !f.global && !f.nonlocal {
                visible.push(n.clone());
            }
        }
    }
    if t.kind == ScopeKind::Class {
        visible.push(Rc::from("__class__"));
    }
    let mut child_free: Vec<Rc<str>> = Vec::new();
    for c in &mut t.children {
        let pass = if t.kind == ScopeKind::Module {
            &[][..]
        } else {
            &visible[..]
        };
        for n in analyze(c, pass)? {
            if !child_free.contains(&n) {
                child_free.push(n);
            }
        }
    }
    let mut need = Vec::new();
    for n in child_free {
        let kind = t.kind;
        let e = t.entry(&n);
        let own_local = kind == ScopeKind::Function && e.bound && !e.global && !e.nonlocal;
        if own_local || (kind == ScopeKind::Class && &*n == "__class__") {
            e.cell = true;
        } else if !e.global {
            e.free = true;
            need.push(n);
        }
    }
    // Names this scope uses but does not bind: free when an enclosing function binds them.
    for i in 0..t.names.len() {
        let (n, f) = t.names[i].clone();
        if f.nonlocal {
            if !enclosing.contains(&n) {
                return Err(SyntaxError::new(
                    format!("no binding for nonlocal '{n}' found"),
                    f.decl_span.unwrap_or_default(),
                ));
            }
            t.names[i].1.free = true;
            if !need.contains(&n) {
                need.push(n);
            }
        } else if !f.bound && !f.global && t.kind != ScopeKind::Module && enclosing.contains(&n) {
            t.names[i].1.free = true;
            if !need.contains(&n) {
                need.push(n);
            }
        }
    }
    Ok(need)
}
