//! The documentation says what the code does.

use crate::helpers::TestApp;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

#[test]
fn readme_configuration_table_matches_the_code() {
    let readme = read("README.md");
    let start = readme.find("<!-- settings:start -->").unwrap();
    let end = readme.find("<!-- settings:end -->").unwrap();
    let table: Vec<&str> = readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .collect();
    let settings = gongkai::config::SETTINGS;
    assert_eq!(table.len(), settings.len(), "one row per setting");
    for (row, s) in table.iter().zip(settings) {
        let expected = format!("| `{}` | `{}` | {} |", s.name, s.default, s.description);
        assert_eq!(*row, expected);
    }
}

#[test]
fn docker_files_name_real_paths_and_settings() {
    let names: Vec<&str> = gongkai::config::SETTINGS.iter().map(|s| s.name).collect();
    for file in ["docker/Dockerfile", "docker/compose.yaml"] {
        let text = read(file);
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.starts_with("GONGKAI_") || word == "DATABASE_URL" || word == "RUST_LOG" {
                assert!(names.contains(&word), "{file} names unknown setting {word}");
            }
        }
    }
    let dockerfile = read("docker/Dockerfile");
    for line in dockerfile
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from"))
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        for src in &parts[1..parts.len() - 1] {
            let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(src);
            assert!(p.exists(), "Dockerfile copies missing {src}");
        }
    }
    assert!(read("docker/compose.yaml").contains("dockerfile: docker/Dockerfile"));
}

/// Runs every `sh` block of docs/curl.md, in order, against a fresh server.
#[actix_web::test]
async fn curl_walkthrough_runs() {
    let app = TestApp::spawn().await;
    let leader = app.seed_user(gongkai::auth::Role::Leader).await;
    let doc = read("docs/curl.md");
    let mut script = String::from("set -euo pipefail\n");
    let mut in_block = false;
    for line in doc.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block && line.trim() == "```sh";
            continue;
        }
        if in_block {
            script.push_str(line);
            script.push('\n');
        }
    }
    let out = tokio::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("GONGKAI", &app.address)
        .env("LEADER_USER", &leader.username)
        .env("LEADER_PASSWORD", &leader.password)
        .output()
        .await
        .expect("bash runs");
    assert!(
        out.status.success(),
        "docs/curl.md failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
