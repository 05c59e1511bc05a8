//! Methods of the builtin types: str, list, dict, set, tuple, int, float, and the
//! generator / coroutine protocol methods.

use super::builtins::{arity, dict_fill, kwarg, native, only_kwargs, sort_values, to_i64};
use super::dict::Dict;
use super::exceptions::{index_error, key_error, type_error, value_error};
use super::ops::{norm_index, type_name};
use super::types::Types;
use super::value::{DictView, Kwargs, NativeFn, PyResult, Value, ViewKind};
use crate::interp::Interp;
use std::cell::RefCell;
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
fn rest(args: &[Value]) -> &[Value] {
    args.get(1..).unwrap_or(&[])
}

fn s(v: &str) -> Value {
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
    Ok(Value::Str(Rc::from(out)))
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

fn this_list(args: &[Value], name: &str) -> PyResult<Rc<RefCell<Vec<Value>>>> {
    match args.first() {
        Some(Value::List(l)) => Ok(l.clone()),
        _ => Err(type_error(format!(
            "descriptor '{name}' requires a 'list' object"
        ))),
    }
}

fn list_append(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("list.append", rest(args), 1, 1).map_err(|_| {
        type_error(format!(
            "list.append() takes exactly one argument ({} given)",
            args.len() - 1
        ))
    })?;
    this_list(args, "append")?
        .borrow_mut()
        .push(args[1].clone());
    Ok(Value::None)
}

fn list_extend(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let l = this_list(args, "extend")?;
    let items = it.iterate(args.get(1).unwrap_or(&Value::None))?;
    l.borrow_mut().extend(items);
    Ok(Value::None)
}

fn list_insert(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    if args.len() != 3 {
        return Err(type_error(format!(
            "insert expected 2 arguments, got {}",
            args.len() - 1
        )));
    }
    let l = this_list(args, "insert")?;
    let mut l = l.borrow_mut();
    let n = l.len() as i64;
    let i = to_i64(&args[1], "")?;
    let i = if i < 0 { (i + n).max(0) } else { i.min(n) };
    l.insert(i as usize, args[2].clone());
    Ok(Value::None)
}

fn list_pop(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let l = this_list(args, "pop")?;
    let mut l = l.borrow_mut();
    if l.is_empty() {
        return Err(index_error("pop from empty list"));
    }
    let i = match args.get(1) {
        Some(v) => to_i64(v, "")?,
        None => -1,
    };
    let j = norm_index(i, l.len()).ok_or_else(|| index_error("pop index out of range"))?;
    Ok(l.remove(j))
}

fn list_remove(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let l = this_list(args, "remove")?;
    let x = args.get(1).cloned().unwrap_or_default();
    let items = l.borrow().clone();
    for (i, v) in items.iter().enumerate() {
        if v.is(&x) || it.eq(v, &x)? {
            l.borrow_mut().remove(i);
            return Ok(Value::None);
        }
    }
    Err(value_error("list.remove(x): x not in list"))
}

fn seq_index(it: &mut Interp, items: &[Value], x: &Value, what: &str) -> PyResult<Value> {
    for (i, v) in items.iter().enumerate() {
        if v.is(x) || it.eq(v, x)? {
            return Ok(Value::Int(i as i64));
        }
    }
    Err(value_error(what.to_string()))
}

fn list_index(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let items = this_list(args, "index")?.borrow().clone();
    let x = args.get(1).cloned().unwrap_or_default();
    let r = it.repr(&x)?;
    seq_index(it, &items, &x, &format!("{r} is not in list"))
}

fn seq_count(it: &mut Interp, items: &[Value], x: &Value) -> PyResult<Value> {
    let mut n = 0;
    for v in items {
        if v.is(x) || it.eq(v, x)? {
            n += 1;
        }
    }
    Ok(Value::Int(n))
}

fn list_count(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let items = this_list(args, "count")?.borrow().clone();
    seq_count(it, &items, args.get(1).unwrap_or(&Value::None))
}

fn list_sort(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    only_kwargs("sort", kw, &["key", "reverse"])?;
    if args.len() > 1 {
        return Err(type_error("sort() takes no positional arguments"));
    }
    let l = this_list(args, "sort")?;
    let mut items = std::mem::take(&mut *l.borrow_mut());
    let key = kwarg(kw, "key").filter(|k| !k.is_none());
    let reverse = match kwarg(kw, "reverse") {
        Some(v) => it.truthy(&v)?,
        None => false,
    };
    let r = sort_values(it, &mut items, key, reverse);
    let modified = !l.borrow().is_empty();
    *l.borrow_mut() = items;
    r?;
    if modified {
        return Err(value_error("list modified during sort"));
    }
    Ok(Value::None)
}

fn list_reverse(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    this_list(args, "reverse")?.borrow_mut().reverse();
    Ok(Value::None)
}

fn list_copy(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::list(this_list(args, "copy")?.borrow().clone()))
}

fn list_clear(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    this_list(args, "clear")?.borrow_mut().clear();
    Ok(Value::None)
}

fn tuple_index(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let Some(Value::Tuple(t)) = args.first() else {
        return Err(type_error("descriptor 'index' requires a 'tuple' object"));
    };
    let t = t.clone();
    seq_index(
        it,
        &t,
        args.get(1).unwrap_or(&Value::None),
        "tuple.index(x): x not in tuple",
    )
}

fn tuple_count(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let Some(Value::Tuple(t)) = args.first() else {
        return Err(type_error("descriptor 'count' requires a 'tuple' object"));
    };
    let t = t.clone();
    seq_count(it, &t, args.get(1).unwrap_or(&Value::None))
}

fn this_dict(args: &[Value], name: &str) -> PyResult<Rc<RefCell<Dict>>> {
    match args.first() {
        Some(Value::Dict(d)) => Ok(d.clone()),
        _ => Err(type_error(format!(
            "descriptor '{name}' requires a 'dict' object"
        ))),
    }
}

fn dict_get(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("get", rest(args), 1, 2)?;
    let d = this_dict(args, "get")?;
    let k = it.key(args[1].clone())?;
    let v = d.borrow().get(&k).cloned();
    Ok(v.unwrap_or_else(|| args.get(2).cloned().unwrap_or(Value::None)))
}

fn view(args: &[Value], kind: ViewKind) -> PyResult<Value> {
    let d = this_dict(args, "keys")?;
    Ok(Value::DictView(Rc::new(DictView { dict: d, kind })))
}

fn dict_keys(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    view(args, ViewKind::Keys)
}

fn dict_values(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    view(args, ViewKind::Values)
}

fn dict_items(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    view(args, ViewKind::Items)
}

fn dict_pop(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("pop", rest(args), 1, 2)?;
    let d = this_dict(args, "pop")?;
    let k = it.key(args[1].clone())?;
    let r = d.borrow_mut().remove(&k);
    match r {
        Some(v) => Ok(v),
        None => args
            .get(2)
            .cloned()
            .ok_or_else(|| key_error(args[1].clone())),
    }
}

fn dict_popitem(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let d = this_dict(args, "popitem")?;
    let r = d.borrow_mut().map.pop();
    match r {
        Some((k, v)) => Ok(Value::tuple(vec![k.0, v])),
        None => Err(key_error(s("popitem(): dictionary is empty"))),
    }
}

fn dict_setdefault(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("setdefault", rest(args), 1, 2)?;
    let d = this_dict(args, "setdefault")?;
    let k = it.key(args[1].clone())?;
    let existing = d.borrow().get(&k).cloned();
    if let Some(v) = existing {
        return Ok(v);
    }
    let v = args.get(2).cloned().unwrap_or(Value::None);
    d.borrow_mut().insert(k, v.clone());
    Ok(v)
}

fn dict_update(it: &mut Interp, args: &[Value], kw: &Kwargs) -> PyResult<Value> {
    arity("update", rest(args), 0, 1)?;
    let d = this_dict(args, "update")?;
    dict_fill(it, &d, args.get(1), kw)?;
    Ok(Value::None)
}

fn dict_copy(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let d = this_dict(args, "copy")?;
    let map = d.borrow().map.clone();
    Ok(Value::Dict(Rc::new(RefCell::new(Dict { map }))))
}

fn dict_clear(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    this_dict(args, "clear")?.borrow_mut().map.clear();
    Ok(Value::None)
}

fn dict_fromkeys(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    // Called on the class: args[0] is the class.
    let keys = it.iterate(args.get(1).unwrap_or(&Value::None))?;
    let v = args.get(2).cloned().unwrap_or(Value::None);
    let mut d = Dict::new();
    for k in keys {
        d.insert(it.key(k)?, v.clone());
    }
    Ok(Value::Dict(Rc::new(RefCell::new(d))))
}

fn this_set(args: &[Value], name: &str) -> PyResult<Rc<RefCell<Dict>>> {
    match args.first() {
        Some(Value::Set(d)) => Ok(d.clone()),
        _ => Err(type_error(format!(
            "descriptor '{name}' requires a 'set' object"
        ))),
    }
}

fn set_add(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("add", rest(args), 1, 1)?;
    let d = this_set(args, "add")?;
    let k = it.key(args[1].clone())?;
    d.borrow_mut().insert(k, Value::None);
    Ok(Value::None)
}

fn set_discard(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let d = this_set(args, "discard")?;
    let k = it.key(args.get(1).cloned().unwrap_or_default())?;
    d.borrow_mut().remove(&k);
    Ok(Value::None)
}

fn set_remove(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let d = this_set(args, "remove")?;
    let x = args.get(1).cloned().unwrap_or_default();
    let k = it.key(x.clone())?;
    let r = d.borrow_mut().remove(&k);
    r.map(|_| Value::None).ok_or_else(|| key_error(x))
}

fn set_pop(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let d = this_set(args, "pop")?;
    let r = d.borrow_mut().map.shift_remove_index(0);
    r.map(|(k, _)| k.0)
        .ok_or_else(|| key_error(s("pop from an empty set")))
}

fn int_bit_length(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Int(match args.first() {
        Some(Value::Int(i)) => 64 - i.unsigned_abs().leading_zeros() as i64,
        Some(Value::Bool(b)) => *b as i64,
        Some(Value::BigInt(b)) => b.bits() as i64,
        _ => {
            return Err(type_error(
                "descriptor 'bit_length' requires an 'int' object",
            ))
        }
    }))
}

fn int_bit_count(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Int(match args.first() {
        Some(Value::Int(i)) => i.unsigned_abs().count_ones() as i64,
        Some(Value::Bool(b)) => *b as i64,
        Some(Value::BigInt(b)) => b
            .magnitude()
            .to_u64_digits()
            .iter()
            .map(|d| d.count_ones() as i64)
            .sum(),
        _ => {
            return Err(type_error(
                "descriptor 'bit_count' requires an 'int' object",
            ))
        }
    }))
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

fn slice_indices_method(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let Some(Value::Slice(sl)) = args.first() else {
        return Err(type_error("descriptor 'indices' requires a 'slice' object"));
    };
    let n = to_i64(rest(args).first().unwrap_or(&Value::None), "")?;
    if n < 0 {
        return Err(value_error("length should not be negative"));
    }
    let (a, b, c) = super::ops::slice_indices(sl, n as usize)?;
    Ok(Value::tuple(vec![
        Value::Int(a),
        Value::Int(b),
        Value::Int(c),
    ]))
}

fn float_is_integer(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    match args.first() {
        Some(Value::Float(f)) => Ok(Value::Bool(f.is_finite() && f.fract() == 0.0)),
        _ => Err(type_error(
            "descriptor 'is_integer' requires a 'float' object",
        )),
    }
}

fn this_gen(args: &[Value]) -> PyResult<Rc<crate::interp::generator::Generator>> {
    match args.first() {
        Some(Value::Generator(g)) => Ok(g.clone()),
        _ => Err(type_error("descriptor requires a generator object")),
    }
}

fn gen_send(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("send", rest(args), 1, 1)?;
    let g = this_gen(args)?;
    it.gen_send(&g, args[1].clone())
}

fn gen_next(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let g = this_gen(args)?;
    it.gen_send(&g, Value::None)
}

fn gen_iter(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(args.first().cloned().unwrap_or_default())
}

fn gen_throw(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("throw", rest(args), 1, 3)?;
    let g = this_gen(args)?;
    let typ = &args[1];
    let exc = match (typ, args.get(2)) {
        (Value::Class(c), Some(v)) if c.is_exception && !v.is_none() => {
            if let Some(e) = super::value::Exc::from_value(v) {
                e
            } else {
                let inst = it.call(typ, vec![v.clone()], vec![])?;
                it.make_exception(inst)?
            }
        }
        _ => it.make_exception(typ.clone()).map_err(|_| {
            type_error(
                "exceptions must be classes or instances deriving from BaseException, not "
                    .to_string()
                    + &type_name(typ),
            )
        })?,
    };
    it.gen_throw(&g, exc)
}

fn coro_await(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let g = this_gen(args)?;
    Ok(Value::Iter(Rc::new(RefCell::new(
        super::value::NativeIter::CoroWrapper(g),
    ))))
}

fn gen_close(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let g = this_gen(args)?;
    it.gen_close(&g)?;
    Ok(Value::None)
}

fn add(cls: &super::value::Class, methods: &[(&'static str, NativeFn)]) {
    let mut d = cls.dict.borrow_mut();
    for (name, f) in methods {
        d.insert(Rc::from(*name), native(name, *f));
    }
}

/// Puts the builtin methods into the builtin classes' namespaces.
pub fn install(t: &Types) {
    install_set_algebra(t);
    add(
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
    add(
        &t.list,
        &[
            ("append", list_append),
            ("extend", list_extend),
            ("insert", list_insert),
            ("pop", list_pop),
            ("remove", list_remove),
            ("index", list_index),
            ("count", list_count),
            ("sort", list_sort),
            ("reverse", list_reverse),
            ("copy", list_copy),
            ("clear", list_clear),
        ],
    );
    add(&t.tuple, &[("index", tuple_index), ("count", tuple_count)]);
    add(
        &t.dict,
        &[
            ("get", dict_get),
            ("keys", dict_keys),
            ("values", dict_values),
            ("items", dict_items),
            ("pop", dict_pop),
            ("popitem", dict_popitem),
            ("setdefault", dict_setdefault),
            ("update", dict_update),
            ("copy", dict_copy),
            ("clear", dict_clear),
        ],
    );
    t.dict.dict.borrow_mut().insert(Rc::from("fromkeys"), {
        let f = native("fromkeys", dict_fromkeys);
        let cm = Rc::new(super::value::Instance {
            class: t.classmethod.clone(),
            dict: RefCell::new(indexmap::IndexMap::new()),
            exc: None,
            base_value: RefCell::new(Some(f)),
        });
        Value::Instance(cm)
    });
    add(
        &t.set,
        &[
            ("add", set_add),
            ("discard", set_discard),
            ("remove", set_remove),
            ("pop", set_pop),
        ],
    );
    add(
        &t.int,
        &[("bit_length", int_bit_length), ("bit_count", int_bit_count)],
    );
    add(&t.slice, &[("indices", slice_indices_method)]);
    add(
        &t.str_,
        &[
            ("casefold", str_casefold),
            ("istitle", str_istitle),
            ("expandtabs", str_expandtabs),
        ],
    );
    add(&t.float, &[("is_integer", float_is_integer)]);
    let gen_methods: &[(&'static str, NativeFn)] = &[
        ("send", gen_send),
        ("throw", gen_throw),
        ("close", gen_close),
        ("__next__", gen_next),
        ("__iter__", gen_iter),
    ];
    add(&t.generator, gen_methods);
    add(
        &t.coroutine,
        &[
            ("send", gen_send),
            ("throw", gen_throw),
            ("close", gen_close),
            ("__await__", coro_await),
        ],
    );
    {
        use crate::interp::asyncgen::{ag_aclose, ag_aiter, ag_anext, ag_asend, ag_athrow};
        add(
            &t.async_generator,
            &[
                ("__aiter__", ag_aiter),
                ("__anext__", ag_anext),
                ("asend", ag_asend),
                ("athrow", ag_athrow),
                ("aclose", ag_aclose),
            ],
        );
    }
}

/// The elements of any iterable as set keys (for the set methods that accept iterables).
fn set_items(it: &mut Interp, v: &Value) -> PyResult<Vec<super::dict::DictKey>> {
    match v {
        Value::Set(d) | Value::Dict(d) => Ok(d.borrow().map.keys().cloned().collect()),
        other => {
            let items = it.iterate(other)?;
            items.into_iter().map(|x| it.key(x)).collect()
        }
    }
}

fn new_set(keys: impl IntoIterator<Item = super::dict::DictKey>) -> Value {
    let mut d = Dict::new();
    for k in keys {
        d.insert(k, Value::None);
    }
    Value::Set(Rc::new(RefCell::new(d)))
}

/// Set algebra shared by the methods and the operators.
pub fn set_op(
    it: &mut Interp,
    a: &Rc<RefCell<Dict>>,
    others: &[Value],
    op: char,
) -> PyResult<Value> {
    let mut cur: Vec<super::dict::DictKey> = a.borrow().map.keys().cloned().collect();
    for o in others {
        let other = set_items(it, o)?;
        let mut od = Dict::new();
        for k in &other {
            od.insert(k.clone(), Value::None);
        }
        cur = match op {
            '|' => {
                let mut v = cur.clone();
                for k in other {
                    if !v.contains(&k) {
                        v.push(k);
                    }
                }
                v
            }
            '&' => cur.into_iter().filter(|k| od.get(k).is_some()).collect(),
            '-' => cur.into_iter().filter(|k| od.get(k).is_none()).collect(),
            _ => {
                let mine: Dict = {
                    let mut d = Dict::new();
                    for k in &cur {
                        d.insert(k.clone(), Value::None);
                    }
                    d
                };
                let mut v: Vec<_> = cur.into_iter().filter(|k| od.get(k).is_none()).collect();
                v.extend(other.into_iter().filter(|k| mine.get(k).is_none()));
                v
            }
        };
    }
    Ok(new_set(cur))
}

fn set_method(it: &mut Interp, args: &[Value], op: char, name: &str) -> PyResult<Value> {
    let d = this_set(args, name)?;
    set_op(it, &d, rest(args), op)
}

fn set_union(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_method(it, args, '|', "union")
}

fn set_intersection(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_method(it, args, '&', "intersection")
}

fn set_difference(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_method(it, args, '-', "difference")
}

fn set_symmetric_difference(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("symmetric_difference", rest(args), 1, 1)?;
    set_method(it, args, '^', "symmetric_difference")
}

fn set_update_with(it: &mut Interp, args: &[Value], op: char, name: &str) -> PyResult<Value> {
    let d = this_set(args, name)?;
    let r = set_op(it, &d, rest(args), op)?;
    if let Value::Set(n) = r {
        let map = std::mem::take(&mut n.borrow_mut().map);
        d.borrow_mut().map = map;
    }
    Ok(Value::None)
}

fn set_update(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_update_with(it, args, '|', "update")
}

fn set_intersection_update(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_update_with(it, args, '&', "intersection_update")
}

fn set_difference_update(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_update_with(it, args, '-', "difference_update")
}

fn set_symmetric_difference_update(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    set_update_with(it, args, '^', "symmetric_difference_update")
}

fn set_relation(
    it: &mut Interp,
    args: &[Value],
    name: &str,
) -> PyResult<(Vec<super::dict::DictKey>, Dict, Vec<super::dict::DictKey>)> {
    arity(name, rest(args), 1, 1)?;
    let d = this_set(args, name)?;
    let mine: Vec<_> = d.borrow().map.keys().cloned().collect();
    let other = set_items(it, &args[1])?;
    let mut od = Dict::new();
    for k in &other {
        od.insert(k.clone(), Value::None);
    }
    Ok((mine, od, other))
}

fn set_issubset(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let (mine, od, _) = set_relation(it, args, "issubset")?;
    Ok(Value::Bool(mine.iter().all(|k| od.get(k).is_some())))
}

fn set_issuperset(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let (_, _, other) = set_relation(it, args, "issuperset")?;
    let d = this_set(args, "issuperset")?;
    let d = d.borrow();
    Ok(Value::Bool(other.iter().all(|k| d.get(k).is_some())))
}

fn set_isdisjoint(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let (mine, od, _) = set_relation(it, args, "isdisjoint")?;
    Ok(Value::Bool(mine.iter().all(|k| od.get(k).is_none())))
}

fn set_clear(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    this_set(args, "clear")?.borrow_mut().map.clear();
    Ok(Value::None)
}

fn set_copy(_: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    let d = this_set(args, "copy")?;
    let keys: Vec<_> = d.borrow().map.keys().cloned().collect();
    Ok(new_set(keys))
}

/// Registers the set algebra methods.
pub fn install_set_algebra(t: &Types) {
    add(
        &t.set,
        &[
            ("union", set_union),
            ("intersection", set_intersection),
            ("difference", set_difference),
            ("symmetric_difference", set_symmetric_difference),
            ("update", set_update),
            ("intersection_update", set_intersection_update),
            ("difference_update", set_difference_update),
            (
                "symmetric_difference_update",
                set_symmetric_difference_update,
            ),
            ("issubset", set_issubset),
            ("issuperset", set_issuperset),
            ("isdisjoint", set_isdisjoint),
            ("clear", set_clear),
            ("copy", set_copy),
        ],
    );
}
