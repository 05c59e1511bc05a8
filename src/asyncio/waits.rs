//! What every waiting task waits on: its await stack (the frames from its coroutine to the
//! innermost `await`) and the object at the bottom of it (a task, a future, a `gather`, a sleep,
//! a lock or queue operation, with where that object was created). The deadlock report and the
//! REPL's `:tasks` listing are written from this.

use super::future::{FutState, Future, Site, Waits};
use crate::interp::generator::GenState;
use crate::interp::Interp;
use crate::runtime::value::{NativeIter, Value};
use std::fmt::Write as _;
use std::rc::Rc;

/// The heading line of a deadlock report.
pub const DEADLOCK_HEADING: &str = "aio: deadlock: no task can make progress";

/// One frame of a task's await stack.
#[derive(Clone, Debug)]
pub struct StackFrame {
    /// The file name, as tracebacks print it.
    pub file: Rc<str>,
    /// The 1-based line of the statement the frame is stopped at.
    pub line: u32,
    /// The function's qualified name.
    pub function: Rc<str>,
    /// The stripped text of that line.
    pub text: String,
}

/// Whether code from this file is aio's own (the asyncio library written in aio).
pub fn is_library_file(name: &str) -> bool {
    name.starts_with("<aio ")
}

/// The frames a suspended coroutine is stopped in, outermost first, following `await`
/// delegation to the innermost coroutine. aio's own library frames are left out.
pub fn await_stack(coro: &Value) -> Vec<StackFrame> {
    let mut out = Vec::new();
    let mut cur = coro.clone();
    // Bounded: a delegation chain is at most as long as the Python stack that built it.
    for _ in 0..10_000 {
        let g = match &cur {
            Value::Generator(g) => g.clone(),
            Value::Iter(it) => match &*it.borrow() {
                NativeIter::CoroWrapper(g) => g.clone(),
                _ => break,
            },
            _ => break,
        };
        let state = g.state.borrow();
        let GenState::Suspended(frame) = &*state else {
            break;
        };
        let src = &frame.code.source;
        if !is_library_file(&src.name) {
            {
                if let Some(stmt) = frame.suspended_stmt() {
                    let line = src.line_of(stmt.span.start);
                    out.push(StackFrame {
                        file: Rc::from(src.name.as_str()),
                        line: line as u32,
                        function: frame.code.qualname.clone(),
                        text: src.line_text(line).trim().to_string(),
                    });
                }
            }
        }
        match &frame.delegate {
            Some(d) => {
                let next = d.clone();
                drop(state);
                cur = next;
            }
            None => break,
        }
    }
    out
}

/// The task a future is, if it is one.
fn as_task(f: &Rc<Future>) -> Option<&super::future::TaskData> {
    f.task.as_deref()
}

/// A task's name.
pub fn task_name(f: &Future) -> String {
    f.task
        .as_ref()
        .map(|t| t.name().to_string())
        .unwrap_or_else(|| "a Future".to_string())
}

fn site_text(site: &Site, here: Option<&str>) -> String {
    if here == Some(&*site.file) {
        format!("line {}", site.line)
    } else {
        format!("{}:{}", site.file, site.line)
    }
}

/// Describes what awaiting `fut` means, in a few words: `Task-3`, `gather(Task-2, Task-3)`,
/// `Event.wait() on the Event created at line 5`. `here` is the file of the waiting frame, so
/// sites in the same file print as just a line.
pub fn describe(fut: &Rc<Future>, here: Option<&str>) -> String {
    if let Some(t) = as_task(fut) {
        let state = match &*fut.state.borrow() {
            FutState::Pending => "",
            FutState::Cancelled(..) => " (cancelled)",
            _ => " (done)",
        };
        return format!("{}{state}", t.name());
    }
    let waits = fut.waits.borrow();
    match waits.as_deref() {
        None => "a Future".to_string(),
        Some(Waits::Created(site)) => format!("a Future created at {}", site_text(site, here)),
        Some(Waits::Sleep {
            delay, deadline, ..
        }) => {
            format!(
                "asyncio.sleep({}), due at loop time {deadline:.3}",
                crate::runtime::format::float_repr(*delay)
            )
        }
        Some(Waits::Group { what, of }) => {
            let names: Vec<String> = of
                .futures()
                .iter()
                .map(|f| match f {
                    Some(f) => describe(f, here),
                    None => "a finished Future".to_string(),
                })
                .collect();
            format!("{what}({})", names.join(", "))
        }
        Some(Waits::Primitive { what, site }) => {
            let kind = what.split('.').next().unwrap_or("");
            match site {
                Some(s) => format!("{what} on the {kind} created at {}", site_text(s, here)),
                None => what.to_string(),
            }
        }
    }
}

/// The futures a future waits for in turn: a task's awaited future, or a group's members.
fn next_hops(fut: &Rc<Future>) -> Vec<Rc<Future>> {
    if let Some(t) = as_task(fut) {
        if fut.done() {
            return Vec::new();
        }
        return t.fut_waiter.get().into_iter().collect();
    }
    match fut.waits.borrow().as_deref() {
        Some(Waits::Group { of, .. }) => of.futures().into_iter().flatten().collect(),
        _ => Vec::new(),
    }
}

/// The task-to-task wait edges from `task`: the pending tasks it waits for, directly or
/// through a group such as `gather`.
fn waited_tasks(task: &Rc<Future>) -> Vec<Rc<Future>> {
    let mut out = Vec::new();
    let mut todo = next_hops(task);
    let mut seen = 0;
    while let Some(f) = todo.pop() {
        seen += 1;
        if seen > 10_000 {
            break;
        }
        if f.task.is_some() {
            if !f.done() && !out.iter().any(|x: &Rc<Future>| Rc::ptr_eq(x, &f)) {
                out.push(f);
            }
        } else {
            todo.extend(next_hops(&f));
        }
    }
    out
}

/// Cycles in the task wait graph, each as a list of tasks (the first repeated at the end).
fn cycles(tasks: &[Rc<Future>]) -> Vec<Vec<Rc<Future>>> {
    let mut found: Vec<Vec<Rc<Future>>> = Vec::new();
    for start in tasks {
        // Follow single-successor paths and depth-first search back to `start`.
        let mut path = vec![start.clone()];
        let mut stack = vec![(start.clone(), 0usize)];
        let mut steps = 0;
        while let Some((node, i)) = stack.pop() {
            steps += 1;
            if steps > 100_000 {
                break;
            }
            path.truncate(stack.len() + 1);
            let succ = waited_tasks(&node);
            if i >= succ.len() {
                continue;
            }
            stack.push((node.clone(), i + 1));
            let s = succ[i].clone();
            if Rc::ptr_eq(&s, start) {
                let mut cyc = path.clone();
                cyc.push(s);
                // Report each cycle once: from its member created first.
                let first = cyc[..cyc.len() - 1]
                    .iter()
                    .map(|t| t.task.as_ref().map(|d| d.serial).unwrap_or(0))
                    .min()
                    .unwrap_or(0);
                if start.task.as_ref().map(|d| d.serial) == Some(first) {
                    found.push(cyc);
                }
                continue;
            }
            if path.iter().any(|p| Rc::ptr_eq(p, &s)) {
                continue;
            }
            path.push(s.clone());
            stack.push((s, 0));
        }
    }
    found
}

impl Interp {
    /// The pending tasks of the running loop, in creation order.
    pub fn pending_tasks(&self) -> Vec<Rc<Future>> {
        match self.event_loop.as_ref() {
            Some(l) => l.tasks.iter().filter(|t| !t.done()).cloned().collect(),
            None => Vec::new(),
        }
    }

    /// Lists every pending task with its await stack and what it waits on; `main` is marked.
    /// This is the body of the deadlock report and of the REPL's `:tasks`.
    pub fn tasks_report(&self, main: Option<&Rc<Future>>) -> String {
        let tasks = self.pending_tasks();
        let mut out = String::new();
        if tasks.is_empty() {
            out.push_str("no pending tasks\n");
            return out;
        }
        let cycles = cycles(&tasks);
        for t in &tasks {
            let Some(td) = &t.task else { continue };
            let stack = await_stack(&td.coro);
            let here = stack.last().map(|f| &*f.file);
            let is_main = main.is_some_and(|m| Rc::ptr_eq(m, t));
            let waiter = self.task_waiter(t);
            let what = match &waiter {
                Some(f) => format!("waits for {}", describe(f, here)),
                None if self.is_running(t) => "is running".to_string(),
                None => "is ready to run".to_string(),
            };
            let coro = match &td.coro {
                Value::Generator(g) => format!("{}()", g.code.qualname),
                _ => "?".to_string(),
            };
            let created = match td.created_at() {
                Some((code, pos)) => {
                    let site = Site {
                        file: Rc::from(code.source.name.as_str()),
                        line: code.source.line_of(pos) as u32,
                    };
                    format!(" created at {}", site_text(&site, here))
                }
                None => String::new(),
            };
            let role = if is_main { ", the main task" } else { "" };
            let _ = writeln!(out, "\n{} [{coro}{created}{role}] {what}", td.name());
            for f in &stack {
                let _ = writeln!(
                    out,
                    "  File \"{}\", line {}, in {}\n    {}",
                    f.file, f.line, f.function, f.text
                );
            }
            let in_cycle = cycles.iter().any(|c| c.iter().any(|x| Rc::ptr_eq(x, t)));
            let chain = self.chain_from(t);
            if chain.len() > 2 && !in_cycle {
                let names: Vec<String> = chain.iter().map(|f| task_name(f)).collect();
                let _ = writeln!(out, "  chain: {}", names.join(" → "));
            }
        }
        for cyc in &cycles {
            let names: Vec<String> = cyc.iter().map(|f| task_name(f)).collect();
            let _ = writeln!(out, "\ncycle: {}", names.join(" → "));
        }
        out
    }

    fn is_running(&self, t: &Rc<Future>) -> bool {
        self.event_loop
            .as_ref()
            .and_then(|l| l.current_task.as_ref())
            .is_some_and(|c| Rc::ptr_eq(c, t))
    }

    /// The tasks `t` waits for one after another while each waits for exactly one task,
    /// starting with `t` (and ending with the first repeat, for a cycle).
    fn chain_from(&self, t: &Rc<Future>) -> Vec<Rc<Future>> {
        let mut chain = vec![t.clone()];
        let mut cur = t.clone();
        while chain.len() < 1000 {
            let next = waited_tasks(&cur);
            if next.len() != 1 {
                break;
            }
            let n = next[0].clone();
            let repeat = chain.iter().any(|c| Rc::ptr_eq(c, &n));
            chain.push(n.clone());
            if repeat {
                break;
            }
            cur = n;
        }
        chain
    }

    /// The whole deadlock report: the heading, then every pending task.
    pub fn deadlock_report(&self, main: Option<&Rc<Future>>) -> String {
        let n = self.pending_tasks().len();
        format!(
            "{DEADLOCK_HEADING}\n{n} task{} waiting, nothing is scheduled to wake {}:\n{}",
            if n == 1 { " is" } else { "s are" },
            if n == 1 { "it" } else { "them" },
            self.tasks_report(main)
        )
    }

    /// Where the innermost call made from a program's own code (not aio's library) is.
    pub fn user_site(&self) -> Option<Site> {
        self.call_sites
            .iter()
            .rev()
            .find(|(code, _)| !is_library_file(&code.source.name))
            .map(|(code, pos)| Site {
                file: Rc::from(code.source.name.as_str()),
                line: code.source.line_of(*pos) as u32,
            })
    }
}
