//! The `mneme` binary: parse the command line, run it, and turn any failure into one clear line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Everything mneme writes is private: files 0600, dirs 0700, whatever creates them.
    // SAFETY: umask only changes this process's file-creation mask.
    unsafe { libc::umask(0o077) };
    let cli = mneme::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("mneme: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(mneme::cli::run(cli)) {
        Ok(code) => code,
        Err(err) => {
            tracing::error!("{err:?}");
            eprintln!("mneme: {}", mneme::cli::error_line(&err));
            ExitCode::FAILURE
        }
    }
}
