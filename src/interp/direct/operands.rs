//! Operators on simple operands, specialised when the closure is built.
//!
//! An arithmetic operator, a comparison or an augmented assignment whose operands are
//! variables or small int constants is the inner step of most loops. Its closure is made for
//! the kinds of its two operands (a local's slot, a global's slot, an int constant, any other
//! expression) and for its operator (the common ones each get their own; the rest are matched
//! at run time), so that the int fast path is a few instructions with no dispatch on what the
//! operands are or what the operator is. Everything else goes the general way, with the same
//! errors and spans as before.

use super::{binary_full, compare_truth, CondFn, ExprFn, Operand, StmtFn};
use crate::interp::frame::Frame;
use crate::interp::Interp;
use crate::runtime::ops;
use crate::runtime::value::{PyResult, Value};
use crate::source::Span;
use crate::syntax::ast::{BinOp, CmpOp};

/// One operand, its kind known when the closure is built.
pub(super) trait Opd: 'static {
    /// Whether `peek_int` can see the value without evaluating anything (a variable or a
    /// constant); when false, `peek_int` is never asked.
    const PEEKS: bool;
    /// The operand's int value, read in place when it is a variable holding an int or an int
    /// constant.
    fn peek_int(&self, fr: &Frame) -> Option<i64>;
    /// The variable's value, borrowed in place (`None` for constants, other expressions and
    /// unbound variables). The borrow must end before any program code runs.
    fn peek<'f>(&self, _fr: &'f Frame) -> Option<&'f Value> {
        None
    }
    /// The operand as the general [`Operand`] (for the slow paths shared by every kind).
    fn general(&self) -> &Operand;
}

/// A local variable's slot (its index, then the general operand).
pub(super) struct Local(usize, Operand);
/// A module global's slot (its index, then the general operand).
pub(super) struct Global(usize, Operand);
/// A small int constant.
pub(super) struct Int(Operand);
/// Any other expression.
pub(super) struct Other(Operand);

impl Opd for Local {
    const PEEKS: bool = true;
    #[inline(always)]
    fn peek_int(&self, fr: &Frame) -> Option<i64> {
        match fr.slots.get(self.0) {
            Some(Value::Int(n)) => Some(*n),
            _ => None,
        }
    }
    #[inline(always)]
    fn peek<'f>(&self, fr: &'f Frame) -> Option<&'f Value> {
        fr.slots.get(self.0).filter(|v| !matches!(v, Value::Undef))
    }
    #[inline(always)]
    fn general(&self) -> &Operand {
        &self.1
    }
}

impl Opd for Global {
    const PEEKS: bool = true;
    #[inline(always)]
    fn peek_int(&self, fr: &Frame) -> Option<i64> {
        super::global_int(fr, self.0)
    }
    #[inline(always)]
    fn peek<'f>(&self, fr: &'f Frame) -> Option<&'f Value> {
        super::global_ref(fr, self.0)
    }
    #[inline(always)]
    fn general(&self) -> &Operand {
        &self.1
    }
}

impl Opd for Int {
    const PEEKS: bool = true;
    #[inline(always)]
    fn peek_int(&self, _: &Frame) -> Option<i64> {
        match self.0 {
            Operand::Int(k) => Some(k),
            _ => None,
        }
    }
    #[inline(always)]
    fn general(&self) -> &Operand {
        &self.0
    }
}

impl Opd for Other {
    const PEEKS: bool = false;
    #[inline(always)]
    fn peek_int(&self, _: &Frame) -> Option<i64> {
        None
    }
    #[inline(always)]
    fn general(&self) -> &Operand {
        &self.0
    }
}

/// Calls `$body` with `$x` bound to operand `$o` wrapped in the type of its kind.
macro_rules! with_kind {
    ($o:expr, $x:ident => $body:expr) => {
        match $o {
            Operand::Local(i, slow) => {
                let $x = Local(i, Operand::Local(i, slow));
                $body
            }
            Operand::Global(i, slow) => {
                let $x = Global(i, Operand::Global(i, slow));
                $body
            }
            o @ Operand::Int(_) => {
                let $x = Int(o);
                $body
            }
            o @ Operand::Expr(_) => {
                let $x = Other(o);
                $body
            }
        }
    };
}

/// An arithmetic operator on two machine ints.
pub(super) trait IntArith: 'static {
    /// The operator.
    fn op(&self) -> BinOp;
    /// `a op b` when it is a machine int (`None`: the general path).
    fn int(&self, a: i64, b: i64) -> Option<i64>;
}

/// Defines a zero-sized [`IntArith`] for one operator.
macro_rules! arith {
    ($name:ident, $op:expr, |$a:ident, $b:ident| $e:expr) => {
        /// An operator with its own closures.
        pub(super) struct $name;
        impl IntArith for $name {
            #[inline(always)]
            fn op(&self) -> BinOp {
                $op
            }
            #[inline(always)]
            fn int(&self, $a: i64, $b: i64) -> Option<i64> {
                $e
            }
        }
    };
}

arith!(Add, BinOp::Add, |a, b| a.checked_add(b));
arith!(Sub, BinOp::Sub, |a, b| a.checked_sub(b));
arith!(Mul, BinOp::Mul, |a, b| a.checked_mul(b));
arith!(
    Mod,
    BinOp::Mod,
    |a, b| match ops::int_fast(BinOp::Mod, a, b) {
        Some(Value::Int(r)) => Some(r),
        _ => None,
    }
);
arith!(BitAnd, BinOp::BitAnd, |a, b| Some(a & b));

/// Any other operator, matched at run time.
pub(super) struct AnyArith(BinOp);

impl IntArith for AnyArith {
    #[inline(always)]
    fn op(&self) -> BinOp {
        self.0
    }
    #[inline(always)]
    fn int(&self, a: i64, b: i64) -> Option<i64> {
        match ops::int_fast(self.0, a, b) {
            Some(Value::Int(r)) => Some(r),
            _ => None,
        }
    }
}

/// Calls `$body` with `$x` bound to the operator value `$op` maps to: one of the listed
/// zero-sized operators, or `$any` made from any other operator.
macro_rules! with_op {
    ($op:expr, $x:ident => $body:expr, [$($pat:path => $zst:expr),* $(,)?], $other:ident => $any:expr) => {
        match $op {
            $($pat => {
                let $x = $zst;
                $body
            })*
            $other => {
                let $x = $any;
                $body
            }
        }
    };
}

/// Calls `$body` with `$x` bound to the [`IntArith`] of operator `$op`.
macro_rules! with_arith {
    ($op:expr, $x:ident => $body:expr) => {
        with_op!($op, $x => $body, [
            BinOp::Add => Add,
            BinOp::Sub => Sub,
            BinOp::Mul => Mul,
            BinOp::Mod => Mod,
            BinOp::BitAnd => BitAnd,
        ], op => AnyArith(op))
    };
}

/// A comparison of two machine ints.
pub(super) trait IntCmp: 'static {
    /// The operator.
    fn op(&self) -> CmpOp;
    /// `x op y` (`None` for the operators that do not compare values: `is`, `in`…).
    fn cmp(&self, x: i64, y: i64) -> Option<bool>;
}

/// Defines a zero-sized [`IntCmp`] for one operator.
macro_rules! comparison {
    ($name:ident, $op:expr, |$x:ident, $y:ident| $e:expr) => {
        /// A comparison with its own closures.
        pub(super) struct $name;
        impl IntCmp for $name {
            #[inline(always)]
            fn op(&self) -> CmpOp {
                $op
            }
            #[inline(always)]
            fn cmp(&self, $x: i64, $y: i64) -> Option<bool> {
                Some($e)
            }
        }
    };
}

comparison!(Lt, CmpOp::Lt, |x, y| x < y);
comparison!(LtE, CmpOp::LtE, |x, y| x <= y);
comparison!(Gt, CmpOp::Gt, |x, y| x > y);
comparison!(GtE, CmpOp::GtE, |x, y| x >= y);
comparison!(Eq, CmpOp::Eq, |x, y| x == y);
comparison!(NotEq, CmpOp::NotEq, |x, y| x != y);

/// Any other comparison, matched at run time.
pub(super) struct AnyCmp(CmpOp);

impl IntCmp for AnyCmp {
    #[inline(always)]
    fn op(&self) -> CmpOp {
        self.0
    }
    #[inline(always)]
    fn cmp(&self, x: i64, y: i64) -> Option<bool> {
        ops::int_compare(self.0, x, y)
    }
}

/// Calls `$body` with `$x` bound to the [`IntCmp`] of operator `$op`.
macro_rules! with_cmp {
    ($op:expr, $x:ident => $body:expr) => {
        with_op!($op, $x => $body, [
            CmpOp::Lt => Lt,
            CmpOp::LtE => LtE,
            CmpOp::Gt => Gt,
            CmpOp::GtE => GtE,
            CmpOp::Eq => Eq,
            CmpOp::NotEq => NotEq,
        ], op => AnyCmp(op))
    };
}

/// `a op b`, specialised for its operands' kinds and its operator; `at` is the expression's
/// span and the operator's anchors.
pub(super) fn binary(op: BinOp, a: Operand, b: Operand, at: (Span, u32, u32)) -> ExprFn {
    with_kind!(a, a => with_kind!(b, b => with_arith!(op, o => binary_for(a, b, o, at))))
}

fn binary_for<A: Opd, B: Opd, O: IntArith>(a: A, b: B, o: O, at: (Span, u32, u32)) -> ExprFn {
    ExprFn::new(move |it, fr| binary_value(it, fr, &a, &b, &o, at))
}

/// `return a op b`, the operation in the statement's own closure (one closure call less on
/// every return of a sum, `return fib(n - 1) + fib(n - 2)`); `span` is the statement's.
pub(super) fn return_binary(
    op: BinOp,
    a: Operand,
    b: Operand,
    at: (Span, u32, u32),
    span: Span,
) -> super::StmtFn {
    with_kind!(a, a => with_kind!(b, b => with_arith!(op, o => return_binary_for(a, b, o, at, span))))
}

fn return_binary_for<A: Opd, B: Opd, O: IntArith>(
    a: A,
    b: B,
    o: O,
    at: (Span, u32, u32),
    span: Span,
) -> super::StmtFn {
    super::StmtFn::new(move |it, fr| {
        super::before(it, fr, span)?;
        let r = binary_value(it, fr, &a, &b, &o, at).map(|v| super::returning(it, v));
        super::finish(it, fr, span, r)
    })
}

/// `a op b` for operands of kinds `A` and `B`: the int fast path, else the operator.
#[inline(always)]
fn binary_value<A: Opd, B: Opd, O: IntArith>(
    it: &mut Interp,
    fr: &mut Frame,
    a: &A,
    b: &B,
    o: &O,
    at: (Span, u32, u32),
) -> PyResult<Value> {
    if A::PEEKS && B::PEEKS {
        if let (Some(x), Some(y)) = (a.peek_int(fr), b.peek_int(fr)) {
            if let Some(v) = o.int(x, y) {
                return Ok(Value::Int(v));
            }
        }
        return binary_slow(it, fr, o.op(), a.general(), b.general(), at);
    }
    let x = a.general().get(it, fr)?;
    let y = b.general().get(it, fr)?;
    if let (Value::Int(i), Value::Int(j)) = (&x, &y) {
        if let Some(v) = o.int(*i, *j) {
            x.drop_quick();
            y.drop_quick();
            return Ok(Value::Int(v));
        }
    }
    it.binary_op(o.op(), &x, &y)
        .map_err(|e| e.note_anchored(at.0, at.1, at.2))
}

/// `binary_full` out of line: the slow path of the closures that try a fast one first.
#[inline(never)]
fn binary_slow(
    it: &mut Interp,
    fr: &mut Frame,
    op: BinOp,
    a: &Operand,
    b: &Operand,
    at: (Span, u32, u32),
) -> PyResult<Value> {
    binary_full(it, fr, op, a, b, at)
}

/// The truth of `l op r`, specialised as [`binary`] is.
pub(super) fn cond(op: CmpOp, l: Operand, r: Operand, span: Span) -> super::CondFn {
    with_kind!(l, l => with_kind!(r, r => with_cmp!(op, o => cond_for(l, r, o, span))))
}

fn cond_for<L: Opd, R: Opd, O: IntCmp>(l: L, r: R, o: O, span: Span) -> super::CondFn {
    CondFn::new(move |it, fr| {
        if L::PEEKS && R::PEEKS {
            if let (Some(x), Some(y)) = (l.peek_int(fr), r.peek_int(fr)) {
                if let Some(b) = o.cmp(x, y) {
                    return Ok(b);
                }
            }
            // `key in d` of two variables: looked up in place (a str or int key runs no
            // program code to hash or compare).
            if let (Some(x), Some(y)) = (l.peek(fr), r.peek(fr)) {
                if let Some(b) = super::dict_membership(o.op(), x, y) {
                    return Ok(b);
                }
            }
        }
        compare_truth(it, fr, o.op(), l.general(), r.general(), span)
    })
}

/// A variable that an augmented assignment can write an int into in place.
pub(super) trait IntTarget: Opd {
    /// Writes `v` over the variable's int value (which `peek_int` has just read).
    fn set_int(&self, fr: &mut Frame, v: i64);
}

impl IntTarget for Local {
    #[inline(always)]
    fn set_int(&self, fr: &mut Frame, v: i64) {
        if let Some(Value::Int(n)) = fr.slots.get_mut(self.0) {
            *n = v;
        }
    }
}

impl IntTarget for Global {
    #[inline(always)]
    fn set_int(&self, fr: &mut Frame, v: i64) {
        if let Some(Value::Int(n)) = fr.globals.values.borrow_mut().get_mut(self.0) {
            *n = v;
        }
    }
}

/// `name op= value` for a variable `name` (`at` spans both sides; `store` writes the name):
/// when a local or global holds an int and the result is one, the int is written in place;
/// otherwise the statement is evaluated in full (`augmented_general`).
pub(super) fn augmented_name(
    op: BinOp,
    load: Operand,
    rhs: Operand,
    (at, span): (Span, Span),
    store: super::StoreFn,
) -> super::StmtFn {
    match load {
        Operand::Local(i, slow) => {
            let t = Local(i, Operand::Local(i, slow));
            with_kind!(rhs, r => with_arith!(op, o => augmented_for(t, r, o, (at, span), store)))
        }
        Operand::Global(i, slow) => {
            let t = Global(i, Operand::Global(i, slow));
            with_kind!(rhs, r => with_arith!(op, o => augmented_for(t, r, o, (at, span), store)))
        }
        load => StmtFn::new(move |it, fr| {
            super::before(it, fr, span)?;
            super::augmented_general(it, fr, op, (&load, &rhs), (at, span), &store)
        }),
    }
}

fn augmented_for<T: IntTarget, R: Opd, O: IntArith>(
    t: T,
    r: R,
    o: O,
    (at, span): (Span, Span),
    store: super::StoreFn,
) -> super::StmtFn {
    StmtFn::new(move |it, fr| {
        super::before(it, fr, span)?;
        if R::PEEKS {
            if let (Some(x), Some(y)) = (t.peek_int(fr), r.peek_int(fr)) {
                if let Some(v) = o.int(x, y) {
                    t.set_int(fr, v);
                    return super::finish(it, fr, span, Ok(super::Exit::Normal));
                }
            }
        }
        let operands = (t.general(), r.general());
        super::augmented_general(it, fr, o.op(), operands, (at, span), &store)
    })
}
