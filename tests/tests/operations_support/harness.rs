// The harness of the table of operations, shared by `operations.rs` (the async client) and
// `operations_blocking.rs` (the blocking client), which include it.
// ------------------------------------------------------------------------------------------
// The harness.

type Check = Result<(), String>;

/// An expected header value: text, or base64url-encoded JSON (registry credentials).
#[derive(Debug)]
enum HeaderValue {
    Text(String),
    Base64Json(Value),
}

/// An expected query value: text, or JSON compared as a value (map key order is free).
#[derive(Debug)]
enum Query {
    Text(String),
    Json(Value),
}

#[derive(Debug)]
enum BodyExpect {
    /// No body, and no `Content-Type`.
    Empty,
    /// A JSON body, sent as `application/json`.
    Json(Value),
    /// Bytes, with one of these content types.
    Bytes(&'static [&'static str], Vec<u8>),
}

/// One call of an operation: what the client must send, what the mock answers, and a check of
/// what the method returns.
struct Case {
    id: &'static str,
    note: &'static str,
    method: &'static str,
    /// The path below the version prefix, percent-encoded as it must be sent.
    path: String,
    query: Vec<(&'static str, Query)>,
    raw_query: Option<&'static str>,
    headers: Vec<(&'static str, HeaderValue)>,
    body: BodyExpect,
    /// What the client writes on a hijacked (`101`) connection.
    upgraded_input: Option<Vec<u8>>,
    response: MockResponse,
    call: Option<Call>,
}

fn case(id: &'static str, method: &'static str, path: impl Into<String>) -> Case {
    Case {
        id,
        note: "",
        method,
        path: path.into(),
        query: Vec::new(),
        raw_query: None,
        headers: Vec::new(),
        body: BodyExpect::Empty,
        upgraded_input: None,
        response: MockResponse::status(200),
        call: None,
    }
}

impl Case {
    /// Tells apart several cases of one operation.
    fn note(mut self, note: &'static str) -> Self {
        self.note = note;
        self
    }

    fn q(mut self, key: &'static str, value: impl ToString) -> Self {
        self.query.push((key, Query::Text(value.to_string())));
        self
    }

    fn q_json(mut self, key: &'static str, value: Value) -> Self {
        self.query.push((key, Query::Json(value)));
        self
    }

    /// The query exactly as sent, still encoded.
    fn raw_query(mut self, raw: &'static str) -> Self {
        self.raw_query = Some(raw);
        self
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, HeaderValue::Text(value.into())));
        self
    }

    /// A header holding base64url-encoded JSON, like `X-Registry-Auth`.
    fn header_json(mut self, name: &'static str, value: Value) -> Self {
        self.headers.push((name, HeaderValue::Base64Json(value)));
        self
    }

    fn upgraded_input(mut self, input: &[u8]) -> Self {
        self.upgraded_input = Some(input.to_vec());
        self
    }

    fn json_body(mut self, body: Value) -> Self {
        self.body = BodyExpect::Json(body);
        self
    }

    fn bytes_body(
        mut self,
        content_types: &'static [&'static str],
        body: impl Into<Vec<u8>>,
    ) -> Self {
        self.body = BodyExpect::Bytes(content_types, body.into());
        self
    }

    fn respond(mut self, response: MockResponse) -> Self {
        self.response = response;
        self
    }


    fn label(&self) -> String {
        if self.note.is_empty() {
            self.id.to_owned()
        } else {
            format!("{} ({})", self.id, self.note)
        }
    }
}


fn check_request(case: &Case, request: &RecordedRequest) -> Vec<String> {
    let mut failures = Vec::new();

    // The case agrees with the generated table of operations.
    // Pings go without a version prefix, which an older engine would refuse.
    let expected_path = match case.id {
        "SystemPing" | "SystemPingHead" => case.path.to_owned(),
        _ => format!("/v{API_VERSION}{}", case.path),
    };
    match OPERATIONS.iter().find(|op| op.id == case.id) {
        None => failures.push("not in OPERATIONS".to_owned()),
        Some(op) => {
            if op.method != case.method {
                failures.push(format!(
                    "OPERATIONS says {}, the case {}",
                    op.method, case.method
                ));
            }
            if !template_matches(op.path, &case.path) {
                failures.push(format!(
                    "the case's path {} does not fit OPERATIONS' template {}",
                    case.path, op.path
                ));
            }
        }
    }

    if request.method != case.method {
        failures.push(format!(
            "method {}, expected {}",
            request.method, case.method
        ));
    }
    if request.path != expected_path {
        failures.push(format!("path {}, expected {expected_path}", request.path));
    }

    // The query: the same keys, and for each key the same values in the same order.
    let mut expected: Vec<&(&str, Query)> = case.query.iter().collect();
    expected.sort_by_key(|(key, _)| *key);
    let mut actual: Vec<&(String, String)> = request.query.iter().collect();
    actual.sort_by(|a, b| a.0.cmp(&b.0));
    let expected_keys: Vec<&str> = expected.iter().map(|(k, _)| *k).collect();
    let actual_keys: Vec<&str> = actual.iter().map(|(k, _)| k.as_str()).collect();
    if expected_keys != actual_keys {
        failures.push(format!(
            "query keys {actual_keys:?}, expected {expected_keys:?} (query: {:?})",
            request.raw_query
        ));
    } else {
        for ((key, want), (_, got)) in expected.iter().zip(&actual) {
            let same = match want {
                Query::Text(text) => got == text,
                Query::Json(value) => {
                    serde_json::from_str::<Value>(got).ok().as_ref() == Some(value)
                }
            };
            if !same {
                failures.push(format!("query `{key}` is {got:?}, expected {want:?}"));
            }
        }
    }
    if let Some(raw) = case.raw_query {
        if request.raw_query != raw {
            failures.push(format!(
                "raw query {:?}, expected {raw:?}",
                request.raw_query
            ));
        }
    }

    // Headers: the expected ones, and no registry credentials unless expected.
    for (name, want) in &case.headers {
        let got = request.header(name);
        let same = match want {
            HeaderValue::Text(text) => got == Some(text.as_str()),
            HeaderValue::Base64Json(value) => got
                .and_then(base64url_decode)
                .and_then(|json| serde_json::from_slice::<Value>(&json).ok())
                .is_some_and(|json| &json == value),
        };
        if !same {
            failures.push(format!("header {name} is {got:?}, expected {want:?}"));
        }
    }
    if let Some(want) = &case.upgraded_input {
        if &request.upgraded_input != want {
            failures.push(format!(
                "the client wrote {:?} on the hijacked connection, expected {:?}",
                String::from_utf8_lossy(&request.upgraded_input),
                String::from_utf8_lossy(want)
            ));
        }
    }
    for name in ["x-registry-auth", "x-registry-config"] {
        let expected = case
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name));
        if !expected && request.header(name).is_some() {
            failures.push(format!(
                "unexpected header {name}: {:?}",
                request.header(name)
            ));
        }
    }

    // The body.
    let content_type = request.header("content-type");
    match &case.body {
        BodyExpect::Empty => {
            if !request.body.is_empty() {
                failures.push(format!(
                    "expected no body, got {:?}",
                    String::from_utf8_lossy(&request.body)
                ));
            }
            if content_type.is_some() {
                failures.push(format!("no body but Content-Type {content_type:?}"));
            }
        }
        BodyExpect::Json(want) => {
            if content_type != Some("application/json") {
                failures.push(format!(
                    "Content-Type {content_type:?}, expected application/json"
                ));
            }
            match serde_json::from_slice::<Value>(&request.body) {
                Ok(got) if &got == want => {}
                Ok(got) => failures.push(format!("JSON body {got}, expected {want}")),
                Err(e) => failures.push(format!(
                    "body is not JSON ({e}): {:?}",
                    String::from_utf8_lossy(&request.body)
                )),
            }
        }
        BodyExpect::Bytes(types, want) => {
            if !content_type.is_some_and(|t| types.contains(&t)) {
                failures.push(format!(
                    "Content-Type {content_type:?}, expected one of {types:?}"
                ));
            }
            if &request.body != want {
                failures.push(format!(
                    "body of {} bytes differs from the {} expected",
                    request.body.len(),
                    want.len()
                ));
            }
        }
    }
    failures
}

/// Decodes base64 in the URL-safe alphabet (`-`, `_`), padded or not, as the engine's
/// `base64.URLEncoding` does; `None` for anything else, such as the standard alphabet's `+`/`/`.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut bits, mut count) = (0u32, 0);
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        bits = bits << 6 | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

/// Whether `path` fills the `{param}` segments of `template` with one segment each.
fn template_matches(template: &str, path: &str) -> bool {
    let template: Vec<&str> = template.split('/').collect();
    let path: Vec<&str> = path.split('/').collect();
    template.len() == path.len()
        && template.iter().zip(&path).all(|(t, p)| {
            if t.starts_with('{') && t.ends_with('}') {
                !p.is_empty()
            } else {
                t == p
            }
        })
}

/// Fails a check with the client's error.
fn fail(error: Error) -> String {
    format!("the call failed: {error}")
}

macro_rules! ensure_eq {
    ($actual:expr, $expected:expr $(,)?) => {
        match (&$actual, &$expected) {
            (actual, expected) => {
                if actual != expected {
                    return Err(format!(
                        "`{}` is {:?}, expected {:?}",
                        stringify!($actual),
                        actual,
                        expected
                    ));
                }
            }
        }
    };
}

macro_rules! ensure {
    ($condition:expr) => {{
        if !$condition {
            return Err(format!("`{}` is false", stringify!($condition)));
        }
    }};
}
