//! The `aio` command: run a file, a `-c` string, or standard input; exit codes as CPython's.

use clap::Parser;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;

/// aio runs Python-subset scripts with async/await on its own event loop.
#[derive(Parser, Debug)]
#[command(name = "aio", version, about, long_about = None)]
struct Cli {
    /// Program passed in as a string.
    #[arg(short = 'c', value_name = "CODE")]
    command: Option<String>,
    /// Run the script, then start the interactive prompt with its names.
    #[arg(short = 'i')]
    inspect: bool,
    /// Run on the virtual clock: waiting takes no real time (also AIO_VIRTUAL_TIME=1).
    #[arg(long = "virtual-time")]
    virtual_time: bool,
    /// Record the schedule as a Chrome trace (JSON for Perfetto UI / chrome://tracing).
    #[arg(long = "trace", value_name = "FILE.json")]
    trace: Option<PathBuf>,
    /// Draw the schedule as a self-contained HTML page, one lane per task.
    #[arg(long = "timeline", value_name = "FILE.html")]
    timeline: Option<PathBuf>,
    /// Stop the run after N steps (statements executed, calls made, items iterated).
    #[arg(long = "max-steps", value_name = "N")]
    max_steps: Option<u64>,
    /// Stop the run when the interpreter holds more than BYTES of memory.
    #[arg(long = "max-memory", value_name = "BYTES")]
    max_memory: Option<usize>,
    /// Stop the run when more than N tasks are alive at once.
    #[arg(long = "max-tasks", value_name = "N")]
    max_tasks: Option<usize>,
    /// The script to run.
    file: Option<PathBuf>,
    /// Arguments for the script (`sys.argv[1:]`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

fn main() {
    aio::memory::tune_allocator();
    let cli = Cli::parse();
    let virtual_time = cli.virtual_time
        || std::env::var("AIO_VIRTUAL_TIME").is_ok_and(|v| !v.is_empty() && v != "0");
    let interactive = cli.command.is_none() && cli.file.is_none() && std::io::stdin().is_terminal();
    if interactive {
        let code = aio::with_big_stack(move || aio::repl::run(None, virtual_time, &[]));
        std::process::exit(code);
    }
    // sys.argv as CPython builds it: `-c`, the script as given, or '' for stdin; then the rest.
    let mut argv = vec![match (&cli.command, &cli.file) {
        (Some(_), _) => "-c".to_string(),
        (None, Some(path)) => path.display().to_string(),
        (None, None) => String::new(),
    }];
    if cli.command.is_some() {
        argv.extend(cli.file.iter().map(|p| p.display().to_string()));
    }
    argv.extend(cli.args.iter().cloned());
    let (name, text) = if let Some(code) = cli.command {
        ("<string>".to_string(), code)
    } else if let Some(path) = cli.file {
        // CPython joins a relative path to the working directory as it was given (`./x.py`
        // stays `/cwd/./x.py`) for `__file__` and tracebacks.
        let shown = match std::env::current_dir() {
            Ok(cwd) if path.is_relative() => cwd.join(&path),
            _ => std::path::absolute(&path).unwrap_or(path.clone()),
        };
        match std::fs::read(&path) {
            Ok(bytes) => match aio::decode_source(&bytes) {
                Ok(t) => (shown.display().to_string(), t),
                Err(msg) => {
                    let shown = shown.display().to_string();
                    let msg = aio::non_utf8_file_message(&bytes, &shown).unwrap_or(msg);
                    eprintln!("SyntaxError: {msg}");
                    std::process::exit(1);
                }
            },
            Err(e) => {
                let errno = e.raw_os_error().unwrap_or(2);
                let what = match e.kind() {
                    std::io::ErrorKind::NotFound => "No such file or directory".to_string(),
                    std::io::ErrorKind::PermissionDenied => "Permission denied".to_string(),
                    _ => e.to_string(),
                };
                eprintln!(
                    "aio: can't open file '{}': [Errno {errno}] {what}",
                    shown.display()
                );
                std::process::exit(2);
            }
        }
    } else {
        let stdin = std::io::stdin();
        let mut bytes = Vec::new();
        if let Err(e) = stdin.lock().read_to_end(&mut bytes) {
            eprintln!("aio: cannot read standard input: {e}");
            std::process::exit(2);
        }
        match aio::decode_source(&bytes) {
            Ok(t) => ("<stdin>".to_string(), t),
            Err(msg) => {
                eprintln!("SyntaxError: {msg}");
                std::process::exit(1);
            }
        }
    };
    if cli.inspect {
        let code =
            aio::with_big_stack(move || aio::repl::run(Some((name, text)), virtual_time, &argv));
        std::process::exit(code);
    }
    // Ctrl-C becomes KeyboardInterrupt at the next statement, so what the program printed is
    // flushed and its traceback shown; a second Ctrl-C while the first waits ends at once.
    let _ = ctrlc::set_handler(|| {
        if aio::repl::INTERRUPT.swap(true, std::sync::atomic::Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    let options = aio::RunOptions {
        virtual_time,
        limits: aio::Limits {
            max_steps: cli.max_steps,
            max_memory: cli.max_memory,
            max_tasks: cli.max_tasks,
        },
        observe: aio::Observe {
            trace: cli.trace,
            timeline: cli.timeline,
        },
        argv,
    };
    let code = aio::with_big_stack(move || aio::run_program_with(&name, text, &options));
    std::process::exit(code);
}
