//! A progress bar on standard error while a computation runs (only on a terminal).

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Draws a progress bar until dropped.
pub struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Bar {
    /// Starts drawing `state()` = (done, total) with `label`, if standard error is a
    /// terminal.
    pub fn start(label: &str, state: impl Fn() -> (u64, u64) + Send + 'static) -> Bar {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::io::stderr().is_terminal().then(|| {
            let stop = stop.clone();
            let label = label.to_string();
            std::thread::spawn(move || {
                let bar = ProgressBar::new(0);
                if let Ok(style) = ProgressStyle::with_template(
                    "{msg:>12} [{bar:40}] {pos}/{len} tasks, {elapsed} (eta {eta})",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.set_message(label);
                while !stop.load(Ordering::Relaxed) {
                    let (done, total) = state();
                    bar.set_length(total);
                    bar.set_position(done);
                    std::thread::sleep(Duration::from_millis(100));
                }
                bar.finish_and_clear();
            })
        });
        Bar { stop, thread }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
