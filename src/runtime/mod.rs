//! Values, builtin types and their operations, the builtin namespace, and CPython-exact text.

pub mod attrs;
pub mod builtins;
pub mod class_dict;
pub mod constructors;
pub mod deque;
pub mod dict;
pub mod drop;
pub mod exceptions;
pub mod format;
pub mod gc;
pub mod mappingproxy;
pub mod methods;
pub mod number_dunders;
pub mod number_methods;
pub mod ops;
pub mod repr;
pub mod set;
pub mod set_methods;
pub mod str_methods;
pub mod strformat;
pub mod thin;
pub mod types;
pub mod value;

pub use value::{Exc, PyResult, Value};
