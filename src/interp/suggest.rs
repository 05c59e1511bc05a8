//! "Did you mean" for uncaught `NameError` and `AttributeError`, as CPython 3.11's
//! `Python/suggestions.c`: the candidates are `dir(obj)` for an attribute, and for a name the
//! failing frame's local variables, then its globals, then the builtins (each list searched on
//! its own, in that order); the nearest candidate by a Levenshtein distance where a case flip
//! costs less than any other edit wins, if it is close enough. The suggestion is added only to
//! the printed traceback line, never to the exception's message.

use super::Interp;
use crate::runtime::value::{Exc, SuggestFrom, Value};
use std::rc::Rc;

/// Lists longer than this are not searched (CPython's `MAX_CANDIDATE_ITEMS`).
const MAX_CANDIDATE_ITEMS: usize = 750;
/// Names longer than this (in UTF-8 bytes) are never near (`MAX_STRING_SIZE`).
const MAX_STRING_SIZE: usize = 40;
/// The cost of inserting, deleting or replacing a byte (`MOVE_COST`).
const MOVE_COST: usize = 2;
/// The cost of replacing an ASCII letter by itself in the other case (`CASE_COST`).
const CASE_COST: usize = 1;

/// The names of CPython 3.11's `builtins` namespace in its order, the last list a `NameError`
/// searches (aio's own builtins lack a few, and the order decides ties).
const CPYTHON_BUILTINS: &[&str] = &[
    "__name__",
    "__doc__",
    "__package__",
    "__loader__",
    "__spec__",
    "__build_class__",
    "__import__",
    "abs",
    "all",
    "any",
    "ascii",
    "bin",
    "breakpoint",
    "callable",
    "chr",
    "compile",
    "delattr",
    "dir",
    "divmod",
    "eval",
    "exec",
    "format",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "hex",
    "id",
    "input",
    "isinstance",
    "issubclass",
    "iter",
    "aiter",
    "len",
    "locals",
    "max",
    "min",
    "next",
    "anext",
    "oct",
    "ord",
    "pow",
    "print",
    "repr",
    "round",
    "setattr",
    "sorted",
    "sum",
    "vars",
    "None",
    "Ellipsis",
    "NotImplemented",
    "False",
    "True",
    "bool",
    "memoryview",
    "bytearray",
    "bytes",
    "classmethod",
    "complex",
    "dict",
    "enumerate",
    "filter",
    "float",
    "frozenset",
    "property",
    "int",
    "list",
    "map",
    "object",
    "range",
    "reversed",
    "set",
    "slice",
    "staticmethod",
    "str",
    "super",
    "tuple",
    "type",
    "zip",
    "__debug__",
    "BaseException",
    "BaseExceptionGroup",
    "Exception",
    "GeneratorExit",
    "KeyboardInterrupt",
    "SystemExit",
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BufferError",
    "EOFError",
    "ImportError",
    "LookupError",
    "MemoryError",
    "NameError",
    "OSError",
    "ReferenceError",
    "RuntimeError",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SystemError",
    "TypeError",
    "ValueError",
    "Warning",
    "FloatingPointError",
    "OverflowError",
    "ZeroDivisionError",
    "BytesWarning",
    "DeprecationWarning",
    "EncodingWarning",
    "FutureWarning",
    "ImportWarning",
    "PendingDeprecationWarning",
    "ResourceWarning",
    "RuntimeWarning",
    "SyntaxWarning",
    "UnicodeWarning",
    "UserWarning",
    "BlockingIOError",
    "ChildProcessError",
    "ConnectionError",
    "FileExistsError",
    "FileNotFoundError",
    "InterruptedError",
    "IsADirectoryError",
    "NotADirectoryError",
    "PermissionError",
    "ProcessLookupError",
    "TimeoutError",
    "IndentationError",
    "IndexError",
    "KeyError",
    "ModuleNotFoundError",
    "NotImplementedError",
    "RecursionError",
    "UnboundLocalError",
    "UnicodeError",
    "BrokenPipeError",
    "ConnectionAbortedError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "TabError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeTranslateError",
    "ExceptionGroup",
    "EnvironmentError",
    "IOError",
    "open",
    "quit",
    "exit",
    "copyright",
    "credits",
    "license",
    "help",
];

/// The names a script's `__main__` globals start with in CPython, before the program's own.
const MAIN_DUNDERS: &[&str] = &[
    "__name__",
    "__doc__",
    "__package__",
    "__loader__",
    "__spec__",
    "__annotations__",
    "__builtins__",
];

/// CPython's `substitution_cost`: 0 for the same byte, [`CASE_COST`] for an ASCII case flip.
fn substitution_cost(a: u8, b: u8) -> usize {
    if (a & 31) != (b & 31) {
        return MOVE_COST;
    }
    if a == b {
        return 0;
    }
    if a.eq_ignore_ascii_case(&b) && a.is_ascii_alphabetic() {
        return CASE_COST;
    }
    MOVE_COST
}

/// CPython's `levenshtein_distance` over UTF-8 bytes, giving up (`max_cost + 1`) as soon as
/// the distance must exceed `max_cost`.
fn levenshtein(a: &[u8], b: &[u8], max_cost: usize) -> usize {
    let (mut a, mut b) = (a, b);
    while let (Some(x), Some(y)) = (a.first(), b.first()) {
        if x != y {
            break;
        }
        a = &a[1..];
        b = &b[1..];
    }
    while let (Some(x), Some(y)) = (a.last(), b.last()) {
        if x != y {
            break;
        }
        a = &a[..a.len() - 1];
        b = &b[..b.len() - 1];
    }
    if a.is_empty() || b.is_empty() {
        return (a.len() + b.len()) * MOVE_COST;
    }
    if a.len() > MAX_STRING_SIZE || b.len() > MAX_STRING_SIZE {
        return max_cost + 1;
    }
    if b.len() < a.len() {
        std::mem::swap(&mut a, &mut b);
    }
    if (b.len() - a.len()) * MOVE_COST > max_cost {
        return max_cost + 1;
    }
    let mut buffer: Vec<usize> = (1..=a.len()).map(|i| i * MOVE_COST).collect();
    let mut result = 0;
    for (b_index, &code) in b.iter().enumerate() {
        let mut distance = b_index * MOVE_COST;
        result = distance;
        let mut minimum = usize::MAX;
        for (index, &ch) in a.iter().enumerate() {
            let substitute = distance + substitution_cost(code, ch);
            distance = buffer[index];
            let insert_delete = result.min(distance) + MOVE_COST;
            result = insert_delete.min(substitute);
            buffer[index] = result;
            minimum = minimum.min(result);
        }
        if minimum > max_cost {
            return max_cost + 1;
        }
    }
    result
}

/// CPython's `calculate_suggestions`: the nearest of `candidates` to `name`, if near enough.
fn nearest<'a>(candidates: &[&'a str], name: &str) -> Option<&'a str> {
    if candidates.len() >= MAX_CANDIDATE_ITEMS {
        return None;
    }
    let mut best: Option<(&str, usize)> = None;
    for &item in candidates {
        if item == name {
            continue;
        }
        // No more than 1/3 of the involved characters should need changing.
        let mut max_distance = (name.len() + item.len() + 3) * MOVE_COST / 6;
        if let Some((_, d)) = best {
            max_distance = max_distance.min(d.saturating_sub(1));
        }
        let d = levenshtein(name.as_bytes(), item.as_bytes(), max_distance);
        if d > max_distance {
            continue;
        }
        if best.is_none_or(|(_, bd)| d < bd) {
            best = Some((item, d));
        }
    }
    best.map(|(s, _)| s)
}

impl Interp {
    /// The suggestion CPython's traceback adds to an uncaught exception: only for an exception
    /// that is exactly `NameError` or `AttributeError` and that aio raised for a missing name.
    pub fn suggestion(&mut self, e: &Exc) -> Option<String> {
        let t = crate::runtime::types::types();
        let cls = e.class();
        let exact =
            Rc::ptr_eq(cls, &t.exc("NameError")) || Rc::ptr_eq(cls, &t.exc("AttributeError"));
        if !exact {
            return None;
        }
        let from = e.data().suggest.clone()?;
        match &*from {
            SuggestFrom::Attribute { obj, name } => {
                let dir = self.builtins.get("dir")?;
                let names = self.call(&dir, vec![obj.clone()], vec![]).ok()?;
                let Value::List(l) = names else { return None };
                let names: Vec<Rc<str>> = l
                    .borrow()
                    .iter()
                    .filter_map(|v| match v {
                        Value::Str(s) => Some(Rc::from(s)),
                        _ => None,
                    })
                    .collect();
                let refs: Vec<&str> = names.iter().map(|s| &**s).collect();
                nearest(&refs, name).map(str::to_string)
            }
            SuggestFrom::Name {
                name,
                code,
                globals,
            } => {
                let locals: Vec<&str> = code.varnames.iter().map(|s| &**s).collect();
                if let Some(s) = nearest(&locals, name) {
                    return Some(s.to_string());
                }
                let own = globals.names_list();
                let mut global_names: Vec<&str> = Vec::new();
                if globals.name.as_ref() == "__main__" {
                    global_names.extend(MAIN_DUNDERS);
                    if own.iter().any(|n| &**n == "__file__") {
                        global_names.extend(["__file__", "__cached__"]);
                    }
                }
                for n in &own {
                    if !global_names.contains(&&**n) {
                        global_names.push(n);
                    }
                }
                if let Some(s) = nearest(&global_names, name) {
                    return Some(s.to_string());
                }
                nearest(CPYTHON_BUILTINS, name).map(str::to_string)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_as_cpython() {
        assert_eq!(levenshtein(b"apend", b"append", 100), 2);
        assert_eq!(levenshtein(b"Total", b"total", 100), 1);
        assert_eq!(levenshtein(b"lenght", b"length", 100), 4);
        assert_eq!(nearest(&["append", "extend"], "apend"), Some("append"));
        assert_eq!(nearest(&["len"], "lenght"), None);
    }
}
