use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use gongkai::app::{self, Application};
use gongkai::config::Config;
use gongkai::{db, telemetry};

/// mimalloc instead of glibc's allocator: a request allocates and frees many small buffers
/// (rows, JSON, headers) across two worker threads, and glibc's malloc took 12% of the server's
/// time on the list endpoint.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Manage accounts from the command line (the first leader is made this way).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from standard input, never from arguments.
    Create {
        #[arg(long)]
        username: String,
        /// leader, staff or public.
        #[arg(long)]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

/// argon2 takes 19 MiB per hash on the blocking threads; glibc keeps such blocks in its
/// per-thread arenas, so a burst of sign-ins left hundreds of MB resident (764 MB measured in
/// the login benchmark). Served by mmap instead, blocks of 1 MiB and more go back to the system
/// when freed (60 MB measured).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_large_blocks_to_the_system() {
    // SAFETY: mallopt only changes allocator parameters; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_large_blocks_to_the_system() {}

fn main() -> ExitCode {
    return_large_blocks_to_the_system();
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
            Command::User {
                command:
                    UserCommand::Create {
                        username,
                        role,
                        display_name,
                        password_stdin,
                    },
            } => create_user(config, username, role, display_name, password_stdin).await,
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

async fn create_user(
    config: Config,
    username: String,
    role: String,
    display_name: Option<String>,
    password_stdin: bool,
) -> Result<(), String> {
    use gongkai::auth::Role;
    use gongkai::auth::password::Hasher;
    use gongkai::error::AppError;
    use gongkai::users::{self, NewUser};

    let role = Role::parse(&role)
        .ok_or_else(|| format!("unknown role `{role}`: use leader, staff or public"))?;
    if !password_stdin {
        return Err("pass --password-stdin and give the password on standard input".into());
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password: {e}"))?;
    let password = secrecy::SecretString::from(line.trim_end_matches(['\r', '\n']).to_owned());
    let new = NewUser::parse(username, display_name, role, password).map_err(|e| match e {
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    })?;
    let url = config.database_url.expose_secret();
    db::ensure_database(url).await.map_err(|e| e.to_string())?;
    db::run_migrations(url).await.map_err(|e| e.to_string())?;
    let pool = db::build_pool(&config).map_err(|e| e.to_string())?;
    let hash = Hasher::new(1)
        .hash(&new.password)
        .await
        .map_err(|e| e.to_string())?;
    let mut conn = pool
        .get()
        .await
        .map_err(|e| format!("cannot connect to {}: {e}", config.redacted_database_url()))?;
    let user = users::insert(&mut conn, gongkai::audit::Actor::system(), &new, &hash)
        .await
        .map_err(|e| match e {
            AppError::Conflict { detail, .. } => detail.to_string(),
            other => other.to_string(),
        })?;
    println!("created {} ({}) {}", user.username, user.role, user.id);
    Ok(())
}
