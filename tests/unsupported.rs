//! Python features outside aio's subset fail clearly: the program stops with exit code 1 and an
//! error that names the feature at its line, never a silent difference from CPython. (CPython
//! runs these programs, so they cannot be conformance cases blessed from python3.)

use std::process::Command;

/// Runs `src` as a program file and returns (exit code, stderr).
fn run(name: &str, src: &str) -> (Option<i32>, String) {
    let dir = std::env::temp_dir().join(format!("aio-unsupported-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}.aio"));
    std::fs::write(&path, src).expect("write program");
    let out = Command::new(env!("CARGO_BIN_EXE_aio"))
        .arg(&path)
        .output()
        .expect("run aio");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts that `src` fails with `message` as the last line of stderr, pointing at `line`.
fn fails(name: &str, src: &str, message: &str, line: usize) {
    let (code, stderr) = run(name, src);
    assert_eq!(code, Some(1), "{name}: exit code; stderr:\n{stderr}");
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert_eq!(last, message, "{name}: stderr:\n{stderr}");
    assert!(
        stderr.contains(&format!("line {line}")),
        "{name}: does not point at line {line}:\n{stderr}"
    );
}

#[test]
fn match_statement_is_named_at_its_keyword() {
    let msg = "SyntaxError: aio does not support the 'match' statement";
    fails(
        "match",
        "x = 1\nmatch x:\n    case 1:\n        pass\n",
        msg,
        2,
    );
    fails(
        "match_paren",
        "match (1, 2):\n    case _:\n        pass\n",
        msg,
        1,
    );
    fails(
        "match_nested",
        "def f(p):\n    match p:\n        case [a, b]:\n            return a\n",
        msg,
        2,
    );
    let (code, stderr) = run("match_miette", "match x:\n    case 1:\n        pass\n");
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("│ match x:"),
        "a snippet of the line:\n{stderr}"
    );
}

#[test]
fn match_stays_an_ordinary_name() {
    let (code, stderr) = run(
        "match_name",
        "match = {'a': 1}\nmatch['b'] = 2\nprint(match, match.get('a'))\n",
    );
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn except_star_is_named() {
    fails(
        "except_star",
        "try:\n    pass\nexcept* ValueError:\n    pass\n",
        "SyntaxError: aio does not support 'except*' (exception groups)",
        3,
    );
}

#[test]
fn modules_outside_the_subset_are_not_found() {
    fails(
        "import_os",
        "import os\n",
        "ModuleNotFoundError: No module named 'os'",
        1,
    );
    fails(
        "from_import",
        "x = 1\nfrom itertools import chain\n",
        "ModuleNotFoundError: No module named 'itertools'",
        2,
    );
}

#[test]
fn builtins_outside_the_subset_name_themselves() {
    fails(
        "open",
        "print('start')\nf = open('data.txt')\n",
        "NotImplementedError: aio does not support the built-in 'open'",
        2,
    );
    fails(
        "eval",
        "eval('1 + 1')\n",
        "NotImplementedError: aio does not support the built-in 'eval'",
        1,
    );
    fails(
        "bytes",
        "b = bytes(3)\n",
        "NotImplementedError: aio does not support the built-in 'bytes'",
        1,
    );
}

#[test]
fn dir_without_argument_at_module_level_is_named() {
    fails(
        "dir_module",
        "x = 1\nprint(dir())\n",
        "NotImplementedError: aio does not support dir() without an argument at module level",
        2,
    );
    fails(
        "dir_indirect",
        "def f():\n    d = dir\n    return d()\nf()\n",
        "NotImplementedError: aio does not support dir() without an argument other than as a direct call dir()",
        3,
    );
}

#[test]
fn literals_outside_the_subset_are_syntax_errors() {
    fails(
        "complex",
        "z = 1 + 2j\n",
        "SyntaxError: aio does not support complex numbers",
        1,
    );
    fails(
        "bytes_literal",
        "data = b'abc'\n",
        "SyntaxError: aio does not support bytes literals",
        1,
    );
}

#[test]
fn star_import_is_a_syntax_error() {
    fails(
        "star_import",
        "from math import *\n",
        "SyntaxError: aio does not support 'import *'",
        1,
    );
}

#[test]
fn module_dict_is_named() {
    fails(
        "module_dict",
        "import math\nx = 1\nprint(math.__dict__['pi'])\n",
        "NotImplementedError: aio does not support a module's __dict__",
        3,
    );
    fails(
        "module_vars",
        "import math\nprint(len(vars(math)))\n",
        "NotImplementedError: aio does not support a module's __dict__",
        2,
    );
}

#[test]
fn new_in_a_builtin_subclass_is_named() {
    fails(
        "new_float_subclass",
        "class Celsius(float):\n    def __new__(cls, v):\n        return super().__new__(cls, v)\n\n\nprint(Celsius(3.5))\n",
        "NotImplementedError: aio does not support __new__ in a subclass of 'float'",
        6,
    );
}

#[test]
fn finalizer_is_named_at_its_def() {
    fails(
        "finalizer",
        "class A:\n    x = 1\n\n    def __del__(self):\n        print('bye')\n\n\na = A()\n",
        "SyntaxError: aio does not support __del__ (finalizers)",
        4,
    );
}

#[test]
fn getattribute_override_is_named_at_its_def() {
    fails(
        "getattribute",
        "class A:\n    def __getattribute__(self, name):\n        return 'intercepted'\n\n\nprint(A().anything)\n",
        "SyntaxError: aio does not support overriding __getattribute__",
        2,
    );
}

#[test]
fn class_assignment_is_named_where_it_happens() {
    let msg = "NotImplementedError: aio does not support assigning to __class__";
    // The compiled store of a local's attribute, and the general one (a global's).
    fails(
        "class_assign_local",
        "class A:\n    pass\n\n\nclass B:\n    pass\n\n\ndef f():\n    a = A()\n    a.__class__ = B\n\n\nf()\n",
        msg,
        11,
    );
    fails(
        "class_assign_global",
        "class A:\n    pass\n\n\nclass B:\n    pass\n\n\na = A()\na.__class__ = B\n",
        msg,
        10,
    );
    fails(
        "class_assign_setattr",
        "class A:\n    pass\n\n\na = A()\nsetattr(a, '__class__', int)\n",
        msg,
        6,
    );
}

#[test]
fn setrecursionlimit_is_named_where_it_is_called() {
    fails(
        "setrecursionlimit",
        "import sys\n\nsys.setrecursionlimit(5000)\n",
        "NotImplementedError: aio does not support changing the recursion limit (it is fixed at 1000)",
        3,
    );
}

#[test]
fn frame_repr_is_named_where_it_is_asked_for() {
    fails(
        "frame_repr",
        "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    print(e.__traceback__.tb_frame)\n",
        "NotImplementedError: aio does not support the repr of frame objects",
        4,
    );
}
