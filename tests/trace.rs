//! `--trace` and `--timeline` on the tutorial's examples: the Chrome trace is well formed (one
//! track per task, a task's slices never overlap, every flow arrow joins two slices, timestamps
//! grow along each track) and byte-identical across runs on the virtual clock; the timeline page,
//! opened in headless Chromium, draws the lanes and steps the trace records.

use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn out_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("trace");
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Runs aio with `args` on `script`, checking it succeeds.
fn aio(args: &[&str], script: &Path, virtual_time: bool) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_aio"));
    cmd.args(args).arg(script).env_remove("AIO_VIRTUAL_TIME");
    if virtual_time {
        cmd.arg("--virtual-time");
    }
    let out = cmd.output().expect("aio runs");
    assert!(
        out.status.success(),
        "aio {args:?} {} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn num(e: &Value, k: &str) -> f64 {
    e[k].as_f64()
        .unwrap_or_else(|| panic!("{k} is a number in {e}"))
}

/// Checks the trace's invariants; returns the number of step slices per task name.
fn check_trace(doc: &Value, what: &str) -> BTreeMap<String, usize> {
    let events = doc["traceEvents"].as_array().expect("traceEvents array");
    let mut names: HashMap<u64, String> = HashMap::new();
    for e in events {
        if e["ph"] == "M" && e["name"] == "thread_name" {
            let tid = e["tid"].as_u64().expect("tid");
            let name = e["args"]["name"].as_str().expect("name").to_string();
            assert!(
                names.insert(tid, name).is_none(),
                "{what}: two tracks named for tid {tid}"
            );
        }
    }
    // One track per task: every created task has its own named track.
    let created: Vec<u64> = events
        .iter()
        .filter(|e| e["ph"] == "i" && e["name"] == "create")
        .map(|e| e["tid"].as_u64().expect("tid"))
        .collect();
    let mut uniq = created.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), created.len(), "{what}: a task created twice");
    assert!(!created.is_empty(), "{what}: no tasks recorded");
    for tid in &created {
        assert!(
            names.contains_key(tid),
            "{what}: task track {tid} has no name"
        );
    }
    // Slices per track: in file order, never overlapping, timestamps growing.
    let mut slices: HashMap<u64, Vec<(f64, f64)>> = HashMap::new();
    for e in events.iter().filter(|e| e["ph"] == "X") {
        let tid = e["tid"].as_u64().expect("tid");
        let (ts, dur) = (num(e, "ts"), num(e, "dur"));
        assert!(dur >= 0.0, "{what}: negative duration in {e}");
        let list = slices.entry(tid).or_default();
        if let Some(&(s, d)) = list.last() {
            assert!(ts >= s, "{what}: timestamps go back on track {tid}");
            assert!(ts >= s + d, "{what}: slices overlap on track {tid}: {e}");
        }
        list.push((ts, dur));
    }
    // Every flow arrow joins two existing slices.
    let mut starts: HashMap<u64, (u64, f64)> = HashMap::new();
    let mut flows = 0;
    let inside = |tid: u64, ts: f64| {
        slices
            .get(&tid)
            .is_some_and(|l| l.iter().any(|&(s, d)| s <= ts && ts <= s + d))
    };
    for e in events {
        let ph = e["ph"].as_str().unwrap_or("");
        if ph != "s" && ph != "f" {
            continue;
        }
        let id = e["id"].as_u64().expect("flow id");
        let tid = e["tid"].as_u64().expect("tid");
        let ts = num(e, "ts");
        assert!(inside(tid, ts), "{what}: flow end outside any slice: {e}");
        if ph == "s" {
            assert!(
                starts.insert(id, (tid, ts)).is_none(),
                "{what}: flow {id} twice"
            );
        } else {
            let (_, sts) = starts.remove(&id).expect("flow finish after its start");
            assert!(sts <= ts, "{what}: flow {id} goes back in time");
            flows += 1;
        }
    }
    assert!(starts.is_empty(), "{what}: flows without a finish");
    assert!(flows > 0, "{what}: no wake-up arrows");
    let mut per_task = BTreeMap::new();
    for (tid, list) in &slices {
        if *tid != 0 {
            per_task.insert(names[tid].clone(), list.len());
        }
    }
    per_task
}

const EXAMPLES: &[&str] = &[
    "07_say_after",
    "08_create_task",
    "09_gather_factorial",
    "10_shield",
    "12_wait",
];

#[test]
fn traces_of_the_tutorial_examples_are_well_formed_and_reproducible() {
    let dir = out_dir();
    let hms = regex::bytes::Regex::new(r"\d\d:\d\d:\d\d").unwrap();
    for name in EXAMPLES {
        let script = root().join("examples").join(format!("{name}.aio"));
        let a = dir.join(format!("{name}.a.json"));
        let b = dir.join(format!("{name}.b.json"));
        aio(&["--trace", a.to_str().unwrap()], &script, true);
        aio(&["--trace", b.to_str().unwrap()], &script, true);
        let ta = std::fs::read(&a).expect("trace written");
        let tb = std::fs::read(&b).expect("trace written");
        // 07 and 08 print the wall-clock time (`time.strftime('%X')`), which the virtual clock
        // starts at the real time: only those printed texts may differ.
        assert!(
            hms.replace_all(&ta, &b"HH:MM:SS"[..]) == hms.replace_all(&tb, &b"HH:MM:SS"[..]),
            "{name}: two virtual-clock traces differ"
        );
        let doc: Value = serde_json::from_slice(&ta).expect("valid JSON");
        check_trace(&doc, name);
    }
}

#[test]
fn a_real_clock_trace_is_well_formed() {
    let script = root().join("examples/10_shield.aio");
    let path = out_dir().join("real.json");
    aio(&["--trace", path.to_str().unwrap()], &script, false);
    let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    check_trace(&doc, "10_shield on the real clock");
}

#[test]
fn the_gather_trace_shows_three_tasks_taking_turns() {
    let script = root().join("examples/09_gather_factorial.aio");
    let path = out_dir().join("gather.json");
    aio(&["--trace", path.to_str().unwrap()], &script, true);
    let doc: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let steps = check_trace(&doc, "gather");
    let want: BTreeMap<String, usize> = [
        ("Task-1 main()", 2),
        ("Task-2 factorial()", 2),
        ("Task-3 factorial()", 3),
        ("Task-4 factorial()", 4),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(steps, want);
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|c| {
            let out = Command::new("which").arg(c).output().ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

fn chromium_cmd(exe: &Path, profile: &Path) -> Command {
    let mut cmd = Command::new(exe);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    cmd
}

/// The gather example's page, rendered by a real browser: one lane per task, and in each lane
/// as many running steps as the trace of the same run records. A screenshot is kept in
/// `target/tmp/trace/timeline_gather.png`.
#[test]
fn the_timeline_page_draws_the_lanes_and_steps_in_chromium() {
    let Some(exe) = chromium() else {
        assert!(
            std::env::var_os("AIO_REQUIRE_CHROMIUM").is_none(),
            "AIO_REQUIRE_CHROMIUM is set but no chromium is installed"
        );
        eprintln!("skipped: chromium is not installed (.ci/run installs it)");
        return;
    };
    let dir = out_dir();
    let script = root().join("examples/09_gather_factorial.aio");
    let page = dir.join("timeline_gather.html");
    let trace = dir.join("timeline_gather.json");
    aio(
        &[
            "--timeline",
            page.to_str().unwrap(),
            "--trace",
            trace.to_str().unwrap(),
        ],
        &script,
        true,
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&trace).unwrap()).unwrap();
    let steps = check_trace(&doc, "gather");
    let url = format!("file://{}", page.display());
    let profile = dir.join("chromium-profile");
    let out = chromium_cmd(&exe, &profile)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(dom.contains("<svg"), "the page drew nothing:\n{dom}");
    // Lanes are sibling groups in task order; count each lane's running steps.
    let mut lanes: BTreeMap<String, usize> = BTreeMap::new();
    for part in dom.split("<g class=\"lane task-lane\"").skip(1) {
        let name = part
            .split("data-task=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a lane names its task")
            .to_string();
        let lane = part.split("<g class=\"lane ").next().unwrap_or(part);
        let lane = lane.split("<g id=\"wakes\"").next().unwrap_or(lane);
        lanes.insert(name, lane.matches("class=\"run\"").count());
    }
    let want: BTreeMap<String, usize> = steps
        .iter()
        .map(|(k, v)| (k.split(' ').next().unwrap().to_string(), *v))
        .collect();
    assert_eq!(
        lanes.len(),
        4,
        "three factorial lanes and main's: {lanes:?}"
    );
    assert_eq!(lanes, want, "steps drawn per lane vs. the trace");
    assert_eq!(lanes["Task-1"], 2, "main runs before and after the gather");
    assert_eq!(dom.matches("data-line=\"").count(), 10, "ten printed lines");
    let shot = dir.join("timeline_gather.png");
    let _ = std::fs::remove_file(&shot);
    let out = chromium_cmd(&exe, &profile)
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1400,600")
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
