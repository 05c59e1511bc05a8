//! CPython-exact text for numbers and strings: float repr and the format-spec mini-language.
//!
//! This mirrors CPython 3.11's `Python/formatter_unicode.c` (spec parsing, padding, grouping)
//! and `Python/pystrtod.c` (`format_float_short`), so `format(v, spec)` and `repr(float)`
//! come out byte-for-byte as CPython prints them. Digit generation relies on Rust's float
//! formatting, which (like CPython's dtoa) is correctly rounded on the exact binary value,
//! half-to-even on exact ties, and gives the shortest round-tripping digits for `{:e}`.
//!
//! Errors are returned as the text of the exception CPython raises (almost always a
//! `ValueError`; the `OverflowError` texts are "int too large to convert to float",
//! "%c arg not in range(0x110000)" and "Python int too large to convert to C long").
//!
//! Deliberate differences: `format(0xD800, 'c')` (a lone surrogate) yields U+FFFD, and a
//! width above `i32::MAX` gives Err("width too big") where CPython would run out of memory.

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};

/// `repr(x)` / `str(x)` of a float as CPython prints it: shortest round-trip digits,
/// fixed notation for exponents -4 <= e < 16 else scientific (`1e+16`, `1.5e-07`), `inf`, `-inf`, `nan`, `-0.0`, `2.0`.
pub fn float_repr(x: f64) -> String {
    float_to_string(x, 'r', 0, true, false, false, false)
}

/// `format(v, spec)` for an int of any size.
///
/// Err carries CPython's exception message, e.g. "Unknown format code 'q' for object of type 'int'".
pub fn format_int(v: &BigInt, spec: &str) -> Result<String, String> {
    format_int_value(IntVal::Big(v), spec, "int")
}

/// `format(v, spec)` for an int that fits in an `i64` (same results as [`format_int`]).
pub fn format_i64(v: i64, spec: &str) -> Result<String, String> {
    format_int_value(IntVal::Small(v), spec, "int")
}

/// `format(b, spec)` for a bool with a non-empty spec: an int, but errors name `bool`.
pub fn format_bool(b: bool, spec: &str) -> Result<String, String> {
    format_int_value(IntVal::Small(b as i64), spec, "bool")
}

/// `format(x, spec)` for a float, including the empty spec (same as `str(x)`) and specs with
/// no type (CPython's repr-like 'g' rules: `format(1.0, '10')` is `'       1.0'`).
pub fn format_float(x: f64, spec: &str) -> Result<String, String> {
    if spec.is_empty() {
        return Ok(float_repr(x));
    }
    let f = parse_spec(spec, "float", '\0', '>')?;
    match f.ty {
        '\0' | 'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 'n' | '%' => format_float_internal(x, &f),
        t => Err(unknown_type(t, "float")),
    }
}

/// `format(s, spec)` for a str: fill, align (not '='), width, precision (truncation) and type 's'.
pub fn format_str(s: &str, spec: &str) -> Result<String, String> {
    if spec.is_empty() {
        return Ok(s.to_string());
    }
    let f = parse_spec(spec, "str", 's', '<')?;
    if f.ty != 's' {
        return Err(unknown_type(f.ty, "str"));
    }
    match f.sign {
        ' ' => return Err("Space not allowed in string format specifier".into()),
        '\0' => {}
        _ => return Err("Sign not allowed in string format specifier".into()),
    }
    if f.no_neg_0 {
        return Err("Negative zero coercion (z) not allowed in string format specifier".into());
    }
    if f.alternate {
        return Err("Alternate form (#) not allowed in string format specifier".into());
    }
    if f.align == '=' {
        return Err("'=' alignment not allowed in string format specifier".into());
    }
    let mut len = s.chars().count() as i64;
    let body: &str = if f.precision >= 0 && len > f.precision {
        len = f.precision;
        match s.char_indices().nth(f.precision as usize) {
            Some((i, _)) => &s[..i],
            None => s,
        }
    } else {
        s
    };
    let total = f.width.max(len);
    let lpad = match f.align {
        '>' => total - len,
        '^' => (total - len) / 2,
        _ => 0,
    };
    let mut out = String::with_capacity(body.len() + (total - len) as usize);
    push_fill(&mut out, f.fill, lpad);
    out.push_str(body);
    push_fill(&mut out, f.fill, total - len - lpad);
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Format-spec parsing (parse_internal_render_format_spec)
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Grouping {
    None,
    Comma,
    Underscore,
    /// '_' with b/o/x/X: a separator every four digits.
    UnderFour,
}

#[derive(Debug)]
struct Spec {
    fill: char,
    align: char,
    /// '+', '-', ' ' or '\0' when absent.
    sign: char,
    no_neg_0: bool,
    alternate: bool,
    /// -1 when absent.
    width: i64,
    grouping: Grouping,
    /// -1 when absent.
    precision: i64,
    /// '\0' when absent and the type has no default.
    ty: char,
}

/// Code points of the Unicode digit zeros (category Nd, Unicode 14); each starts a run of ten.
const DIGIT_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66,
    0xde6, 0xe50, 0xed0, 0xf20, 0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90,
    0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0, 0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10,
    0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650,
    0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0, 0x16b50,
    0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0,
];

/// The decimal value of a (possibly non-ASCII) decimal digit, like `Py_UNICODE_TODECIMAL`.
fn decimal_value(c: char) -> Option<i64> {
    let c = c as u32;
    let i = DIGIT_ZEROS.partition_point(|&z| z <= c);
    let zero = *DIGIT_ZEROS.get(i.checked_sub(1)?)?;
    (c - zero < 10).then(|| i64::from(c - zero))
}

/// Reads a run of decimal digits at `pos`; returns how many were consumed and their value.
fn get_integer(c: &[char], pos: &mut usize) -> Result<(usize, i64), String> {
    let start = *pos;
    let mut acc: i64 = 0;
    while let Some(d) = c.get(*pos).and_then(|&ch| decimal_value(ch)) {
        if acc > (i64::MAX - d) / 10 {
            return Err("Too many decimal digits in format string".into());
        }
        acc = acc * 10 + d;
        *pos += 1;
    }
    Ok((*pos - start, acc))
}

/// Widths beyond this are refused instead of exhausting memory.
const MAX_WIDTH: i64 = i32::MAX as i64;

fn parse_spec(
    spec: &str,
    type_name: &str,
    default_type: char,
    default_align: char,
) -> Result<Spec, String> {
    let c: Vec<char> = spec.chars().collect();
    let end = c.len();
    let is_align = |ch: char| matches!(ch, '<' | '>' | '=' | '^');
    let at = |i: usize| c.get(i).copied();
    let mut f = Spec {
        fill: ' ',
        align: default_align,
        sign: '\0',
        no_neg_0: false,
        alternate: false,
        width: -1,
        grouping: Grouping::None,
        precision: -1,
        ty: default_type,
    };
    let mut pos = 0;
    let mut fill_specified = false;
    let mut align_specified = false;
    if end >= 2 && is_align(c[1]) {
        f.align = c[1];
        f.fill = c[0];
        fill_specified = true;
        align_specified = true;
        pos = 2;
    } else if end >= 1 && is_align(c[0]) {
        f.align = c[0];
        align_specified = true;
        pos = 1;
    }
    if let Some(s @ ('+' | '-' | ' ')) = at(pos) {
        f.sign = s;
        pos += 1;
    }
    if at(pos) == Some('z') {
        f.no_neg_0 = true;
        pos += 1;
    }
    if at(pos) == Some('#') {
        f.alternate = true;
        pos += 1;
    }
    if !fill_specified && at(pos) == Some('0') {
        f.fill = '0';
        if !align_specified && default_align == '>' {
            f.align = '=';
        }
        pos += 1;
    }
    let (consumed, width) = get_integer(&c, &mut pos)?;
    if consumed > 0 {
        if width > MAX_WIDTH {
            // CPython would attempt the allocation and raise MemoryError.
            return Err("width too big".into());
        }
        f.width = width;
    }
    if at(pos) == Some(',') {
        f.grouping = Grouping::Comma;
        pos += 1;
    }
    if at(pos) == Some('_') {
        if f.grouping != Grouping::None {
            return Err("Cannot specify both ',' and '_'.".into());
        }
        f.grouping = Grouping::Underscore;
        pos += 1;
    }
    if at(pos) == Some(',') && f.grouping == Grouping::Underscore {
        return Err("Cannot specify both ',' and '_'.".into());
    }
    if at(pos) == Some('.') {
        pos += 1;
        let (consumed, precision) = get_integer(&c, &mut pos)?;
        if consumed == 0 {
            return Err("Format specifier missing precision".into());
        }
        f.precision = precision;
    }
    if end - pos > 1 {
        return Err(format!(
            "Invalid format specifier '{spec}' for object of type '{type_name}'"
        ));
    }
    if let Some(t) = at(pos) {
        f.ty = t;
    }
    if f.grouping != Grouping::None {
        match f.ty {
            'd' | 'e' | 'f' | 'g' | 'E' | 'G' | '%' | 'F' | '\0' => {}
            'b' | 'o' | 'x' | 'X' if f.grouping == Grouping::Underscore => {
                f.grouping = Grouping::UnderFour;
            }
            t => {
                let sep = if f.grouping == Grouping::Comma {
                    ','
                } else {
                    '_'
                };
                return Err(format!("Cannot specify '{sep}' with {}.", quote_code(t)));
            }
        }
    }
    Ok(f)
}

/// `'c'` for printable ASCII, else `'\xNN'`, as CPython quotes a presentation type.
fn quote_code(t: char) -> String {
    let n = t as u32;
    if n > 32 && n < 128 {
        format!("'{t}'")
    } else {
        format!("'\\x{n:x}'")
    }
}

fn unknown_type(t: char, type_name: &str) -> String {
    format!(
        "Unknown format code {} for object of type '{type_name}'",
        quote_code(t)
    )
}

// ---------------------------------------------------------------------------------------
// Number layout (calc_number_widths / fill_number / _PyUnicode_InsertThousandsGrouping)
// ---------------------------------------------------------------------------------------

fn push_fill(out: &mut String, fill: char, n: i64) {
    for _ in 0..n.max(0) {
        out.push(fill);
    }
}

/// Inserts separators into the ASCII `digits`, left-padding with '0' digits (and separators)
/// up to `min_width` characters, exactly as CPython's grouping routine does.
fn group_digits(digits: &[u8], min_width: i64, sep: Option<(char, i64)>) -> Vec<char> {
    let mut rev: Vec<char> = Vec::with_capacity(digits.len() * 2);
    let mut min_width = min_width.max(0);
    let mut remaining = digits.len() as i64;
    let mut dpos = digits.len();
    let mut use_sep = false;
    let mut fill = |rev: &mut Vec<char>, n_chars: i64, n_zeros: i64, sep: Option<char>| {
        rev.extend(sep);
        for _ in 0..n_chars {
            dpos -= 1;
            rev.push(char::from(digits[dpos]));
        }
        rev.extend(std::iter::repeat_n('0', n_zeros.max(0) as usize));
    };
    let mut broken = false;
    if let Some((sep_char, group)) = sep {
        loop {
            let len = group.min(remaining.max(min_width).max(1));
            let n_zeros = (len - remaining).max(0);
            let n_chars = remaining.min(len).max(0);
            fill(&mut rev, n_chars, n_zeros, use_sep.then_some(sep_char));
            use_sep = true;
            remaining -= n_chars;
            min_width -= len;
            if remaining <= 0 && min_width <= 0 {
                broken = true;
                break;
            }
            min_width -= 1;
        }
    }
    if !broken {
        let len = remaining.max(min_width).max(1);
        let n_zeros = (len - remaining).max(0);
        let n_chars = remaining.min(len).max(0);
        let sep_char = sep.map(|(c, _)| c).filter(|_| use_sep);
        fill(&mut rev, n_chars, n_zeros, sep_char);
    }
    rev.reverse();
    rev
}

/// Lays out `<lpad><sign><prefix><spad><grouped digits><.><remainder><rpad>`.
fn build_number(
    f: &Spec,
    negative: bool,
    prefix: &str,
    digits: &str,
    has_decimal: bool,
    remainder: &str,
    upper: bool,
) -> String {
    let sign = match (negative, f.sign) {
        (true, _) => Some('-'),
        (false, '+') => Some('+'),
        (false, ' ') => Some(' '),
        _ => None,
    };
    let n_remainder = remainder.chars().count() as i64;
    let n_non_digit =
        i64::from(sign.is_some()) + prefix.len() as i64 + i64::from(has_decimal) + n_remainder;
    let min_width = if f.fill == '0' && f.align == '=' {
        f.width - n_non_digit
    } else {
        0
    };
    let sep = match f.grouping {
        Grouping::None => None,
        Grouping::Comma => Some((',', 3)),
        Grouping::Underscore => Some(('_', 3)),
        Grouping::UnderFour => Some(('_', 4)),
    };
    let mut grouped = if digits.is_empty() {
        Vec::new()
    } else {
        group_digits(digits.as_bytes(), min_width, sep)
    };
    if upper {
        grouped.iter_mut().for_each(|c| c.make_ascii_uppercase());
    }
    let padding = f.width - (n_non_digit + grouped.len() as i64);
    let (mut lpad, mut spad, mut rpad) = (0, 0, 0);
    if padding > 0 {
        match f.align {
            '<' => rpad = padding,
            '^' => {
                lpad = padding / 2;
                rpad = padding - lpad;
            }
            '=' => spad = padding,
            _ => lpad = padding,
        }
    }
    let mut out = String::with_capacity((f.width.max(0) as usize).max(grouped.len() + 8));
    push_fill(&mut out, f.fill, lpad);
    out.extend(sign);
    if upper {
        out.push_str(&prefix.to_ascii_uppercase());
    } else {
        out.push_str(prefix);
    }
    push_fill(&mut out, f.fill, spad);
    out.extend(grouped);
    if has_decimal {
        out.push('.');
    }
    out.push_str(remainder);
    push_fill(&mut out, f.fill, rpad);
    out
}

// ---------------------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum IntVal<'a> {
    Small(i64),
    Big(&'a BigInt),
}

impl IntVal<'_> {
    fn is_negative(self) -> bool {
        match self {
            IntVal::Small(v) => v < 0,
            IntVal::Big(v) => v.is_negative(),
        }
    }

    /// Digits of |v| in `base`, lowercase.
    fn magnitude(self, base: u32) -> String {
        match self {
            IntVal::Small(v) => {
                let m = v.unsigned_abs();
                match base {
                    2 => format!("{m:b}"),
                    8 => format!("{m:o}"),
                    16 => format!("{m:x}"),
                    _ => m.to_string(),
                }
            }
            IntVal::Big(v) => v.magnitude().to_str_radix(base),
        }
    }

    fn decimal(self) -> String {
        match self {
            IntVal::Small(v) => v.to_string(),
            IntVal::Big(v) => v.to_string(),
        }
    }

    /// `float(v)`, correctly rounded; OverflowError text when out of range.
    fn to_f64(self) -> Result<f64, String> {
        let x = match self {
            IntVal::Small(v) => Some(v as f64),
            IntVal::Big(v) if v.bits() <= 1024 => v.to_f64(),
            IntVal::Big(_) => None,
        };
        match x {
            Some(x) if x.is_finite() => Ok(x),
            _ => Err("int too large to convert to float".into()),
        }
    }

    /// The character for format type 'c'.
    fn to_char(self) -> Result<char, String> {
        let n = match self {
            IntVal::Small(v) => v,
            IntVal::Big(v) => v
                .to_i64()
                .ok_or_else(|| "Python int too large to convert to C long".to_string())?,
        };
        if !(0..=0x10ffff).contains(&n) {
            return Err("%c arg not in range(0x110000)".into());
        }
        // Lone surrogates cannot live in a Rust string; they become U+FFFD.
        Ok(char::from_u32(n as u32).unwrap_or('\u{fffd}'))
    }
}

fn format_int_value(v: IntVal, spec: &str, type_name: &str) -> Result<String, String> {
    if spec.is_empty() {
        return Ok(v.decimal());
    }
    let f = parse_spec(spec, type_name, 'd', '>')?;
    match f.ty {
        'b' | 'c' | 'd' | 'o' | 'x' | 'X' | 'n' => format_long_internal(v, &f),
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%' => format_float_internal(v.to_f64()?, &f),
        t => Err(unknown_type(t, type_name)),
    }
}

fn format_long_internal(v: IntVal, f: &Spec) -> Result<String, String> {
    if f.precision != -1 {
        return Err("Precision not allowed in integer format specifier".into());
    }
    if f.no_neg_0 {
        return Err("Negative zero coercion (z) not allowed in integer format specifier".into());
    }
    if f.ty == 'c' {
        if f.sign != '\0' {
            return Err("Sign not allowed with integer format specifier 'c'".into());
        }
        if f.alternate {
            return Err("Alternate form (#) not allowed with integer format specifier 'c'".into());
        }
        let ch = v.to_char()?.to_string();
        return Ok(build_number(f, false, "", "", false, &ch, false));
    }
    let (base, prefix) = match f.ty {
        'b' => (2, "0b"),
        'o' => (8, "0o"),
        'x' | 'X' => (16, "0x"),
        _ => (10, ""),
    };
    let prefix = if f.alternate { prefix } else { "" };
    let digits = v.magnitude(base);
    // CPython 3.11 limits decimal conversions of ints (not the power-of-two bases).
    if base == 10 && digits.len() > super::repr::INT_MAX_STR_DIGITS {
        return Err(format!(
            "Exceeds the limit ({} digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the limit",
            super::repr::INT_MAX_STR_DIGITS
        ));
    }
    Ok(build_number(
        f,
        v.is_negative(),
        prefix,
        &digits,
        false,
        "",
        f.ty == 'X',
    ))
}

// ---------------------------------------------------------------------------------------
// Floats
// ---------------------------------------------------------------------------------------

fn format_float_internal(x: f64, f: &Spec) -> Result<String, String> {
    if f.precision > i64::from(i32::MAX) {
        return Err("precision too big".into());
    }
    let mut ty = f.ty;
    let mut default_precision = 6;
    let mut add_dot_0 = false;
    if ty == '\0' {
        add_dot_0 = true;
        ty = 'r';
        default_precision = 0;
    }
    if ty == 'n' {
        ty = 'g';
    }
    let mut val = x;
    let add_pct = ty == '%';
    if add_pct {
        ty = 'f';
        val *= 100.0;
    }
    let precision = if f.precision < 0 {
        default_precision
    } else {
        if ty == 'r' {
            ty = 'g';
        }
        f.precision
    };
    let upper = ty.is_ascii_uppercase();
    let code = ty.to_ascii_lowercase();
    let mut buf = float_to_string(
        val,
        code,
        precision,
        add_dot_0,
        f.alternate,
        f.no_neg_0,
        upper,
    );
    if add_pct {
        buf.push('%');
    }
    let (negative, body) = match buf.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, buf.as_str()),
    };
    let n_digits = body.bytes().take_while(u8::is_ascii_digit).count();
    let (digits, rest) = body.split_at(n_digits);
    let (has_decimal, remainder) = match rest.strip_prefix('.') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    Ok(build_number(
        f,
        negative,
        "",
        digits,
        has_decimal,
        remainder,
        false,
    ))
}

/// Splits Rust's `{:e}` output (`d.ddde-7`) of a positive finite float into significant
/// digits (trailing zeros removed) and the decimal point position (`0.ddd * 10**decpt`).
fn parse_sci(s: &str) -> (Vec<u8>, i64) {
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let exp: i64 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, exp + 1)
}

/// Shortest round-tripping digits of positive finite `a` (dtoa mode 0).
fn shortest_digits(a: f64) -> (Vec<u8>, i64) {
    let shortest = parse_sci(&format!("{a:e}"));
    let n = shortest.0.len();
    if n >= 15 {
        // When `a` lies exactly halfway between two shortest candidates, Rust picks the upper
        // one while dtoa rounds half-even: prefer the correctly rounded n-digit string.
        let s = format!("{a:.*e}", n - 1);
        if s.parse::<f64>() == Ok(a) {
            return parse_sci(&s);
        }
    }
    shortest
}

/// Digits of positive finite `x` rounded to `prec` places after the point (dtoa mode 3).
fn fixed_digits(x: f64, prec: usize) -> (Vec<u8>, i64) {
    let s = format!("{x:.prec$}");
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut decpt = int.len() as i64;
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let lead = digits.iter().take_while(|&&b| b == b'0').count();
    digits.drain(..lead);
    decpt -= lead as i64;
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        decpt = -(prec as i64);
    }
    (digits, decpt)
}

/// CPython's `format_float_short`: `code` is 'e', 'f', 'g' or 'r' (repr), `upper` selects
/// `E`/`INF`/`NAN`. Returns the text with a leading '-' for negative values.
fn float_to_string(
    x: f64,
    code: char,
    precision: i64,
    add_dot_0: bool,
    alt: bool,
    no_neg_0: bool,
    upper: bool,
) -> String {
    if x.is_nan() {
        return if upper { "NAN" } else { "nan" }.to_string();
    }
    let mut negative = x.is_sign_negative();
    if x.is_infinite() {
        let inf = if upper { "INF" } else { "inf" };
        return if negative {
            format!("-{inf}")
        } else {
            inf.to_string()
        };
    }
    let a = x.abs();
    let mut precision = precision;
    if code == 'e' {
        precision += 1;
    } else if code == 'g' && precision == 0 {
        precision = 1;
    }
    let (digits, mut decpt) = if a == 0.0 {
        (vec![b'0'], 1)
    } else {
        match code {
            'e' | 'g' => parse_sci(&format!("{a:.*e}", (precision - 1) as usize)),
            'f' => fixed_digits(a, precision as usize),
            _ => shortest_digits(a),
        }
    };
    if no_neg_0 && (digits.is_empty() || digits == [b'0']) {
        negative = false;
    }
    let digits_len = digits.len() as i64;
    let mut vend = digits_len;
    let mut use_exp = false;
    match code {
        'e' => {
            use_exp = true;
            vend = precision;
        }
        'f' => vend = decpt + precision,
        'g' => {
            let limit = if add_dot_0 { precision - 1 } else { precision };
            use_exp = decpt <= -4 || decpt > limit;
            if alt {
                vend = precision;
            }
        }
        _ => use_exp = decpt <= -4 || decpt > 16,
    }
    let mut exp = 0;
    if use_exp {
        exp = decpt - 1;
        decpt = 1;
    }
    let vstart = if decpt <= 0 { decpt - 1 } else { 0 };
    vend = if !use_exp && add_dot_0 {
        vend.max(decpt + 1)
    } else {
        vend.max(decpt)
    };
    let zeros = |out: &mut String, n: i64| push_fill(out, '0', n);
    let mut out = String::with_capacity((vend - vstart) as usize + 8);
    if negative {
        out.push('-');
    }
    if decpt <= 0 {
        zeros(&mut out, decpt - vstart);
        out.push('.');
        zeros(&mut out, -decpt);
    } else {
        zeros(&mut out, -vstart);
    }
    let text = String::from_utf8_lossy(&digits);
    if 0 < decpt && decpt <= digits_len {
        let (head, tail) = text.split_at(decpt as usize);
        out.push_str(head);
        out.push('.');
        out.push_str(tail);
    } else {
        out.push_str(&text);
    }
    if digits_len < decpt {
        zeros(&mut out, decpt - digits_len);
        out.push('.');
        zeros(&mut out, vend - decpt);
    } else {
        zeros(&mut out, vend - digits_len);
    }
    if out.ends_with('.') && !alt {
        out.pop();
    }
    if use_exp {
        out.push(if upper { 'E' } else { 'e' });
        out.push_str(&format!("{exp:+03}"));
    }
    out
}

#[cfg(test)]
mod tests {
    // Expected values were produced by CPython 3.11.
    use super::*;

    fn fi(v: i64, spec: &str) -> String {
        format_i64(v, spec).unwrap_or_else(|e| format!("ERR {e}"))
    }
    fn fb(v: &BigInt, spec: &str) -> String {
        format_int(v, spec).unwrap_or_else(|e| format!("ERR {e}"))
    }
    fn ff(x: f64, spec: &str) -> String {
        format_float(x, spec).unwrap_or_else(|e| format!("ERR {e}"))
    }
    fn fs(s: &str, spec: &str) -> String {
        format_str(s, spec).unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn repr() {
        assert_eq!(float_repr(0.1), "0.1");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.5e-7), "1.5e-07");
        assert_eq!(float_repr(-0.0), "-0.0");
        assert_eq!(float_repr(2.0), "2.0");
        assert_eq!(float_repr(1e22), "1e+22");
        assert_eq!(float_repr(f64::NAN), "nan");
        assert_eq!(float_repr(f64::NEG_INFINITY), "-inf");
        assert_eq!(float_repr(123456789012345.6), "123456789012345.6");
        assert_eq!(float_repr(5e-324), "5e-324");
        assert_eq!(float_repr(1.0 / 3.0), "0.3333333333333333");
        // An exact tie between two shortest candidates rounds half-even, as dtoa does.
        assert_eq!(
            float_repr(f64::from_bits(0x431e_b767_b1dc_54f5)),
            "2161476323710269.2"
        );
    }

    #[test]
    fn floats() {
        assert_eq!(ff(2.675, ".2f"), "2.67");
        assert_eq!(ff(0.125, ".2f"), "0.12");
        assert_eq!(ff(0.375, ".2f"), "0.38");
        assert_eq!(ff(1.0 / 3.0, ".30f"), "0.333333333333333314829616256247");
        assert_eq!(ff(1.0, "10"), "       1.0");
        assert_eq!(ff(1e20, ".3"), "1e+20");
        assert_eq!(ff(123.456, ".2"), "1.2e+02");
        assert_eq!(ff(1.5, ".0"), "2e+00");
        assert_eq!(ff(1234567.891, ",.2f"), "1,234,567.89");
        assert_eq!(ff(-0.0, "z.1f"), "0.0");
        assert_eq!(ff(-0.001, ".2f"), "-0.00");
        assert_eq!(ff(0.5, "%"), "50.000000%");
        assert_eq!(ff(f64::INFINITY, "F"), "INF");
        assert_eq!(ff(f64::NAN, "+010"), "+000000nan");
        assert_eq!(ff(1e-5, "g"), "1e-05");
        assert_eq!(ff(12345.0, "#.3g"), "1.23e+04");
        assert_eq!(ff(2.5, "E"), "2.500000E+00");
        assert_eq!(ff(-1234.5, "0=+12,.1f"), "-0,001,234.5");
        assert_eq!(ff(3.0, "n"), "3");
        assert_eq!(ff(1e300, ".0f").len(), 301);
        assert!(ff(1e300, ".0f").starts_with("100000000000000005250476025520442024870446858110815"));
    }

    #[test]
    fn ints() {
        assert_eq!(fi(1234567, ","), "1,234,567");
        assert_eq!(fi(255, "#X"), "0XFF");
        assert_eq!(fi(255, "#010b"), "0b11111111");
        assert_eq!(fi(-42, "*^9"), "***-42***");
        assert_eq!(fi(65, "c"), "A");
        assert_eq!(fi(0xdeadbeef, "_x"), "dead_beef");
        assert_eq!(fi(1234, "09,"), "0,001,234");
        assert_eq!(fi(5, "+"), "+5");
        assert_eq!(fi(7, " 05"), " 0007");
        let big = BigInt::from(1u8) << 100u32;
        assert_eq!(fb(&big, "_"), "1_267_650_600_228_229_401_496_703_205_376");
        let neg: BigInt = -num_traits::pow(BigInt::from(10), 30);
        assert_eq!(fb(&neg, "e"), "-1.000000e+30");
        assert_eq!(fb(&neg, ""), "-1000000000000000000000000000000");
    }

    #[test]
    fn strings() {
        assert_eq!(fs("é中", "*^6"), "**é中**");
        assert_eq!(fs("hello", ".3"), "hel");
        assert_eq!(fs("ab", "010"), "ab00000000");
        assert_eq!(fs("x", ">3s"), "  x");
    }

    #[test]
    fn errors() {
        assert_eq!(
            fi(1, "q"),
            "ERR Unknown format code 'q' for object of type 'int'"
        );
        assert_eq!(
            fs("a", "+"),
            "ERR Sign not allowed in string format specifier"
        );
        assert_eq!(
            fi(1, ".2"),
            "ERR Precision not allowed in integer format specifier"
        );
        assert_eq!(fs("a", ","), "ERR Cannot specify ',' with 's'.");
        assert_eq!(
            fs("a", "="),
            "ERR '=' alignment not allowed in string format specifier"
        );
        assert_eq!(ff(1.0, "."), "ERR Format specifier missing precision");
        assert_eq!(
            fi(1, "xx"),
            "ERR Invalid format specifier 'xx' for object of type 'int'"
        );
        assert_eq!(fi(1, ",_"), "ERR Cannot specify both ',' and '_'.");
        assert_eq!(
            ff(1.0, "d"),
            "ERR Unknown format code 'd' for object of type 'float'"
        );
        assert_eq!(fi(-1, "c"), "ERR %c arg not in range(0x110000)");
        let huge = BigInt::from(1u8) << 1024u32;
        assert_eq!(fb(&huge, "f"), "ERR int too large to convert to float");
    }
}
