//! Keeping the store's write-ahead log copied into the file while ingest writes: a thread with
//! its own connection runs checkpoints on request, so the writer goes on with the next batch.

use super::store::Checkpointer;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender};

/// A request to the checkpoint thread.
pub(crate) enum Checkpoint {
    /// Copy what the writer committed into the file.
    Copy,
    /// Copy everything so that the log starts again; say when done.
    Restart(mpsc::Sender<()>),
}

/// What the checkpoint thread last saw of the log, shared with the writer.
#[derive(Default)]
pub(crate) struct LogKeeper {
    /// The log's size at the last checkpoint, in bytes.
    bytes: AtomicU64,
    /// A restart was kept from finishing by another reader of the store: from then on the log
    /// grows, as SQLite would let it, and nobody waits for a restart again.
    restart_blocked: AtomicBool,
}

impl LogKeeper {
    /// The checkpoint thread: serves requests until the writer hangs up. A failed copy leaves
    /// the pages in the log, where readers and the next checkpoint find them: nothing is lost.
    pub fn serve(&self, checkpointer: &Checkpointer, requests: Receiver<Checkpoint>) {
        for req in requests {
            match req {
                Checkpoint::Copy => {
                    if let Ok(state) = checkpointer.checkpoint() {
                        self.bytes.store(state.bytes, Ordering::Relaxed);
                    }
                }
                Checkpoint::Restart(done) => {
                    match checkpointer.restart() {
                        Ok(state) => {
                            self.bytes.store(state.bytes, Ordering::Relaxed);
                            self.restart_blocked
                                .fetch_or(state.blocked, Ordering::Relaxed);
                        }
                        Err(_) => self.restart_blocked.store(true, Ordering::Relaxed),
                    }
                    let _ = done.send(());
                }
            }
        }
    }

    /// The writer, after each commit: past `max_bytes` of log, waits (between transactions)
    /// for the log to be copied and restarted; otherwise asks for a copy and goes on.
    pub fn after_commit(&self, requests: &SyncSender<Checkpoint>, max_bytes: u64) {
        if self.bytes.load(Ordering::Relaxed) > max_bytes
            && !self.restart_blocked.load(Ordering::Relaxed)
        {
            let (done_tx, done_rx) = mpsc::channel();
            if requests.send(Checkpoint::Restart(done_tx)).is_ok() {
                let _ = done_rx.recv();
            }
        } else {
            // coalesces: one request waiting is enough
            let _ = requests.try_send(Checkpoint::Copy);
        }
    }
}
