//! AST to runnable code: scopes resolved to slots and cells, suspensions lowered to statements.

pub mod code;
pub mod lower;
pub mod resolve;
pub mod scope;

use std::rc::Rc;

/// A module's global names, each with a fixed index into the module's global slots.
/// Compiling code against the table adds the names it uses. Hashed with Fx, as the attribute
/// maps: the names are the program's own and `module.name` looks them up at run time.
#[derive(Debug, Default)]
pub struct GlobalNames {
    map: rustc_hash::FxHashMap<Rc<str>, u32>,
    names: Vec<Rc<str>>,
}

impl GlobalNames {
    /// The index of `name`, adding it when new.
    pub fn index(&mut self, name: &Rc<str>) -> u32 {
        if let Some(&i) = self.map.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.clone());
        self.map.insert(name.clone(), i);
        i
    }
    /// The index of `name` if known.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.map.get(name).copied()
    }
    /// The name at index `i`.
    pub fn name(&self, i: u32) -> &Rc<str> {
        &self.names[i as usize]
    }
    /// Whether the name at index `i` is this very string (not just equal text): an attribute
    /// site's remembered index checked in one comparison (names in code are interned).
    pub fn is_at(&self, i: u32, name: &Rc<str>) -> bool {
        self.names
            .get(i as usize)
            .is_some_and(|n| Rc::ptr_eq(n, name))
    }
    /// Number of names.
    pub fn len(&self) -> usize {
        self.names.len()
    }
    /// Whether there are no names.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

pub use resolve::{compile_module, CompileMode};
