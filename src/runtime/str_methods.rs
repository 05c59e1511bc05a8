//! Methods of `str`, with CPython's argument checks and messages.

use super::builtins::{
    arity, keywords_among, kwarg, method_arity, method_arity_parsed, no_method_kwargs, to_i64,
};
use super::exceptions::{type_error, value_error};
use super::ops::type_name;
use super::types::Types;
use super::value::{Kwargs, PyResult, Value};
use crate::interp::Interp;
use crate::runtime::thin::PyStr;
use crate::runtime::value::B64;
use std::rc::Rc;

fn this_str(args: &[Value], name: &str) -> PyResult<PyStr> {
    match args.first() {
        Some(Value::Str(s)) => Ok(s.clone()),
        _ => Err(type_error(format!(
            "descriptor '{name}' requires a 'str' object"
        ))),
    }
}

fn arg_str(v: &Value, what: &str) -> PyResult<PyStr> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        // Argument Clinic's wording names None itself rather than its type.
        Value::None if !what.is_empty() => Err(type_error(format!("{what} must be str, not None"))),
        other if what.is_empty() => {
            Err(type_error(format!("must be str, not {}", type_name(other))))
        }
        other => Err(type_error(format!(
            "{what} must be str, not {}",
            type_name(other)
        ))),
    }
}

/// The arguments after `self`.
pub(crate) fn rest(args: &[Value]) -> &[Value] {
    args.get(1..).unwrap_or(&[])
}

/// A str value.
pub(crate) fn s(v: &str) -> Value {
    Value::str(v)
}

fn str_format(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "format")?;
    Ok(s(&super::strformat::format(it, &t, rest(args), kw)?))
}

fn str_format_map(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "format_map", kw)?;
    method_arity(args, "format_map", 1, 1)?;
    let t = this_str(args, "format_map")?;
    Ok(s(&super::strformat::format_map(it, &t, &args[1])?))
}

fn str_join(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "join", kw)?;
    method_arity(args, "join", 1, 1)?;
    let sep = this_str(args, "join")?;
    // A list or tuple is joined in place, into a string of exactly its length.
    let joined = match &args[1] {
        Value::List(l) => join_items(&sep, &l.borrow()),
        Value::Tuple(t) => join_items(&sep, t),
        _ => None,
    };
    if let Some(out) = joined {
        return Ok(s(&out));
    }
    let iter = it
        .get_iter(&args[1])
        .map_err(|_| type_error("can only join an iterable"))?;
    let items = it.iterate(&iter)?;
    let mut out = String::new();
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep);
        }
        match x {
            Value::Str(p) => out.push_str(p),
            // An instance of a subclass of str joins as the str it is.
            other => match crate::interp::protocol::builtin_base(other) {
                Some(Value::Str(p)) => out.push_str(&p),
                _ => {
                    return Err(type_error(format!(
                        "sequence item {i}: expected str instance, {} found",
                        type_name(other)
                    )))
                }
            },
        }
    }
    Ok(s(&out))
}

/// `sep.join(items)` when every item is a str (`None`: the general path, which raises for
/// the first that is not).
fn join_items(sep: &str, items: &[Value]) -> Option<String> {
    let mut len = sep.len().saturating_mul(items.len().saturating_sub(1));
    for x in items {
        match x {
            Value::Str(p) => len = len.saturating_add(p.len()),
            _ => return None,
        }
    }
    let mut out = String::with_capacity(len);
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        if let Value::Str(p) = x {
            out.push_str(p);
        }
    }
    Some(out)
}

/// `text.split()` of an ASCII text: the runs between Python's ASCII whitespace (space, `\t`,
/// `\n`, `\x0b`, `\x0c`, `\r` and the separators `\x1c`..`\x1f`), found byte by byte.
fn split_ascii_space(text: &str) -> Vec<&str> {
    let is_space = |b: u8| matches!(b, 9..=13 | 28..=32);
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !is_space(bytes[i]) {
            i += 1;
        }
        if i > start {
            out.push(&text[start..i]);
        }
    }
    out
}

/// Python's whitespace: Rust's plus the ASCII separators `\x1c`..`\x1f`.
pub(crate) fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

fn split_common(args: &[Value], kw: &Kwargs, right: bool) -> PyResult<Value> {
    let name = if right { "rsplit" } else { "split" };
    keywords_among(name, kw, &["sep", "maxsplit"])?;
    let text = this_str(args, name)?;
    let sep = args
        .get(1)
        .cloned()
        .or_else(|| kwarg(kw, "sep"))
        .unwrap_or(Value::None);
    let maxsplit = match args.get(2).cloned().or_else(|| kwarg(kw, "maxsplit")) {
        Some(v) => to_i64(&v, "")?,
        None => -1,
    };
    let max = if maxsplit < 0 {
        usize::MAX
    } else {
        maxsplit as usize
    };
    let parts: Vec<&str> = match &sep {
        Value::None => {
            let words: Vec<&str> = if text.is_ascii() {
                split_ascii_space(&text)
            } else {
                text.split(py_space).filter(|w| !w.is_empty()).collect()
            };
            // With no more words than splits, none keeps the whitespace after it.
            if max == usize::MAX || words.len() <= max {
                words
            } else if !right {
                let mut out: Vec<&str> = Vec::new();
                let mut rest = text.trim_start_matches(py_space);
                while out.len() < max {
                    match rest.find(py_space) {
                        Some(i) => {
                            out.push(&rest[..i]);
                            rest = rest[i..].trim_start_matches(py_space);
                        }
                        None => break,
                    }
                }
                if !rest.is_empty() {
                    out.push(rest);
                }
                out
            } else {
                let mut out: Vec<&str> = Vec::new();
                let mut rest = text.trim_end_matches(py_space);
                while out.len() < max {
                    match rest.rfind(py_space) {
                        Some(i) => {
                            let word = rest[i..].trim_start_matches(py_space);
                            out.push(word);
                            rest = rest[..i].trim_end_matches(py_space);
                        }
                        None => break,
                    }
                }
                if !rest.is_empty() {
                    out.push(rest);
                }
                out.reverse();
                out
            }
        }
        Value::Str(sep) => {
            if sep.is_empty() {
                return Err(value_error("empty separator"));
            }
            if right {
                let mut v: Vec<&str> = text.rsplitn(max.saturating_add(1), &**sep).collect();
                v.reverse();
                v
            } else {
                text.splitn(max.saturating_add(1), &**sep).collect()
            }
        }
        other => {
            return Err(type_error(format!(
                "must be str or None, not {}",
                type_name(other)
            )))
        }
    };
    Ok(Value::list(parts.into_iter().map(s).collect()))
}

fn str_split(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    method_arity_parsed(args, "split", 0, 2)?;
    split_common(args, kw, false)
}

fn str_rsplit(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    method_arity_parsed(args, "rsplit", 0, 2)?;
    split_common(args, kw, true)
}

fn strip_common(args: &[Value], name: &str, left: bool, right: bool) -> PyResult<Value> {
    let text = this_str(args, name)?;
    let chars: Option<Vec<char>> = match args.get(1) {
        None | Some(Value::None) => None,
        Some(Value::Str(c)) => Some(c.chars().collect()),
        Some(_) => return Err(type_error(format!("{name} arg must be None or str"))),
    };
    let pred = |c: char| match &chars {
        Some(cs) => cs.contains(&c),
        None => py_space(c),
    };
    let mut r: &str = &text;
    if left {
        r = r.trim_start_matches(pred);
    }
    if right {
        r = r.trim_end_matches(pred);
    }
    Ok(s(r))
}

fn str_strip(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "strip", kw)?;
    method_arity(args, "strip", 0, 1)?;
    strip_common(args, "strip", true, true)
}

fn str_lstrip(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "lstrip", kw)?;
    method_arity(args, "lstrip", 0, 1)?;
    strip_common(args, "lstrip", true, false)
}

fn str_rstrip(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "rstrip", kw)?;
    method_arity(args, "rstrip", 0, 1)?;
    strip_common(args, "rstrip", false, true)
}

fn str_upper(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "upper", kw)?;
    method_arity(args, "upper", 0, 0)?;
    Ok(s(&this_str(args, "upper")?.to_uppercase()))
}

fn str_lower(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "lower", kw)?;
    method_arity(args, "lower", 0, 0)?;
    Ok(s(&this_str(args, "lower")?.to_lowercase()))
}

/// Unicode's titlecase mapping of `c` (which differs from the uppercase one for digraphs and
/// ligatures: `ß` → `Ss`, `ǆ` → `ǅ`).
fn to_title(c: char) -> String {
    match c {
        'ß' => "Ss".into(),
        'Ǆ' | 'ǅ' | 'ǆ' => "ǅ".into(),
        'Ǉ' | 'ǈ' | 'ǉ' => "ǈ".into(),
        'Ǌ' | 'ǋ' | 'ǌ' => "ǋ".into(),
        'Ǳ' | 'ǲ' | 'ǳ' => "ǲ".into(),
        'ﬀ' => "Ff".into(),
        'ﬁ' => "Fi".into(),
        'ﬂ' => "Fl".into(),
        'ﬃ' => "Ffi".into(),
        'ﬄ' => "Ffl".into(),
        'ﬅ' | 'ﬆ' => "St".into(),
        'և' => "Եւ".into(),
        _ => c.to_uppercase().collect(),
    }
}

fn str_title(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "title", kw)?;
    method_arity(args, "title", 0, 0)?;
    let t = this_str(args, "title")?;
    let mut out = String::new();
    let mut prev_cased = false;
    for c in t.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            out.push_str(&to_title(c));
        }
        prev_cased = c.is_alphabetic();
    }
    Ok(s(&out))
}

fn str_capitalize(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "capitalize", kw)?;
    method_arity(args, "capitalize", 0, 0)?;
    let t = this_str(args, "capitalize")?;
    let mut cs = t.chars();
    let out = match cs.next() {
        Some(c) => to_title(c) + &cs.as_str().to_lowercase(),
        None => String::new(),
    };
    Ok(s(&out))
}

fn str_swapcase(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "swapcase", kw)?;
    method_arity(args, "swapcase", 0, 0)?;
    let t = this_str(args, "swapcase")?;
    let out: String = t
        .chars()
        .flat_map(|c| {
            if c.is_uppercase() {
                c.to_lowercase().collect::<Vec<_>>()
            } else if c.is_lowercase() {
                c.to_uppercase().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect();
    Ok(s(&out))
}

/// `str.encode`: aio has no bytes, so this is an error that names the missing feature.
fn str_encode(_: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    Err(super::exceptions::err(
        "NotImplementedError",
        "aio does not support bytes (str.encode)",
    ))
}

fn str_replace(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "replace", kw)?;
    method_arity(args, "replace", 2, 3)?;
    let t = this_str(args, "replace")?;
    let old = arg_str(&args[1], "replace() argument 1")?;
    let new = arg_str(&args[2], "replace() argument 2")?;
    let count = match args.get(3) {
        Some(v) => to_i64(v, "")?,
        None => -1,
    };
    if count < 0 {
        return Ok(s(&t.replace(&*old, &new)));
    }
    Ok(s(&t.replacen(&*old, &new, count as usize)))
}

fn prefix_check(args: &[Value], name: &str, start: bool) -> PyResult<Value> {
    let t = this_str(args, name)?;
    let Some(p) = args.get(1) else {
        return Err(type_error(format!(
            "{name}() takes at least 1 argument (0 given)"
        )));
    };
    let n = t.chars().count() as i64;
    let (lo, hi) = adjust_indices(args, 2, n)?;
    let test = |x: &str| {
        if hi - (x.chars().count() as i64) < lo {
            return false;
        }
        let part = &t[byte_at(&t, lo)..byte_at(&t, hi)];
        if start {
            part.starts_with(x)
        } else {
            part.ends_with(x)
        }
    };
    match p {
        Value::Str(x) => Ok(Value::Bool(B64::new(test(x)))),
        Value::Tuple(items) => {
            for i in items.iter() {
                match i {
                    Value::Str(x) if test(x) => return Ok(Value::Bool(B64::TRUE)),
                    Value::Str(_) => {}
                    other => {
                        return Err(type_error(format!(
                            "tuple for {name} must only contain str, not {}",
                            type_name(other)
                        )))
                    }
                }
            }
            Ok(Value::Bool(B64::FALSE))
        }
        other => Err(type_error(format!(
            "{name} first arg must be str or a tuple of str, not {}",
            type_name(other)
        ))),
    }
}

fn str_startswith(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "startswith", kw)?;
    method_arity_parsed(args, "startswith", 1, 3)?;
    prefix_check(args, "startswith", true)
}

fn str_endswith(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "endswith", kw)?;
    method_arity_parsed(args, "endswith", 1, 3)?;
    prefix_check(args, "endswith", false)
}

/// CPython's `ADJUST_INDICES`: optional `start` / `end` arguments at `args[i]`, `args[i + 1]`
/// made into character positions (`end` clamped to `n`, `start` possibly past it).
fn adjust_indices(args: &[Value], i: usize, n: i64) -> PyResult<(i64, i64)> {
    let get = |j: usize| -> PyResult<Option<i64>> {
        match args.get(j) {
            None | Some(Value::None) => Ok(None),
            Some(v) => Ok(Some(to_i64(
                v,
                "slice indices must be integers or None or have an __index__ method",
            )?)),
        }
    };
    let mut start = get(i)?.unwrap_or(0);
    let mut end = get(i + 1)?.unwrap_or(n);
    if end > n {
        end = n;
    } else if end < 0 {
        end = (end + n).max(0);
    }
    if start < 0 {
        start = (start + n).max(0);
    }
    Ok((start, end))
}

/// The byte offset of character `c` in `t` (its length when `c` is past the end).
fn byte_at(t: &str, c: i64) -> usize {
    t.char_indices()
        .nth(c.max(0) as usize)
        .map(|(i, _)| i)
        .unwrap_or(t.len())
}

/// Character index of byte offset `b` in `t`.
fn char_index(t: &str, b: usize) -> i64 {
    t[..b].chars().count() as i64
}

fn find_common(args: &[Value], name: &str, right: bool) -> PyResult<Option<i64>> {
    let t = this_str(args, name)?;
    let n = t.chars().count() as i64;
    // As CPython, the bounds are parsed before the substring is checked.
    let (start, end) = adjust_indices(args, 2, n)?;
    let sub = arg_str(args.get(1).unwrap_or(&Value::None), "")?;
    if end - start < sub.chars().count() as i64 {
        return Ok(None);
    }
    let bs = byte_at(&t, start);
    let be = byte_at(&t, end);
    let hay = &t[bs..be];
    let pos = if right {
        hay.rfind(&*sub)
    } else {
        hay.find(&*sub)
    };
    Ok(pos.map(|p| char_index(&t, bs + p)))
}

fn str_find(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "find", kw)?;
    method_arity_parsed(args, "find", 1, 3)?;
    Ok(Value::Int(find_common(args, "find", false)?.unwrap_or(-1)))
}

fn str_rfind(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "rfind", kw)?;
    method_arity_parsed(args, "rfind", 1, 3)?;
    Ok(Value::Int(find_common(args, "rfind", true)?.unwrap_or(-1)))
}

fn str_index(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "index", kw)?;
    method_arity_parsed(args, "index", 1, 3)?;
    find_common(args, "index", false)?
        .map(Value::Int)
        .ok_or_else(|| value_error("substring not found"))
}

fn str_rindex(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "rindex", kw)?;
    method_arity_parsed(args, "rindex", 1, 3)?;
    find_common(args, "rindex", true)?
        .map(Value::Int)
        .ok_or_else(|| value_error("substring not found"))
}

fn str_count(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "count", kw)?;
    method_arity_parsed(args, "count", 1, 3)?;
    let t = this_str(args, "count")?;
    let n = t.chars().count() as i64;
    let (start, end) = adjust_indices(args, 2, n)?;
    let sub = arg_str(args.get(1).unwrap_or(&Value::None), "")?;
    if end - start < sub.chars().count() as i64 {
        return Ok(Value::Int(0));
    }
    if sub.is_empty() {
        return Ok(Value::Int(end - start + 1));
    }
    let hay = &t[byte_at(&t, start)..byte_at(&t, end)];
    Ok(Value::Int(hay.matches(&*sub).count() as i64))
}

fn char_test(args: &[Value], name: &str, f: fn(char) -> bool) -> PyResult<Value> {
    let t = this_str(args, name)?;
    Ok(Value::Bool(B64::new(!t.is_empty() && t.chars().all(f))))
}

/// Numeric characters outside Unicode's decimal digits (categories No and Nl): superscripts,
/// subscripts, fractions, roman numerals, circled and parenthesised numbers.
fn non_decimal_numeric(c: char) -> bool {
    matches!(c as u32,
        0xB2 | 0xB3 | 0xB9 | 0xBC..=0xBE | 0x16EE..=0x16F0 | 0x2070..=0x209F
        | 0x2150..=0x218F | 0x2460..=0x24FF | 0x2776..=0x2793 | 0x3007 | 0x3021..=0x3029
        | 0x3038..=0x303A | 0x3192..=0x3195 | 0x3220..=0x3229 | 0x3248..=0x324F
        | 0x3251..=0x325F | 0x3280..=0x3289 | 0x32B1..=0x32BF | 0x10107..=0x10133)
}

/// Python's `str.isdecimal` for one character: Unicode category Nd.
fn is_decimal(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    c.is_numeric() && !non_decimal_numeric(c)
}

/// Python's `str.isdigit` for one character: decimals plus characters with a digit value
/// (superscripts, subscripts, circled digits).
fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    is_decimal(c)
        || matches!(c as u32,
            0xB2 | 0xB3 | 0xB9 | 0x2070 | 0x2074..=0x2079 | 0x2080..=0x2089 | 0x2460..=0x2468
            | 0x2474..=0x247C | 0x2488..=0x2490 | 0x24EA | 0x24F5..=0x24FD | 0x24FF
            | 0x2776..=0x277E | 0x2780..=0x2788 | 0x278A..=0x2792)
}

/// Python's printable characters: everything but control, format, separator (other than
/// the space) and unassigned characters.
fn is_printable(c: char) -> bool {
    !(c.is_control()
        || (c != ' ' && py_space(c))
        || matches!(c as u32, 0xAD | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFEFF))
}

fn str_isdigit(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "isdigit", kw)?;
    method_arity(args, "isdigit", 0, 0)?;
    char_test(args, "isdigit", is_digit)
}

fn str_isdecimal(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "isdecimal", kw)?;
    method_arity(args, "isdecimal", 0, 0)?;
    char_test(args, "isdecimal", is_decimal)
}

fn str_isnumeric(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "isnumeric", kw)?;
    method_arity(args, "isnumeric", 0, 0)?;
    char_test(args, "isnumeric", char::is_numeric)
}

fn str_isascii(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "isascii", kw)?;
    method_arity(args, "isascii", 0, 0)?;
    Ok(Value::Bool(B64::new(this_str(args, "isascii")?.is_ascii())))
}

fn str_isprintable(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "isprintable", kw)?;
    method_arity(args, "isprintable", 0, 0)?;
    Ok(Value::Bool(B64::new(
        this_str(args, "isprintable")?.chars().all(is_printable),
    )))
}

fn str_isidentifier(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "isidentifier", kw)?;
    method_arity(args, "isidentifier", 0, 0)?;
    let t = this_str(args, "isidentifier")?;
    let mut cs = t.chars();
    let ok = cs.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && cs.all(|c| c == '_' || c.is_alphanumeric());
    Ok(Value::Bool(B64::new(ok)))
}

/// `str.translate(table)`: each character's code point looked up in the table; a missing
/// key keeps the character, None deletes it, an int or str replaces it.
fn str_translate(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "translate", kw)?;
    method_arity(args, "translate", 1, 1)?;
    let t = this_str(args, "translate")?;
    let table = args[1].clone();
    let mut out = String::new();
    for c in t.chars() {
        match it.getitem(&table, &Value::Int(c as i64)) {
            Ok(Value::None) => {}
            Ok(Value::Str(r)) => out.push_str(&r),
            Ok(v @ (Value::Int(_) | Value::Bool(_))) => {
                let n = to_i64(&v, "")?;
                match u32::try_from(n).ok().and_then(char::from_u32) {
                    Some(r) => out.push(r),
                    None => {
                        return Err(value_error("character mapping must be in range(0x110000)"))
                    }
                }
            }
            Ok(_) => {
                return Err(type_error(
                    "character mapping must return integer, None or str",
                ))
            }
            Err(e)
                if e.0
                    .class
                    .is_subclass(&super::types::types().exc("LookupError")) =>
            {
                out.push(c)
            }
            Err(e) => return Err(e),
        }
    }
    Ok(s(&out))
}

/// `str.maketrans(x[, y[, z]])`: the translation table `translate` takes.
fn str_maketrans(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "maketrans", kw)?;
    arity("maketrans", args, 1, 3)?;
    let mut d = super::dict::Dict::new();
    match args {
        [Value::Dict(src)] => {
            let items = src.borrow().item_pairs();
            for (k, v) in items {
                let key = match &k {
                    Value::Str(c) if c.chars().count() == 1 => {
                        Value::Int(c.chars().next().map_or(0, |c| c as i64))
                    }
                    Value::Int(_) => k.clone(),
                    _ => {
                        return Err(type_error(
                            "keys in translate table must be strings or integers",
                        ))
                    }
                };
                d.insert(it.key(key)?, v);
            }
        }
        [_] => {
            return Err(type_error(
                "if you give only one argument to maketrans it must be a dict",
            ))
        }
        [x, y, more @ ..] => {
            let x = arg_str(x, "maketrans() argument 1")?;
            let y = arg_str(y, "maketrans() argument 2")?;
            if x.chars().count() != y.chars().count() {
                return Err(value_error(
                    "the first two maketrans arguments must have equal length",
                ));
            }
            for (a, b) in x.chars().zip(y.chars()) {
                d.insert(it.key(Value::Int(a as i64))?, Value::Int(b as i64));
            }
            if let Some(z) = more.first() {
                let z = arg_str(z, "maketrans() argument 3")?;
                for c in z.chars() {
                    d.insert(it.key(Value::Int(c as i64))?, Value::None);
                }
            }
        }
        [] => unreachable!("arity checked above"),
    }
    Ok(crate::runtime::gc::tracked(Value::Dict(Rc::new(
        std::cell::RefCell::new(d),
    ))))
}

fn str_isalpha(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "isalpha", kw)?;
    method_arity(args, "isalpha", 0, 0)?;
    char_test(args, "isalpha", char::is_alphabetic)
}

fn str_isalnum(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "isalnum", kw)?;
    method_arity(args, "isalnum", 0, 0)?;
    char_test(args, "isalnum", char::is_alphanumeric)
}

fn str_isspace(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "isspace", kw)?;
    method_arity(args, "isspace", 0, 0)?;
    char_test(args, "isspace", py_space)
}

fn str_isupper(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "isupper", kw)?;
    method_arity(args, "isupper", 0, 0)?;
    let t = this_str(args, "isupper")?;
    Ok(Value::Bool(B64::new(
        t.chars().any(char::is_uppercase) && !t.chars().any(char::is_lowercase),
    )))
}

fn str_islower(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "islower", kw)?;
    method_arity(args, "islower", 0, 0)?;
    let t = this_str(args, "islower")?;
    Ok(Value::Bool(B64::new(
        t.chars().any(char::is_lowercase) && !t.chars().any(char::is_uppercase),
    )))
}

fn pad(args: &[Value], name: &str, align: char) -> PyResult<Value> {
    let t = this_str(args, name)?;
    let width = to_i64(args.get(1).unwrap_or(&Value::Int(0)), "")?;
    let fill = match args.get(2) {
        Some(Value::Str(f)) if f.chars().count() == 1 => f.chars().next().unwrap_or(' '),
        Some(Value::Str(_)) => {
            return Err(type_error(
                "The fill character must be exactly one character long",
            ))
        }
        Some(other) => {
            return Err(type_error(format!(
                "The fill character must be a unicode character, not {}",
                type_name(other)
            )))
        }
        None => ' ',
    };
    let n = t.chars().count() as i64;
    if width <= n {
        return Ok(Value::Str(t));
    }
    let total = (width - n) as usize;
    let (l, r) = match align {
        '<' => (0, total),
        '>' => (total, 0),
        _ => {
            let l = total / 2 + (total & width as usize & 1);
            (l, total - l)
        }
    };
    let bytes = total
        .saturating_mul(fill.len_utf8())
        .saturating_add(t.len());
    crate::memory::check(bytes)?;
    let mut out = String::new();
    out.try_reserve(bytes)
        .map_err(|_| crate::runtime::exceptions::err("MemoryError", ""))?;
    for _ in 0..l {
        out.push(fill);
    }
    out.push_str(&t);
    for _ in 0..r {
        out.push(fill);
    }
    Ok(Value::Str(crate::runtime::thin::PyStr::from(out)))
}

fn str_center(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "center", kw)?;
    method_arity(args, "center", 1, 2)?;
    pad(args, "center", '^')
}

fn str_ljust(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "ljust", kw)?;
    method_arity(args, "ljust", 1, 2)?;
    pad(args, "ljust", '<')
}

fn str_rjust(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "rjust", kw)?;
    method_arity(args, "rjust", 1, 2)?;
    pad(args, "rjust", '>')
}

fn str_zfill(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "zfill", kw)?;
    method_arity(args, "zfill", 1, 1)?;
    let t = this_str(args, "zfill")?;
    let width = to_i64(args.get(1).unwrap_or(&Value::Int(0)), "")?;
    let n = t.chars().count() as i64;
    if width <= n {
        return Ok(Value::Str(t));
    }
    crate::memory::check((width - n) as usize + t.len())?;
    let zeros = "0".repeat((width - n) as usize);
    let out = match t.chars().next() {
        Some(c @ ('+' | '-')) => format!("{c}{zeros}{}", &t[1..]),
        _ => format!("{zeros}{t}"),
    };
    Ok(s(&out))
}

fn partition_common(args: &[Value], right: bool) -> PyResult<Value> {
    let t = this_str(args, "partition")?;
    let sep = arg_str(args.get(1).unwrap_or(&Value::None), "")?;
    if sep.is_empty() {
        return Err(value_error("empty separator"));
    }
    let pos = if right { t.rfind(&*sep) } else { t.find(&*sep) };
    Ok(match pos {
        Some(i) => Value::tuple(vec![
            s(&t[..i]),
            Value::Str(sep.clone()),
            s(&t[i + sep.len()..]),
        ]),
        None if right => Value::tuple(vec![s(""), s(""), Value::Str(t)]),
        None => Value::tuple(vec![Value::Str(t), s(""), s("")]),
    })
}

fn str_partition(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "partition", kw)?;
    method_arity(args, "partition", 1, 1)?;
    partition_common(args, false)
}

fn str_rpartition(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "rpartition", kw)?;
    method_arity(args, "rpartition", 1, 1)?;
    partition_common(args, true)
}

fn str_splitlines(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    method_arity_parsed(args, "splitlines", 0, 1)?;
    keywords_among("splitlines", kw, &["keepends"])?;
    let t = this_str(args, "splitlines")?;
    let keep = match args.get(1).cloned().or_else(|| kwarg(kw, "keepends")) {
        // An int, as CPython's `keepends: bool(accept={int})`.
        Some(v) => to_i64(&super::builtins::index_arg(it, &v)?, "")? != 0,
        None => false,
    };
    let is_break = |c: char| {
        matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        )
    };
    let chars: Vec<char> = t.chars().collect();
    let mut out = Vec::new();
    let mut line = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_break(c) {
            let mut end = c.to_string();
            if c == '\r' && chars.get(i + 1) == Some(&'\n') {
                end.push('\n');
                i += 1;
            }
            if keep {
                line.push_str(&end);
            }
            out.push(s(&std::mem::take(&mut line)));
        } else {
            line.push(c);
        }
        i += 1;
    }
    if !line.is_empty() {
        out.push(s(&line));
    }
    Ok(Value::list(out))
}

fn str_removeprefix(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "removeprefix", kw)?;
    method_arity(args, "removeprefix", 1, 1)?;
    let t = this_str(args, "removeprefix")?;
    let p = arg_str(
        args.get(1).unwrap_or(&Value::None),
        "removeprefix() argument",
    )?;
    Ok(s(t.strip_prefix(&*p).unwrap_or(&t)))
}

fn str_removesuffix(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "removesuffix", kw)?;
    method_arity(args, "removesuffix", 1, 1)?;
    let t = this_str(args, "removesuffix")?;
    let p = arg_str(
        args.get(1).unwrap_or(&Value::None),
        "removesuffix() argument",
    )?;
    Ok(s(t.strip_suffix(&*p).unwrap_or(&t)))
}

fn str_casefold(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "casefold", kw)?;
    method_arity(args, "casefold", 0, 0)?;
    let t = this_str(args, "casefold")?;
    Ok(s(&t.to_lowercase().replace('ß', "ss").replace('ς', "σ")))
}

fn str_istitle(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    no_method_kwargs(args, "istitle", kw)?;
    method_arity(args, "istitle", 0, 0)?;
    let t = this_str(args, "istitle")?;
    let (mut prev_cased, mut any) = (false, false);
    for c in t.chars() {
        if c.is_uppercase() {
            if prev_cased {
                return Ok(Value::Bool(B64::FALSE));
            }
            prev_cased = true;
            any = true;
        } else if c.is_lowercase() {
            if !prev_cased {
                return Ok(Value::Bool(B64::FALSE));
            }
            prev_cased = true;
            any = true;
        } else {
            prev_cased = false;
        }
    }
    Ok(Value::Bool(B64::new(any)))
}

fn str_expandtabs(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    method_arity_parsed(args, "expandtabs", 0, 1)?;
    keywords_among("expandtabs", kw, &["tabsize"])?;
    let t = this_str(args, "expandtabs")?;
    let size = match rest(args).first().cloned().or_else(|| kwarg(kw, "tabsize")) {
        Some(v) => to_i64(&v, "")?,
        None => 8,
    };
    let mut out = String::new();
    let mut col = 0i64;
    for c in t.chars() {
        match c {
            '\t' => {
                if size > 0 {
                    let n = size - col % size;
                    out.push_str(&" ".repeat(n as usize));
                    col += n;
                }
            }
            '\n' | '\r' => {
                out.push(c);
                col = 0;
            }
            _ => {
                out.push(c);
                col += 1;
            }
        }
    }
    Ok(s(&out))
}

/// Puts the str methods into `str`'s namespace.
pub fn install(t: &Types) {
    super::methods::add(
        &t.str_,
        &[
            ("join", str_join),
            ("format", str_format),
            ("encode", str_encode),
            ("format_map", str_format_map),
            ("split", str_split),
            ("rsplit", str_rsplit),
            ("strip", str_strip),
            ("lstrip", str_lstrip),
            ("rstrip", str_rstrip),
            ("upper", str_upper),
            ("lower", str_lower),
            ("title", str_title),
            ("capitalize", str_capitalize),
            ("swapcase", str_swapcase),
            ("replace", str_replace),
            ("startswith", str_startswith),
            ("endswith", str_endswith),
            ("find", str_find),
            ("rfind", str_rfind),
            ("index", str_index),
            ("rindex", str_rindex),
            ("count", str_count),
            ("isdigit", str_isdigit),
            ("isnumeric", str_isnumeric),
            ("isdecimal", str_isdecimal),
            ("isascii", str_isascii),
            ("isprintable", str_isprintable),
            ("isidentifier", str_isidentifier),
            ("translate", str_translate),
            ("isalpha", str_isalpha),
            ("isalnum", str_isalnum),
            ("isspace", str_isspace),
            ("isupper", str_isupper),
            ("islower", str_islower),
            ("center", str_center),
            ("ljust", str_ljust),
            ("rjust", str_rjust),
            ("zfill", str_zfill),
            ("partition", str_partition),
            ("rpartition", str_rpartition),
            ("splitlines", str_splitlines),
            ("removeprefix", str_removeprefix),
            ("removesuffix", str_removesuffix),
        ],
    );
    super::methods::add(
        &t.str_,
        &[
            ("casefold", str_casefold),
            ("istitle", str_istitle),
            ("expandtabs", str_expandtabs),
        ],
    );
    let maketrans = super::builtins::native("maketrans", str_maketrans);
    let sm = Rc::new(super::value::Instance {
        class: t.staticmethod.clone(),
        attrs: std::cell::RefCell::new(Default::default()),
        exc: None,
        base_value: std::cell::RefCell::new(Some(maketrans)),
    });
    t.str_
        .dict
        .borrow_mut()
        .insert(Rc::from("maketrans"), Value::Instance(sm));
}
