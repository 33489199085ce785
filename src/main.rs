use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use gongkai::config::Config;
use gongkai::startup::{self, Application};
use gongkai::{db, telemetry};

/// mimalloc instead of glibc's allocator: a request allocates and frees many small buffers
/// (rows, JSON, headers) across two worker threads, and glibc's malloc took 12% of the server's
/// time on the list endpoint.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's options (`mi_option_e` in the vendored `mimalloc.h`, v3; libmimalloc-sys names
/// only some of them).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Gives freed memory back at once and commits arena memory only when used. By default
/// mimalloc keeps both for a while: a 10,000-row import then peaked at 183 MB resident instead
/// of 118, and argon2's 19 MiB per sign-in stayed resident after a burst of sign-ins.
fn tune_allocator() {
    // SAFETY: plain setters of mimalloc's global options, called before any thread starts.
    unsafe {
        // Their defaults in the vendored `options.c`: a check (in debug builds, which the CLI
        // tests run) that the numbers still name these options.
        debug_assert_eq!(libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY), 1000);
        debug_assert_eq!(
            libmimalloc_sys::mi_option_get(MI_OPTION_ARENA_EAGER_COMMIT),
            2
        );
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
    }
}

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

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        print!("{}", startup::openapi_pretty_json());
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
