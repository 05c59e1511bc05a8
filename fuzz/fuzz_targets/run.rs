//! Fuzzes parse + compile + run on the virtual clock under a step, memory and task budget, so
//! every input ends quickly: any source must run to an exit code, never panic, hang or
//! overflow the Rust stack.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = aio::decode_source(data) else {
        return;
    };
    let options = aio::RunOptions {
        virtual_time: true,
        limits: aio::Limits {
            max_steps: Some(20_000),
            max_memory: Some(64 << 20),
            max_tasks: Some(1_000),
        },
    };
    aio::with_big_stack(move || {
        aio::run_program_to("<fuzz>", text, &options, Box::new(std::io::sink()))
    });
});
