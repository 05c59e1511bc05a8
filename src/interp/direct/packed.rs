//! The compiled closures' types. A closure's result crosses the call packed into a `u128`'s
//! two registers: Rust returns only scalars and scalar pairs in registers, and a
//! `PyResult<Value>` (a tag word, then a payload word) or a statement's `Result<Exit, Exc>`
//! is neither, so unpacked it would be written to the caller's stack as two words and read
//! back (often with one wider load, which stalls store-to-load forwarding) at every node.

use super::super::frame::Frame;
use super::super::Interp;
use super::Exit;
use crate::runtime::value::{Exc, Instance, PyResult, Value};
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::rc::Rc;

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

/// How a closure's result goes into the `u128` and back.
pub(crate) trait Packing: Sized {
    /// `v`, packed.
    fn pack(v: Self) -> MaybeUninit<u128>;
    /// The value packed by `pack`.
    ///
    /// # Safety
    /// `bits` must come from `Self::pack`.
    unsafe fn unpack(bits: MaybeUninit<u128>) -> Self;
}

/// Results whose two words are written as words: packed by copying their bytes.
macro_rules! packed_as_bytes {
    ($($t:ty),*) => {$(
        impl Packing for $t {
            #[inline(always)]
            fn pack(v: Self) -> MaybeUninit<u128> {
                Packed::pack(v).0
            }
            #[inline(always)]
            unsafe fn unpack(bits: MaybeUninit<u128>) -> Self {
                Packed::<Self>(bits, PhantomData).unpack()
            }
        }
    )*};
}

packed_as_bytes!(PyResult<Value>, Result<Exit, Exc>);

/// A truth is packed by arithmetic, not through memory: written to memory it would be two
/// byte stores (the tag, the bool) read back as one word, which the CPU cannot forward from
/// the stores (a stall of a dozen cycles at every test). Low word 0 / 1: `Ok(false / true)`;
/// 2: `Err`, with the exception's pointer in the high word.
impl Packing for PyResult<bool> {
    #[inline(always)]
    fn pack(v: Self) -> MaybeUninit<u128> {
        MaybeUninit::new(match v {
            Ok(b) => b as u128,
            Err(e) => 2 | ((Rc::into_raw(e.0) as usize as u128) << 64),
        })
    }
    #[inline(always)]
    unsafe fn unpack(bits: MaybeUninit<u128>) -> Self {
        // SAFETY: `pack` initialised all 128 bits.
        let bits = unsafe { bits.assume_init() };
        match bits as u64 {
            0 => Ok(false),
            1 => Ok(true),
            // SAFETY: `pack` put there a pointer from `Rc::into_raw`, taken back once.
            _ => Err(Exc(unsafe {
                Rc::from_raw((bits >> 64) as usize as *const Instance)
            })),
        }
    }
}

macro_rules! compiled_fn {
    ($(#[$doc:meta])* $name:ident -> $out:ty) => {
        $(#[$doc])*
        pub(crate) struct $name(Box<dyn Fn(&mut Interp, &mut Frame) -> MaybeUninit<u128>>);

        impl $name {
            /// Boxes `f`, its results packed.
            #[inline(always)]
            pub(crate) fn new(f: impl Fn(&mut Interp, &mut Frame) -> $out + 'static) -> $name {
                $name(Box::new(move |it, fr| <$out as Packing>::pack(f(it, fr))))
            }

            /// Runs it.
            #[inline(always)]
            pub(crate) fn call(&self, it: &mut Interp, fr: &mut Frame) -> $out {
                // SAFETY: the closure's result was made by `pack` of the same type.
                unsafe { <$out as Packing>::unpack((self.0)(it, fr)) }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truths_and_errors_come_back_as_packed() {
        for b in [false, true] {
            // SAFETY: unpacked from its own packing.
            let back = unsafe { <PyResult<bool>>::unpack(<PyResult<bool>>::pack(Ok(b))) };
            assert_eq!(back.ok(), Some(b));
        }
        let e = crate::runtime::exceptions::err("ValueError", "bad");
        let held = Rc::clone(&e.0);
        // SAFETY: unpacked from its own packing.
        let back = unsafe { <PyResult<bool>>::unpack(<PyResult<bool>>::pack(Err(e))) };
        let Err(back) = back else {
            panic!("an error packed came back as a truth")
        };
        assert!(Rc::ptr_eq(&back.0, &held));
        // The count went across with the pointer: no count was lost or added.
        assert_eq!(Rc::strong_count(&held), 2);
    }
}
