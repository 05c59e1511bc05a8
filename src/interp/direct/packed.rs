//! The compiled closures' types. A closure's result crosses the call packed into a `u128`'s
//! two registers: Rust returns only scalars and scalar pairs in registers, and a
//! `PyResult<Value>` (a tag word, then a payload word) or a statement's `Result<Exit, Exc>`
//! is neither, so unpacked it would be written to the caller's stack as two words and read
//! back (often with one wider load, which stalls store-to-load forwarding) at every node.

use super::super::frame::Frame;
use super::super::Interp;
use super::Exit;
use crate::runtime::value::{Exc, PyResult, Value};
use std::marker::PhantomData;
use std::mem::MaybeUninit;

/// A value of `T` (at most 16 bytes) carried in a `u128`'s registers.
#[repr(transparent)]
pub(crate) struct Packed<T>(MaybeUninit<u128>, PhantomData<T>);

impl<T> Packed<T> {
    const FITS: () = assert!(
        std::mem::size_of::<T>() <= 16 && std::mem::align_of::<T>() <= 16,
        "a packed result must fit a u128"
    );

    /// `v`, packed.
    #[inline(always)]
    pub(crate) fn pack(v: T) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::FITS;
        let mut out = MaybeUninit::<u128>::uninit();
        // SAFETY: `T` fits the buffer in size and alignment (checked at compile time); the
        // bytes are only ever read back as the `T` written here.
        unsafe { std::ptr::write(out.as_mut_ptr() as *mut T, v) };
        Packed(out, PhantomData)
    }

    /// The value packed.
    #[inline(always)]
    pub(crate) fn unpack(self) -> T {
        // SAFETY: a `Packed<T>` is only made by `pack`, which wrote a `T` at the start.
        unsafe { std::ptr::read(self.0.as_ptr() as *const T) }
    }
}

macro_rules! compiled_fn {
    ($(#[$doc:meta])* $name:ident -> $out:ty) => {
        $(#[$doc])*
        pub(crate) struct $name(Box<dyn Fn(&mut Interp, &mut Frame) -> Packed<$out>>);

        impl $name {
            /// Boxes `f`, its results packed.
            #[inline(always)]
            pub(crate) fn new(f: impl Fn(&mut Interp, &mut Frame) -> $out + 'static) -> $name {
                $name(Box::new(move |it, fr| Packed::pack(f(it, fr))))
            }

            /// Runs it.
            #[inline(always)]
            pub(crate) fn call(&self, it: &mut Interp, fr: &mut Frame) -> $out {
                (self.0)(it, fr).unpack()
            }
        }
    };
}

compiled_fn!(
    /// An expression compiled to a closure.
    ExprFn -> PyResult<Value>
);
compiled_fn!(
    /// A statement compiled to a closure; an error comes back with the frame's traceback line.
    StmtFn -> Result<Exit, Exc>
);
compiled_fn!(
    /// A test compiled to a closure giving its truth: a comparison of ints gives it without
    /// making the bool value.
    CondFn -> PyResult<bool>
);
