//! Tests of [`super`] (error).
use super::*;

fn api(status: u16, body: &str) -> Error {
    Error::from_response(
        Method::POST,
        "kubernetes",
        StatusCode::from_u16(status).unwrap(),
        body.as_bytes(),
        "tok-SECRET",
    )
}

#[test]
fn api_text_never_doubles_a_full_stop() {
    let e = api(401, r#"{"message":"Unauthenticated."}"#);
    let sentence = format!("{e}. Check the token.");
    assert_eq!(
        sentence,
        "POST kubernetes: 401 Unauthorized: Unauthenticated. Check the token."
    );
    let e = api(500, "Server Error...  ");
    assert!(!format!("{e}.").contains(".."), "{e}");
}

#[test]
fn api_error_display_with_validation_errors() {
    let e = api(
        422,
        r#"{"error":"validation","message":"The given data was invalid.","errors":{"k8sVersion":["not offered","too old"],"clusterName":"taken"}}"#,
    );
    assert_eq!(
        e.to_string(),
        "POST kubernetes: 422 Unprocessable Entity: The given data was invalid \
         (clusterName: taken, k8sVersion: not offered; too old)"
    );
    let Error::Api { error, errors, .. } = &e else {
        panic!("not an Api error: {e:?}");
    };
    assert_eq!(error.as_deref(), Some("validation"));
    assert_eq!(errors["k8sVersion"], vec!["not offered", "too old"]);
    assert!(!e.is_not_found());
    assert!(!e.is_transient());
}

#[test]
fn api_error_falls_back_to_code_and_raw_text() {
    let e = api(404, r#"{"error":"not_found"}"#);
    assert_eq!(e.to_string(), "POST kubernetes: 404 Not Found: not_found");
    assert!(e.is_not_found());

    let e = api(502, "<html>Bad gateway</html>");
    assert_eq!(
        e.to_string(),
        "POST kubernetes: 502 Bad Gateway: <html>Bad gateway</html>"
    );
    assert!(e.is_transient());

    let e = api(500, "");
    assert_eq!(e.to_string(), "POST kubernetes: 500 Internal Server Error");
}

#[test]
fn short_secrets_are_redacted_only_as_words() {
    assert_eq!(
        redact("Kubernetes cluster t", "t"),
        "Kubernetes cluster ***"
    );
    assert_eq!(redact("token=t;", "t"), "token=***;");
    assert_eq!(
        redact("a long-secret-token here", "long-secret-token"),
        "a *** here"
    );
    assert_eq!(redact("xlong-secret-tokenx", "long-secret-token"), "x***x");
}

#[test]
fn api_error_redacts_the_secret() {
    let e = api(
        401,
        r#"{"message":"token tok-SECRET is bad","errors":{"tok-SECRET":["tok-SECRET"]}}"#,
    );
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("tok-SECRET"), "{shown}");
    assert!(shown.contains("token *** is bad"), "{shown}");
}

#[test]
fn decode_error_keeps_a_truncated_body() {
    let body = format!("{{\"data\": \"{}\"", "é".repeat(2000));
    let source = serde_json::from_str::<u32>("x").unwrap_err();
    let e = Error::decode(Method::GET, "kubernetes/k", source, body.as_bytes(), "s");
    let Error::Decode { body: kept, .. } = &e else {
        panic!("not a Decode error");
    };
    assert!(kept.len() <= MAX_ERROR_BODY + '…'.len_utf8());
    assert!(kept.starts_with("{\"data\": \"éé"));
    assert!(kept.ends_with('…'));
    assert!(
        e.to_string()
            .starts_with("GET kubernetes/k: cannot decode the answer: ")
    );
}

#[test]
fn timeout_and_not_ready_display() {
    let e = Error::Timeout {
        what: "cluster k to be ready".into(),
        after: Duration::from_secs(1830),
        last_status: Some("Provisioning".into()),
    };
    assert_eq!(
        e.to_string(),
        "timed out after 30m30s waiting for cluster k to be ready (last status: Provisioning)"
    );
    let e = Error::NotReady {
        what: "cluster k to be ready".into(),
        status: "Error".into(),
    };
    assert_eq!(
        e.to_string(),
        "cluster k to be ready reached status \"Error\""
    );
    assert_eq!(
        DisplayDuration(Duration::from_millis(250)).to_string(),
        "250ms"
    );
    assert_eq!(
        DisplayDuration(Duration::from_secs(3600)).to_string(),
        "1h0m0s"
    );
}

#[test]
fn scrub_cuts_on_char_boundaries() {
    assert_eq!(scrub("abc", "", 3), "abc");
    assert_eq!(scrub("abcd", "", 3), "abc…");
    assert_eq!(scrub("aé", "", 2), "a…");
    assert_eq!(
        scrub("a long-secret-token here", "long-secret-token", 5),
        "a ***…"
    );
}

/// Tokens to try: a Sanctum-style `id|random` one, one full of regex
/// syntax and JSON escapes, one with non-ASCII letters, one that repeats
/// itself, and a short one (redacted only as a word).
const TOKENS: &[&str] = &[
    "4711|Zq8XkP3vLm9TnR2wYc6HbJ5dFs1GaQ7eUo4iKx0N",
    r#"a.b*c+d?e(f)[g]{h}|^$\/"x'y%z-0123456789"#,
    "tökén-ünïcødé-sécret-ΩΣ",
    "abcabcabcabcabcabcabc",
    "s3cr3t",
];

/// What of `secret` shows in `text`: a run of 8 or more of its bytes
/// (starting and ending on character boundaries), or, for a secret
/// shorter than that, the secret itself.
fn leak(text: &str, secret: &str) -> Option<String> {
    if secret.len() < LONG_SECRET {
        return text.contains(secret).then(|| secret.to_owned());
    }
    let bounds: Vec<usize> = (0..=secret.len())
        .filter(|&i| secret.is_char_boundary(i))
        .collect();
    bounds.iter().find_map(|&i| {
        let j = *bounds.iter().find(|&&j| j >= i + LONG_SECRET)?;
        let run = &secret[i..j];
        text.contains(run).then(|| run.to_owned())
    })
}

/// Every text an error shows or holds: Display, Debug, and each field.
fn texts(e: &Error) -> Vec<String> {
    let mut out = vec![e.to_string(), format!("{e:?}")];
    match e {
        Error::Api {
            error,
            message,
            errors,
            ..
        } => {
            out.extend(error.iter().cloned());
            out.extend(message.iter().cloned());
            for (field, reasons) in errors {
                out.push(field.clone());
                out.extend(reasons.iter().cloned());
            }
        }
        Error::Decode { source, body, .. } => {
            out.push(body.clone());
            out.push(source.to_string());
            out.push(format!("{source:?}"));
        }
        _ => {}
    }
    out
}

#[track_caller]
fn assert_no_leak(e: &Error, secret: &str, case: &str) {
    for text in texts(e) {
        if let Some(run) = leak(&text, secret) {
            panic!("{case}: {run:?} of the token shows in {text:?}");
        }
    }
}

/// `.` fills around the token: not a word character (so a short token
/// counts as a word) and not part of any long token's 8-byte runs.
fn around(before: usize, token: &str, total: usize) -> String {
    let after = total.saturating_sub(before + token.len()).max(1);
    format!("{}{token}{}", ".".repeat(before), ".".repeat(after))
}

/// `body`, holding `token` (from byte `start` on, maybe also before),
/// through every way a body becomes an error.
fn assert_body_is_scrubbed(body: &str, token: &str, start: usize, case: &str) {
    // A body that is not JSON: kept in `message`, cut at 200 bytes.
    let e = Error::from_response(
        Method::GET,
        "p",
        StatusCode::BAD_GATEWAY,
        body.as_bytes(),
        token,
    );
    assert_no_leak(&e, token, case);
    let Error::Api { message, .. } = &e else {
        panic!("{case}: {e:?}")
    };
    let m = message.as_deref().unwrap_or_default();
    assert!(m.len() <= MAX_RAW_MESSAGE + '…'.len_utf8(), "{case}: {m}");
    if start < MAX_RAW_MESSAGE {
        assert!(m.contains('*'), "{case}: {m}");
    }

    // An undecodable 2xx body: kept in `body`, cut at 1024 bytes.
    let source = serde_json::from_slice::<u32>(body.as_bytes()).unwrap_err();
    let e = Error::decode(Method::GET, "p", source, body.as_bytes(), token);
    assert_no_leak(&e, token, case);

    // The same as a JSON string, which serde_json's message quotes whole
    // (and the body holds JSON-escaped).
    let json = serde_json::to_string(body).unwrap();
    let source = serde_json::from_str::<u32>(&json).unwrap_err();
    let e = Error::decode(Method::GET, "p", source, json.as_bytes(), token);
    assert_no_leak(&e, token, case);
    let Error::Decode {
        body: kept, source, ..
    } = &e
    else {
        panic!("{case}: {e:?}")
    };
    assert!(kept.len() <= MAX_ERROR_BODY + '…'.len_utf8(), "{case}");
    let shown = source.to_string();
    assert!(shown.starts_with("invalid type: string"), "{case}: {shown}");
    assert!(shown.contains(" at line 1 column "), "{case}: {shown}");

    // The JSON fields of an error body.
    let fields = serde_json::json!({
        "error": body, "message": body, "errors": { body: [body] },
    });
    let e = Error::from_response(
        Method::POST,
        "p",
        StatusCode::UNPROCESSABLE_ENTITY,
        fields.to_string().as_bytes(),
        token,
    );
    assert_no_leak(&e, token, case);
}

#[test]
fn tokens_across_every_cut_are_redacted_before_truncation() {
    for &token in TOKENS {
        let len = token.len();
        for limit in [MAX_RAW_MESSAGE, MAX_ERROR_BODY] {
            for start in limit + 1 - len..limit {
                let once = around(start, token, limit + 300);
                // The token twice: once near the start, once across the cut.
                let twice = format!("..{token}{}", &once[2 + len..]);
                assert_body_is_scrubbed(&once, token, start, &format!("{token:?} at {start}"));
                let case = format!("{token:?} at 2 and {start}");
                assert_body_is_scrubbed(&twice, token, start, &case);
            }
        }
    }
}

#[test]
fn fragments_and_copies_of_a_long_token_are_redacted() {
    let token = TOKENS[0];
    let cases = [
        // A server or proxy cut the echo inside the token.
        format!("bad token {}", &token[..20]),
        format!("{} is bad", &token[15..]),
        format!("token {}... (shortened)", &token[..12]),
        // Overlapping and back-to-back copies.
        format!("{token}{token}"),
        format!("{}{token}", &token[..30]),
        // PHP's json_encode escapes `/`.
        serde_json::to_string(&format!("x{}/{}x", &token[..10], &token[10..]))
            .unwrap()
            .replace('/', "\\/"),
    ];
    for text in &cases {
        let secret = if text.contains('/') {
            format!("{}/{}", &token[..10], &token[10..])
        } else {
            token.to_owned()
        };
        let shown = redact(text, &secret);
        assert_eq!(leak(&shown, &secret), None, "{text} -> {shown}");
        assert!(shown.contains("***"), "{text} -> {shown}");
    }
    assert_eq!(redact(&format!("a {token}{token} b"), token), "a *** b");
    // Nothing else is touched, and a cut after redaction keeps `***` whole
    // or cuts it, never the token.
    assert_eq!(redact("no secret here", token), "no secret here");
    assert_eq!(scrub(&format!("ab{token}"), token, 4), "ab**…");
}

#[test]
fn tokens_are_matched_as_plain_text() {
    let token = TOKENS[1];
    let shown = redact(&format!("got {token}!"), token);
    assert_eq!(shown, "got ***!");
    // Regex-like characters match only themselves: as a regex, the
    // token's start `a.b*c+d?e` would match this.
    assert_eq!(redact("aXbbbcccde(f)", token), "aXbbbcccde(f)");
    // A token that contains `***` cannot reappear from the `***` put in.
    let starry = "***abc***abc***";
    let shown = redact(&format!("x{starry}{starry}x"), starry);
    assert_eq!(leak(&shown, starry), None, "{shown}");
}
