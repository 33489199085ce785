use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use gongkai::app::{self, Application};
use gongkai::config::Config;
use gongkai::{db, telemetry};

/// gongkai: government information disclosure (政府信息公开) backend.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the database if needed, apply migrations, and serve the API.
    Serve,
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
    /// Print the OpenAPI document (the committed `openapi/openapi.json`).
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        print!("{}", app::openapi_pretty_json());
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gongkai: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init_logging(config.log_format);
    let result = actix_web::rt::System::new().block_on(async move {
        match cli.command {
            Command::Serve => serve(config).await,
            Command::Migrate => migrate(config).await,
            Command::Openapi => unreachable!("handled above"),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gongkai: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let bind = config.bind;
    let started = std::time::Instant::now();
    let app = Application::build(config)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(
        %bind,
        port = app.port(),
        startup_ms = started.elapsed().as_millis() as u64,
        "listening"
    );
    app.run_until_stopped().await.map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(config: Config) -> Result<(), String> {
    let url = config.database_url.expose_secret();
    db::ensure_database(url).await.map_err(|e| e.to_string())?;
    let applied = db::run_migrations(url).await.map_err(|e| e.to_string())?;
    if applied.is_empty() {
        println!("no pending migrations");
    }
    for m in applied {
        println!("applied {m}");
    }
    Ok(())
}
