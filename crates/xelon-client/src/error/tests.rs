//! Tests of [`super`] (error).
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use super::redact::{LONG_SECRET, Redactor};
use super::*;

/// The longest mark of a cut: `… (truncated, N bytes in all)`.
const MARK_MAX: usize = 48;

/// `text` is at most `max` bytes, or its first `max` bytes at most and the
/// mark of a cut that names `total`.
#[track_caller]
fn assert_cut(text: &str, max: usize, total: usize, case: &str) {
    if total <= max {
        assert!(!text.contains("(truncated, "), "{case}: {text}");
        assert!(text.len() <= max, "{case}: {text}");
        return;
    }
    let mark = format!("… (truncated, {total} bytes in all)");
    let kept = text.strip_suffix(&mark);
    let kept = kept.unwrap_or_else(|| panic!("{case}: no {mark:?} at the end of {text:?}"));
    assert!(kept.len() <= max, "{case}: {} bytes kept", kept.len());
    assert!(mark.len() <= MARK_MAX, "{mark}");
}

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
    assert_cut(kept, MAX_ERROR_BODY, body.len(), "é");
    assert!(kept.starts_with("{\"data\": \"éé"));
    assert!(kept.ends_with("… (truncated, 4011 bytes in all)"), "{kept}");
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
    assert_eq!(scrub("abcd", "", 3), "abc… (truncated, 4 bytes in all)");
    assert_eq!(scrub("aé", "", 2), "a… (truncated, 3 bytes in all)");
    // The length in all is the redacted text's (`a *** here`).
    assert_eq!(
        scrub("a long-secret-token here", "long-secret-token", 5),
        "a ***… (truncated, 10 bytes in all)"
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
    // A body that is not JSON: kept in `message`, cut at 500 bytes.
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
    assert!(m.len() <= MAX_MESSAGE + MARK_MAX, "{case}: {m}");
    if start < MAX_MESSAGE {
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
    assert!(kept.len() <= MAX_ERROR_BODY + MARK_MAX, "{case}");
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
        for limit in [MAX_MESSAGE, MAX_ERROR_BODY] {
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
    assert_eq!(
        scrub(&format!("ab{token}"), token, 4),
        "ab**… (truncated, 5 bytes in all)"
    );
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

/// A token with `/`, `+`, `=` and `:` (all of which percent-encoding,
/// form encoding and JSON may escape), and a plain alphanumeric one.
const SPELLED_TOKENS: &[&str] = &[
    "4711:Zq8X/kP3v+Lm9T=nR2wYc6HbJ5d/Fs1GaQ7e+Uo4iKx0N==",
    "Zq8XkP3vLm9TnR2wYc6HbJ5dFs1GaQ7eUo4iKx0N",
];

/// One way a body may spell a token: what the body holds, and the part of
/// it that the token alone decides (the rest, such as `Bearer `, is not
/// secret).
struct Spelling {
    name: String,
    text: String,
    secret: String,
}

/// `token` percent-encoded: the bytes `encode` picks as `%XX`, in upper
/// or lower case hex.
fn percent(token: &str, upper: bool, encode: impl Fn(usize, u8) -> bool) -> String {
    token
        .bytes()
        .enumerate()
        .map(|(i, b)| match (encode(i, b), upper) {
            (false, _) => char::from(b).to_string(),
            (true, true) => format!("%{b:02X}"),
            (true, false) => format!("%{b:02x}"),
        })
        .collect()
}

/// What form encoding (and RFC 3986) leaves as is.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

/// Every spelling the redaction must see through, each made here the
/// plain way, without the code under test.
fn spellings(token: &str) -> Vec<Spelling> {
    let spelled = |name: &str, text: String| Spelling {
        name: name.to_owned(),
        secret: text.clone(),
        text,
    };
    let json_u = |upper: bool| -> String {
        token
            .encode_utf16()
            .map(|unit| match upper {
                true => format!("\\u{unit:04X}"),
                false => format!("\\u{unit:04x}"),
            })
            .collect()
    };
    let json = serde_json::to_string(token).unwrap();
    let json = json[1..json.len() - 1].replace('/', "\\/");
    let mixed: String = token
        .chars()
        .enumerate()
        .map(|(i, c)| match i % 3 {
            0 => c.to_ascii_uppercase(),
            _ => c.to_ascii_lowercase(),
        })
        .collect();
    let form = percent(token, true, |_, b| !unreserved(b));
    let mut out = vec![
        spelled("as is", token.to_owned()),
        spelled(
            "percent, upper hex",
            percent(token, true, |_, b| !unreserved(b)),
        ),
        spelled(
            "percent, lower hex",
            percent(token, false, |_, b| !unreserved(b)),
        ),
        spelled("percent, every byte", percent(token, true, |_, _| true)),
        spelled(
            "percent, every other byte",
            percent(token, false, |i, _| i % 2 == 0),
        ),
        Spelling {
            name: "form-encoded Authorization header".to_owned(),
            text: format!("Authorization=Bearer+{form}"),
            secret: form,
        },
        spelled("JSON \\u, lower hex", json_u(false)),
        spelled("JSON \\u, upper hex", json_u(true)),
        spelled("JSON-escaped, \\/", json),
        spelled("upper case", token.to_uppercase()),
        spelled("lower case", token.to_lowercase()),
        spelled("mixed case", mixed),
        spelled(
            "lower case, percent-encoded",
            percent(&token.to_lowercase(), false, |_, b| !unreserved(b)),
        ),
    ];
    for (name, engine) in [
        ("base64", STANDARD),
        ("base64, no padding", STANDARD_NO_PAD),
        ("base64 URL-safe", URL_SAFE),
        ("base64 URL-safe, no padding", URL_SAFE_NO_PAD),
    ] {
        // The token alone: its whole groups of 3 bytes are its own.
        let alone = engine.encode(token);
        let own = &alone[..token.len() / 3 * 4];
        out.push(Spelling {
            name: format!("{name} of the token"),
            secret: own.to_owned(),
            text: alone.clone(),
        });
        // `Bearer ` is 7 bytes: the token's own groups start at byte 9,
        // character 12.
        let bearer = engine.encode(format!("Bearer {token}"));
        let own = &bearer[12..(7 + token.len()) / 3 * 4];
        out.push(Spelling {
            name: format!("{name} of `Bearer <token>`"),
            secret: own.to_owned(),
            text: format!("Authorization: Basic {bearer}"),
        });
    }
    out
}

/// Runs of 8 ASCII characters, lower-cased, each read as one number,
/// sorted.
struct Runs(Vec<u64>);

fn run(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().unwrap())
}

/// Every run of 8 characters of each spelling's secret part (all ASCII),
/// lower-cased, as is and JSON-escaped.
fn runs_of(spellings: &[Spelling]) -> Runs {
    let mut runs = Vec::new();
    for s in spellings {
        assert!(s.secret.is_ascii(), "{}", s.secret);
        // As is, and JSON-escaped (as a body quoting it holds it, and as
        // Rust's `{:?}` shows it: the same for these).
        let json = serde_json::to_string(&s.secret).unwrap();
        for form in [&s.secret, &json[1..json.len() - 1]] {
            let lower = form.to_ascii_lowercase();
            runs.extend(lower.as_bytes().windows(8).map(run));
        }
    }
    runs.sort_unstable();
    Runs(runs)
}

/// A run of 8 characters of `text` (compared case-insensitively) that is
/// one of `runs`.
fn spelled_leak(text: &str, runs: &Runs) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let at = lower
        .as_bytes()
        .windows(8)
        .position(|w| runs.0.binary_search(&run(w)).is_ok())?;
    Some(lower[at..at + 8].to_owned())
}

#[track_caller]
fn assert_no_spelled_leak(e: &Error, runs: &Runs, case: &str) {
    for text in texts(e) {
        if let Some(run) = spelled_leak(&text, runs) {
            panic!("{case}: {run:?} of the token shows in {text:?}");
        }
    }
}

/// Paddings that put the cut at `cut` before a spelling of `len` bytes,
/// at its first and last bytes, at a dozen places inside it, and after it.
fn paddings(cut: usize, len: usize) -> Vec<usize> {
    let step = (len / 12).max(1);
    let mut pads: Vec<usize> = (0..=len + 2)
        .step_by(step)
        .chain([len + 1, len, len - 1, 1, 0])
        .filter_map(|back| (cut + 1).checked_sub(back))
        .collect();
    pads.sort_unstable();
    pads.dedup();
    pads
}

/// A way a body's text becomes an error's text: its name, the cut that
/// applies to it, and the error made from the text.
type Way<'a> = (&'a str, usize, &'a dyn Fn(&str) -> Error);

#[test]
fn every_spelling_of_a_token_is_redacted_at_every_cut() {
    for &token in SPELLED_TOKENS {
        let all = spellings(token);
        let runs = runs_of(&all);
        for spelling in &all {
            let spelled = &spelling.text;
            let at = spelled.find(&spelling.secret).unwrap();
            // Each way a body's text becomes an error's text, with the cut
            // that applies to it.
            let ways: [Way; 6] = [
                ("a body that is not JSON", MAX_MESSAGE, &|text| {
                    Error::from_response(
                        Method::GET,
                        "p",
                        StatusCode::BAD_GATEWAY,
                        text.as_bytes(),
                        token,
                    )
                }),
                ("the message of a JSON body", MAX_MESSAGE, &|text| {
                    let body = serde_json::json!({ "message": text });
                    api_with(token, &body)
                }),
                ("the code of a JSON body", MAX_CODE, &|text| {
                    let body = serde_json::json!({ "error": text });
                    api_with(token, &body)
                }),
                ("a field's reason", MAX_REASON, &|text| {
                    let body = serde_json::json!({
                        "message": "The given data was invalid.",
                        "errors": { "token": ["required", text] },
                    });
                    api_with(token, &body)
                }),
                ("a field's name", MAX_FIELD_NAME, &|text| {
                    let body = serde_json::json!({ "errors": { text: ["is unknown"] } });
                    api_with(token, &body)
                }),
                ("an undecodable body", MAX_ERROR_BODY, &|text| {
                    let source = serde_json::from_str::<u32>(text).unwrap_err();
                    Error::decode(Method::GET, "p", source, text.as_bytes(), token)
                }),
            ];
            for (way, cut, make) in ways {
                for pad in paddings(cut, spelled.len()) {
                    let text = format!("{}{spelled}{}", ".".repeat(pad), ".".repeat(40));
                    let case = format!(
                        "{token:?} {} ({spelled}) in {way}, from byte {pad}",
                        spelling.name
                    );
                    let e = make(&text);
                    // (The runs of the token as is are among `runs`.)
                    assert_no_spelled_leak(&e, &runs, &case);
                    let kept = kept_text(&e);
                    assert!(kept.len() <= cut + MARK_MAX, "{case}: {kept}");
                    if pad + at < cut {
                        assert!(kept.contains('*'), "{case}: {kept}");
                    }
                }
            }
            // A JSON string: serde_json's message quotes it whole
            // (Rust-escaped), the body holds it JSON-escaped.
            let quoted = serde_json::to_string(spelled).unwrap();
            let quoted = &quoted[1..quoted.len() - 1];
            let secret = serde_json::to_string(&spelling.secret).unwrap();
            let quoted_at = quoted.find(&secret[1..secret.len() - 1]).unwrap();
            for pad in paddings(MAX_ERROR_BODY, quoted.len()) {
                let body = format!(
                    "\"{}{quoted}{}\"",
                    ".".repeat(pad.saturating_sub(1)),
                    ".".repeat(40)
                );
                let case = format!(
                    "{token:?} {} ({spelled}) in a JSON string, from byte {pad}",
                    spelling.name
                );
                let source = serde_json::from_str::<u32>(&body).unwrap_err();
                let e = Error::decode(Method::GET, "p", source, body.as_bytes(), token);
                assert_no_spelled_leak(&e, &runs, &case);
                let Error::Decode {
                    body: kept, source, ..
                } = &e
                else {
                    panic!("{case}: {e:?}")
                };
                assert!(kept.len() <= MAX_ERROR_BODY + MARK_MAX, "{case}: {kept}");
                let shown = source.to_string();
                assert!(shown.starts_with("invalid type: string"), "{case}: {shown}");
                // (The message puts `invalid type: string "` before it.)
                if pad + quoted_at + 30 < MAX_ERROR_BODY {
                    assert!(shown.contains('*'), "{case}: {shown}");
                }
            }
        }
    }
}

/// An [`Error::Api`] from a 422 with this JSON body.
fn api_with(token: &str, body: &serde_json::Value) -> Error {
    Error::from_response(
        Method::POST,
        "p",
        StatusCode::UNPROCESSABLE_ENTITY,
        body.to_string().as_bytes(),
        token,
    )
}

/// The text of an error that came from the body under test: the message,
/// the code, the last reason, the field name, or the kept body.
fn kept_text(e: &Error) -> String {
    match e {
        Error::Api {
            error,
            message,
            errors,
            ..
        } => {
            if let Some((field, reasons)) = errors.iter().next() {
                if field.starts_with('.') || field.contains('*') {
                    return field.clone();
                }
                return reasons.last().cloned().unwrap_or_default();
            }
            match (message, error) {
                (Some(m), _) => m.clone(),
                (None, Some(e)) => e.clone(),
                _ => panic!("nothing kept: {e:?}"),
            }
        }
        Error::Decode { body, .. } => body.clone(),
        other => panic!("not an answer's error: {other:?}"),
    }
}

#[test]
fn spellings_are_read_by_meaning() {
    let token = SPELLED_TOKENS[0];
    // The token's `/` and `+` each spelled some way: an escape inside an
    // escape, HTML character references, a space or `%20` for a `+`.
    let cases = [
        ('/', "%5C%2F"),
        ('/', "&#x2F;"),
        ('/', "&sol;"),
        ('/', "&#47;"),
        ('/', "\\/"),
        ('+', " "),
        ('+', "%20"),
        ('+', "%2b"),
        ('+', "&plus;"),
        ('+', "\\u002B"),
    ];
    for (c, spelled) in cases {
        let text = format!("echo: {}!", token.replace(c, spelled));
        let shown = redact(&text, token);
        assert_eq!(shown, "echo: ***!", "{text}");
    }
    // A non-BMP character as a JSON surrogate pair, and as Rust's `\u{..}`.
    let token = "secret-😀-token-value";
    for spelled in [
        "secret-\\ud83d\\ude00-token-value",
        "secret-\\uD83D\\uDE00-token-value",
        "secret-\\u{1f600}-token-value",
        "SECRET-%F0%9F%98%80-TOKEN-VALUE",
    ] {
        assert_eq!(redact(&format!("[{spelled}]"), token), "[***]", "{spelled}");
    }
    // Non-ASCII letters in any case; a final sigma is a sigma.
    let token = "tökén-ünïcødé-sécret-ΩΣ";
    for spelled in [token.to_uppercase(), token.to_lowercase()] {
        assert_eq!(redact(&format!("<{spelled}>"), token), "<***>", "{spelled}");
    }
    // A lone surrogate and a bad escape are text like any other.
    let text = "\\ud83d x %zz &bogus; \\q";
    assert_eq!(redact(text, SPELLED_TOKENS[1]), text);
}

#[test]
fn case_and_escapes_keep_short_tokens_to_words() {
    // A short token is still only redacted as a word, in any case and
    // spelling, and leaves longer words alone.
    assert_eq!(
        redact("Kubernetes cluster T", "t"),
        "Kubernetes cluster ***"
    );
    assert_eq!(redact("token%3Dt%3B", "t"), "token%3D***%3B");
    assert_eq!(redact("Test the tent", "t"), "Test the tent");
    assert_eq!(
        redact("S3CR3T and s3cr3tive", "s3cr3t"),
        "*** and s3cr3tive"
    );
    // No base64 or fragment rule for a short token.
    assert_eq!(redact("czNjcjN0 s3cr", "s3cr3t"), "czNjcjN0 s3cr");
    // A long token made mostly of escapes: its decoded form is too short
    // to be looked for alone, the token itself is found.
    assert_eq!(redact("a /// b", "%2F%2F%2F"), "a /// b");
    assert_eq!(redact("a%2f%2F%2fb", "%2F%2F%2F"), "a***b");
    // Nothing for an empty token.
    assert_eq!(redact("a %41 \\u0041", ""), "a %41 \\u0041");
}

/// Each cut keeps the longest prefix that ends on a character boundary.
#[test]
fn a_cut_never_splits_a_character() {
    let text = "aé€😀b".repeat(3);
    for max in 0..text.len() {
        let shown = scrub(&text, "", max);
        let kept = shown
            .strip_suffix(&format!("… (truncated, {} bytes in all)", text.len()))
            .unwrap();
        assert!(text.starts_with(kept));
        assert!(kept.len() <= max);
        let next = text[kept.len()..].chars().next().unwrap();
        assert!(kept.len() + next.len_utf8() > max, "{max}: {kept}");
    }
    // At the cut of a message: 166 euro signs (498 bytes) fit after `a`.
    let body = format!("a{}", "€".repeat(100_000));
    let e = Error::from_response(
        Method::GET,
        "p",
        StatusCode::BAD_GATEWAY,
        body.as_bytes(),
        "s",
    );
    let Error::Api { message, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(
        message.as_deref(),
        Some(format!("a{}… (truncated, 300001 bytes in all)", "€".repeat(166)).as_str())
    );
}

#[test]
fn a_300_kb_body_makes_a_bounded_message() {
    const SIZE: usize = 300_000;
    let token = SPELLED_TOKENS[0];
    let big = format!("{}{token}", "x".repeat(SIZE));
    let total = SIZE + 3;

    let e = Error::from_response(
        Method::GET,
        "p",
        StatusCode::BAD_GATEWAY,
        big.as_bytes(),
        token,
    );
    let Error::Api { message, .. } = &e else {
        panic!("{e:?}")
    };
    assert_cut(message.as_deref().unwrap(), MAX_MESSAGE, total, "raw");
    assert!(e.to_string().len() < MAX_MESSAGE + MARK_MAX + 40, "{e}");

    let body = serde_json::json!({ "error": big, "message": big });
    let e = api_with(token, &body);
    let Error::Api { error, message, .. } = &e else {
        panic!("{e:?}")
    };
    assert_cut(message.as_deref().unwrap(), MAX_MESSAGE, total, "message");
    assert_cut(error.as_deref().unwrap(), MAX_CODE, total, "error");

    let source = serde_json::from_str::<u32>(&serde_json::to_string(&big).unwrap()).unwrap_err();
    let e = Error::decode(Method::GET, "p", source, big.as_bytes(), token);
    let Error::Decode { body, source, .. } = &e else {
        panic!("{e:?}")
    };
    assert_cut(body, MAX_ERROR_BODY, total, "decode");
    let shown = source.to_string();
    assert!(shown.len() < MAX_ERROR_BODY + MARK_MAX + 40, "{shown}");
    assert!(shown.contains("… (truncated, "), "{shown}");
    assert!(e.to_string().len() < 2 * (MAX_ERROR_BODY + MARK_MAX) + 100);
    assert_no_leak(&e, token, "decode");
}

#[test]
fn fields_and_reasons_are_bounded() {
    let reasons: Vec<String> = (0..12)
        .map(|i| format!("reason {i} {}", "y".repeat(1000)))
        .collect();
    let fields: serde_json::Map<String, serde_json::Value> = (0..50)
        .map(|i| {
            (
                format!("field{i:02}{}", "z".repeat(i * 10)),
                serde_json::json!(reasons),
            )
        })
        .collect();
    let e = api_with("tok-SECRET", &serde_json::json!({ "errors": fields }));
    let Error::Api { errors, .. } = &e else {
        panic!("{e:?}")
    };
    assert_eq!(errors.len(), MAX_FIELDS + 1);
    assert_eq!(errors[MORE_FIELDS], vec!["and 30 more fields"]);
    // The first fields of the body are the ones kept.
    assert!(errors.keys().next().unwrap().starts_with("field00"));
    for (field, why) in errors.iter().filter(|(f, _)| *f != MORE_FIELDS) {
        assert!(field.len() <= MAX_FIELD_NAME + MARK_MAX, "{field}");
        assert_eq!(why.len(), MAX_REASONS + 1, "{field}");
        assert_eq!(why.last().unwrap(), "(and 7 more)");
        for reason in &why[..MAX_REASONS] {
            assert_cut(reason, MAX_REASON, 1009, field);
        }
    }
    let field = errors.keys().nth(15).unwrap();
    assert_cut(field, MAX_FIELD_NAME, 7 + 150, "field15");
    let shown = e.to_string();
    assert!(shown.ends_with(", and 30 more fields)"), "{shown}");
    let bound =
        MAX_FIELDS * (MAX_FIELD_NAME + (MAX_REASONS + 1) * (MAX_REASON + MARK_MAX + 2) + MARK_MAX);
    assert!(shown.len() < bound, "{}", shown.len());

    // A single field, and few reasons, are kept as they are.
    let e = api_with(
        "tok-SECRET",
        &serde_json::json!({ "errors": { "name": ["taken", null, 3] } }),
    );
    assert_eq!(
        e.to_string(),
        "POST p: 422 Unprocessable Entity (name: taken; 3)"
    );
}

/// Not a test: how long redaction takes on a 300 KB body. Run with
/// `cargo test --release --lib redaction_cost -- --ignored --nocapture`.
#[test]
#[ignore]
fn redaction_cost_on_a_300_kb_body() {
    use std::time::Instant;
    let token = SPELLED_TOKENS[0];
    let spelled = spellings(token);
    let mut prose = String::new();
    let mut i = 0;
    while prose.len() < 300_000 {
        prose.push_str("The given data was invalid: cluster k8s-1 (tenant 4711, ");
        prose.push_str("path /api/v2/kubernetes?x=%2F&y=\\u0041) is busy. ");
        if i % 100 == 0 {
            prose.push_str(&spelled[i / 100 % spelled.len()].text);
        }
        i += 1;
    }
    let alnum: String = (0..300_000)
        .map(|i| char::from(b"Zq8XkP3vLm9TnR2wYc6HbJ5dFs1GaQ7eUo4iKx0N"[(i * 7) % 40]))
        .collect();
    let escaped: String = "%2F\\u0041&#47;".repeat(300_000 / 15);
    for (name, body) in [
        ("prose", &prose),
        ("token-like alphanumerics", &alnum),
        ("all escapes", &escaped),
    ] {
        let start = Instant::now();
        let redactor = Redactor::new(token);
        let built = start.elapsed();
        let out = redactor.redact(body);
        let redacted = start.elapsed() - built;
        let start = Instant::now();
        let e = Error::from_response(
            Method::GET,
            "p",
            StatusCode::BAD_GATEWAY,
            body.as_bytes(),
            token,
        );
        let whole = start.elapsed();
        println!(
            "{name}: {} bytes, redactor built in {built:?}, redacted in {redacted:?} ({} bytes left), from_response in {whole:?} ({} bytes shown)",
            body.len(),
            out.len(),
            e.to_string().len()
        );
    }
}
