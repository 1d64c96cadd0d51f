//! `tessera`: look into Zarr datasets and run a demonstration workload.
//!
//! ```text
//! tessera info PATH               tree of groups and arrays with shapes, codecs, sizes
//! tessera stats PATH [--axis N]   min, max, mean, std and NaN count in one pass
//! tessera demo [DIR]              generate a climate-like dataset, analyse it, write results
//! ```

mod demo;
mod info;
mod progress;
mod stats;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "tessera", version, about = "Chunked arrays on Zarr stores")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the tree of groups and arrays: shape, dtype, chunks, codecs, stored chunks,
    /// bytes on disk and compression ratio.
    Info {
        /// A Zarr store (directory).
        path: PathBuf,
    },
    /// Compute min, max, mean, std and the NaN count of an array in one pass.
    Stats {
        /// A Zarr array (directory).
        path: PathBuf,
        /// Give the statistics per index along this axis instead of over the whole array.
        #[arg(long)]
        axis: Option<usize>,
        /// Worker threads (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Generate a synthetic time x lat x lon temperature dataset into a local Zarr store,
    /// compute anomalies against the time mean and a few reductions, and write the results.
    Demo {
        /// Directory for the store `DIR/demo.zarr` (its arrays are replaced if they exist).
        #[arg(default_value = "tessera-demo")]
        dir: PathBuf,
        /// Dataset size: small (about 0.02 GB), medium (about 1.5 GB) or large (about 6 GB).
        #[arg(long, default_value = "medium")]
        size: demo::Size,
    },
}

fn main() -> ExitCode {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any other thread exists; restoring the
    // default SIGPIPE action makes `tessera info x | head` end quietly, like other tools,
    // instead of failing on a closed pipe.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info { path } => info::run(&path),
        Command::Stats {
            path,
            axis,
            threads,
        } => stats::run(&path, axis, threads),
        Command::Demo { dir, size } => demo::run(&dir, size),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
