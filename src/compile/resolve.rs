//! The second resolver pass: every name gets its slot, cell or global index; functions, lambdas,
//! comprehensions and class bodies become `Code`; CPython's compile-time SyntaxErrors are raised;
//! and suspensions are lowered (see `lower.rs`) so that expressions never suspend.

use super::code::{CellVar, Code, FunctionKind};
use super::lower::{contains_suspend, Lowerer};
use super::scope::{analyze, scan_module, ScopeKind, ScopeTable};
use super::GlobalNames;
use crate::source::{SourceFile, Span};
use crate::syntax::ast::*;
use crate::syntax::SyntaxError;
use std::collections::{HashMap, VecDeque};
use std::rc::Rc;

/// How module-level code may use `await`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompileMode {
    /// A script file: `await` outside a function is an error.
    File,
    /// The REPL: top-level `await` is allowed and the module code becomes a coroutine.
    Interactive,
}

/// Compiles a parsed module against the module's global table.
pub fn compile_module(
    body: Vec<Stmt>,
    source: &Rc<SourceFile>,
    globals: &mut GlobalNames,
    mode: CompileMode,
) -> Result<Rc<Code>, SyntaxError> {
    let mut table = scan_module(&body)?;
    analyze(&mut table, &[])?;
    let is_async = mode == CompileMode::Interactive && table.has_await;
    let mut r = Resolver {
        source: source.clone(),
        globals,
        scopes: Vec::new(),
    };
    r.push_scope(table, "<module>".into(), "".into(), is_async);
    let body = r.body(Rc::new(body))?;
    let ctx = r.scopes.pop().expect("the module scope was pushed");
    let kind = if is_async {
        FunctionKind::Coroutine
    } else {
        FunctionKind::Module
    };
    Ok(Rc::new(ctx.finish(
        kind,
        body,
        source.clone(),
        Span::default(),
        Default::default(),
    )))
}

/// Per-scope state of the second pass.
pub(crate) struct ScopeCtx {
    kind: ScopeKind,
    table: ScopeTable,
    children: VecDeque<ScopeTable>,
    slots: HashMap<Rc<str>, u32>,
    varnames: Vec<Rc<str>>,
    cells: HashMap<Rc<str>, u32>,
    cellvars: Vec<CellVar>,
    freevars: Vec<(Rc<str>, u32)>,
    loops: u32,
    is_async: bool,
    name: Rc<str>,
    qualname: Rc<str>,
    temps: u32,
}

#[derive(Default)]
struct ParamCounts {
    argcount: u32,
    posonly: u32,
    kwonly: u32,
    varargs: bool,
    varkw: bool,
}

impl ScopeCtx {
    fn finish(
        self,
        kind: FunctionKind,
        body: Body,
        source: Rc<SourceFile>,
        span: Span,
        p: ParamCounts,
    ) -> Code {
        let class_cell = self
            .cells
            .get("__class__")
            .copied()
            .filter(|_| self.kind == ScopeKind::Class);
        let library = crate::asyncio::waits::is_library_file(&source.name);
        let direct = matches!(
            kind,
            FunctionKind::Plain | FunctionKind::Module | FunctionKind::Coroutine
        ) && super::code::runs_straight(&body);
        let simple_args = direct
            && !library
            && !p.varargs
            && !p.varkw
            && p.kwonly == 0
            && self.cellvars.is_empty()
            && self.freevars.is_empty();
        let plain_args =
            (simple_args && kind == FunctionKind::Plain).then_some(p.argcount as usize);
        let await_args =
            (simple_args && kind == FunctionKind::Coroutine).then_some(p.argcount as usize);
        let resumable = matches!(kind, FunctionKind::Generator | FunctionKind::Coroutine)
            && super::code::runs_resumable(&body);
        Code {
            direct,
            resumable,
            plain_args,
            await_args,
            compiled: Default::default(),
            library,
            name: self.name,
            qualname: self.qualname,
            kind,
            argcount: p.argcount,
            posonlycount: p.posonly,
            kwonlycount: p.kwonly,
            has_varargs: p.varargs,
            has_varkw: p.varkw,
            varnames: self.varnames,
            cellvars: self.cellvars,
            freevars: self.freevars,
            body,
            source,
            span,
            class_cell,
        }
    }
}

/// CPython's name for an expression that cannot be a target.
pub fn describe_target(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Call(..) => "function call",
        ExprKind::Const(Constant::None) => "None",
        ExprKind::Const(Constant::Bool(true)) => "True",
        ExprKind::Const(Constant::Bool(false)) => "False",
        ExprKind::Const(Constant::Ellipsis) => "ellipsis",
        ExprKind::Const(_) => "literal",
        ExprKind::FString(_) => "f-string expression",
        ExprKind::BinOp(..) | ExprKind::Unary(..) | ExprKind::BoolOp(..) => "expression",
        ExprKind::Compare(..) => "comparison",
        ExprKind::IfExp(..) => "conditional expression",
        ExprKind::Lambda(_) => "lambda",
        ExprKind::Named(..) => "named expression",
        ExprKind::Await(_) => "await expression",
        ExprKind::Yield(_) | ExprKind::YieldFrom(_) => "yield expression",
        ExprKind::Dict(_) => "dict literal",
        ExprKind::Set(_) => "set display",
        ExprKind::Comprehension(c) => match c.kind {
            CompKind::List => "list comprehension",
            CompKind::Set => "set comprehension",
            CompKind::Dict => "dict comprehension",
            CompKind::Generator => "generator expression",
        },
        ExprKind::Slice(..) => "slice",
        ExprKind::Starred(_) => "starred",
        _ => "expression",
    }
}

/// A name, attribute or subscript: the targets augmented and annotated assignment accept.
fn is_simple_target(t: &Expr) -> bool {
    matches!(
        t.kind,
        ExprKind::Name(_) | ExprKind::Attribute(..) | ExprKind::Subscript(..)
    )
}

/// Where a target appears, which changes CPython's wording.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TargetCtx {
    /// A single-target `=` statement: "... here. Maybe you meant '==' instead of '='?".
    AssignFirst,
    /// Any other binding target.
    Other,
    /// `del`.
    Del,
}

pub(crate) struct Resolver<'a> {
    source: Rc<SourceFile>,
    globals: &'a mut GlobalNames,
    pub(crate) scopes: Vec<ScopeCtx>,
}

impl<'a> Resolver<'a> {
    fn ctx(&mut self) -> &mut ScopeCtx {
        self.scopes
            .last_mut()
            .expect("a scope is open while resolving")
    }

    fn push_scope(&mut self, table: ScopeTable, name: Rc<str>, qualname: Rc<str>, is_async: bool) {
        let mut table = table;
        let children: VecDeque<ScopeTable> = std::mem::take(&mut table.children).into();
        let kind = table.kind;
        let mut ctx = ScopeCtx {
            kind,
            table,
            children,
            slots: HashMap::new(),
            varnames: Vec::new(),
            cells: HashMap::new(),
            cellvars: Vec::new(),
            freevars: Vec::new(),
            loops: 0,
            is_async,
            name,
            qualname,
            temps: 0,
        };
        let parent_cells = self
            .scopes
            .last()
            .map(|p| p.cells.clone())
            .unwrap_or_default();
        let names = ctx.table.names.clone();
        if kind == ScopeKind::Function {
            // Parameters already have slots (see `function`); other locals follow.
            for (n, f) in &names {
                if f.bound
                    && !f.global
                    && !f.nonlocal
                    && !f.cell
                    && !ctx.slots.contains_key(n)
                    && !f.param
                {
                    let i = ctx.varnames.len() as u32;
                    ctx.varnames.push(n.clone());
                    ctx.slots.insert(n.clone(), i);
                }
            }
        }
        for (n, f) in &names {
            if f.cell {
                let i = ctx.cellvars.len() as u32;
                ctx.cellvars.push(CellVar {
                    name: n.clone(),
                    param_slot: None,
                });
                ctx.cells.insert(n.clone(), i);
            }
        }
        for (n, f) in &names {
            if f.free && !f.cell {
                let i = (ctx.cellvars.len() + ctx.freevars.len()) as u32;
                let src = parent_cells.get(n).copied().unwrap_or(0);
                ctx.freevars.push((n.clone(), src));
                ctx.cells.insert(n.clone(), i);
            }
        }
        // Free indices were assigned assuming all cellvars come first.
        self.scopes.push(ctx);
    }

    fn next_child(&mut self) -> ScopeTable {
        self.ctx()
            .children
            .pop_front()
            .expect("the scanner saw every nested scope in this order")
    }

    fn qualname_for(&self, name: &str) -> Rc<str> {
        let parent = self.scopes.last().expect("a scope is open");
        match parent.kind {
            ScopeKind::Module => Rc::from(name),
            ScopeKind::Class => Rc::from(format!("{}.{}", parent.qualname, name)),
            ScopeKind::Function => Rc::from(format!("{}.<locals>.{}", parent.qualname, name)),
        }
    }

    /// Allocates a hidden local (or global at module level) for lowering.
    pub(crate) fn temp(&mut self, span: Span) -> Expr {
        let ctx = self.ctx();
        let name: Rc<str> = Rc::from(format!("$t{}", ctx.temps));
        ctx.temps += 1;
        let scope = match ctx.kind {
            ScopeKind::Function => {
                let i = ctx.varnames.len() as u32;
                ctx.varnames.push(name.clone());
                ctx.slots.insert(name.clone(), i);
                Scope::Local(i)
            }
            _ => Scope::Global(self.globals.index(&name)),
        };
        Expr::new(ExprKind::Name(Ident { name, scope }), span)
    }

    /// Resolves a name for loading or storing in the current scope.
    pub(super) fn scope_of(&mut self, name: &Rc<str>) -> Scope {
        let ctx = self.scopes.last().expect("a scope is open");
        match ctx.kind {
            ScopeKind::Module => Scope::Global(self.globals.index(name)),
            ScopeKind::Class => {
                let f = ctx.table.get(name).copied().unwrap_or_default();
                if f.global {
                    Scope::Global(self.globals.index(name))
                } else if f.free {
                    Scope::Cell(ctx.cells[name])
                } else {
                    Scope::ClassBody(self.globals.index(name))
                }
            }
            ScopeKind::Function => {
                if let Some(&c) = ctx.cells.get(name) {
                    return Scope::Cell(c);
                }
                if let Some(&s) = ctx.slots.get(name) {
                    return Scope::Local(s);
                }
                Scope::Global(self.globals.index(name))
            }
        }
    }

    fn ident(&mut self, id: &mut Ident) {
        id.scope = self.scope_of(&id.name);
    }

    pub(crate) fn body(&mut self, b: Body) -> Result<Body, SyntaxError> {
        let stmts = Rc::try_unwrap(b).unwrap_or_else(|rc| (*rc).clone());
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            self.stmt(s, &mut out)?;
        }
        Ok(Rc::new(out))
    }

    fn check_target(&self, t: &Expr, ctx: TargetCtx) -> Result<(), SyntaxError> {
        match &t.kind {
            ExprKind::Name(id) => {
                if ctx != TargetCtx::Del && &*id.name == "__debug__" {
                    return Err(SyntaxError::new("cannot assign to __debug__", t.span));
                }
                Ok(())
            }
            ExprKind::Attribute(..) | ExprKind::Subscript(..) => Ok(()),
            ExprKind::Tuple(v) | ExprKind::List(v) => {
                if ctx == TargetCtx::Del {
                    for e in v {
                        self.check_target(e, ctx)?;
                    }
                    return Ok(());
                }
                let stars = v
                    .iter()
                    .filter(|e| matches!(e.kind, ExprKind::Starred(_)))
                    .count();
                if stars > 1 {
                    return Err(SyntaxError::new(
                        "multiple starred expressions in assignment",
                        t.span,
                    ));
                }
                for e in v {
                    match &e.kind {
                        ExprKind::Starred(inner) => self.check_target(inner, ctx)?,
                        _ => self.check_target(e, ctx)?,
                    }
                }
                Ok(())
            }
            ExprKind::Starred(_) if ctx != TargetCtx::Del => Err(SyntaxError::new(
                "starred assignment target must be in a list or tuple",
                t.span,
            )),
            _ => {
                let what = describe_target(t);
                let msg = match ctx {
                    TargetCtx::Del => format!("cannot delete {what}"),
                    TargetCtx::AssignFirst
                        if !matches!(
                            what,
                            "None" | "True" | "False" | "ellipsis" | "__debug__"
                        ) =>
                    {
                        format!(
                            "cannot assign to {what} here. Maybe you meant '==' instead of '='?"
                        )
                    }
                    _ => format!("cannot assign to {what}"),
                };
                Err(SyntaxError::new(msg, t.span))
            }
        }
    }

    fn target(&mut self, t: &mut Expr) -> Result<(), SyntaxError> {
        match &mut t.kind {
            ExprKind::Name(id) => {
                self.ident(id);
                Ok(())
            }
            ExprKind::Tuple(v) | ExprKind::List(v) => {
                for e in v {
                    self.target(e)?;
                }
                Ok(())
            }
            ExprKind::Starred(e) => self.target(e),
            _ => self.expr(t),
        }
    }

    fn stmt(&mut self, mut s: Stmt, out: &mut Vec<Stmt>) -> Result<(), SyntaxError> {
        self.check_stmt(&mut s)?;
        // `async for` / `async with` are desugared into awaits, then handled like any code.
        match s.kind {
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                is_async: true,
            } => {
                self.check_async("async for", s.span)?;
                for st in super::lower::desugar_async_for(self, target, iter, body, orelse, s.span)
                {
                    self.stmt(st, out)?;
                }
                return Ok(());
            }
            StmtKind::With {
                items,
                body,
                is_async: true,
            } => {
                self.check_async("async with", s.span)?;
                for st in super::lower::desugar_async_with(self, items, body, s.span) {
                    self.stmt(st, out)?;
                }
                return Ok(());
            }
            kind => s.kind = kind,
        }
        // Statements whose expressions suspend are lowered first, then resolved.
        if self.stmt_suspends(&s) {
            let lowered = Lowerer::new(self).stmt(s)?;
            for l in lowered {
                self.stmt_resolved(l, out)?;
            }
            return Ok(());
        }
        self.stmt_resolved(s, out)
    }

    fn stmt_suspends(&self, s: &Stmt) -> bool {
        match &s.kind {
            StmtKind::Expr(e) => {
                contains_suspend(e)
                    && !matches!(
                        e.kind,
                        ExprKind::Await(_) | ExprKind::Yield(_) | ExprKind::YieldFrom(_)
                    )
                    || matches!(
                        e.kind,
                        ExprKind::Await(_) | ExprKind::Yield(_) | ExprKind::YieldFrom(_)
                    )
            }
            StmtKind::Assign(ts, v) => contains_suspend(v) || ts.iter().any(contains_suspend),
            StmtKind::AugAssign(t, _, v) => contains_suspend(v) || contains_suspend(t),
            StmtKind::AnnAssign(t, a, v) => {
                contains_suspend(t)
                    || contains_suspend(a)
                    || v.as_ref().is_some_and(contains_suspend)
            }
            StmtKind::Del(ts) => ts.iter().any(contains_suspend),
            StmtKind::Return(Some(e)) => contains_suspend(e),
            StmtKind::If(t, ..) | StmtKind::While(t, ..) => contains_suspend(t),
            StmtKind::For { iter, target, .. } => {
                contains_suspend(iter) || contains_suspend(target)
            }
            StmtKind::With { items, .. } => items
                .iter()
                .any(|(e, t)| contains_suspend(e) || t.as_ref().is_some_and(contains_suspend)),
            StmtKind::Raise(e, c) => {
                e.as_ref().is_some_and(contains_suspend) || c.as_ref().is_some_and(contains_suspend)
            }
            StmtKind::Assert(t, m) => {
                contains_suspend(t) || m.as_ref().is_some_and(contains_suspend)
            }
            StmtKind::FunctionDef(f) => {
                f.decorators.iter().any(contains_suspend)
                    || f.params
                        .posonly
                        .iter()
                        .chain(&f.params.args)
                        .chain(&f.params.kwonly)
                        .any(|p| {
                            p.default.as_ref().is_some_and(contains_suspend)
                                || p.annotation.as_ref().is_some_and(contains_suspend)
                        })
            }
            StmtKind::ClassDef(c) => {
                c.decorators.iter().any(contains_suspend)
                    || c.bases.iter().any(|a| match a {
                        Arg::Positional(e)
                        | Arg::Star(e)
                        | Arg::Keyword(_, e)
                        | Arg::DoubleStar(e) => contains_suspend(e),
                    })
            }
            _ => false,
        }
    }

    /// Compile-time checks that come before lowering (target validity), as CPython reports them.
    pub(crate) fn check_stmt(&mut self, s: &mut Stmt) -> Result<(), SyntaxError> {
        match &s.kind {
            StmtKind::Assign(ts, _) => {
                for (i, t) in ts.iter().enumerate() {
                    let ctx = if i == 0 && ts.len() == 1 {
                        TargetCtx::AssignFirst
                    } else {
                        TargetCtx::Other
                    };
                    self.check_target(t, ctx)?;
                }
            }
            StmtKind::AugAssign(t, _, _) if !is_simple_target(t) => {
                let what = match &t.kind {
                    ExprKind::Tuple(_) => "tuple",
                    ExprKind::List(_) => "list",
                    _ => describe_target(t),
                };
                return Err(SyntaxError::new(
                    format!("'{what}' is an illegal expression for augmented assignment"),
                    t.span,
                ));
            }
            StmtKind::AnnAssign(t, _, _) if !is_simple_target(t) => {
                let msg = match &t.kind {
                    ExprKind::Tuple(_) => "only single target (not tuple) can be annotated",
                    ExprKind::List(_) => "only single target (not list) can be annotated",
                    _ => "illegal target for annotation",
                };
                return Err(SyntaxError::new(msg, t.span));
            }
            StmtKind::Del(ts) => {
                for t in ts {
                    self.check_target(t, TargetCtx::Del)?;
                }
            }
            StmtKind::For { target, .. } => self.check_target(target, TargetCtx::Other)?,
            StmtKind::With { items, .. } => {
                for (_, t) in items {
                    if let Some(t) = t {
                        self.check_target(t, TargetCtx::Other)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Resolves a statement that needs no lowering (or was produced by lowering).
    pub(crate) fn stmt_resolved(
        &mut self,
        mut s: Stmt,
        out: &mut Vec<Stmt>,
    ) -> Result<(), SyntaxError> {
        let span = s.span;
        match &mut s.kind {
            StmtKind::Expr(e) => self.expr(e)?,
            StmtKind::Assign(ts, v) => {
                self.expr(v)?;
                for t in ts {
                    self.target(t)?;
                }
            }
            StmtKind::AugAssign(t, _, v) => {
                self.expr(v)?;
                self.target(t)?;
            }
            StmtKind::AnnAssign(t, a, v) => {
                if let Some(v) = v {
                    self.expr(v)?;
                }
                self.target(t)?;
                // Annotations of simple names at function level are not evaluated (CPython);
                // elsewhere they are evaluated and dropped.
                if self.ctx().kind == ScopeKind::Function {
                    *a = Expr::new(ExprKind::Const(Constant::None), a.span);
                } else {
                    self.expr(a)?;
                }
            }
            StmtKind::Del(ts) => {
                for t in ts {
                    self.target(t)?;
                }
            }
            StmtKind::Pass => {}
            StmtKind::Break => {
                if self.ctx().loops == 0 {
                    return Err(SyntaxError::new("'break' outside loop", span));
                }
            }
            StmtKind::Continue => {
                if self.ctx().loops == 0 {
                    return Err(SyntaxError::new("'continue' not properly in loop", span));
                }
            }
            StmtKind::Return(v) => {
                let ctx = self.ctx();
                if ctx.kind != ScopeKind::Function {
                    return Err(SyntaxError::new("'return' outside function", span));
                }
                if v.is_some() && ctx.is_async && ctx.table.has_yield {
                    return Err(SyntaxError::new(
                        "'return' with value in async generator",
                        span,
                    ));
                }
                if let Some(v) = v {
                    self.expr(v)?;
                }
            }
            StmtKind::If(t, b, o) => {
                self.expr(t)?;
                *b = self.body(b.clone())?;
                *o = self.body(o.clone())?;
            }
            StmtKind::While(t, b, o) => {
                self.expr(t)?;
                self.ctx().loops += 1;
                *b = self.body(b.clone())?;
                self.ctx().loops -= 1;
                *o = self.body(o.clone())?;
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                is_async,
            } => {
                if *is_async {
                    self.check_async("async for", span)?;
                }
                self.expr(iter)?;
                self.target(target)?;
                self.ctx().loops += 1;
                *body = self.body(body.clone())?;
                self.ctx().loops -= 1;
                *orelse = self.body(orelse.clone())?;
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                *body = self.body(body.clone())?;
                for h in handlers.iter_mut() {
                    if let Some(t) = &mut h.typ {
                        self.expr(t)?;
                    }
                    if let Some(n) = &mut h.name {
                        self.ident(n);
                    }
                    h.body = self.body(h.body.clone())?;
                }
                *orelse = self.body(orelse.clone())?;
                *finalbody = self.body(finalbody.clone())?;
            }
            StmtKind::With {
                items,
                body,
                is_async,
            } => {
                if *is_async {
                    self.check_async("async with", span)?;
                }
                for (e, t) in items.iter_mut() {
                    self.expr(e)?;
                    if let Some(t) = t {
                        self.target(t)?;
                    }
                }
                *body = self.body(body.clone())?;
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
                for a in aliases.iter_mut() {
                    self.ident(&mut a.asname);
                }
            }
            StmtKind::Global(_) | StmtKind::Nonlocal(_) => {}
            StmtKind::FunctionDef(f) => {
                let mut def = Rc::try_unwrap(f.clone()).unwrap_or_else(|rc| (*rc).clone());
                for d in &mut def.decorators {
                    self.expr(d)?;
                }
                self.function(&mut def)?;
                def.bind = self.scope_of(&def.name);
                *f = Rc::new(def);
            }
            StmtKind::ClassDef(c) => {
                let mut def = Rc::try_unwrap(c.clone()).unwrap_or_else(|rc| (*rc).clone());
                for d in &mut def.decorators {
                    self.expr(d)?;
                }
                for a in &mut def.bases {
                    self.arg(a)?;
                }
                let table = self.next_child();
                let qual = self.qualname_for(&def.name);
                self.push_scope(table, def.name.clone(), qual, false);
                let body = self.body(def.body.clone())?;
                let ctx = self.scopes.pop().expect("pushed above");
                let code = ctx.finish(
                    FunctionKind::Class,
                    body,
                    self.source.clone(),
                    def.span,
                    ParamCounts::default(),
                );
                def.code = Some(Rc::new(code));
                def.bind = self.scope_of(&def.name);
                *c = Rc::new(def);
            }
            StmtKind::Suspend(kind, target, value) => {
                self.check_suspend(*kind, span)?;
                if let Some(v) = value {
                    self.expr(v)?;
                }
                if let Some(t) = target {
                    self.target(t)?;
                }
            }
        }
        out.push(s);
        Ok(())
    }

    fn check_async(&mut self, what: &str, span: Span) -> Result<(), SyntaxError> {
        let ctx = self.ctx();
        if !ctx.is_async {
            return Err(SyntaxError::new(
                format!("'{what}' outside async function"),
                span,
            ));
        }
        Ok(())
    }

    fn check_suspend(&mut self, kind: SuspendKind, span: Span) -> Result<(), SyntaxError> {
        let ctx = self.ctx();
        match kind {
            SuspendKind::Await => {
                if ctx.table.is_comprehension && !ctx.is_async {
                    return Err(SyntaxError::new(
                        "asynchronous comprehension outside of an asynchronous function",
                        span,
                    ));
                }
                if !ctx.is_async {
                    let msg = if ctx.kind == ScopeKind::Function {
                        "'await' outside async function"
                    } else {
                        "'await' outside function"
                    };
                    return Err(SyntaxError::new(msg, span));
                }
            }
            SuspendKind::Yield | SuspendKind::YieldFrom => {
                if ctx.kind != ScopeKind::Function {
                    let w = if kind == SuspendKind::Yield {
                        "'yield' outside function"
                    } else {
                        "'yield from' outside function"
                    };
                    return Err(SyntaxError::new(w, span));
                }
                if kind == SuspendKind::YieldFrom && ctx.is_async {
                    return Err(SyntaxError::new("'yield from' inside async function", span));
                }
                if ctx.table.is_comprehension && ctx.name.as_ref() != "<genexpr>" {
                    return Err(SyntaxError::new("'yield' inside list comprehension", span));
                }
            }
        }
        Ok(())
    }

    fn arg(&mut self, a: &mut Arg) -> Result<(), SyntaxError> {
        match a {
            Arg::Positional(e) | Arg::Star(e) | Arg::Keyword(_, e) | Arg::DoubleStar(e) => {
                self.expr(e)
            }
        }
    }

    fn check_args(&self, args: &[Arg]) -> Result<(), SyntaxError> {
        let mut seen_kw = false;
        let mut seen_dstar = false;
        let mut names: Vec<&str> = Vec::new();
        for a in args {
            match a {
                Arg::Positional(e) => {
                    if seen_dstar {
                        return Err(SyntaxError::new(
                            "positional argument follows keyword argument unpacking",
                            e.span,
                        ));
                    }
                    if seen_kw {
                        return Err(SyntaxError::new(
                            "positional argument follows keyword argument",
                            e.span,
                        ));
                    }
                    if let ExprKind::Comprehension(c) = &e.kind {
                        // A bare generator expression starts where its element does; a
                        // parenthesized one starts at its `(`.
                        let bare = c.elt.span.start == e.span.start;
                        if c.kind == CompKind::Generator && bare && args.len() > 1 {
                            return Err(SyntaxError::new(
                                "Generator expression must be parenthesized",
                                e.span,
                            ));
                        }
                    }
                }
                Arg::Star(e) => {
                    if seen_dstar {
                        return Err(SyntaxError::new(
                            "iterable argument unpacking follows keyword argument unpacking",
                            e.span,
                        ));
                    }
                }
                Arg::Keyword(n, e) => {
                    if names.contains(&&**n) {
                        return Err(SyntaxError::new(
                            format!("keyword argument repeated: {n}"),
                            e.span,
                        ));
                    }
                    names.push(n);
                    seen_kw = true;
                }
                Arg::DoubleStar(_) => seen_dstar = true,
            }
        }
        Ok(())
    }

    pub(crate) fn expr(&mut self, e: &mut Expr) -> Result<(), SyntaxError> {
        let span = e.span;
        match &mut e.kind {
            ExprKind::Name(id) => self.ident(id),
            ExprKind::Const(_) => {}
            ExprKind::FString(parts) => self.fparts(parts)?,
            ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => {
                for x in v {
                    // `*x` is an element of a display, not an expression of its own.
                    match &mut x.kind {
                        ExprKind::Starred(inner) => self.expr(inner)?,
                        _ => self.expr(x)?,
                    }
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
            ExprKind::Starred(_) => {
                return Err(SyntaxError::new("can't use starred expression here", span));
            }
            ExprKind::Attribute(x, _) | ExprKind::Unary(_, x) => self.expr(x)?,
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
                self.check_args(args)?;
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
            ExprKind::Lambda(f) => {
                let mut def = Rc::try_unwrap(f.clone()).unwrap_or_else(|rc| (*rc).clone());
                self.function(&mut def)?;
                *f = Rc::new(def);
            }
            ExprKind::Named(t, v) => {
                self.expr(v)?;
                if let ExprKind::Name(id) = &mut t.kind {
                    self.ident(id);
                }
            }
            ExprKind::Await(_) => return Err(self.suspend_error(SuspendKind::Await, span)),
            ExprKind::Yield(_) => return Err(self.suspend_error(SuspendKind::Yield, span)),
            ExprKind::YieldFrom(_) => return Err(self.suspend_error(SuspendKind::YieldFrom, span)),
            ExprKind::Comprehension(c) => {
                let mut comp = Rc::try_unwrap(c.clone()).unwrap_or_else(|rc| (*rc).clone());
                self.comprehension(&mut comp, span)?;
                *c = Rc::new(comp);
            }
        }
        Ok(())
    }

    /// A suspension that lowering left inside an expression: either it is not allowed here, or
    /// it sits where aio cannot suspend yet.
    fn suspend_error(&mut self, kind: SuspendKind, span: Span) -> SyntaxError {
        if let Err(e) = self.check_suspend(kind, span) {
            return e;
        }
        SyntaxError::new("aio cannot suspend inside this expression yet", span)
    }

    fn fparts(&mut self, parts: &mut [FStringPart]) -> Result<(), SyntaxError> {
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

    /// Compiles a `def` or `lambda`: defaults and annotations in the enclosing scope, the body in
    /// its own.
    fn function(&mut self, def: &mut FuncDef) -> Result<(), SyntaxError> {
        {
            let p = &mut def.params;
            for prm in p
                .posonly
                .iter_mut()
                .chain(p.args.iter_mut())
                .chain(p.kwonly.iter_mut())
            {
                if let Some(d) = &mut prm.default {
                    self.expr(d)?;
                }
            }
        }
        {
            let p = &mut def.params;
            let all = p
                .posonly
                .iter_mut()
                .chain(p.args.iter_mut())
                .chain(p.vararg.iter_mut())
                .chain(p.kwonly.iter_mut())
                .chain(p.kwarg.iter_mut());
            for prm in all {
                if let Some(a) = &mut prm.annotation {
                    self.expr(a)?;
                }
            }
        }
        if let Some(r) = &mut def.returns {
            self.expr(r)?;
        }
        let table = self.next_child();
        let kind = match (def.is_async, table.has_yield) {
            (true, true) => FunctionKind::AsyncGenerator,
            (true, false) => FunctionKind::Coroutine,
            (false, true) => FunctionKind::Generator,
            (false, false) => FunctionKind::Plain,
        };
        let qual = self.qualname_for(&def.name);
        // Parameter slots come first, in CPython's order.
        let p = &def.params;
        let mut order: Vec<Rc<str>> = Vec::new();
        for prm in p.posonly.iter().chain(&p.args).chain(&p.kwonly) {
            order.push(prm.name.clone());
        }
        if let Some(v) = &p.vararg {
            order.push(v.name.clone());
        }
        if let Some(k) = &p.kwarg {
            order.push(k.name.clone());
        }
        let counts = ParamCounts {
            argcount: (p.posonly.len() + p.args.len()) as u32,
            posonly: p.posonly.len() as u32,
            kwonly: p.kwonly.len() as u32,
            varargs: p.vararg.is_some(),
            varkw: p.kwarg.is_some(),
        };
        self.push_function_scope(table, def.name.clone(), qual, def.is_async, &order);
        let body = self.body(def.body.clone())?;
        let ctx = self.scopes.pop().expect("pushed above");
        def.code = Some(Rc::new(ctx.finish(
            kind,
            body,
            self.source.clone(),
            def.span,
            counts,
        )));
        Ok(())
    }

    fn push_function_scope(
        &mut self,
        table: ScopeTable,
        name: Rc<str>,
        qual: Rc<str>,
        is_async: bool,
        params: &[Rc<str>],
    ) {
        // Reserve parameter slots before the other locals.
        let mut table = table;
        let children: VecDeque<ScopeTable> = std::mem::take(&mut table.children).into();
        let mut slots = HashMap::new();
        let mut varnames = Vec::new();
        for (i, n) in params.iter().enumerate() {
            slots.insert(n.clone(), i as u32);
            varnames.push(n.clone());
        }
        table.children = children.into();
        self.push_scope(table, name, qual, is_async);
        let ctx = self.ctx();
        // push_scope gave slots to non-parameter locals only; shift them after the parameters.
        let others: Vec<Rc<str>> = std::mem::take(&mut ctx.varnames);
        ctx.slots = slots;
        ctx.varnames = varnames;
        for n in others {
            let i = ctx.varnames.len() as u32;
            ctx.varnames.push(n.clone());
            ctx.slots.insert(n, i);
        }
        for cv in ctx.cellvars.iter_mut() {
            if let Some(i) = params.iter().position(|p| *p == cv.name) {
                cv.param_slot = Some(i as u32);
            }
        }
    }

    /// Compiles a comprehension into a hidden function whose one parameter `.0` is the outermost
    /// iterator: `[elt for t in it if c]` runs as `r = []; for t in .0: if c: r.append(elt); return r`.
    fn comprehension(&mut self, c: &mut Comprehension, span: Span) -> Result<(), SyntaxError> {
        self.expr(&mut c.clauses[0].iter)?;
        let table = self.next_child();
        let name: Rc<str> = Rc::from(match c.kind {
            CompKind::List => "<listcomp>",
            CompKind::Set => "<setcomp>",
            CompKind::Dict => "<dictcomp>",
            CompKind::Generator => "<genexpr>",
        });
        let qual = self.qualname_for(&name);
        let is_async = self.ctx().is_async && super::lower::comprehension_is_async(c);
        let dot0: Rc<str> = Rc::from(".0");
        self.push_function_scope(
            table,
            name.clone(),
            qual,
            is_async,
            std::slice::from_ref(&dot0),
        );
        for cl in &c.clauses {
            self.check_target(&cl.target, TargetCtx::Other)?;
            if cl.is_async && !is_async {
                return Err(SyntaxError::new(
                    "asynchronous comprehension outside of an asynchronous function",
                    span,
                ));
            }
        }
        let result = if c.kind == CompKind::Generator {
            None
        } else {
            Some(self.temp(span))
        };
        // Build the innermost statements, then wrap them in the clauses from the inside out.
        let elt = c.elt.clone();
        let mut inner: Vec<Stmt> = match (c.kind, &result) {
            (CompKind::Generator, _) => vec![Stmt::new(
                StmtKind::Expr(Expr::new(ExprKind::Yield(Some(Box::new(elt))), span)),
                span,
            )],
            (CompKind::Dict, Some(r)) => {
                // CPython evaluates each key before its value: the key goes to a temp first.
                let key = self.temp(span);
                let value = c
                    .value
                    .clone()
                    .unwrap_or_else(|| Expr::new(ExprKind::Const(Constant::None), span));
                let target = Expr::new(
                    ExprKind::Subscript(Box::new(r.clone()), Box::new(key.clone())),
                    span,
                );
                vec![
                    Stmt::new(StmtKind::Assign(vec![key], elt), span),
                    Stmt::new(StmtKind::Assign(vec![target], value), span),
                ]
            }
            (kind, Some(r)) => {
                let method = if kind == CompKind::Set {
                    "add"
                } else {
                    "append"
                };
                let f = Expr::new(
                    ExprKind::Attribute(Box::new(r.clone()), Rc::from(method)),
                    span,
                );
                vec![Stmt::new(
                    StmtKind::Expr(Expr::new(
                        ExprKind::Call(Box::new(f), vec![Arg::Positional(elt)]),
                        span,
                    )),
                    span,
                )]
            }
            _ => unreachable!("non-generator comprehensions always have a result temp"),
        };
        for (i, cl) in c.clauses.iter().enumerate().rev() {
            for cond in cl.ifs.iter().rev() {
                inner = vec![Stmt::new(
                    StmtKind::If(cond.clone(), Rc::new(inner), Rc::default()),
                    span,
                )];
            }
            let iter = if i == 0 {
                Expr::new(
                    ExprKind::Name(Ident {
                        name: dot0.clone(),
                        scope: Scope::Unresolved,
                    }),
                    span,
                )
            } else {
                cl.iter.clone()
            };
            inner = vec![Stmt::new(
                StmtKind::For {
                    target: cl.target.clone(),
                    iter,
                    body: Rc::new(inner),
                    orelse: Rc::default(),
                    is_async: cl.is_async,
                },
                span,
            )];
        }
        let mut stmts = Vec::new();
        if let Some(r) = &result {
            let init = match c.kind {
                CompKind::List => ExprKind::List(vec![]),
                CompKind::Dict => ExprKind::Dict(vec![]),
                _ => ExprKind::Call(
                    Box::new(Expr::new(
                        ExprKind::Name(Ident {
                            name: Rc::from("set"),
                            scope: Scope::Unresolved,
                        }),
                        span,
                    )),
                    vec![],
                ),
            };
            stmts.push(Stmt::new(
                StmtKind::Assign(vec![r.clone()], Expr::new(init, span)),
                span,
            ));
        }
        stmts.extend(inner);
        if let Some(r) = &result {
            stmts.push(Stmt::new(StmtKind::Return(Some(r.clone())), span));
        }
        let body = self.body(Rc::new(stmts))?;
        let kind = match (c.kind, is_async) {
            (CompKind::Generator, false) => FunctionKind::Generator,
            (CompKind::Generator, true) => FunctionKind::AsyncGenerator,
            (_, true) => FunctionKind::Coroutine,
            (_, false) => FunctionKind::Plain,
        };
        let ctx = self.scopes.pop().expect("pushed above");
        let counts = ParamCounts {
            argcount: 1,
            ..Default::default()
        };
        let code = ctx.finish(kind, body, self.source.clone(), span, counts);
        c.func = Some(Rc::new(FuncDef {
            name,
            params: Params::default(),
            body: Rc::default(),
            decorators: vec![],
            returns: None,
            is_async: false,
            span,
            code: Some(Rc::new(code)),
            bind: Scope::Unresolved,
        }));
        Ok(())
    }
}
