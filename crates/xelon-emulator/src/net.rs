//! The emulator's listener: TCP connections that a lost answer (`"drop"`)
//! can close without any HTTP answer.
//!
//! [`Listener`] wraps each accepted stream in a [`Stream`] sharing a flag
//! with the [`Connection`] the router sees as connect info. Once the flag is
//! set, the stream refuses to read or write, so the server gives up on the
//! connection and closes it before a byte of the answer is sent: the client
//! sees the connection closed (a transport error), as when a gateway or the
//! network loses an answer.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections can be dropped from a handler.
#[derive(Debug)]
pub struct Listener(TcpListener);

impl Listener {
    /// Wraps `listener`.
    pub fn new(listener: TcpListener) -> Self {
        Self(listener)
    }
}

impl axum::serve::Listener for Listener {
    type Io = Stream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Stream, SocketAddr) {
        let (tcp, remote) = axum::serve::Listener::accept(&mut self.0).await;
        // Answers go out at once, as from a real API's servers: no Nagle
        // delay between a response's head and its body.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let stream = Stream {
            tcp,
            dropped: Arc::new(AtomicBool::new(false)),
        };
        (stream, remote)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// An accepted TCP stream that stops reading and writing once its
/// [`Connection`] is dropped.
#[derive(Debug)]
pub struct Stream {
    tcp: TcpStream,
    dropped: Arc<AtomicBool>,
}

impl Stream {
    fn check(&self) -> io::Result<()> {
        if self.dropped.load(Ordering::SeqCst) {
            Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "connection dropped by the Xelon emulator (lost answer)",
            ))
        } else {
            Ok(())
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.tcp).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.check()?;
        Pin::new(&mut this.tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
}

/// The connection a request came on (axum connect info): the switch that
/// drops it.
#[derive(Debug, Clone)]
pub struct Connection {
    dropped: Arc<AtomicBool>,
}

impl Connection {
    /// Drops the connection: nothing more is read or written on it, so the
    /// answer being prepared is never sent and the connection is closed.
    pub fn drop_now(&self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, Listener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, Listener>) -> Self {
        Self {
            dropped: stream.io().dropped.clone(),
        }
    }
}
