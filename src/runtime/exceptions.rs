//! Creating and inspecting exception instances.

use super::types::types;
use super::value::{Class, Exc, ExcData, Instance, Value};
use std::cell::RefCell;
use std::rc::Rc;

/// A new exception instance of `class` with these `args`.
pub fn new_exception(class: Rc<Class>, args: Vec<Value>) -> Exc {
    let e = Rc::new(Instance {
        class,
        attrs: RefCell::new(Default::default()),
        exc: Some(RefCell::new(ExcData {
            args,
            ..Default::default()
        })),
        base_value: RefCell::new(None),
    });
    super::gc::track(&e);
    Exc(e)
}

/// A builtin exception by class name with a message.
pub fn err(class: &str, msg: impl Into<String>) -> Exc {
    new_exception(types().exc(class), vec![Value::str(&msg.into())])
}

/// A `TypeError`.
pub fn type_error(msg: impl Into<String>) -> Exc {
    err("TypeError", msg)
}

/// A `ValueError`.
pub fn value_error(msg: impl Into<String>) -> Exc {
    err("ValueError", msg)
}

/// An `AttributeError`.
pub fn attribute_error(msg: impl Into<String>) -> Exc {
    err("AttributeError", msg)
}

/// An `IndexError`.
pub fn index_error(msg: impl Into<String>) -> Exc {
    err("IndexError", msg)
}

/// A `ZeroDivisionError`.
pub fn zero_division(msg: impl Into<String>) -> Exc {
    err("ZeroDivisionError", msg)
}

/// A `StopIteration` carrying `value`.
pub fn stop_iteration(value: Value) -> Exc {
    let args = if value.is_none() { vec![] } else { vec![value] };
    new_exception(types().exc("StopIteration"), args)
}

/// A `KeyError` for `key`.
pub fn key_error(key: Value) -> Exc {
    new_exception(types().exc("KeyError"), vec![key])
}

impl Exc {
    /// The exception's class.
    pub fn class(&self) -> &Rc<Class> {
        &self.0.class
    }
    /// Whether it is an instance of the builtin class `name` (or a subclass).
    pub fn is(&self, name: &str) -> bool {
        self.0.class.is_subclass(&types().exc(name))
    }
    /// Whether this is aio's deadlock report: it ends the run, no `except` clause matches it,
    /// and it prints as its report rather than as a traceback.
    pub fn is_deadlock(&self) -> bool {
        Rc::ptr_eq(&self.0.class, &types().deadlock)
    }
    /// The exception state.
    pub fn data(&self) -> std::cell::RefMut<'_, ExcData> {
        self.0
            .exc
            .as_ref()
            .expect("an Exc always wraps an exception instance")
            .borrow_mut()
    }
    /// The exception as a value.
    pub fn value(&self) -> Value {
        Value::Instance(self.0.clone())
    }
    /// `args`.
    pub fn args(&self) -> Vec<Value> {
        self.data().args.clone()
    }
    /// `StopIteration.value`: the first argument or None.
    pub fn stop_value(&self) -> Value {
        self.data().args.first().cloned().unwrap_or(Value::None)
    }
    /// Records the failing sub-expression if none is recorded yet for the current frame.
    pub fn note_span(self, span: crate::source::Span) -> Exc {
        {
            let mut d = self.data();
            if d.pending_span.is_none() {
                d.pending_span = Some(span);
            }
        }
        self
    }
    /// Records a failing binary operation or subscript with its caret anchors.
    pub fn note_anchored(self, span: crate::source::Span, left_end: u32, right_start: u32) -> Exc {
        {
            let mut d = self.data();
            if d.pending_span.is_none() {
                d.pending_span = Some(span);
                d.pending_anchors = Some((left_end, right_start));
            }
        }
        self
    }
    /// Wraps an instance value, if it is an exception.
    pub fn from_value(v: &Value) -> Option<Exc> {
        match v {
            Value::Instance(i) if i.exc.is_some() => Some(Exc(i.clone())),
            _ => None,
        }
    }
}
