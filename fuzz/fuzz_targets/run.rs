//! Fuzzes parse + compile + run on the virtual clock under a step, memory and task budget, so
//! every input ends quickly: any source must run to an exit code, never panic, hang or
//! overflow the Rust stack.
//!
//! Inputs run on one long-lived worker thread with the interpreter's deep stack, as an embedder
//! that runs many programs would: starting a 1 GiB-stack thread per input costs more than most
//! inputs take to run, and reusing the thread also checks that one run leaves nothing behind
//! that breaks or bloats the next.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Mutex, OnceLock};

/// A source to run, and where to send back that the run ended.
type Job = (String, Sender<()>);

/// The worker thread's inbox.
fn worker() -> &'static Mutex<Sender<Job>> {
    static WORKER: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name("aio-fuzz-run".into())
            .stack_size(aio::INTERPRETER_STACK)
            .spawn(move || serve(rx))
            .expect("the worker thread starts");
        Mutex::new(tx)
    })
}

/// Runs each job as the CLI would, with a budget that ends every input quickly.
fn serve(rx: Receiver<Job>) {
    let options = aio::RunOptions {
        virtual_time: true,
        limits: aio::Limits {
            max_steps: Some(20_000),
            max_memory: Some(64 << 20),
            max_tasks: Some(1_000),
        },
        ..aio::RunOptions::default()
    };
    for (text, done) in rx {
        aio::run_program_to("<fuzz>", text, &options, Box::new(std::io::sink()));
        let _ = done.send(());
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = aio::decode_source(data) else {
        return;
    };
    let (done_tx, done_rx) = channel();
    worker()
        .lock()
        .expect("the inbox lock is never poisoned")
        .send((text, done_tx))
        .expect("the worker is alive");
    // A panic on the worker drops `done_tx` unsent: re-raise it here, where libFuzzer sees it.
    if done_rx.recv().is_err() {
        panic!("the interpreter panicked on this input (see the worker's message above)");
    }
});
