//! Logs as hclog JSON lines on stderr, which go-plugin re-logs inside
//! Terraform at the line's level, so `TF_LOG=debug` / `TF_LOG_PROVIDER=trace`
//! show (and filter) them.
//!
//! The level comes from `TF_LOG_PROVIDER_<NAME>` (the provider's name in
//! capitals, e.g. `TF_LOG_PROVIDER_EXAMPLE`), `TF_LOG_PROVIDER` or `TF_LOG`
//! (first set wins; `JSON` means trace, `OFF` disables), else `warn`.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber, span};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// Installs the global subscriber for the provider `name` (its type names'
/// prefix: `example` for `terraform-provider-example`). Events of this crate and
/// of `targets` (the provider's crates, or any tracing target: a target
/// matches itself and the modules under it) are logged at the requested
/// level, everything else only from warn up: dependencies' chatter is noise
/// at trace level. Terraform shows each line under the module
/// `provider.terraform-provider-<name>`. Safe to call more than once (later
/// calls do nothing).
pub fn init(name: &str, targets: &[&str]) {
    use tracing_subscriber::prelude::*;
    let level = level_from_env(name, |k| std::env::var(k).ok());
    let filter = tracing_subscriber::filter::LevelFilter::from(level);
    let targets = targets
        .iter()
        .fold(
            tracing_subscriber::filter::Targets::new()
                .with_target(env!("CARGO_CRATE_NAME"), filter),
            |all, target| all.with_target(*target, filter),
        )
        .with_default(filter.min(tracing_subscriber::filter::LevelFilter::WARN));
    let layer = HclogLayer {
        module: format!("provider.terraform-provider-{name}"),
    };
    let _ = tracing_subscriber::registry()
        .with(layer.with_filter(targets))
        .try_init();
}

/// The level requested through Terraform's environment variables for the
/// provider `name`.
pub fn level_from_env(name: &str, get: impl Fn(&str) -> Option<String>) -> Option<Level> {
    let own = format!("TF_LOG_PROVIDER_{}", name.to_ascii_uppercase());
    let raw = [own.as_str(), "TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .find_map(|k| get(k).filter(|v| !v.trim().is_empty()));
    let Some(raw) = raw else {
        return Some(Level::WARN);
    };
    match raw.trim().to_ascii_uppercase().as_str() {
        "TRACE" | "JSON" => Some(Level::TRACE),
        "DEBUG" => Some(Level::DEBUG),
        "INFO" => Some(Level::INFO),
        "WARN" => Some(Level::WARN),
        "ERROR" => Some(Level::ERROR),
        "OFF" => None,
        _ => Some(Level::TRACE), // Terraform treats unknown values as TRACE too.
    }
}

/// A tracing layer writing one hclog JSON object per event.
pub struct HclogLayer {
    /// The module name Terraform shows beside each line, e.g.
    /// `provider.terraform-provider-example`.
    pub module: String,
}

/// Span fields kept in the span's extensions, merged into each event inside it.
struct SpanFields(Map<String, Value>);

impl<S> Layer<S> for HclogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let mut visitor = JsonVisitor::default();
        attrs.record(&mut visitor);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(SpanFields(visitor.fields));
        }
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut ext = span.extensions_mut();
            if let Some(SpanFields(fields)) = ext.get_mut::<SpanFields>() {
                let mut visitor = JsonVisitor::default();
                values.record(&mut visitor);
                fields.extend(visitor.fields);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut line = BTreeMap::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    line.extend(fields.clone());
                }
            }
        }
        let mut visitor = JsonVisitor::default();
        event.record(&mut visitor);
        line.extend(visitor.fields);
        let message = line
            .remove("message")
            .unwrap_or(Value::String(String::new()));
        let mut out = Map::new();
        out.insert(
            "@level".into(),
            Value::String(hclog_level(event.metadata().level()).into()),
        );
        out.insert("@message".into(), message);
        out.insert("@module".into(), Value::String(self.module.clone()));
        out.insert("@timestamp".into(), Value::String(timestamp()));
        out.extend(line);
        if let Ok(mut text) = serde_json::to_string(&Value::Object(out)) {
            text.push('\n');
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        }
    }
}

fn hclog_level(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// hclog's timestamp layout `2006-01-02T15:04:05.000000Z07:00`, which
/// go-plugin parses exactly; anything else demotes the line to plain debug text.
fn timestamp() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

#[derive(Default)]
struct JsonVisitor {
    fields: Map<String, Value>,
}

impl Visit for JsonVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.fields
            .insert(field.name().into(), Value::String(value.into()));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields.insert(field.name().into(), Value::Bool(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields.insert(field.name().into(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields.insert(field.name().into(), Value::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.fields
            .insert(field.name().into(), Value::String(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn level_precedence() {
        assert_eq!(level_from_env("example", env(&[])), Some(Level::WARN));
        assert_eq!(
            level_from_env("example", env(&[("TF_LOG", "debug")])),
            Some(Level::DEBUG)
        );
        assert_eq!(
            level_from_env(
                "example",
                env(&[("TF_LOG", "debug"), ("TF_LOG_PROVIDER", "trace")])
            ),
            Some(Level::TRACE)
        );
        assert_eq!(
            level_from_env(
                "example",
                env(&[
                    ("TF_LOG_PROVIDER", "trace"),
                    ("TF_LOG_PROVIDER_EXAMPLE", "off")
                ])
            ),
            None
        );
        assert_eq!(
            level_from_env("example", env(&[("TF_LOG", "JSON")])),
            Some(Level::TRACE)
        );
    }

    #[test]
    fn timestamp_has_go_layout() {
        let ts = timestamp();
        // 2026-11-26T00:29:37.123456Z
        assert_eq!(ts.len(), 27, "{ts}");
        assert_eq!(&ts[10..11], "T");
        assert_eq!(&ts[19..20], ".");
        assert!(ts.ends_with('Z'));
    }
}
