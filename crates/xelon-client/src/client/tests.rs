//! Tests of [`super`] (client).
use super::*;
use crate::test_support::{Reply, fast_config, mock};
use serde_json::json;

#[test]
fn seg_escapes_everything_that_could_change_the_path() {
    assert_eq!(seg("k8s-abc_1.2~x"), "k8s-abc_1.2~x");
    assert_eq!(seg("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
    assert_eq!(seg(".."), "%2E%2E");
    assert_eq!(seg("é"), "%C3%A9");
}

#[test]
fn new_validates_the_config() {
    let bad = |c: ClientConfig| Client::new(c).unwrap_err().to_string();
    assert!(bad(ClientConfig::new("")).contains("token is empty"));
    assert!(bad(ClientConfig::new("t").with_base_url("ftp://x/")).contains("http or https"));
    assert!(bad(ClientConfig::new("t").with_base_url("not a url")).contains("base_url"));
    let e = bad(ClientConfig::new("sec\nret"));
    assert!(!e.contains("sec\nret") && e.contains("token"), "{e}");

    let c = Client::new(ClientConfig::new("t").with_base_url("http://h:1/api/v2")).unwrap();
    assert_eq!(c.base_url(), "http://h:1/api/v2/");
    assert_eq!(
        c.url("kubernetes/x", &[("page", "2")]).unwrap().as_str(),
        "http://h:1/api/v2/kubernetes/x?page=2"
    );
}

#[test]
fn debug_never_shows_the_token() {
    let c = Client::new(ClientConfig::new("tok-HIDDEN-123").with_client_id(Some("cid".into())))
        .unwrap();
    let shown = format!("{c:?}");
    assert!(!shown.contains("tok-HIDDEN-123"), "{shown}");
    assert!(shown.contains("***"), "{shown}");
}

#[tokio::test]
async fn sends_auth_client_id_accept_and_user_agent() {
    let m = mock(|_, _| Reply::json(200, json!({"data": []}))).await;
    let client = Client::new(
        fast_config(&m.base_url)
            .with_client_id(Some("client-7".into()))
            .with_user_agent("test-agent/1"),
    )
    .unwrap();
    let _: serde_json::Value = client.get("kubernetes", &[("page", "1")]).await.unwrap();
    client.get_text("kubernetes/k1/config/kube").await.unwrap();
    client
        .post_empty(
            "kubernetes/k1/k8s-version",
            Some(&json!({"version": "1.31.2"})),
        )
        .await
        .unwrap();

    let reqs = m.requests();
    assert_eq!(reqs.len(), 3);
    let get = &reqs[0];
    assert_eq!(get.method, "GET");
    assert_eq!(get.path, "/api/v2/kubernetes");
    assert_eq!(get.query.as_deref(), Some("page=1"));
    assert_eq!(get.header("authorization"), Some("Bearer test-token"));
    assert_eq!(get.header("x-user-id"), Some("client-7"));
    assert_eq!(get.header("accept"), Some("application/json"));
    assert_eq!(get.header("user-agent"), Some("test-agent/1"));
    assert_eq!(reqs[1].header("accept"), Some("application/yaml"));
    let post = &reqs[2];
    assert_eq!(post.method, "POST");
    assert_eq!(post.header("content-type"), Some("application/json"));
    assert_eq!(post.json(), json!({"version": "1.31.2"}));
}

/// A `MakeWriter` that appends every log line to a shared buffer.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

#[tokio::test]
async fn logs_requests_but_never_the_token_or_config_bodies() {
    // tracing caches per-callsite interest globally. With a single
    // registered dispatcher it consults only the *calling thread's*
    // default, so a parallel test thread without a subscriber would turn
    // our callsites off. A second live dispatcher makes tracing consult
    // every registered one.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    let m = mock(|req, n| {
        if req.path.ends_with("/config/kube") {
            Reply::text(200, "client-key-data: KUBE-SECRET-KEY\n")
        } else if n == 0 {
            Reply::json(503, json!({}))
        } else {
            Reply::json(401, json!({"message": "nope"}))
        }
    })
    .await;
    let client = Client::new(fast_config(&m.base_url).with_client_id(Some("cid".into()))).unwrap();
    let kube = client.kubeconfig("k1").await.unwrap();
    assert!(kube.contains("KUBE-SECRET-KEY"));
    let _ = client.get_cluster("k1").await.unwrap_err();

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("xelon api request"), "{logs}");
    assert!(
        logs.contains("path=\"kubernetes/k1\"") || logs.contains("path=kubernetes/k1"),
        "{logs}"
    );
    assert!(logs.contains("status=503"), "{logs}");
    assert!(logs.contains("retrying xelon api request"), "{logs}");
    assert!(!logs.contains("test-token"), "token in logs:\n{logs}");
    assert!(
        !logs.contains("KUBE-SECRET-KEY"),
        "kubeconfig in logs:\n{logs}"
    );
}

#[tokio::test]
async fn no_client_id_header_without_client_id() {
    let m = mock(|_, _| Reply::json(200, json!({}))).await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let _: serde_json::Value = client.get("tenants/current", &[]).await.unwrap();
    assert_eq!(m.requests()[0].header("x-user-id"), None);
}

#[tokio::test]
async fn error_body_becomes_api_error() {
    let m = mock(|_, _| {
        Reply::json(
            422,
            json!({"message": "The given data was invalid.",
                   "errors": {"k8sVersion": ["not offered by cloud-1"]}}),
        )
    })
    .await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let err = client
        .post::<_, serde_json::Value>("kubernetes", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "POST kubernetes: 422 Unprocessable Entity: The given data was invalid \
         (k8sVersion: not offered by cloud-1)"
    );
    match err {
        Error::Api { status, errors, .. } => {
            assert_eq!(status, 422);
            assert_eq!(errors["k8sVersion"], vec!["not offered by cloud-1"]);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn echoed_token_is_redacted_from_errors() {
    let m = mock(|req, _| {
        let auth = req.header("authorization").unwrap_or_default().to_owned();
        Reply::json(401, json!({"message": format!("bad credentials: {auth}")}))
    })
    .await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let err = client
        .get::<serde_json::Value>("tenants/current", &[])
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("test-token"), "{shown}");
    assert!(shown.contains("Bearer ***"), "{shown}");
}

#[tokio::test]
async fn decode_error_keeps_the_body() {
    let m = mock(|_, _| Reply::text(200, "{\"data\": {\"identifier\": 42}}")).await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Obj {
        identifier: String,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Wrapped {
        data: Obj,
    }
    let err = client
        .get::<Wrapped>("kubernetes/k1", &[])
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            method, path, body, ..
        } => {
            assert_eq!(*method, Method::GET);
            assert_eq!(path, "kubernetes/k1");
            assert_eq!(body, "{\"data\": {\"identifier\": 42}}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("identifier\": 42"), "{err}");
}

#[tokio::test]
async fn get_retries_503_then_succeeds() {
    let m = mock(|_, n| {
        if n < 2 {
            Reply::json(503, json!({"message": "busy"}))
        } else {
            Reply::json(200, json!({"ok": true}))
        }
    })
    .await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let v: serde_json::Value = client.get("kubernetes/k1", &[]).await.unwrap();
    assert_eq!(v, json!({"ok": true}));
    assert_eq!(m.requests().len(), 3);
}

#[tokio::test]
async fn get_gives_up_after_max_attempts() {
    let m = mock(|_, _| Reply::json(502, json!({"message": "down"}))).await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let err = client
        .get::<serde_json::Value>("kubernetes", &[])
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(err.is_transient());
    assert_eq!(m.requests().len(), 4, "fast_config allows 4 attempts");
}

#[tokio::test]
async fn patch_and_delete_retry_but_post_does_not() {
    let m = mock(|req, n| {
        if n == 0 {
            Reply::json(503, json!({}))
        } else if req.method == "POST" {
            Reply::json(200, json!({"data": {}}))
        } else {
            Reply::json(204, json!(null))
        }
    })
    .await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    client
        .patch("kubernetes/k1/control-planes", &json!({"disk": 1}))
        .await
        .unwrap();
    client.delete("kubernetes/k1").await.unwrap();
    let err = client
        .post::<_, serde_json::Value>("kubernetes", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    let methods: Vec<String> = m.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, ["PATCH", "PATCH", "DELETE", "DELETE", "POST"]);
}

#[tokio::test]
async fn honours_retry_after_on_429() {
    let m = mock(|_, n| {
        if n == 0 {
            Reply::json(429, json!({"message": "slow down"})).with_header("Retry-After", "1")
        } else {
            Reply::json(200, json!({"data": {}}))
        }
    })
    .await;
    let client = Client::new(fast_config(&m.base_url)).unwrap();
    let started = Instant::now();
    let _: serde_json::Value = client.post("kubernetes", &json!({})).await.unwrap();
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(950),
        "waited only {elapsed:?}"
    );
    let reqs = m.requests();
    assert_eq!(reqs.len(), 2);
    let gap = reqs[1].at.duration_since(reqs[0].at);
    assert!(gap >= Duration::from_millis(950), "gap {gap:?}");
}

#[tokio::test]
async fn retry_after_is_capped() {
    let m = mock(|_, n| {
        if n == 0 {
            Reply::json(429, json!({})).with_header("Retry-After", "3600")
        } else {
            Reply::json(200, json!({}))
        }
    })
    .await;
    let mut config = fast_config(&m.base_url);
    config.retry.retry_after_cap = Duration::from_millis(30);
    let client = Client::new(config).unwrap();
    let started = Instant::now();
    let _: serde_json::Value = client.get("kubernetes", &[]).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(m.requests().len(), 2);
}

#[tokio::test]
async fn retries_connection_failures_for_get() {
    // Find a free port, leave it closed for a while, then serve on it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        crate::test_support::serve_on(addr, |_, _| Reply::json(200, json!({"up": 1}))).await
    });
    let mut config = fast_config(&format!("http://{addr}/api/v2/"));
    config.retry = RetryPolicy {
        budget: Duration::from_secs(10),
        max_attempts: 12,
        base: Duration::from_millis(100),
        cap: Duration::from_millis(300),
        retry_after_cap: Duration::from_secs(1),
        ..RetryPolicy::default()
    };
    let client = Client::new(config).unwrap();
    let v: serde_json::Value = client.get("kubernetes", &[]).await.unwrap();
    assert_eq!(v, json!({"up": 1}));
    server.abort();
}

#[tokio::test]
async fn post_does_not_retry_connection_failures() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::new(fast_config(&format!("http://{addr}/api/v2/"))).unwrap();
    let err = client
        .post_empty::<()>("kubernetes/k1/upgrade", None)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("POST kubernetes/k1/upgrade: "),
        "{err}"
    );
    assert!(!err.to_string().contains("test-token"));
}

#[tokio::test]
async fn cancellation_stops_retry_sleeps() {
    let m = mock(|_, _| Reply::json(503, json!({}))).await;
    let mut config = fast_config(&m.base_url);
    config.retry.base = Duration::from_secs(60);
    config.retry.cap = Duration::from_secs(60);
    config.retry.budget = Duration::from_secs(600);
    config.retry.max_attempts = 10;
    let token = CancellationToken::new();
    let client = Client::new(config).unwrap().with_cancel(token.clone());
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        token.cancel();
    });
    let started = Instant::now();
    let err = client
        .get::<serde_json::Value>("kubernetes", &[])
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    canceller.await.unwrap();
}

#[tokio::test]
async fn a_token_echoed_across_the_cut_is_redacted() {
    // A server echoing the token so that it straddles where the error
    // keeps the body: at 200 bytes of a non-JSON error body, at 1024 of
    // an undecodable 2xx one.
    const TOKEN: &str = "4711|Zq8XkP3vLm9TnR2wYc6HbJ5dFs1GaQ7eUo4iKx0N";
    for (status, cut) in [(400, 200), (200, 1024)] {
        let m = mock(move |req, _| {
            let auth = req.header("authorization").unwrap_or_default();
            let echoed = auth.trim_start_matches("Bearer ");
            let body = format!("{}{echoed}{}", ".".repeat(cut - 20), ".".repeat(100));
            Reply::text(status, &body)
        })
        .await;
        let mut config = fast_config(&m.base_url);
        config.token = TOKEN.into();
        let client = Client::new(config).unwrap();
        let err = client
            .get::<serde_json::Value>("kubernetes", &[])
            .await
            .unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(shown.contains("..."), "{shown}");
        for start in 0..=TOKEN.len() - 8 {
            let run = &TOKEN[start..start + 8];
            assert!(!shown.contains(run), "{run:?} of the token in {shown}");
        }
    }
}
