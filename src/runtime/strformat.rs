//! `str.format` and `str.format_map`: replacement fields with positional, keyword, indexed and
//! attribute parts, conversions and (nested) format specs, with CPython's error messages.

use super::exceptions::{err, value_error};
use super::value::{Kwargs, PyResult, Value};
use crate::interp::Interp;

/// Where keyword fields come from.
enum Named<'a> {
    Kwargs(&'a Kwargs),
    Mapping(&'a Value),
}

struct Formatter<'a> {
    pos: &'a [Value],
    named: Named<'a>,
    auto: Option<usize>,
    manual: bool,
}

impl Formatter<'_> {
    fn lookup(&mut self, it: &mut Interp, first: &str) -> PyResult<Value> {
        if first.is_empty() {
            if self.manual {
                return Err(value_error(
                    "cannot switch from manual field specification to automatic field numbering",
                ));
            }
            let i = self.auto.unwrap_or(0);
            self.auto = Some(i + 1);
            return self.positional(i);
        }
        if let Some(i) = decimal(first)? {
            if self.auto.is_some() {
                return Err(value_error(
                    "cannot switch from automatic field numbering to manual field specification",
                ));
            }
            self.manual = true;
            return self.positional(i);
        }
        match &self.named {
            Named::Kwargs(kw) => kw
                .iter()
                .find(|(k, _)| k.as_ref() == first)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| super::exceptions::key_error(Value::str(first))),
            Named::Mapping(m) => it.getitem(m, &Value::str(first)),
        }
    }

    fn positional(&self, i: usize) -> PyResult<Value> {
        if let Named::Mapping(_) = self.named {
            return Err(super::exceptions::value_error(
                "Format string contains positional fields",
            ));
        }
        self.pos.get(i).cloned().ok_or_else(|| {
            err(
                "IndexError",
                format!("Replacement index {i} out of range for positional args tuple"),
            )
        })
    }

    fn render(&mut self, it: &mut Interp, template: &str, depth: usize) -> PyResult<String> {
        if depth > 1 {
            return Err(value_error("Max string recursion exceeded"));
        }
        let chars: Vec<char> = template.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '{' {
                if chars.get(i + 1) == Some(&'{') {
                    out.push('{');
                    i += 2;
                    continue;
                }
                if i + 1 == chars.len() {
                    return Err(value_error("Single '{' encountered in format string"));
                }
                let (field, next) = parse_field(&chars, i + 1)?;
                out.push_str(&self.field(it, field, depth)?);
                i = next;
            } else if c == '}' {
                if chars.get(i + 1) == Some(&'}') {
                    out.push('}');
                    i += 2;
                    continue;
                }
                return Err(value_error("Single '}' encountered in format string"));
            } else {
                out.push(c);
                i += 1;
            }
        }
        Ok(out)
    }

    fn field(&mut self, it: &mut Interp, field: Field, depth: usize) -> PyResult<String> {
        let Field {
            name,
            conversion,
            spec,
        } = field;
        let name = name.as_str();
        let first_end = name.find(['.', '[']).unwrap_or(name.len());
        let mut v = self.lookup(it, &name[..first_end])?;
        let mut path = &name[first_end..];
        while !path.is_empty() {
            if let Some(p) = path.strip_prefix('.') {
                let end = p.find(['.', '[']).unwrap_or(p.len());
                if end == 0 {
                    return Err(value_error("Empty attribute in format string"));
                }
                v = it.getattr(&v, &p[..end])?;
                path = &p[end..];
            } else if let Some(p) = path.strip_prefix('[') {
                let end = p
                    .find(']')
                    .ok_or_else(|| value_error("Missing ']' in format string"))?;
                let key = &p[..end];
                if key.is_empty() {
                    return Err(value_error("Empty attribute in format string"));
                }
                let k = match decimal(key)? {
                    Some(n) => Value::Int(n as i64),
                    None => Value::str(key),
                };
                v = it.getitem(&v, &k)?;
                path = &p[end + 1..];
            } else {
                return Err(value_error(
                    "Only '.' or '[' may follow ']' in format field specifier",
                ));
            }
        }
        let v = match conversion {
            None => v,
            Some('r') => Value::str(&it.repr(&v)?),
            Some('s') => Value::str(&it.to_str(&v)?),
            Some('a') => Value::str(&super::repr::ascii(&it.repr(&v)?)),
            Some(c) => return Err(value_error(format!("Unknown conversion specifier {c}"))),
        };
        let spec = if spec.contains('{') {
            self.render(it, &spec, depth + 1)?
        } else {
            spec
        };
        it.format(&v, &spec)
    }
}

/// One replacement field, `{name!conversion:spec}`, as parsed (the spec is not yet expanded).
struct Field {
    name: String,
    conversion: Option<char>,
    spec: String,
}

/// Parses the field that starts at `chars[i]` (just after its `{`), as CPython's
/// `parse_field`: returns it and the index just past its closing `}`.
fn parse_field(chars: &[char], mut i: usize) -> PyResult<(Field, usize)> {
    let start = i;
    let mut last = '\0';
    while i < chars.len() {
        last = chars[i];
        i += 1;
        match last {
            '{' => return Err(value_error("unexpected '{' in field name")),
            '[' => {
                while i < chars.len() && chars[i] != ']' {
                    i += 1;
                }
            }
            '}' | ':' | '!' => break,
            _ => {}
        }
    }
    let name: String = chars[start..i.saturating_sub(1).max(start)]
        .iter()
        .collect();
    let mut field = Field {
        name,
        conversion: None,
        spec: String::new(),
    };
    if last != '!' && last != ':' {
        if last != '}' {
            return Err(value_error("expected '}' before end of string"));
        }
        return Ok((field, i));
    }
    if last == '!' {
        let Some(&c) = chars.get(i) else {
            return Err(value_error(
                "end of string while looking for conversion specifier",
            ));
        };
        field.conversion = Some(c);
        i += 1;
        if let Some(&c) = chars.get(i) {
            i += 1;
            if c == '}' {
                return Ok((field, i));
            }
            if c != ':' {
                return Err(value_error("expected ':' after conversion specifier"));
            }
        }
    }
    let spec_start = i;
    let mut level = 1;
    while i < chars.len() {
        match chars[i] {
            '{' => level += 1,
            '}' => {
                level -= 1;
                if level == 0 {
                    field.spec = chars[spec_start..i].iter().collect();
                    return Ok((field, i + 1));
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err(value_error("unmatched '{' in format spec"))
}

/// The value of an all-digits field name or index; `None` if it is not all digits.
fn decimal(s: &str) -> PyResult<Option<usize>> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| value_error("Too many decimal digits in format string"))
}

/// `template.format(*args, **kwargs)`.
pub fn format(it: &mut Interp, template: &str, args: &[Value], kw: &Kwargs) -> PyResult<String> {
    Formatter {
        pos: args,
        named: Named::Kwargs(kw),
        auto: None,
        manual: false,
    }
    .render(it, template, 0)
}

/// `template.format_map(mapping)`.
pub fn format_map(it: &mut Interp, template: &str, mapping: &Value) -> PyResult<String> {
    Formatter {
        pos: &[],
        named: Named::Mapping(mapping),
        auto: None,
        manual: false,
    }
    .render(it, template, 0)
}

/// The arguments a `%` format has not consumed yet.
struct PercentArgs {
    items: Vec<Value>,
    next: usize,
}

impl PercentArgs {
    fn take(&mut self) -> PyResult<Value> {
        let v = self.items.get(self.next).cloned().ok_or_else(|| {
            super::exceptions::type_error("not enough arguments for format string")
        })?;
        self.next += 1;
        Ok(v)
    }

    /// The value of a `*` width or precision.
    fn star(&mut self) -> PyResult<i64> {
        match self.take()? {
            Value::Int(n) => Ok(n),
            Value::Bool(b) => Ok(b.get() as i64),
            Value::BigInt(_) => Err(err(
                "OverflowError",
                "Python int too large to convert to C ssize_t",
            )),
            _ => Err(super::exceptions::type_error("* wants int")),
        }
    }
}

/// `fmt % args`: printf-style formatting, as CPython's `str.__mod__`.
pub fn percent(it: &mut Interp, fmt: &str, args: &Value) -> PyResult<String> {
    use super::exceptions::type_error;
    let mut args_left = PercentArgs {
        items: match args {
            Value::Tuple(t) => t.to_vec(),
            other => vec![other.clone()],
        },
        next: 0,
    };
    // As CPython: anything with `__getitem__` but a tuple or str counts as the mapping, so
    // unused arguments are not an error.
    let mapping = match args {
        Value::Dict(_) | Value::List(_) | Value::Range(_) | Value::MappingProxy(_) => {
            Some(args.clone())
        }
        Value::Instance(_)
            if it.special(args, "__getitem__").is_some() && !matches!(args, Value::Tuple(_)) =>
        {
            Some(args.clone())
        }
        _ => None,
    };
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        // Only an immediate `%%` is a literal percent: with a key, flags or width in between,
        // CPython takes an argument and then rejects `%` as a conversion.
        if chars.get(i) == Some(&'%') {
            out.push('%');
            i += 1;
            continue;
        }
        if chars.get(i) == Some(&'(') {
            let mut depth = 1;
            let mut j = i + 1;
            while j < chars.len() && depth > 0 {
                match chars[j] {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            if depth > 0 {
                return Err(value_error("incomplete format key"));
            }
            let key: String = chars[i + 1..j - 1].iter().collect();
            let m = mapping
                .clone()
                .ok_or_else(|| type_error("format requires a mapping"))?;
            // As CPython, the looked-up value becomes the only argument left.
            args_left = PercentArgs {
                items: vec![it.getitem(&m, &Value::str(&key))?],
                next: 0,
            };
            i = j;
        }
        let mut flags = String::new();
        while let Some(&c) = chars.get(i) {
            if "-+ #0".contains(c) {
                flags.push(c);
                i += 1;
            } else {
                break;
            }
        }
        let mut width = String::new();
        if chars.get(i) == Some(&'*') {
            // A negative `*` width left-justifies, as the `-` flag.
            let w = args_left.star()?;
            if w < 0 {
                flags.push('-');
            }
            width = w.unsigned_abs().to_string();
            i += 1;
        } else {
            while let Some(&c) = chars.get(i).filter(|c| c.is_ascii_digit()) {
                width.push(c);
                i += 1;
            }
        }
        let mut prec: Option<String> = None;
        if chars.get(i) == Some(&'.') {
            i += 1;
            let mut p = String::new();
            if chars.get(i) == Some(&'*') {
                p = args_left.star()?.max(0).to_string();
                i += 1;
            } else {
                while let Some(&c) = chars.get(i).filter(|c| c.is_ascii_digit()) {
                    p.push(c);
                    i += 1;
                }
            }
            prec = Some(if p.is_empty() { "0".into() } else { p });
        }
        while matches!(chars.get(i), Some('h' | 'l' | 'L')) {
            i += 1;
        }
        let Some(&conv) = chars.get(i) else {
            return Err(value_error("incomplete format"));
        };
        i += 1;
        let v = args_left.take()?;
        let left = flags.contains('-');
        let zero = flags.contains('0') && !left;
        let sign = if flags.contains('+') {
            "+"
        } else if flags.contains(' ') {
            " "
        } else {
            ""
        };
        let alt = if flags.contains('#') { "#" } else { "" };
        let num_spec = |ty: char| {
            let align = if left { "<" } else { "" };
            let z = if zero { "0" } else { "" };
            let p = prec.as_ref().map(|p| format!(".{p}")).unwrap_or_default();
            format!("{align}{sign}{alt}{z}{width}{p}{ty}")
        };
        let piece = match conv {
            's' | 'r' | 'a' => {
                let text = match conv {
                    's' => it.to_str(&v)?,
                    'r' => it.repr(&v)?,
                    _ => super::repr::ascii(&it.repr(&v)?),
                };
                let text: String = match &prec {
                    Some(p) => text.chars().take(p.parse().unwrap_or(usize::MAX)).collect(),
                    None => text,
                };
                let align = if left { "<" } else { ">" };
                super::format::format_str(&text, &format!("{align}{width}")).map_err(value_error)?
            }
            'd' | 'i' | 'u' | 'x' | 'X' | 'o' => {
                let n = match &v {
                    Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => v.clone(),
                    Value::Float(f) if matches!(conv, 'd' | 'i' | 'u') => {
                        if !f.is_finite() {
                            return Err(err(
                                "OverflowError",
                                "cannot convert float infinity to integer",
                            ));
                        }
                        super::ops::big(num_bigint::BigInt::from(f.trunc() as i128))
                    }
                    other => {
                        let what = if matches!(conv, 'd' | 'i' | 'u') {
                            "a real number"
                        } else {
                            "an integer"
                        };
                        return Err(type_error(format!(
                            "%{conv} format: {what} is required, not {}",
                            super::ops::type_name(other)
                        )));
                    }
                };
                let ty = if matches!(conv, 'i' | 'u') { 'd' } else { conv };
                if let Some(p) = &prec {
                    // A precision on an integer is a minimum number of digits.
                    let neg = matches!(&n, Value::Int(x) if *x < 0)
                        || matches!(&n, Value::BigInt(b) if num_traits::Signed::is_negative(&**b));
                    let abs = if neg {
                        it.unary_op(crate::syntax::ast::UnaryOp::Neg, &n)?
                    } else {
                        n.clone()
                    };
                    let digits = it.format(&abs, &format!("0{p}{ty}"))?;
                    let prefix = match (alt, ty) {
                        ("#", 'x') => "0x",
                        ("#", 'X') => "0X",
                        ("#", 'o') => "0o",
                        _ => "",
                    };
                    let sgn = if neg { "-" } else { sign };
                    let body = format!("{sgn}{prefix}{digits}");
                    let w: usize = width.parse().unwrap_or(0);
                    let fill = w.saturating_sub(body.chars().count());
                    out.push_str(&if left {
                        format!("{body}{}", " ".repeat(fill))
                    } else if zero {
                        // The 0 flag still pads, after the sign and prefix.
                        format!("{sgn}{prefix}{}{digits}", "0".repeat(fill))
                    } else {
                        format!("{}{body}", " ".repeat(fill))
                    });
                    continue;
                }
                let spec = {
                    let align = if left { "<" } else { "" };
                    let z = if zero { "0" } else { "" };
                    format!("{align}{sign}{alt}{z}{width}{ty}")
                };
                it.format(&n, &spec)?
            }
            'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
                let f = match super::ops::to_f64(&v) {
                    Some(r) => r?,
                    None => {
                        return Err(type_error(format!(
                            "must be real number, not {}",
                            super::ops::type_name(&v)
                        )))
                    }
                };
                let spec = if prec.is_none() {
                    num_spec(conv).replacen(conv, &format!(".6{conv}"), 1)
                } else {
                    num_spec(conv)
                };
                super::format::format_float(f, &spec).map_err(value_error)?
            }
            'c' => {
                let ch = match &v {
                    Value::Int(_) | Value::Bool(_) | Value::BigInt(_) => {
                        let n = match &v {
                            Value::Int(n) => u32::try_from(*n).ok(),
                            Value::Bool(b) => Some(b.get() as u32),
                            _ => None,
                        };
                        n.and_then(char::from_u32)
                            .ok_or_else(|| err("OverflowError", "%c arg not in range(0x110000)"))?
                            .to_string()
                    }
                    Value::Str(s) if s.chars().count() == 1 => s.to_string(),
                    _ => return Err(type_error("%c requires int or char")),
                };
                let align = if left { "<" } else { ">" };
                super::format::format_str(&ch, &format!("{align}{width}")).map_err(value_error)?
            }
            other => {
                return Err(value_error(format!(
                    "unsupported format character '{other}' (0x{:x}) at index {}",
                    other as u32,
                    i - 1
                )))
            }
        };
        out.push_str(&piece);
    }
    if args_left.next < args_left.items.len() && mapping.is_none() {
        return Err(type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}
