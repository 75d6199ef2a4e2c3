//! Reading the connection settings out of a kubeconfig: the API server's
//! address, the cluster's CA certificate and the client certificate and key,
//! the four values the `kubernetes` and `helm` providers take.
//!
//! [`parse`] follows kubectl's choice of context: the `current-context`,
//! else the only context, else the only cluster and the only user. The
//! certificates and key are the base64-decoded `*-data` fields, PEM text;
//! the file-path forms (`certificate-authority`, `client-certificate`,
//! `client-key`) and other ways to authenticate (token, exec plugin) are
//! reported as errors, since the provider cannot read files and the
//! `kubernetes` provider needs the PEM.
//!
//! A kubeconfig is a secret. Its text never appears in an error: messages
//! are built from key names, positions and counts only, never from a value
//! (not even a context's name), and the YAML parser's own messages, which
//! may quote the input, are not used.

use crate::framework::Attribute;
use std::fmt;

use base64::Engine;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use yaml_serde::{Mapping, Value};

/// The summary of every diagnostic about a kubeconfig that cannot be read.
pub const PARSE_FAILURE: &str = "Unable to parse the cluster's kubeconfig";

/// What a kubeconfig says about reaching its cluster. Its `Debug` shows
/// `host` only.
#[derive(Clone, PartialEq, Eq)]
pub struct Connection {
    /// The API server's URL (`https://<address>:6443`).
    pub host: String,
    /// The cluster CA's certificate, PEM.
    pub cluster_ca_certificate: String,
    /// The client certificate, PEM.
    pub client_certificate: String,
    /// The client certificate's private key, PEM.
    pub client_key: String,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// Why a kubeconfig could not be read: a sentence for a diagnostic's
/// detail, which never quotes the kubeconfig.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KubeconfigError(String);

impl KubeconfigError {
    fn new(why: impl Into<String>) -> Self {
        Self(why.into())
    }

    /// The detail of a diagnostic (under [`PARSE_FAILURE`]): what is wrong
    /// and what the attributes need.
    pub fn detail(&self) -> String {
        format!(
            "The kubeconfig the Xelon API returned cannot be read: {} The `host`, `cluster_ca_certificate`, `client_certificate` and `client_key` attributes need a kubeconfig with a `server` and the base64-encoded `certificate-authority-data`, `client-certificate-data` and `client-key-data` of its current context.",
            self.0
        )
    }
}

type Result<T> = std::result::Result<T, KubeconfigError>;

/// Reads the connection settings of `text`'s current context.
pub fn parse(text: &str) -> Result<Connection> {
    let root: Value = yaml_serde::from_str(text).map_err(|e| {
        KubeconfigError::new(match e.location() {
            Some(at) => format!(
                "it is not valid YAML (line {}, column {}).",
                at.line(),
                at.column()
            ),
            None => "it is not valid YAML.".to_owned(),
        })
    })?;
    let Value::Mapping(root) = root else {
        return Err(KubeconfigError::new("it is not a YAML mapping."));
    };
    let clusters = named_list(&root, "clusters", "cluster")?;
    let users = named_list(&root, "users", "user")?;
    let contexts = named_list(&root, "contexts", "context")?;

    let (cluster, user) = match text_of(root.get("current-context"), "`current-context`")? {
        Some(current) => {
            let context = find(&contexts, &current).ok_or_else(|| {
                KubeconfigError::new(
                    "its `current-context` names a context that `contexts` does not list.",
                )
            })?;
            from_context(context, &clusters, &users, "the current context")?
        }
        None => match (contexts.as_slice(), clusters.as_slice(), users.as_slice()) {
            ([(_, context)], _, _) => from_context(context, &clusters, &users, "its only context")?,
            ([], [(_, cluster)], [(_, user)]) => (*cluster, *user),
            _ => {
                return Err(KubeconfigError::new(format!(
                    "it sets no `current-context`, and with {} contexts, {} clusters and {} users it is not clear which to use.",
                    contexts.len(),
                    clusters.len(),
                    users.len()
                )));
            }
        },
    };

    let host = text_of(cluster.get("server"), "the cluster's `server`")?
        .ok_or_else(|| KubeconfigError::new("its cluster has no `server`."))?;
    let cluster_ca_certificate = pem_data(
        cluster,
        "certificate-authority-data",
        "certificate-authority",
        "the cluster",
        "CERTIFICATE",
    )?;
    if let Some(other) = ["token", "tokenFile", "exec", "auth-provider", "username"]
        .into_iter()
        .find(|k| user.contains_key(*k))
        .filter(|_| !user.contains_key("client-certificate-data"))
    {
        return Err(KubeconfigError::new(format!(
            "its user authenticates with `{other}`, not with a client certificate."
        )));
    }
    let client_certificate = pem_data(
        user,
        "client-certificate-data",
        "client-certificate",
        "the user",
        "CERTIFICATE",
    )?;
    let client_key = pem_data(
        user,
        "client-key-data",
        "client-key",
        "the user",
        "PRIVATE KEY",
    )?;
    Ok(Connection {
        host,
        cluster_ca_certificate,
        client_certificate,
        client_key,
    })
}

/// The `(name, body)` items of the list `key` (`clusters`, ...), whose
/// items are `{name: ..., <body_key>: {...}}`; empty when the key is absent.
fn named_list<'a>(
    root: &'a Mapping,
    key: &str,
    body_key: &str,
) -> Result<Vec<(String, &'a Mapping)>> {
    let items = match root.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Sequence(items)) => items,
        Some(_) => return Err(KubeconfigError::new(format!("its `{key}` is not a list."))),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = || format!("item {} of `{key}`", i + 1);
            let Value::Mapping(item) = item else {
                return Err(KubeconfigError::new(format!("{} is not a mapping.", at())));
            };
            let name =
                text_of(item.get("name"), &format!("the `name` of {}", at()))?.unwrap_or_default();
            match item.get(body_key) {
                Some(Value::Mapping(body)) => Ok((name, body)),
                _ => Err(KubeconfigError::new(format!(
                    "{} has no `{body_key}` mapping.",
                    at()
                ))),
            }
        })
        .collect()
}

/// The item named `name`, the first if several are.
fn find<'a>(items: &[(String, &'a Mapping)], name: &str) -> Option<&'a Mapping> {
    items.iter().find(|(n, _)| n == name).map(|(_, body)| *body)
}

/// The cluster and user that `context` names; `which` says which context
/// it is, for errors.
fn from_context<'a>(
    context: &Mapping,
    clusters: &[(String, &'a Mapping)],
    users: &[(String, &'a Mapping)],
    which: &str,
) -> Result<(&'a Mapping, &'a Mapping)> {
    let pick = |key: &str, list: &str, items: &[(String, &'a Mapping)]| {
        let name = text_of(context.get(key), &format!("the `{key}` of {which}"))?
            .ok_or_else(|| KubeconfigError::new(format!("{which} names no `{key}`.")))?;
        find(items, &name).ok_or_else(|| {
            KubeconfigError::new(format!(
                "{which} names a {key} that `{list}` does not list."
            ))
        })
    };
    Ok((
        pick("cluster", "clusters", clusters)?,
        pick("user", "users", users)?,
    ))
}

/// A scalar as text (names may be numbers or booleans in YAML); `None` when
/// absent, null or empty. `what` names it for errors.
fn text_of(value: Option<&Value>, what: &str) -> Result<Option<String>> {
    let text = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(_) => return Err(KubeconfigError::new(format!("{what} is not a string."))),
    };
    Ok(Some(text).filter(|t| !t.is_empty()))
}

/// The base64 field `key` of `body` decoded to PEM text holding a `label`
/// block (`CERTIFICATE`, or any `... PRIVATE KEY`). `path_key` is the
/// field's file-path form, reported as unreadable; `owner` names `body`.
fn pem_data(body: &Mapping, key: &str, path_key: &str, owner: &str, label: &str) -> Result<String> {
    let what = format!("the `{key}` of {owner}");
    let Some(encoded) = text_of(body.get(key), &what)? else {
        return Err(KubeconfigError::new(if body.contains_key(path_key) {
            format!(
                "{owner} gives `{path_key}`, a file path, which the provider cannot read: it needs `{key}` instead."
            )
        } else {
            format!("{owner} has no `{key}`.")
        }));
    };
    // Like Go's encoding/base64 as kubectl uses it: line breaks are
    // ignored; padding may be left out.
    let compact: String = encoded
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let lenient = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let bytes = lenient
        .decode(compact)
        .map_err(|_| KubeconfigError::new(format!("{what} is not valid base64.")))?;
    let pem = String::from_utf8(bytes)
        .ok()
        .filter(|pem| holds_pem_block(pem, label))
        .ok_or_else(|| {
            KubeconfigError::new(format!(
                "{what} does not hold a PEM {}.",
                if label == "CERTIFICATE" {
                    "certificate"
                } else {
                    "private key"
                }
            ))
        })?;
    Ok(pem)
}

/// True when `text` has a `-----BEGIN <label>-----` line (a label ending in
/// `label`, so `PRIVATE KEY` matches `EC PRIVATE KEY`) closed by its END line.
fn holds_pem_block(text: &str, label: &str) -> bool {
    text.lines().any(|line| {
        let Some(found) = line
            .trim()
            .strip_prefix("-----BEGIN ")
            .and_then(|rest| rest.strip_suffix("-----"))
        else {
            return false;
        };
        found.ends_with(label) && text.contains(&format!("-----END {found}-----"))
    })
}

/// The schema of the four connection attributes (shared with the
/// `xelon_kubernetes_cluster` data source), each described with `note`
/// appended.
pub(super) fn connection_attributes(note: &str) -> Vec<Attribute> {
    vec![
        Attribute::string("host")
            .computed()
            .description(format!("The URL of the cluster's Kubernetes API server (`https://<address>:6443`), from the kubeconfig's current context: the `host` of the `kubernetes` provider and of the `helm` provider's `kubernetes` block.{note}")),
        Attribute::string("cluster_ca_certificate")
            .computed()
            .sensitive()
            .description(format!("The PEM certificate of the cluster's certificate authority, decoded from the kubeconfig's `certificate-authority-data`: the `cluster_ca_certificate` of the `kubernetes` and `helm` providers. Sensitive.{note}")),
        Attribute::string("client_certificate")
            .computed()
            .sensitive()
            .description(format!("The PEM client certificate the kubeconfig authenticates with, decoded from its `client-certificate-data`: the `client_certificate` of the `kubernetes` and `helm` providers. Sensitive.{note}")),
        Attribute::string("client_key")
            .computed()
            .sensitive()
            .description(format!("The PEM private key of `client_certificate`, decoded from the kubeconfig's `client-key-data`: the `client_key` of the `kubernetes` and `helm` providers. Sensitive.{note}")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    const CA: &str = "-----BEGIN CERTIFICATE-----\nTUlJQ0FDQQ==\n-----END CERTIFICATE-----\n";
    const CERT: &str = "-----BEGIN CERTIFICATE-----\nTUlJQ0NMSUVOVA==\n-----END CERTIFICATE-----\n";
    const KEY: &str =
        "-----BEGIN EC PRIVATE KEY-----\nU0VDUkVUS0VZ\n-----END EC PRIVATE KEY-----\n";

    fn b64(text: &str) -> String {
        STANDARD.encode(text)
    }

    /// A kubeconfig in kubectl's layout, with `extra` appended at the top level.
    fn kubeconfig(current: &str, extra: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster:\n    server: https://10.0.0.5:6443\n    certificate-authority-data: {}\nusers:\n- name: admin@prod\n  user:\n    client-certificate-data: {}\n    client-key-data: {}\ncontexts:\n- name: admin@prod\n  context:\n    cluster: prod\n    user: admin@prod\n    namespace: default\ncurrent-context: {current}\npreferences: {{}}\n{extra}",
            b64(CA),
            b64(CERT),
            b64(KEY)
        )
    }

    /// Asserts that `text` fails with a detail containing `needle` and none
    /// of the secret material or names in `text`.
    fn fails(text: &str, needle: &str) -> KubeconfigError {
        let e = parse(text).expect_err("a parse failure");
        let detail = e.detail();
        assert!(detail.contains(needle), "{detail:?} lacks {needle:?}");
        for secret in [
            "TUlJQ0FDQQ",
            "U0VDUkVUS0VZ",
            "SECRETKEY",
            "BEGIN",
            "admin@prod",
            "10.0.0.5",
            &b64(KEY)[..20],
        ] {
            assert!(!detail.contains(secret), "{detail:?} leaks {secret:?}");
        }
        e
    }

    #[test]
    fn reads_the_current_context() {
        let c = parse(&kubeconfig("admin@prod", "")).expect("parses");
        assert_eq!(c.host, "https://10.0.0.5:6443");
        assert_eq!(c.cluster_ca_certificate, CA);
        assert_eq!(c.client_certificate, CERT);
        assert_eq!(c.client_key, KEY);
        // Debug shows the host, never the PEM.
        let debug = format!("{c:?}");
        assert!(
            debug.contains("10.0.0.5") && !debug.contains("BEGIN"),
            "{debug}"
        );
    }

    #[test]
    fn picks_the_current_context_among_several() {
        let text = format!(
            "clusters:\n- name: a\n  cluster:\n    server: https://a:6443\n    certificate-authority-data: {ca}\n- name: b\n  cluster:\n    server: https://b:6443\n    certificate-authority-data: {ca}\nusers:\n- name: ua\n  user:\n    client-certificate-data: {cert}\n    client-key-data: {key}\n- name: ub\n  user:\n    client-certificate-data: {cert2}\n    client-key-data: {key}\ncontexts:\n- name: ca\n  context: {{cluster: a, user: ua}}\n- name: cb\n  context: {{cluster: b, user: ub}}\ncurrent-context: cb\n",
            ca = b64(CA),
            cert = b64(CERT),
            cert2 = b64(CA),
            key = b64(KEY)
        );
        let c = parse(&text).expect("parses");
        assert_eq!(c.host, "https://b:6443");
        assert_eq!(c.client_certificate, CA, "the user of context cb");
        // Without a current context, several contexts are ambiguous.
        let ambiguous = text.replace("current-context: cb\n", "");
        fails(&ambiguous, "2 contexts, 2 clusters and 2 users");
        // A current context that is not listed.
        fails(
            &text.replace("current-context: cb", "current-context: nope"),
            "names a context that `contexts` does not list",
        );
    }

    #[test]
    fn without_a_current_context_the_only_one_is_used() {
        // The only context.
        let c = parse(&kubeconfig("\"\"", "")).expect("parses");
        assert_eq!(c.host, "https://10.0.0.5:6443");
        // No contexts at all: the only cluster and the only user.
        let text = kubeconfig("", "")
            .replace("contexts:\n- name: admin@prod\n  context:\n    cluster: prod\n    user: admin@prod\n    namespace: default\n", "");
        assert!(!text.contains("contexts"), "{text}");
        let c = parse(&text).expect("parses");
        assert_eq!(c.client_key, KEY);
    }

    #[test]
    fn base64_with_line_breaks_or_without_padding_is_read() {
        let wrapped: String = b64(KEY)
            .as_bytes()
            .chunks(16)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\n      ");
        let text = kubeconfig("admin@prod", "").replace(
            &format!("client-key-data: {}", b64(KEY)),
            &format!("client-key-data: >-\n      {wrapped}"),
        );
        assert_eq!(parse(&text).expect("parses").client_key, KEY);
        let unpadded =
            STANDARD.encode("-----BEGIN PRIVATE KEY-----\nQQ\n-----END PRIVATE KEY-----");
        assert!(unpadded.ends_with('='), "{unpadded}");
        let text = kubeconfig("admin@prod", "").replace(&b64(KEY), unpadded.trim_end_matches('='));
        assert!(
            parse(&text)
                .expect("parses")
                .client_key
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
    }

    #[test]
    fn malformed_yaml_is_a_clear_error_without_the_text() {
        let e = fails(
            "clusters: [\n  - {name: \"SECRETKEY",
            "not valid YAML (line",
        );
        assert!(e.detail().contains("`certificate-authority-data`"), "{e}");
        fails(
            &kubeconfig("admin@prod", "  bad: indentation\n"),
            "not valid YAML",
        );
        fails("just some text SECRETKEY", "not a YAML mapping");
        fails("", "not a YAML mapping");
        fails("- admin@prod\n- 10.0.0.5\n", "not a YAML mapping");
        fails("clusters: SECRETKEY\n", "its `clusters` is not a list");
        fails(
            "clusters:\n- SECRETKEY\n",
            "item 1 of `clusters` is not a mapping",
        );
        fails(
            "clusters:\n- name: x\n  server: https://10.0.0.5:6443\n",
            "item 1 of `clusters` has no `cluster` mapping",
        );
        // Two documents.
        fails(
            &format!(
                "{}---\n{}",
                kubeconfig("admin@prod", ""),
                kubeconfig("admin@prod", "")
            ),
            "not valid YAML",
        );
        // Alias bombs end in an error, not in memory exhaustion.
        let mut bomb = String::from("a: &a [\"SECRETKEY\", \"SECRETKEY\"]\n");
        for i in 1..30 {
            bomb.push_str(
                &format!("a{i}: &a{i} [*a{}, *a{}]\n", i - 1, i - 1).replace("*a0", "*a"),
            );
        }
        fails(&bomb, "not valid YAML");
        // The same aliases, a few levels deep, are read (the error is that
        // nothing in it is a kubeconfig).
        let small: String = bomb.lines().take(4).map(|l| format!("{l}\n")).collect();
        fails(&small, "it sets no `current-context`, and with 0 contexts");
    }

    #[test]
    fn missing_fields_are_named() {
        let text = kubeconfig("admin@prod", "");
        fails(
            &text.replace("    server: https://10.0.0.5:6443\n", ""),
            "its cluster has no `server`",
        );
        fails(
            &text.replace(
                &format!("    certificate-authority-data: {}\n", b64(CA)),
                "",
            ),
            "the cluster has no `certificate-authority-data`",
        );
        fails(
            &text.replace(&format!("    client-key-data: {}\n", b64(KEY)), ""),
            "the user has no `client-key-data`",
        );
        fails(
            &text.replace(&format!("    client-certificate-data: {}\n", b64(CERT)), ""),
            "the user has no `client-certificate-data`",
        );
        fails(
            &text.replace("    user: admin@prod\n", ""),
            "the current context names no `user`",
        );
        fails(
            &text.replace("    cluster: prod\n", "    cluster: other\n"),
            "the current context names a cluster that `clusters` does not list",
        );
        fails(
            &text.replace(
                "server: https://10.0.0.5:6443",
                "server: [https://10.0.0.5:6443]",
            ),
            "the cluster's `server` is not a string",
        );
    }

    #[test]
    fn file_paths_and_other_credentials_are_refused_clearly() {
        let text = kubeconfig("admin@prod", "");
        fails(
            &text.replace(
                &format!("certificate-authority-data: {}", b64(CA)),
                "certificate-authority: /etc/kubernetes/SECRETKEY/ca.crt",
            ),
            "the cluster gives `certificate-authority`, a file path, which the provider cannot read",
        );
        fails(
            &text.replace(
                &format!("client-key-data: {}", b64(KEY)),
                "client-key: /home/admin@prod/key.pem",
            ),
            "the user gives `client-key`, a file path",
        );
        fails(
            &text.replace(
                &format!(
                    "    client-certificate-data: {}\n    client-key-data: {}\n",
                    b64(CERT),
                    b64(KEY)
                ),
                "    token: SECRETKEY\n",
            ),
            "its user authenticates with `token`, not with a client certificate",
        );
    }

    #[test]
    fn bad_base64_and_non_pem_data_are_refused() {
        let text = kubeconfig("admin@prod", "");
        fails(
            &text.replace(&b64(KEY), "U0VDUkVUS0VZ!!!not-base64"),
            "the `client-key-data` of the user is not valid base64",
        );
        fails(
            &text.replace(&b64(CA), &b64("SECRETKEY, not a certificate")),
            "the `certificate-authority-data` of the cluster does not hold a PEM certificate",
        );
        // A key where the certificate belongs, and bytes that are not UTF-8.
        fails(
            &text.replace(&b64(CERT), &b64(KEY)),
            "the `client-certificate-data` of the user does not hold a PEM certificate",
        );
        fails(
            &text.replace(&b64(KEY), &STANDARD.encode([0xff, 0xfe, 0x00, 0x41])),
            "the `client-key-data` of the user does not hold a PEM private key",
        );
        // A BEGIN line without its END line.
        fails(
            &text.replace(&b64(KEY), &b64("-----BEGIN PRIVATE KEY-----\nQQ==\n")),
            "does not hold a PEM private key",
        );
    }
}
