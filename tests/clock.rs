//! The clock: the virtual clock jumps over waits and keeps wall-clock arithmetic exact; the real
//! clock really waits.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn aio(args: &[&str], virtual_time: bool) -> (String, String, i32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aio"));
    cmd.args(args)
        .current_dir(root())
        .env_remove("AIO_VIRTUAL_TIME");
    if virtual_time {
        cmd.env("AIO_VIRTUAL_TIME", "1");
    }
    let out = cmd.output().expect("aio runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

fn seconds_of(line: &str) -> u32 {
    let t = line
        .rsplit(' ')
        .next()
        .expect("a time at the end of the line");
    let parts: Vec<u32> = t.split(':').map(|p| p.parse().expect("HH:MM:SS")).collect();
    parts[0] * 3600 + parts[1] * 60 + parts[2]
}

/// The tutorial's `say_after` examples print their start and end times: on the virtual clock
/// the difference is exactly 3 s (sequential) and 2 s (concurrent tasks).
#[test]
fn tutorial_times_are_exact_on_the_virtual_clock() {
    for (example, secs) in [
        ("examples/07_say_after.aio", 3),
        ("examples/08_create_task.aio", 2),
    ] {
        let (out, err, code) = aio(&[example], true);
        assert_eq!(code, 0, "{example}: {err}");
        let lines: Vec<&str> = out.lines().collect();
        let start = seconds_of(lines.first().expect("started at"));
        let end = seconds_of(lines.last().expect("finished at"));
        assert_eq!((end + 86400 - start) % 86400, secs, "{example}:\n{out}");
    }
}

/// `--virtual-time` and `AIO_VIRTUAL_TIME=1` are the same switch.
#[test]
fn virtual_time_flag_and_environment_agree() {
    let (a, _, _) = aio(&["--virtual-time", "tests/clock/hour.aio"], false);
    let (b, _, _) = aio(&["tests/clock/hour.aio"], true);
    assert_eq!(a, b);
}

/// An hour of sleeping tasks prints what CPython prints (CPython runs a scaled-down copy:
/// only `UNIT` differs, and the program prints durations in units).
#[test]
fn a_virtual_hour_prints_what_cpython_prints() {
    let (out, err, code) = aio(&["tests/clock/hour.aio"], true);
    assert_eq!(code, 0, "{err}");
    let Ok(py) = Command::new("python3").arg("--version").output() else {
        return;
    };
    if !py.status.success() {
        return;
    }
    let src = std::fs::read_to_string(root().join("tests/clock/hour.aio")).expect("readable");
    let scaled = src.replace("UNIT = 3600", "UNIT = 0.05");
    let tmp = std::env::temp_dir().join(format!("aio_hour_{}.py", std::process::id()));
    std::fs::write(&tmp, scaled).expect("writable temp file");
    let py = Command::new("python3")
        .arg(&tmp)
        .output()
        .expect("python3 runs");
    let _ = std::fs::remove_file(&tmp);
    let py_out = String::from_utf8_lossy(&py.stdout).into_owned();
    // CPython really sleeps 50 ms units, so on a busy machine its measured hours may come out a
    // little long: those two numbers are compared within 0.2 units, every other line exactly.
    let (ours, theirs): (Vec<&str>, Vec<&str>) = (out.lines().collect(), py_out.lines().collect());
    assert_eq!(ours.len(), theirs.len(), "aio:\n{out}\npython3:\n{py_out}");
    for (a, b) in ours.iter().zip(&theirs) {
        match (a.split_once("hours: "), b.split_once("hours: ")) {
            (Some((ka, va)), Some((kb, vb))) => {
                let (x, y): (f64, f64) = (va.parse().unwrap(), vb.parse().unwrap());
                assert!(ka == kb && (x - y).abs() <= 0.2, "{a} vs python3's {b}");
            }
            _ => assert_eq!(a, b),
        }
    }
}

/// On the real clock, sleeping really waits.
#[test]
fn the_real_clock_really_waits() {
    let start = Instant::now();
    let (out, err, code) =
        aio(&["-c", "import asyncio, time\nt = time.monotonic()\nasyncio.run(asyncio.sleep(0.3))\ntime.sleep(0.1)\nprint(time.monotonic() - t >= 0.4)"], false);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "True\n");
    assert!(start.elapsed() >= Duration::from_millis(400));
}

/// On the virtual clock, `time.time()` moves by exactly the time slept.
#[test]
fn virtual_wall_clock_moves_by_the_sleep() {
    let (out, err, code) = aio(
        &["-c", "import asyncio, time\nt = time.time()\nasyncio.run(asyncio.sleep(7200))\ntime.sleep(5)\nprint(time.time() - t)"],
        true,
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "7205.0\n");
}
