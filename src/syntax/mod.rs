//! Source text to AST: the logos lexer, the layout pass, and the LALRPOP parser behind one door.

pub mod ast;
pub mod builders;
pub mod layout;
pub mod parser;
pub mod token;

use crate::source::Span;

/// Which of CPython's compile-time exception classes an error belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// `SyntaxError`
    Syntax,
    /// `IndentationError`
    Indentation,
    /// `TabError`
    Tab,
    /// `RecursionError`: an expression nested too deeply to compile.
    Recursion,
}

impl ErrorClass {
    /// The Python class name.
    pub fn name(self) -> &'static str {
        match self {
            ErrorClass::Syntax => "SyntaxError",
            ErrorClass::Indentation => "IndentationError",
            ErrorClass::Tab => "TabError",
            ErrorClass::Recursion => "RecursionError",
        }
    }
}

/// A compile-time error: CPython's class and message, and where it points.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntaxError {
    /// The exception class.
    pub class: ErrorClass,
    /// The message, as CPython words it.
    pub msg: String,
    /// The offending text.
    pub span: Span,
}

impl SyntaxError {
    /// A `SyntaxError` with this message at this span.
    pub fn new(msg: impl Into<String>, span: Span) -> SyntaxError {
        SyntaxError {
            class: ErrorClass::Syntax,
            msg: msg.into(),
            span,
        }
    }
}

pub use parser::{
    parse_expression, parse_fstring_field, parse_interactive, parse_module, Incomplete,
};
