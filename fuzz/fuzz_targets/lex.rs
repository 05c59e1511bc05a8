//! Fuzzes the lexer and layout pass: any bytes, decoded as aio decodes a source file, must
//! tokenize or fail with a SyntaxError, never panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = aio::decode_source(data) {
        let _ = aio::syntax::layout::tokenize(&text, 0, aio::syntax::token::Tok::StartModule);
    }
});
