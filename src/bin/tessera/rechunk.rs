//! `tessera rechunk`: copy a Zarr array into a new store with other chunks, within a memory
//! limit.
//!
//! The copy is one lazy rechunk written with [`zarr::to_zarr`]: the plan reads each stored
//! chunk once where the new chunks cut across the old ones (the rechunk-staging pass), keeps
//! what fits the limit in memory and spills the rest to local files.

use crate::progress::Bar;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;
use tessera::zarr::{self, WriteOptions};
use tessera::{parse_memory_size, peak_rss, ComputeOptions, Error, Progress};

/// What to rechunk and how.
pub struct Args {
    pub input: PathBuf,
    pub output: PathBuf,
    pub chunks: Vec<usize>,
    pub memory: Option<String>,
    pub spill_dir: Option<PathBuf>,
    pub threads: Option<usize>,
    pub overwrite: bool,
    pub explain: bool,
}

pub fn run(args: &Args) -> tessera::Result<()> {
    let t0 = Instant::now();
    let x = zarr::open_zarr_any(&args.input)?;
    if args.chunks.len() != x.shape().len() {
        return Err(Error::Argument {
            op: "rechunk --chunks".into(),
            msg: format!(
                "{} chunk lengths given for {} of shape {:?}",
                args.chunks.len(),
                args.input.display(),
                x.shape()
            ),
        });
    }
    let mut opts = ComputeOptions::new();
    if let Some(m) = &args.memory {
        let bytes = parse_memory_size(m).ok_or_else(|| Error::Argument {
            op: "rechunk --memory".into(),
            msg: format!("{m:?} is not a size (bytes, or a number with K, M, G or T)"),
        })?;
        opts = opts.memory_limit(bytes);
    }
    if let Some(d) = &args.spill_dir {
        opts = opts.spill_dir(d);
    }
    if let Some(t) = args.threads {
        opts = opts.threads(t);
    }
    let y = x.rechunk(args.chunks.clone())?;
    if args.explain {
        eprintln!("{}", y.explain_with(&opts));
    }
    let write = zarr::to_zarr(
        &y,
        &args.output,
        WriteOptions::default()
            .chunks(args.chunks.clone())
            .overwrite(args.overwrite),
    )?;
    let progress = Arc::new(Progress::default());
    let report = {
        let p = progress.clone();
        let _bar = Bar::start("rechunk", move || (p.done() as u64, p.total() as u64));
        write.compute_with(&opts.progress(progress))?
    };
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "rechunked {} {:?} {} into {} with chunks {:?}: {} chunks, {:.1} MB in {secs:.2} s \
         ({:.0} MB/s){}",
        args.input.display(),
        x.shape(),
        x.dtype(),
        args.output.display(),
        args.chunks,
        report.chunks_written,
        report.bytes as f64 / 1e6,
        report.bytes as f64 / 1e6 / secs.max(1e-9),
        peak_rss().map_or(String::new(), |b| format!(
            ", peak RSS {:.0} MiB",
            b as f64 / (1 << 20) as f64
        )),
    );
    Ok(())
}

/// A chunk shape given on the command line.
#[derive(Debug, Clone)]
pub struct ChunkShape(pub Vec<usize>);

/// Parses `a,b,c` chunk lengths.
pub fn parse_chunks(s: &str) -> Result<ChunkShape, String> {
    s.split(',')
        .map(|p| match p.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{p:?} is not a positive chunk length")),
        })
        .collect::<Result<_, _>>()
        .map(ChunkShape)
}
