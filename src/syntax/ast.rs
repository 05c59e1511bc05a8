//! The abstract syntax tree. Every node carries its span. Name nodes carry a `Scope` slot that the
//! resolver fills in; function and class nodes gain their compiled `Code` there too.

use super::token::IntLit;
use crate::compile::code::Code;
use crate::source::Span;
use std::rc::Rc;

/// A statement list: the body of a module, function or block.
pub type Body = Rc<Vec<Stmt>>;

/// Where a name lives, decided by the resolver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Not resolved yet (only before the resolver runs).
    Unresolved,
    /// A local slot of the current frame.
    Local(u32),
    /// A cell of the current frame (its own cells first, then those captured from outside).
    Cell(u32),
    /// A module global, by index in the module's global table; falls back to builtins.
    Global(u32),
    /// A name in a class body: the class namespace, then the global at this index.
    ClassBody(u32),
}

/// An identifier use.
#[derive(Clone, Debug)]
pub struct Ident {
    /// The name as written.
    pub name: Rc<str>,
    /// Where the resolver found it.
    pub scope: Scope,
}

/// An expression with its span.
#[derive(Clone, Debug)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it was written.
    pub span: Span,
}

/// A constant literal.
#[derive(Clone, Debug)]
pub enum Constant {
    /// `None`
    None,
    /// `True` / `False`
    Bool(bool),
    /// An integer literal.
    Int(IntLit),
    /// A float literal.
    Float(f64),
    /// A string literal (adjacent literals already joined).
    Str(crate::runtime::thin::PyStr),
    /// `...`
    Ellipsis,
}

/// Binary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `//`
    FloorDiv,
    /// `%`
    Mod,
    /// `**`
    Pow,
    /// `@`
    MatMul,
    /// `<<`
    LShift,
    /// `>>`
    RShift,
    /// `&`
    BitAnd,
    /// `|`
    BitOr,
    /// `^`
    BitXor,
}

impl BinOp {
    /// The operator's source text, as error messages print it.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::MatMul => "@",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
        }
    }
    /// The operator for augmented-assignment text such as `"+"`.
    pub fn from_symbol(s: &str) -> BinOp {
        match s {
            "+" => BinOp::Add,
            "-" => BinOp::Sub,
            "*" => BinOp::Mul,
            "/" => BinOp::Div,
            "//" => BinOp::FloorDiv,
            "%" => BinOp::Mod,
            "**" => BinOp::Pow,
            "@" => BinOp::MatMul,
            "<<" => BinOp::LShift,
            ">>" => BinOp::RShift,
            "&" => BinOp::BitAnd,
            "|" => BinOp::BitOr,
            _ => BinOp::BitXor,
        }
    }
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `+x`
    Pos,
    /// `~x`
    Invert,
    /// `not x`
    Not,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtE,
    /// `>`
    Gt,
    /// `>=`
    GtE,
    /// `is`
    Is,
    /// `is not`
    IsNot,
    /// `in`
    In,
    /// `not in`
    NotIn,
}

/// One argument at a call site.
#[derive(Clone, Debug)]
pub enum Arg {
    /// `f(x)`
    Positional(Expr),
    /// `f(*xs)`
    Star(Expr),
    /// `f(name=x)`
    Keyword(Rc<str>, Expr),
    /// `f(**kw)`
    DoubleStar(Expr),
}

/// A part of an f-string after parsing.
#[derive(Clone, Debug)]
pub enum FStringPart {
    /// Literal text.
    Lit(Rc<str>),
    /// `{value!conversion:spec}`.
    Field {
        /// The expression.
        value: Box<Expr>,
        /// `r`, `s` or `a`.
        conversion: Option<char>,
        /// The format spec (itself an f-string).
        spec: Option<Vec<FStringPart>>,
    },
}

/// The kind of a comprehension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompKind {
    /// `[x for ...]`
    List,
    /// `{x for ...}`
    Set,
    /// `{k: v for ...}`
    Dict,
    /// `(x for ...)`
    Generator,
}

/// One `for ... in ... if ...` clause of a comprehension.
#[derive(Clone, Debug)]
pub struct CompFor {
    /// The loop target.
    pub target: Expr,
    /// The iterable.
    pub iter: Expr,
    /// The `if` filters.
    pub ifs: Vec<Expr>,
    /// `async for`.
    pub is_async: bool,
}

/// Expression kinds.
#[derive(Clone, Debug)]
pub enum ExprKind {
    /// A name.
    Name(Ident),
    /// A literal constant.
    Const(Constant),
    /// An f-string (possibly joined with adjacent plain literals).
    FString(Vec<FStringPart>),
    /// `[a, b]`
    List(Vec<Expr>),
    /// `(a, b)`
    Tuple(Vec<Expr>),
    /// `{k: v, **d}`: a `None` key is a `**` unpacking.
    Dict(Vec<(Option<Expr>, Expr)>),
    /// `{a, b}`
    Set(Vec<Expr>),
    /// `*x` in a display or assignment target.
    Starred(Box<Expr>),
    /// `x.name`
    Attribute(Box<Expr>, Rc<str>),
    /// `x[i]`
    Subscript(Box<Expr>, Box<Expr>),
    /// `a:b:c` inside a subscript.
    Slice(Option<Box<Expr>>, Option<Box<Expr>>, Option<Box<Expr>>),
    /// `f(args)`
    Call(Box<Expr>, Vec<Arg>),
    /// `a op b`
    BinOp(BinOp, Box<Expr>, Box<Expr>),
    /// `op a`
    Unary(UnaryOp, Box<Expr>),
    /// `a and b` (`true`) / `a or b` (`false`).
    BoolOp(bool, Box<Expr>, Box<Expr>),
    /// `a < b <= c`
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    /// `a if cond else b`: (cond, a, b).
    IfExp(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `lambda params: body`.
    Lambda(Rc<FuncDef>),
    /// `target := value`
    Named(Box<Expr>, Box<Expr>),
    /// `await x`
    Await(Box<Expr>),
    /// `yield x`
    Yield(Option<Box<Expr>>),
    /// `yield from x`
    YieldFrom(Box<Expr>),
    /// A comprehension; after resolving, `func` is the hidden function that runs it.
    Comprehension(Rc<Comprehension>),
}

/// A comprehension: element (and value for dicts) and its clauses; compiled into a function.
#[derive(Clone, Debug)]
pub struct Comprehension {
    /// Which kind.
    pub kind: CompKind,
    /// The element (the key for dict comprehensions).
    pub elt: Expr,
    /// The value for dict comprehensions.
    pub value: Option<Expr>,
    /// The clauses, outermost first.
    pub clauses: Vec<CompFor>,
    /// The hidden function, filled in by the resolver; its one argument is the outermost iterator.
    pub func: Option<Rc<FuncDef>>,
}

/// A parameter of a function.
#[derive(Clone, Debug)]
pub struct Param {
    /// Its name.
    pub name: Rc<str>,
    /// Its annotation (evaluated at definition time and dropped).
    pub annotation: Option<Expr>,
    /// Its default value.
    pub default: Option<Expr>,
    /// Where it was written.
    pub span: Span,
}

/// A function's parameter list.
#[derive(Clone, Debug, Default)]
pub struct Params {
    /// Positional-only parameters (before `/`).
    pub posonly: Vec<Param>,
    /// Positional-or-keyword parameters.
    pub args: Vec<Param>,
    /// `*args`.
    pub vararg: Option<Param>,
    /// Keyword-only parameters.
    pub kwonly: Vec<Param>,
    /// `**kwargs`.
    pub kwarg: Option<Param>,
}

/// A `def`, `async def` or `lambda`.
#[derive(Clone, Debug)]
pub struct FuncDef {
    /// The function's name (`<lambda>` for lambdas).
    pub name: Rc<str>,
    /// Its parameters.
    pub params: Params,
    /// Its body (for a lambda, one `return`).
    pub body: Body,
    /// Decorators, outermost first.
    pub decorators: Vec<Expr>,
    /// The return annotation.
    pub returns: Option<Expr>,
    /// `async def`.
    pub is_async: bool,
    /// The span of the whole definition.
    pub span: Span,
    /// The compiled code, filled in by the resolver.
    pub code: Option<Rc<Code>>,
    /// Where the `def` statement binds the function's name, filled in by the resolver.
    pub bind: Scope,
}

/// A `class` statement.
#[derive(Clone, Debug)]
pub struct ClassDef {
    /// The class name.
    pub name: Rc<str>,
    /// Base class expressions and keyword arguments.
    pub bases: Vec<Arg>,
    /// The class body.
    pub body: Body,
    /// Decorators.
    pub decorators: Vec<Expr>,
    /// The span of the `class` line.
    pub span: Span,
    /// The compiled body, filled in by the resolver.
    pub code: Option<Rc<Code>>,
    /// Where the `class` statement binds the class, filled in by the resolver.
    pub bind: Scope,
}

/// An `except` clause.
#[derive(Clone, Debug)]
pub struct Handler {
    /// The exception type expression (`None` for a bare `except:`).
    pub typ: Option<Expr>,
    /// The `as` name.
    pub name: Option<Ident>,
    /// The clause's body.
    pub body: Body,
    /// The span of the `except` line.
    pub span: Span,
}

/// `import a.b as c` or one name of `from m import x as y`.
#[derive(Clone, Debug)]
pub struct Alias {
    /// The imported name (dotted for modules).
    pub name: Rc<str>,
    /// The binding, as resolved.
    pub asname: Ident,
    /// Where it was written.
    pub span: Span,
}

/// What a lowered suspension statement does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuspendKind {
    /// `yield value`
    Yield,
    /// `yield from value`
    YieldFrom,
    /// `await value`
    Await,
}

/// A statement with its span.
#[derive(Clone, Debug)]
pub struct Stmt {
    /// What kind of statement.
    pub kind: StmtKind,
    /// Where it was written.
    pub span: Span,
}

/// Statement kinds.
#[derive(Clone, Debug)]
pub enum StmtKind {
    /// An expression evaluated for its effect.
    Expr(Expr),
    /// `a = b = value`
    Assign(Vec<Expr>, Expr),
    /// `a += value`
    AugAssign(Expr, BinOp, Expr),
    /// `a: ann = value`
    AnnAssign(Expr, Expr, Option<Expr>),
    /// `del a, b`
    Del(Vec<Expr>),
    /// `pass`
    Pass,
    /// `break`
    Break,
    /// `continue`
    Continue,
    /// `return value`
    Return(Option<Expr>),
    /// `if test: body else: orelse`
    If(Expr, Body, Body),
    /// `while test: body else: orelse`
    While(Expr, Body, Body),
    /// `for target in iter: body else: orelse`
    For {
        /// The loop target.
        target: Expr,
        /// The iterable.
        iter: Expr,
        /// The loop body.
        body: Body,
        /// The `else` clause.
        orelse: Body,
        /// `async for`.
        is_async: bool,
    },
    /// `try` with handlers, `else` and `finally`.
    Try {
        /// The guarded body.
        body: Body,
        /// The `except` clauses.
        handlers: Vec<Handler>,
        /// The `else` clause.
        orelse: Body,
        /// The `finally` clause.
        finalbody: Body,
    },
    /// `with a as b, c: body`
    With {
        /// Context managers and their targets.
        items: Vec<(Expr, Option<Expr>)>,
        /// The body.
        body: Body,
        /// `async with`.
        is_async: bool,
    },
    /// `raise exc from cause`
    Raise(Option<Expr>, Option<Expr>),
    /// `assert test, msg`
    Assert(Expr, Option<Expr>),
    /// `import a as b, c`
    Import(Vec<Alias>),
    /// `from module import a as b`
    ImportFrom(Rc<str>, Vec<Alias>),
    /// `global a, b`
    Global(Vec<Rc<str>>),
    /// `nonlocal a, b`
    Nonlocal(Vec<Rc<str>>),
    /// `def` / `async def`
    FunctionDef(Rc<FuncDef>),
    /// `class`
    ClassDef(Rc<ClassDef>),
    /// Produced by lowering: `target = yield value`, `target = await value`, ….
    Suspend(SuspendKind, Option<Expr>, Option<Expr>),
}

impl Expr {
    /// Builds an expression node.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }
}

impl Stmt {
    /// Builds a statement node.
    pub fn new(kind: StmtKind, span: Span) -> Stmt {
        Stmt { kind, span }
    }
}
