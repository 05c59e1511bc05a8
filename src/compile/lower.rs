//! Lowering: makes every `await`, `yield` and `yield from` stand alone at statement level, so
//! expressions evaluate by plain recursion and never suspend.
//!
//! `f(a, await b, c)` becomes `$t0 = a; $t1 = await b; f($t0, $t1, c)`: operands evaluated before a
//! suspension are spilled to temporaries in evaluation order. `and` / `or`, conditional
//! expressions and comparison chains with a suspension in a later operand become `if` statements.

use super::resolve::Resolver;
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::SyntaxError;
use std::rc::Rc;

/// Whether evaluating `e` would suspend (not looking into nested functions).
pub fn contains_suspend(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Await(_) | ExprKind::Yield(_) | ExprKind::YieldFrom(_) => true,
        ExprKind::Name(_) | ExprKind::Const(_) | ExprKind::Lambda(_) => false,
        ExprKind::FString(parts) => parts_suspend(parts),
        ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => v.iter().any(contains_suspend),
        ExprKind::Dict(v) => v
            .iter()
            .any(|(k, x)| k.as_ref().is_some_and(contains_suspend) || contains_suspend(x)),
        ExprKind::Starred(x) | ExprKind::Attribute(x, _) | ExprKind::Unary(_, x) => {
            contains_suspend(x)
        }
        ExprKind::Subscript(a, b)
        | ExprKind::BinOp(_, a, b)
        | ExprKind::BoolOp(_, a, b)
        | ExprKind::Named(a, b) => contains_suspend(a) || contains_suspend(b),
        ExprKind::Slice(a, b, c) => [a, b, c].into_iter().flatten().any(|x| contains_suspend(x)),
        ExprKind::Call(f, args) => {
            contains_suspend(f) || args.iter().any(|a| contains_suspend(arg_expr(a)))
        }
        ExprKind::Compare(a, rest) => {
            contains_suspend(a) || rest.iter().any(|(_, x)| contains_suspend(x))
        }
        ExprKind::IfExp(c, a, b) => {
            contains_suspend(c) || contains_suspend(a) || contains_suspend(b)
        }
        ExprKind::Comprehension(c) => {
            contains_suspend(&c.clauses[0].iter)
                || (c.kind != CompKind::Generator && comprehension_is_async(c))
        }
    }
}

/// Whether a comprehension awaits (or uses `async for`): then, inside an async function, it
/// runs as a coroutine that the enclosing code awaits.
pub fn comprehension_is_async(c: &Comprehension) -> bool {
    fn awaits(e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Await(_) => true,
            ExprKind::Lambda(_) => false,
            ExprKind::Comprehension(inner) => {
                inner.kind != CompKind::Generator && comprehension_is_async(inner)
            }
            _ => {
                let mut found = false;
                visit_children(e, &mut |x| found |= awaits(x));
                found
            }
        }
    }
    c.clauses
        .iter()
        .enumerate()
        .any(|(i, cl)| cl.is_async || (i > 0 && awaits(&cl.iter)) || cl.ifs.iter().any(awaits))
        || awaits(&c.elt)
        || c.value.as_ref().is_some_and(awaits)
}

/// Calls `f` on each direct child expression of `e` (not looking into nested functions).
fn visit_children(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    match &e.kind {
        ExprKind::Name(_) | ExprKind::Const(_) | ExprKind::Lambda(_) => {}
        ExprKind::FString(parts) => {
            fn walk(parts: &[FStringPart], f: &mut dyn FnMut(&Expr)) {
                for p in parts {
                    if let FStringPart::Field { value, spec, .. } = p {
                        f(value);
                        if let Some(s) = spec {
                            walk(s, f);
                        }
                    }
                }
            }
            walk(parts, f)
        }
        ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => v.iter().for_each(f),
        ExprKind::Dict(v) => {
            for (k, x) in v {
                if let Some(k) = k {
                    f(k);
                }
                f(x);
            }
        }
        ExprKind::Starred(x)
        | ExprKind::Attribute(x, _)
        | ExprKind::Unary(_, x)
        | ExprKind::Await(x)
        | ExprKind::YieldFrom(x) => f(x),
        ExprKind::Yield(x) => {
            if let Some(x) = x {
                f(x)
            }
        }
        ExprKind::Subscript(a, b)
        | ExprKind::BinOp(_, a, b)
        | ExprKind::BoolOp(_, a, b)
        | ExprKind::Named(a, b) => {
            f(a);
            f(b);
        }
        ExprKind::Slice(a, b, c) => [a, b, c].into_iter().flatten().for_each(|x| f(x)),
        ExprKind::Call(func, args) => {
            f(func);
            args.iter().for_each(|a| f(arg_expr(a)));
        }
        ExprKind::Compare(a, rest) => {
            f(a);
            rest.iter().for_each(|(_, x)| f(x));
        }
        ExprKind::IfExp(c, a, b) => {
            f(c);
            f(a);
            f(b);
        }
        ExprKind::Comprehension(c) => f(&c.clauses[0].iter),
    }
}

fn parts_suspend(parts: &[FStringPart]) -> bool {
    parts.iter().any(|p| match p {
        FStringPart::Lit(_) => false,
        FStringPart::Field { value, spec, .. } => {
            contains_suspend(value) || spec.as_ref().is_some_and(|s| parts_suspend(s))
        }
    })
}

fn arg_expr(a: &Arg) -> &Expr {
    match a {
        Arg::Positional(e) | Arg::Star(e) | Arg::Keyword(_, e) | Arg::DoubleStar(e) => e,
    }
}

fn stmt(kind: StmtKind, span: Span) -> Stmt {
    Stmt::new(kind, span)
}

fn not(e: Expr) -> Expr {
    let span = e.span;
    Expr::new(ExprKind::Unary(UnaryOp::Not, Box::new(e)), span)
}

fn constant(c: Constant, span: Span) -> Expr {
    Expr::new(ExprKind::Const(c), span)
}

/// Rewrites one statement of a resumable function.
pub(crate) struct Lowerer<'r, 'a> {
    r: &'r mut Resolver<'a>,
}

impl<'r, 'a> Lowerer<'r, 'a> {
    /// A lowerer allocating temporaries in the resolver's current scope.
    pub(crate) fn new(r: &'r mut Resolver<'a>) -> Self {
        Lowerer { r }
    }

    fn unsupported(span: Span) -> SyntaxError {
        SyntaxError::new("aio cannot suspend at this place yet", span)
    }

    /// The statements `s` becomes.
    pub(crate) fn stmt(mut self, s: Stmt) -> Result<Vec<Stmt>, SyntaxError> {
        let span = s.span;
        let mut pre = Vec::new();
        match s.kind {
            StmtKind::Expr(e) => match e.kind {
                ExprKind::Await(x) => {
                    self.suspend_into(SuspendKind::Await, Some(*x), None, span, &mut pre)?
                }
                ExprKind::Yield(x) => {
                    self.suspend_into(SuspendKind::Yield, x.map(|b| *b), None, span, &mut pre)?
                }
                ExprKind::YieldFrom(x) => {
                    self.suspend_into(SuspendKind::YieldFrom, Some(*x), None, span, &mut pre)?
                }
                kind => {
                    let e = self.lin(Expr::new(kind, e.span), &mut pre)?;
                    pre.push(stmt(StmtKind::Expr(e), span));
                }
            },
            StmtKind::Assign(targets, v) if targets.iter().any(contains_suspend) => {
                // CPython evaluates the value first, then each target's parts.
                let v = self.lin(v, &mut pre)?;
                let v = self.spill(v, &mut pre);
                for t in targets {
                    let t = self.lin_target(t, &mut pre)?;
                    pre.push(stmt(StmtKind::Assign(vec![t], v.clone()), span));
                }
            }
            StmtKind::Assign(mut targets, v) => {
                let simple = targets.len() == 1 && matches!(targets[0].kind, ExprKind::Name(_));
                // The suspension statement spans the `await` / `yield` expression, where
                // CPython reports what goes wrong while it waits.
                let at = v.span;
                match v.kind {
                    ExprKind::Await(x) if simple => self.suspend_into(
                        SuspendKind::Await,
                        Some(*x),
                        targets.pop(),
                        at,
                        &mut pre,
                    )?,
                    ExprKind::Yield(x) if simple => self.suspend_into(
                        SuspendKind::Yield,
                        x.map(|b| *b),
                        targets.pop(),
                        at,
                        &mut pre,
                    )?,
                    ExprKind::YieldFrom(x) if simple => self.suspend_into(
                        SuspendKind::YieldFrom,
                        Some(*x),
                        targets.pop(),
                        at,
                        &mut pre,
                    )?,
                    kind => {
                        let v = self.lin(Expr::new(kind, v.span), &mut pre)?;
                        pre.push(stmt(StmtKind::Assign(targets, v), span));
                    }
                }
            }
            StmtKind::AugAssign(t, op, v) => {
                if contains_suspend(&t) {
                    return Err(Self::unsupported(span));
                }
                if contains_suspend(&v) && !self.is_local_name(&t) {
                    // CPython reads the target before it evaluates the value: what it read is
                    // held in a temporary across the suspension, the operation done on it, and
                    // the result stored back (a local cannot change meanwhile: it keeps the
                    // plain form).
                    self.aug_across_suspension(t, op, v, span, &mut pre)?;
                    return Ok(pre);
                }
                let v = self.lin(v, &mut pre)?;
                let v = self.spill(v, &mut pre);
                pre.push(stmt(StmtKind::AugAssign(t, op, v), span));
            }
            StmtKind::AnnAssign(t, a, v) => {
                if contains_suspend(&t) || contains_suspend(&a) {
                    return Err(Self::unsupported(span));
                }
                let v = match v {
                    Some(v) => Some(self.lin(v, &mut pre)?),
                    None => None,
                };
                pre.push(stmt(StmtKind::AnnAssign(t, a, v), span));
            }
            StmtKind::Del(targets) => {
                let mut out = Vec::new();
                for t in targets {
                    out.push(self.lin_target(t, &mut pre)?);
                }
                pre.push(stmt(StmtKind::Del(out), span));
            }
            StmtKind::Return(Some(e)) => {
                let e = self.lin(e, &mut pre)?;
                pre.push(stmt(StmtKind::Return(Some(e)), span));
            }
            StmtKind::If(t, b, o) => {
                let t = self.lin(t, &mut pre)?;
                pre.push(stmt(StmtKind::If(t, b, o), span));
            }
            StmtKind::While(t, b, o) => {
                let mut head = Vec::new();
                let t = self.lin(t, &mut head)?;
                let tspan = t.span;
                if o.is_empty() {
                    head.push(stmt(
                        StmtKind::If(
                            not(t),
                            Rc::new(vec![stmt(StmtKind::Break, tspan)]),
                            Rc::default(),
                        ),
                        tspan,
                    ));
                    head.extend(b.iter().cloned());
                    pre.push(stmt(
                        StmtKind::While(
                            constant(Constant::Bool(true), tspan),
                            Rc::new(head),
                            Rc::default(),
                        ),
                        span,
                    ));
                } else {
                    let flag = self.r.temp(tspan);
                    pre.push(stmt(
                        StmtKind::Assign(
                            vec![flag.clone()],
                            constant(Constant::Bool(false), tspan),
                        ),
                        tspan,
                    ));
                    let exit = vec![
                        stmt(
                            StmtKind::Assign(
                                vec![flag.clone()],
                                constant(Constant::Bool(true), tspan),
                            ),
                            tspan,
                        ),
                        stmt(StmtKind::Break, tspan),
                    ];
                    head.push(stmt(
                        StmtKind::If(not(t), Rc::new(exit), Rc::default()),
                        tspan,
                    ));
                    head.extend(b.iter().cloned());
                    pre.push(stmt(
                        StmtKind::While(
                            constant(Constant::Bool(true), tspan),
                            Rc::new(head),
                            Rc::default(),
                        ),
                        span,
                    ));
                    pre.push(stmt(StmtKind::If(flag, o, Rc::default()), span));
                }
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
                is_async,
            } => {
                if contains_suspend(&target) {
                    return Err(Self::unsupported(span));
                }
                let iter = self.lin(iter, &mut pre)?;
                pre.push(stmt(
                    StmtKind::For {
                        target,
                        iter,
                        body,
                        orelse,
                        is_async,
                    },
                    span,
                ));
            }
            StmtKind::With {
                items,
                body,
                is_async,
            } => {
                let mut new_items = Vec::new();
                for (i, (e, t)) in items.into_iter().enumerate() {
                    if t.as_ref().is_some_and(contains_suspend) || (i > 0 && contains_suspend(&e)) {
                        return Err(Self::unsupported(span));
                    }
                    let e = if i == 0 { self.lin(e, &mut pre)? } else { e };
                    new_items.push((e, t));
                }
                pre.push(stmt(
                    StmtKind::With {
                        items: new_items,
                        body,
                        is_async,
                    },
                    span,
                ));
            }
            StmtKind::Raise(e, c) => {
                let mut v = Vec::new();
                let has_e = e.is_some();
                v.extend(e);
                v.extend(c);
                let mut v = self.lin_seq(v, &mut pre)?.into_iter();
                let e = if has_e { v.next() } else { None };
                let c = v.next();
                pre.push(stmt(StmtKind::Raise(e, c), span));
            }
            StmtKind::Assert(t, m) => {
                let t = self.lin(t, &mut pre)?;
                match m {
                    Some(m) if contains_suspend(&m) => {
                        let mut fail = Vec::new();
                        let m = self.lin(m, &mut fail)?;
                        let cls = Expr::new(
                            ExprKind::Name(Ident {
                                name: Rc::from("AssertionError"),
                                scope: Scope::Unresolved,
                            }),
                            span,
                        );
                        let exc = Expr::new(
                            ExprKind::Call(Box::new(cls), vec![Arg::Positional(m)]),
                            span,
                        );
                        fail.push(stmt(StmtKind::Raise(Some(exc), None), span));
                        pre.push(stmt(
                            StmtKind::If(not(t), Rc::new(fail), Rc::default()),
                            span,
                        ));
                    }
                    m => pre.push(stmt(StmtKind::Assert(t, m), span)),
                }
            }
            _ => return Err(Self::unsupported(span)),
        }
        Ok(pre)
    }

    /// Emits `target = <kind> value` as a suspension statement.
    fn suspend_into(
        &mut self,
        kind: SuspendKind,
        value: Option<Expr>,
        target: Option<Expr>,
        span: Span,
        pre: &mut Vec<Stmt>,
    ) -> Result<(), SyntaxError> {
        let value = match value {
            Some(v) => Some(self.lin(v, pre)?),
            None => None,
        };
        pre.push(stmt(StmtKind::Suspend(kind, target, value), span));
        Ok(())
    }

    /// Stores `e` in a temporary unless it is a constant or already a temporary.
    fn spill(&mut self, e: Expr, pre: &mut Vec<Stmt>) -> Expr {
        match &e.kind {
            ExprKind::Const(_) => e,
            ExprKind::Name(id) if id.name.starts_with('$') => e,
            _ => {
                let t = self.r.temp(e.span);
                let span = e.span;
                pre.push(stmt(StmtKind::Assign(vec![t.clone()], e), span));
                t
            }
        }
    }

    /// Lowers operands evaluated left to right: those before the last suspending one are spilled.
    fn lin_seq(&mut self, v: Vec<Expr>, pre: &mut Vec<Stmt>) -> Result<Vec<Expr>, SyntaxError> {
        let last = v.iter().rposition(contains_suspend);
        let Some(last) = last else { return Ok(v) };
        let mut out = Vec::with_capacity(v.len());
        for (i, e) in v.into_iter().enumerate() {
            if i < last {
                let e = self.lin(e, pre)?;
                out.push(self.spill(e, pre));
            } else if i == last {
                out.push(self.lin(e, pre)?);
            } else {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Lowers one expression: statements go to `pre`, the suspension-free rest is returned.
    fn lin(&mut self, e: Expr, pre: &mut Vec<Stmt>) -> Result<Expr, SyntaxError> {
        if !contains_suspend(&e) {
            return Ok(e);
        }
        let span = e.span;
        let mk = |k: ExprKind| Expr::new(k, span);
        Ok(match e.kind {
            ExprKind::Await(x) => self.suspend_temp(SuspendKind::Await, Some(*x), span, pre)?,
            ExprKind::Yield(x) => {
                self.suspend_temp(SuspendKind::Yield, x.map(|b| *b), span, pre)?
            }
            ExprKind::YieldFrom(x) => {
                self.suspend_temp(SuspendKind::YieldFrom, Some(*x), span, pre)?
            }
            ExprKind::FString(parts) => {
                let mut exprs = Vec::new();
                collect_fields(&parts, &mut exprs);
                let mut lowered = self.lin_seq(exprs, pre)?.into_iter();
                mk(ExprKind::FString(replace_fields(parts, &mut lowered)))
            }
            ExprKind::List(v) => mk(ExprKind::List(self.lin_seq(v, pre)?)),
            ExprKind::Tuple(v) => mk(ExprKind::Tuple(self.lin_seq(v, pre)?)),
            ExprKind::Set(v) => mk(ExprKind::Set(self.lin_seq(v, pre)?)),
            ExprKind::Dict(items) => {
                let mut flat = Vec::new();
                let mut shape = Vec::new();
                for (k, v) in items {
                    shape.push(k.is_some());
                    flat.extend(k);
                    flat.push(v);
                }
                let mut it = self.lin_seq(flat, pre)?.into_iter();
                let mut out = Vec::new();
                for has_key in shape {
                    let k = if has_key { it.next() } else { None };
                    let v = it.next().ok_or_else(|| Self::unsupported(span))?;
                    out.push((k, v));
                }
                mk(ExprKind::Dict(out))
            }
            ExprKind::Starred(x) => mk(ExprKind::Starred(Box::new(self.lin(*x, pre)?))),
            ExprKind::Attribute(x, n) => mk(ExprKind::Attribute(Box::new(self.lin(*x, pre)?), n)),
            ExprKind::Unary(op, x) => mk(ExprKind::Unary(op, Box::new(self.lin(*x, pre)?))),
            ExprKind::Subscript(a, b) => {
                let mut v = self.lin_seq(vec![*a, *b], pre)?.into_iter();
                let (a, b) = (v.next(), v.next());
                mk(ExprKind::Subscript(
                    Box::new(a.ok_or_else(|| Self::unsupported(span))?),
                    Box::new(b.ok_or_else(|| Self::unsupported(span))?),
                ))
            }
            ExprKind::BinOp(op, a, b) => {
                let mut v = self.lin_seq(vec![*a, *b], pre)?.into_iter();
                let (a, b) = (v.next(), v.next());
                mk(ExprKind::BinOp(
                    op,
                    Box::new(a.ok_or_else(|| Self::unsupported(span))?),
                    Box::new(b.ok_or_else(|| Self::unsupported(span))?),
                ))
            }
            ExprKind::Slice(a, b, c) => {
                let shape = [a.is_some(), b.is_some(), c.is_some()];
                let flat: Vec<Expr> = [a, b, c].into_iter().flatten().map(|b| *b).collect();
                let mut it = self.lin_seq(flat, pre)?.into_iter();
                let mut take = |present: bool| {
                    if present {
                        it.next().map(Box::new)
                    } else {
                        None
                    }
                };
                let (a, b, c) = (take(shape[0]), take(shape[1]), take(shape[2]));
                mk(ExprKind::Slice(a, b, c))
            }
            ExprKind::Named(t, v) => mk(ExprKind::Named(t, Box::new(self.lin(*v, pre)?))),
            ExprKind::Call(f, args) => {
                let mut flat = vec![*f];
                let mut kinds = Vec::new();
                for a in args {
                    let (k, e) = match a {
                        Arg::Positional(e) => (0u8, e),
                        Arg::Star(e) => (1, e),
                        Arg::Keyword(n, e) => {
                            kinds.push((2, Some(n)));
                            flat.push(e);
                            continue;
                        }
                        Arg::DoubleStar(e) => (3, e),
                    };
                    kinds.push((k, None));
                    flat.push(e);
                }
                let mut it = self.lin_seq(flat, pre)?.into_iter();
                let f = it.next().ok_or_else(|| Self::unsupported(span))?;
                let mut args = Vec::new();
                for (k, n) in kinds {
                    let e = it.next().ok_or_else(|| Self::unsupported(span))?;
                    args.push(match (k, n) {
                        (0, _) => Arg::Positional(e),
                        (1, _) => Arg::Star(e),
                        (2, Some(n)) => Arg::Keyword(n, e),
                        _ => Arg::DoubleStar(e),
                    });
                }
                mk(ExprKind::Call(Box::new(f), args))
            }
            ExprKind::BoolOp(is_and, a, b) => {
                let a = self.lin(*a, pre)?;
                if !contains_suspend(&b) {
                    return Ok(mk(ExprKind::BoolOp(is_and, Box::new(a), Box::new(*b))));
                }
                let t = self.r.temp(span);
                pre.push(stmt(StmtKind::Assign(vec![t.clone()], a), span));
                let mut inner = Vec::new();
                let b = self.lin(*b, &mut inner)?;
                inner.push(stmt(StmtKind::Assign(vec![t.clone()], b), span));
                let test = if is_and { t.clone() } else { not(t.clone()) };
                pre.push(stmt(
                    StmtKind::If(test, Rc::new(inner), Rc::default()),
                    span,
                ));
                t
            }
            ExprKind::IfExp(c, a, b) => {
                let c = self.lin(*c, pre)?;
                if !contains_suspend(&a) && !contains_suspend(&b) {
                    return Ok(mk(ExprKind::IfExp(Box::new(c), a, b)));
                }
                let t = self.r.temp(span);
                let mut then = Vec::new();
                let a = self.lin(*a, &mut then)?;
                then.push(stmt(StmtKind::Assign(vec![t.clone()], a), span));
                let mut other = Vec::new();
                let b = self.lin(*b, &mut other)?;
                other.push(stmt(StmtKind::Assign(vec![t.clone()], b), span));
                pre.push(stmt(StmtKind::If(c, Rc::new(then), Rc::new(other)), span));
                t
            }
            ExprKind::Compare(a, rest) => {
                if rest.len() == 1 {
                    let mut rest = rest;
                    let (op, b) = rest.remove(0);
                    let mut v = self.lin_seq(vec![*a, b], pre)?.into_iter();
                    let (a, b) = (v.next(), v.next());
                    let (a, b) = (
                        a.ok_or_else(|| Self::unsupported(span))?,
                        b.ok_or_else(|| Self::unsupported(span))?,
                    );
                    return Ok(mk(ExprKind::Compare(Box::new(a), vec![(op, b)])));
                }
                // a < b < c  →  r = a < b; if r: r = b < c  (each operand evaluated once).
                let result = self.r.temp(span);
                let a = self.lin(*a, pre)?;
                let mut left = self.spill(a, pre);
                let n = rest.len();
                let mut levels: Vec<Vec<Stmt>> = vec![Vec::new()];
                for (i, (op, x)) in rest.into_iter().enumerate() {
                    let cur = levels.last_mut().expect("levels is never empty");
                    let mut local = std::mem::take(cur);
                    let x = self.lin(x, &mut local)?;
                    let right = if i + 1 < n {
                        self.spill(x, &mut local)
                    } else {
                        x
                    };
                    local.push(stmt(
                        StmtKind::Assign(
                            vec![result.clone()],
                            mk(ExprKind::Compare(Box::new(left), vec![(op, right.clone())])),
                        ),
                        span,
                    ));
                    *levels.last_mut().expect("levels is never empty") = local;
                    left = right;
                    if i + 1 < n {
                        levels.push(Vec::new());
                    }
                }
                // Nest each level inside an `if result:` of the previous one.
                let mut inner: Option<Vec<Stmt>> = None;
                while let Some(mut level) = levels.pop() {
                    if let Some(body) = inner.take() {
                        level.push(stmt(
                            StmtKind::If(result.clone(), Rc::new(body), Rc::default()),
                            span,
                        ));
                    }
                    inner = Some(level);
                }
                pre.extend(inner.unwrap_or_default());
                result
            }
            ExprKind::Comprehension(c) => {
                let mut comp = Rc::try_unwrap(c).unwrap_or_else(|rc| (*rc).clone());
                let first =
                    std::mem::replace(&mut comp.clauses[0].iter, constant(Constant::None, span));
                comp.clauses[0].iter = self.lin(first, pre)?;
                let is_async = comp.kind != CompKind::Generator && comprehension_is_async(&comp);
                let e = mk(ExprKind::Comprehension(Rc::new(comp)));
                if is_async {
                    // The comprehension runs as a coroutine; the enclosing code awaits it.
                    let t = self.r.temp(span);
                    pre.push(stmt(
                        StmtKind::Suspend(SuspendKind::Await, Some(t.clone()), Some(e)),
                        span,
                    ));
                    return Ok(t);
                }
                e
            }
            kind @ (ExprKind::Name(_) | ExprKind::Const(_) | ExprKind::Lambda(_)) => mk(kind),
        })
    }

    /// Lowers the parts of an assignment target that suspend (object and index expressions).
    fn lin_target(&mut self, t: Expr, pre: &mut Vec<Stmt>) -> Result<Expr, SyntaxError> {
        if !contains_suspend(&t) {
            return Ok(t);
        }
        let span = t.span;
        Ok(match t.kind {
            ExprKind::Attribute(obj, name) => Expr::new(
                ExprKind::Attribute(Box::new(self.lin(*obj, pre)?), name),
                span,
            ),
            ExprKind::Subscript(obj, idx) => {
                let mut v = self.lin_seq(vec![*obj, *idx], pre)?.into_iter();
                let (o, i) = (v.next(), v.next());
                let (o, i) = (
                    o.ok_or_else(|| Self::unsupported(span))?,
                    i.ok_or_else(|| Self::unsupported(span))?,
                );
                Expr::new(ExprKind::Subscript(Box::new(o), Box::new(i)), span)
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let mut out = Vec::new();
                for x in items {
                    out.push(self.lin_target(x, pre)?);
                }
                Expr::new(ExprKind::Tuple(out), span)
            }
            ExprKind::Starred(x) => {
                Expr::new(ExprKind::Starred(Box::new(self.lin_target(*x, pre)?)), span)
            }
            _ => return Err(Self::unsupported(span)),
        })
    }

    /// Whether `t` names a local slot of the function being lowered (not a cell or a global).
    fn is_local_name(&mut self, t: &Expr) -> bool {
        match &t.kind {
            ExprKind::Name(id) => matches!(self.r.scope_of(&id.name), Scope::Local(_)),
            _ => false,
        }
    }

    /// `t op= v` whose value suspends, `t` a global or cell name, an attribute or an item: the
    /// target's object (and key) and its current value are read into temporaries first, then
    /// the value, then `$cur op= value` and the store of `$cur` into the target.
    fn aug_across_suspension(
        &mut self,
        t: Expr,
        op: crate::syntax::ast::BinOp,
        v: Expr,
        span: Span,
        pre: &mut Vec<Stmt>,
    ) -> Result<(), SyntaxError> {
        let tspan = t.span;
        let place = match t.kind {
            ExprKind::Name(_) => t,
            ExprKind::Attribute(obj, name) => {
                let o = self.spill(*obj, pre);
                Expr::new(ExprKind::Attribute(Box::new(o), name), tspan)
            }
            ExprKind::Subscript(obj, idx) => {
                let o = self.spill(*obj, pre);
                let i = self.spill(*idx, pre);
                Expr::new(ExprKind::Subscript(Box::new(o), Box::new(i)), tspan)
            }
            _ => return Err(Self::unsupported(span)),
        };
        let cur = self.r.temp(tspan);
        pre.push(stmt(
            StmtKind::Assign(vec![cur.clone()], place.clone()),
            span,
        ));
        let v = self.lin(v, pre)?;
        let v = self.spill(v, pre);
        pre.push(stmt(StmtKind::AugAssign(cur.clone(), op, v), span));
        pre.push(stmt(StmtKind::Assign(vec![place], cur), span));
        Ok(())
    }

    fn suspend_temp(
        &mut self,
        kind: SuspendKind,
        value: Option<Expr>,
        span: Span,
        pre: &mut Vec<Stmt>,
    ) -> Result<Expr, SyntaxError> {
        let value = match value {
            Some(v) => Some(self.lin(v, pre)?),
            None => None,
        };
        let t = self.r.temp(span);
        pre.push(stmt(StmtKind::Suspend(kind, Some(t.clone()), value), span));
        Ok(t)
    }
}

fn collect_fields(parts: &[FStringPart], out: &mut Vec<Expr>) {
    for p in parts {
        if let FStringPart::Field { value, spec, .. } = p {
            out.push((**value).clone());
            if let Some(s) = spec {
                collect_fields(s, out);
            }
        }
    }
}

fn replace_fields(
    parts: Vec<FStringPart>,
    it: &mut impl Iterator<Item = Expr>,
) -> Vec<FStringPart> {
    parts
        .into_iter()
        .map(|p| match p {
            FStringPart::Lit(s) => FStringPart::Lit(s),
            FStringPart::Field {
                value,
                conversion,
                spec,
            } => {
                let v = it.next().unwrap_or(*value);
                let spec = spec.map(|s| replace_fields(s, it));
                FStringPart::Field {
                    value: Box::new(v),
                    conversion,
                    spec,
                }
            }
        })
        .collect()
}

/// Small AST constructors for the desugarings below.
mod build {
    use super::*;

    pub fn name(n: &str, span: Span) -> Expr {
        Expr::new(
            ExprKind::Name(Ident {
                name: Rc::from(n),
                scope: Scope::Unresolved,
            }),
            span,
        )
    }

    pub fn call(f: Expr, args: Vec<Expr>, span: Span) -> Expr {
        Expr::new(
            ExprKind::Call(Box::new(f), args.into_iter().map(Arg::Positional).collect()),
            span,
        )
    }

    pub fn await_(e: Expr) -> Expr {
        let span = e.span;
        Expr::new(ExprKind::Await(Box::new(e)), span)
    }

    pub fn assign(t: Expr, v: Expr, span: Span) -> Stmt {
        Stmt::new(StmtKind::Assign(vec![t], v), span)
    }

    pub fn bool_(b: bool, span: Span) -> Expr {
        Expr::new(ExprKind::Const(Constant::Bool(b)), span)
    }

    pub fn none(span: Span) -> Expr {
        Expr::new(ExprKind::Const(Constant::None), span)
    }
}

/// `async with m as t: body` becomes, as CPython's compiler does it:
///
/// ```text
/// $m = m; $exit = __aio_aexit__($m); t = await __aio_aenter__($m); $ok = True
/// try: body
/// except: $ok = False; $e = __aio_exc__()
///         if not await $exit(type($e), $e, None): raise
/// finally: if $ok: await $exit(None, None, None)
/// ```
pub(crate) fn desugar_async_with(
    r: &mut Resolver,
    items: Vec<(Expr, Option<Expr>)>,
    body: Body,
    span: Span,
) -> Vec<Stmt> {
    use build::*;
    let mut items = items;
    let (mgr, target) = items.remove(0);
    let inner: Body = if items.is_empty() {
        body
    } else {
        Rc::new(vec![Stmt::new(
            StmtKind::With {
                items,
                body,
                is_async: true,
            },
            span,
        )])
    };
    let sp = mgr.span;
    let m = r.temp(sp);
    let exit = r.temp(sp);
    let ok = r.temp(sp);
    let e = r.temp(sp);
    let mut out = vec![
        assign(m.clone(), mgr, sp),
        assign(
            exit.clone(),
            call(name("__aio_aexit__", sp), vec![m.clone()], sp),
            sp,
        ),
    ];
    let entered = await_(call(name("__aio_aenter__", sp), vec![m.clone()], sp));
    match target {
        Some(t) => out.push(assign(t, entered, sp)),
        None => out.push(Stmt::new(StmtKind::Expr(entered), sp)),
    }
    out.push(assign(ok.clone(), bool_(true, sp), sp));
    let exit_with_exc = await_(call(
        exit.clone(),
        vec![
            call(name("type", sp), vec![e.clone()], sp),
            e.clone(),
            Expr::new(
                ExprKind::Attribute(Box::new(e.clone()), Rc::from("__traceback__")),
                sp,
            ),
        ],
        sp,
    ));
    let handler_body = vec![
        assign(ok.clone(), bool_(false, sp), sp),
        assign(e.clone(), call(name("__aio_exc__", sp), vec![], sp), sp),
        Stmt::new(
            StmtKind::If(
                not(exit_with_exc),
                Rc::new(vec![Stmt::new(StmtKind::Raise(None, None), sp)]),
                Rc::default(),
            ),
            sp,
        ),
    ];
    let finally = vec![Stmt::new(
        StmtKind::If(
            ok,
            Rc::new(vec![Stmt::new(
                StmtKind::Expr(await_(call(exit, vec![none(sp), none(sp), none(sp)], sp))),
                sp,
            )]),
            Rc::default(),
        ),
        sp,
    )];
    out.push(Stmt::new(
        StmtKind::Try {
            body: inner,
            handlers: vec![Handler {
                typ: None,
                name: None,
                body: Rc::new(handler_body),
                span: sp,
            }],
            orelse: Rc::default(),
            finalbody: Rc::new(finally),
        },
        span,
    ));
    out
}

/// `async for t in it: body else: orelse` becomes:
///
/// ```text
/// $it = __aio_aiter__(it); $done = False
/// while True:
///     try: $v = await __aio_anext__($it)
///     except StopAsyncIteration: $done = True; break
///     t = $v
///     body
/// if $done: orelse
/// ```
pub(crate) fn desugar_async_for(
    r: &mut Resolver,
    target: Expr,
    iter: Expr,
    body: Body,
    orelse: Body,
    span: Span,
) -> Vec<Stmt> {
    use build::*;
    let sp = iter.span;
    let it = r.temp(sp);
    let v = r.temp(sp);
    let done = r.temp(sp);
    let mut out = vec![
        assign(
            it.clone(),
            call(name("__aio_aiter__", sp), vec![iter], sp),
            sp,
        ),
        assign(done.clone(), bool_(false, sp), sp),
    ];
    let next = assign(
        v.clone(),
        await_(call(name("__aio_anext__", sp), vec![it], sp)),
        sp,
    );
    let stop = Handler {
        typ: Some(name("StopAsyncIteration", sp)),
        name: None,
        body: Rc::new(vec![
            assign(done.clone(), bool_(true, sp), sp),
            Stmt::new(StmtKind::Break, sp),
        ]),
        span: sp,
    };
    let mut loop_body = vec![Stmt::new(
        StmtKind::Try {
            body: Rc::new(vec![next]),
            handlers: vec![stop],
            orelse: Rc::default(),
            finalbody: Rc::default(),
        },
        sp,
    )];
    loop_body.push(assign(target, v, sp));
    loop_body.extend(body.iter().cloned());
    out.push(Stmt::new(
        StmtKind::While(bool_(true, sp), Rc::new(loop_body), Rc::default()),
        span,
    ));
    if !orelse.is_empty() {
        out.push(Stmt::new(StmtKind::If(done, orelse, Rc::default()), span));
    }
    out
}
