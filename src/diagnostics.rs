//! Errors as people read them: compile-time errors as miette diagnostics over the source, and
//! uncaught exceptions as CPython-format tracebacks.

use crate::interp::Interp;
use crate::runtime::value::{Exc, TbEntry, Value};
use crate::source::SourceFile;
use crate::syntax::SyntaxError;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode,
};
use std::fmt;
use std::rc::Rc;

/// A compile-time error ready for miette: CPython's class and message over a labelled snippet.
#[derive(Debug)]
pub struct SyntaxDiagnostic {
    title: String,
    label: String,
    help: Option<String>,
    src: NamedSource<String>,
    offset: usize,
    len: usize,
}

impl fmt::Display for SyntaxDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::error::Error for SyntaxDiagnostic {}

impl Diagnostic for SyntaxDiagnostic {
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.src)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.label.clone()),
            self.offset,
            self.len,
        ))))
    }
    fn help(&self) -> Option<Box<dyn fmt::Display + '_>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.clone()) as Box<dyn fmt::Display>)
    }
}

impl SyntaxDiagnostic {
    /// Builds the diagnostic for `e` in `file`.
    pub fn new(e: &SyntaxError, file: &SourceFile) -> SyntaxDiagnostic {
        let text = file.text.clone();
        let mut offset = (e.span.start as usize).min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let mut end = (e.span.end as usize).clamp(offset, text.len());
        while end < text.len() && !text.is_char_boundary(end) {
            end += 1;
        }
        let line = file.line_of(offset as u32);
        let help = if e.msg.starts_with("expected an indented block") {
            Some("indent the block's body under its header".to_string())
        } else if e.msg.contains("was never closed") {
            Some("add the missing closing bracket".to_string())
        } else {
            None
        };
        SyntaxDiagnostic {
            title: format!("{}: {}", e.class.name(), e.msg),
            label: format!("line {line}: {}", e.msg),
            help,
            src: NamedSource::new(file.name.clone(), text),
            offset,
            len: end - offset,
        }
    }

    /// Renders without colour at a fixed width, so output is the same everywhere.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let handler =
            GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
        if handler.render_report(&mut out, self).is_err() {
            out = self.title.clone();
        }
        out
    }
}

/// The text CPython prints on stderr for a compile-time error: the miette snippet followed by
/// the `Class: message` line.
pub fn render_syntax_error(e: &SyntaxError, file: &SourceFile) -> String {
    if e.class == crate::syntax::ErrorClass::Recursion {
        // CPython names no place for it.
        return format!("{}: {}\n", e.class.name(), e.msg);
    }
    let d = SyntaxDiagnostic::new(e, file);
    let line = file.line_of(e.span.start);
    format!(
        "{}\n  File \"{}\", line {line}\n{}: {}\n",
        d.render().trim_end(),
        file.name,
        e.class.name(),
        e.msg
    )
}

fn char_offset(line: &str, byte: usize) -> usize {
    line[..byte.min(line.len())].chars().count()
}

/// The lines for one traceback entry.
fn format_entry(entry: &TbEntry, out: &mut String) {
    let code = &entry.code;
    let src = &code.source;
    let lineno = src.line_of(entry.span.start);
    out.push_str(&format!(
        "  File \"{}\", line {}, in {}\n",
        src.name, lineno, code.name
    ));
    // As CPython, no source lines for code that has no file (`-c`, standard input, the REPL).
    if src.name.starts_with('<') {
        return;
    }
    let line = src.line_text(lineno);
    let stripped = line.trim_start();
    if stripped.trim_end().is_empty() {
        return;
    }
    let indent = line.len() - stripped.len();
    let stripped_trim = stripped.trim_end();
    out.push_str(&format!("    {stripped_trim}\n"));
    let line_start = src.line_start(lineno);
    let start = (entry.span.start as usize).saturating_sub(line_start);
    let end_line = src.line_of(entry.span.end.saturating_sub(1).max(entry.span.start));
    let end = if end_line != lineno {
        line.len()
    } else {
        (entry.span.end as usize)
            .saturating_sub(line_start)
            .min(line.len())
    };
    if start < indent || end <= start {
        return;
    }
    let start_c = char_offset(line, start);
    let end_c = char_offset(line, end);
    let indent_c = char_offset(line, indent);
    let stripped_len = stripped_trim.chars().count();
    let mut anchors = None;
    if let (Some((left_end, right_start)), true) = (entry.anchors, end_line == lineno) {
        let le = (left_end as usize)
            .saturating_sub(line_start)
            .min(line.len());
        if right_start == u32::MAX {
            // Subscript: `~` over the value, `^` over the brackets.
            anchors = Some((char_offset(line, le), end_c));
        } else {
            // Binary operator: skip spaces after the left operand; the operator is 1 or 2 chars.
            let rs = (right_start as usize)
                .saturating_sub(line_start)
                .min(line.len());
            let between = &line[le.min(rs)..rs];
            let skip = between.len() - between.trim_start().len();
            let op_start = le + skip;
            let mut op_end = op_start + 1;
            if let Some(c) = line[op_end.min(line.len())..].chars().next() {
                if op_end < rs && !c.is_whitespace() {
                    op_end += c.len_utf8();
                }
            }
            anchors = Some((
                char_offset(line, op_start),
                char_offset(line, op_end.min(line.len())),
            ));
        }
    }
    if end_c - start_c >= stripped_len && anchors.is_none() {
        return;
    }
    let mut carets = String::from("    ");
    carets.push_str(&" ".repeat(start_c - indent_c));
    match anchors {
        Some((a, b)) if a >= start_c && b >= a && b <= end_c => {
            carets.push_str(&"~".repeat(a - start_c));
            carets.push_str(&"^".repeat(b - a));
            carets.push_str(&"~".repeat(end_c - b));
        }
        _ => carets.push_str(&"^".repeat(end_c - start_c)),
    }
    out.push_str(&carets);
    out.push('\n');
}

/// The `Type: message` line of an exception.
fn exception_line(it: &mut Interp, e: &Exc) -> String {
    let cls = e.class().clone();
    let name = if matches!(cls.module.as_ref(), "builtins" | "__main__") {
        cls.qualname.to_string()
    } else {
        format!("{}.{}", cls.module, cls.qualname)
    };
    let msg = match it.to_str(&e.value()) {
        Ok(m) => m,
        Err(_) => "<exception str() failed>".to_string(),
    };
    let hint = match it.suggestion(e) {
        Some(s) => format!(". Did you mean: '{s}'?"),
        None => String::new(),
    };
    if msg.is_empty() {
        format!("{name}{hint}")
    } else {
        format!("{name}: {msg}{hint}")
    }
}

/// Formats an uncaught exception as CPython's default excepthook does, chained exceptions first.
pub fn format_exception(it: &mut Interp, e: &Exc) -> String {
    if e.is_deadlock() {
        if let Some(Value::Str(report)) = e.args().first() {
            return report.to_string();
        }
    }
    let mut out = String::new();
    let mut seen: Vec<*const ()> = Vec::new();
    chain(it, e, &mut out, &mut seen);
    out
}

/// CPython's default unraisable hook (`Exception ignored in: OBJ`, for an error no caller can
/// receive, such as one out of closing a dying generator): the exception's own traceback and
/// line, without its cause or context.
pub fn format_unraisable(it: &mut Interp, obj: &str, e: &Exc) -> String {
    let mut out = format!("Exception ignored in: {obj}\n");
    traceback_lines(e, &mut out);
    out.push_str(&exception_line(it, e));
    out.push('\n');
    out
}

fn chain(it: &mut Interp, e: &Exc, out: &mut String, seen: &mut Vec<*const ()>) {
    seen.push(Rc::as_ptr(&e.0) as *const ());
    let (cause, context, suppress) = {
        let d = e.data();
        (d.cause.clone(), d.context.clone(), d.suppress_context)
    };
    if let Some(c) = cause.filter(|c| !seen.contains(&(Rc::as_ptr(&c.0) as *const ()))) {
        chain(it, &c, out, seen);
        out.push_str("\nThe above exception was the direct cause of the following exception:\n\n");
    } else if let Some(c) =
        context.filter(|c| !suppress && !seen.contains(&(Rc::as_ptr(&c.0) as *const ())))
    {
        chain(it, &c, out, seen);
        out.push_str("\nDuring handling of the above exception, another exception occurred:\n\n");
    }
    traceback_lines(e, out);
    out.push_str(&exception_line(it, e));
    out.push('\n');
}

/// What a resource limit that was hit prints: the traceback down to the step that hit it, then
/// `aio: limit reached: --max-steps N at line L`.
pub fn format_limit(_it: &mut Interp, e: &Exc, hit: crate::interp::limits::LimitHit) -> String {
    let mut out = String::new();
    traceback_lines(e, &mut out);
    out.push_str(&format!("aio: limit reached: {hit}"));
    if let Some(entry) = e.data().traceback.first() {
        let line = entry.code.source.line_of(entry.span.start);
        out.push_str(&format!(" at line {line}"));
    }
    out.push('\n');
    out
}

/// The `Traceback (most recent call last):` block of an exception, with CPython's folding of
/// repeated lines.
fn traceback_lines(e: &Exc, out: &mut String) {
    let tb: Vec<TbEntry> = e.data().traceback.iter().rev().cloned().collect();
    if !tb.is_empty() {
        out.push_str("Traceback (most recent call last):\n");
        let mut last: Option<(usize, usize, Rc<str>)> = None;
        let mut repeats = 0usize;
        for entry in &tb {
            let key = (
                Rc::as_ptr(&entry.code) as *const () as usize,
                entry.span.start as usize,
                entry.code.name.clone(),
            );
            if last.as_ref() == Some(&key) {
                repeats += 1;
                if repeats >= 3 {
                    continue;
                }
            } else {
                flush_repeats(out, repeats);
                repeats = 0;
                last = Some(key);
            }
            format_entry(entry, out);
        }
        flush_repeats(out, repeats);
    }
}

fn flush_repeats(out: &mut String, repeats: usize) {
    if repeats >= 3 {
        let n = repeats - 2;
        out.push_str(&format!(
            "  [Previous line repeated {n} more time{}]\n",
            if n == 1 { "" } else { "s" }
        ));
    }
}
