//! The go-plugin contract: how Terraform starts, finds, secures and stops a
//! provider process.
//!
//! [`serve`] checks the magic cookie, negotiates protocol 6, listens on
//! loopback, sets up AutoMTLS when Terraform asks for it, prints the handshake
//! line and serves the given gRPC provider service beside go-plugin's health
//! and controller services until Terraform asks it to shut down.
//! In debug mode it skips the handshake and prints `TF_REATTACH_PROVIDERS`.
//! When Terraform dies without stopping it, the plugin notices and exits
//! by itself ([`parent`]).

pub mod handshake;
pub mod logging;
pub mod parent;
pub mod tls;

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::body::Body;
use tonic::codegen::{BoxFuture, Context, Poll, Service, http};
use tonic::server::NamedService;
use tonic_health::pb::health_server::HealthServer;
use tonic_health::server::HealthService;

use crate::proto::plugin::Empty;
use crate::proto::plugin::grpc_controller_server::{GrpcController, GrpcControllerServer};
use crate::proto::tfplugin6::provider_client::ProviderClient;
use crate::proto::tfplugin6::provider_server::{Provider, ProviderServer};
use crate::proto::tfplugin6::stop_provider;

/// Why the plugin could not start or serve.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The process was not started by Terraform (no or wrong magic cookie).
    #[error("{}", handshake::NOT_A_PROGRAM)]
    NotStartedByTerraform,
    /// Terraform offered no protocol version this plugin speaks.
    #[error(
        "Terraform offered plugin protocol versions {offered:?}, but this provider speaks only version 6: use Terraform 1.0 or later"
    )]
    UnsupportedProtocol {
        /// The raw `PLUGIN_PROTOCOL_VERSIONS` value.
        offered: String,
    },
    /// A malformed environment setting.
    #[error("invalid plugin environment: {0}")]
    Config(String),
    /// Setting up AutoMTLS failed.
    #[error("AutoMTLS: {0}")]
    Tls(String),
    /// Listening or serving failed.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The gRPC server failed.
    #[error("gRPC server: {0}")]
    Transport(#[from] tonic::transport::Error),
}

/// How to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Serve without Terraform's handshake and print `TF_REATTACH_PROVIDERS`.
    /// The process then lives until its user stops it: it does not exit
    /// when the process that started it does (see [`parent`]).
    pub debug: bool,
    /// The provider's full address, e.g. `registry.terraform.io/example/notes`,
    /// used as the key of the reattach JSON.
    pub provider_address: String,
}

/// The largest gRPC message accepted or sent (Terraform's own limit is 256 MiB).
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// How long open connections get to finish after `Shutdown` or SIGTERM.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves `service` (the `tfplugin6.Provider` gRPC service) as a go-plugin
/// plugin until Terraform calls `GRPCController.Shutdown`, SIGTERM (or
/// Ctrl-C in debug mode) arrives, or the process that started it (Terraform)
/// dies. In that last case work in flight is cancelled as by `StopProvider`,
/// and the process exits within [`parent::GRACE`] + [`parent::BACKSTOP`]
/// even if something keeps the runtime from ending.
pub async fn serve<P: Provider>(
    service: ProviderServer<P>,
    options: ServeOptions,
) -> Result<(), PluginError> {
    // Before anything else, while the parent is surely still the one that
    // started us.
    let parent = parent::to_watch(options.debug);
    let env = |k: &str| std::env::var(k).ok();
    if !options.debug {
        handshake::check_magic_cookie(env(handshake::MAGIC_COOKIE_KEY).as_deref())?;
        handshake::negotiate_version(env("PLUGIN_PROTOCOL_VERSIONS").as_deref())?;
    }
    let range = handshake::port_range(
        env("PLUGIN_MIN_PORT").as_deref(),
        env("PLUGIN_MAX_PORT").as_deref(),
    )?;
    let listener = bind_loopback(range).await?;
    let addr = listener.local_addr().map_err(|source| PluginError::Io {
        context: "reading the listener address".into(),
        source,
    })?;

    let shutdown = CancellationToken::new();
    spawn_signal_handlers(shutdown.clone(), options.debug);
    let parent_gone = CancellationToken::new();
    if let Some(pid) = parent {
        spawn_parent_watch(pid, service.clone(), parent_gone.clone(), shutdown.clone());
    }

    let health_reporter = tonic_health::server::HealthReporter::new();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;
    let services = Services {
        health: HealthServer::new(HealthService::from_health_reporter(health_reporter)),
        controller: GrpcControllerServer::new(Controller {
            shutdown: shutdown.clone(),
        }),
        provider: service
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE),
    };
    let server = tonic::transport::Server::builder();

    let tls = match (options.debug, env("PLUGIN_CLIENT_CERT")) {
        (false, Some(pem)) if !pem.trim().is_empty() => {
            Some(tls::AutoMtls::from_client_cert_pem(&pem)?)
        }
        _ => None,
    };

    if options.debug {
        print_reattach(&options.provider_address, addr)?;
    } else {
        let line =
            handshake::handshake_line(&addr, tls.as_ref().map(|t| t.server_cert_der.as_slice()));
        print_stdout_line(&line)?;
    }
    tracing::info!(%addr, tls = tls.is_some(), "serving the Terraform plugin protocol v6");

    let stopped = {
        let shutdown = shutdown.clone();
        async move { shutdown.cancelled().await }
    };
    let serving = async {
        match tls {
            Some(tls) => {
                let incoming = tls_incoming(listener, tls, shutdown.clone());
                server
                    .serve_with_incoming_shutdown(services, incoming, stopped)
                    .await
            }
            None => {
                use tokio_stream::StreamExt as _;
                let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener)
                    .map(|accepted| accepted.inspect(no_delay));
                server
                    .serve_with_incoming_shutdown(services, incoming, stopped)
                    .await
            }
        }
    };
    // Once shutdown starts, give open connections a moment to finish, then go.
    let grace = async {
        shutdown.cancelled().await;
        let grace = if parent_gone.is_cancelled() {
            parent::GRACE
        } else {
            SHUTDOWN_GRACE
        };
        tokio::time::sleep(grace).await;
        grace
    };
    tokio::select! {
        result = serving => result?,
        grace = grace => {
            tracing::warn!("connections still open {}ms after shutdown; exiting anyway", grace.as_millis());
        }
    }
    tracing::debug!("plugin server stopped");
    Ok(())
}

/// The plugin's gRPC services, chosen by the service name in the request
/// path (`/<package.Service>/<Method>`): go-plugin's health and controller
/// services and the provider. Any other service answers `UNIMPLEMENTED` (as
/// go-plugin's `GRPCStdio`, which Terraform may try, does). In place of
/// tonic's router, which would link axum into every provider.
struct Services<P: Provider> {
    health: HealthServer<HealthService>,
    controller: GrpcControllerServer<Controller>,
    provider: ProviderServer<P>,
}

impl<P: Provider> Clone for Services<P> {
    fn clone(&self) -> Self {
        Self {
            health: self.health.clone(),
            controller: self.controller.clone(),
            provider: self.provider.clone(),
        }
    }
}

impl<P: Provider> Service<http::Request<Body>> for Services<P> {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Each generated service is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let service = request
            .uri()
            .path()
            .strip_prefix('/')
            .and_then(|path| path.split_once('/'))
            .map(|(service, _method)| service);
        match service {
            Some(<ProviderServer<P> as NamedService>::NAME) => self.provider.call(request),
            Some(<HealthServer<HealthService> as NamedService>::NAME) => self.health.call(request),
            Some(<GrpcControllerServer<Controller> as NamedService>::NAME) => {
                self.controller.call(request)
            }
            _ => Box::pin(async { Ok(tonic::Status::unimplemented("").into_http()) }),
        }
    }
}

async fn bind_loopback(range: Option<(u16, u16)>) -> Result<TcpListener, PluginError> {
    let io = |context: String| move |source| PluginError::Io { context, source };
    match range {
        None => TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(io("listening on 127.0.0.1".into())),
        Some((lo, hi)) => {
            let mut last = None;
            for port in lo..=hi {
                match TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(l) => return Ok(l),
                    Err(e) => last = Some(e),
                }
            }
            Err(PluginError::Io {
                context: format!("no free port in {lo}-{hi} on 127.0.0.1"),
                source: last.unwrap_or_else(|| std::io::Error::other("empty port range")),
            })
        }
    }
}

/// Turns off Nagle's algorithm on an accepted plugin connection: gRPC writes
/// small frames and waits for their answers, so a delayed ACK would stall
/// every RPC by up to 40 ms.
fn no_delay(tcp: &tokio::net::TcpStream) {
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "could not set TCP_NODELAY");
    }
}

/// Accepts TCP connections and completes TLS handshakes off the accept loop,
/// so one slow or failing client cannot stall the others.
fn tls_incoming(
    listener: TcpListener,
    tls: tls::AutoMtls,
    shutdown: CancellationToken,
) -> tokio_stream::wrappers::ReceiverStream<
    Result<tokio_rustls::server::TlsStream<tokio::net::TcpStream>, std::io::Error>,
> {
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let acceptor = tokio_rustls::TlsAcceptor::from(tls.server_config);
    tokio::spawn(async move {
        loop {
            let (tcp, peer) = tokio::select! {
                _ = shutdown.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        tracing::warn!(error = %e, "accepting a connection failed");
                        continue;
                    }
                },
            };
            no_delay(&tcp);
            let acceptor = acceptor.clone();
            let tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => {
                        let _ = tx.send(Ok(stream)).await;
                    }
                    Ok(Err(e)) => tracing::warn!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::warn!(%peer, "TLS handshake timed out"),
                }
            });
        }
    });
    tokio_stream::wrappers::ReceiverStream::new(rx)
}

/// Watches the parent process `pid` (Terraform). Once it is gone: cancels
/// work in flight through the provider's own `StopProvider`, starts the
/// graceful shutdown and makes sure the process exits soon after.
fn spawn_parent_watch<P: Provider>(
    pid: u32,
    service: ProviderServer<P>,
    parent_gone: CancellationToken,
    shutdown: CancellationToken,
) {
    tracing::debug!(
        parent = pid,
        "watching the parent process; exiting when it is gone"
    );
    tokio::spawn(async move {
        parent::gone(pid).await;
        tracing::warn!(
            parent = pid,
            "the process that started the provider (Terraform) is gone: cancelling work in flight and exiting"
        );
        parent_gone.cancel();
        parent::exit_after(parent::GRACE + parent::BACKSTOP);
        // An in-process call: the same path as Terraform's StopProvider.
        let stopped = ProviderClient::new(service)
            .stop_provider(stop_provider::Request {})
            .await;
        if let Err(status) = stopped {
            tracing::warn!(error = %status, "StopProvider failed");
        }
        shutdown.cancel();
    });
}

/// SIGTERM stops the server. SIGINT is ignored, as go-plugin plugins do:
/// Terraform forwards Ctrl-C to the whole process group and then cancels
/// work itself through `StopProvider`. In debug mode Ctrl-C stops the server.
fn spawn_signal_handlers(shutdown: CancellationToken, debug: bool) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::warn!("could not install signal handlers");
            return;
        };
        loop {
            tokio::select! {
                _ = term.recv() => { shutdown.cancel(); return; }
                _ = int.recv() => {
                    if debug { shutdown.cancel(); return; }
                    tracing::debug!("ignoring SIGINT; Terraform stops us through StopProvider and Shutdown");
                }
            }
        }
    });
}

fn print_stdout_line(line: &str) -> Result<(), PluginError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|_| out.flush())
        .map_err(|source| PluginError::Io {
            context: "writing the handshake line".into(),
            source,
        })
}

/// The `TF_REATTACH_PROVIDERS` value for a provider serving at `addr`.
pub fn reattach_json(provider_address: &str, addr: SocketAddr) -> String {
    serde_json::json!({
        provider_address: {
            "Protocol": "grpc",
            "ProtocolVersion": handshake::PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": { "Network": "tcp", "String": addr.to_string() },
        }
    })
    .to_string()
}

fn print_reattach(provider_address: &str, addr: SocketAddr) -> Result<(), PluginError> {
    let json = reattach_json(provider_address, addr);
    print_stdout_line(&format!(
        "Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:\n\n\tTF_REATTACH_PROVIDERS='{json}'\n"
    ))
}

/// go-plugin's controller: `Shutdown` ends the process gracefully.
struct Controller {
    shutdown: CancellationToken,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(
        &self,
        _request: tonic::Request<Empty>,
    ) -> Result<tonic::Response<Empty>, tonic::Status> {
        tracing::debug!("Terraform asked the plugin to shut down");
        self.shutdown.cancel();
        Ok(tonic::Response::new(Empty {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reattach_shape() {
        let addr: SocketAddr = "127.0.0.1:41234".parse().unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&reattach_json("registry.terraform.io/example/notes", addr))
                .unwrap();
        let p = &v["registry.terraform.io/example/notes"];
        assert_eq!(p["Protocol"], "grpc");
        assert_eq!(p["ProtocolVersion"], 6);
        assert_eq!(p["Addr"]["Network"], "tcp");
        assert_eq!(p["Addr"]["String"], "127.0.0.1:41234");
        assert_eq!(p["Pid"], std::process::id());
    }

    #[tokio::test]
    async fn binds_within_range() {
        let l = bind_loopback(Some((20000, 20100))).await.unwrap();
        let port = l.local_addr().unwrap().port();
        assert!((20000..=20100).contains(&port));
    }
}
