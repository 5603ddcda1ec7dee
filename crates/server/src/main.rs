#![forbid(unsafe_code)]

use clap::Parser;

// glibc's allocator spent a tenth of the server's time under load in malloc and free, much
// of it in arena locks shared between the runtime's threads; mimalloc keeps per-thread heaps.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "docket=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = docket::cli::Cli::parse();
    match docket::commands::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
