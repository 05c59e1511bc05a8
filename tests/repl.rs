//! The REPL driven through a pseudo-terminal, as a person would use it: multi-line input,
//! top-level await, tasks that outlive a prompt, errors, Ctrl-C, Tab completion, Ctrl-D.

use rexpect::session::{spawn_command, PtySession};
use std::process::Command;

fn start(home: &std::path::Path, extra: &[&str]) -> PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aio"));
    cmd.args(extra)
        .env("HOME", home)
        .env("TERM", "xterm")
        .env_remove("AIO_VIRTUAL_TIME");
    let mut p = spawn_command(cmd, Some(10_000)).expect("aio starts in a pty");
    p.exp_string("Ctrl-D").expect("banner");
    p.exp_string(">>> ").expect("first prompt");
    p
}

/// Types a line and gives the line editor a moment to take it, as a person would (input typed
/// ahead of a prompt is discarded by the line editor).
fn type_line(p: &mut PtySession, line: &str) {
    p.send_line(line).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(250));
}

/// Sends a control key once the line editor is waiting for input.
fn control(p: &mut PtySession, c: char) {
    std::thread::sleep(std::time::Duration::from_millis(250));
    p.send_control(c).unwrap();
}

fn home(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("aio_repl_{name}_{}", std::process::id()));
    let _ = std::fs::create_dir_all(&d);
    d
}

#[test]
fn multi_line_async_def_then_top_level_await() {
    let h = home("await");
    let mut p = start(&h, &[]);
    // Each line is typed after its prompt shows, as a person would (the line editor discards
    // input typed ahead of the prompt).
    type_line(&mut p, "async def twice(x):");
    type_line(&mut p, "    await asyncio.sleep(0.01)");
    type_line(&mut p, "    return x * 2");
    type_line(&mut p, "");
    type_line(&mut p, "await twice(21) + 1000");
    p.exp_string("1042").unwrap();
    type_line(&mut p, "_ + 1");
    p.exp_string("1043").unwrap();
    control(&mut p, 'd');
    p.exp_eof().unwrap();
}

#[test]
fn task_created_at_one_prompt_runs_and_is_awaited_later() {
    let h = home("task");
    let mut p = start(&h, &[]);
    type_line(
        &mut p,
        "async def later(): await asyncio.sleep(0.2); print('tick', 6 * 7); return 'ret' + 'urned'",
    );
    type_line(&mut p, "");
    type_line(&mut p, "t = asyncio.create_task(later())");
    // The task runs while the prompt waits for input.
    p.exp_string("tick 42").unwrap();
    type_line(&mut p, "await t");
    p.exp_string("'returned'").unwrap();
    control(&mut p, 'd');
    p.exp_eof().unwrap();
}

#[test]
fn an_exception_prints_a_traceback_and_the_prompt_goes_on() {
    let h = home("exc");
    let mut p = start(&h, &[]);
    type_line(&mut p, "1 / 0");
    p.exp_string("ZeroDivisionError: division by zero").unwrap();
    p.exp_string(">>> ").unwrap();
    type_line(&mut p, "print(6 * 7)");
    p.exp_string("42").unwrap();
    type_line(&mut p, "if True");
    p.exp_string("SyntaxError: expected ':'").unwrap();
    type_line(&mut p, "print(100 + 1)");
    p.exp_string("101").unwrap();
    control(&mut p, 'd');
    p.exp_eof().unwrap();
}

/// Lets what was typed run a moment, presses Ctrl-C, and expects the KeyboardInterrupt and the
/// next prompt within a second.
fn interrupt_within_a_second(p: &mut PtySession) {
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_control('c').unwrap();
    let t = std::time::Instant::now();
    p.exp_string("KeyboardInterrupt").unwrap();
    p.exp_string(">>> ").unwrap();
    assert!(
        t.elapsed() < std::time::Duration::from_secs(1),
        "took {:?}",
        t.elapsed()
    );
}

#[test]
fn ctrl_c_interrupts_a_long_await_within_a_second() {
    let h = home("ctrlc");
    let mut p = start(&h, &[]);
    type_line(&mut p, "await asyncio.sleep(100)");
    interrupt_within_a_second(&mut p);
    type_line(&mut p, "print(2 + 40)");
    p.exp_string("42").unwrap();
    control(&mut p, 'd');
    p.exp_eof().unwrap();
}

#[test]
fn ctrl_c_interrupts_a_busy_loop_within_a_second() {
    let h = home("ctrlc_loop");
    let mut p = start(&h, &[]);
    type_line(&mut p, "n = 0");
    type_line(&mut p, "while True:");
    type_line(&mut p, "    n += 1");
    type_line(&mut p, "");
    interrupt_within_a_second(&mut p);
    type_line(&mut p, "print(n > 0)");
    p.exp_string("True").unwrap();
    control(&mut p, 'd');
    p.exp_eof().unwrap();
}

#[test]
fn tab_completes_attributes_after_a_dot() {
    let h = home("tab");
    let mut p = start(&h, &[]);
    p.send("asyncio.ga").unwrap();
    p.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(250));
    p.send("\t").unwrap();
    p.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(250));
    p.send("\r").unwrap();
    p.flush().unwrap();
    p.exp_string("<function gather").unwrap();
    control(&mut p, 'd');
    p.exp_eof().unwrap();
}

#[test]
fn ctrl_d_exits_with_status_zero_and_history_is_kept() {
    let h = home("eof");
    let mut p = start(&h, &[]);
    type_line(&mut p, "x = 40 + 2");
    control(&mut p, 'd');
    p.exp_eof().unwrap();
    let status = p.process.wait().unwrap();
    let shown = format!("{status:?}");
    assert!(
        shown.contains("Exited") && shown.ends_with(", 0)"),
        "{shown}"
    );
    let hist = std::fs::read_to_string(h.join(".aio_history")).unwrap_or_default();
    assert!(hist.contains("x = 40 + 2"), "history: {hist:?}");
}

#[test]
fn dash_i_runs_the_file_then_opens_the_prompt_with_its_names() {
    let h = home("dashi");
    let script = h.join("s.aio");
    std::fs::write(
        &script,
        "import sys\nvalue = 6 * 7\nprint('ran the file', sys.argv[0].endswith('s.aio'), sys.argv[1:])\n",
    )
    .unwrap();
    let mut p = {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_aio"));
        cmd.arg("-i")
            .arg(&script)
            .arg("extra")
            .env("HOME", &h)
            .env("TERM", "xterm");
        spawn_command(cmd, Some(10_000)).unwrap()
    };
    p.exp_string("ran the file True ['extra']").unwrap();
    p.exp_string(">>> ").unwrap();
    type_line(&mut p, "print(value + 1000)");
    p.exp_string("1042").unwrap();
    control(&mut p, 'd');
    p.exp_eof().unwrap();
}

#[test]
fn a_deadlocked_await_prints_the_report_and_tasks_lists_waiters() {
    let h = home("deadlock");
    let mut p = start(&h, &[]);
    type_line(&mut p, "ev = asyncio.Event()");
    type_line(&mut p, "async def waiter(): await ev.wait()");
    type_line(&mut p, "");
    type_line(&mut p, "t = asyncio.create_task(waiter())");
    type_line(&mut p, ":tasks");
    p.exp_string("waits for Event.wait() on the Event created at line 1")
        .unwrap();
    p.exp_string(">>> ").unwrap();
    type_line(&mut p, "await t");
    p.exp_string("aio: deadlock: no task can make progress")
        .unwrap();
    p.exp_string("waits for Task-").unwrap();
    p.exp_string(">>> ").unwrap();
    // The prompt still works, and the waiter can still be released.
    type_line(&mut p, "ev.set(); await t; print('released', 6 * 7)");
    p.exp_string("released 42").unwrap();
    control(&mut p, 'd');
    p.exp_eof().unwrap();
}

#[test]
fn tasks_lists_a_sleeping_task_with_its_sleep() {
    // A task's `await asyncio.sleep(d)` keeps no future while it sleeps; `:tasks` still
    // names the sleep (the stand-in future the loop makes for reports).
    let h = home("sleeping");
    let mut p = start(&h, &[]);
    type_line(&mut p, "async def napper(): await asyncio.sleep(30)");
    type_line(&mut p, "");
    type_line(&mut p, "t = asyncio.create_task(napper())");
    type_line(&mut p, ":tasks");
    p.exp_string("waits for asyncio.sleep(30.0), due at loop time")
        .unwrap();
    p.exp_string(">>> ").unwrap();
    type_line(&mut p, "t.cancel(); print('cancelled', 6 * 7)");
    p.exp_string("cancelled 42").unwrap();
    control(&mut p, 'd');
    p.exp_eof().unwrap();
}
