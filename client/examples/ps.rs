//! `docker ps`: a table of the engine's containers.
//!
//! ```sh
//! cargo run -p docker-client --example ps          # running containers
//! cargo run -p docker-client --example ps -- -a    # all containers
//! ```
//!
//! The engine is `DOCKER_HOST`, or `/var/run/docker.sock` when it is not set.

use std::time::{SystemTime, UNIX_EPOCH};

use docker_client::models::ContainerSummary;
use docker_client::Docker;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let all = std::env::args().skip(1).any(|a| a == "-a" || a == "--all");
    let docker = Docker::from_env()?;
    let containers = docker.container_list().all(all).await?;

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let header = [
        "CONTAINER ID",
        "IMAGE",
        "COMMAND",
        "CREATED",
        "STATUS",
        "PORTS",
        "NAMES",
    ];
    let rows: Vec<[String; 7]> = containers.iter().map(|c| row(c, now)).collect();

    // Each column as wide as its widest cell, like the CLI's tabwriter.
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    print_row(&header.map(str::to_owned), &widths);
    for row in &rows {
        print_row(row, &widths);
    }
    Ok(())
}

fn row(c: &ContainerSummary, now: i64) -> [String; 7] {
    let id: String = c.id.as_deref().unwrap_or("").chars().take(12).collect();
    let image = c.image.clone().unwrap_or_default();
    let command = format!("\"{}\"", truncate(c.command.as_deref().unwrap_or(""), 20));
    let created = c
        .created
        .map(|t| format!("{} ago", human_duration(now - t)))
        .unwrap_or_default();
    let status = c.status.clone().unwrap_or_default();
    let ports = c
        .ports
        .iter()
        .flatten()
        .map(|p| match (p.ip.as_deref(), p.public_port) {
            (Some(ip), Some(public)) => format!("{ip}:{public}->{}/{}", p.private_port, p.r#type),
            _ => format!("{}/{}", p.private_port, p.r#type),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let names = c
        .names
        .iter()
        .flatten()
        .map(|n| n.trim_start_matches('/'))
        .collect::<Vec<_>>()
        .join(",");
    [id, image, command, created, status, ports, names]
}

fn print_row(cells: &[String; 7], widths: &[usize; 7]) {
    let mut line = String::new();
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        if i + 1 == cells.len() {
            line.push_str(cell);
        } else {
            line.push_str(&format!("{cell:<width$}   "));
        }
    }
    println!("{}", line.trim_end());
}

/// At most `max` characters, with `…` when cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max - 1).collect();
        cut.push('…');
        cut
    }
}

/// "5 seconds", "3 minutes", "2 hours", "4 days", as the CLI says it.
fn human_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (value, unit) = match seconds {
        0..=59 => (seconds, "second"),
        60..=3599 => (seconds / 60, "minute"),
        3600..=86_399 => (seconds / 3600, "hour"),
        86_400..=1_209_599 => (seconds / 86_400, "day"),
        _ => (seconds / 604_800, "week"),
    };
    match value {
        1 if unit == "hour" => "About an hour".to_owned(),
        1 => format!("1 {unit}"),
        n => format!("{n} {unit}s"),
    }
}
