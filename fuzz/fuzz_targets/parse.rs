//! Fuzzes parse + compile (resolver and lowering): any source must give code or a SyntaxError,
//! never a panic, a hang or a stack overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = aio::decode_source(data) {
        aio::with_big_stack(move || {
            let _ = aio::check_program(&text);
        });
    }
});
