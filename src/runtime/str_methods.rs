//! Methods of `str`, with CPython's argument checks and messages.

use super::builtins::{arity, kwarg, only_kwargs, to_i64};
use super::exceptions::{type_error, value_error};
use super::ops::type_name;
use super::types::Types;
use super::value::{Kwargs, PyResult, Value};
use crate::interp::Interp;
use std::rc::Rc;

fn this_str(args: &[Value], name: &str) -> PyResult<Rc<str>> {
    match args.first() {
        Some(Value::Str(s)) => Ok(s.clone()),
        _ => Err(type_error(format!(
            "descriptor '{name}' requires a 'str' object"
        ))),
    }
}

fn arg_str(v: &Value, what: &str) -> PyResult<Rc<str>> {
    match v {
        Value::Str(s) => Ok(s.clone()),
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

fn str_format_map(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("format_map", rest(args), 1, 1)?;
    let t = this_str(args, "format_map")?;
    Ok(s(&super::strformat::format_map(it, &t, &args[1])?))
}

fn str_join(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("join", rest(args), 1, 1)?;
    let sep = this_str(args, "join")?;
    let items = it.iterate(&args[1])?;
    let mut out = String::new();
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(&sep);
        }
        match x {
            Value::Str(p) => out.push_str(p),
            other => {
                return Err(type_error(format!(
                    "sequence item {i}: expected str instance, {} found",
                    type_name(other)
                )))
            }
        }
    }
    Ok(s(&out))
}

fn split_common(args: &[Value], kw: &Kwargs, right: bool) -> PyResult<Value> {
    let name = if right { "rsplit" } else { "split" };
    only_kwargs(name, kw, &["sep", "maxsplit"])?;
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
    let parts: Vec<String> = match &sep {
        Value::None => {
            let words: Vec<&str> = text.split_whitespace().collect();
            if max == usize::MAX || words.len() <= max + 1 {
                words.into_iter().map(String::from).collect()
            } else if !right {
                let mut out: Vec<String> = Vec::new();
                let mut rest = text.trim_start();
                while out.len() < max {
                    match rest.find(char::is_whitespace) {
                        Some(i) => {
                            out.push(rest[..i].to_string());
                            rest = rest[i..].trim_start();
                        }
                        None => break,
                    }
                }
                if !rest.is_empty() {
                    out.push(rest.to_string());
                }
                out
            } else {
                let mut out: Vec<String> = Vec::new();
                let mut rest = text.trim_end();
                while out.len() < max {
                    match rest.rfind(char::is_whitespace) {
                        Some(i) => {
                            out.push(rest[i..].trim_start().to_string());
                            rest = rest[..i].trim_end();
                        }
                        None => break,
                    }
                }
                if !rest.is_empty() {
                    out.push(rest.to_string());
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
                let mut v: Vec<String> = text
                    .rsplitn(max.saturating_add(1), &**sep)
                    .map(String::from)
                    .collect();
                v.reverse();
                v
            } else {
                text.splitn(max.saturating_add(1), &**sep)
                    .map(String::from)
                    .collect()
            }
        }
        other => {
            return Err(type_error(format!(
                "must be str or None, not {}",
                type_name(other)
            )))
        }
    };
    Ok(Value::list(parts.into_iter().map(|p| s(&p)).collect()))
}

fn str_split(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    split_common(args, kw, false)
}

fn str_rsplit(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    split_common(args, kw, true)
}

fn strip_common(args: &[Value], name: &str, left: bool, right: bool) -> PyResult<Value> {
    let text = this_str(args, name)?;
    let chars: Option<Vec<char>> = match args.get(1) {
        None | Some(Value::None) => None,
        Some(Value::Str(c)) => Some(c.chars().collect()),
        Some(other) => {
            return Err(type_error(format!(
                "{name} arg must be None or str, not {}",
                type_name(other)
            )))
        }
    };
    let pred = |c: char| match &chars {
        Some(cs) => cs.contains(&c),
        None => c.is_whitespace(),
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

fn str_strip(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    strip_common(args, "strip", true, true)
}

fn str_lstrip(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    strip_common(args, "lstrip", true, false)
}

fn str_rstrip(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    strip_common(args, "rstrip", false, true)
}

fn str_upper(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(s(&this_str(args, "upper")?.to_uppercase()))
}

fn str_lower(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(s(&this_str(args, "lower")?.to_lowercase()))
}

fn str_title(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "title")?;
    let mut out = String::new();
    let mut prev_cased = false;
    for c in t.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        prev_cased = c.is_alphabetic();
    }
    Ok(s(&out))
}

fn str_capitalize(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "capitalize")?;
    let mut cs = t.chars();
    let out = match cs.next() {
        Some(c) => c.to_uppercase().collect::<String>() + &cs.as_str().to_lowercase(),
        None => String::new(),
    };
    Ok(s(&out))
}

fn str_swapcase(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "swapcase")?;
    let out: String = t
        .chars()
        .flat_map(|c| {
            if c.is_uppercase() {
                c.to_lowercase().collect::<Vec<_>>()
            } else {
                c.to_uppercase().collect::<Vec<_>>()
            }
        })
        .collect();
    Ok(s(&out))
}

fn str_replace(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("replace", rest(args), 2, 3)?;
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
    let test = |x: &str| {
        if start {
            t.starts_with(x)
        } else {
            t.ends_with(x)
        }
    };
    match p {
        Value::Str(x) => Ok(Value::Bool(test(x))),
        Value::Tuple(items) => {
            for i in items.iter() {
                match i {
                    Value::Str(x) if test(x) => return Ok(Value::Bool(true)),
                    Value::Str(_) => {}
                    other => {
                        return Err(type_error(format!(
                            "tuple for {name} must only contain str, not {}",
                            type_name(other)
                        )))
                    }
                }
            }
            Ok(Value::Bool(false))
        }
        other => Err(type_error(format!(
            "{name} first arg must be str or a tuple of str, not {}",
            type_name(other)
        ))),
    }
}

fn str_startswith(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    prefix_check(args, "startswith", true)
}

fn str_endswith(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    prefix_check(args, "endswith", false)
}

/// Character index of byte offset `b` in `t`.
fn char_index(t: &str, b: usize) -> i64 {
    t[..b].chars().count() as i64
}

fn find_common(args: &[Value], name: &str, right: bool) -> PyResult<Option<i64>> {
    let t = this_str(args, name)?;
    let sub = arg_str(args.get(1).unwrap_or(&Value::None), "must be")?;
    let n = t.chars().count() as i64;
    let clamp = |v: i64| if v < 0 { (v + n).max(0) } else { v.min(n) };
    let start = match args.get(2) {
        Some(Value::None) | None => 0,
        Some(v) => clamp(to_i64(v, "")?),
    };
    let end = match args.get(3) {
        Some(Value::None) | None => n,
        Some(v) => clamp(to_i64(v, "")?),
    };
    if start > end {
        return Ok(None);
    }
    let bs = t
        .char_indices()
        .nth(start as usize)
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    let be = t
        .char_indices()
        .nth(end as usize)
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    let hay = &t[bs..be];
    let pos = if right {
        hay.rfind(&*sub)
    } else {
        hay.find(&*sub)
    };
    Ok(pos.map(|p| char_index(&t, bs + p)))
}

fn str_find(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Int(find_common(args, "find", false)?.unwrap_or(-1)))
}

fn str_rfind(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Int(find_common(args, "rfind", true)?.unwrap_or(-1)))
}

fn str_index(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    find_common(args, "index", false)?
        .map(Value::Int)
        .ok_or_else(|| value_error("substring not found"))
}

fn str_rindex(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    find_common(args, "rindex", true)?
        .map(Value::Int)
        .ok_or_else(|| value_error("substring not found"))
}

fn str_count(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "count")?;
    let sub = arg_str(args.get(1).unwrap_or(&Value::None), "must be")?;
    if sub.is_empty() {
        return Ok(Value::Int(t.chars().count() as i64 + 1));
    }
    Ok(Value::Int(t.matches(&*sub).count() as i64))
}

fn char_test(args: &[Value], name: &str, f: fn(char) -> bool) -> PyResult<Value> {
    let t = this_str(args, name)?;
    Ok(Value::Bool(!t.is_empty() && t.chars().all(f)))
}

fn str_isdigit(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    char_test(args, "isdigit", |c| c.is_ascii_digit())
}

fn str_isalpha(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    char_test(args, "isalpha", char::is_alphabetic)
}

fn str_isalnum(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    char_test(args, "isalnum", char::is_alphanumeric)
}

fn str_isspace(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    char_test(args, "isspace", char::is_whitespace)
}

fn str_isupper(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "isupper")?;
    Ok(Value::Bool(
        t.chars().any(char::is_uppercase) && !t.chars().any(char::is_lowercase),
    ))
}

fn str_islower(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "islower")?;
    Ok(Value::Bool(
        t.chars().any(char::is_lowercase) && !t.chars().any(char::is_uppercase),
    ))
}

fn pad(args: &[Value], name: &str, align: char) -> PyResult<Value> {
    let t = this_str(args, name)?;
    let width = to_i64(args.get(1).unwrap_or(&Value::Int(0)), "")?;
    let fill = match args.get(2) {
        Some(Value::Str(f)) if f.chars().count() == 1 => f.chars().next().unwrap_or(' '),
        Some(_) => {
            return Err(type_error(
                "The fill character must be exactly one character long",
            ))
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
    let f = fill.to_string();
    Ok(s(&format!("{}{}{}", f.repeat(l), t, f.repeat(r))))
}

fn str_center(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    pad(args, "center", '^')
}

fn str_ljust(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    pad(args, "ljust", '<')
}

fn str_rjust(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    pad(args, "rjust", '>')
}

fn str_zfill(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "zfill")?;
    let width = to_i64(args.get(1).unwrap_or(&Value::Int(0)), "")?;
    let n = t.chars().count() as i64;
    if width <= n {
        return Ok(Value::Str(t));
    }
    let zeros = "0".repeat((width - n) as usize);
    let out = match t.chars().next() {
        Some(c @ ('+' | '-')) => format!("{c}{zeros}{}", &t[1..]),
        _ => format!("{zeros}{t}"),
    };
    Ok(s(&out))
}

fn partition_common(args: &[Value], right: bool) -> PyResult<Value> {
    let t = this_str(args, "partition")?;
    let sep = arg_str(args.get(1).unwrap_or(&Value::None), "must be")?;
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

fn str_partition(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    partition_common(args, false)
}

fn str_rpartition(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    partition_common(args, true)
}

fn str_splitlines(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "splitlines")?;
    let keep = matches!(
        args.get(1).cloned().or_else(|| kwarg(kw, "keepends")),
        Some(Value::Bool(true))
    );
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

fn str_removeprefix(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "removeprefix")?;
    let p = arg_str(
        args.get(1).unwrap_or(&Value::None),
        "removeprefix() argument",
    )?;
    Ok(s(t.strip_prefix(&*p).unwrap_or(&t)))
}

fn str_removesuffix(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "removesuffix")?;
    let p = arg_str(
        args.get(1).unwrap_or(&Value::None),
        "removesuffix() argument",
    )?;
    Ok(s(t.strip_suffix(&*p).unwrap_or(&t)))
}

fn str_casefold(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "casefold")?;
    Ok(s(&t.to_lowercase().replace('ß', "ss").replace('ς', "σ")))
}

fn str_istitle(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let t = this_str(args, "istitle")?;
    let (mut prev_cased, mut any) = (false, false);
    for c in t.chars() {
        if c.is_uppercase() {
            if prev_cased {
                return Ok(Value::Bool(false));
            }
            prev_cased = true;
            any = true;
        } else if c.is_lowercase() {
            if !prev_cased {
                return Ok(Value::Bool(false));
            }
            prev_cased = true;
            any = true;
        } else {
            prev_cased = false;
        }
    }
    Ok(Value::Bool(any))
}

fn str_expandtabs(_: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
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
            ("isnumeric", str_isdigit),
            ("isdecimal", str_isdigit),
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
}
