//! `tessera`: look into Zarr datasets and run a demonstration workload.
//!
//! ```text
//! tessera info PATH               tree of groups and arrays with shapes, codecs, sizes
//! tessera stats PATH [--axis N]   min, max, mean, std and NaN count in one pass
//! tessera demo [DIR]              generate a climate-like dataset, analyse it, write results
//! tessera rechunk IN OUT --chunks a,b [--memory 1G]
//!                                 copy an array with other chunks within a memory limit
//! ```

mod demo;
mod info;
mod progress;
mod rechunk;
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
    /// Copy a Zarr array into a new store with other chunks, keeping memory within a limit
    /// (stored chunks that do not fit are spilled to local files).
    Rechunk {
        /// The Zarr array to read (directory).
        input: PathBuf,
        /// The new store (directory).
        output: PathBuf,
        /// The new chunk shape, one length per axis: `200,20000`.
        #[arg(long, value_parser = rechunk::parse_chunks)]
        chunks: rechunk::ChunkShape,
        /// Memory limit: bytes or a number with K, M, G or T (default: TESSERA_MEMORY_LIMIT,
        /// or three quarters of the available memory).
        #[arg(long)]
        memory: Option<String>,
        /// Where spill files go (default: TESSERA_SPILL_DIR, or the temporary directory).
        #[arg(long)]
        spill_dir: Option<PathBuf>,
        /// Worker threads (default: one per core).
        #[arg(long)]
        threads: Option<usize>,
        /// Replace OUTPUT if it exists.
        #[arg(long)]
        overwrite: bool,
        /// Print the plan (stages, per-task memory, what spills) before running it.
        #[arg(long)]
        explain: bool,
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
        Command::Rechunk {
            input,
            output,
            chunks,
            memory,
            spill_dir,
            threads,
            overwrite,
            explain,
        } => rechunk::run(&rechunk::Args {
            input,
            output,
            chunks: chunks.0,
            memory,
            spill_dir,
            threads,
            overwrite,
            explain,
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
