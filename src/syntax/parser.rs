//! The one door to the generated parser: tokenizes, parses in a mode, and turns LALRPOP's
//! errors into CPython's messages.

use super::ast::{Expr, Stmt};
use super::builders::Top;
use super::layout::{tokenize, SpannedTok};
use super::token::Tok;
use super::{ErrorClass, SyntaxError};
use crate::source::Span;
use lalrpop_util::ParseError;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, clippy::pedantic, unused, missing_docs)]
    grammar,
    "/aio.rs"
);

/// Whether a failed parse could still succeed with more input (for the REPL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Incomplete {
    /// The input is complete (or definitely wrong).
    No,
    /// More lines could complete it.
    Yes,
}

fn run(toks: Vec<SpannedTok>, src: &str, base: usize) -> Result<Top, SyntaxError> {
    let keep = toks.clone();
    let iter = toks.into_iter().map(Ok::<SpannedTok, SyntaxError>);
    grammar::TopParser::new()
        .parse(iter)
        .map_err(|e| translate(e, &keep, src, base))
}

/// Parses a whole file.
pub fn parse_module(src: &str) -> Result<Vec<Stmt>, SyntaxError> {
    let toks = tokenize(src, 0, Tok::StartModule)?;
    match run(toks, src, 0)? {
        Top::Module(v) => Ok(v),
        _ => Err(SyntaxError::new("invalid syntax", Span::default())),
    }
}

/// Parses one interactive input (one statement, possibly compound). The error says whether more
/// input could complete it.
pub fn parse_interactive(src: &str) -> Result<Vec<Stmt>, (SyntaxError, Incomplete)> {
    let toks = tokenize(src, 0, Tok::StartInteractive).map_err(|e| {
        let inc = if e.msg.contains("was never closed")
            || e.msg.starts_with("unterminated triple-quoted")
        {
            Incomplete::Yes
        } else {
            Incomplete::No
        };
        (e, inc)
    })?;
    let keep = toks.clone();
    let iter = toks.into_iter().map(Ok::<SpannedTok, SyntaxError>);
    match grammar::TopParser::new().parse(iter) {
        Ok(Top::Interactive(v)) => Ok(v),
        Ok(_) => Err((
            SyntaxError::new("invalid syntax", Span::default()),
            Incomplete::No,
        )),
        Err(e) => {
            let inc = if matches!(e, ParseError::UnrecognizedEof { .. }) {
                Incomplete::Yes
            } else {
                Incomplete::No
            };
            Err((translate(e, &keep, src, 0), inc))
        }
    }
}

/// Parses a standalone expression.
pub fn parse_expression(src: &str) -> Result<Expr, SyntaxError> {
    parse_fstring_field(src, 0)
}

/// Parses the expression of an f-string field whose text starts at byte `offset` of the file.
pub fn parse_fstring_field(text: &str, offset: usize) -> Result<Expr, SyntaxError> {
    // CPython parses the field as if parenthesized, so newlines inside are fine.
    let wrapped = format!("({text})");
    let toks = tokenize(&wrapped, offset.saturating_sub(1), Tok::StartExpression)?;
    match run(toks, &wrapped, offset.saturating_sub(1))? {
        Top::Expression(e) => Ok(e),
        _ => Err(SyntaxError::new(
            "invalid syntax",
            Span::new(offset, offset),
        )),
    }
}

fn is_expected(expected: &[String], what: &str) -> bool {
    expected.iter().any(|e| e == what)
}

/// Finds the keyword that opened the block whose indented body is missing, looking back from
/// the token at `idx` (a NEWLINE after a `:`).
fn block_opener(toks: &[SpannedTok], idx: usize, src: &str, base: usize) -> Option<String> {
    let mut i = idx;
    // Walk back to the first token of this logical line.
    while i > 0 {
        match toks[i - 1].1 {
            Tok::Newline | Tok::Indent | Tok::Dedent | Tok::StartModule | Tok::StartInteractive => {
                break
            }
            _ => i -= 1,
        }
    }
    let first = toks.get(i)?;
    let line = 1 + src[..first.0.saturating_sub(base).min(src.len())]
        .matches('\n')
        .count();
    let what = match &first.1 {
        Tok::If => "'if' statement",
        Tok::Elif => "'elif' statement",
        Tok::Else => "'else' statement",
        Tok::While => "'while' statement",
        Tok::For => "'for' statement",
        Tok::Try => "'try' statement",
        Tok::Except => "'except' statement",
        Tok::Finally => "'finally' statement",
        Tok::With => "'with' statement",
        Tok::Class => "class definition",
        Tok::Def => "function definition",
        Tok::Async => match toks.get(i + 1).map(|t| &t.1) {
            Some(Tok::Def) => "function definition",
            Some(Tok::For) => "'for' statement",
            _ => "'with' statement",
        },
        _ => return None,
    }
    .to_string();
    Some(format!("{what} on line {line}"))
}

/// A clear error for Python syntax outside aio's subset that failed to parse at `idx`: the
/// `match` statement (`match` is a soft keyword, so it stays usable as a name) and `except*`.
fn unsupported_statement(toks: &[SpannedTok], idx: usize) -> Option<SyntaxError> {
    let mut first = idx;
    while first > 0 {
        match toks[first - 1].1 {
            Tok::Newline | Tok::Indent | Tok::Dedent | Tok::StartModule | Tok::StartInteractive => {
                break
            }
            _ => first -= 1,
        }
    }
    let (l, tok, r) = toks.get(first)?;
    match tok {
        Tok::Name(n) if &**n == "match" && idx > first => {
            // `match <subject>:` — a line opening with the soft keyword and ending in a colon.
            let line_ends_with_colon = toks[first..]
                .iter()
                .take_while(|t| t.1 != Tok::Newline)
                .last()
                .is_some_and(|t| t.1 == Tok::Colon);
            line_ends_with_colon.then(|| {
                SyntaxError::new(
                    "aio does not support the 'match' statement",
                    Span::new(*l, *r),
                )
            })
        }
        Tok::Except if toks.get(first + 1).is_some_and(|t| t.1 == Tok::Star) => {
            let star = &toks[first + 1];
            Some(SyntaxError::new(
                "aio does not support 'except*' (exception groups)",
                Span::new(*l, star.2),
            ))
        }
        _ => None,
    }
}

/// Turns a LALRPOP error into CPython's message.
fn translate(
    e: ParseError<usize, Tok, SyntaxError>,
    toks: &[SpannedTok],
    src: &str,
    base: usize,
) -> SyntaxError {
    match e {
        ParseError::User { error } => error,
        ParseError::InvalidToken { location } => {
            SyntaxError::new("invalid syntax", Span::new(location, location + 1))
        }
        ParseError::UnrecognizedEof { location, expected } => {
            // CPython reports an error at end of input on the file's last line.
            let location =
                if location > base && src[..(location - base).min(src.len())].ends_with('\n') {
                    location - 1
                } else {
                    location
                };
            let idx = toks.len().saturating_sub(1);
            if is_expected(&expected, "Indent") {
                if let Some(what) = block_opener(toks, idx, src, base) {
                    return SyntaxError {
                        class: ErrorClass::Indentation,
                        msg: format!("expected an indented block after {what}"),
                        span: Span::new(location, location),
                    };
                }
            }
            SyntaxError::new(
                "unexpected EOF while parsing",
                Span::new(location, location),
            )
        }
        ParseError::UnrecognizedToken {
            token: (l, tok, r),
            expected,
        } => {
            let idx = toks
                .iter()
                .position(|t| t.0 == l && t.1 == tok)
                .unwrap_or(toks.len().saturating_sub(1));
            if let Some(e) = unsupported_statement(toks, idx) {
                return e;
            }
            if tok == Tok::Indent {
                return SyntaxError {
                    class: ErrorClass::Indentation,
                    msg: "unexpected indent".into(),
                    span: Span::new(l, r),
                };
            }
            if is_expected(&expected, "Indent") {
                let at = if idx > 0 { idx - 1 } else { idx };
                if let Some(what) = block_opener(toks, at, src, base) {
                    return SyntaxError {
                        class: ErrorClass::Indentation,
                        msg: format!("expected an indented block after {what}"),
                        span: Span::new(l, r.max(l + 1)),
                    };
                }
            }
            if expected.len() == 1 && expected[0] == "\":\"" {
                let prev = if idx > 0 { &toks[idx - 1] } else { &toks[idx] };
                return SyntaxError::new("expected ':'", Span::new(prev.2, prev.2.max(l)));
            }
            if tok == Tok::Dedent {
                return SyntaxError {
                    class: ErrorClass::Indentation,
                    msg: "unexpected unindent".into(),
                    span: Span::new(l, r),
                };
            }
            if tok == Tok::Newline && is_expected(&expected, "\":\"") {
                let prev = if idx > 0 { &toks[idx - 1] } else { &toks[idx] };
                return SyntaxError::new("expected ':'", Span::new(prev.2, prev.2 + 1));
            }
            let end = if r > l { r } else { l + 1 };
            SyntaxError::new("invalid syntax", Span::new(l, end))
        }
        ParseError::ExtraToken { token: (l, _, r) } => {
            SyntaxError::new("invalid syntax", Span::new(l, r))
        }
    }
}
