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
        if let Ok(i) = first.parse::<usize>() {
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
        if depth > 2 {
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
                // Find the matching close brace, allowing nested fields in the spec.
                let mut level = 1;
                let mut j = i + 1;
                while j < chars.len() {
                    match chars[j] {
                        '{' => level += 1,
                        '}' => {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(value_error("expected '}' before end of string"));
                }
                let field: String = chars[i + 1..j].iter().collect();
                out.push_str(&self.field(it, &field, depth)?);
                i = j + 1;
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

    fn field(&mut self, it: &mut Interp, field: &str, depth: usize) -> PyResult<String> {
        // Split `name!conv:spec`; brackets in the name may hold any character.
        let mut in_bracket = false;
        let mut split = field.len();
        for (k, ch) in field.char_indices() {
            match ch {
                '[' => in_bracket = true,
                ']' => in_bracket = false,
                '!' | ':' if !in_bracket => {
                    split = k;
                    break;
                }
                _ => {}
            }
        }
        let name = &field[..split];
        let mut rest = &field[split..];
        let mut conversion = None;
        if let Some(r) = rest.strip_prefix('!') {
            let mut cs = r.chars();
            conversion = cs.next();
            rest = cs.as_str();
            if !(rest.is_empty() || rest.starts_with(':')) {
                return Err(value_error("expected ':' after conversion specifier"));
            }
        }
        let spec = rest.strip_prefix(':').unwrap_or("");
        let first_end = name.find(['.', '[']).unwrap_or(name.len());
        let mut v = self.lookup(it, &name[..first_end])?;
        let mut path = &name[first_end..];
        while !path.is_empty() {
            if let Some(p) = path.strip_prefix('.') {
                let end = p.find(['.', '[']).unwrap_or(p.len());
                v = it.getattr(&v, &p[..end])?;
                path = &p[end..];
            } else if let Some(p) = path.strip_prefix('[') {
                let end = p
                    .find(']')
                    .ok_or_else(|| value_error("Missing ']' in format string"))?;
                let key = &p[..end];
                let k = match key.parse::<i64>() {
                    Ok(n) => Value::Int(n),
                    Err(_) => Value::str(key),
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
            self.render(it, spec, depth + 1)?
        } else {
            spec.to_string()
        };
        it.format(&v, &spec)
    }
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

/// `fmt % args`: printf-style formatting, as CPython's `str.__mod__`.
pub fn percent(it: &mut Interp, fmt: &str, args: &Value) -> PyResult<String> {
    use super::exceptions::type_error;
    let items: Vec<Value> = match args {
        Value::Tuple(t) => t.to_vec(),
        other => vec![other.clone()],
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
    let mut next = 0usize;
    let mut used_mapping = false;
    let mut i = 0;
    let take = |next: &mut usize| -> PyResult<Value> {
        let v = items
            .get(*next)
            .cloned()
            .ok_or_else(|| type_error("not enough arguments for format string"))?;
        *next += 1;
        Ok(v)
    };
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        i += 1;
        let mut key: Option<String> = None;
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
            key = Some(chars[i + 1..j - 1].iter().collect());
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
            width = super::builtins::to_i64(&take(&mut next)?, "")?.to_string();
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
                p = super::builtins::to_i64(&take(&mut next)?, "")?.to_string();
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
        if conv == '%' {
            out.push('%');
            continue;
        }
        let v = match &key {
            Some(k) => {
                let m = mapping
                    .clone()
                    .ok_or_else(|| type_error("format requires a mapping"))?;
                used_mapping = true;
                it.getitem(&m, &Value::str(k))?
            }
            None => take(&mut next)?,
        };
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
                    Value::Int(n) => char::from_u32(*n as u32)
                        .ok_or_else(|| err("OverflowError", "%c arg not in range(0x110000)"))?
                        .to_string(),
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
    if !used_mapping && next < items.len() && mapping.is_none() {
        return Err(type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}
