//! go-plugin's AutoMTLS, server side.
//!
//! Terraform generates a client certificate, passes it in `PLUGIN_CLIENT_CERT`
//! and expects the plugin to answer with a fresh self-signed server
//! certificate in the handshake line. Terraform then trusts exactly that
//! certificate (checking the name `localhost`), and we trust exactly its
//! client certificate: both sides pin.

use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::DistinguishedName;
use rustls::SignatureScheme;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};

use super::PluginError;

/// The server side of one AutoMTLS session: the TLS configuration and the
/// DER of our certificate, which goes into the handshake line.
pub struct AutoMtls {
    /// rustls configuration that requires and pins Terraform's certificate.
    pub server_config: Arc<rustls::ServerConfig>,
    /// Our freshly generated server certificate (DER).
    pub server_cert_der: Vec<u8>,
}

impl AutoMtls {
    /// Builds the TLS setup from the PEM that Terraform put in `PLUGIN_CLIENT_CERT`.
    pub fn from_client_cert_pem(client_cert_pem: &str) -> Result<Self, PluginError> {
        let client_cert =
            CertificateDer::from_pem_slice(client_cert_pem.as_bytes()).map_err(|e| {
                PluginError::Tls(format!("PLUGIN_CLIENT_CERT is not a PEM certificate: {e}"))
            })?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let (server_cert, key) = generate_server_cert()?;
        let verifier = Arc::new(PinnedClientCert {
            expected: client_cert.into_owned(),
            provider: provider.clone(),
        });
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| PluginError::Tls(e.to_string()))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(vec![server_cert.clone()], key)
            .map_err(|e| PluginError::Tls(e.to_string()))?;
        // gRPC runs over HTTP/2; grpc-go clients insist on ALPN "h2".
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Self {
            server_config: Arc::new(config),
            server_cert_der: server_cert.to_vec(),
        })
    }
}

/// A self-signed certificate for `localhost`, shaped like go-plugin's own
/// (CA flag, signing key usages, server and client auth), valid for a day.
fn generate_server_cert() -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), PluginError>
{
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let tls_err =
        |e: rcgen::Error| PluginError::Tls(format!("generating the server certificate: {e}"));
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(tls_err)?;
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).map_err(tls_err)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "HashiCorp");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyAgreement,
        KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::seconds(30);
    params.not_after = now + time::Duration::hours(24);
    let cert = params.self_signed(&key).map_err(tls_err)?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key_der))
}

/// Accepts exactly one client certificate (byte for byte) and checks the
/// handshake signature with the crypto provider's algorithms, which include
/// ECDSA P-521 as used by go-plugin.
#[derive(Debug)]
struct PinnedClientCert {
    expected: CertificateDer<'static>,
    provider: Arc<CryptoProvider>,
}

impl ClientCertVerifier for PinnedClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOT_PEM: &str = "hello";

    #[test]
    fn rejects_garbage_client_cert() {
        assert!(matches!(
            AutoMtls::from_client_cert_pem(NOT_PEM),
            Err(PluginError::Tls(_))
        ));
    }

    #[test]
    fn p521_is_verifiable() {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        assert!(
            provider
                .signature_verification_algorithms
                .supported_schemes()
                .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
        );
    }

    #[test]
    fn server_cert_names_localhost_and_pins_client() {
        let (client_cert, _) = generate_server_cert().unwrap();
        let pem = pem_encode(client_cert.as_ref());
        let mtls = AutoMtls::from_client_cert_pem(&pem).unwrap();
        assert_eq!(mtls.server_config.alpn_protocols, vec![b"h2".to_vec()]);
        // The DER carries the DNS name (as an IA5String inside the SAN).
        let der = &mtls.server_cert_der;
        assert!(der.windows(9).any(|w| w == b"localhost"));
        let verifier = PinnedClientCert {
            expected: client_cert.clone(),
            provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
        };
        let now = UnixTime::now();
        assert!(verifier.verify_client_cert(&client_cert, &[], now).is_ok());
        let other = CertificateDer::from(mtls.server_cert_der.clone());
        assert!(verifier.verify_client_cert(&other, &[], now).is_err());
    }

    fn pem_encode(der: &[u8]) -> String {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
        for chunk in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(chunk).unwrap());
            out.push('\n');
        }
        out.push_str("-----END CERTIFICATE-----\n");
        out
    }
}
