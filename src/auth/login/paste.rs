//! Reading what the user pastes instead of the loopback redirect: the URL the
//! browser ended on, its query string, or the bare code. This is what makes
//! the browser flow work over SSH and in containers.

use std::io::BufRead;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncBufRead, AsyncRead, ReadBuf};
use tokio::sync::mpsc;
use url::Url;

use super::loopback::{Answer, is_code, read_redirect};

/// What a pasted line should look like, for the rejection message.
const EXPECTED: &str = "expected the URL the browser ended on \
     (http://localhost:PORT/OauthRedirect?code=…) or the code from it";

/// Reads one pasted line: `Ok(None)` for a blank line, `Err(reason)` for a
/// line that is not this login's redirect.
///
/// A full URL must carry this login's `state`. A bare code needs none: PKCE
/// ties the code to this login, so a code from elsewhere fails the exchange.
pub(super) fn parse(line: &str, state: &str) -> Result<Option<Answer>, String> {
    let text = line.trim();
    if text.is_empty() {
        return Ok(None);
    }

    let lower = text.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let url = Url::parse(text).map_err(|_| format!("the URL cannot be read; {EXPECTED}"))?;
        let query = url.query().unwrap_or_default();
        return read_redirect(query, state, true)
            .map(Some)
            .map_err(|reason| format!("the URL is not this login's redirect: {reason}"));
    }
    let query = text.strip_prefix('?').unwrap_or(text);
    if ["code=", "state=", "error="]
        .iter()
        .any(|p| query.starts_with(p))
    {
        return read_redirect(query, state, false)
            .map(Some)
            .map_err(|reason| format!("the text is not this login's redirect: {reason}"));
    }

    // Codes are copied from the address bar as often as from the page, so a
    // percent-encoded one (`…%3D%3D`) is decoded.
    match percent_decode(text) {
        Some(code) if is_code(&code) => Ok(Some(Answer::Code(code))),
        _ => Err(EXPECTED.to_string()),
    }
}

/// Standard input as the `paste` of [`browser_login`](super::browser_login).
///
/// NOTE: `tokio::io::stdin()` must not be used for this: its read cannot be
/// cancelled, and a runtime waits for it when dropped, so the command would
/// hang after the login until the user pressed Enter. Here a detached thread
/// reads the lines; it ends with the process, or at the next line once the
/// login no longer listens.
pub fn stdin_paste() -> impl AsyncBufRead + Unpin + Send {
    let (tx, rx) = mpsc::channel(4);
    let spawned = std::thread::Builder::new()
        .name("login-paste".into())
        .spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(mut line) = line else { break };
                line.push('\n');
                if tx.blocking_send(line.into_bytes()).is_err() {
                    break;
                }
            }
        });
    if let Err(e) = spawned {
        // Without the thread, `tx` is gone and the paste input is simply empty.
        tracing::debug!(error = %e, "cannot read pasted input");
    }
    ChannelReader {
        rx,
        chunk: Vec::new(),
        at: 0,
    }
}

/// Bytes from a channel as an async reader; the end of the channel is EOF.
struct ChannelReader {
    rx: mpsc::Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    /// Bytes of `chunk` already consumed.
    at: usize,
}

impl AsyncBufRead for ChannelReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<&[u8]>> {
        let this = self.get_mut();
        while this.at >= this.chunk.len() {
            match ready!(this.rx.poll_recv(cx)) {
                Some(chunk) => {
                    this.chunk = chunk;
                    this.at = 0;
                }
                None => return Poll::Ready(Ok(&[])),
            }
        }
        Poll::Ready(Ok(&this.chunk[this.at..]))
    }

    fn consume(self: Pin<&mut Self>, amount: usize) {
        let this = self.get_mut();
        this.at = (this.at + amount).min(this.chunk.len());
    }
}

impl AsyncRead for ChannelReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(buf.remaining());
        buf.put_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(()))
    }
}

/// Decodes `%XX` escapes (not `+`: a raw base64 code may contain it).
/// `None` for a broken escape or a result that is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::login::LoginError;

    const STATE: &str = "st4te";

    fn code(line: &str) -> String {
        match parse(line, STATE) {
            Ok(Some(Answer::Code(code))) => code,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn full_redirect_urls_give_the_decoded_code() {
        let url = "http://localhost:1717/OauthRedirect?code=aPrxab%3D%3D&state=st4te";
        assert_eq!(code(url), "aPrxab==");
        assert_eq!(code(&format!("  {url}\r\n")), "aPrxab==");
    }

    #[test]
    fn urls_with_another_state_or_none_are_refused() {
        let other = parse(
            "http://localhost:1717/OauthRedirect?code=aPrxab&state=x",
            STATE,
        );
        assert!(other.unwrap_err().contains("state"));
        let none = parse("http://localhost:1717/OauthRedirect?code=aPrxab", STATE);
        assert!(none.unwrap_err().contains("state"));
    }

    #[test]
    fn query_strings_count_and_check_the_state_when_present() {
        assert_eq!(code("?code=aPrxab%3D%3D&state=st4te"), "aPrxab==");
        assert_eq!(code("code=aPrxab"), "aPrxab");
        assert!(parse("code=aPrxab&state=nope", STATE).is_err());
    }

    #[test]
    fn pasted_denials_end_the_login() {
        let url = "http://localhost:1717/OauthRedirect?error=access_denied&state=st4te";
        assert!(matches!(
            parse(url, STATE),
            Ok(Some(Answer::Failed(LoginError::Denied { .. })))
        ));
    }

    #[test]
    fn bare_codes_are_percent_decoded_but_plus_is_kept() {
        assert_eq!(code("aPrxab%3D%3D"), "aPrxab==");
        assert_eq!(code("aPrxab=="), "aPrxab==");
        assert_eq!(code("aP+rx/ab=="), "aP+rx/ab==");
    }

    #[tokio::test]
    async fn channel_readers_give_lines_then_eof() {
        use tokio::io::AsyncBufReadExt;

        let (tx, rx) = mpsc::channel(4);
        let reader = ChannelReader {
            rx,
            chunk: Vec::new(),
            at: 0,
        };
        tx.send(b"first\nsec".to_vec()).await.unwrap();
        tx.send(b"ond\n".to_vec()).await.unwrap();
        drop(tx);
        let mut lines = reader.lines();
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("first"));
        assert_eq!(lines.next_line().await.unwrap().as_deref(), Some("second"));
        assert_eq!(lines.next_line().await.unwrap(), None);
    }

    #[test]
    fn blank_lines_are_ignored_and_junk_is_refused() {
        assert!(matches!(parse("   \n", STATE), Ok(None)));
        for junk in ["yes", "two words here", "abc%zz", "%E2%28abcdef"] {
            assert!(parse(junk, STATE).is_err(), "{junk}");
        }
    }
}
