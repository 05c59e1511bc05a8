//! The `time` module, reading aio's clock (real or virtual): `time`, `time_ns`, `monotonic`,
//! `perf_counter`, `sleep`, `localtime`, `gmtime`, `strftime`.

use super::{add_fns, run_in_module};
use crate::interp::Interp;
use crate::runtime::builtins::arity;
use crate::runtime::exceptions::{type_error, value_error};
use crate::runtime::ops;
use crate::runtime::value::F64;
use crate::runtime::value::{Kwargs, Module, PyResult, Value};
use chrono::{DateTime, Datelike, Local, NaiveDateTime, TimeZone, Timelike, Utc};
use std::rc::Rc;

const STRUCT_TIME: &str = r#"
class struct_time:
    n_fields = 11
    n_sequence_fields = 9
    def __init__(self, fields):
        self._fields = tuple(fields)
    def __getitem__(self, i):
        return self._fields[:9][i]
    def __len__(self):
        return 9
    def __iter__(self):
        return iter(self._fields[:9])
    def __eq__(self, other):
        return isinstance(other, struct_time) and self._fields[:9] == other._fields[:9]
    @property
    def tm_year(self):
        return self._fields[0]
    @property
    def tm_mon(self):
        return self._fields[1]
    @property
    def tm_mday(self):
        return self._fields[2]
    @property
    def tm_hour(self):
        return self._fields[3]
    @property
    def tm_min(self):
        return self._fields[4]
    @property
    def tm_sec(self):
        return self._fields[5]
    @property
    def tm_wday(self):
        return self._fields[6]
    @property
    def tm_yday(self):
        return self._fields[7]
    @property
    def tm_isdst(self):
        return self._fields[8]
    @property
    def tm_zone(self):
        return self._fields[9]
    @property
    def tm_gmtoff(self):
        return self._fields[10]
    def __repr__(self):
        f = self._fields
        return (f"time.struct_time(tm_year={f[0]}, tm_mon={f[1]}, tm_mday={f[2]}, tm_hour={f[3]}, "
                f"tm_min={f[4]}, tm_sec={f[5]}, tm_wday={f[6]}, tm_yday={f[7]}, tm_isdst={f[8]})")
"#;

fn seconds(v: &Value) -> PyResult<f64> {
    match ops::to_f64(v) {
        Some(r) => r,
        None => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            ops::type_name(v)
        ))),
    }
}

fn t_time(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Float(F64::new(it.clock.wall())))
}

fn t_time_ns(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Int((it.clock.wall() * 1e9) as i64))
}

fn t_monotonic(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Float(F64::new(it.clock.monotonic())))
}

fn t_monotonic_ns(it: &mut Interp, _: &[Value], _: &Kwargs) -> PyResult<Value> {
    Ok(Value::Int((it.clock.monotonic() * 1e9) as i64))
}

fn t_sleep(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("sleep", args, 1, 1)?;
    let s = seconds(&args[0])?;
    if s < 0.0 {
        return Err(value_error("sleep length must be non-negative"));
    }
    it.flush();
    it.clock.sleep(s);
    // Ctrl-C cuts the sleep short and raises there, as in CPython.
    if crate::repl::INTERRUPT.swap(false, std::sync::atomic::Ordering::SeqCst) {
        return Err(crate::runtime::exceptions::err("KeyboardInterrupt", ""));
    }
    Ok(Value::None)
}

fn fields<T: TimeZone>(dt: &DateTime<T>, isdst: i64, zone: &str, gmtoff: i64) -> Vec<Value> {
    vec![
        Value::Int(dt.year() as i64),
        Value::Int(dt.month() as i64),
        Value::Int(dt.day() as i64),
        Value::Int(dt.hour() as i64),
        Value::Int(dt.minute() as i64),
        Value::Int(dt.second() as i64),
        Value::Int(dt.weekday().num_days_from_monday() as i64),
        Value::Int(dt.ordinal() as i64),
        Value::Int(isdst),
        Value::str(zone),
        Value::Int(gmtoff),
    ]
}

fn make_struct(it: &mut Interp, f: Vec<Value>) -> PyResult<Value> {
    let m = it.import("time")?;
    let cls = it.getattr(&m, "struct_time")?;
    it.call(&cls, vec![Value::tuple(f)], vec![])
}

fn when(it: &Interp, args: &[Value]) -> PyResult<f64> {
    match args.first() {
        None | Some(Value::None) => Ok(it.clock.wall()),
        Some(v) => seconds(v),
    }
}

fn local_fields(secs: f64) -> PyResult<Vec<Value>> {
    let dt = Local
        .timestamp_opt(secs.floor() as i64, 0)
        .single()
        .ok_or_else(|| value_error("timestamp out of range for platform time_t"))?;
    let off = dt.offset().local_minus_utc() as i64;
    let zone = dt.format("%Z").to_string();
    Ok(fields(&dt, 0, &zone, off))
}

fn t_localtime(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("localtime", args, 0, 1)?;
    let f = local_fields(when(it, args)?)?;
    make_struct(it, f)
}

fn t_gmtime(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("gmtime", args, 0, 1)?;
    let secs = when(it, args)?;
    let dt = Utc
        .timestamp_opt(secs.floor() as i64, 0)
        .single()
        .ok_or_else(|| value_error("timestamp out of range for platform time_t"))?;
    let f = fields(&dt, 0, "UTC", 0);
    make_struct(it, f)
}

fn struct_fields(it: &mut Interp, v: &Value) -> PyResult<Vec<i64>> {
    let items = it.iterate(v)?;
    if items.len() != 9 {
        return Err(type_error("function takes exactly 9 arguments"));
    }
    items
        .iter()
        .map(|x| crate::runtime::builtins::to_i64(x, ""))
        .collect()
}

fn t_strftime(it: &mut Interp, args: &[Value], _: &Kwargs) -> PyResult<Value> {
    arity("strftime", args, 1, 2)?;
    let Value::Str(fmt) = &args[0] else {
        return Err(type_error(format!(
            "strftime() argument 1 must be str, not {}",
            ops::type_name(&args[0])
        )));
    };
    let naive: NaiveDateTime = match args.get(1) {
        None => {
            let secs = it.clock.wall();
            match Local.timestamp_opt(secs.floor() as i64, 0).single() {
                Some(dt) => dt.naive_local(),
                None => return Err(value_error("timestamp out of range for platform time_t")),
            }
        }
        Some(v) => {
            let f = struct_fields(it, v)?;
            let d = chrono::NaiveDate::from_ymd_opt(
                f[0] as i32,
                f[1].max(1) as u32,
                f[2].max(1) as u32,
            )
            .ok_or_else(|| value_error("day of month out of range"))?;
            d.and_hms_opt(f[3] as u32, f[4] as u32, f[5].min(59) as u32)
                .ok_or_else(|| value_error("hour out of range"))?
        }
    };
    // chrono panics on unknown directives when displayed; check them first.
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(d) = chars.next() else {
            out.push('%');
            break;
        };
        let piece = match d {
            'a' | 'A' | 'b' | 'B' | 'd' | 'H' | 'I' | 'j' | 'm' | 'M' | 'p' | 'S' | 'U' | 'w'
            | 'W' | 'y' | 'Y' | 'e' => naive.format(&format!("%{d}")).to_string(),
            'c' => naive.format("%a %b %e %H:%M:%S %Y").to_string(),
            'x' => naive.format("%m/%d/%y").to_string(),
            'X' => naive.format("%H:%M:%S").to_string(),
            'Z' => Local::now().format("%Z").to_string(),
            'z' => Local::now().format("%z").to_string(),
            '%' => "%".to_string(),
            other => format!("%{other}"),
        };
        out.push_str(&piece);
    }
    Ok(Value::str(&out))
}

/// Builds the `time` module.
pub fn build(it: &mut Interp) -> PyResult<Rc<Module>> {
    let m = Module::new("time");
    add_fns(
        &m,
        &[
            ("time", t_time),
            ("time_ns", t_time_ns),
            ("monotonic", t_monotonic),
            ("monotonic_ns", t_monotonic_ns),
            ("perf_counter", t_monotonic),
            ("perf_counter_ns", t_monotonic_ns),
            ("sleep", t_sleep),
            ("localtime", t_localtime),
            ("gmtime", t_gmtime),
            ("strftime", t_strftime),
        ],
    );
    m.set("__name__", Value::str("time"));
    run_in_module(it, &m, "<aio time>", STRUCT_TIME)?;
    Ok(m)
}
