//! The raw lexer (logos) and the parser-facing token type.
//!
//! logos recognises names, numbers, operators and the start of string literals; string bodies are
//! scanned by a callback so triple quotes and escapes are handled in one place. The layout pass in
//! `layout.rs` turns the raw stream into the parser's tokens with NEWLINE / INDENT / DEDENT.

use logos::Logos;
use num_bigint::BigInt;
use std::rc::Rc;

/// An integer literal's value: machine-sized when it fits.
#[derive(Clone, Debug, PartialEq)]
pub enum IntLit {
    /// Fits in an `i64`.
    Small(i64),
    /// Needs arbitrary precision.
    Big(Rc<BigInt>),
}

/// One piece of an f-string after the literal has been split.
#[derive(Clone, Debug, PartialEq)]
pub enum FPiece {
    /// Literal text, escapes already processed, `{{` / `}}` already halved.
    Lit(String),
    /// A replacement field `{expr!conv:spec}`.
    Field {
        /// The expression's source text.
        expr: String,
        /// Byte offset of `expr` in the file, so its spans point at the right place.
        offset: u32,
        /// `'r'`, `'s'` or `'a'` after `!`, if any.
        conversion: Option<char>,
        /// The format spec, itself a sequence of pieces (it may hold nested fields).
        spec: Option<Vec<FPiece>>,
        /// For `{expr=}`: the text to print before the value (`expr=` with its spacing).
        self_doc: Option<String>,
    },
}

/// A token as the parser sees it.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// Mode marker: parse a module (a file).
    StartModule,
    /// Mode marker: parse one interactive statement.
    StartInteractive,
    /// Mode marker: parse one expression (f-string fields).
    StartExpression,
    /// An identifier.
    Name(Rc<str>),
    /// An integer literal.
    Int(IntLit),
    /// A float literal.
    Float(f64),
    /// A string literal, escapes processed.
    Str(Rc<str>),
    /// An f-string literal, split into pieces.
    FStr(Rc<Vec<FPiece>>),
    /// End of a logical line.
    Newline,
    /// Indentation increased.
    Indent,
    /// Indentation decreased by one level.
    Dedent,
    // Keywords.
    /// `False`
    False,
    /// `None`
    None,
    /// `True`
    True,
    /// `and`
    And,
    /// `as`
    As,
    /// `assert`
    Assert,
    /// `async`
    Async,
    /// `await`
    Await,
    /// `break`
    Break,
    /// `class`
    Class,
    /// `continue`
    Continue,
    /// `def`
    Def,
    /// `del`
    Del,
    /// `elif`
    Elif,
    /// `else`
    Else,
    /// `except`
    Except,
    /// `finally`
    Finally,
    /// `for`
    For,
    /// `from`
    From,
    /// `global`
    Global,
    /// `if`
    If,
    /// `import`
    Import,
    /// `in`
    In,
    /// `is`
    Is,
    /// `lambda`
    Lambda,
    /// `nonlocal`
    Nonlocal,
    /// `not`
    Not,
    /// `or`
    Or,
    /// `pass`
    Pass,
    /// `raise`
    Raise,
    /// `return`
    Return,
    /// `try`
    Try,
    /// `while`
    While,
    /// `with`
    With,
    /// `yield`
    Yield,
    // Operators and delimiters.
    /// `(`
    LPar,
    /// `)`
    RPar,
    /// `[`
    LSqb,
    /// `]`
    RSqb,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `,`
    Comma,
    /// `:`
    Colon,
    /// `;`
    Semi,
    /// `.`
    Dot,
    /// `...`
    Ellipsis,
    /// `->`
    Arrow,
    /// `=`
    Assign,
    /// `:=`
    Walrus,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `**`
    DoubleStar,
    /// `/`
    Slash,
    /// `//`
    DoubleSlash,
    /// `%`
    Percent,
    /// `@`
    At,
    /// `<<`
    LShift,
    /// `>>`
    RShift,
    /// `&`
    Amp,
    /// `|`
    Pipe,
    /// `^`
    Caret,
    /// `~`
    Tilde,
    /// `<`
    Lt,
    /// `>`
    Gt,
    /// `<=`
    Le,
    /// `>=`
    Ge,
    /// `==`
    EqEq,
    /// `!=`
    NotEq,
    /// An augmented assignment operator such as `+=`; the payload is the binary operator's text.
    AugAssign(&'static str),
}

/// What went wrong while scanning one raw token.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RawError {
    /// A character that starts no token.
    #[default]
    Invalid,
    /// A string literal with no closing quote on its line.
    UnterminatedString,
    /// A triple-quoted string literal with no closing quotes.
    UnterminatedTriple,
}

fn scan_string(lex: &mut logos::Lexer<Raw>) -> Result<(), RawError> {
    let slice = lex.slice();
    let quote = slice.as_bytes()[slice.len() - 1];
    let rest = lex.remainder().as_bytes();
    let triple = rest.len() >= 2 && rest[0] == quote && rest[1] == quote;
    let mut i = if triple { 2 } else { 0 };
    loop {
        let Some(&c) = rest.get(i) else {
            lex.bump(rest.len());
            return Err(if triple {
                RawError::UnterminatedTriple
            } else {
                RawError::UnterminatedString
            });
        };
        if c == b'\\' {
            // A backslash always protects the next character from closing the literal,
            // raw strings included; a backslash-CRLF protects both bytes.
            if rest.get(i + 1) == Some(&b'\r') && rest.get(i + 2) == Some(&b'\n') {
                i += 3;
            } else {
                i += 2;
            }
            continue;
        }
        if c == quote {
            if !triple {
                lex.bump(i + 1);
                return Ok(());
            }
            if rest.get(i + 1) == Some(&quote) && rest.get(i + 2) == Some(&quote) {
                lex.bump(i + 3);
                return Ok(());
            }
        }
        if !triple && (c == b'\n' || c == b'\r') {
            lex.bump(i);
            return Err(RawError::UnterminatedString);
        }
        i += 1;
    }
}

/// A raw token straight from logos, before layout and literal decoding.
#[derive(Logos, Clone, Copy, Debug, PartialEq)]
#[logos(error = RawError)]
#[logos(skip r"[ \t\x0c]+")]
#[logos(skip(r"#[^\r\n]*", allow_greedy = true))]
#[logos(skip r"\\(\r\n|\r|\n)")]
pub enum Raw {
    /// A physical line end.
    #[regex(r"\r\n|\r|\n")]
    Newline,
    /// An identifier or keyword.
    #[regex(r"[\p{XID_Start}_][\p{XID_Continue}]*")]
    Name,
    /// A decimal integer.
    #[regex(r"[0-9](_?[0-9])*")]
    Decimal,
    /// A hex, octal or binary integer.
    #[regex(r"0[xX](_?[0-9a-fA-F])+|0[oO](_?[0-7])+|0[bB](_?[01])+")]
    Radix,
    /// A float literal.
    #[regex(r"[0-9](_?[0-9])*\.([0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?")]
    #[regex(r"\.[0-9](_?[0-9])*([eE][+-]?[0-9](_?[0-9])*)?")]
    #[regex(r"[0-9](_?[0-9])*[eE][+-]?[0-9](_?[0-9])*")]
    Float,
    /// An imaginary literal (unsupported, reported by the layout pass).
    #[regex(
        r"([0-9](_?[0-9])*|[0-9](_?[0-9])*\.([0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?)[jJ]"
    )]
    Imaginary,
    /// A string literal with its prefix and quotes.
    #[regex(r#"([rRuUfFbB]|[rR][fFbB]|[fFbB][rR])?["']"#, scan_string)]
    Str,
    /// An operator or delimiter; the layout pass looks at the text.
    #[regex(
        r"\*\*=|//=|>>=|<<=|\.\.\.|->|:=|\*\*|//|<<|>>|<=|>=|==|!=|\+=|-=|\*=|/=|%=|@=|&=|\|=|\^="
    )]
    #[regex(r"[()\[\]{},:;.=+\-*/%@&|^~<>]")]
    Op,
    /// A `!` not followed by `=` (only meaningful inside f-string fields).
    #[token("!")]
    Bang,
}

/// The keyword token for `word`, if it is one.
pub fn keyword(word: &str) -> Option<Tok> {
    Some(match word {
        "False" => Tok::False,
        "None" => Tok::None,
        "True" => Tok::True,
        "and" => Tok::And,
        "as" => Tok::As,
        "assert" => Tok::Assert,
        "async" => Tok::Async,
        "await" => Tok::Await,
        "break" => Tok::Break,
        "class" => Tok::Class,
        "continue" => Tok::Continue,
        "def" => Tok::Def,
        "del" => Tok::Del,
        "elif" => Tok::Elif,
        "else" => Tok::Else,
        "except" => Tok::Except,
        "finally" => Tok::Finally,
        "for" => Tok::For,
        "from" => Tok::From,
        "global" => Tok::Global,
        "if" => Tok::If,
        "import" => Tok::Import,
        "in" => Tok::In,
        "is" => Tok::Is,
        "lambda" => Tok::Lambda,
        "nonlocal" => Tok::Nonlocal,
        "not" => Tok::Not,
        "or" => Tok::Or,
        "pass" => Tok::Pass,
        "raise" => Tok::Raise,
        "return" => Tok::Return,
        "try" => Tok::Try,
        "while" => Tok::While,
        "with" => Tok::With,
        "yield" => Tok::Yield,
        _ => return None,
    })
}

/// The operator token for `text` (which logos matched as `Raw::Op`).
pub fn operator(text: &str) -> Option<Tok> {
    Some(match text {
        "(" => Tok::LPar,
        ")" => Tok::RPar,
        "[" => Tok::LSqb,
        "]" => Tok::RSqb,
        "{" => Tok::LBrace,
        "}" => Tok::RBrace,
        "," => Tok::Comma,
        ":" => Tok::Colon,
        ";" => Tok::Semi,
        "." => Tok::Dot,
        "..." => Tok::Ellipsis,
        "->" => Tok::Arrow,
        "=" => Tok::Assign,
        ":=" => Tok::Walrus,
        "+" => Tok::Plus,
        "-" => Tok::Minus,
        "*" => Tok::Star,
        "**" => Tok::DoubleStar,
        "/" => Tok::Slash,
        "//" => Tok::DoubleSlash,
        "%" => Tok::Percent,
        "@" => Tok::At,
        "<<" => Tok::LShift,
        ">>" => Tok::RShift,
        "&" => Tok::Amp,
        "|" => Tok::Pipe,
        "^" => Tok::Caret,
        "~" => Tok::Tilde,
        "<" => Tok::Lt,
        ">" => Tok::Gt,
        "<=" => Tok::Le,
        ">=" => Tok::Ge,
        "==" => Tok::EqEq,
        "!=" => Tok::NotEq,
        "+=" => Tok::AugAssign("+"),
        "-=" => Tok::AugAssign("-"),
        "*=" => Tok::AugAssign("*"),
        "/=" => Tok::AugAssign("/"),
        "//=" => Tok::AugAssign("//"),
        "%=" => Tok::AugAssign("%"),
        "@=" => Tok::AugAssign("@"),
        "&=" => Tok::AugAssign("&"),
        "|=" => Tok::AugAssign("|"),
        "^=" => Tok::AugAssign("^"),
        ">>=" => Tok::AugAssign(">>"),
        "<<=" => Tok::AugAssign("<<"),
        "**=" => Tok::AugAssign("**"),
        _ => return None,
    })
}

/// Parses an integer literal's text (with `_` separators and a radix prefix) into its value.
/// Returns `None` for a decimal literal with leading zeros, which Python rejects.
pub fn int_value(text: &str) -> Option<IntLit> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let (digits, radix) = match clean.get(..2) {
        Some("0x") | Some("0X") => (&clean[2..], 16),
        Some("0o") | Some("0O") => (&clean[2..], 8),
        Some("0b") | Some("0B") => (&clean[2..], 2),
        _ => {
            if clean.len() > 1 && clean.starts_with('0') && clean.bytes().any(|b| b != b'0') {
                return None;
            }
            (clean.as_str(), 10)
        }
    };
    if let Ok(v) = i64::from_str_radix(digits, radix) {
        return Some(IntLit::Small(v));
    }
    BigInt::parse_bytes(digits.as_bytes(), radix).map(|b| IntLit::Big(Rc::new(b)))
}

/// A readable name for a token in error messages.
pub fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Name(n) => format!("name '{n}'"),
        Tok::Newline => "newline".into(),
        Tok::Indent => "indent".into(),
        Tok::Dedent => "dedent".into(),
        other => format!("{other:?}"),
    }
}
