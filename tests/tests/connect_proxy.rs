//! Proxies, as the Go client uses them: `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` for
//! `tcp://` and `https://` engines, never for a loopback address, a unix socket or a named
//! pipe; a proxy in code through the reqwest hook; credentials in a proxy URL never shown.
//!
//! The environment is the process's: this file holds one test, which sets it first.

mod connect_support;

use std::sync::{Arc, Mutex};

use base64::Engine;
use connect_support::{Behavior, TcpMock};
use docker_client::{reqwest, Docker};
use docker_client_tests::mock::{MockEngine, MockResponse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "pr0xy-s3cret";

/// The first line of a request and its `Proxy-Authorization`.
type Seen = (String, Option<String>);

/// A proxy on a loopback port that records the first line and the `Proxy-Authorization` of
/// each request, answers requests for `http://` URLs as the engine would (`/_ping`), and
/// refuses to tunnel (`CONNECT`).
struct Proxy {
    address: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Proxy {
    async fn start() -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let recorded = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match stream.read(&mut byte).await {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let line = head.lines().next().unwrap_or_default().to_owned();
                    let auth = head.lines().find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("proxy-authorization")
                            .then(|| value.trim().to_owned())
                    });
                    let connect = line.starts_with("CONNECT ");
                    recorded.lock().unwrap().push((line, auth));
                    let answer = if connect {
                        "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"
                    } else {
                        "HTTP/1.1 200 OK\r\nApi-Version: 1.43\r\nContent-Type: text/plain\r\n\
                         Content-Length: 5\r\nConnection: close\r\n\r\nproxy"
                    };
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
        Proxy { address, seen }
    }

    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

fn assert_clean(what: &str, text: &str) {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("user:{SECRET}"));
    assert!(
        !text.contains(SECRET) && !text.contains(&encoded),
        "{what} shows the proxy's password: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_proxies_apply_to_tcp_engines_but_loopback_sockets_and_pipes() {
    let proxy = Proxy::start().await;
    let url = format!("http://user:{SECRET}@{}", proxy.address);
    std::env::set_var("HTTP_PROXY", &url);
    std::env::set_var("HTTPS_PROXY", &url);
    std::env::set_var("NO_PROXY", "direct.invalid");
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("user:{SECRET}"))
    );

    // A remote tcp:// engine: through the proxy, with its credentials.
    let remote = Docker::connect("tcp://engine.invalid:2375").unwrap();
    assert_clean("Docker Debug", &format!("{remote:?}"));
    assert_eq!(remote.system_ping().await.unwrap().body, "proxy");
    assert_eq!(
        proxy.take(),
        [(
            "GET http://engine.invalid:2375/_ping HTTP/1.1".to_owned(),
            Some(basic.clone())
        )]
    );

    // A remote https:// engine: tunnelled through the proxy, which refuses here.
    let secure = Docker::connect("https://engine.invalid:2376").unwrap();
    let error = secure.system_ping().await.unwrap_err();
    assert_clean("proxy error", &format!("{error} / {error:?}"));
    assert!(
        error.to_string().contains("https://engine.invalid:2376"),
        "{error}"
    );
    let seen = proxy.take();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].0, "CONNECT engine.invalid:2376 HTTP/1.1");
    assert_eq!(seen[0].1.as_deref(), Some(basic.as_str()));

    // NO_PROXY: straight to the engine (whose name does not resolve).
    let error = Docker::connect("tcp://direct.invalid:2375")
        .unwrap()
        .system_ping()
        .await
        .unwrap_err();
    assert_clean("connect error", &format!("{error} / {error:?}"));
    assert!(proxy.take().is_empty());

    // Loopback addresses: never through a proxy.
    let local = TcpMock::start(Behavior::Ping("1.43")).await;
    let port = local.address.rsplit(':').next().unwrap().to_owned();
    for host in [
        local.address.clone(),
        format!("tcp://localhost:{port}"),
        format!("http://127.0.0.1:{port}"),
    ] {
        let ping = Docker::connect(&host).unwrap().system_ping().await.unwrap();
        assert_eq!(ping.body, "OK", "{host}");
    }
    assert_eq!(local.requests(), 3);
    assert!(proxy.take().is_empty());

    // A unix socket: never through a proxy, and the proxy's credentials never sent to it.
    let engine = MockEngine::respond_with(MockResponse::bytes(200, "text/plain", "OK"));
    assert_eq!(engine.docker().system_ping().await.unwrap().body, "OK");
    assert!(proxy.take().is_empty());
    let requests = engine.take_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("Proxy-Authorization"), None);

    // A proxy whose port is closed: the error names the engine, not the proxy's password.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    std::env::set_var("HTTP_PROXY", format!("http://user:{SECRET}@{closed}"));
    let error = Docker::connect("tcp://engine.invalid:2375")
        .unwrap()
        .system_ping()
        .await
        .unwrap_err();
    assert_clean("refused proxy error", &format!("{error} / {error:?}"));
    assert!(
        error.to_string().contains("tcp://engine.invalid:2375"),
        "{error}"
    );

    // Without the variables, nothing goes through a proxy...
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"] {
        std::env::remove_var(name);
    }
    let error = Docker::connect("tcp://engine.invalid:2375")
        .unwrap()
        .system_ping()
        .await
        .unwrap_err();
    assert!(!error.is_timeout(), "{error:?}");
    assert!(proxy.take().is_empty());

    // ...unless the code sets one through the reqwest hook, which applies even to loopback.
    let in_code = url.clone();
    let docker = Docker::builder()
        .host(local.address.clone())
        .reqwest(move |builder| builder.proxy(reqwest::Proxy::all(&in_code).unwrap()))
        .build()
        .unwrap();
    assert_clean("Docker Debug with a proxy in code", &format!("{docker:?}"));
    assert_eq!(docker.system_ping().await.unwrap().body, "proxy");
    let seen = proxy.take();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].1.as_deref(), Some(basic.as_str()));

    // Nor does a proxy in code apply to a unix socket, or its credentials go to it.
    let in_code = url.clone();
    let docker = Docker::builder()
        .host(format!("unix://{}", engine.socket_path().display()))
        .reqwest(move |builder| builder.proxy(reqwest::Proxy::all(&in_code).unwrap()))
        .build()
        .unwrap();
    assert_eq!(docker.system_ping().await.unwrap().body, "OK");
    assert!(proxy.take().is_empty());
    let requests = engine.take_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("Proxy-Authorization"), None);
}
