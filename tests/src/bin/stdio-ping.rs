//! A stand-in for `ssh ... docker system dial-stdio` in the tests of `ssh://` engines on
//! Windows (`tests/tests/connect_npipe.rs`, under Wine): whatever its arguments, it answers
//! every request (without a body) on its standard input with `200 OK` and an `Api-Version`, on
//! its standard output, keeping the connection, as an engine reached through dial-stdio would.

use std::io::{BufRead, Write};

fn main() {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    let mut line = String::new();
    loop {
        line.clear();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if line.trim_end_matches(['\r', '\n']).is_empty() {
            let answer = "HTTP/1.1 200 OK\r\nApi-Version: 1.45\r\nContent-Type: text/plain; \
                          charset=utf-8\r\nContent-Length: 2\r\n\r\nOK";
            if stdout
                .write_all(answer.as_bytes())
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return;
            }
        }
    }
}
