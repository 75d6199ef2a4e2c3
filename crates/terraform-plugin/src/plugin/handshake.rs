//! The go-plugin handshake: the magic cookie, protocol version negotiation,
//! the port range and the one line the plugin prints on stdout.

use base64::Engine;

use super::PluginError;

/// Environment variable carrying Terraform's magic cookie.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The value Terraform sets; a process started without it was not started by Terraform.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// go-plugin's core protocol version (the first field of the handshake line).
pub const CORE_PROTOCOL_VERSION: u32 = 1;
/// The Terraform plugin protocol major version this provider speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// What a person sees when they run the binary by hand: go-plugin's own
/// words (a provider's `main` may add how to use it).
pub const NOT_A_PROGRAM: &str = "\
This binary is a plugin. These are not meant to be executed directly.
Please execute the program that consumes these plugins, which will
load any plugins automatically.";

/// Checks that Terraform started us: the magic cookie must be present and exact.
pub fn check_magic_cookie(value: Option<&str>) -> Result<(), PluginError> {
    match value {
        Some(v) if v == MAGIC_COOKIE_VALUE => Ok(()),
        _ => Err(PluginError::NotStartedByTerraform),
    }
}

/// Picks protocol 6 from `PLUGIN_PROTOCOL_VERSIONS` (comma-separated).
///
/// When the variable is absent (very old clients) go-plugin falls back to the
/// plugin's own version, and so do we.
pub fn negotiate_version(offered: Option<&str>) -> Result<u32, PluginError> {
    let Some(offered) = offered else {
        return Ok(PROTOCOL_VERSION);
    };
    let versions: Vec<&str> = offered
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    if versions
        .iter()
        .any(|v| v.parse::<u32>().ok() == Some(PROTOCOL_VERSION))
    {
        Ok(PROTOCOL_VERSION)
    } else {
        Err(PluginError::UnsupportedProtocol {
            offered: offered.to_string(),
        })
    }
}

/// The TCP port range from `PLUGIN_MIN_PORT`/`PLUGIN_MAX_PORT`; `None` means any port.
pub fn port_range(min: Option<&str>, max: Option<&str>) -> Result<Option<(u16, u16)>, PluginError> {
    let parse = |name: &str, v: &str| {
        v.trim()
            .parse::<u16>()
            .map_err(|_| PluginError::Config(format!("{name} is not a port number: {v:?}")))
    };
    match (min, max) {
        (None, None) => Ok(None),
        (Some(min), Some(max)) => {
            let (lo, hi) = (
                parse("PLUGIN_MIN_PORT", min)?,
                parse("PLUGIN_MAX_PORT", max)?,
            );
            if lo > hi {
                return Err(PluginError::Config(format!(
                    "PLUGIN_MIN_PORT ({lo}) is above PLUGIN_MAX_PORT ({hi})"
                )));
            }
            Ok(Some((lo, hi)))
        }
        (Some(min), None) => Ok(Some((parse("PLUGIN_MIN_PORT", min)?, u16::MAX))),
        (None, Some(max)) => Ok(Some((1024, parse("PLUGIN_MAX_PORT", max)?))),
    }
}

/// Formats the handshake line `1|6|tcp|ADDR|grpc|CERT` (without the newline).
///
/// The certificate is base64 of its DER without padding (Go's
/// `RawStdEncoding`); without AutoMTLS the sixth field is left out.
pub fn handshake_line(addr: &std::net::SocketAddr, server_cert_der: Option<&[u8]>) -> String {
    let mut line = format!("{CORE_PROTOCOL_VERSION}|{PROTOCOL_VERSION}|tcp|{addr}|grpc");
    if let Some(der) = server_cert_der {
        line.push('|');
        line.push_str(&base64::engine::general_purpose::STANDARD_NO_PAD.encode(der));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_must_match_exactly() {
        assert!(check_magic_cookie(Some(MAGIC_COOKIE_VALUE)).is_ok());
        assert!(check_magic_cookie(None).is_err());
        assert!(check_magic_cookie(Some("")).is_err());
        assert!(check_magic_cookie(Some(&MAGIC_COOKIE_VALUE[1..])).is_err());
    }

    #[test]
    fn negotiates_six() {
        assert_eq!(negotiate_version(Some("5,6")).unwrap(), 6);
        assert_eq!(negotiate_version(Some(" 6 ")).unwrap(), 6);
        assert_eq!(negotiate_version(None).unwrap(), 6);
        let err = negotiate_version(Some("4,5")).unwrap_err();
        assert!(err.to_string().contains("4,5"), "{err}");
        assert!(negotiate_version(Some("16")).is_err());
    }

    #[test]
    fn port_ranges() {
        assert_eq!(port_range(None, None).unwrap(), None);
        assert_eq!(
            port_range(Some("10000"), Some("25000")).unwrap(),
            Some((10000, 25000))
        );
        assert!(port_range(Some("9"), Some("8")).is_err());
        assert!(port_range(Some("x"), Some("8")).is_err());
    }

    #[test]
    fn line_format() {
        let addr: std::net::SocketAddr = "127.0.0.1:41234".parse().unwrap();
        assert_eq!(handshake_line(&addr, None), "1|6|tcp|127.0.0.1:41234|grpc");
        // 4 bytes → 6 base64 characters without "==" padding.
        assert_eq!(
            handshake_line(&addr, Some(&[0xde, 0xad, 0xbe, 0xef])),
            "1|6|tcp|127.0.0.1:41234|grpc|3q2+7w"
        );
    }
}
