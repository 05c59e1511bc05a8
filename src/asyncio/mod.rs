//! aio's own event loop: the clock, futures and tasks, and the loop that runs them in CPython
//! 3.11's order. The `asyncio` module built on them lives in `modules/asyncio.rs`.

pub mod clock;
pub mod event_loop;
pub mod future;
pub mod locks;
pub mod queue;
pub mod timeline;
pub mod trace;
pub mod trace_json;
pub mod waits;
