//! Small constructors called from the grammar's actions, so the grammar itself stays thin.

use super::ast::*;
use super::token::{FPiece, Tok};
use super::{ErrorClass, SyntaxError};
use crate::source::Span;
use lalrpop_util::ParseError;
use std::rc::Rc;

/// A parse result of one of the three entry modes.
#[derive(Debug)]
pub enum Top {
    /// A whole file.
    Module(Vec<Stmt>),
    /// One interactive input.
    Interactive(Vec<Stmt>),
    /// One expression.
    Expression(Expr),
}

/// One item of a parameter list before validation.
#[derive(Debug)]
pub enum ParamItem {
    /// `name` or `name=default`.
    Plain(Param, Option<Expr>),
    /// `*` or `*name`.
    Star(Option<Param>, Span),
    /// `**name`.
    DoubleStar(Param, Span),
    /// `/`.
    Slash(Span),
}

/// What follows a primary expression.
#[derive(Debug)]
pub enum Trailer {
    /// `(args)`
    Call(Vec<Arg>),
    /// `[index]`
    Index(Expr),
    /// `.name`
    Attr(Rc<str>),
}

type PErr = ParseError<usize, Tok, SyntaxError>;

fn user(msg: impl Into<String>, span: Span) -> PErr {
    ParseError::User {
        error: SyntaxError {
            class: ErrorClass::Syntax,
            msg: msg.into(),
            span,
        },
    }
}

/// A span from two locations.
pub fn span(l: usize, r: usize) -> Span {
    Span::new(l, r)
}

/// Builds a statement.
pub fn stmt(kind: StmtKind, l: usize, r: usize) -> Stmt {
    Stmt::new(kind, span(l, r))
}

/// Builds an expression.
pub fn expr(kind: ExprKind, l: usize, r: usize) -> Expr {
    Expr::new(kind, span(l, r))
}

/// A name reference, unresolved.
pub fn name(n: Rc<str>, l: usize, r: usize) -> Expr {
    expr(
        ExprKind::Name(Ident {
            name: n,
            scope: Scope::Unresolved,
        }),
        l,
        r,
    )
}

/// Joins lists of statements.
pub fn flatten(v: Vec<Vec<Stmt>>) -> Vec<Stmt> {
    v.into_iter().flatten().collect()
}

/// `first` followed by `rest`.
pub fn prepend<T>(first: T, rest: Vec<T>) -> Vec<T> {
    let mut v = Vec::with_capacity(rest.len() + 1);
    v.push(first);
    v.extend(rest);
    v
}

/// The items of a `with` statement: a lone parenthesized tuple without a target and without
/// starred elements is the parenthesized list of items of Python 3.10 (`with (A(), B()):`
/// enters both), as CPython's grammar reads it; anything else is as written.
pub fn with_items(items: Vec<(Expr, Option<Expr>)>) -> Vec<(Expr, Option<Expr>)> {
    let splits =
        |xs: &[Expr]| !xs.is_empty() && !xs.iter().any(|x| matches!(x.kind, ExprKind::Starred(_)));
    match <[_; 1]>::try_from(items) {
        Ok(
            [(
                Expr {
                    kind: ExprKind::Tuple(xs),
                    ..
                },
                None,
            )],
        ) if splits(&xs) => xs.into_iter().map(|x| (x, None)).collect(),
        Ok(one) => one.into(),
        Err(items) => items,
    }
}

/// `v` with `last` appended when present.
pub fn push_opt<T>(mut v: Vec<T>, last: Option<T>) -> Vec<T> {
    v.extend(last);
    v
}

/// An optional body as a (possibly empty) body.
pub fn body(b: Option<Body>) -> Body {
    b.unwrap_or_default()
}

/// A tuple display.
pub fn tuple(items: Vec<Expr>, l: usize, r: usize) -> Expr {
    expr(ExprKind::Tuple(items), l, r)
}

/// A parenthesized expression: tuples take the parentheses into their span.
pub fn paren(mut e: Expr, l: usize, r: usize) -> Expr {
    if matches!(e.kind, ExprKind::Tuple(_)) {
        e.span = span(l, r);
    }
    e
}

/// A parenthesized expression that may not be a lone `*x`.
pub fn paren_checked(e: Expr, l: usize, r: usize) -> Result<Expr, PErr> {
    if matches!(e.kind, ExprKind::Starred(_)) {
        return Err(user("cannot use starred expression here", e.span));
    }
    Ok(paren(e, l, r))
}

/// A slice `a:b:c`.
pub fn slice(a: Option<Expr>, b: Option<Expr>, c: Option<Expr>, l: usize, r: usize) -> Expr {
    expr(
        ExprKind::Slice(a.map(Box::new), b.map(Box::new), c.map(Box::new)),
        l,
        r,
    )
}

/// Applies a trailer to a primary.
pub fn trailer(p: Expr, t: Trailer, l: usize, r: usize) -> Expr {
    let kind = match t {
        Trailer::Call(args) => ExprKind::Call(Box::new(p), args),
        Trailer::Index(i) => ExprKind::Subscript(Box::new(p), Box::new(i)),
        Trailer::Attr(n) => ExprKind::Attribute(Box::new(p), n),
    };
    expr(kind, l, r)
}

/// `del` targets: a tuple of targets becomes several.
pub fn unpack_targets(t: Expr) -> Vec<Expr> {
    match t.kind {
        ExprKind::Tuple(v) if !v.is_empty() => v,
        _ => vec![t],
    }
}

/// A comprehension node.
pub fn comprehension(
    kind: CompKind,
    elt: Expr,
    value: Option<Expr>,
    clauses: Vec<CompFor>,
    l: usize,
    r: usize,
) -> Expr {
    expr(
        ExprKind::Comprehension(Rc::new(Comprehension {
            kind,
            elt,
            value,
            clauses,
            func: None,
        })),
        l,
        r,
    )
}

/// A parameter.
pub fn param(n: Rc<str>, annotation: Option<Expr>, l: usize, r: usize) -> Param {
    Param {
        name: n,
        annotation,
        default: None,
        span: span(l, r),
    }
}

/// Validates a flat parameter list and arranges it, with CPython's messages for misuse.
pub fn params(items: Vec<ParamItem>) -> Result<Params, PErr> {
    let mut p = Params::default();
    let mut seen_star = false;
    let mut seen_default = false;
    let mut seen_kwarg = false;
    let mut names: Vec<Rc<str>> = Vec::new();
    let mut check_dup = |prm: &Param| -> Result<(), PErr> {
        if names.contains(&prm.name) {
            return Err(user(
                format!("duplicate argument '{}' in function definition", prm.name),
                prm.span,
            ));
        }
        names.push(prm.name.clone());
        Ok(())
    };
    for item in items {
        if seen_kwarg {
            let sp = match &item {
                ParamItem::Plain(prm, _) | ParamItem::DoubleStar(prm, _) => prm.span,
                ParamItem::Star(_, s) | ParamItem::Slash(s) => *s,
            };
            return Err(user("arguments cannot follow var-keyword argument", sp));
        }
        match item {
            ParamItem::Plain(mut prm, default) => {
                check_dup(&prm)?;
                if seen_star {
                    prm.default = default;
                    p.kwonly.push(prm);
                } else {
                    if default.is_some() {
                        seen_default = true;
                    } else if seen_default {
                        return Err(user(
                            "non-default argument follows default argument",
                            prm.span,
                        ));
                    }
                    prm.default = default;
                    p.args.push(prm);
                }
            }
            ParamItem::Slash(s) => {
                if seen_star || !p.posonly.is_empty() {
                    return Err(user("/ must be ahead of *", s));
                }
                if p.args.is_empty() {
                    return Err(user("at least one argument must precede /", s));
                }
                p.posonly = std::mem::take(&mut p.args);
            }
            ParamItem::Star(prm, s) => {
                if seen_star {
                    return Err(user("* argument may appear only once", s));
                }
                seen_star = true;
                if let Some(prm) = prm {
                    check_dup(&prm)?;
                    p.vararg = Some(prm);
                }
            }
            ParamItem::DoubleStar(prm, _) => {
                check_dup(&prm)?;
                p.kwarg = Some(prm);
                seen_kwarg = true;
            }
        }
    }
    if seen_star && p.vararg.is_none() && p.kwonly.is_empty() {
        return Err(user("named arguments must follow bare *", Span::default()));
    }
    Ok(p)
}

/// A `def` statement.
pub fn funcdef(
    name: Rc<str>,
    items: Vec<ParamItem>,
    body: Body,
    returns: Option<Expr>,
    is_async: bool,
    l: usize,
    r: usize,
) -> Result<Stmt, PErr> {
    let params = params(items)?;
    let def = FuncDef {
        name,
        params,
        body,
        decorators: vec![],
        returns,
        is_async,
        span: span(l, r),
        code: None,
        bind: Scope::Unresolved,
    };
    Ok(stmt(StmtKind::FunctionDef(Rc::new(def)), l, r))
}

/// A `lambda` expression.
pub fn lambda(items: Vec<ParamItem>, body: Expr, l: usize, r: usize) -> Result<Expr, PErr> {
    let params = params(items)?;
    let sp = body.span;
    let ret = Stmt::new(StmtKind::Return(Some(body)), sp);
    let def = FuncDef {
        name: Rc::from("<lambda>"),
        params,
        body: Rc::new(vec![ret]),
        decorators: vec![],
        returns: None,
        is_async: false,
        span: span(l, r),
        code: None,
        bind: Scope::Unresolved,
    };
    Ok(expr(ExprKind::Lambda(Rc::new(def)), l, r))
}

/// A `class` statement.
pub fn classdef(name: Rc<str>, bases: Option<Vec<Arg>>, body: Body, l: usize, r: usize) -> Stmt {
    let def = ClassDef {
        name,
        bases: bases.unwrap_or_default(),
        body,
        decorators: vec![],
        span: span(l, r),
        code: None,
        bind: Scope::Unresolved,
    };
    stmt(StmtKind::ClassDef(Rc::new(def)), l, r)
}

/// Attaches decorators to a `def` or `class`.
pub fn decorate(decorators: Vec<Expr>, mut s: Stmt) -> Stmt {
    match &mut s.kind {
        StmtKind::FunctionDef(f) => {
            if let Some(f) = Rc::get_mut(f) {
                f.decorators = decorators;
            }
        }
        StmtKind::ClassDef(c) => {
            if let Some(c) = Rc::get_mut(c) {
                c.decorators = decorators;
            }
        }
        _ => {}
    }
    s
}

/// An `if` with its `elif` chain folded into nested `if`s.
pub fn if_stmt(
    test: Expr,
    body: Body,
    elifs: Vec<(usize, Expr, usize, Body)>,
    orelse: Option<Body>,
    l: usize,
    r: usize,
) -> Stmt {
    let mut tail = orelse.unwrap_or_default();
    for (el, t, er, b) in elifs.into_iter().rev() {
        tail = Rc::new(vec![stmt(StmtKind::If(t, b, tail), el, er)]);
    }
    stmt(StmtKind::If(test, body, tail), l, r)
}

/// An `except` clause.
pub fn handler(t: Option<(Expr, Option<Rc<str>>)>, body: Body, l: usize, r: usize) -> Handler {
    let (typ, name) = match t {
        Some((e, n)) => (
            Some(e),
            n.map(|n| Ident {
                name: n,
                scope: Scope::Unresolved,
            }),
        ),
        None => (None, None),
    };
    Handler {
        typ,
        name,
        body,
        span: span(l, r),
    }
}

/// An import alias; for `import a.b`, the binding is `a`.
pub fn alias(name: Rc<str>, asname: Option<Rc<str>>, is_module: bool, l: usize, r: usize) -> Alias {
    let bind = match asname {
        Some(a) => a,
        None if is_module => Rc::from(name.split('.').next().unwrap_or(&name)),
        None => name.clone(),
    };
    Alias {
        name,
        asname: Ident {
            name: bind,
            scope: Scope::Unresolved,
        },
        span: span(l, r),
    }
}

/// A dotted module name.
pub fn dotted(first: Rc<str>, rest: Vec<Rc<str>>) -> Rc<str> {
    if rest.is_empty() {
        return first;
    }
    let mut s = first.to_string();
    for p in rest {
        s.push('.');
        s.push_str(&p);
    }
    Rc::from(s)
}

/// Adjacent string literals: joined into one constant, or an f-string when any is an f-string.
pub fn strings(pieces: Vec<Tok>, l: usize, r: usize) -> Result<Expr, PErr> {
    if pieces.iter().all(|p| matches!(p, Tok::Str(_))) {
        let mut s = String::new();
        for p in &pieces {
            if let Tok::Str(v) = p {
                s.push_str(v);
            }
        }
        return Ok(expr(
            ExprKind::Const(Constant::Str(crate::runtime::thin::PyStr::from(s))),
            l,
            r,
        ));
    }
    let mut parts = Vec::new();
    for p in pieces {
        match p {
            Tok::Str(s) => parts.push(FStringPart::Lit(s)),
            Tok::FStr(f) => fstring_parts(&f, &mut parts)?,
            _ => {}
        }
    }
    Ok(expr(ExprKind::FString(parts), l, r))
}

fn fstring_parts(pieces: &[FPiece], out: &mut Vec<FStringPart>) -> Result<(), PErr> {
    for piece in pieces {
        match piece {
            FPiece::Lit(s) => out.push(FStringPart::Lit(Rc::from(s.as_str()))),
            FPiece::Field {
                expr,
                offset,
                conversion,
                spec,
                self_doc,
            } => {
                if let Some(doc) = self_doc {
                    out.push(FStringPart::Lit(Rc::from(doc.as_str())));
                }
                let value = super::parse_fstring_field(expr, *offset as usize)
                    .map_err(|error| ParseError::User { error })?;
                let spec = match spec {
                    Some(s) => {
                        let mut v = Vec::new();
                        fstring_parts(s, &mut v)?;
                        Some(v)
                    }
                    None => None,
                };
                out.push(FStringPart::Field {
                    value: Box::new(value),
                    conversion: *conversion,
                    spec,
                });
            }
        }
    }
    Ok(())
}
