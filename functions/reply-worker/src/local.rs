//! The embedded queue local-api runs (issue 9: "the same worker code
//! in-process"): [`LocalQueue`] implements the `JobQueue` port over a
//! channel, and [`LocalWorker`] drafts each job after its delay with the
//! same `Crm::draft_reply` the Lambda calls, at most
//! [`LOCAL_CONCURRENCY`] at once, and runs the sweep on a timer.
//!
//! It survives a restart because the jobs are the store's, not the
//! channel's: the outbox (`reply_log_id`, GSI4 `REPLY_JOBS`) is written
//! with the message, and at start the worker sweeps every pending job at
//! once (nothing of this process can be in flight yet). A failed job is
//! left pending and retried by the sweep, as on AWS.

use std::sync::Arc;
use std::time::Duration;

use crm_domain::reply::{JobQueue, QueueError, ReplyJob, ReplyModel};
use crm_domain::Crm;
use tokio::sync::{mpsc, Semaphore};

/// Jobs drafted at once by the embedded worker.
pub const LOCAL_CONCURRENCY: usize = 2;

/// The sending side: what `Crm::with_queue` takes.
#[derive(Clone)]
pub struct LocalQueue {
    tx: mpsc::UnboundedSender<(ReplyJob, Duration)>,
}

#[async_trait::async_trait]
impl JobQueue for LocalQueue {
    /// Errors: the worker has stopped (the process is shutting down).
    async fn enqueue(&self, jobs: &[ReplyJob], delay: Duration) -> Result<(), QueueError> {
        for job in jobs {
            self.tx
                .send((job.clone(), delay))
                .map_err(|_| QueueError("the embedded reply worker has stopped".into()))?;
        }
        Ok(())
    }
}

/// The receiving side, to [`LocalWorker::spawn`] once the `Crm` holds the queue.
pub struct LocalWorker {
    rx: mpsc::UnboundedReceiver<(ReplyJob, Duration)>,
}

/// A connected queue and worker.
pub fn channel() -> (LocalQueue, LocalWorker) {
    let (tx, rx) = mpsc::unbounded_channel();
    (LocalQueue { tx }, LocalWorker { rx })
}

impl LocalWorker {
    /// Runs the worker on the current runtime: every job after its delay,
    /// the sweep at start (every pending job) and then every `sweep_every`.
    /// `crm` must send to this worker's [`LocalQueue`].
    pub fn spawn(
        mut self,
        crm: Crm,
        model: Arc<dyn ReplyModel>,
        sweep_every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let permits = Arc::new(Semaphore::new(LOCAL_CONCURRENCY));
        let sweeper = crm.clone();
        tokio::spawn(async move {
            let grace = sweeper.settings().reply.sweep_grace;
            // At start: every job still pending is due (none is in flight yet).
            let at_start = sweeper.now() + grace;
            if let Err(e) = sweeper.sweep_reply_jobs(at_start).await {
                tracing::warn!(error = %e, "reply sweep at start failed");
            }
            let mut tick = tokio::time::interval(sweep_every);
            tick.tick().await;
            loop {
                tokio::select! {
                    next = self.rx.recv() => {
                        let Some((job, delay)) = next else { break };
                        let (crm, model, permits) = (crm.clone(), model.clone(), permits.clone());
                        tokio::spawn(async move {
                            tokio::time::sleep(delay).await;
                            let Ok(_permit) = permits.acquire().await else { return };
                            match crm.draft_reply(&job, model.as_ref()).await {
                                Ok(outcome) => tracing::info!(log_id = job.log_id.get(), outcome = ?outcome, "reply job done"),
                                Err(e) => tracing::warn!(log_id = job.log_id.get(), error = %e, "reply job failed; the sweep retries it"),
                            }
                        });
                    }
                    _ = tick.tick() => {
                        if let Err(e) = crate::handle_sweep(&sweeper).await {
                            tracing::warn!(error = %e, "reply sweep failed");
                        }
                    }
                }
            }
        })
    }
}
