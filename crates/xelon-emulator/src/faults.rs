//! Fault injection and request counting, driven by the admin API
//! (`/_emulator/faults`, `/_emulator/requests`) and the chaos flags: which
//! rule or chaos draw decides what happens to an API request ([`Faults::plan`]),
//! and the counters that report it.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde::Serialize;

use super::chaos::{Chaos, LoseMode, StatusRate};
use super::error::{ApiError, code_for_status};

/// True when a request (`method`, full `path`) passes a rule's filters.
fn filters_match(
    filter_method: Option<&str>,
    path_prefix: &str,
    path_suffix: Option<&str>,
    method: &str,
    path: &str,
) -> bool {
    filter_method.is_none_or(|m| m.eq_ignore_ascii_case(method))
        && path.starts_with(path_prefix)
        && path_suffix.is_none_or(|s| path.ends_with(s))
}

/// True for methods that change something (everything but `GET`, `HEAD`
/// and `OPTIONS`): the requests a lost-response rate applies to when its
/// rule names no method.
pub fn is_mutating(method: &str) -> bool {
    !["GET", "HEAD", "OPTIONS"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

/// One counted rule: the next `count` API requests matching `method`,
/// `path_prefix` and `path_suffix` (or, with `for_ms`, every one of them
/// until the window ends, up to `count` when given) are held for `delay_ms`
/// (if given), then answered with `status` (an error body, or the canned
/// `body`) instead of being handled, or handled and their answer lost
/// (`lose_response`), or just handled (a hold). With `gateway_timeout_ms`,
/// a held request's client is answered `504` before the request is handled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpFault {
    /// Upper-case method to match, `None` for any.
    pub method: Option<String>,
    /// Prefix of the full request path (`/api/v2/kubernetes`).
    pub path_prefix: String,
    /// Suffix the full request path must also end with (`/config/kube`),
    /// for paths whose IDs are not known in advance. Not shown when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_suffix: Option<String>,
    /// Status code to answer instead of handling the request: 400-599 with
    /// an error body, 200-599 with a canned `body`. `None` (not shown) for
    /// holds and lost answers, which are handled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Matching requests still to use the rule; it is dropped at 0. `None`
    /// (not shown) for a window (`for_ms`) without a count: every matching
    /// request until the window ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Seconds sent in a `Retry-After` header, if any.
    pub retry_after: Option<u64>,
    /// Text sent as `message`; a default naming the injection otherwise.
    pub message: Option<String>,
    /// A canned answer: this exact JSON (which may be `null`) is sent as the
    /// body instead of an error body. Not shown when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
    /// A hold: matching requests wait this many milliseconds before they are
    /// handled (or answered with `status`). Not shown when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// A lost answer: matching requests are handled, then answered `504` or
    /// their connection dropped. Not shown when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lose_response: Option<LoseMode>,
    /// A gateway that gives up: a held request (`delay_ms`, which must be
    /// longer) is answered `504` (a `gateway_timeout` error body) this many
    /// milliseconds after it arrived, while it goes on on its own task and is
    /// handled, taking effect, after `delay_ms`. Not shown when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_timeout_ms: Option<u64>,
    /// A time window: the rule is used by every matching request for this
    /// many milliseconds from when it was armed (up to `count`, when given:
    /// whichever ends first), then dropped. Not shown when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub for_ms: Option<u64>,
    /// When the window ends (`for_ms` after arming), on the monotonic clock.
    #[serde(skip)]
    pub window_end: Option<Instant>,
}

/// Chaos for the API requests matching `method`, `path_prefix` and
/// `path_suffix`, until disarmed (`DELETE /_emulator/faults`). The chaos
/// flags arm one for every API request at start-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChaosRule {
    /// Upper-case method to match, `None` for any (the lost-response rate
    /// then applies to mutating methods only).
    pub method: Option<String>,
    /// Prefix of the full request path (`/api/v2/kubernetes`).
    pub path_prefix: String,
    /// Suffix the full request path must also end with. Not shown when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_suffix: Option<String>,
    /// What happens to matching requests.
    pub chaos: Chaos,
}

impl ChaosRule {
    /// `chaos` for every API request (what the chaos flags arm).
    pub fn everywhere(chaos: Chaos) -> Self {
        Self {
            method: None,
            path_prefix: format!("{}/", super::API_PREFIX),
            path_suffix: None,
            chaos,
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        filters_match(
            self.method.as_deref(),
            &self.path_prefix,
            self.path_suffix.as_deref(),
            method,
            path,
        )
    }

    /// True when the lost-response rate applies to `method`: any matching
    /// method when the rule names one, else mutating methods only.
    fn loses(&self, method: &str) -> bool {
        self.chaos.lost_response_rate > 0.0 && (self.method.is_some() || is_mutating(method))
    }
}

/// What a matching fault rule answers instead of the handler.
#[derive(Debug, Clone)]
pub enum Injected {
    /// An error answer in the API's error shape.
    Error(ApiError),
    /// A canned JSON body with any status.
    Canned {
        /// The status.
        status: StatusCode,
        /// The exact JSON body.
        body: serde_json::Value,
        /// Seconds sent in a `Retry-After` header, if any.
        retry_after: Option<u64>,
    },
}

impl Injected {
    /// The status answered.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Error(error) => error.status,
            Self::Canned { status, .. } => *status,
        }
    }
}

impl IntoResponse for Injected {
    fn into_response(self) -> Response {
        match self {
            Self::Error(error) => error.into_response(),
            Self::Canned {
                status,
                body,
                retry_after,
            } => {
                let mut response = (status, axum::Json(body)).into_response();
                if let Some(seconds) = retry_after {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
                }
                response
            }
        }
    }
}

impl HttpFault {
    fn matches(&self, method: &str, path: &str) -> bool {
        filters_match(
            self.method.as_deref(),
            &self.path_prefix,
            self.path_suffix.as_deref(),
            method,
            path,
        )
    }

    /// True once the rule's window (if any) has ended at `now`.
    fn expired(&self, now: Instant) -> bool {
        self.window_end.is_some_and(|end| now >= end)
    }

    /// What a request this rule matched gets.
    fn action(&self) -> Action {
        if let Some(mode) = self.lose_response {
            return Action::Lose(mode);
        }
        let Some(status) = self.status else {
            return Action::Handle;
        };
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        if let Some(body) = &self.body {
            return Action::Inject(Injected::Canned {
                status,
                body: body.clone(),
                retry_after: self.retry_after,
            });
        }
        let message = self.message.clone().unwrap_or_else(|| {
            format!(
                "{} (fault injected by the Xelon emulator)",
                status.canonical_reason().unwrap_or("error")
            )
        });
        Action::Inject(Injected::Error(ApiError {
            retry_after: self.retry_after,
            ..ApiError::new(status, code_for_status(status), message)
        }))
    }
}

/// The error answer of a random fault.
fn random_fault(entry: &StatusRate) -> Injected {
    let status = StatusCode::from_u16(entry.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let message = format!(
        "{} (random fault injected by the Xelon emulator)",
        status.canonical_reason().unwrap_or("error")
    );
    Injected::Error(ApiError {
        retry_after: entry.retry_after,
        ..ApiError::new(status, code_for_status(status), message)
    })
}

/// What happens to one API request after its wait.
#[derive(Debug, Clone)]
pub enum Action {
    /// It is handled as usual.
    Handle,
    /// It is answered with this instead of being handled.
    Inject(Injected),
    /// It is handled, then its answer is lost this way.
    Lose(LoseMode),
}

/// What happens to one API request, decided when it arrives.
#[derive(Debug, Clone)]
pub struct Plan {
    /// How long it waits before it is handled (latency plus any hold).
    pub delay: Duration,
    /// True when a hold (`delay_ms`) is part of the wait.
    pub held: bool,
    /// When set, the client is answered `504` this long after the request
    /// arrived (a gateway giving up), while the request goes on waiting and
    /// is then handled on its own task (`gateway_timeout_ms`, always shorter
    /// than the wait).
    pub gateway_timeout: Option<Duration>,
    /// What happens after the wait.
    pub action: Action,
}

/// All armed faults.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Faults {
    /// Counted rules (errors, canned answers, holds, lost answers), checked
    /// in the order they were added.
    pub rules: Vec<HttpFault>,
    /// Chaos rules, applied in the order they were armed (the chaos flags'
    /// rule first).
    pub chaos: Vec<ChaosRule>,
    /// How many of the next created clusters end in status `Error`.
    pub fail_next_cluster: u32,
}

impl Faults {
    /// Armed faults holding `chaos` for every API request, if it does
    /// anything (the chaos flags).
    pub fn with_chaos(chaos: Chaos) -> Self {
        let mut faults = Self::default();
        if !chaos.is_empty() {
            faults.chaos.push(ChaosRule::everywhere(chaos));
        }
        faults
    }

    /// Drops the counted rules whose window has ended at `now`.
    pub fn expire(&mut self, now: Instant) {
        self.rules.retain(|rule| !rule.expired(now));
    }

    /// Decides what happens to an API request arriving at `now`, drawing
    /// from `rng` as needed. Rules whose window has ended are dropped first.
    /// The latencies of every matching chaos rule add up. Then the first
    /// matching counted rule, if any, is used once and decides; else
    /// each matching chaos rule in turn draws its fault rate (one draw when
    /// it has one) and, for the methods it applies to, its lost-response
    /// rate (one draw when above 0, one more for 504 or drop when lost),
    /// until one hits.
    pub fn plan(&mut self, method: &str, path: &str, now: Instant, rng: &mut impl Rng) -> Plan {
        self.expire(now);
        let latency: Duration = self
            .chaos
            .iter()
            .filter(|rule| rule.matches(method, path))
            .map(|rule| rule.chaos.latency)
            .sum();
        if let Some(index) = self.rules.iter().position(|r| r.matches(method, path)) {
            let rule = &mut self.rules[index];
            let hold = rule.delay_ms.map(Duration::from_millis);
            let gateway_timeout = rule.gateway_timeout_ms.map(Duration::from_millis);
            let action = rule.action();
            if let Some(count) = &mut rule.count {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    self.rules.remove(index);
                }
            }
            return Plan {
                delay: latency + hold.unwrap_or_default(),
                held: hold.is_some(),
                gateway_timeout,
                action,
            };
        }
        let mut action = Action::Handle;
        for rule in self.chaos.iter().filter(|rule| rule.matches(method, path)) {
            let chaos = &rule.chaos;
            if !chaos.fault_rate.is_empty() {
                if let Some(entry) = chaos.fault_rate.pick(rng.random::<f64>()) {
                    action = Action::Inject(random_fault(entry));
                    break;
                }
            }
            if rule.loses(method) && rng.random::<f64>() < chaos.lost_response_rate {
                let mode = if rng.random::<bool>() {
                    LoseMode::GatewayTimeout
                } else {
                    LoseMode::Drop
                };
                action = Action::Lose(mode);
                break;
            }
        }
        Plan {
            delay: latency,
            held: false,
            gateway_timeout: None,
            action,
        }
    }

    /// True (consuming one) when the next created cluster must fail.
    pub fn take_cluster_failure(&mut self) -> bool {
        if self.fail_next_cluster > 0 {
            self.fail_next_cluster -= 1;
            true
        } else {
            false
        }
    }

    /// Disarms everything, the chaos flags' chaos included.
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// API request counters (admin requests are not counted).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct RequestLog {
    /// Every API request, whatever its answer (401s and injected faults too).
    pub total: u64,
    /// Per route: `"<METHOD> <route template>"` relative to `/api/v2`
    /// (`"GET /kubernetes/{id}"`); requests matching no route use their path.
    pub by_route: BTreeMap<String, u64>,
    /// Answers injected instead of handling the request, per status (as a
    /// string key, `"503"`): random faults, error rules and canned answers.
    pub injected: BTreeMap<u16, u64>,
    /// Requests whose answer was lost: handled, then lost; or answered `504`
    /// by a gateway that gave up before they were handled.
    pub lost: LostCounts,
    /// Requests that waited before being handled (latency or a hold).
    pub delayed: u64,
}

/// Lost answers, per way of losing them.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct LostCounts {
    /// Answered `504` after being handled, or before (a gateway that gave up,
    /// `gateway_timeout_ms`).
    #[serde(rename = "504")]
    pub gateway_timeout: u64,
    /// Connection dropped without an answer after being handled.
    pub drop: u64,
}

impl RequestLog {
    /// Counts one request to `route`.
    pub fn record(&mut self, route: String) {
        self.total += 1;
        *self.by_route.entry(route).or_default() += 1;
    }

    /// Counts what `plan` does to a request.
    pub fn count(&mut self, plan: &Plan) {
        if !plan.delay.is_zero() {
            self.delayed += 1;
        }
        if plan.gateway_timeout.is_some() {
            self.lost.gateway_timeout += 1;
        }
        match &plan.action {
            Action::Handle => {}
            Action::Inject(answer) => {
                *self.injected.entry(answer.status().as_u16()).or_default() += 1;
            }
            Action::Lose(LoseMode::GatewayTimeout) => self.lost.gateway_timeout += 1,
            Action::Lose(LoseMode::Drop) => self.lost.drop += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn rule(method: Option<&str>, path_prefix: &str) -> HttpFault {
        HttpFault {
            method: method.map(str::to_owned),
            path_prefix: path_prefix.into(),
            path_suffix: None,
            status: None,
            count: Some(1),
            retry_after: None,
            message: None,
            body: None,
            delay_ms: None,
            lose_response: None,
            gateway_timeout_ms: None,
            for_ms: None,
            window_end: None,
        }
    }

    fn chaos_rule(method: Option<&str>, chaos: Chaos) -> ChaosRule {
        ChaosRule {
            method: method.map(str::to_owned),
            ..ChaosRule::everywhere(chaos)
        }
    }

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    /// The status injected, or 0 when handled, or 504/1 for lost answers.
    fn outcome(plan: &Plan) -> u16 {
        match &plan.action {
            Action::Handle => 0,
            Action::Inject(answer) => answer.status().as_u16(),
            Action::Lose(LoseMode::GatewayTimeout) => 504,
            Action::Lose(LoseMode::Drop) => 1,
        }
    }

    #[test]
    fn rules_match_and_expire() {
        let mut faults = Faults::default();
        faults.rules.push(HttpFault {
            status: Some(503),
            count: Some(2),
            retry_after: Some(3),
            ..rule(Some("POST"), "/api/v2/kubernetes")
        });
        let mut rng = rng();
        let mut plan =
            |faults: &mut Faults, method, path| faults.plan(method, path, Instant::now(), &mut rng);
        assert_eq!(outcome(&plan(&mut faults, "GET", "/api/v2/kubernetes")), 0);
        assert_eq!(outcome(&plan(&mut faults, "post", "/api/v2/tenants")), 0);
        let first = plan(&mut faults, "POST", "/api/v2/kubernetes/k8s-1/upgrade");
        match first.action {
            Action::Inject(Injected::Error(e)) => {
                assert_eq!((e.status.as_u16(), e.retry_after), (503, Some(3)));
            }
            other => panic!("expected an error answer, got {other:?}"),
        }
        assert_eq!(first.delay, Duration::ZERO);
        assert_eq!(
            outcome(&plan(&mut faults, "POST", "/api/v2/kubernetes")),
            503
        );
        assert_eq!(outcome(&plan(&mut faults, "POST", "/api/v2/kubernetes")), 0);
        assert!(faults.rules.is_empty());
    }

    #[test]
    fn canned_bodies_are_answered_as_given() {
        let mut faults = Faults::default();
        faults.rules.push(HttpFault {
            status: Some(200),
            body: Some(serde_json::json!([])),
            ..rule(None, "/api/v2/kubernetes/k8s-1/load-balancers")
        });
        let plan = faults.plan(
            "GET",
            "/api/v2/kubernetes/k8s-1/load-balancers",
            Instant::now(),
            &mut rng(),
        );
        match plan.action {
            Action::Inject(Injected::Canned { status, body, .. }) => {
                assert_eq!((status.as_u16(), body), (200, serde_json::json!([])));
            }
            other => panic!("expected a canned answer, got {other:?}"),
        }
        assert!(faults.rules.is_empty());
    }

    #[test]
    fn holds_and_lost_answers_are_counted_rules() {
        let mut faults = Faults::default();
        faults.rules.push(HttpFault {
            delay_ms: Some(1500),
            ..rule(Some("POST"), "/api/v2/kubernetes")
        });
        faults.rules.push(HttpFault {
            lose_response: Some(LoseMode::Drop),
            count: Some(2),
            ..rule(Some("DELETE"), "/api/v2/")
        });
        let mut rng = rng();
        let held = faults.plan("POST", "/api/v2/kubernetes", Instant::now(), &mut rng);
        assert_eq!((held.delay, held.held), (Duration::from_millis(1500), true));
        assert_eq!(outcome(&held), 0, "a hold handles the request");
        let again = faults.plan("POST", "/api/v2/kubernetes", Instant::now(), &mut rng);
        assert_eq!((again.delay, again.held), (Duration::ZERO, false));
        for _ in 0..2 {
            let lost = faults.plan(
                "DELETE",
                "/api/v2/kubernetes/k8s-1",
                Instant::now(),
                &mut rng,
            );
            assert_eq!(outcome(&lost), 1);
        }
        assert_eq!(
            outcome(&faults.plan(
                "DELETE",
                "/api/v2/kubernetes/k8s-1",
                Instant::now(),
                &mut rng
            )),
            0
        );
        assert!(faults.rules.is_empty());
    }

    #[test]
    fn latencies_add_up_and_counted_rules_come_before_draws() {
        let always_503 = Chaos {
            latency: Duration::from_millis(100),
            fault_rate: "503=1".parse().expect("valid"),
            lost_response_rate: 0.0,
        };
        let mut faults = Faults::with_chaos(always_503);
        faults.chaos.push(ChaosRule {
            path_prefix: "/api/v2/kubernetes".into(),
            ..chaos_rule(
                None,
                Chaos {
                    latency: Duration::from_millis(50),
                    ..Chaos::default()
                },
            )
        });
        faults.rules.push(HttpFault {
            delay_ms: Some(10),
            status: Some(409),
            ..rule(None, "/api/v2/kubernetes")
        });
        let mut rng = rng();
        let plan = faults.plan("GET", "/api/v2/kubernetes", Instant::now(), &mut rng);
        assert_eq!(plan.delay, Duration::from_millis(160));
        assert_eq!(outcome(&plan), 409, "the counted rule decides");
        let plan = faults.plan("GET", "/api/v2/kubernetes", Instant::now(), &mut rng);
        assert_eq!(
            (plan.delay, outcome(&plan)),
            (Duration::from_millis(150), 503)
        );
        let plan = faults.plan("GET", "/api/v2/tenants", Instant::now(), &mut rng);
        assert_eq!(
            (plan.delay, outcome(&plan)),
            (Duration::from_millis(100), 503)
        );
        match plan.action {
            Action::Inject(Injected::Error(e)) => {
                assert_eq!(e.code, "service_unavailable");
                assert!(e.message.contains("random fault"), "{}", e.message);
            }
            other => panic!("expected an error, got {other:?}"),
        }
        assert!(Faults::with_chaos(Chaos::default()).chaos.is_empty());
    }

    #[test]
    fn lost_answers_hit_mutating_requests_unless_a_method_is_named() {
        let lose_all = Chaos {
            lost_response_rate: 1.0,
            ..Chaos::default()
        };
        let mut faults = Faults::with_chaos(lose_all.clone());
        let mut rng = rng();
        for method in ["GET", "HEAD", "OPTIONS"] {
            assert_eq!(
                outcome(&faults.plan(method, "/api/v2/kubernetes", Instant::now(), &mut rng)),
                0
            );
        }
        let mut modes = std::collections::BTreeSet::new();
        for _ in 0..40 {
            for method in ["POST", "PATCH", "DELETE"] {
                let lost =
                    outcome(&faults.plan(method, "/api/v2/kubernetes", Instant::now(), &mut rng));
                assert!(lost == 504 || lost == 1, "{method}: {lost}");
                modes.insert(lost);
            }
        }
        assert_eq!(modes.len(), 2, "both 504s and drops");

        let mut faults = Faults::default();
        faults.chaos.push(chaos_rule(Some("GET"), lose_all));
        assert_ne!(
            outcome(&faults.plan("GET", "/api/v2/kubernetes", Instant::now(), &mut rng)),
            0
        );
        assert_eq!(
            outcome(&faults.plan("POST", "/api/v2/kubernetes", Instant::now(), &mut rng)),
            0
        );
    }

    #[test]
    fn a_seed_gives_the_same_draws() {
        let chaos = Chaos {
            fault_rate: "503=0.3,429=0.2".parse().expect("valid"),
            lost_response_rate: 0.5,
            ..Chaos::default()
        };
        let run = |seed| {
            let mut faults = Faults::with_chaos(chaos.clone());
            let mut rng = StdRng::seed_from_u64(seed);
            (0..200)
                .map(|i| {
                    let method = if i % 2 == 0 { "GET" } else { "POST" };
                    outcome(&faults.plan(method, "/api/v2/kubernetes", Instant::now(), &mut rng))
                })
                .collect::<Vec<_>>()
        };
        let first = run(11);
        assert_eq!(first, run(11));
        assert_ne!(first, run(12));
        for expected in [0, 503, 429, 504, 1] {
            assert!(
                first.contains(&expected),
                "{expected} never drawn: {first:?}"
            );
        }
    }

    /// A rule armed at `armed` with a window of `for_ms`.
    fn window(rule: HttpFault, armed: Instant, for_ms: u64) -> HttpFault {
        HttpFault {
            for_ms: Some(for_ms),
            window_end: Some(armed + Duration::from_millis(for_ms)),
            ..rule
        }
    }

    #[test]
    fn a_window_matches_every_request_until_it_ends() {
        let armed = Instant::now();
        let at = |ms| armed + Duration::from_millis(ms);
        let mut faults = Faults::default();
        faults.rules.push(window(
            HttpFault {
                status: Some(401),
                count: None,
                ..rule(None, "/api/v2/")
            },
            armed,
            500,
        ));
        let mut rng = rng();
        for ms in [0, 1, 250, 499] {
            let plan = faults.plan("GET", "/api/v2/tenants/current", at(ms), &mut rng);
            assert_eq!(outcome(&plan), 401, "at {ms} ms");
        }
        assert_eq!(faults.rules.len(), 1, "no count: not used up");
        assert_eq!(
            outcome(&faults.plan("GET", "/api/v2/clouds", at(500), &mut rng)),
            0,
            "the window has ended"
        );
        assert!(faults.rules.is_empty(), "dropped once ended");
    }

    #[test]
    fn a_window_with_a_count_ends_with_whichever_comes_first() {
        let armed = Instant::now();
        let at = |ms| armed + Duration::from_millis(ms);
        let mut rng = rng();
        let mut faults = Faults::default();
        faults.rules.push(window(
            HttpFault {
                status: Some(503),
                count: Some(2),
                ..rule(Some("GET"), "/api/v2/")
            },
            armed,
            1000,
        ));
        let mut outcomes = Vec::new();
        for ms in [0, 10, 20] {
            outcomes.push(outcome(&faults.plan(
                "GET",
                "/api/v2/clouds",
                at(ms),
                &mut rng,
            )));
        }
        assert_eq!(outcomes, [503, 503, 0], "the count ends first");

        faults.rules.push(window(
            HttpFault {
                status: Some(503),
                count: Some(5),
                ..rule(Some("GET"), "/api/v2/")
            },
            armed,
            1000,
        ));
        assert_eq!(
            outcome(&faults.plan("GET", "/api/v2/clouds", at(999), &mut rng)),
            503
        );
        assert_eq!(faults.rules[0].count, Some(4));
        let mut listed = faults.clone();
        listed.expire(at(1000));
        assert!(listed.rules.is_empty(), "the window ends first");
        assert_eq!(
            outcome(&faults.plan("GET", "/api/v2/clouds", at(1000), &mut rng)),
            0
        );
    }

    #[test]
    fn only_windows_show_for_ms_and_only_counts_show_count() {
        let armed = Instant::now();
        let counted = serde_json::to_value(rule(None, "/api/v2/")).expect("json");
        assert_eq!(counted["count"], 1);
        assert!(counted.get("for_ms").is_none(), "{counted}");
        assert!(counted.get("window_end").is_none(), "{counted}");
        let unlimited = HttpFault {
            count: None,
            ..rule(None, "/api/v2/")
        };
        let windowed = serde_json::to_value(window(unlimited, armed, 30_000)).expect("json");
        assert_eq!(windowed["for_ms"], 30_000);
        assert!(windowed.get("count").is_none(), "{windowed}");
        assert!(windowed.get("window_end").is_none(), "{windowed}");
    }

    #[test]
    fn a_gateway_timeout_answers_504_before_the_held_request_is_handled() {
        let mut faults = Faults::default();
        faults.rules.push(HttpFault {
            delay_ms: Some(40_000),
            gateway_timeout_ms: Some(30_000),
            ..rule(Some("POST"), "/api/v2/kubernetes")
        });
        let mut rng = rng();
        let plan = faults.plan("POST", "/api/v2/kubernetes", Instant::now(), &mut rng);
        assert_eq!(
            (plan.delay, plan.held, plan.gateway_timeout),
            (Duration::from_secs(40), true, Some(Duration::from_secs(30)))
        );
        assert_eq!(outcome(&plan), 0, "handled all the same");
        let mut log = RequestLog::default();
        log.count(&plan);
        assert_eq!((log.delayed, log.lost.gateway_timeout), (1, 1));
        let next = faults.plan("POST", "/api/v2/kubernetes", Instant::now(), &mut rng);
        assert_eq!(next.gateway_timeout, None, "used up");
    }

    #[test]
    fn counters_count_injected_lost_and_delayed() {
        let mut log = RequestLog::default();
        let plan = |delay_ms, action| Plan {
            delay: Duration::from_millis(delay_ms),
            held: false,
            gateway_timeout: None,
            action,
        };
        let error = |status| {
            Action::Inject(Injected::Error(ApiError::new(
                StatusCode::from_u16(status).expect("status"),
                "x",
                "y",
            )))
        };
        log.count(&plan(0, Action::Handle));
        log.count(&plan(5, error(503)));
        log.count(&plan(0, error(503)));
        log.count(&plan(0, error(429)));
        log.count(&plan(0, Action::Lose(LoseMode::GatewayTimeout)));
        log.count(&plan(5, Action::Lose(LoseMode::Drop)));
        assert_eq!(
            serde_json::to_value(&log).expect("json"),
            serde_json::json!({
                "total": 0, "by_route": {},
                "injected": {"429": 1, "503": 2},
                "lost": {"504": 1, "drop": 1},
                "delayed": 2
            })
        );
    }
}
