//! The layout pass: raw logos tokens to the parser's tokens.
//!
//! Keeps an indent stack and a bracket stack, drops line ends inside brackets, emits NEWLINE at
//! the end of each logical line, INDENT / DEDENT (zero-width) when indentation changes, and at end
//! of file a final NEWLINE and one DEDENT per open level. Literals are decoded here.

use super::token::{int_value, keyword, operator, FPiece, Raw, RawError, Tok};
use super::{ErrorClass, SyntaxError};
use crate::source::Span;
use logos::Logos;
use std::rc::Rc;

/// A token with its byte span, as LALRPOP's external-lexer interface wants it.
pub type SpannedTok = (usize, Tok, usize);

/// CPython's tokenizer limit on bracket nesting.
pub const MAX_BRACKET_DEPTH: usize = 200;

/// CPython's tokenizer limit on indentation levels (`MAXINDENT`).
pub const MAX_INDENT: usize = 100;

/// Tokenizes `src` (a whole file or an f-string field) for the parser.
/// `base` is the byte offset of `src` in the file, added to every span.
pub fn tokenize(src: &str, base: usize, start: Tok) -> Result<Vec<SpannedTok>, SyntaxError> {
    Layout::new(src, base).run(start)
}

struct Layout<'a> {
    src: &'a str,
    base: usize,
    out: Vec<SpannedTok>,
    indents: Vec<(usize, usize)>,
    brackets: Vec<(char, usize)>,
}

fn err(class: ErrorClass, msg: impl Into<String>, start: usize, end: usize) -> SyntaxError {
    SyntaxError {
        class,
        msg: msg.into(),
        span: Span::new(start, end),
    }
}

fn line_number(src: &str, offset: usize) -> usize {
    let bytes = &src.as_bytes()[..offset.min(src.len())];
    let mut n = 1;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            n += 1;
        }
        i += 1;
    }
    n
}

impl<'a> Layout<'a> {
    fn new(src: &'a str, base: usize) -> Self {
        Layout {
            src,
            base,
            out: Vec::new(),
            indents: vec![(0, 0)],
            brackets: Vec::new(),
        }
    }

    fn push(&mut self, start: usize, tok: Tok, end: usize) {
        self.out.push((start + self.base, tok, end + self.base));
    }

    fn error(
        &self,
        class: ErrorClass,
        msg: impl Into<String>,
        start: usize,
        end: usize,
    ) -> SyntaxError {
        err(class, msg, start + self.base, end + self.base)
    }

    fn run(mut self, start: Tok) -> Result<Vec<SpannedTok>, SyntaxError> {
        self.push(0, start, 0);
        let mut lex = Raw::lexer(self.src);
        let mut at_line_start = true;
        while let Some(raw) = lex.next() {
            let span = lex.span();
            let text = lex.slice();
            let raw = match raw {
                Ok(r) => r,
                Err(e) => return Err(self.raw_error(e, span.start, span.end)),
            };
            if raw == Raw::Newline {
                if self.brackets.is_empty() && !at_line_start {
                    self.push(span.start, Tok::Newline, span.end);
                    at_line_start = true;
                }
                continue;
            }
            if at_line_start && self.brackets.is_empty() {
                self.indentation(span.start)?;
                at_line_start = false;
            }
            if matches!(raw, Raw::Decimal | Raw::Radix | Raw::Float) {
                self.check_number_end(text, span.start, span.end)?;
            }
            let tok = self.decode(raw, text, span.start)?;
            match tok {
                Tok::LPar | Tok::LSqb | Tok::LBrace => {
                    if self.brackets.len() >= MAX_BRACKET_DEPTH {
                        return Err(self.error(
                            ErrorClass::Syntax,
                            "too many nested parentheses",
                            span.start,
                            span.end,
                        ));
                    }
                    self.brackets
                        .push((text.chars().next().unwrap_or('('), span.start));
                }
                Tok::RPar | Tok::RSqb | Tok::RBrace => {
                    let close = text.chars().next().unwrap_or(')');
                    match self.brackets.pop() {
                        None => {
                            return Err(self.error(
                                ErrorClass::Syntax,
                                format!("unmatched '{close}'"),
                                span.start,
                                span.end,
                            ))
                        }
                        Some((open, open_at)) => {
                            let want = match open {
                                '(' => ')',
                                '[' => ']',
                                _ => '}',
                            };
                            if want != close {
                                let open_line = line_number(self.src, open_at);
                                let close_line = line_number(self.src, span.start);
                                let msg = if open_line == close_line {
                                    format!("closing parenthesis '{close}' does not match opening parenthesis '{open}'")
                                } else {
                                    format!(
                                        "closing parenthesis '{close}' does not match opening parenthesis '{open}' on line {open_line}"
                                    )
                                };
                                return Err(self.error(
                                    ErrorClass::Syntax,
                                    msg,
                                    span.start,
                                    span.end,
                                ));
                            }
                        }
                    }
                }
                _ => {}
            }
            self.push(span.start, tok, span.end);
        }
        if let Some(&(open, at)) = self.brackets.last() {
            return Err(self.error(
                ErrorClass::Syntax,
                format!("'{open}' was never closed"),
                at,
                at + 1,
            ));
        }
        let end = self.src.len();
        if !at_line_start {
            self.push(end, Tok::Newline, end);
        }
        while self.indents.len() > 1 {
            self.indents.pop();
            self.push(end, Tok::Dedent, end);
        }
        Ok(self.out)
    }

    /// A number may not run straight into a name (`1__0`, `0b2`, `0x`), except into the
    /// keywords CPython allows there (`1if x else y`).
    fn check_number_end(&self, text: &str, start: usize, end: usize) -> Result<(), SyntaxError> {
        let rest = &self.src[end..];
        let Some(next) = rest.chars().next() else {
            return Ok(());
        };
        if !(next.is_alphanumeric() || next == '_') {
            return Ok(());
        }
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if ["and", "else", "for", "if", "in", "is", "not", "or"]
            .iter()
            .any(|k| word.starts_with(k))
        {
            return Ok(());
        }
        let lower = text.to_ascii_lowercase();
        let after = rest[next.len_utf8()..]
            .chars()
            .next()
            .filter(|c| c.is_ascii_digit());
        let msg = if let (true, 'b' | 'B', Some(d)) = (lower == "0", next, after) {
            format!("invalid digit '{d}' in binary literal")
        } else if let (true, 'o' | 'O', Some(d)) = (lower == "0", next, after) {
            format!("invalid digit '{d}' in octal literal")
        } else if lower == "0" && matches!(next, 'x' | 'X') {
            "invalid hexadecimal literal".to_string()
        } else if lower == "0" && matches!(next, 'b' | 'B') {
            "invalid binary literal".to_string()
        } else if lower == "0" && matches!(next, 'o' | 'O') {
            "invalid octal literal".to_string()
        } else if lower.starts_with("0b") && next.is_ascii_digit() {
            format!("invalid digit '{next}' in binary literal")
        } else if lower.starts_with("0o") && next.is_ascii_digit() {
            format!("invalid digit '{next}' in octal literal")
        } else if lower.starts_with("0x") {
            "invalid hexadecimal literal".to_string()
        } else if lower.starts_with("0b") {
            "invalid binary literal".to_string()
        } else if lower.starts_with("0o") {
            "invalid octal literal".to_string()
        } else {
            "invalid decimal literal".to_string()
        };
        Err(self.error(ErrorClass::Syntax, msg, start, end + next.len_utf8()))
    }

    /// Compares the indentation before `tok_start` with the stack, as CPython's tokenizer does:
    /// columns with tabs to multiples of 8, and again with tabs as 1, to catch TabError.
    fn indentation(&mut self, tok_start: usize) -> Result<(), SyntaxError> {
        let line_start = self.src[..tok_start]
            .rfind(['\n', '\r'])
            .map(|i| i + 1)
            .unwrap_or(0);
        let prefix = &self.src[line_start..tok_start];
        let (mut col, mut alt) = (0usize, 0usize);
        for c in prefix.chars() {
            match c {
                ' ' => {
                    col += 1;
                    alt += 1;
                }
                '\t' => {
                    col = (col / 8 + 1) * 8;
                    alt += 1;
                }
                '\x0c' => {
                    col = 0;
                    alt = 0;
                }
                // The token is not first on its line (after a line join): no layout change.
                _ => return Ok(()),
            }
        }
        let &(top, top_alt) = self.indents.last().unwrap_or(&(0, 0));
        if col == top {
            if alt != top_alt {
                return Err(self.tab_error(tok_start));
            }
        } else if col > top {
            if alt <= top_alt {
                return Err(self.tab_error(tok_start));
            }
            if self.indents.len() >= MAX_INDENT {
                return Err(self.error(
                    ErrorClass::Indentation,
                    "too many levels of indentation",
                    tok_start,
                    tok_start + 1,
                ));
            }
            self.indents.push((col, alt));
            self.push(tok_start, Tok::Indent, tok_start);
        } else {
            while self.indents.last().is_some_and(|&(c, _)| c > col) {
                self.indents.pop();
                self.push(tok_start, Tok::Dedent, tok_start);
            }
            let &(now, now_alt) = self.indents.last().unwrap_or(&(0, 0));
            if now != col {
                return Err(self.error(
                    ErrorClass::Indentation,
                    "unindent does not match any outer indentation level",
                    tok_start,
                    tok_start,
                ));
            }
            if now_alt != alt {
                return Err(self.tab_error(tok_start));
            }
        }
        Ok(())
    }

    fn tab_error(&self, at: usize) -> SyntaxError {
        self.error(
            ErrorClass::Tab,
            "inconsistent use of tabs and spaces in indentation",
            at,
            at,
        )
    }

    fn raw_error(&self, e: RawError, start: usize, end: usize) -> SyntaxError {
        let detected = line_number(self.src, end.saturating_sub(1).max(start));
        match e {
            RawError::UnterminatedString => self.error(
                ErrorClass::Syntax,
                format!("unterminated string literal (detected at line {detected})"),
                start,
                start + 1,
            ),
            RawError::UnterminatedTriple => self.error(
                ErrorClass::Syntax,
                format!(
                    "unterminated triple-quoted string literal (detected at line {})",
                    line_number(self.src, end.saturating_sub(1).max(start))
                ),
                start,
                start + 1,
            ),
            RawError::Invalid => {
                let c = self.src[start..].chars().next().unwrap_or('?');
                let msg = if c == '\0' {
                    "source code cannot contain null bytes".to_string()
                } else if c == '$' || c == '?' || c == '`' {
                    "invalid syntax".to_string()
                } else if c.is_control() || c == '\u{a0}' {
                    format!("invalid non-printable character U+{:04X}", c as u32)
                } else {
                    format!("invalid character '{c}' (U+{:04X})", c as u32)
                };
                self.error(ErrorClass::Syntax, msg, start, start + c.len_utf8())
            }
        }
    }

    fn decode(&self, raw: Raw, text: &str, start: usize) -> Result<Tok, SyntaxError> {
        let end = start + text.len();
        Ok(match raw {
            Raw::Name => keyword(text).unwrap_or_else(|| Tok::Name(intern(text))),
            Raw::Decimal if text.len() > crate::runtime::repr::INT_MAX_STR_DIGITS => {
                let digits = text.bytes().filter(u8::is_ascii_digit).count();
                if digits > crate::runtime::repr::INT_MAX_STR_DIGITS {
                    return Err(self.error(
                        ErrorClass::Syntax,
                        format!(
                            "Exceeds the limit ({} digits) for integer string conversion: value has {digits} digits; use sys.set_int_max_str_digits() to increase the limit - Consider hexadecimal for huge integer literals to avoid decimal conversion limits.",
                            crate::runtime::repr::INT_MAX_STR_DIGITS
                        ),
                        start,
                        end,
                    ));
                }
                match int_value(text) {
                    Some(v) => Tok::Int(v),
                    None => {
                        return Err(self.error(
                            ErrorClass::Syntax,
                            "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
                            start,
                            end,
                        ))
                    }
                }
            }
            Raw::Decimal | Raw::Radix => match int_value(text) {
                Some(v) => Tok::Int(v),
                None => {
                    return Err(self.error(
                        ErrorClass::Syntax,
                        "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
                        start,
                        end,
                    ))
                }
            },
            Raw::Float => {
                let clean: String = text.chars().filter(|&c| c != '_').collect();
                match clean.parse::<f64>() {
                    Ok(v) => Tok::Float(v),
                    Err(_) => return Err(self.error(ErrorClass::Syntax, "invalid decimal literal", start, end)),
                }
            }
            Raw::Imaginary => {
                return Err(self.error(ErrorClass::Syntax, "aio does not support complex numbers", start, end))
            }
            Raw::Str => self.string(text, start)?,
            Raw::Op => match operator(text) {
                Some(t) => t,
                None => return Err(self.error(ErrorClass::Syntax, "invalid syntax", start, end)),
            },
            Raw::Bang => return Err(self.error(ErrorClass::Syntax, "invalid syntax", start, end)),
            Raw::Newline => Tok::Newline,
        })
    }

    /// Decodes a string literal token: prefix, quotes, escapes, and f-string fields.
    fn string(&self, text: &str, start: usize) -> Result<Tok, SyntaxError> {
        let quote_at = text.find(['\'', '"']).unwrap_or(0);
        let prefix = text[..quote_at].to_ascii_lowercase();
        let q = &text[quote_at..];
        let qlen = if q.len() >= 6 && (q.starts_with("'''") || q.starts_with("\"\"\"")) {
            3
        } else {
            1
        };
        let body = &q[qlen..q.len() - qlen];
        let body_start = start + quote_at + qlen;
        let raw = prefix.contains('r');
        if prefix.contains('b') {
            return Err(self.error(
                ErrorClass::Syntax,
                "aio does not support bytes literals",
                start,
                start + text.len(),
            ));
        }
        if prefix.contains('f') {
            let pieces = self.fstring(body, body_start, raw)?;
            return Ok(Tok::FStr(Rc::new(pieces)));
        }
        let value = if raw {
            body.replace("\r\n", "\n")
        } else {
            self.unescape(body, body_start)?
        };
        Ok(Tok::Str(Rc::from(value)))
    }

    fn unescape(&self, body: &str, body_start: usize) -> Result<String, SyntaxError> {
        if !body.contains(['\\', '\r']) {
            return Ok(body.to_string());
        }
        let mut out = String::with_capacity(body.len());
        let mut chars = body.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\r' {
                if chars.peek().map(|&(_, c)| c) == Some('\n') {
                    chars.next();
                }
                out.push('\n');
                continue;
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some((_, e)) = chars.next() else {
                out.push('\\');
                break;
            };
            let mut hex = |n: usize, what: &str| -> Result<char, SyntaxError> {
                let mut v = 0u32;
                for _ in 0..n {
                    match chars.peek().and_then(|&(_, c)| c.to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d;
                            chars.next();
                        }
                        None => {
                            return Err(self.error(
                                ErrorClass::Syntax,
                                format!("(unicode error) 'unicodeescape' codec can't decode bytes in position {}-{}: truncated {what} escape", i, i + 1),
                                body_start + i,
                                body_start + i + 2,
                            ))
                        }
                    }
                }
                char::from_u32(v).ok_or_else(|| {
                    self.error(
                        ErrorClass::Syntax,
                        "(unicode error) 'unicodeescape' codec can't decode bytes: illegal Unicode character",
                        body_start + i,
                        body_start + i + 2,
                    )
                })
            };
            match e {
                '\n' => {}
                '\r' => {
                    if chars.peek().map(|&(_, c)| c) == Some('\n') {
                        chars.next();
                    }
                }
                '\\' => out.push('\\'),
                '\'' => out.push('\''),
                '"' => out.push('"'),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'v' => out.push('\x0b'),
                'x' => out.push(hex(2, "\\xXX")?),
                'u' => out.push(hex(4, "\\uXXXX")?),
                'U' => out.push(hex(8, "\\UXXXXXXXX")?),
                '0'..='7' => {
                    let mut v = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match chars.peek().and_then(|&(_, c)| c.to_digit(8)) {
                            Some(d) => {
                                v = v * 8 + d;
                                chars.next();
                            }
                            None => break,
                        }
                    }
                    out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                }
                'N' => {
                    return Err(self.error(
                        ErrorClass::Syntax,
                        "aio does not support \\N{...} escapes",
                        body_start + i,
                        body_start + i + 2,
                    ))
                }
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
        Ok(out)
    }

    /// Splits an f-string body into literal pieces and replacement fields.
    fn fstring(
        &self,
        body: &str,
        body_start: usize,
        raw: bool,
    ) -> Result<Vec<FPiece>, SyntaxError> {
        let (pieces, used) = self.fstring_pieces(body, body_start, raw, false)?;
        if used != body.len() {
            return Err(self.error(
                ErrorClass::Syntax,
                "f-string: single '}' is not allowed",
                body_start + used,
                body_start + used + 1,
            ));
        }
        Ok(pieces)
    }

    /// Parses pieces until the end of `body` or (in a format spec) an unmatched `}`.
    /// Returns the pieces and the number of bytes consumed.
    fn fstring_pieces(
        &self,
        body: &str,
        body_start: usize,
        raw: bool,
        in_spec: bool,
    ) -> Result<(Vec<FPiece>, usize), SyntaxError> {
        let bytes = body.as_bytes();
        let mut pieces = Vec::new();
        let mut lit_start = 0;
        let mut lit = String::new();
        let mut i = 0;
        let flush =
            |lit: &mut String, seg: &str, this: &Self, at: usize| -> Result<(), SyntaxError> {
                if raw {
                    lit.push_str(seg);
                } else {
                    lit.push_str(&this.unescape(seg, at)?);
                }
                Ok(())
            };
        while i < bytes.len() {
            match bytes[i] {
                b'{' if !in_spec && bytes.get(i + 1) == Some(&b'{') => {
                    flush(
                        &mut lit,
                        &body[lit_start..i + 1],
                        self,
                        body_start + lit_start,
                    )?;
                    i += 2;
                    lit_start = i;
                }
                b'}' if !in_spec && bytes.get(i + 1) == Some(&b'}') => {
                    flush(
                        &mut lit,
                        &body[lit_start..i + 1],
                        self,
                        body_start + lit_start,
                    )?;
                    i += 2;
                    lit_start = i;
                }
                b'}' if in_spec => break,
                b'}' => {
                    return Err(self.error(
                        ErrorClass::Syntax,
                        "f-string: single '}' is not allowed",
                        body_start + i,
                        body_start + i + 1,
                    ))
                }
                b'{' => {
                    flush(&mut lit, &body[lit_start..i], self, body_start + lit_start)?;
                    if !lit.is_empty() {
                        pieces.push(FPiece::Lit(std::mem::take(&mut lit)));
                    }
                    let (field, used) =
                        self.fstring_field(&body[i + 1..], body_start + i + 1, raw)?;
                    pieces.push(field);
                    i += 1 + used;
                    lit_start = i;
                }
                _ => i += 1,
            }
        }
        flush(
            &mut lit,
            &body[lit_start..i.min(body.len())],
            self,
            body_start + lit_start,
        )?;
        if !lit.is_empty() {
            pieces.push(FPiece::Lit(lit));
        }
        Ok((pieces, i))
    }

    /// Parses one replacement field after its `{`; returns the piece and the bytes used,
    /// including the closing `}`.
    fn fstring_field(&self, s: &str, at: usize, raw: bool) -> Result<(FPiece, usize), SyntaxError> {
        let bytes = s.as_bytes();
        let mut depth = 0usize;
        let mut i = 0;
        let mut quote: Option<u8> = None;
        // Find the end of the expression: a top-level `!`, `:`, `=` (not part of an operator) or `}`.
        let expr_end = loop {
            let Some(&c) = bytes.get(i) else {
                return Err(self.error(ErrorClass::Syntax, "f-string: expecting '}'", at - 1, at));
            };
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
                i += 1;
                continue;
            }
            match c {
                b'\'' | b'"' => quote = Some(c),
                b'(' | b'[' | b'{' => depth += 1,
                b')' | b']' | b'}' if depth > 0 => depth -= 1,
                b'}' => break i,
                b'!' if depth == 0 && bytes.get(i + 1) != Some(&b'=') => break i,
                b':' if depth == 0 => break i,
                b'=' if depth == 0 => {
                    let prev = if i > 0 { bytes[i - 1] } else { b' ' };
                    let next = bytes.get(i + 1).copied().unwrap_or(b' ');
                    if next != b'=' && !matches!(prev, b'=' | b'!' | b'<' | b'>') {
                        break i;
                    }
                    if next == b'=' {
                        i += 1;
                    }
                }
                b'\\' => {
                    return Err(self.error(
                        ErrorClass::Syntax,
                        "f-string expression part cannot include a backslash",
                        at + i,
                        at + i + 1,
                    ))
                }
                b'#' => {
                    return Err(self.error(
                        ErrorClass::Syntax,
                        "f-string expression part cannot include '#'",
                        at + i,
                        at + i + 1,
                    ))
                }
                _ => {}
            }
            i += 1;
        };
        let expr = &s[..expr_end];
        if expr.trim().is_empty() {
            return Err(self.error(
                ErrorClass::Syntax,
                "f-string: empty expression not allowed",
                at - 1,
                at + expr_end + 1,
            ));
        }
        let mut i = expr_end;
        let mut self_doc = None;
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while matches!(bytes.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
            self_doc = Some(s[..i].to_string());
        }
        let mut conversion = None;
        if bytes.get(i) == Some(&b'!') {
            let c = s[i + 1..].chars().next();
            match c {
                Some(c @ ('r' | 's' | 'a')) => conversion = Some(c),
                _ => {
                    return Err(self.error(
                        ErrorClass::Syntax,
                        "f-string: invalid conversion character: expected 's', 'r', or 'a'",
                        at + i,
                        at + i + 1,
                    ))
                }
            }
            i += 2;
        }
        let mut spec = None;
        if bytes.get(i) == Some(&b':') {
            let (pieces, used) = self.fstring_pieces(&s[i + 1..], at + i + 1, raw, true)?;
            spec = Some(pieces);
            i += 1 + used;
        }
        if bytes.get(i) != Some(&b'}') {
            return Err(self.error(
                ErrorClass::Syntax,
                "f-string: expecting '}'",
                at + i,
                at + i + 1,
            ));
        }
        if self_doc.is_some() && conversion.is_none() && spec.is_none() {
            conversion = Some('r');
        }
        let piece = FPiece::Field {
            expr: expr.to_string(),
            offset: (at + self.base) as u32,
            conversion,
            spec,
            self_doc,
        };
        Ok((piece, i + 1))
    }
}

thread_local! {
    /// Every identifier read so far, once.
    static NAMES: std::cell::RefCell<rustc_hash::FxHashSet<Rc<str>>> = Default::default();
}

/// The one shared copy of identifier `name`: every occurrence of a name in every source
/// read on this thread is the same string, so the attribute tables that compare names can
/// compare pointers first (`runtime::attrs`).
pub fn intern(name: &str) -> Rc<str> {
    NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if let Some(n) = names.get(name) {
            return n.clone();
        }
        let n: Rc<str> = Rc::from(name);
        names.insert(n.clone());
        n
    })
}
